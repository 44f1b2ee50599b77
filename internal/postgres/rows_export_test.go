package postgres

import "github.com/jackc/pgx/v5"

// RowScan is, for tests, one row type the stores scan by name: what it is
// read from (x names the table), the columns the stores select, a zero row
// whose tags tests inspect, and the stores' own scan function.
type RowScan struct {
	From    string
	Columns string
	Row     any
	Scan    func(pgx.CollectableRow) (any, error)
}

func scanAny[T any](scan pgx.RowToFunc[T]) func(pgx.CollectableRow) (any, error) {
	return func(row pgx.CollectableRow) (any, error) { return scan(row) }
}

// RowScans lists every row type of the stores.
func RowScans() []RowScan {
	return []RowScan{
		{"protection_case x", caseColumns, caseRow{}, scanAny(scanCase)},
		{"child_circumstance x", circumstanceColumns, circumstanceRow{}, scanAny(scanCircumstance)},
		{"birth_registration x", birthRegistrationColumns, birthRegistrationRow{}, scanAny(scanBirthRegistration)},
		{"residence_registration x", residenceRegistrationColumns, residenceRegistrationRow{}, scanAny(scanResidenceRegistration)},
		{"insurance_card x", insuranceCardColumns, insuranceCardRow{}, scanAny(scanInsuranceCard)},
		{"injury x", injuryColumns, injuryRow{}, scanAny(scanInjury)},
		{"support x", supportColumns, supportRow{}, scanAny(scanSupport)},
		{"gift_visit x", giftColumns, giftVisitRow{}, scanAny(scanGiftVisit)},
		{"swimming_class x", classColumns, swimmingClassRow{}, scanAny(scanSwimmingClass)},
		{"service_point x", servicePointColumns, servicePointRow{}, scanAny(scanServicePoint)},
		{"communication_activity x", communicationColumns, communicationActivityRow{}, scanAny(scanCommunicationActivity)},
		{"training_course x", trainingColumns, trainingCourseRow{}, scanAny(scanTrainingCourse)},
		{"plan_activity x", planActivityColumns, planActivityRow{}, scanAny(scanPlanActivity)},
		{"periodic_report x", reportColumns, reportRow{}, scanAny(scanReport)},
		{"swimming_enrolment x", enrolmentColumns, enrolmentRow{}, scanAny(scanEnrolment)},
		{"commune_facts x", communeFactsColumns, communeFactsRow{}, scanAny(scanCommuneFacts)},
		{"public_holiday x", holidayColumns, holidayRow{}, scanAny(scanHoliday)},
		{"case_deadline x", caseDeadlineColumns, caseDeadlineRow{}, scanAny(scanCaseDeadline)},
		{"periodic_report r JOIN org_unit u ON u.id = r.unit_id", submissionColumns, submissionRow{}, scanAny(scanSubmission)},
	}
}

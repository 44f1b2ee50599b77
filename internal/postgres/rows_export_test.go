package postgres

import "github.com/jackc/pgx/v5"

// RowScan is, for tests, one row type the stores scan by name: the table it
// is read from, the columns the stores select, a zero row whose tags tests
// inspect, and the stores' own scan function.
type RowScan struct {
	Table   string
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
		{"protection_case", caseColumns, caseRow{}, scanAny(scanCase)},
		{"child_circumstance", circumstanceColumns, circumstanceRow{}, scanAny(scanCircumstance)},
		{"birth_registration", birthRegistrationColumns, birthRegistrationRow{}, scanAny(scanBirthRegistration)},
		{"residence_registration", residenceRegistrationColumns, residenceRegistrationRow{}, scanAny(scanResidenceRegistration)},
		{"insurance_card", insuranceCardColumns, insuranceCardRow{}, scanAny(scanInsuranceCard)},
		{"injury", injuryColumns, injuryRow{}, scanAny(scanInjury)},
		{"support", supportColumns, supportRow{}, scanAny(scanSupport)},
		{"gift_visit", giftColumns, giftVisitRow{}, scanAny(scanGiftVisit)},
		{"swimming_class", classColumns, swimmingClassRow{}, scanAny(scanSwimmingClass)},
		{"service_point", servicePointColumns, servicePointRow{}, scanAny(scanServicePoint)},
		{"communication_activity", communicationColumns, communicationActivityRow{}, scanAny(scanCommunicationActivity)},
		{"plan_activity", planActivityColumns, planActivityRow{}, scanAny(scanPlanActivity)},
		{"periodic_report", reportColumns, reportRow{}, scanAny(scanReport)},
		{"swimming_enrolment", enrolmentColumns, enrolmentRow{}, scanAny(scanEnrolment)},
		{"commune_facts", communeFactsColumns, communeFactsRow{}, scanAny(scanCommuneFacts)},
	}
}

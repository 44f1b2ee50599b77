package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// rowFixture is one stored row of a table and the domain value it must scan
// to. Its values differ field from field, so that any swap of two columns
// shows.
type rowFixture struct {
	insert string // SQL, run as the owner; none for a migration's row
	where  string // selects the row, when others are stored
	want   any
}

// TestRowsScanByName reads one row of every row type with the stores' own
// columns and scan functions, once in the stores' column order and once
// reversed: a scan that maps columns by position, or a `db` tag naming the
// wrong column, gets some field wrong.
func TestRowsScanByName(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	ctx := context.Background()
	const child, prevCase = 5001, 7000
	vn := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, domain.Vietnam)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ptr := func(v time.Time) *time.Time { return &v }
	var department int
	if err := pool.QueryRow(ctx, `SELECT min(id) FROM department`).Scan(&department); err != nil {
		t.Fatal(err)
	}
	narrative := "Đã triển khai"
	yes, closed, cert, prev := true, "closed", "KS-2015-0042", int64(prevCase)
	u := a.c1
	fixtures := map[string]rowFixture{
		"protection_case x": {
			insert: fmt.Sprintf(`INSERT INTO protection_case (id, child_id, unit_id, case_type, received_at,
			    emergency_deadline, plan_deadline, approval_deadline) OVERRIDING SYSTEM VALUE
			  VALUES (%[1]d, %[2]d, %[3]d, 'other', '2023-01-02 08:00+07', '2023-01-02 20:00+07', '2023-01-09 08:00+07',
			    '2023-01-11 08:00+07');
			  INSERT INTO protection_case (id, child_id, unit_id, case_type, status, received_at, initial_assessed_at,
			    emergency_needed, emergency_measures_at, detailed_assessed_at, plan_drafted_at, plan_approved_at,
			    in_progress_at, reviewed_at, closed_at, outcome, emergency_deadline, plan_deadline, previous_case_id,
			    approval_deadline) OVERRIDING SYSTEM VALUE
			  VALUES (7001, %[2]d, %[3]d, 'neglect', 'replanned', '2024-03-01 08:00+07', '2024-03-01 09:00+07', true,
			    '2024-03-01 10:00+07', '2024-03-01 11:00+07', '2024-03-01 12:00+07', '2024-03-01 13:00+07',
			    '2024-03-01 14:00+07', '2024-03-01 15:00+07', '2024-03-01 16:00+07', 'closed', '2024-03-01 20:00+07',
			    '2024-03-08 17:00+07', %[1]d, '2024-03-12 17:00+07')`, prevCase, child, u),
			where: "x.id = 7001",
			want: domain.Case{ID: 7001, ChildID: child, UnitID: u, Type: "neglect", Status: domain.CaseReplanned,
				ReceivedAt: vn("2024-03-01 08:00"), InitialAssessedAt: ptr(vn("2024-03-01 09:00")), EmergencyNeeded: &yes,
				EmergencyMeasuresAt: ptr(vn("2024-03-01 10:00")), DetailedAssessedAt: ptr(vn("2024-03-01 11:00")),
				PlanDraftedAt: ptr(vn("2024-03-01 12:00")), PlanApprovedAt: ptr(vn("2024-03-01 13:00")),
				InProgressAt: ptr(vn("2024-03-01 14:00")), ReviewedAt: ptr(vn("2024-03-01 15:00")),
				ClosedAt: ptr(vn("2024-03-01 16:00")), Outcome: &closed, EmergencyDeadline: vn("2024-03-01 20:00"),
				PlanDeadline: vn("2024-03-08 17:00"), PreviousCaseID: &prev, ApprovalDeadline: vn("2024-03-12 17:00")},
		},
		"child_circumstance x": {
			insert: fmt.Sprintf(`INSERT INTO child_circumstance (id, child_id, group_code, started_on, ended_on)
			  OVERRIDING SYSTEM VALUE VALUES (7101, %d, 'ABANDONED', '2020-01-01', '2021-06-30')`, child),
			want: domain.Circumstance{ID: 7101, ChildID: child, GroupCode: "ABANDONED", StartedOn: day("2020-01-01"),
				EndedOn: ptr(day("2021-06-30"))},
		},
		"birth_registration x": {
			insert: fmt.Sprintf(`INSERT INTO birth_registration (child_id, unit_id, registered_on, certificate_number)
			  VALUES (%d, %d, '2015-03-10', '%s')`, child, u, cert),
			want: domain.BirthRegistration{ChildID: child, UnitID: u, RegisteredOn: day("2015-03-10"), CertificateNumber: &cert},
		},
		"residence_registration x": {
			insert: fmt.Sprintf(`INSERT INTO residence_registration (id, child_id, unit_id, kind, registered_on, ended_on)
			  OVERRIDING SYSTEM VALUE VALUES (7201, %d, %d, 'temporary', '2016-01-01', '2019-12-31')`, child, u),
			want: domain.ResidenceRegistration{ID: 7201, ChildID: child, UnitID: u, Kind: "temporary",
				RegisteredOn: day("2016-01-01"), EndedOn: ptr(day("2019-12-31"))},
		},
		"insurance_card x": {
			insert: fmt.Sprintf(`INSERT INTO insurance_card (id, child_id, card_number, valid_from, valid_to)
			  OVERRIDING SYSTEM VALUE VALUES (7301, %d, 'TE1234567890123', '2024-01-01', '2024-12-31')`, child),
			want: domain.InsuranceCard{ID: 7301, ChildID: child, CardNumber: "TE1234567890123",
				ValidFrom: day("2024-01-01"), ValidTo: day("2024-12-31")},
		},
		"injury x": {
			insert: fmt.Sprintf(`INSERT INTO injury (id, child_id, unit_id, occurred_on, cause, outcome)
			  OVERRIDING SYSTEM VALUE VALUES (7401, %d, %d, '2023-05-05', 'drowning', 'injured')`, child, u),
			want: domain.Injury{ID: 7401, ChildID: child, UnitID: u, OccurredOn: day("2023-05-05"), Cause: "drowning",
				Outcome: "injured"},
		},
		"support x": {
			insert: fmt.Sprintf(`INSERT INTO support (id, child_id, unit_id, support_type, provider, amount_vnd, given_on)
			  OVERRIDING SYSTEM VALUE VALUES (7501, %d, %d, 'cash', 'Red Cross', 1500000, '2023-06-01')`, child, u),
			want: domain.Support{ID: 7501, ChildID: child, UnitID: u, Type: "cash", Provider: "Red Cross",
				AmountVND: 1500000, GivenOn: day("2023-06-01")},
		},
		"gift_visit x": {
			insert: fmt.Sprintf(`INSERT INTO gift_visit (id, child_id, unit_id, occasion, visited_on, value_vnd)
			  OVERRIDING SYSTEM VALUE VALUES (7601, %d, %d, 'tet', '2024-02-05', 500000)`, child, u),
			want: domain.GiftVisit{ID: 7601, ChildID: child, UnitID: u, Occasion: "tet", VisitedOn: day("2024-02-05"),
				ValueVND: 500000},
		},
		"swimming_class x": {
			insert: fmt.Sprintf(`INSERT INTO swimming_class (id, unit_id, name, starts_on, ends_on)
			  OVERRIDING SYSTEM VALUE VALUES (7701, %d, 'Safe swimming', '2023-07-01', '2023-07-15')`, u),
			want: domain.SwimmingClass{ID: 7701, UnitID: u, Name: "Safe swimming", StartsOn: day("2023-07-01"),
				EndsOn: day("2023-07-15")},
		},
		"swimming_enrolment x": {
			insert: fmt.Sprintf(`INSERT INTO swimming_enrolment (id, class_id, child_id, enrolled_on, completed_on)
			  OVERRIDING SYSTEM VALUE VALUES (7702, 7701, %d, '2023-07-02', '2023-07-14')`, child),
			want: domain.Enrolment{ID: 7702, ClassID: 7701, ChildID: child, EnrolledOn: day("2023-07-02"),
				CompletedOn: ptr(day("2023-07-14"))},
		},
		"service_point x": {
			insert: fmt.Sprintf(`INSERT INTO service_point (id, unit_id, name, opened_on, closed_on)
			  OVERRIDING SYSTEM VALUE VALUES (7801, %d, 'Counselling point', '2022-01-01', '2024-01-01')`, u),
			want: domain.ServicePoint{ID: 7801, UnitID: u, Name: "Counselling point", OpenedOn: day("2022-01-01"),
				ClosedOn: ptr(day("2024-01-01"))},
		},
		"communication_activity x": {
			insert: fmt.Sprintf(`INSERT INTO communication_activity (id, unit_id, held_on, topic, participants, channel, reach)
			  OVERRIDING SYSTEM VALUE VALUES (7901, %d, '2023-09-09', 'Online safety', 42, 'loudspeaker', 1200)`, u),
			want: domain.CommunicationActivity{ID: 7901, UnitID: u, HeldOn: day("2023-09-09"), Topic: "Online safety",
				Participants: 42, Channel: "loudspeaker", Reach: new(1200)},
		},
		"training_course x": {
			insert: fmt.Sprintf(`INSERT INTO training_course (id, unit_id, level, starts_on, ends_on, topic, hours, trainer)
			  OVERRIDING SYSTEM VALUE VALUES (7951, %d, 'commune', '2023-10-02', '2023-10-03', 'Case management', 16, 'UNICEF');
			  INSERT INTO training_participant (course_id, officer_role, unit_id, female, male)
			  VALUES (7951, 'commune_officer', %d, 1, 2)`, u, u),
			want: domain.TrainingCourse{ID: 7951, UnitID: u, Level: "commune", StartsOn: day("2023-10-02"),
				EndsOn: day("2023-10-03"), Topic: "Case management", Hours: 16, Trainer: "UNICEF",
				Participants: []domain.TrainingParticipants{{OfficerRole: "commune_officer", UnitID: u, Female: 1, Male: 2}}},
		},
		"plan_activity x": {
			insert: fmt.Sprintf(`INSERT INTO plan_activity (id, unit_id, year, title, due_on, done_on)
			  OVERRIDING SYSTEM VALUE VALUES (8001, %d, 2024, 'Children forum', '2024-10-01', '2024-09-20')`, u),
			want: domain.PlanActivity{ID: 8001, UnitID: u, Year: 2024, Title: "Children forum", DueOn: day("2024-10-01"),
				DoneOn: ptr(day("2024-09-20"))},
		},
		"periodic_report x": { // a member department's, so that every column is set
			insert: fmt.Sprintf(`INSERT INTO periodic_report (id, unit_id, department_id, period, due_on, submitted_at,
			    figures, narrative)
			  OVERRIDING SYSTEM VALUE VALUES (8101, %d, %d, '2024-H1', '2024-05-15', '2024-05-14 10:00+07',
			    '[{"key": "children", "value": 3}]', 'Đã triển khai')`, u, department),
			want: domain.Report{ID: 8101, UnitID: u, DepartmentID: &department, Period: "2024-H1", DueOn: day("2024-05-15"),
				SubmittedAt: ptr(vn("2024-05-14 10:00")),
				Content:     &domain.ReportContent{Figures: []domain.ReportFigure{{Key: "children", Value: 3}}, Narrative: &narrative}},
		},
		"commune_facts x": {
			insert: fmt.Sprintf(`INSERT INTO commune_facts (unit_id, year, worker_assigned, villages,
			    villages_with_collaborator, board_meetings, funding_vnd, play_venues, children_forums,
			    survey_respondents, survey_satisfied, category)
			  VALUES (%d, 2023, true, 12, 9, 7, 250000000, 3, 2, 30, 27, 'mountain_island_dbkk')`, u),
			want: domain.CommuneFacts{UnitID: u, Year: 2023, WorkerAssigned: true, Villages: 12,
				VillagesWithCollaborator: 9, BoardMeetings: 7, FundingVND: 250000000, PlayVenues: 3, ChildrenForums: 2,
				SurveyRespondents: 30, SurveySatisfied: 27, Category: "mountain_island_dbkk"},
		},
		"public_holiday x": {
			insert: `INSERT INTO public_holiday (id, day, kind, name, provisional, source) OVERRIDING SYSTEM VALUE
			  VALUES (9001, '2030-06-05', 'holiday', 'Test day', true, 'test fixture')`,
			where: "x.day = '2030-06-05'",
			want: domain.PublicHoliday{ID: 9001, Day: day("2030-06-05"), Kind: "holiday", Name: "Test day",
				Provisional: true, Source: "test fixture"},
		},
		"case_deadline x": { // the migration's row
			where: "x.step = 'plan_draft'",
			want: domain.CaseDeadline{Step: "plan_draft", WorkingDays: 5, Provisional: false,
				Source: "Decree 56/2017 Art. 28(1), except emergencies"},
		},
		"periodic_report r JOIN org_unit u ON u.id = r.unit_id": { // the report above
			where: "r.id = 8101",
			want: domain.ReportSubmission{UnitCode: "99101", Period: "2024-H1", DueOn: day("2024-05-15"),
				SubmittedAt: ptr(vn("2024-05-14 10:00"))},
		},
	}
	if _, err := pool.Exec(ctx, fmt.Sprintf(`INSERT INTO child (id, full_name, sex, birth_date, commune_id)
	  OVERRIDING SYSTEM VALUE VALUES (%d, 'Võ Thị Em', 'F', '2014-02-02', %d)`, child, u)); err != nil {
		t.Fatalf("child: %v", err)
	}
	// In an order that satisfies the foreign keys.
	for _, from := range []string{"protection_case x", "child_circumstance x", "birth_registration x",
		"residence_registration x", "insurance_card x", "injury x", "support x", "gift_visit x", "swimming_class x",
		"swimming_enrolment x", "service_point x", "communication_activity x", "training_course x", "plan_activity x", "periodic_report x",
		"commune_facts x", "public_holiday x"} {
		if _, err := pool.Exec(ctx, fixtures[from].insert); err != nil {
			t.Fatalf("fixture %s: %v", from, err)
		}
	}

	for _, rs := range postgres.RowScans() {
		t.Run(rs.From, func(t *testing.T) {
			f, ok := fixtures[rs.From]
			if !ok {
				t.Fatalf("no fixture for %s: add one", rs.From)
			}
			allDistinct(t, f.want)
			cols := strings.Split(rs.Columns, ",")
			for i := range cols {
				cols[i] = strings.TrimSpace(cols[i])
			}
			reversed := slices.Clone(cols)
			slices.Reverse(reversed)
			for _, order := range [][]string{cols, reversed} {
				where := ""
				if f.where != "" {
					where = " WHERE " + f.where
				}
				var got any
				var names []string
				err := postgres.InArea(ctx, pool, domain.Scope{All: true}, true, func(tx pgx.Tx) error {
					rows, err := tx.Query(ctx, "SELECT "+strings.Join(order, ", ")+" FROM "+rs.From+where)
					if err != nil {
						return err
					}
					for _, d := range rows.FieldDescriptions() {
						names = append(names, d.Name)
					}
					got, err = pgx.CollectExactlyOneRow(rows, rs.Scan)
					return err
				})
				if err != nil {
					t.Fatalf("columns %v: %v", order, err)
				}
				tagsMatch(t, rs.Row, names)
				sameFields(t, fmt.Sprintf("columns %v", order), got, f.want)
			}
		})
	}
}

// tagsMatch checks that every field of row names, by its `db` tag, exactly
// one of the selected columns, and that every column has a field.
func tagsMatch(t *testing.T, row any, columns []string) {
	t.Helper()
	rt := reflect.TypeOf(row)
	var tags []string
	for i := range rt.NumField() {
		tag, ok := rt.Field(i).Tag.Lookup("db")
		if !ok || tag == "" || tag == "-" {
			t.Errorf("%s.%s has no db tag", rt.Name(), rt.Field(i).Name)
			continue
		}
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	cols := slices.Sorted(slices.Values(columns))
	if !slices.Equal(tags, cols) {
		t.Errorf("%s tags %v, selected columns %v", rt.Name(), tags, cols)
	}
}

// sameFields compares two structs field by field, times by instant, and names
// every field that differs.
func sameFields(t *testing.T, what string, got, want any) {
	t.Helper()
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	if gv.Type() != wv.Type() {
		t.Fatalf("%s: got a %s, want a %s", what, gv.Type(), wv.Type())
	}
	for i := range wv.NumField() {
		g, w := deref(gv.Field(i)), deref(wv.Field(i))
		if g == nil || w == nil {
			if g != w {
				t.Errorf("%s: %s = %v, want %v", what, wv.Type().Field(i).Name, g, w)
			}
			continue
		}
		gt, isTime := g.(time.Time)
		if isTime && gt.Equal(w.(time.Time)) || !isTime && reflect.DeepEqual(g, w) {
			continue
		}
		t.Errorf("%s: %s = %v, want %v", what, wv.Type().Field(i).Name, g, w)
	}
}

// allDistinct refuses a fixture in which two fields hold the same value (or
// a nil), since a swap of those two would go unseen.
func allDistinct(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	seen := map[string]string{}
	for i := range rv.NumField() {
		name := rv.Type().Field(i).Name
		x := deref(rv.Field(i))
		if x == nil {
			t.Fatalf("fixture leaves %s nil", name)
		}
		key := fmt.Sprint(x)
		if tm, ok := x.(time.Time); ok {
			key = tm.UTC().String()
		}
		if other, dup := seen[key]; dup {
			t.Fatalf("fixture gives %s and %s the same value %v", other, name, x)
		}
		seen[key] = name
	}
}

func deref(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	return v.Interface()
}

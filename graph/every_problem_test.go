package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/graph"
	"treem/internal/analytics"
	"treem/internal/childfriendly"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
)

// TestWritesAnswerEveryProblemTogether: endCircumstance, the swimming-class
// enrolments, advanceCase, the working-day calendar's mutations and the
// scoring table's upload answer every problem of their input in one payload,
// each with its field path and code: the input's own checks, and the store's
// checks before the write (a date before the child's birth or before the
// commune existed, an unknown group, an end before the membership's start, a
// completion before the enrolment, a time before the case's last step). A
// CSV's problems name their line and column in the path. Nothing is written,
// and nothing audited but the read of the birth date a problem tells of.
func TestWritesAnswerEveryProblemTogether(t *testing.T) {
	var res *graph.Resolver
	s, a := opsServer(t, withGraph(func(o *graph.Options) { res = o.Resolver }))
	// Uploading a scoring table needs only the analytics store, no warehouse.
	res.Analytics = analytics.New(nil, postgres.NewAnalyticsStore(s.pool), indicators.Default())
	ctx := context.Background()
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	province := token(t, domain.RoleProvinceOfficer, "99")
	an := a.children["Nguyễn Văn An"] // born 2015-03-01 in 99101 (in force from 2000), in DISABLED since 2020
	var class, foreignClass int64
	for unit, id := range map[int]*int64{a.c1: &class, a.c3: &foreignClass} {
		if err := s.pool.QueryRow(ctx, `INSERT INTO swimming_class (unit_id, name, starts_on, ends_on)
		  VALUES ($1, 'Bơi an toàn', '2025-06-01', '2025-06-30') RETURNING id`, unit).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on) VALUES ($1, $2, '2025-06-01')`,
		class, an); err != nil {
		t.Fatal(err)
	}
	r := s.query(t, commune, `mutation($c: ID!) { openCase(input: {childId: $c, type: NEGLECT, receivedAt: "2026-04-24T10:00:00+07:00"}) {
	  case { id } errors { field } } }`, map[string]any{"c": an})
	var opened struct {
		OpenCase struct{ Case struct{ ID string } }
	}
	decode(t, r, &opened)
	caseID := opened.OpenCase.Case.ID
	// A table with three faults: a threshold missing, negative points, an unknown value.
	broken := string(childfriendly.DefaultJSON())
	for _, edit := range [][2]string{{`"mountain_island_dbkk": 800, `, ``}, {`{"min": 98, "points": 50}`, `{"min": 98, "points": -50}`},
		{`"value": "play_venues"`, `"value": "swings"`}} {
		if !strings.Contains(broken, edit[0]) {
			t.Fatalf("the default table lacks %s", edit[0])
		}
		broken = strings.Replace(broken, edit[0], edit[1], 1)
	}
	// Line 2 a holiday on a Saturday, 3 valid, 4 no date, 5 the date of
	// line 3 again, 6 no name and a flag that is not one, 7 a column short.
	csv := "day,kind,name,provisional,source\n2031-01-04,holiday,x,true,s\n2031-01-01,holiday,Tết,true,s\n" +
		"2031-02-30,holiday,x,true,s\n2031-01-01,holiday,x,true,s\n2031-01-02,holiday, ,maybe,s\n2031-01-03,holiday,x,true\n"

	tests := []struct {
		name, token, mutation, q string
		vars                     map[string]any
		state                    string   // SQL whose answer a refused write leaves as it was
		want                     []string // field path=code of every problem, in order
		audited                  bool     // a read of the birth date
	}{
		{"EndUnreadable", commune, "endCircumstance",
			`mutation EndUnreadable { endCircumstance(input: {childId: "x", group: "DISABLED", endedOn: "2999-01-01"}) {
			  child { id } errors { field code message } } }`, nil,
			`SELECT count(*) FROM child_circumstance WHERE ended_on IS NOT NULL`,
			[]string{"input.childId=INVALID_INPUT", "input.endedOn=INVALID_INPUT"}, false},
		{"EndThree", commune, "endCircumstance",
			`mutation EndThree($c: ID!) { endCircumstance(input: {childId: $c, group: "NO_SUCH", endedOn: "1999-06-01"}) {
			  child { id } errors { field code message } } }`, map[string]any{"c": an},
			`SELECT count(*) FROM child_circumstance WHERE ended_on IS NOT NULL`,
			// Before the birth, before the commune existed, and an unknown group.
			[]string{"input.endedOn=INVALID_INPUT", "input.endedOn=INVALID_INPUT", "input.group=INVALID_INPUT"}, true},
		{"EndBeforeStart", commune, "endCircumstance",
			`mutation EndBeforeStart($c: ID!) { endCircumstance(input: {childId: $c, group: "DISABLED", endedOn: "2019-12-31"}) {
			  child { id } errors { field code message } } }`, map[string]any{"c": an},
			`SELECT count(*) FROM child_circumstance WHERE ended_on IS NOT NULL`,
			[]string{"input.endedOn=INVALID_INPUT"}, false},
		{"EnrolThree", commune, "enrolInSwimmingClass",
			`mutation EnrolThree($c: ID!) { enrolInSwimmingClass(input: {classId: "class-1", childId: $c, on: "2999-01-01"}) {
			  enrolment { id } errors { field code message } } }`, map[string]any{"c": "Child:1"},
			`SELECT count(*) FROM swimming_enrolment`,
			[]string{"input.classId=INVALID_INPUT", "input.childId=INVALID_INPUT", "input.on=INVALID_INPUT"}, false},
		{"EnrolBeforeBirth", commune, "enrolInSwimmingClass",
			`mutation EnrolBeforeBirth($k: ID!, $c: ID!) { enrolInSwimmingClass(input: {classId: $k, childId: $c, on: "1999-06-01"}) {
			  enrolment { id } errors { field code message } } }`, map[string]any{"k": fmt.Sprint(class), "c": an},
			`SELECT count(*) FROM swimming_enrolment`,
			[]string{"input.on=INVALID_INPUT", "input.on=INVALID_INPUT"}, true},
		{"CompleteThree", commune, "completeSwimmingClass",
			`mutation CompleteThree { completeSwimmingClass(input: {classId: "0", childId: "-1", on: "2999-01-01"}) {
			  enrolment { id } errors { field code message } } }`, nil,
			`SELECT count(*) FROM swimming_enrolment WHERE completed_on IS NOT NULL`,
			[]string{"input.classId=INVALID_INPUT", "input.childId=INVALID_INPUT", "input.on=INVALID_INPUT"}, false},
		{"CompleteBeforeBirth", commune, "completeSwimmingClass",
			`mutation CompleteBeforeBirth($k: ID!, $c: ID!) { completeSwimmingClass(input: {classId: $k, childId: $c, on: "1999-06-01"}) {
			  enrolment { id } errors { field code message } } }`, map[string]any{"k": fmt.Sprint(class), "c": an},
			`SELECT count(*) FROM swimming_enrolment WHERE completed_on IS NOT NULL`,
			// Before the birth, before the commune existed, before the enrolment.
			[]string{"input.on=INVALID_INPUT", "input.on=INVALID_INPUT", "input.on=INVALID_INPUT"}, true},
		{"CompleteBeforeEnrolment", commune, "completeSwimmingClass",
			`mutation CompleteBeforeEnrolment($k: ID!, $c: ID!) { completeSwimmingClass(input: {classId: $k, childId: $c, on: "2025-05-31"}) {
			  enrolment { id } errors { field code message } } }`, map[string]any{"k": fmt.Sprint(class), "c": an},
			`SELECT count(*) FROM swimming_enrolment WHERE completed_on IS NOT NULL`,
			[]string{"input.on=INVALID_INPUT"}, false},
		{"AdvanceThree", commune, "advanceCase",
			`mutation AdvanceThree { advanceCase(input: {caseId: "ProtectionCase", to: INITIAL_ASSESSED, at: "2999-01-01T00:00:00+07:00"}) {
			  case { id } errors { field code message } } }`, nil,
			`SELECT count(*) FROM protection_case WHERE status <> 'received'`,
			[]string{"input.caseId=INVALID_INPUT", "input.at=INVALID_INPUT", "input.emergencyNeeded=INVALID_INPUT"}, false},
		{"AdvanceTwo", commune, "advanceCase",
			`mutation AdvanceTwo($id: ID!) { advanceCase(input: {caseId: $id, to: INITIAL_ASSESSED, at: "2026-04-24T09:00:00+07:00"}) {
			  case { id } errors { field code message } } }`, map[string]any{"id": caseID},
			`SELECT count(*) FROM protection_case WHERE status <> 'received'`,
			// Every problem the step's two other fields can have with a real case.
			[]string{"input.emergencyNeeded=INVALID_INPUT", "input.at=INVALID_INPUT"}, false},
		{"SetThree", province, "setPublicHoliday",
			`mutation SetThree { setPublicHoliday(input: {day: "2031-01-04", kind: HOLIDAY, name: " ", provisional: true, source: ""}) {
			  publicHoliday { id } errors { field code message } } }`, nil,
			`SELECT count(*) FROM public_holiday`,
			[]string{"input.day=INVALID_INPUT", "input.name=INVALID_INPUT", "input.source=INVALID_INPUT"}, false},
		{"RemoveOutOfRange", province, "removePublicHoliday",
			`mutation RemoveOutOfRange { removePublicHoliday(day: "1999-12-31") { publicHoliday { id } errors { field code message } } }`, nil,
			`SELECT count(*) FROM public_holiday`,
			// A day is the only input: its one problem.
			[]string{"day=INVALID_INPUT"}, false},
		{"UploadLines", province, "uploadPublicHolidays",
			`mutation UploadLines($csv: String!) { uploadPublicHolidays(year: 2031, csv: $csv) {
			  publicHolidays { id } errors { field code message } } }`, map[string]any{"csv": csv},
			`SELECT count(*) FROM public_holiday`,
			[]string{"csv.2.day=INVALID_INPUT", "csv.4.day=INVALID_INPUT", "csv.5.day=INVALID_INPUT", "csv.6.name=INVALID_INPUT",
				"csv.6.provisional=INVALID_INPUT", "csv.7=INVALID_INPUT"}, false},
		{"ScoringFour", province, "uploadChildFriendlyScoring",
			`mutation ScoringFour($t: String!) { uploadChildFriendlyScoring(table: $t, override: "short") {
			  scoringTable { version } errors { field code message } } }`, map[string]any{"t": broken},
			`SELECT count(*) FROM child_friendly_scoring`,
			[]string{"table=INVALID_INPUT", "table=INVALID_INPUT", "table=INVALID_INPUT", "override=INVALID_INPUT"}, false},
	}
	state := func(sql string) (n int) {
		t.Helper()
		if err := s.pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := state(tt.state)
			r := s.query(t, tt.token, tt.q, tt.vars)
			t.Logf("response: %s", r.raw)
			p := payloadOf(t, r, tt.mutation)
			var got []string
			for _, e := range p.Errors {
				got = append(got, strings.Join(e.Field, ".")+"="+e.Code)
			}
			if p.object != "null" || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v: %s", got, tt.want, r.raw)
			}
			if n := state(tt.state); n != before {
				t.Fatalf("a refused %s changed %q from %d to %d", tt.mutation, tt.state, before, n)
			}
			rows := auditRows(t, s, tt.name)
			if tt.audited && (len(rows) != 1 || rows[0].Action != "read" || !slices.Equal(rows[0].Fields, []string{"birthDate"})) {
				t.Fatalf("audit %+v, want one read of birthDate", rows)
			}
			if !tt.audited && len(rows) != 0 {
				t.Fatalf("audit %+v, want none", rows)
			}
		})
	}

	// A CSV problem's message names the line and the column as its path does.
	r = s.query(t, province, `mutation($csv: String!) { uploadPublicHolidays(year: 2031, csv: $csv) { errors { field message } } }`,
		map[string]any{"csv": csv})
	if !strings.Contains(r.raw, `{"field":["csv","2","day"],"message":"line 2, day: 2031-01-04 is a Saturday, already a day off: list the weekday it moves to"}`) {
		t.Fatalf("a CSV problem: %s", r.raw)
	}
	// A class or an enrolment outside the area is NOT_FOUND alone, though the
	// input has problems; so is a case step that may not follow (CONFLICT).
	for name, q := range map[string]struct {
		q    string
		vars map[string]any
		code string
	}{
		"foreign class": {`mutation($k: ID!, $c: ID!) { enrolInSwimmingClass(input: {classId: $k, childId: $c, on: "1999-06-01"}) {
		  enrolment { id } errors { field } } }`, map[string]any{"k": fmt.Sprint(foreignClass), "c": an}, "NOT_FOUND"},
		"no enrolment": {`mutation($k: ID!, $c: ID!) { completeSwimmingClass(input: {classId: $k, childId: $c, on: "1999-06-01"}) {
		  enrolment { id } errors { field } } }`, map[string]any{"k": fmt.Sprint(class), "c": a.children["Trần Thị Bình"]}, "NOT_FOUND"},
		"skipped step": {`mutation($id: ID!) { advanceCase(input: {caseId: $id, to: PLAN_DRAFTED, at: "2999-01-01T00:00:00+07:00"}) {
		  case { id } errors { field } } }`, map[string]any{"id": caseID}, "CONFLICT"},
	} {
		r := s.query(t, commune, q.q, q.vars)
		if r.code() != q.code || len(r.Errors) != 1 || strings.Contains(r.raw, "INVALID_INPUT") {
			t.Errorf("%s: %s, want %s alone", name, r.raw, q.code)
		}
	}
	// Once the input is right, the membership ends.
	r = s.query(t, commune, `mutation($c: ID!) { endCircumstance(input: {childId: $c, group: "DISABLED", endedOn: "2025-12-31"}) {
	  child { id } errors { field } } }`, map[string]any{"c": an})
	if p := payloadOf(t, r, "endCircumstance"); len(p.Errors) != 0 || p.object == "null" {
		t.Fatalf("a valid end: %s", r.raw)
	}
}

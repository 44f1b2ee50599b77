package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

func TestCaseWorkflowThroughGraphQL(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	open := `mutation($child: ID!, $at: DateTime) { openCase(input: {childId: $child, type: SEXUAL_ABUSE, receivedAt: $at}) {
	  case { id status emergencyDeadline planDeadline approvalDeadline emergencyLate planLate approvalLate commune { code } child { id } }
	  errors { field code } } }`
	// Received Friday 24 April 2026, 10:00 in Vietnam. Counting working days by
	// hand: Sat 25, Sun 26 off; Mon 27 Hùng Kings' day; Tue 28 (1), Wed 29 (2);
	// Thu 30 and Fri 1 May holidays; Sat 2, Sun 3 off; Mon 4 (3), Tue 5 (4),
	// Wed 6 (5): the plan is due by the end of Wednesday 6 May.
	r := s.query(t, commune, open, map[string]any{"child": a.children["Nguyễn Văn An"], "at": "2026-04-24T10:00:00+07:00"})
	var opened struct {
		OpenCase struct {
			Case struct {
				ID, Status, EmergencyDeadline, PlanDeadline, ApprovalDeadline string
				EmergencyLate, PlanLate, ApprovalLate                         bool
			}
		}
	}
	decode(t, r, &opened)
	c := opened.OpenCase.Case
	// Thu 7 (6), Fri 8 (7): approval due by the end of Friday 8 May (provisional).
	if c.PlanDeadline != "2026-05-07T00:00:00+07:00" || c.ApprovalDeadline != "2026-05-09T00:00:00+07:00" ||
		c.EmergencyDeadline != "2026-04-24T22:00:00+07:00" || c.Status != "RECEIVED" {
		t.Fatalf("opened case: %+v", c)
	}
	if !strings.Contains(r.raw, `"commune":{"code":"99101"}`) {
		t.Fatalf("case commune: %s", r.raw)
	}
	advance := `mutation($id: ID!, $to: CaseStatus!, $at: DateTime, $em: Boolean) {
	  advanceCase(input: {caseId: $id, to: $to, at: $at, emergencyNeeded: $em}) { case { status emergencyLate planLate } errors { field code } } }`
	step := func(to, at string, em any) response {
		return s.query(t, commune, advance, map[string]any{"id": c.ID, "to": to, "at": at, "em": em})
	}
	// A skipped step is refused; so is a step dated before the previous one.
	if r := step("DETAILED_ASSESSED", "2026-04-24T11:00:00+07:00", nil); r.code() != "CONFLICT" {
		t.Fatalf("skipped step: %s", r.raw)
	}
	if p := payloadOf(t, step("INITIAL_ASSESSED", "2026-04-24T09:00:00+07:00", true), "advanceCase"); p.object != "null" ||
		len(p.Errors) != 1 || p.Errors[0].Code != "INVALID_INPUT" {
		t.Fatalf("step before receipt: %+v", p)
	}
	if r := step("INITIAL_ASSESSED", "2026-04-24T11:00:00+07:00", true); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	// Emergency measures 13 hours after receipt: one hour late.
	if r := step("EMERGENCY_MEASURES", "2026-04-24T23:00:00+07:00", nil); !strings.Contains(r.raw, `"emergencyLate":true`) {
		t.Fatalf("late emergency measures: %s", r.raw)
	}
	if r := step("DETAILED_ASSESSED", "2026-04-29T09:00:00+07:00", nil); len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	// Drafted on the last working day, late in the evening: on time.
	if r := step("PLAN_DRAFTED", "2026-05-06T23:30:00+07:00", nil); !strings.Contains(r.raw, `"planLate":false`) {
		t.Fatalf("plan on the last day: %s", r.raw)
	}
	// A second case drafted the morning after the deadline is late.
	r = s.query(t, commune, open, map[string]any{"child": a.children["Trần Thị Bình"], "at": "2026-04-24T10:00:00+07:00"})
	decode(t, r, &opened)
	c = opened.OpenCase.Case
	for _, st := range []struct {
		to, at string
		em     any
	}{{"INITIAL_ASSESSED", "2026-04-24T11:00:00+07:00", false}, {"DETAILED_ASSESSED", "2026-04-30T09:00:00+07:00", nil}} {
		if r := step(st.to, st.at, st.em); len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
	}
	if r := step("PLAN_DRAFTED", "2026-05-07T08:00:00+07:00", nil); !strings.Contains(r.raw, `"planLate":true`) {
		t.Fatalf("plan a day late: %s", r.raw)
	}
	// Another commune's officer cannot see or advance the case.
	other := token(t, domain.RoleCommuneOfficer, "99201")
	r = s.query(t, other, advance, map[string]any{"id": c.ID, "to": "PLAN_APPROVED", "at": "2026-05-08T08:00:00+07:00"})
	if r.code() != "NOT_FOUND" {
		t.Fatalf("other commune advancing: %s", r.raw)
	}
	r = s.query(t, other, `{ cases { totalCount } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":0`) {
		t.Fatalf("other commune's cases: %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleDistrictOfficer, "991"), `{ cases(filter: {type: SEXUAL_ABUSE}) { totalCount edges { node { planLate child { fullName } } } } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":2`) {
		t.Fatalf("district's cases: %s", r.raw)
	}
	var writes int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'write' AND entity = 'ProtectionCase'`).Scan(&writes); err != nil || writes != 9 {
		t.Fatalf("audited case writes %d, %v; want 9 (2 opened, 7 steps)", writes, err)
	}
}

func TestRegisterAndRecordMutations(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	register := `mutation($in: RegisterChildInput!) { registerChild(input: $in) {
	  child { id fullName commune { code } } errors { field code message } } }`
	// A name typed in decomposed form (NFD) is stored composed (NFC).
	nfd := "Ngo\u0302 Thi\u0323 Ha\u0300"
	r := s.query(t, commune, register, map[string]any{"in": map[string]any{"fullName": nfd, "sex": "F", "birthDate": "2019-02-03", "commune": "99101"}})
	if !strings.Contains(r.raw, `"fullName":"Ngô Thị Hà"`) || !strings.Contains(r.raw, `"code":"99101"`) || !strings.Contains(r.raw, `"errors":[]`) {
		t.Fatalf("register: %s", r.raw)
	}
	// Input problems come back in the payload; refusals, and values the
	// argument's type or a directive refuses, stay GraphQL errors.
	tests := []struct {
		name, token string
		in          map[string]any
		code, field string
		inPayload   bool
	}{
		{"other commune", commune, map[string]any{"fullName": "A", "sex": "M", "birthDate": "2019-01-01", "commune": "99201"}, "FORBIDDEN", "commune", false},
		{"analyst", token(t, domain.RoleAnalyst, "99"), map[string]any{"fullName": "A", "sex": "M", "birthDate": "2019-01-01", "commune": "99101"}, "FORBIDDEN", "", false},
		{"future birth", commune, map[string]any{"fullName": "A", "sex": "M", "birthDate": "2999-01-01", "commune": "99101"}, "INVALID_INPUT", "input.birthDate", true},
		{"blank name", commune, map[string]any{"fullName": "  ", "sex": "M", "birthDate": "2019-01-01", "commune": "99101"}, "INVALID_INPUT", "input.fullName", true},
		{"control character", commune, map[string]any{"fullName": "A\u0007B", "sex": "M", "birthDate": "2019-01-01", "commune": "99101"}, "INVALID_INPUT", "input.fullName", false},
		{"district code as commune", token(t, domain.RoleProvinceOfficer, "99"), map[string]any{"fullName": "A", "sex": "M", "birthDate": "2019-01-01", "commune": "991"}, "INVALID_INPUT", "input.commune", true},
		{"unknown commune", commune, map[string]any{"fullName": "A", "sex": "M", "birthDate": "2019-01-01", "commune": "99'--"}, "INVALID_INPUT", "input.commune", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, register, map[string]any{"in": tt.in})
			if tt.inPayload {
				p := payloadOf(t, r, "registerChild")
				if p.object != "null" || len(p.Errors) != 1 || p.Errors[0].Code != tt.code || strings.Join(p.Errors[0].Field, ".") != tt.field {
					t.Fatalf("want %s on %s in the payload, got %s", tt.code, tt.field, r.raw)
				}
				return
			}
			if r.code() != tt.code {
				t.Fatalf("want %s, got %s", tt.code, r.raw)
			}
			if f, _ := r.Errors[0].Extensions["field"].(string); f != tt.field {
				t.Fatalf("field %q, want %q: %s", f, tt.field, r.raw)
			}
		})
	}
	an := a.children["Nguyễn Văn An"] // born 2015-03-01 in 99101
	injury := `mutation($in: InjuryInput!) { recordInjury(input: $in) { injury { id cause unit { code } child { id } } errors { field code } } }`
	r = s.query(t, commune, injury, map[string]any{"in": map[string]any{"childId": an, "occurredOn": "2025-07-01", "cause": "DROWNING", "outcome": "INJURED"}})
	if !strings.Contains(r.raw, `"cause":"DROWNING"`) || !strings.Contains(r.raw, `"code":"99101"`) {
		t.Fatalf("record injury: %s", r.raw)
	}
	// The 2016 dissolution of a unit makes it invalid on later dates.
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO org_unit (code, name, unit_type, level, parent_id, valid_from, valid_to, source)
	  SELECT '99103', 'Xã Cũ', 'Xã', 'commune', parent_id, '2000-01-01', '2016-01-01', 'test' FROM org_unit WHERE code = '99101'`); err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		in          map[string]any
		code, field string
	}{
		"before birth":       {map[string]any{"childId": an, "occurredOn": "2014-01-01", "cause": "FALL", "outcome": "INJURED"}, "INVALID_INPUT", "input.occurredOn"},
		"in the future":      {map[string]any{"childId": an, "occurredOn": "2999-01-01", "cause": "FALL", "outcome": "INJURED"}, "INVALID_INPUT", "input.occurredOn"},
		"unit not in force":  {map[string]any{"childId": an, "occurredOn": "2020-01-01", "cause": "FALL", "outcome": "INJURED", "unit": "99103"}, "INVALID_INPUT", "input.unit"},
		"unknown cause":      {map[string]any{"childId": an, "occurredOn": "2020-01-01", "cause": "'; --", "outcome": "INJURED"}, "INVALID_INPUT", "in.cause"},
		"other area's child": {map[string]any{"childId": a.children["Phạm Thị Dung"], "occurredOn": "2020-01-01", "cause": "FALL", "outcome": "INJURED"}, "NOT_FOUND", ""},
	} {
		r := s.query(t, commune, injury, map[string]any{"in": tt.in})
		// A value outside the enum is refused before the resolver runs, as
		// a coded error naming the variable; the resolver's problems come
		// in the payload.
		if tt.code == "INVALID_INPUT" && !strings.HasPrefix(tt.field, "in.") {
			if p := payloadOf(t, r, "recordInjury"); p.object != "null" || len(p.Errors) != 1 || p.Errors[0].Code != tt.code ||
				strings.Join(p.Errors[0].Field, ".") != tt.field {
				t.Fatalf("%s: want %s on %s in the payload, got %s", name, tt.code, tt.field, r.raw)
			}
			continue
		}
		if r.code() != tt.code {
			t.Fatalf("%s: want %s, got %s", name, tt.code, r.raw)
		}
		if f, _ := r.Errors[0].Extensions["field"].(string); f != tt.field {
			t.Fatalf("%s: field %q, want %q: %s", name, f, tt.field, r.raw)
		}
	}
	// Records about a child show on it through the nested edges.
	for _, m := range []struct{ q string }{
		{`mutation($c: ID!) { recordBirthRegistration(input: {childId: $c, registeredOn: "2015-03-10", certificateNumber: "12/2015"}) { child { id } errors { field code } } }`},
		{`mutation($c: ID!) { recordInsuranceCard(input: {childId: $c, cardNumber: "TE1234567890123", validFrom: "2025-01-01", validTo: "2027-01-01"}) { child { id } errors { field code } } }`},
		{`mutation($c: ID!) { addCircumstance(input: {childId: $c, group: "HIV", startedOn: "2022-05-01"}) { child { id } errors { field code } } }`},
		{`mutation($c: ID!) { recordSupport(input: {childId: $c, type: CASH, provider: "Quỹ Bảo trợ trẻ em", amountVnd: 500000, givenOn: "2025-06-01"}) { support { id } errors { field code } } }`},
		{`mutation($c: ID!) { recordResidenceRegistration(input: {childId: $c, kind: "permanent", registeredOn: "2015-04-01"}) { child { id } errors { field code } } }`},
	} {
		if r := s.query(t, commune, m.q, map[string]any{"c": an}); len(r.Errors) > 0 {
			t.Fatalf("%s: %s", m.q, r.raw)
		}
	}
	r = s.query(t, commune, `query($c: ID!) { child(id: $c) { birthRegistration { certificateNumber unit { code } }
	  insuranceCards { cardNumber } circumstances(activeOn: "2026-01-01") { group } supports { provider amountVnd }
	  residenceRegistrations { kind } injuries { cause } household { poverty { year status } } } }`, map[string]any{"c": an})
	for _, want := range []string{`"certificateNumber":"12/2015"`, `"TE1234567890123"`, `"group":"HIV"`, `"group":"DISABLED"`,
		`"amountVnd":500000`, `"kind":"permanent"`, `"cause":"DROWNING"`, `{"year":2025,"status":"POOR"}`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("child record lacks %s: %s", want, r.raw)
		}
	}
	// Commune facts and a swimming class with an enrolment.
	r = s.query(t, commune, `mutation { setCommuneFacts(input: {commune: "99101", year: 2025, workerAssigned: true, villages: 8, villagesWithCollaborator: 6,
	  boardMeetings: 4, fundingVnd: 20000000, playVenues: 2, childrenForums: 1, surveyRespondents: 40, surveySatisfied: 30,
	  category: OTHER}) { communeFacts { year commune { code } } errors { field code } } }`, nil)
	if !strings.Contains(r.raw, `"code":"99101"`) {
		t.Fatalf("commune facts: %s", r.raw)
	}
	r = s.query(t, commune, `mutation { setCommuneFacts(input: {commune: "99101", year: 2025, workerAssigned: true, villages: 8, villagesWithCollaborator: 9,
	  boardMeetings: 4, fundingVnd: 0, playVenues: 2, childrenForums: 1, surveyRespondents: 40, surveySatisfied: 30, category: OTHER}) {
	  communeFacts { year } errors { field code } } }`, nil)
	if p := payloadOf(t, r, "setCommuneFacts"); p.object != "null" || len(p.Errors) != 1 ||
		strings.Join(p.Errors[0].Field, ".") != "input.villagesWithCollaborator" {
		t.Fatalf("inconsistent facts: %s", r.raw)
	}
	r = s.query(t, commune, `mutation { createSwimmingClass(input: {unit: "99101", name: "Bơi an toàn hè 2025", startsOn: "2025-06-01", endsOn: "2025-06-30"}) {
	  swimmingClass { id } } }`, nil)
	var class struct {
		CreateSwimmingClass struct{ SwimmingClass struct{ ID string } }
	}
	decode(t, r, &class)
	classID := class.CreateSwimmingClass.SwimmingClass.ID
	r = s.query(t, commune, `mutation($k: ID!, $c: ID!) { enrolInSwimmingClass(input: {classId: $k, childId: $c, on: "2025-06-01"}) { enrolment { id child { id } } } }`,
		map[string]any{"k": classID, "c": an})
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	r = s.query(t, commune, `mutation($k: ID!, $c: ID!) { completeSwimmingClass(input: {classId: $k, childId: $c, on: "2025-06-30"}) { enrolment { completedOn } } }`,
		map[string]any{"k": classID, "c": an})
	if !strings.Contains(r.raw, `"completedOn":"2025-06-30"`) {
		t.Fatalf("complete: %s", r.raw)
	}
	// The class is invisible to another district.
	r = s.query(t, token(t, domain.RoleDistrictOfficer, "992"), `{ swimmingClasses { totalCount } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":0`) {
		t.Fatalf("other district's classes: %s", r.raw)
	}
}

func TestWritesRefuseForeignReferences(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99201")
	var hh string
	if err := s.pool.QueryRow(context.Background(), `SELECT household_id::text FROM child WHERE id = $1`, a.children["Nguyễn Văn An"]).Scan(&hh); err != nil {
		t.Fatal(err)
	}
	// Attaching a child to a household of another commune would reveal it.
	r := s.query(t, commune, `mutation($c: ID!, $h: ID!) { updateChild(id: $c, input: {householdId: $h}) { child { id } errors { field code } } }`,
		map[string]any{"c": a.children["Phạm Thị Dung"], "h": hh})
	if p := payloadOf(t, r, "updateChild"); p.object != "null" || len(p.Errors) != 1 || p.Errors[0].Code != "INVALID_INPUT" ||
		strings.Join(p.Errors[0].Field, ".") != "input.householdId" {
		t.Fatalf("foreign household: %s", r.raw)
	}
	for _, tt := range []struct{ field, mutation, q string }{
		{"group", "addCircumstance", `mutation($c: ID!) { addCircumstance(input: {childId: $c, group: "NOPE", startedOn: "2020-01-01"}) {
		  child { id } errors { field code } } }`},
		{"cardNumber", "recordInsuranceCard", `mutation($c: ID!) { recordInsuranceCard(input: {childId: $c, cardNumber: "x'--",
		  validFrom: "2025-01-01", validTo: "2026-01-01"}) { child { id } errors { field code } } }`},
	} {
		r := s.query(t, commune, tt.q, map[string]any{"c": a.children["Phạm Thị Dung"]})
		if p := payloadOf(t, r, tt.mutation); p.object != "null" || len(p.Errors) != 1 ||
			p.Errors[0].Code != "INVALID_INPUT" || strings.Join(p.Errors[0].Field, ".") != "input."+tt.field {
			t.Fatalf("%s: %s", tt.field, r.raw)
		}
	}
}

func TestMutationsByRole(t *testing.T) {
	s, a := opsServer(t)
	dung := a.children["Phạm Thị Dung"] // commune 99201, district 992
	gift := `mutation($c: ID!) { recordGiftVisit(input: {childId: $c, occasion: TET, visitedOn: "2026-02-10", valueVnd: 300000}) {
	  giftVisit { occasion unit { code } child { id } } errors { field code } } }`
	talk := `mutation($u: String!) { recordCommunicationActivity(input: {unit: $u, heldOn: "2026-06-01", topic: "Phòng chống đuối nước",
	  participants: 120, channel: CAMPAIGN}) { communicationActivity { topic unit { code } } errors { field code } } }`
	tests := []struct {
		name, token, q string
		vars           map[string]any
		code           string
	}{
		{"commune officer, own child", token(t, domain.RoleCommuneOfficer, "99201"), gift, map[string]any{"c": dung}, ""},
		{"district officer, own district", token(t, domain.RoleDistrictOfficer, "992"), gift, map[string]any{"c": dung}, ""},
		{"province officer", token(t, domain.RoleProvinceOfficer, "99"), gift, map[string]any{"c": dung}, ""},
		{"district officer, other district", token(t, domain.RoleDistrictOfficer, "991"), gift, map[string]any{"c": dung}, "NOT_FOUND"},
		{"leader", token(t, domain.RoleLeader, "99"), gift, map[string]any{"c": dung}, "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), gift, map[string]any{"c": dung}, "FORBIDDEN"},
		{"anonymous", "", gift, map[string]any{"c": dung}, "UNAUTHENTICATED"},
		{"activity in own commune", token(t, domain.RoleCommuneOfficer, "99201"), talk, map[string]any{"u": "99201"}, ""},
		{"activity in another commune", token(t, domain.RoleCommuneOfficer, "99201"), talk, map[string]any{"u": "99101"}, "FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, tt.q, tt.vars)
			if r.code() != tt.code {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
			if tt.code == "" && !strings.Contains(r.raw, `"code":"99201"`) {
				t.Fatalf("record not in 99201: %s", r.raw)
			}
		})
	}
	r := s.query(t, token(t, domain.RoleCommuneOfficer, "99201"), `{ giftVisits { totalCount } communicationActivities(filter: {orgUnit: "99201"}) { totalCount } }`, nil)
	if !strings.Contains(r.raw, `"giftVisits":{"totalCount":3}`) || !strings.Contains(r.raw, `"communicationActivities":{"totalCount":1}`) {
		t.Fatalf("lists after the writes: %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleCommuneOfficer, "99101"), `{ giftVisits { totalCount } communicationActivities { totalCount } }`, nil)
	if strings.Count(r.raw, `"totalCount":0`) != 2 {
		t.Fatalf("another commune sees: %s", r.raw)
	}
}

func TestUnitListsAndChildUpdates(t *testing.T) {
	s, a := opsServer(t)
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO service_point (unit_id, name, opened_on) VALUES ($1, 'Điểm tư vấn', '2024-01-01'), ($2, 'Điểm khác', '2024-01-01')`,
		`INSERT INTO plan_activity (unit_id, year, title, due_on) VALUES ($1, 2026, 'Tháng hành động', '2026-06-30'), ($2, 2026, 'Khác', '2026-06-30')`,
		`INSERT INTO periodic_report (unit_id, period, due_on) VALUES ($1, '2026-H1', '2026-05-15'), ($2, '2026-H1', '2026-05-15')`,
	} {
		if _, err := s.pool.Exec(ctx, q, a.c1, a.c3); err != nil {
			t.Fatal(err)
		}
	}
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	r := s.query(t, commune, `{ servicePoints { totalCount edges { node { name unit { code } } } }
	  planActivities(filter: {from: "2026-01-01", to: "2026-12-31"}) { totalCount edges { node { title } } }
	  reports(filter: {kind: "2026-H1"}) { totalCount edges { node { period dueOn } } } }`, nil)
	for _, want := range []string{`"name":"Điểm tư vấn"`, `"title":"Tháng hành động"`, `"period":"2026-H1"`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("lists lack %s: %s", want, r.raw)
		}
	}
	if strings.Count(r.raw, `"totalCount":1`) != 3 || strings.Contains(r.raw, "Khác") {
		t.Fatalf("lists must show only the commune's rows: %s", r.raw)
	}
	// A district's own report (on the district unit) is its officer's, not its communes'.
	if _, err := s.pool.Exec(ctx, `INSERT INTO periodic_report (unit_id, period, due_on)
	  SELECT id, '2026', '2026-11-20' FROM org_unit WHERE code = '991'`); err != nil {
		t.Fatal(err)
	}
	r = s.query(t, token(t, domain.RoleDistrictOfficer, "991"), `{ reports { totalCount } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":2`) {
		t.Fatalf("district officer's reports (own and its commune's): %s", r.raw)
	}
	r = s.query(t, commune, `{ reports { totalCount } }`, nil)
	if !strings.Contains(r.raw, `"totalCount":1`) {
		t.Fatalf("commune officer sees the district's report: %s", r.raw)
	}
	an := a.children["Nguyễn Văn An"]
	// Moving a child out of the area is refused; within it, allowed.
	move := `mutation($c: ID!, $to: String!) { updateChild(id: $c, input: {commune: $to}) { child { commune { code } } errors { code } } }`
	r = s.query(t, token(t, domain.RoleDistrictOfficer, "991"), move, map[string]any{"c": an, "to": "99201"})
	if r.code() != "FORBIDDEN" {
		t.Fatalf("move out of the district: %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleDistrictOfficer, "991"), move, map[string]any{"c": an, "to": "99102"})
	if !strings.Contains(r.raw, `"code":"99102"`) || !strings.Contains(r.raw, `"errors":[]`) {
		t.Fatalf("move within the district: %s", r.raw)
	}
	// The commune officer of 99101 no longer sees the child.
	r = s.query(t, commune, `query($c: ID!) { child(id: $c) { id } }`, map[string]any{"c": an})
	if r.code() != "NOT_FOUND" {
		t.Fatalf("moved child still visible to the old commune: %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleCommuneOfficer, "99102"), `mutation($c: ID!) { endCircumstance(input: {childId: $c, group: "DISABLED", endedOn: "2025-12-31"}) {
	  child { circumstances(activeOn: "2026-06-01") { group } } } }`, map[string]any{"c": an})
	if len(r.Errors) > 0 || !strings.Contains(r.raw, `"circumstances":[]`) {
		t.Fatalf("end circumstance: %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleCommuneOfficer, "99102"), `mutation($c: ID!) { endCircumstance(input: {childId: $c, group: "DISABLED", endedOn: "2026-01-31"}) { child { id } errors { field code } } }`,
		map[string]any{"c": an})
	if r.code() != "NOT_FOUND" {
		t.Fatalf("ending a circumstance twice: %s", r.raw)
	}
}

// payload is a mutation's payload as a test reads it: its object (raw JSON,
// "null" when absent) and its errors.
type payload struct {
	object string
	Errors []struct {
		Field         []string
		Code, Message string
	}
}

// payloadOf decodes the payload mutation answered in r, which must hold no
// GraphQL error.
func payloadOf(t *testing.T, r response, mutation string) payload {
	t.Helper()
	var fields map[string]json.RawMessage
	decode(t, r, &map[string]any{})
	if err := json.Unmarshal(r.Data[mutation], &fields); err != nil {
		t.Fatalf("payload of %s: %v: %s", mutation, err, r.raw)
	}
	var p payload
	if err := json.Unmarshal(fields["errors"], &p.Errors); err != nil {
		t.Fatalf("errors of %s: %v: %s", mutation, err, r.raw)
	}
	for k, v := range fields {
		if k != "errors" {
			p.object = string(v)
		}
	}
	return p
}

// TestMutationAnswersEveryInputProblem: an empty name, a future birth date and
// an unknown commune come back together in the payload, each with its field
// path and code; nothing is written and nothing audited, as for any refused
// write. The store's checks (a household of the area, a death before the
// birth) run only on input free of other problems, come back together, and a
// death before the birth is audited as the read of the birth date it is. The valid registration
// after them answers the child and no errors.
func TestMutationAnswersEveryInputProblem(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	const register = `mutation Register($in: RegisterChildInput!) {
  registerChild(input: $in) { child { id fullName } errors { field code message } }
}`
	in := map[string]any{"fullName": "", "sex": "F", "birthDate": "2999-01-01", "commune": "99999"}
	count := func() (n int) {
		t.Helper()
		if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM child`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	r := s.query(t, commune, register, map[string]any{"in": in})
	vars, _ := json.Marshal(map[string]any{"in": in})
	t.Logf("request: %s\nvariables: %s\nresponse: %s", register, vars, r.raw)
	want := `{"data":{"registerChild":{"child":null,"errors":[` +
		`{"field":["input","fullName"],"code":"INVALID_INPUT","message":"must not be empty"},` +
		`{"field":["input","birthDate"],"code":"INVALID_INPUT","message":"must not be in the future"},` +
		`{"field":["input","commune"],"code":"INVALID_INPUT","message":"no unit with this code in force on ` + time.Now().In(domain.Vietnam).Format(time.DateOnly) + `"}]}}}`
	if strings.TrimSpace(r.raw) != want {
		t.Fatalf("three problems:\n got %s\nwant %s", r.raw, want)
	}
	if n := count(); n != before {
		t.Fatalf("a refused registration wrote %d children", n-before)
	}
	if rows := auditRows(t, s, "Register"); len(rows) != 0 {
		t.Fatalf("a refused registration was audited: %+v", rows)
	}

	in = map[string]any{"fullName": "Ngô Thị Hà", "sex": "F", "birthDate": "2019-02-03", "commune": "99101"}
	r = s.query(t, commune, register, map[string]any{"in": in})
	if p := payloadOf(t, r, "registerChild"); len(p.Errors) != 0 || !strings.Contains(p.object, `"fullName":"Ngô Thị Hà"`) {
		t.Fatalf("valid registration: %s", r.raw)
	}
	if n := count(); n != before+1 {
		t.Fatalf("a valid registration wrote %d children", n-before)
	}
	// A problem that tells of a personal field is audited as a read of it, in
	// a payload as in a GraphQL error; nothing is written.
	an := a.children["Nguyễn Văn An"] // born 2015-03-01
	r = s.query(t, commune, `mutation Dead($c: ID!) { updateChild(id: $c, input: {deathDate: "2015-02-01", fullName: " "}) {
	  child { id } errors { field code } } }`, map[string]any{"c": an})
	if p := payloadOf(t, r, "updateChild"); p.object != "null" || len(p.Errors) != 1 || strings.Join(p.Errors[0].Field, ".") != "input.fullName" {
		t.Fatalf("blank name and early death: %s", r.raw)
	}
	// The checks against stored records come back together too.
	r = s.query(t, commune, `mutation Dead2($c: ID!) { updateChild(id: $c, input: {deathDate: "2015-02-01", householdId: "999999999"}) {
	  child { id } errors { field code } } }`, map[string]any{"c": an})
	if p := payloadOf(t, r, "updateChild"); p.object != "null" || len(p.Errors) != 2 ||
		strings.Join(p.Errors[0].Field, ".") != "input.householdId" || strings.Join(p.Errors[1].Field, ".") != "input.deathDate" {
		t.Fatalf("unknown household, death before birth: %s", r.raw)
	}
	if rows := auditRows(t, s, "Dead2"); len(rows) != 1 || rows[0].Action != "read" || !slices.Equal(rows[0].Fields, []string{"birthDate"}) {
		t.Fatalf("death before birth: audit %+v, want one read of birthDate", rows)
	}

	// A card's bad number and its period ending as it starts come back together.
	r = s.query(t, commune, `mutation($c: ID!) { recordInsuranceCard(input: {childId: $c, cardNumber: "te1", validFrom: "2025-01-01",
	  validTo: "2025-01-01"}) { child { id } errors { field code } } }`, map[string]any{"c": an})
	if p := payloadOf(t, r, "recordInsuranceCard"); p.object != "null" || len(p.Errors) != 2 ||
		strings.Join(p.Errors[0].Field, ".") != "input.cardNumber" || strings.Join(p.Errors[1].Field, ".") != "input.validTo" {
		t.Fatalf("bad card: %s", r.raw)
	}

	// Its write, then the read of the name it answered.
	if rows := auditRows(t, s, "Register"); len(rows) != 2 || rows[0].Action != "write" || rows[0].Entity != "Child" ||
		rows[1].Action != "read" {
		t.Fatalf("a valid registration's audit: %+v", rows)
	}
}

// TestEventMutationsAnswerEveryProblem: a record's input problems
// (a blank provider, a negative amount) and the store's (a date before the
// birth) come back together in one payload, each with its field and code, as
// does an unknown unit code with the input's rules (for swimming classes,
// communication activities and commune facts too); nothing is written, and the date before the birth is audited as the read
// of the birth date it tells of. A child outside the area is refused alone,
// with none of the input's problems.
func TestEventMutationsAnswerEveryProblem(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	an := a.children["Nguyễn Văn An"] // born 2015-03-01 in 99101
	count := func(table string) (n int) {
		t.Helper()
		if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name, mutation, table, q string
		child                    string
		want                     []string // field=code, in order
		audited                  bool     // a read of the birth date
	}{
		{"SupportThree", "recordSupport", "support",
			`mutation SupportThree($c: ID!) { recordSupport(input: {childId: $c, type: CASH, provider: "  ", amountVnd: -1, givenOn: "2014-01-01"}) {
			  support { id } errors { field code message } } }`, an,
			[]string{"input.provider=INVALID_INPUT", "input.amountVnd=INVALID_INPUT", "input.givenOn=INVALID_INPUT"}, true},
		{"SupportFuture", "recordSupport", "support",
			`mutation SupportFuture($c: ID!) { recordSupport(input: {childId: $c, type: CASH, provider: "", amountVnd: -5, givenOn: "2999-01-01"}) {
			  support { id } errors { field code message } } }`, an,
			[]string{"input.provider=INVALID_INPUT", "input.amountVnd=INVALID_INPUT", "input.givenOn=INVALID_INPUT"}, false},
		{"GiftTwo", "recordGiftVisit", "gift_visit",
			`mutation GiftTwo($c: ID!) { recordGiftVisit(input: {childId: $c, occasion: TET, visitedOn: "2014-01-01", valueVnd: -1}) {
			  giftVisit { id } errors { field code message } } }`, an,
			[]string{"input.valueVnd=INVALID_INPUT", "input.visitedOn=INVALID_INPUT"}, true},
		{"GiftUnit", "recordGiftVisit", "gift_visit",
			`mutation GiftUnit($c: ID!) { recordGiftVisit(input: {childId: $c, occasion: TET, visitedOn: "2025-01-01", valueVnd: -1, unit: "99999"}) {
			  giftVisit { id } errors { field code message } } }`, an,
			[]string{"input.unit=INVALID_INPUT", "input.valueVnd=INVALID_INPUT"}, false},
		{"InjuryFuture", "recordInjury", "injury",
			`mutation InjuryFuture($c: ID!) { recordInjury(input: {childId: $c, occurredOn: "2999-01-01", cause: FALL, outcome: INJURED}) {
			  injury { id } errors { field code message } } }`, an,
			[]string{"input.occurredOn=INVALID_INPUT"}, false},
		{"ResidenceTwo", "recordResidenceRegistration", "residence_registration",
			`mutation ResidenceTwo($c: ID!) { recordResidenceRegistration(input: {childId: $c, kind: "abroad", registeredOn: "2014-01-01"}) {
			  child { id } errors { field code message } } }`, an,
			[]string{"input.kind=INVALID_INPUT", "input.registeredOn=INVALID_INPUT"}, true},
		{"BirthUnit", "recordBirthRegistration", "birth_registration",
			`mutation BirthUnit($c: ID!) { recordBirthRegistration(input: {childId: $c, registeredOn: "2999-01-01", unit: "99999"}) {
			  child { id } errors { field code message } } }`, an,
			[]string{"input.unit=INVALID_INPUT", "input.registeredOn=INVALID_INPUT"}, false},
		{"CircumstanceTwo", "addCircumstance", "child_circumstance",
			`mutation CircumstanceTwo($c: ID!) { addCircumstance(input: {childId: $c, group: "NO_SUCH", startedOn: "2014-01-01"}) {
			  child { id } errors { field code message } } }`, an,
			[]string{"input.startedOn=INVALID_INPUT", "input.group=INVALID_INPUT"}, true},
		{"ClassThree", "createSwimmingClass", "swimming_class",
			`mutation ClassThree { createSwimmingClass(input: {unit: "99101", name: " ", startsOn: "2999-06-01", endsOn: "2999-05-01"}) {
			  swimmingClass { id } errors { field code message } } }`, "",
			[]string{"input.name=INVALID_INPUT", "input.startsOn=INVALID_INPUT", "input.endsOn=INVALID_INPUT"}, false},
		{"ActivityUnit", "recordCommunicationActivity", "communication_activity",
			`mutation ActivityUnit { recordCommunicationActivity(input: {unit: "99999", heldOn: "2999-01-01", topic: "", participants: -3,
			  channel: TV_DN1, reach: -1}) { communicationActivity { id } errors { field code message } } }`, "",
			[]string{"input.unit=INVALID_INPUT", "input.heldOn=INVALID_INPUT", "input.topic=INVALID_INPUT", "input.participants=INVALID_INPUT",
				"input.reach=INVALID_INPUT"}, false},
		{"ActivityReach", "recordCommunicationActivity", "communication_activity",
			`mutation ActivityReach { recordCommunicationActivity(input: {unit: "99101", heldOn: "2026-06-01", topic: "Clip", participants: 0,
			  channel: BROADCASTER_FANPAGE, reach: 50000001}) { communicationActivity { id } errors { field code message } } }`, "",
			[]string{"input.reach=INVALID_INPUT"}, false},
		{"FactsMany", "setCommuneFacts", "commune_facts",
			`mutation FactsMany { setCommuneFacts(input: {commune: "99101", year: 2015, workerAssigned: true, villages: 8, villagesWithCollaborator: 9,
			  boardMeetings: -1, fundingVnd: -1, playVenues: 2, childrenForums: 1, surveyRespondents: 40, surveySatisfied: 41, category: OTHER}) {
			  communeFacts { year } errors { field code message } } }`, "",
			[]string{"input.year=INVALID_INPUT", "input.villagesWithCollaborator=INVALID_INPUT", "input.boardMeetings=INVALID_INPUT",
				"input.fundingVnd=INVALID_INPUT", "input.surveySatisfied=INVALID_INPUT"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := count(tt.table)
			var vars map[string]any
			if tt.child != "" {
				vars = map[string]any{"c": tt.child}
			}
			r := s.query(t, commune, tt.q, vars)
			t.Logf("response: %s", r.raw)
			p := payloadOf(t, r, tt.mutation)
			var got []string
			for _, e := range p.Errors {
				got = append(got, strings.Join(e.Field, ".")+"="+e.Code)
			}
			if p.object != "null" || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v: %s", got, tt.want, r.raw)
			}
			if n := count(tt.table); n != before {
				t.Fatalf("a refused %s wrote %d rows", tt.mutation, n-before)
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
	// Another area's child: NOT_FOUND alone, though the input has problems.
	r := s.query(t, commune, `mutation($c: ID!) { recordSupport(input: {childId: $c, type: CASH, provider: "", amountVnd: -1, givenOn: "2999-01-01"}) {
	  support { id } errors { field code } } }`, map[string]any{"c": a.children["Phạm Thị Dung"]})
	if r.code() != "NOT_FOUND" || len(r.Errors) != 1 || strings.Contains(r.raw, "INVALID_INPUT") {
		t.Fatalf("other area's child: %s", r.raw)
	}
}

package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/graph"
	"treem/internal/analytics"
	"treem/internal/analytics/analyticstest"
	"treem/internal/bulletin"
	"treem/internal/childfriendly"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// auditRow is one audit_log row as a test compares it.
type auditRow struct {
	Subject, Area, Action, Entity string
	RecordIDs                     []int64
	Fields                        []string
}

// auditRows returns the rows written by the operation named op, oldest first.
func auditRows(t *testing.T, s *testServer, op string) []auditRow {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), `SELECT subject, area, action, entity, record_ids, fields
	  FROM audit_log WHERE operation = $1 ORDER BY id`, op)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.Subject, &r.Area, &r.Action, &r.Entity, &r.RecordIDs, &r.Fields); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryMutationIsAudited runs every mutation of the schema once and checks
// that it wrote exactly one audit row naming the record and every field it
// wrote (and one more for each other type it writes with it). The list of mutations comes from the schema itself: a new mutation
// without an entry here fails the test.
func TestEveryMutationIsAudited(t *testing.T) {
	var res *graph.Resolver
	s, a := opsServer(t, withGraph(func(o *graph.Options) { res = o.Resolver }), withAccounts(t))
	// Uploading a scoring table needs only the analytics store, no warehouse.
	res.Analytics = analytics.New(nil, postgres.NewAnalyticsStore(s.pool), indicators.Default())
	// Publishing a bulletin draws on the fixture warehouse, with a run after its quarter.
	wh := analyticstest.Warehouse(t)
	addRun(t, wh, "run-3", "succeeded", time.Date(2024, 7, 5, 3, 0, 0, 0, time.UTC))
	api := testdb.API(t, s.pool)
	res.Bulletins = bulletin.New(postgres.NewBulletinStore(api),
		analytics.New(clickhouse.NewReader(wh), postgres.NewAnalyticsStore(api), indicators.Default()), clickhouse.NewReader(wh))
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	province := token(t, domain.RoleProvinceOfficer, "99")
	an := a.children["Nguyễn Văn An"] // born 2015-03-01 in 99101
	table, _ := json.Marshal(string(childfriendly.DefaultJSON()))
	// A stricter threshold than Decision 06's is kept only with a reason.
	stricter, _ := json.Marshal(strings.Replace(string(childfriendly.DefaultJSON()), `"other": 850`, `"other": 860`, 1))

	// ids returned so far, by mutation name, for the mutations that follow.
	ids := map[string]string{}
	type mutation struct {
		name, token, args, sel string
		entity                 string
		fields                 []string
		// self: the mutation returns the audited record, so its id is the row's.
		self bool
	}
	caseID := func() string { return ids["openCase"] }
	classID := func() string { return ids["createSwimmingClass"] }
	tests := []mutation{
		{"registerChild", commune, `input: {fullName: "Ngô Thị Hà", sex: F, birthDate: "2019-02-03", commune: "99101",
		  identityNumber: "079219000001", address: "Ấp 1"}`, "child { id } errors { code }", "Child",
			[]string{"fullName", "sex", "birthDate", "ethnicity", "commune", "identityNumber", "address"}, true},
		{"updateChild", commune, `id: "` + an + `", input: {address: "Ấp 2", identityNumber: "079215000001"}`, "child { id } errors { code }", "Child",
			[]string{"identityNumber", "address"}, true},
		{"recordBirthRegistration", commune, `input: {childId: "` + an + `", registeredOn: "2015-03-10", certificateNumber: "12/2015"}`,
			"child { id } errors { code }", "BirthRegistration", []string{"unit", "registeredOn", "certificateNumber"}, true},
		{"recordResidenceRegistration", commune, `input: {childId: "` + an + `", kind: "permanent", registeredOn: "2015-04-01"}`,
			"child { id } errors { code }", "ResidenceRegistration", []string{"child", "unit", "kind", "registeredOn"}, false},
		{"recordInsuranceCard", commune, `input: {childId: "` + an + `", cardNumber: "TE1234567890123", validFrom: "2025-01-01", validTo: "2027-01-01"}`,
			"child { id } errors { code }", "InsuranceCard", []string{"child", "cardNumber", "validFrom", "validTo"}, false},
		{"addCircumstance", commune, `input: {childId: "` + an + `", group: "HIV", startedOn: "2022-05-01"}`,
			"child { id } errors { code }", "ChildCircumstance", []string{"child", "group", "startedOn"}, false},
		{"endCircumstance", commune, `input: {childId: "` + an + `", group: "HIV", endedOn: "2025-01-01"}`,
			"child { id } errors { code }", "ChildCircumstance", []string{"endedOn"}, false},
		{"openCase", commune, `input: {childId: "` + an + `", type: VIOLENCE, receivedAt: "2026-04-24T10:00:00+07:00"}`, "case { id } errors { code }", "ProtectionCase",
			[]string{"child", "commune", "type", "receivedAt", "emergencyDeadline", "planDeadline", "approvalDeadline"}, true},
		{"advanceCase", commune, `input: {caseId: "%s", to: INITIAL_ASSESSED, at: "2026-04-24T11:00:00+07:00", emergencyNeeded: false}`,
			"case { id } errors { code }", "ProtectionCase", []string{"status", "initialAssessedAt", "emergencyNeeded"}, true},
		{"recordInjury", commune, `input: {childId: "` + an + `", occurredOn: "2025-07-01", cause: DROWNING, outcome: INJURED}`,
			"injury { id } errors { code }", "Injury", []string{"child", "unit", "occurredOn", "cause", "outcome"}, true},
		{"recordSupport", commune, `input: {childId: "` + an + `", type: CASH, provider: "Quỹ Bảo trợ trẻ em", amountVnd: 500000, givenOn: "2025-06-01"}`,
			"support { id } errors { code }", "Support", []string{"child", "unit", "type", "provider", "amountVnd", "givenOn"}, true},
		{"recordGiftVisit", commune, `input: {childId: "` + an + `", occasion: TET, visitedOn: "2026-02-10", valueVnd: 300000}`,
			"giftVisit { id } errors { code }", "GiftVisit", []string{"child", "unit", "occasion", "visitedOn", "valueVnd"}, true},
		{"createSwimmingClass", commune, `input: {unit: "99101", name: "Bơi an toàn hè 2025", startsOn: "2025-06-01", endsOn: "2025-06-30"}`,
			"swimmingClass { id } errors { code }", "SwimmingClass", []string{"unit", "name", "startsOn", "endsOn"}, true},
		{"enrolInSwimmingClass", commune, `input: {classId: "%s", childId: "` + an + `", on: "2025-06-01"}`,
			"enrolment { id } errors { code }", "SwimmingEnrolment", []string{"class", "child", "enrolledOn"}, true},
		{"completeSwimmingClass", commune, `input: {classId: "%s", childId: "` + an + `", on: "2025-06-30"}`,
			"enrolment { id } errors { code }", "SwimmingEnrolment", []string{"completedOn"}, true},
		{"recordCommunicationActivity", commune, `input: {unit: "99101", heldOn: "2026-06-01", topic: "Phòng chống đuối nước", participants: 120,
		  channel: LOUDSPEAKER, reach: 1500}`, "communicationActivity { id } errors { code }", "CommunicationActivity",
			[]string{"unit", "heldOn", "topic", "participants", "channel", "reach"}, true},
		{"recordTrainingCourse", commune, `input: {unit: "99101", level: COMMUNE, startsOn: "2026-03-02", endsOn: "2026-03-03",
		  topic: "Kỹ năng bảo vệ trẻ em", hours: 16, trainer: "Sở LĐTBXH", participants: [{role: VILLAGE_COLLABORATOR, unit: "99101", female: 5, male: 3}]}`,
			"trainingCourse { id } errors { code }", "TrainingCourse", []string{"unit", "level", "startsOn", "endsOn", "topic", "hours", "trainer", "participants"}, true},
		{"deleteTrainingCourse", commune, `id: "%s"`, "trainingCourse { id } errors { code }", "TrainingCourse", []string{"deletedAt"}, true},
		{"setCommuneFacts", commune, `input: {commune: "99101", year: 2025, workerAssigned: true, villages: 8, villagesWithCollaborator: 6,
		  boardMeetings: 4, fundingVnd: 20000000, playVenues: 2, childrenForums: 1, surveyRespondents: 40, surveySatisfied: 30, category: OTHER}`,
			"communeFacts { year } errors { code }", "CommuneFacts", []string{"year", "workerAssigned", "villages", "villagesWithCollaborator", "boardMeetings",
				"fundingVnd", "playVenues", "childrenForums", "surveyRespondents", "surveySatisfied", "category"}, false},
		{"uploadChildFriendlyScoring", province, `table: ` + string(table), "scoringTable { version } errors { code }", "ScoringTable", []string{"version", "json"}, false},
		{"uploadChildFriendlyScoring", province, `table: ` + string(stricter) + `, override: "Provincial pilot, Board minute 12/2026"`,
			"scoringTable { version } errors { code }", "ScoringTable", []string{"version", "json", "override"}, false},
		// Days far from any case: only the calendar row is written.
		{"setPublicHoliday", province, `input: {day: "2031-01-01", kind: HOLIDAY, name: "Tết Dương lịch", provisional: true,
		  source: "Labour Code 2019 Art. 112(1)(a)"}`, "publicHoliday { id } errors { code }", "PublicHoliday", []string{"day", "kind", "name", "provisional", "source"}, true},
		{"removePublicHoliday", province, `day: "2031-01-01"`, "publicHoliday { id } errors { code }", "PublicHoliday",
			[]string{"day", "kind", "name", "provisional", "source"}, false},
		{"uploadPublicHolidays", province, `year: 2032, csv: "day,kind,name,provisional,source\n2032-01-01,holiday,Tết Dương lịch,true,Art. 112"`,
			"publicHolidays { id } errors { code }", "PublicHoliday", []string{"day", "kind", "name", "provisional", "source"}, false},
		// The dashboard's users: the fields changed, never a password's value.
		{"addUser", province, `input: {username: "audit.user", role: ANALYST, area: "75", password: "mười hai ký tự dài"}`,
			"user { username } errors { code }", "User", []string{"username", "displayName", "role", "area", "password"}, false},
		{"resetUserPassword", province, `input: {username: "audit.user", password: "một mật khẩu khác dài"}`,
			"user { username } errors { code }", "User", []string{"password"}, false},
		{"disableUser", province, `username: "audit.user"`, "user { username } errors { code }", "User", []string{"active"}, false},
		{"planInspection", commune, `input: {topic: BIRTH_REGISTRATION, inspectingUnit: "99", units: ["99101"], plannedFrom: "2026-03-01",
		  plannedTo: "2026-03-31"}`, "inspections { id } errors { code }", "Inspection",
			[]string{"unit", "inspectingUnit", "topic", "plannedFrom", "plannedTo"}, true},
		{"recordInspectionFinding", commune, `input: {inspectionId: "%s", foundOn: "2026-03-10", summary: "Còn 12 trẻ chưa đăng ký khai sinh",
		  recommendations: [{text: "Đăng ký khai sinh cho 12 trẻ", dueOn: "2026-06-30"}]}`, "finding { id } errors { code }", "InspectionFinding",
			[]string{"inspection", "foundOn", "summary"}, true},
		{"resolveInspectionRecommendation", commune, `input: {recommendationId: "%s", resolvedOn: "2026-06-15"}`,
			"recommendation { id } errors { code }", "InspectionRecommendation", []string{"resolvedOn"}, true},
		{"recordChildrenEvent", commune, `input: {kind: CHILDREN_FORUM, unit: "99101", startsOn: "2026-06-01", endsOn: "2026-06-01",
		  title: "Diễn đàn trẻ em xã", theme: "Lắng nghe trẻ em", officials: 6, participants: [{ageBand: "11-15", female: 12, male: 10}]}`,
			"childrenEvent { id } errors { code }", "ChildrenEvent",
			[]string{"unit", "kind", "startsOn", "endsOn", "title", "theme", "officials", "participants"}, true},
		{"addForumRecommendation", commune, `input: {eventId: "%s", text: "Làm thêm sân chơi cho trẻ em"}`,
			"recommendation { id } errors { code }", "ForumRecommendation", []string{"event", "text"}, true},
		{"respondToForumRecommendation", commune, `input: {recommendationId: "%s", respondingUnit: "99101",
		  answer: "Xã sẽ làm sân chơi trong năm", answeredOn: "2026-06-20"}`,
			"recommendation { id } errors { code }", "ForumRecommendation", []string{"respondingUnit", "answer", "answeredOn"}, true},
		{"deleteChildrenEvent", commune, `id: "%s"`, "childrenEvent { id } errors { code }", "ChildrenEvent", []string{"deletedAt"}, true},
		{"createBulletin", province, `year: 2024, quarter: 2, editorial: "Quý II"`, "bulletin { id } errors { code }", "Bulletin",
			[]string{"year", "quarter", "editorial"}, true},
		{"updateBulletin", province, `id: "%s", editorial: "Quý II, bản sửa"`, "bulletin { id } errors { code }", "Bulletin",
			[]string{"editorial"}, true},
		{"publishBulletin", province, `id: "%s"`, "bulletin { id } errors { code }", "Bulletin",
			[]string{"status", "publishedBy", "publishedAt", "runId", "content"}, true},
		{"submitReport", commune, `input: {period: "2025", unit: "99101", figures: [{key: "children", value: 3}], narrative: "Tốt"}`,
			"report { id } errors { code }", "Report",
			[]string{"unit", "department", "period", "dueOn", "figures", "narrative", "submittedAt"}, true},
	}
	// The records of other types a mutation writes with its own, by entity,
	// with their fields: one audit row each (a finding's recommendations).
	others := map[string]map[string][]string{
		"recordInspectionFinding": {"InspectionRecommendation": {"finding", "text", "dueOn"}},
		"deleteChildrenEvent":     {"ForumRecommendation": {"deletedAt"}},
	}

	listed := map[string]bool{}
	for _, m := range tests {
		listed[m.name] = true
	}
	var inSchema []string
	for _, f := range graph.NewExecutableSchema(graph.Config{}).Schema().Mutation.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		inSchema = append(inSchema, f.Name)
		if !listed[f.Name] {
			t.Errorf("mutation %s has no entry in this test: add one that checks its audit row", f.Name)
		}
	}
	for name := range listed {
		if !slices.Contains(inSchema, name) {
			t.Errorf("entry %s names no mutation of the schema", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	for i, m := range tests {
		args := m.args
		switch m.name {
		case "advanceCase":
			args = fmt.Sprintf(args, caseID())
		case "enrolInSwimmingClass", "completeSwimmingClass":
			args = fmt.Sprintf(args, classID())
		case "deleteTrainingCourse":
			args = fmt.Sprintf(args, ids["recordTrainingCourse"])
		case "recordInspectionFinding":
			args = fmt.Sprintf(args, ids["planInspection"])
		case "updateBulletin", "publishBulletin":
			args = fmt.Sprintf(args, ids["createBulletin"])
		case "resolveInspectionRecommendation":
			args = fmt.Sprintf(args, ids["InspectionRecommendation"])
		case "addForumRecommendation", "deleteChildrenEvent":
			args = fmt.Sprintf(args, ids["recordChildrenEvent"])
		case "respondToForumRecommendation":
			args = fmt.Sprintf(args, ids["addForumRecommendation"])
		}
		op := fmt.Sprintf("Audit_%s_%d", m.name, i)
		r := s.query(t, m.token, fmt.Sprintf("mutation %s { %s(%s) { %s } }", op, m.name, args, m.sel), nil)
		var data map[string]json.RawMessage
		decode(t, r, &data)
		// A mutation returning a list (uploadPublicHolidays) has no one id.
		var record map[string]any
		if json.Unmarshal(data[m.name], &record) == nil {
			// A payload holds the record beside its (empty) errors.
			if errs, ok := record["errors"].([]any); ok {
				if len(errs) != 0 {
					t.Errorf("%s: input problems %v", m.name, errs)
				}
				for k, v := range record {
					if k != "errors" {
						// A plan of one target answers a list of one.
						if list, ok := v.([]any); ok && len(list) == 1 {
							v = list[0]
						}
						record, _ = v.(map[string]any)
					}
				}
			}
			if id, ok := record["id"].(string); ok {
				ids[m.name] = id
			}
		}
		rows := auditRows(t, s, op)
		byEntity := map[string][]auditRow{}
		for _, r := range rows {
			byEntity[r.Entity] = append(byEntity[r.Entity], r)
		}
		if len(rows) != 1+len(others[m.name]) || len(byEntity[m.entity]) != 1 {
			t.Errorf("%s: %d audit rows, want one of %s and one of each of %v: %+v", m.name, len(rows), m.entity, others[m.name], rows)
			continue
		}
		for entity, fields := range others[m.name] {
			o := byEntity[entity]
			if len(o) != 1 || o[0].Action != "write" || !slices.Equal(o[0].Fields, fields) || len(o[0].RecordIDs) != 1 {
				t.Errorf("%s: audit rows of %s %+v, want a write with fields %v on one record", m.name, entity, o, fields)
				continue
			}
			ids[entity] = gid(entity, fmt.Sprint(o[0].RecordIDs[0]))
		}
		row := byEntity[m.entity][0]
		if row.Action != "write" || row.Entity != m.entity || !slices.Equal(row.Fields, m.fields) || len(row.RecordIDs) != 1 {
			t.Errorf("%s: audit row %+v, want a write of %s with fields %v on one record", m.name, row, m.entity, m.fields)
		}
		if m.self && fmt.Sprint(row.RecordIDs[0]) != number(t, ids[m.name]) {
			t.Errorf("%s: audit row names record %v, the mutation returned %s", m.name, row.RecordIDs, ids[m.name])
		}
		if want := "t-" + map[bool]string{true: "province_officer", false: "commune_officer"}[m.token == province]; row.Subject != want {
			t.Errorf("%s: audit subject %q, want %q", m.name, row.Subject, want)
		}
		if m.name == "registerChild" {
			t.Logf("registerChild audit row: %+v", row)
		}
	}
}

// TestPersonalOraclesAreAudited: answers that tell of a personal field without
// serving it (a filtered count, an order, a refused date, a refused identity
// number) are audited as reads of that field, and a refusal says no more than
// the caller may read.
func TestPersonalOraclesAreAudited(t *testing.T) {
	s, a := opsServer(t)
	district := token(t, domain.RoleDistrictOfficer, "991")
	an := a.children["Nguyễn Văn An"] // born 2015-03-01 in 99101
	idOf := func(name string) int64 {
		var id int64
		if _, err := fmt.Sscan(a.children[name], &id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	anID := idOf("Nguyễn Văn An")

	for _, tt := range []struct {
		name, q, count string
		ids            []int64
		fields         []string
	}{
		{"Hit", `query Hit { children(filter: {nameContains: "Văn An", bornFrom: "2015-03-01", bornTo: "2015-03-01"}) { totalCount } }`,
			`"totalCount":1`, []int64{anID}, []string{"birthDate", "fullName"}},
		{"Miss", `query Miss { children(filter: {nameContains: "Văn An", bornFrom: "2015-03-02", bornTo: "2015-03-02"}) { totalCount } }`,
			`"totalCount":0`, []int64{}, []string{"birthDate", "fullName"}},
		{"Age", `query Age { children(filter: {ageMin: 10, ageMax: 10, asOf: "2025-03-01", orgUnit: "99101"}) { totalCount } }`,
			`"totalCount":1`, []int64{anID}, []string{"birthDate"}},
		{"Eldest", `query Eldest { children(first: 1, orderBy: {field: BIRTH_DATE, direction: ASC}) { totalCount } }`,
			// Bình, born 2012, the eldest of 991, and An, the row read past the
			// page: whether more follow tells that he was born after her.
			`"totalCount":3`, []int64{idOf("Trần Thị Bình"), anID}, []string{"birthDate"}},
	} {
		r := s.query(t, district, tt.q, nil)
		if !strings.Contains(r.raw, tt.count) {
			t.Fatalf("%s: %s", tt.name, r.raw)
		}
		rows := auditRows(t, s, tt.name)
		if len(rows) != 1 || rows[0].Action != "read" || rows[0].Entity != "Child" || rows[0].Area != "991" ||
			!slices.Equal(rows[0].RecordIDs, tt.ids) ||
			!slices.Equal(rows[0].Fields, tt.fields) {
			t.Fatalf("%s: audit rows %+v, want one read of Child %v fields %v", tt.name, rows, tt.ids, tt.fields)
		}
		if tt.name == "Hit" {
			t.Logf("filtered totalCount audit row: %+v", rows[0])
		}
	}
	// A filter on no personal field leaves no trace.
	if r := s.query(t, district, `query Plain { children(filter: {sex: M}) { totalCount } }`, nil); r.code() != "" {
		t.Fatal(r.raw)
	}
	if rows := auditRows(t, s, "Plain"); len(rows) != 0 {
		t.Fatalf("a filter on no personal field was audited: %+v", rows)
	}

	// A date before the birth date: the officer, who may read that birth date,
	// is told why, and the refusal is audited as a read of it; nothing is written.
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	r := s.query(t, commune, `mutation Early($c: ID!) { addCircumstance(input: {childId: $c, group: "HIV", startedOn: "2015-02-28"}) { child { id } errors { field code message } } }`,
		map[string]any{"c": an})
	if p := payloadOf(t, r, "addCircumstance"); p.object != "null" || len(p.Errors) != 1 || p.Errors[0].Code != "INVALID_INPUT" ||
		strings.Join(p.Errors[0].Field, ".") != "input.startedOn" || p.Errors[0].Message != "must not be before the child's birth date" {
		t.Fatalf("date before birth: %s", r.raw)
	}
	rows := auditRows(t, s, "Early")
	if len(rows) != 1 || rows[0].Action != "read" || rows[0].Entity != "Child" ||
		!slices.Equal(rows[0].RecordIDs, []int64{anID}) || !slices.Equal(rows[0].Fields, []string{"birthDate"}) {
		t.Fatalf("date before birth: audit rows %+v, want one read of Child %d birthDate", rows, anID)
	}

	// An identity number held elsewhere: the answer says only that it cannot be
	// used, naming neither the holder nor the area, and is audited.
	other := token(t, domain.RoleCommuneOfficer, "99201")
	register := `mutation %s($in: RegisterChildInput!) { registerChild(input: $in) { child { id } } }`
	in := map[string]any{"fullName": "Võ Văn Em", "sex": "M", "birthDate": "2019-01-01", "commune": "99201", "identityNumber": "079219000002"}
	if r := s.query(t, other, fmt.Sprintf(register, "Holder"), map[string]any{"in": in}); r.code() != "" {
		t.Fatal(r.raw)
	}
	in["fullName"], in["commune"] = "Đỗ Thị Giang", "99101"
	r = s.query(t, commune, fmt.Sprintf(register, "Taken"), map[string]any{"in": in})
	if r.code() != "CONFLICT" || r.Errors[0].Extensions["field"] != "identityNumber" ||
		r.Errors[0].Message != "this identity number cannot be used" || strings.Contains(r.raw, "99201") || strings.Contains(r.raw, "Em") {
		t.Fatalf("identity number in use: %s", r.raw)
	}
	rows = auditRows(t, s, "Taken")
	if len(rows) != 1 || rows[0].Action != "read" || rows[0].Entity != "Child" || rows[0].Subject != "t-commune_officer" ||
		len(rows[0].RecordIDs) != 0 || !slices.Equal(rows[0].Fields, []string{"identityNumber"}) {
		t.Fatalf("identity number in use: audit rows %+v, want one read of Child identityNumber", rows)
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM child WHERE full_name = 'Đỗ Thị Giang'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused registration wrote %d children (%v)", n, err)
	}
}

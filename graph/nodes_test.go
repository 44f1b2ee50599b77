package graph_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"treem/internal/domain"
)

// gid is the global id the API shows for the record of typ numbered id.
func gid(typ, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id))
}

// number is the number in the global id id, as the audit log records it; the
// ids of types that are not Nodes are numbers already.
func number(t testing.TB, id string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if _, n, ok := strings.Cut(string(raw), ":"); err == nil && ok {
		return n
	}
	return id
}

// nodeQuery reads one record by global id, with a personal field of a child
// wherever the type reaches one.
const nodeQuery = `query %s($id: ID!) { node(id: $id) { __typename id
  ... on Child { fullName } ... on ProtectionCase { status child { id } }
  ... on Injury { cause child { fullName } } ... on Support { provider child { fullName } }
  ... on GiftVisit { occasion child { fullName } } ... on Household { poverty { year } }
  ... on SwimmingClass { name } ... on ServicePoint { name } ... on CommunicationActivity { topic }
  ... on TrainingCourse { topic } ... on PlanActivity { title } ... on Report { period } } }`

// nodeKinds are the Node types beside Child and ProtectionCase: each with its
// table and the SQL that inserts one record in unit $1, about child $2 for a
// child's record, and returns its id.
var nodeKinds = []struct{ typ, table, insert string }{
	{"Household", "household", `INSERT INTO household (unit_id) VALUES ($1) RETURNING id`},
	{"Injury", "injury", `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
	  VALUES ($2, $1, '2025-05-01', 'fall', 'injured') RETURNING id`},
	{"Support", "support", `INSERT INTO support (child_id, unit_id, support_type, provider, amount_vnd, given_on)
	  VALUES ($2, $1, 'cash', 'Quỹ Bảo trợ trẻ em', 100000, '2025-05-01') RETURNING id`},
	{"GiftVisit", "gift_visit", `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd)
	  VALUES ($2, $1, 'tet', '2025-01-20', 200000) RETURNING id`},
	{"SwimmingClass", "swimming_class", `INSERT INTO swimming_class (unit_id, name, starts_on, ends_on)
	  VALUES ($1, 'Bơi an toàn', '2025-06-01', '2025-06-30') RETURNING id`},
	{"ServicePoint", "service_point", `INSERT INTO service_point (unit_id, name, opened_on) VALUES ($1, 'Điểm tư vấn', '2024-01-01') RETURNING id`},
	{"CommunicationActivity", "communication_activity", `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel)
	  VALUES ($1, '2025-06-01', 'Phòng chống đuối nước', 50, 'campaign') RETURNING id`},
	{"TrainingCourse", "training_course", `INSERT INTO training_course (unit_id, level, starts_on, ends_on, topic, hours, trainer)
	  VALUES ($1, 'commune', '2025-09-10', '2025-09-11', 'Quản lý trường hợp', 16, 'Sở LĐTBXH') RETURNING id`},
	{"PlanActivity", "plan_activity", `INSERT INTO plan_activity (unit_id, year, title, due_on)
	  VALUES ($1, 2025, 'Tập huấn', '2025-12-31') RETURNING id`},
	{"Report", "periodic_report", `INSERT INTO periodic_report (unit_id, period, due_on) VALUES ($1, '2025', '2025-11-20') RETURNING id`},
}

// nodeRecord is a record the node tests look up: its global id, the code of
// the area it lies in ("" when no officer may see it: deleted, or
// nonexistent), and the number of the child whose fullName nodeQuery reads
// through it (0 when none).
type nodeRecord struct {
	id, area string
	child    int64
}

// nodeRecords returns, by name, a record of every Node type in communes
// 99101 and 99201, one deleted in 99102, one that does not exist, an injury of a deleted child, a report of district
// 992 itself, and the fixture's children An and Dung and a case of An.
func nodeRecords(t *testing.T, s *testServer, a opsArea) map[string]nodeRecord {
	t.Helper()
	ctx := context.Background()
	num := func(id string) int64 {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	an, dung, cuong := a.children["Nguyễn Văn An"], a.children["Phạm Thị Dung"], a.children["Lê Văn Cường"]
	out := map[string]nodeRecord{
		"Child@99101":          {gid("Child", an), "99101", num(an)},
		"Child@99201":          {gid("Child", dung), "99201", num(dung)},
		"Child@none":           {gid("Child", "999999"), "", 0},
		"ProtectionCase@99101": {openCaseOf(t, s, an), "99101", 0},
		"ProtectionCase@none":  {gid("ProtectionCase", "999999"), "", 0},
	}
	insert := func(sql string, unit int, child string) string {
		args := []any{unit}
		if strings.Contains(sql, "$2") {
			args = append(args, child)
		}
		var id int64
		if err := s.pool.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return strconv.FormatInt(id, 10)
	}
	ofChild := func(sql, child string) int64 {
		if strings.Contains(sql, "$2") {
			return num(child)
		}
		return 0
	}
	for _, k := range nodeKinds {
		out[k.typ+"@99101"] = nodeRecord{gid(k.typ, insert(k.insert, a.c1, an)), "99101", ofChild(k.insert, an)}
		out[k.typ+"@99201"] = nodeRecord{gid(k.typ, insert(k.insert, a.c3, dung)), "99201", ofChild(k.insert, dung)}
		gone := insert(k.insert, a.c2, cuong) // in 99102, Cường's commune

		if _, err := s.pool.Exec(ctx, `UPDATE `+k.table+` SET deleted_at = now() WHERE id = $1`, gone); err != nil {
			t.Fatal(err)
		}
		out[k.typ+"@deleted"] = nodeRecord{gid(k.typ, gone), "", 0}
		out[k.typ+"@none"] = nodeRecord{gid(k.typ, "999999"), "", 0}
	}
	var ghost string
	if err := s.pool.QueryRow(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id, deleted_at)
	  VALUES ('Đã Xoá', 'M', '2016-01-01', $1, now()) RETURNING id::text`, a.c2).Scan(&ghost); err != nil {
		t.Fatal(err)
	}
	out["Injury@deleted child"] = nodeRecord{gid("Injury", insert(nodeKinds[1].insert, a.c2, ghost)), "", 0}
	var d2 int
	if err := s.pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE code = '992'`).Scan(&d2); err != nil {
		t.Fatal(err)
	}
	out["Report@992"] = nodeRecord{gid("Report", insert(nodeKinds[len(nodeKinds)-1].insert, d2, "")), "992", 0}
	return out
}

// openCaseOf opens a case about the child numbered child, as a commune officer
// of 99101, and returns the case's global id.
func openCaseOf(t *testing.T, s *testServer, child string) string {
	t.Helper()
	r := s.query(t, token(t, domain.RoleCommuneOfficer, "99101"),
		`mutation($c: ID!) { openCase(input: {childId: $c, type: VIOLENCE, receivedAt: "2026-04-24T10:00:00+07:00"}) { case { id } } }`,
		map[string]any{"c": gid("Child", child)})
	var d struct {
		OpenCase struct{ Case struct{ ID string } }
	}
	decode(t, r, &d)
	return d.OpenCase.Case.ID
}

// TestNodeScopeByRole reads a record of every Node type in two communes, a
// deleted one, a nonexistent one, and a district's own report, through node
// with every role: an officer sees exactly the records of its area, as the
// type's own lookup or list shows them; a deleted record or one outside the
// area is null exactly as one that does not exist; other roles are refused;
// and a child's personal field read through node is audited.
func TestNodeScopeByRole(t *testing.T) {
	s, a := opsServer(t)
	records := nodeRecords(t, s, a)
	names := slices.Sorted(maps.Keys(records))
	tests := []struct {
		role domain.Role
		area string // the token's area: it sees the records of areas under it
		code string // the refusal, for roles that see no record at all
	}{
		{domain.RoleProvinceOfficer, "99", ""},
		{domain.RoleDistrictOfficer, "991", ""},
		{domain.RoleDistrictOfficer, "992", ""},
		{domain.RoleCommuneOfficer, "99101", ""},
		{domain.RoleCommuneOfficer, "99201", ""},
		{domain.RoleAnalyst, "75", "FORBIDDEN"},
		{domain.RoleAnalyst, "99", "FORBIDDEN"},
		{domain.RoleLeader, "75", "FORBIDDEN"},
		{domain.RoleLeader, "99", "FORBIDDEN"},
		{"", "", "UNAUTHENTICATED"},
	}
	for i, tt := range tests {
		tok := ""
		if tt.role != "" {
			tok = token(t, tt.role, tt.area)
		}
		seen := 0
		for j, name := range names {
			rec := records[name]
			op := fmt.Sprintf("Node%d_%d", i, j)
			r := s.query(t, tok, fmt.Sprintf(nodeQuery, op), map[string]any{"id": rec.id})
			var d struct {
				Node *struct{ ID string }
			}
			sees := tt.code == "" && rec.area != "" && strings.HasPrefix(rec.area, tt.area)
			if tt.code != "" {
				if r.code() != tt.code || string(r.Data["node"]) != "null" || strings.Contains(r.raw, "Nguyễn") {
					t.Fatalf("%s %s reads %s: %s", tt.role, tt.area, name, r.raw)
				}
			} else {
				decode(t, r, &d)
				if got := d.Node != nil; got != sees || got && d.Node.ID != rec.id {
					t.Fatalf("%s %s reads %s (want seen %v): %s", tt.role, tt.area, name, sees, r.raw)
				}
				if typ, _, _ := strings.Cut(name, "@"); sees && !strings.Contains(r.raw, `"__typename":"`+typ+`"`) {
					t.Fatalf("%s %s reads %s: %s", tt.role, tt.area, name, r.raw)
				}
			}
			if sees {
				seen++
			}
			rows := auditRows(t, s, op)
			switch {
			case sees && rec.child != 0:
				if len(rows) != 1 || rows[0].Action != "read" || rows[0].Entity != "Child" || rows[0].Area != tt.area ||
					!slices.Equal(rows[0].RecordIDs, []int64{rec.child}) || !slices.Equal(rows[0].Fields, []string{"fullName"}) {
					t.Fatalf("%s %s reads %s: audit rows %+v, want one read of Child %d fullName", tt.role, tt.area, name, rows, rec.child)
				}
			case len(rows) != 0:
				t.Fatalf("%s %s reads %s, which serves no personal field: audit rows %+v", tt.role, tt.area, name, rows)
			}
		}
		t.Logf("%s %s sees %d of %d records", tt.role, tt.area, seen, len(names))
	}
}

// TestNodeIDsRefused: a malformed global id, a bare number, the id of a type
// that is not a Node, and an id of another type where one type is expected
// are INVALID_INPUT with no data; the bare number is still taken where the
// type is known, for one release.
func TestNodeIDsRefused(t *testing.T) {
	s, a := opsServer(t)
	an := a.children["Nguyễn Văn An"]
	records := nodeRecords(t, s, a)
	caseID := records["ProtectionCase@99101"].id
	classID, householdID := records["SwimmingClass@99101"].id, records["Household@99101"].id
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, id := range []string{"", "!!!", an, b64("Child"), b64("Child:"), b64("Child:x"), b64("Child:0"), b64("Child:-1"),
		b64("Child:01"), b64("Child:+1"), b64(":1"), b64("Enrolment:1"), b64("PublicHoliday:1"), b64("Circumstance:1"),
		b64("AuditEntry:1"), b64("OrgUnit:1"), b64("injury:1"), gid("Child", an) + "=",
		base64.StdEncoding.EncodeToString([]byte("Child:" + an))} {
		r := s.query(t, commune, fmt.Sprintf(nodeQuery, "Bad"), map[string]any{"id": id})
		if r.code() != "INVALID_INPUT" || string(r.Data["node"]) != "null" || strings.Contains(r.raw, "Nguyễn") {
			t.Fatalf("node(%q): %s", id, r.raw)
		}
		r = s.query(t, commune, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{gid("Child", an), id}})
		if r.code() != "INVALID_INPUT" || r.Data != nil && string(r.Data["nodes"]) != "null" {
			t.Fatalf("nodes with %q: %s", id, r.raw)
		}
	}
	for _, tt := range []struct{ name, q, id string }{
		{"child given a case id", `query($id: ID!) { child(id: $id) { id } }`, caseID},
		{"case given a child id", `query($id: ID!) { case(id: $id) { id } }`, gid("Child", an)},
		{"update given a case id", `mutation($id: ID!) { updateChild(id: $id, input: {address: "x"}) { child { id } errors { code } } }`, caseID},
		{"advance given a child id", `mutation($id: ID!) { advanceCase(input: {caseId: $id, to: INITIAL_ASSESSED, emergencyNeeded: false}) { case { id } errors { code } } }`, gid("Child", an)},
		{"injury given a case id", `mutation($id: ID!) { recordInjury(input: {childId: $id, occurredOn: "2025-07-01", cause: "drowning", outcome: "injured"}) { injury { id } errors { code } } }`, caseID},
		{"injury given an injury id", `mutation($id: ID!) { recordInjury(input: {childId: $id, occurredOn: "2025-07-01", cause: DROWNING, outcome: INJURED}) { injury { id } errors { code } } }`,
			records["Injury@99101"].id},
		{"support given a household id", `mutation($id: ID!) { recordSupport(input: {childId: $id, type: CASH, provider: "Quỹ", givenOn: "2025-06-01"}) { support { id } errors { code } } }`,
			householdID},
		{"enrolment given a report id for the class", `mutation($id: ID!) { enrolInSwimmingClass(input: {classId: $id, childId: "` + an +
			`", on: "2025-06-01"}) { enrolment { id } errors { code } } }`, records["Report@99101"].id},
		{"enrolment given a class id for the child", `mutation($id: ID!) { enrolInSwimmingClass(input: {classId: "` + classID +
			`", childId: $id, on: "2025-06-01"}) { enrolment { id } errors { code } } }`, classID},
		{"household given a service point id", `mutation($id: ID!) { updateChild(id: "` + an + `", input: {householdId: $id}) { child { id } errors { code } } }`,
			records["ServicePoint@99101"].id},
		{"register given a plan activity id for the household", `mutation($id: ID!) { registerChild(input: {fullName: "Ngô Thị Hà", sex: F,
		  birthDate: "2019-02-03", commune: "99101", householdId: $id}) { child { id } errors { code } } }`, records["PlanActivity@99101"].id},
	} {
		// A query refuses with a coded error; a mutation answers the problem
		// in its payload's errors. Either way no record comes back.
		r := s.query(t, commune, tt.q, map[string]any{"id": tt.id})
		refused := r.code() == "INVALID_INPUT" || strings.Contains(r.raw, `"errors":[{"code":"INVALID_INPUT"}]`)
		if !refused || strings.Contains(r.raw, `"id":"`) {
			t.Fatalf("%s: %s", tt.name, r.raw)
		}
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM injury WHERE child_id = $1 AND occurred_on = '2025-07-01')
	  + (SELECT count(*) FROM swimming_enrolment) + (SELECT count(*) FROM child WHERE full_name = 'Ngô Thị Hà')`, an).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused id wrote %d records (%v)", n, err)
	}
	// The bare number, for one release, and the global id name the same
	// household and class.
	for _, id := range []string{number(t, householdID), householdID} {
		r := s.query(t, commune, `mutation($c: ID!, $h: ID!) { updateChild(id: $c, input: {householdId: $h}) { child { household { id } } errors { code } } }`,
			map[string]any{"c": an, "h": id})
		if r.code() != "" || !strings.Contains(r.raw, `"household":{"id":"`+householdID+`"}`) {
			t.Fatalf("householdId %q: %s", id, r.raw)
		}
	}
	for i, id := range []string{number(t, classID), classID} {
		r := s.query(t, commune, `mutation($k: ID!, $c: ID!, $on: Date!) { enrolInSwimmingClass(input: {classId: $k, childId: $c, on: $on}) {
		  enrolment { classId } errors { code } } }`, map[string]any{"k": id, "c": []string{an, a.children["Trần Thị Bình"]}[i], "on": "2025-06-01"})
		if r.code() != "" || !strings.Contains(r.raw, `"classId":"`+classID+`"`) {
			t.Fatalf("classId %q: %s", id, r.raw)
		}
	}
	// The bare number, for one release, and the global id name the same child.
	for _, id := range []string{an, gid("Child", an)} {
		r := s.query(t, commune, `query($id: ID!) { child(id: $id) { id } }`, map[string]any{"id": id})
		if r.code() != "" || !strings.Contains(r.raw, `"id":"`+gid("Child", an)+`"`) {
			t.Fatalf("child(%q): %s", id, r.raw)
		}
	}
	// More ids than a page holds are refused before any lookup.
	many := make([]string, 101)
	for i := range many {
		many[i] = gid("Child", an)
	}
	if r := s.query(t, commune, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many}); r.code() != "INVALID_INPUT" {
		t.Fatalf("101 ids: %s", r.raw)
	}
}

// TestNodesMixAllowedAndForbidden asks a commune officer's nodes for records
// of several types, of the commune, of another commune, deleted and of none:
// the answer keeps the order, nulls the others alike, and the audit row names
// only the child served.
func TestNodesMixAllowedAndForbidden(t *testing.T) {
	s, a := opsServer(t)
	an, dung := a.children["Nguyễn Văn An"], a.children["Phạm Thị Dung"]
	records := nodeRecords(t, s, a)
	caseID, class, report := records["ProtectionCase@99101"].id, records["SwimmingClass@99101"].id, records["Report@99101"].id
	ids := []string{gid("Child", dung), gid("Child", an), gid("Child", "999999"), caseID, gid("ProtectionCase", "999999"),
		records["Injury@99201"].id, class, records["SwimmingClass@99201"].id, records["Report@deleted"].id, report}
	r := s.query(t, token(t, domain.RoleCommuneOfficer, "99101"),
		`query Mixed($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Child { fullName } } }`, map[string]any{"ids": ids})
	want := `{"nodes":[null,{"__typename":"Child","id":"` + ids[1] + `","fullName":"Nguyễn Văn An"},null,` +
		`{"__typename":"ProtectionCase","id":"` + caseID + `"},null,null,{"__typename":"SwimmingClass","id":"` + class + `"},null,null,` +
		`{"__typename":"Report","id":"` + report + `"}]}`
	if b, _ := json.Marshal(r.Data); len(r.Errors) != 0 || string(b) != want {
		t.Fatalf("nodes = %s, want data %s", r.raw, want)
	}
	t.Logf("nodes answer: %s", r.raw)
	rows := auditRows(t, s, "Mixed")
	n, _ := strconv.ParseInt(an, 10, 64)
	if len(rows) != 1 || rows[0].Entity != "Child" || rows[0].Action != "read" ||
		!slices.Equal(rows[0].RecordIDs, []int64{n}) || !slices.Equal(rows[0].Fields, []string{"fullName"}) {
		t.Fatalf("audit rows %+v, want one read of Child %d fullName", rows, n)
	}
}

// TestListIDsRoundTrip reads every list of Node records (and the children's
// households) as a district officer, then asks nodes for all the ids the lists
// gave: each comes back as the same record of the same type, in order.
func TestListIDsRoundTrip(t *testing.T) {
	s, a := opsServer(t)
	nodeRecords(t, s, a)
	district := token(t, domain.RoleDistrictOfficer, "991")
	lists := []struct{ list, typ string }{
		{"children", "Child"}, {"cases", "ProtectionCase"}, {"injuries", "Injury"}, {"supports", "Support"},
		{"giftVisits", "GiftVisit"}, {"swimmingClasses", "SwimmingClass"}, {"servicePoints", "ServicePoint"},
		{"communicationActivities", "CommunicationActivity"}, {"trainingCourses", "TrainingCourse"}, {"planActivities", "PlanActivity"}, {"reports", "Report"},
	}
	var ids, types []string
	for _, l := range lists {
		r := s.query(t, district, `{ `+l.list+`(first: 100) { edges { node { __typename id } } } }`, nil)
		var d map[string]struct {
			Edges []struct {
				Node struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
		}
		decode(t, r, &d)
		if len(d[l.list].Edges) == 0 {
			t.Fatalf("%s: no record to round-trip: %s", l.list, r.raw)
		}
		for _, e := range d[l.list].Edges {
			ids, types = append(ids, e.Node.ID), append(types, l.typ)
		}
	}
	r := s.query(t, district, `{ children { edges { node { household { __typename id } } } } }`, nil)
	for _, part := range strings.Split(r.raw, `"household":{"__typename":"Household","id":"`)[1:] {
		id, _, _ := strings.Cut(part, `"`)
		ids, types = append(ids, id), append(types, "Household")
	}
	if types[len(types)-1] != "Household" {
		t.Fatalf("no household to round-trip: %s", r.raw)
	}
	r = s.query(t, district, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": ids})
	var d struct {
		Nodes []*struct {
			Typename string `json:"__typename"`
			ID       string
		}
	}
	decode(t, r, &d)
	if len(d.Nodes) != len(ids) {
		t.Fatalf("nodes of %d ids answered %d", len(ids), len(d.Nodes))
	}
	for i, n := range d.Nodes {
		if n == nil || n.ID != ids[i] || n.Typename != types[i] {
			t.Fatalf("nodes[%d] = %+v, want the %s %s", i, n, types[i], ids[i])
		}
	}
	t.Logf("%d ids of %d types round-tripped", len(ids), len(lists)+1)
}

package graph_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/graph"
	"treem/internal/domain"
)

// The attacks below play officers against the composable filters, the
// orders and node/nodes of the operational lists, over opsFixture and
// filterTreeFixture on the real HTTP stack and Postgres:
//
//	An M 2015-03-01 c1 (99101) DISABLED, case neglect CLOSED, injury traffic
//	Bình F 2012-07-15 c1 (99101), injury fall
//	Cường M 2018-01-20 c2 (99102)
//	Dung F 2010-11-30 c3 (99201, district 992), case violence RECEIVED, injury drowning
//	Hoàng F 2016-05-05 c3 (99201)
//
// Each test fails when its route leaks: a record of another area, a personal
// field read without an audit entry naming the child, an uncoded error.

// anyGID is gid of an id of any type, spelt as fmt prints it.
func anyGID(typ string, id any) string { return gid(typ, fmt.Sprint(id)) }

// childNames runs childrenQuery and returns the names served and the total.
func childNames(t *testing.T, s *testServer, tok string, vars map[string]any) ([]string, int) {
	t.Helper()
	var p childPage
	decode(t, s.query(t, tok, childrenQuery, vars), &p)
	var got []string
	for _, e := range p.Children.Edges {
		got = append(got, e.Node.FullName)
	}
	return got, p.Children.TotalCount
}

// TestAttackFilterAreaEscape tries to widen an officer's area from inside
// the filter tree: branches naming other units or the whole province, a
// branch true for everyone, the SECURITY DEFINER set functions (circumstance,
// case) in or-branches where only other areas match, deep nesting. The area
// must hold outside the whole tree, in the page and in totalCount.
func TestAttackFilterAreaEscape(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	district := token(t, domain.RoleDistrictOfficer, "991")
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	or := func(fs ...map[string]any) map[string]any {
		l := make([]any, len(fs))
		for i, f := range fs {
			l[i] = f
		}
		return map[string]any{"or": l}
	}
	deep := or(map[string]any{"and": []any{or(map[string]any{"orgUnitIn": []string{"99201", "992"}})}})
	tests := []struct {
		name   string
		token  string
		filter map[string]any
		want   []string
	}{
		{"orgUnitIn lists foreign units and the province", district, map[string]any{"orgUnitIn": []string{"992", "99201", "99"}},
			[]string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}},
		{"orgUnitIn only foreign", district, map[string]any{"orgUnitIn": []string{"992", "99201"}}, nil},
		{"a branch true for everyone", district, or(map[string]any{}, map[string]any{"orgUnit": "992"}),
			[]string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"}},
		{"an and of nothing", commune, map[string]any{"and": []any{map[string]any{}}}, []string{"Nguyễn Văn An", "Trần Thị Bình"}},
		{"case function in a branch, only foreign cases", district,
			or(map[string]any{"caseTypeIn": []string{"VIOLENCE"}}, map[string]any{"caseStatus": "RECEIVED"}), nil},
		{"case function on top, only foreign cases", commune, map[string]any{"caseType": "VIOLENCE"}, nil},
		{"circumstance and case functions in branches", district,
			or(map[string]any{"circumstanceIn": []string{"DISABLED", "ORPHAN"}}, map[string]any{"caseStatusIn": []string{"RECEIVED"}}),
			[]string{"Nguyễn Văn An"}},
		{"a foreign unit three levels down", district, deep, nil},
		{"a foreign unit and an or of everything", district,
			map[string]any{"orgUnit": "99201", "or": []any{map[string]any{"sexIn": []string{"F", "M"}}, map[string]any{}}}, nil},
		{"a name search that matches only elsewhere", commune, or(map[string]any{"nameContains": "dung"}, map[string]any{"nameContains": "hoàng"}), nil},
		{"a short name search that matches only elsewhere", commune, map[string]any{"nameContains": "ng"}, []string{"Nguyễn Văn An"}},
		{"ages covering everyone in an or", commune, or(map[string]any{"ageMin": 0}, map[string]any{"orgUnit": "99"}),
			[]string{"Nguyễn Văn An", "Trần Thị Bình"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total := childNames(t, s, tt.token, map[string]any{"first": 10, "filter": tt.filter})
			if !slices.Equal(got, tt.want) || total != len(tt.want) {
				t.Fatalf("children %v (totalCount %d), want %v", got, total, tt.want)
			}
		})
	}

	// The case and event lists: every hostile tree answers at most what the
	// same officer's unfiltered list holds.
	lists := map[string]string{"cases": "CaseFilter", "injuries": "EventFilter", "supports": "EventFilter",
		"giftVisits": "EventFilter", "swimmingClasses": "EventFilter", "servicePoints": "EventFilter",
		"communicationActivities": "EventFilter", "planActivities": "EventFilter", "reports": "EventFilter"}
	hostile := []map[string]any{
		{"orgUnitIn": []string{"992", "99201", "99"}},
		or(map[string]any{}, map[string]any{"orgUnit": "992"}),
		or(map[string]any{"and": []any{or(map[string]any{"orgUnit": "99"})}}),
	}
	for list, typ := range lists {
		for _, tok := range []string{district, commune} {
			count := func(filter map[string]any) int {
				q := fmt.Sprintf(`query($filter: %s) { %s(first: 100, filter: $filter) { totalCount edges { node { id } } } }`, typ, list)
				var p map[string]struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
				decode(t, s.query(t, tok, q, map[string]any{"filter": filter}), &p)
				if len(p[list].Edges) != p[list].TotalCount {
					t.Fatalf("%s %v: %d edges, totalCount %d", list, filter, len(p[list].Edges), p[list].TotalCount)
				}
				return p[list].TotalCount
			}
			all := count(nil)
			for _, f := range hostile {
				if n := count(f); n > all {
					t.Fatalf("%s: filter %v answers %d, more than the %d of the whole area", list, f, n, all)
				}
			}
		}
	}
	// The district's cases and injuries, by hand: the neglect case and the
	// traffic and fall injuries of 99101, never Dung's in 99201.
	for _, c := range []struct{ list, typ, field string }{{"cases", "CaseFilter", "type"}, {"injuries", "EventFilter", "cause"}} {
		q := fmt.Sprintf(`query($filter: %s) { %s(first: 10, filter: $filter) { totalCount edges { node { %s } } } }`, c.typ, c.list, c.field)
		var p map[string]struct {
			TotalCount int
			Edges      []struct{ Node map[string]string }
		}
		decode(t, s.query(t, district, q, map[string]any{"filter": or(map[string]any{}, map[string]any{"orgUnit": "99201"})}), &p)
		for _, e := range p[c.list].Edges {
			if v := e.Node[c.field]; v == "VIOLENCE" || v == "DROWNING" {
				t.Fatalf("%s: the district sees %s of district 992", c.list, v)
			}
		}
	}
}

// TestAttackNodesAcrossAreasAndTypes asks node and nodes for records of
// another area, of every operational type, for deleted records, and with
// ids of one type given as another; and as an analyst and a leader.
func TestAttackNodesAcrossAreasAndTypes(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	ctx := context.Background()
	id := func(sql string, args ...any) int64 {
		var n int64
		if err := s.pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	dung := a.children["Phạm Thị Dung"]
	foreign := []string{
		gid("Child", dung),
		anyGID("ProtectionCase", id(`SELECT id FROM protection_case WHERE child_id = $1`, dung)),
		anyGID("Injury", id(`SELECT id FROM injury WHERE child_id = $1`, dung)),
		anyGID("Household", id(`SELECT household_id FROM child WHERE id = $1`, a.children["Nguyễn Văn An"])),
	}
	// Deleted: Cường and An's case.
	execSQL(t, s.pool, `UPDATE child SET deleted_at = now() WHERE id = $1`, a.children["Lê Văn Cường"])
	execSQL(t, s.pool, `UPDATE protection_case SET deleted_at = now() WHERE child_id = $1`, a.children["Nguyễn Văn An"])
	deleted := []string{gid("Child", a.children["Lê Văn Cường"]),
		anyGID("ProtectionCase", id(`SELECT id FROM protection_case WHERE child_id = $1`, a.children["Nguyễn Văn An"]))}
	q := `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Child { fullName birthDate } } }`

	// District 991 sees none of 992's records; district 992 not the
	// household of 99101; nobody sees deleted records.
	for _, c := range []struct {
		tok string
		ids []string
	}{
		{token(t, domain.RoleDistrictOfficer, "991"), append(slices.Clone(foreign[:3]), deleted...)},
		{token(t, domain.RoleDistrictOfficer, "992"), foreign[3:]},
		{token(t, domain.RoleProvinceOfficer, "99"), deleted},
	} {
		r := s.query(t, c.tok, q, map[string]any{"ids": c.ids})
		if len(r.Errors) > 0 || strings.Count(string(r.Data["nodes"]), "null") != len(c.ids) {
			t.Fatalf("nodes %v: %s", c.ids, r.raw)
		}
		for _, one := range c.ids {
			r := s.query(t, c.tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": one})
			if len(r.Errors) > 0 || string(r.Data["node"]) != "null" {
				t.Fatalf("node %s: %s", one, r.raw)
			}
		}
	}
	// An id of one type given where another is wanted is refused, not
	// looked up as a number of that type.
	r := s.query(t, token(t, domain.RoleProvinceOfficer, "99"), `query($id: ID!) { child(id: $id) { fullName } }`,
		map[string]any{"id": foreign[1]})
	if r.code() != "INVALID_INPUT" {
		t.Fatalf("child(id: a case's id): %s", r.raw)
	}
	// Roles without personal data are refused outright, ids of any type.
	for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleLeader} {
		r := s.query(t, token(t, role, "99"), q, map[string]any{"ids": foreign})
		if r.code() != "FORBIDDEN" || strings.Contains(r.raw, "Dung") {
			t.Fatalf("%s: %s", role, r.raw)
		}
	}
	// Forged ids: an unknown type, a type that is not a Node, numbers in
	// other spellings.
	for _, bad := range []string{anyGID("AuditEntry", 1), anyGID("OrgUnit", 1), gid("Child", "01"), gid("Child", "-1"),
		gid("Child", "1 OR 1=1"), gid("child", dung), "Q2hpbGQ6MQ==", strings.Repeat("A", 10000)} {
		r := s.query(t, token(t, domain.RoleProvinceOfficer, "99"), q, map[string]any{"ids": []string{bad}})
		if r.code() != "INVALID_INPUT" {
			t.Fatalf("forged id %.40s: %s", bad, r.raw)
		}
	}
}

// auditedFields returns the fields of the read entries of the audit log
// that name child among their records.
func auditedFields(t *testing.T, s *testServer, child string) []string {
	t.Helper()
	var fields []string
	if err := s.pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(DISTINCT f ORDER BY f), '{}') FROM audit_log,
	  unnest(fields) f WHERE action = 'read' AND entity = 'Child' AND $1::bigint = ANY(record_ids)`, child).Scan(&fields); err != nil {
		t.Fatal(err)
	}
	return fields
}

// TestAttackBirthDateOracle learns a child's birth date from totalCount
// alone, never selecting birthDate and never having the child on the page:
// a decoy branch fills the one-row page, and the target's branch, which
// tests the birth date, moves only the count; or the page is empty
// (first: 0). Each answer tells on which side of a date the child was born,
// so the audit must name the child as read for birthDate (and fullName,
// which found it).
func TestAttackBirthDateOracle(t *testing.T) {
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	routes := []struct {
		name  string
		first int
		order map[string]any
		f     func(bornTo string) map[string]any
	}{
		{"decoy branch fills the page", 1, nil, func(bornTo string) map[string]any {
			return map[string]any{"or": []any{
				map[string]any{"nameContains": "văn an"},
				map[string]any{"nameContains": "thị bình", "bornTo": bornTo},
			}}
		}},
		{"decoy branch fills the page, ordered by name", 1, map[string]any{"field": "FULL_NAME", "direction": "ASC"},
			func(bornTo string) map[string]any {
				return map[string]any{"or": []any{
					map[string]any{"sexIn": []string{"M"}},
					map[string]any{"and": []any{map[string]any{"sexIn": []string{"F"}}, map[string]any{"bornTo": bornTo}}},
				}}
			}},
		{"an empty page", 0, nil, func(bornTo string) map[string]any {
			return map[string]any{"sexIn": []string{"F"}, "bornTo": bornTo}
		}},
		{"an empty page, age instead of a date", 0, nil, func(string) map[string]any {
			return map[string]any{"and": []any{map[string]any{"sexIn": []string{"F"}}, map[string]any{"or": []any{map[string]any{"ageMin": 13}}}}}
		}},
	}
	for _, rt := range routes {
		t.Run(rt.name, func(t *testing.T) {
			s, a := opsServer(t)                  // a fresh, empty audit log
			target := a.children["Trần Thị Bình"] // born 2012-07-15, id after An's
			var counts []int
			for _, bornTo := range []string{"2012-07-14", "2012-07-15"} {
				got, total := childNames(t, s, commune, map[string]any{"first": rt.first, "filter": rt.f(bornTo), "orderBy": rt.order})
				if slices.Contains(got, "Trần Thị Bình") {
					t.Fatalf("the target is on the page: the route does not test the count")
				}
				counts = append(counts, total)
			}
			if counts[0] == counts[1] && !strings.Contains(rt.name, "age") {
				t.Fatalf("counts %v: the oracle tells nothing here, the route is not tested", counts)
			}
			if f := auditedFields(t, s, target); !slices.Contains(f, "birthDate") {
				t.Fatalf("totalCount %v told the target's birth date; the audit names her for %v", counts, f)
			}
		})
	}
	// hasNextPage alone: the decoy fills the one-row page, and whether a row
	// follows tells whether the target's branch matched.
	t.Run("hasNextPage past a decoy", func(t *testing.T) {
		s, a := opsServer(t)
		q := `query($filter: ChildFilter) { children(first: 1, filter: $filter) { edges { node { id } } pageInfo { hasNextPage } } }`
		var next []bool
		for _, bornTo := range []string{"2012-07-14", "2012-07-15"} {
			var p struct {
				Children struct{ PageInfo struct{ HasNextPage bool } }
			}
			decode(t, s.query(t, commune, q, map[string]any{"filter": map[string]any{"or": []any{
				map[string]any{"nameContains": "văn an"}, map[string]any{"nameContains": "thị bình", "bornTo": bornTo},
			}}}), &p)
			next = append(next, p.Children.PageInfo.HasNextPage)
		}
		if next[0] == next[1] {
			t.Fatalf("hasNextPage %v: the route is not tested", next)
		}
		if f := auditedFields(t, s, a.children["Trần Thị Bình"]); !slices.Contains(f, "birthDate") {
			t.Fatalf("hasNextPage %v told the target's birth date; the audit names her for %v", next, f)
		}
	})
}

// TestAttackPersonalOrderAndCursors: an order by a personal field with only
// ids selected is audited for the children served; a cursor does not show
// its sort key, does not continue another order or list, and a tampered one
// is refused.
func TestAttackPersonalOrderAndCursors(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	province := token(t, domain.RoleProvinceOfficer, "99")
	r := s.query(t, province, `{ children(first: 1, orderBy: {field: BIRTH_DATE}) { edges { cursor node { id } } } }`, nil)
	var p struct {
		Children struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
		}
	}
	decode(t, r, &p)
	if len(p.Children.Edges) != 1 || p.Children.Edges[0].Node.ID != gid("Child", a.children["Phạm Thị Dung"]) {
		t.Fatalf("the eldest: %s", r.raw)
	}
	if f := auditedFields(t, s, a.children["Phạm Thị Dung"]); !slices.Contains(f, "birthDate") {
		t.Fatalf("ordered by birth date, the first child is audited for %v", f)
	}
	// The row read past the page ranks after the one shown: hasNextPage
	// tells that An, not on the page, was born after Bình.
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	var next struct {
		Children struct{ PageInfo struct{ HasNextPage bool } }
	}
	decode(t, s.query(t, commune, `{ children(first: 1, orderBy: {field: BIRTH_DATE}) { edges { node { id } } pageInfo { hasNextPage } } }`, nil), &next)
	if !next.Children.PageInfo.HasNextPage {
		t.Fatal("hasNextPage: want true")
	}
	if f := auditedFields(t, s, a.children["Nguyễn Văn An"]); !slices.Contains(f, "birthDate") {
		t.Fatalf("hasNextPage ranked An by birth date; the audit names him for %v", f)
	}
	cursor := p.Children.Edges[0].Cursor
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{"2010-11-30", "birth", "children:"} {
		if strings.Contains(string(raw), plain) {
			t.Fatalf("the cursor shows %q", plain)
		}
	}
	// The cursor of children by birth date continues no other order or list.
	for _, q := range []string{
		`query($c: String) { children(first: 1, after: $c, orderBy: {field: FULL_NAME}) { totalCount } }`,
		`query($c: String) { children(first: 1, after: $c) { totalCount } }`,
		`query($c: String) { children(first: 1, after: $c, orderBy: {field: BIRTH_DATE, direction: DESC}) { totalCount } }`,
		`query($c: String) { cases(first: 1, after: $c, orderBy: {field: RECEIVED_AT}) { totalCount } }`,
		`query($c: String) { injuries(first: 1, before: $c, orderBy: {field: DATE}) { totalCount } }`,
	} {
		if r := s.query(t, province, q, map[string]any{"c": cursor}); r.code() != "INVALID_INPUT" {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}
	// Nor does a cursor of cases by date continue injuries by date, or a
	// flipped byte anything.
	var c map[string]struct{ PageInfo struct{ EndCursor string } }
	decode(t, s.query(t, province, `{ cases(first: 1, orderBy: {field: RECEIVED_AT}) { pageInfo { endCursor } } }`, nil), &c)
	caseCursor := c["cases"].PageInfo.EndCursor
	flipped := []byte(caseCursor)
	flipped[len(flipped)/2] ^= 1
	for _, try := range []struct{ q, c string }{
		{`query($c: String) { injuries(first: 1, after: $c, orderBy: {field: DATE}) { totalCount } }`, caseCursor},
		{`query($c: String) { reports(first: 1, after: $c, orderBy: {field: DATE}) { totalCount } }`, caseCursor},
		{`query($c: String) { cases(first: 1, after: $c, orderBy: {field: RECEIVED_AT}) { totalCount } }`, string(flipped)},
	} {
		if r := s.query(t, province, try.q, map[string]any{"c": try.c}); r.code() != "INVALID_INPUT" {
			t.Fatalf("%s: %s", try.q, r.raw)
		}
	}
}

// leaky tells whether an answer shows what an error must not: SQL, driver
// or Go internals.
func leaky(raw string) bool {
	for _, s := range []string{"SQLSTATE", "SELECT", "syntax error", "pgx", "panic", "goroutine", "runtime error", ".go:"} {
		if strings.Contains(raw, s) {
			return true
		}
	}
	return false
}

// TestAttackFilterInjection sends SQL, LIKE wildcards, unicode, NUL, null
// entries and huge values through every free-text and list field of the
// trees, nested: each answers data or a coded error, never SQL text or a
// panic, and a value is only ever a value.
func TestAttackFilterInjection(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	province := token(t, domain.RoleProvinceOfficer, "99")
	nest := func(f map[string]any) map[string]any {
		return map[string]any{"or": []any{map[string]any{"and": []any{f, map[string]any{}}}}}
	}
	huge := strings.Repeat("ả", 100000)
	childQ := `query($filter: ChildFilter) { children(first: 5, filter: $filter) { totalCount edges { node { fullName } } } }`
	eventQ := func(list string) string {
		return fmt.Sprintf(`query($filter: EventFilter) { %s(first: 5, filter: $filter) { totalCount } }`, list)
	}
	caseQ := `query($filter: CaseFilter) { cases(first: 5, filter: $filter) { totalCount } }`
	tests := []struct {
		name, q string
		filter  any
		code    string // "" when data is expected
		total   int
	}{
		{"quote and comment in a name", childQ, nest(map[string]any{"nameContains": "' OR 1=1 --"}), "", 0},
		{"a lone percent matches only a literal percent", childQ, nest(map[string]any{"nameContains": "%"}), "", 1},
		{"underscore wildcard", childQ, nest(map[string]any{"nameContains": "_x_"}), "", 1},
		{"backslash", childQ, nest(map[string]any{"nameContains": `\`}), "", 0},
		{"decomposed Vietnamese", childQ, nest(map[string]any{"nameContains": "Bi\u0300nh"}), "", 1},
		{"fullwidth letters fold as the name does", childQ, nest(map[string]any{"nameContains": "ｂình"}), "", 1},
		{"NUL in a name", childQ, nest(map[string]any{"nameContains": "a\x00b"}), "INVALID_INPUT", 0},
		{"a huge name", childQ, nest(map[string]any{"nameContains": huge}), "INVALID_INPUT", 0},
		{"SQL in a circumstance", childQ, nest(map[string]any{"circumstanceIn": []string{"DISABLED') OR ('1'='1", "DISABLED"}}), "", 1},
		{"SQL in an org unit", childQ, nest(map[string]any{"orgUnitIn": []string{"99101' OR '1'='1"}}), "INVALID_INPUT", 0},
		{"a null org unit", childQ, nest(map[string]any{"orgUnitIn": []any{nil}}), "GRAPHQL_VALIDATION_FAILED", 0},
		{"a null sub-filter", childQ, map[string]any{"or": []any{nil}}, "GRAPHQL_VALIDATION_FAILED", 0},
		{"an unknown sex", childQ, nest(map[string]any{"sexIn": []string{"M", "X"}}), "GRAPHQL_VALIDATION_FAILED", 0},
		{"SQL in a report period", eventQ("reports"), nest(map[string]any{"kindIn": []string{"2025' OR '1'='1"}}), "", 0},
		{"SQL in an injury cause", eventQ("injuries"), nest(map[string]any{"kindIn": []string{"DROWNING' OR '1'='1"}}), "INVALID_INPUT", 0},
		{"a huge period", eventQ("reports"), nest(map[string]any{"kind": huge}), "INVALID_INPUT", 0},
		{"a far date", caseQ, nest(map[string]any{"receivedFrom": "9999-12-31"}), "", 0},
		{"an impossible date", caseQ, nest(map[string]any{"receivedTo": "2025-02-30"}), "GRAPHQL_VALIDATION_FAILED", 0},
		{"a negative year", eventQ("injuries"), nest(map[string]any{"from": "-0001-01-01"}), "GRAPHQL_VALIDATION_FAILED", 0},
		{"ages before year 1", childQ, map[string]any{"asOf": "0001-01-01", "or": []any{map[string]any{"ageMax": 30, "circumstance": "DISABLED"}}}, "", 0},
		{"ages at year 9999", childQ, map[string]any{"asOf": "9999-12-31", "and": []any{map[string]any{"ageMin": 0, "insured": false}}}, "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, province, tt.q, map[string]any{"filter": tt.filter})
			if leaky(r.raw) {
				t.Fatalf("the answer shows internals: %.400s", r.raw)
			}
			if tt.code != "" {
				if c := r.code(); c != tt.code && !(tt.code == "GRAPHQL_VALIDATION_FAILED" && (c == "INVALID_INPUT" || c == "GRAPHQL_PARSE_FAILED")) {
					t.Fatalf("want %s, got %.400s", tt.code, r.raw)
				}
				return
			}
			if len(r.Errors) > 0 {
				t.Fatalf("%.400s", r.raw)
			}
			if !strings.Contains(r.raw, fmt.Sprintf(`"totalCount":%d`, tt.total)) {
				t.Fatalf("want totalCount %d: %.400s", tt.total, r.raw)
			}
		})
	}
}

// TestAttackTiesAndTotals orders lists whose dates tie and pages them one
// row at a time both ways: every row once, no duplicates, as many as
// totalCount says, for every filter shape (set shortcut, or-tree, none).
func TestAttackTiesAndTotals(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	ctx := context.Background()
	// Three more injuries and two more cases on the same day as others.
	for _, child := range []string{"Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"} {
		unit := a.c1
		if child == "Phạm Thị Dung" {
			unit = a.c3
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, '2025-02-01', 'burn', 'injured')`,
			a.children[child], unit); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := s.pool.Exec(ctx, `INSERT INTO protection_case (child_id, unit_id, case_type, status, received_at,
		  emergency_deadline, plan_deadline, approval_deadline) VALUES ($1, $2, 'neglect', 'received', '2025-03-03 09:00+07',
		  '2025-03-03 21:00+07', '2025-03-11', '2025-03-13')`, a.children["Lê Văn Cường"], a.c2); err != nil {
			t.Fatal(err)
		}
	}
	province := token(t, domain.RoleProvinceOfficer, "99")
	type page struct {
		TotalCount int
		Edges      []struct{ Node struct{ ID string } }
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
	walk := func(list, filterType, orderType string, orderBy, filter any) {
		q := fmt.Sprintf(`query($first: Int, $after: String, $last: Int, $before: String, $o: %s, $f: %s) {
		  %s(first: $first, after: $after, last: $last, before: $before, orderBy: $o, filter: $f) {
		    totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
			orderType, filterType, list)
		read := func(vars map[string]any) page {
			vars["o"], vars["f"] = orderBy, filter
			var p map[string]page
			decode(t, s.query(t, province, q, vars), &p)
			return p[list]
		}
		var fwd, back []string
		total := -1
		for vars := (map[string]any{"first": 1}); ; {
			p := read(vars)
			total = p.TotalCount
			for _, e := range p.Edges {
				fwd = append(fwd, e.Node.ID)
			}
			if !p.PageInfo.HasNextPage {
				break
			}
			vars = map[string]any{"first": 1, "after": *p.PageInfo.EndCursor}
		}
		for vars := (map[string]any{"last": 1}); ; {
			p := read(vars)
			if p.TotalCount != total {
				t.Fatalf("%s %v: totalCount %d backward, %d forward", list, orderBy, p.TotalCount, total)
			}
			for _, e := range p.Edges {
				back = append([]string{e.Node.ID}, back...)
			}
			if !p.PageInfo.HasPreviousPage {
				break
			}
			vars = map[string]any{"last": 1, "before": *p.PageInfo.StartCursor}
		}
		uniq := slices.Compact(slices.Sorted(slices.Values(fwd)))
		if len(uniq) != len(fwd) || len(fwd) != total || !slices.Equal(fwd, back) {
			t.Fatalf("%s %v %v: forward %v, backward %v, totalCount %d", list, orderBy, filter, fwd, back, total)
		}
	}
	for _, dir := range []string{"ASC", "DESC"} {
		walk("injuries", "EventFilter", "EventOrder", map[string]any{"field": "DATE", "direction": dir}, nil)
		walk("injuries", "EventFilter", "EventOrder", map[string]any{"field": "DATE", "direction": dir},
			map[string]any{"or": []any{map[string]any{"kindIn": []string{"BURN"}}, map[string]any{"orgUnit": "99201"}}})
		walk("cases", "CaseFilter", "CaseOrder", map[string]any{"field": "RECEIVED_AT", "direction": dir}, nil)
		walk("cases", "CaseFilter", "CaseOrder", map[string]any{"field": "RECEIVED_AT", "direction": dir},
			map[string]any{"or": []any{map[string]any{"statusIn": []string{"RECEIVED"}}, map[string]any{"open": true}}})
		for _, f := range []any{nil, map[string]any{"nameContains": "thị"}, map[string]any{"caseTypeIn": []string{"NEGLECT", "VIOLENCE"}},
			map[string]any{"or": []any{map[string]any{"nameContains": "văn"}, map[string]any{"caseStatus": "RECEIVED"}}}} {
			walk("children", "ChildFilter", "ChildOrder", map[string]any{"field": "BIRTH_DATE", "direction": dir}, f)
		}
	}
}

// maxTree is the largest tree the limits let through: 20 filters, three
// levels below the top, each with a trigram name search and 50 org units
// (the province, so every unit list expands to every commune).
func maxTree() map[string]any {
	units := make([]string, 50)
	for i := range units {
		units[i] = "99"
	}
	leaf := func(i int) map[string]any {
		return map[string]any{"nameContains": fmt.Sprintf("ng%c", 'a'+i%26), "orgUnitIn": units,
			"circumstanceIn": []string{"DISABLED", "ORPHAN"}, "caseTypeIn": []string{"NEGLECT", "VIOLENCE"}}
	}
	n := 1
	var build func(depth int) map[string]any
	build = func(depth int) map[string]any {
		f := leaf(n)
		if depth == 3 || n >= 20 {
			return f
		}
		var subs []any
		for range 2 {
			if n >= 20 {
				break
			}
			n++
			subs = append(subs, build(depth+1))
		}
		if depth%2 == 0 {
			f["or"] = subs
		} else {
			f["and"] = subs
		}
		return f
	}
	return build(0)
}

// TestAttackFilterExhaustion sends the largest trees the limits allow, many
// times over in one operation through aliases: the operation must be
// refused by the complexity limit or answer quickly, and one tree must stay
// cheap at the fixture's scale.
func TestAttackFilterExhaustion(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	province := token(t, domain.RoleProvinceOfficer, "99")
	f := maxTree()
	start := time.Now()
	r := s.query(t, province, `query($f: ChildFilter) { children(first: 100, filter: $f) { totalCount edges { node { id } } } }`,
		map[string]any{"f": f})
	one := time.Since(start)
	if len(r.Errors) > 0 {
		t.Fatalf("the largest tree allowed: %.400s", r.raw)
	}
	t.Logf("one largest tree: %v", one)
	// Aliased, with an empty page so that the page size does not price it.
	var b strings.Builder
	b.WriteString(`query($f: ChildFilter) {`)
	for i := range 200 {
		fmt.Fprintf(&b, " a%d: children(first: 0, filter: $f) { totalCount }", i)
	}
	b.WriteString(" }")
	start = time.Now()
	r = s.query(t, province, b.String(), map[string]any{"f": f})
	many := time.Since(start)
	t.Logf("200 aliased largest trees: %v, %s", many, r.code())
	if r.code() != "TOO_COMPLEX" || many > time.Second {
		t.Fatalf("200 aliased largest trees took %v (one: %v), not refused up front: %.200s", many, one, r.raw)
	}
	// As many as the complexity limit lets through cost about as many trees.
	b.Reset()
	b.WriteString(`query($f: ChildFilter) {`)
	for i := range 20000 / (2 + 19*graph.SubFilterCost) {
		fmt.Fprintf(&b, " a%d: children(first: 0, filter: $f) { totalCount }", i)
	}
	b.WriteString(" }")
	start = time.Now()
	r = s.query(t, province, b.String(), map[string]any{"f": f})
	most := time.Since(start)
	t.Logf("the most aliased largest trees allowed: %v, %s", most, r.code())
	if len(r.Errors) > 0 || most > 10*one+2*time.Second {
		t.Fatalf("the most trees allowed took %v (one: %v): %.200s", most, one, r.raw)
	}
}

// TestAttackDeletedRecordsInFilters deletes a child with a circumstance, a
// case and an injury: no filter brings her back, neither through the set
// functions (whose count is their size when alone) nor an or-branch, and
// her case and injury leave the lists with her.
func TestAttackDeletedRecordsInFilters(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	execSQL(t, s.pool, `UPDATE child SET deleted_at = now() WHERE id = $1`, a.children["Nguyễn Văn An"])
	province := token(t, domain.RoleProvinceOfficer, "99")
	for _, f := range []map[string]any{
		{"circumstance": "DISABLED"},
		{"caseType": "NEGLECT"},
		{"caseStatusIn": []string{"CLOSED"}},
		{"nameContains": "văn an"},
		{"nameContains": "an", "sexIn": []string{"M"}, "orgUnit": "99101"},
		{"or": []any{map[string]any{"circumstance": "DISABLED"}, map[string]any{"caseType": "NEGLECT"}, map[string]any{"nameContains": "văn an"}}},
		{"and": []any{map[string]any{"circumstanceIn": []string{"DISABLED"}}}},
	} {
		got, total := childNames(t, s, province, map[string]any{"first": 10, "filter": f})
		if slices.Contains(got, "Nguyễn Văn An") || total != len(got) || (len(got) > 0 && f["orgUnit"] == nil && f["sexIn"] == nil) {
			t.Fatalf("filter %v: %v, totalCount %d", f, got, total)
		}
	}
	for _, q := range []string{
		`{ cases(first: 10, filter: {or: [{type: NEGLECT}, {status: CLOSED}]}) { totalCount edges { node { type } } } }`,
		`{ injuries(first: 10, filter: {or: [{kind: "TRAFFIC"}, {orgUnit: "99101"}]}) { totalCount edges { node { cause } } } }`,
	} {
		r := s.query(t, province, q, nil)
		if len(r.Errors) > 0 || strings.Contains(r.raw, "NEGLECT") || strings.Contains(r.raw, "TRAFFIC") {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}
}

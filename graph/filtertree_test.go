package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

// filterTreeFixture adds to opsFixture two protection cases and two more
// injuries, so that the case and event lists have something to tell apart:
//
//	case 1: Phạm Thị Dung (992), violence, received 2025-01-06, at RECEIVED
//	case 2: Nguyễn Văn An (991), neglect, received 2025-03-03, CLOSED
//	injury: Phạm Thị Dung (99201) drowning 2024-06-01 (opsFixture's)
//	injury: Nguyễn Văn An (99101) traffic 2025-02-01
//	injury: Trần Thị Bình (99101) fall 2025-05-01
func filterTreeFixture(t *testing.T, s *testServer, a opsArea) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct {
		child, typ, status string
		unit               int
		received           string
	}{
		{"Phạm Thị Dung", "violence", "received", a.c3, "2025-01-06"},
		{"Nguyễn Văn An", "neglect", "closed", a.c1, "2025-03-03"},
	} {
		closed, outcome := any(nil), any(nil)
		if c.status == "closed" {
			closed, outcome = c.received+" 17:00+07", "closed"
		}
		if _, err := s.pool.Exec(ctx, `INSERT INTO protection_case (child_id, unit_id, case_type, status, received_at, closed_at, outcome,
		  emergency_deadline, plan_deadline, approval_deadline) VALUES ($1, $2, $3, $4, $5::date + time '09:00', $6, $7,
		  $5::date + time '21:00', $5::date + 8, $5::date + 10)`,
			a.children[c.child], c.unit, c.typ, c.status, c.received, closed, outcome); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []struct {
		child, cause, on string
		unit             int
	}{{"Nguyễn Văn An", "traffic", "2025-02-01", a.c1}, {"Trần Thị Bình", "fall", "2025-05-01", a.c1}} {
		if _, err := s.pool.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, $4, 'injured')`,
			a.children[i.child], i.unit, i.on, i.cause); err != nil {
			t.Fatal(err)
		}
	}
}

// TestChildFilterTrees checks and/or trees and the …In lists against the
// five children of opsFixture, each answer worked out by hand from the
// fixture (names in id order):
//
//	An M 2015 c1 DISABLED, case neglect CLOSED | Bình F 2012 c1 | Cường M 2018 c2
//	Dung F 2010 c3, case violence RECEIVED     | Hoàng F 2016 c3
//
// and that the caller's area holds outside the whole tree.
func TestChildFilterTrees(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	province, district991, commune99101 := token(t, domain.RoleProvinceOfficer, "99"),
		token(t, domain.RoleDistrictOfficer, "991"), token(t, domain.RoleCommuneOfficer, "99101")
	tests := []struct {
		name   string
		token  string
		filter map[string]any
		want   []string
	}{
		{"or of sex and circumstance", province,
			map[string]any{"or": []any{map[string]any{"sexIn": []string{"M"}}, map[string]any{"circumstance": "DISABLED"}}},
			[]string{"Nguyễn Văn An", "Lê Văn Cường"}},
		{"a field and an or", province,
			map[string]any{"sexIn": []string{"F"}, "or": []any{map[string]any{"orgUnit": "99101"}, map[string]any{"nameContains": "dung"}}},
			[]string{"Trần Thị Bình", "Phạm Thị Dung"}},
		{"an and inside an or", province,
			map[string]any{"or": []any{
				map[string]any{"and": []any{map[string]any{"sexIn": []string{"F"}}, map[string]any{"bornFrom": "2012-01-01"}}},
				map[string]any{"caseTypeIn": []string{"VIOLENCE", "TRAFFICKING"}},
			}},
			[]string{"Trần Thị Bình", "Phạm Thị Dung", "Hoàng 100% _x_"}},
		{"and-list", province,
			map[string]any{"and": []any{map[string]any{"orgUnitIn": []string{"991", "99201"}}, map[string]any{"sexIn": []string{"M"}}}},
			[]string{"Nguyễn Văn An", "Lê Văn Cường"}},
		{"circumstanceIn", province, map[string]any{"circumstanceIn": []string{"ORPHAN", "DISABLED"}}, []string{"Nguyễn Văn An"}},
		{"caseStatusIn", province, map[string]any{"caseStatusIn": []string{"RECEIVED", "CLOSED"}},
			[]string{"Nguyễn Văn An", "Phạm Thị Dung"}},
		{"case type and status hold for one case", province,
			map[string]any{"caseTypeIn": []string{"NEGLECT"}, "caseStatusIn": []string{"RECEIVED"}}, nil},
		{"or with nothing matching", province,
			map[string]any{"or": []any{map[string]any{"nameContains": "zzz"}, map[string]any{"circumstance": "ORPHAN"}}}, nil},
		// The area is ANDed outside the tree: a branch naming another
		// district, or everyone, adds nobody from outside the area.
		{"district: a branch names another district", district991,
			map[string]any{"or": []any{map[string]any{"orgUnit": "992"}, map[string]any{"nameContains": "dung"}}}, nil},
		{"district: one branch of its own", district991,
			map[string]any{"or": []any{map[string]any{"orgUnit": "992"}, map[string]any{"sexIn": []string{"M"}}}},
			[]string{"Nguyễn Văn An", "Lê Văn Cường"}},
		{"commune: a branch that matches everyone", commune99101,
			map[string]any{"or": []any{map[string]any{"orgUnitIn": []string{"99201"}}, map[string]any{"ageMax": 30}}},
			[]string{"Nguyễn Văn An", "Trần Thị Bình"}},
		{"commune: a case branch outside", commune99101,
			map[string]any{"or": []any{map[string]any{"caseType": "VIOLENCE"}, map[string]any{"circumstanceIn": []string{"DISABLED"}}}},
			[]string{"Nguyễn Văn An"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p childPage
			decode(t, s.query(t, tt.token, childrenQuery, map[string]any{"first": 10, "filter": tt.filter}), &p)
			var got []string
			for _, e := range p.Children.Edges {
				got = append(got, e.Node.FullName)
			}
			if !slices.Equal(got, tt.want) || p.Children.TotalCount != len(tt.want) {
				t.Fatalf("children %v (totalCount %d), want %v", got, p.Children.TotalCount, tt.want)
			}
		})
	}
}

// TestCaseAndEventFilterTrees checks the case and injury lists' …In lists
// and and/or trees against filterTreeFixture, by hand.
func TestCaseAndEventFilterTrees(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	province, district991 := token(t, domain.RoleProvinceOfficer, "99"), token(t, domain.RoleDistrictOfficer, "991")
	tests := []struct {
		name, list, token string
		filter            map[string]any
		want              []string // case types or injury causes, in id order
	}{
		{"cases: typeIn", "cases", province, map[string]any{"typeIn": []string{"NEGLECT", "VIOLENCE"}}, []string{"VIOLENCE", "NEGLECT"}},
		{"cases: statusIn", "cases", province, map[string]any{"statusIn": []string{"CLOSED"}}, []string{"NEGLECT"}},
		{"cases: or", "cases", province,
			map[string]any{"or": []any{map[string]any{"open": true, "orgUnit": "992"}, map[string]any{"receivedFrom": "2025-03-01"}}},
			[]string{"VIOLENCE", "NEGLECT"}},
		{"cases: and of an or", "cases", province,
			map[string]any{"and": []any{map[string]any{"or": []any{map[string]any{"type": "VIOLENCE"}, map[string]any{"status": "CLOSED"}}}},
				"orgUnitIn": []string{"991"}},
			[]string{"NEGLECT"}},
		{"cases: area outside the tree", "cases", district991,
			map[string]any{"or": []any{map[string]any{"typeIn": []string{"VIOLENCE"}}, map[string]any{"orgUnit": "992"}}}, nil},
		{"injuries: kindIn", "injuries", province, map[string]any{"kindIn": []string{"DROWNING", "FALL"}}, []string{"DROWNING", "FALL"}},
		{"injuries: or", "injuries", province,
			map[string]any{"or": []any{map[string]any{"kind": "DROWNING"}, map[string]any{"from": "2025-04-01"}}},
			[]string{"DROWNING", "FALL"}},
		{"injuries: and inside or", "injuries", province,
			map[string]any{"or": []any{
				map[string]any{"and": []any{map[string]any{"orgUnit": "99101"}, map[string]any{"to": "2025-03-01"}}},
				map[string]any{"orgUnitIn": []string{"99201"}, "kindIn": []string{"TRAFFIC"}},
			}},
			[]string{"TRAFFIC"}},
		{"injuries: area outside the tree", "injuries", district991,
			map[string]any{"or": []any{map[string]any{"kind": "DROWNING"}, map[string]any{"orgUnit": "992"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field := map[string]string{"cases": "type", "injuries": "cause"}[tt.list]
			filterType := map[string]string{"cases": "CaseFilter", "injuries": "EventFilter"}[tt.list]
			q := fmt.Sprintf(`query($filter: %s) { %s(first: 10, filter: $filter) { totalCount edges { node { %s } } } }`,
				filterType, tt.list, field)
			r := s.query(t, tt.token, q, map[string]any{"filter": tt.filter})
			var page map[string]struct {
				TotalCount int
				Edges      []struct{ Node map[string]string }
			}
			decode(t, r, &page)
			var got []string
			for _, e := range page[tt.list].Edges {
				got = append(got, e.Node[field])
			}
			if !slices.Equal(got, tt.want) || page[tt.list].TotalCount != len(tt.want) {
				t.Fatalf("%s %v (totalCount %d), want %v", tt.list, got, page[tt.list].TotalCount, tt.want)
			}
		})
	}
}

// nest returns a filter whose or-list nests depth levels below the top.
func nest(depth int) map[string]any {
	f := map[string]any{"sexIn": []string{"F"}}
	for range depth {
		f = map[string]any{"or": []any{f}}
	}
	return f
}

// TestFilterTreeLimits: a tree too deep, too large or malformed is refused
// with INVALID_INPUT naming the place, before anything is read.
func TestFilterTreeLimits(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"sexIn": []string{"M"}}
		}
		return out
	}
	wide := map[string]any{"or": []any{
		map[string]any{"or": many(10)}, map[string]any{"and": many(10)},
	}} // 1 + 2 + 20 filters
	codes := make([]string, 51)
	for i := range codes {
		codes[i] = "99101"
	}
	tests := []struct {
		name, query string
		filter      map[string]any
		field       string
	}{
		{"three levels below the top are allowed", childrenQuery, nest(3), ""},
		{"four are not", childrenQuery, nest(4), "filter.or[0].or[0].or[0].or"},
		{"more than 20 filters", childrenQuery, wide, "filter.or[1].and[7]"},
		{"more than 10 in one list", childrenQuery, map[string]any{"and": many(11)}, "filter.and"},
		{"an empty or", childrenQuery, map[string]any{"or": []any{}}, "filter.or"},
		{"asOf below the top", childrenQuery, map[string]any{"and": []any{map[string]any{"asOf": "2020-01-01"}}}, "filter.and[0].asOf"},
		{"one value and a list", childrenQuery, map[string]any{"or": []any{map[string]any{"caseType": "VIOLENCE", "caseTypeIn": []string{"NEGLECT"}}}},
			"filter.or[0].caseTypeIn"},
		{"an empty list", childrenQuery, map[string]any{"circumstanceIn": []string{}}, "filter.circumstanceIn"},
		{"51 org units", childrenQuery, map[string]any{"orgUnitIn": codes}, "filter.orgUnitIn"},
		{"an unknown unit in a branch", childrenQuery, map[string]any{"or": []any{map[string]any{"orgUnitIn": []string{"99101", "nowhere"}}}},
			"filter.or[0].orgUnitIn"},
		{"a bad age in a branch", childrenQuery, map[string]any{"and": []any{map[string]any{"ageMin": 31}}}, "filter.and[0].ageMin"},
		{"an unknown cause in a branch", `query($filter: EventFilter) { injuries(filter: $filter) { totalCount } }`,
			map[string]any{"or": []any{map[string]any{"kindIn": []string{"DROWNING", "FLOOD"}}}}, "filter.or[0].kindIn"},
		{"cases: type and typeIn", `query($filter: CaseFilter) { cases(filter: $filter) { totalCount } }`,
			map[string]any{"type": "VIOLENCE", "typeIn": []string{"NEGLECT"}}, "filter.typeIn"},
		{"cases: too deep", `query($filter: CaseFilter) { cases(filter: $filter) { totalCount } }`,
			map[string]any{"or": []any{map[string]any{"and": []any{map[string]any{"or": []any{map[string]any{"and": []any{map[string]any{"open": true}}}}}}}}},
			"filter.or[0].and[0].or[0].and"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, province, tt.query, map[string]any{"filter": tt.filter})
			if tt.field == "" {
				if len(r.Errors) > 0 {
					t.Fatal(r.raw)
				}
				return
			}
			if r.code() != "INVALID_INPUT" || r.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("want INVALID_INPUT on %s, got %s", tt.field, r.raw)
			}
			if !strings.Contains(r.raw, `"data":null`) && !strings.Contains(r.raw, `"children":null`) {
				t.Fatalf("a refused filter answered data: %s", r.raw)
			}
		})
	}
}

// TestNestedPersonalFilterIsAudited: a name or birth-date condition deep in
// an or-list is a search on a personal field like one at the top, and the
// audit says so for the children served.
func TestNestedPersonalFilterIsAudited(t *testing.T) {
	s, a := opsServer(t)
	filter := map[string]any{"or": []any{
		map[string]any{"sexIn": []string{"M"}, "orgUnit": "99102"},
		map[string]any{"and": []any{map[string]any{"nameContains": "bình"}, map[string]any{"ageMin": 1}}},
	}}
	var p childPage
	decode(t, s.query(t, token(t, domain.RoleProvinceOfficer, "99"), childrenQuery, map[string]any{"filter": filter}), &p)
	if len(p.Children.Edges) != 2 {
		t.Fatalf("want Bình and Cường, got %+v", p.Children.Edges)
	}
	for _, name := range []string{"Trần Thị Bình", "Lê Văn Cường"} {
		var fields []string
		err := s.pool.QueryRow(context.Background(), `SELECT fields FROM audit_log WHERE action = 'read' AND entity = 'Child'
		  AND $1::bigint = ANY(record_ids)`, a.children[name]).Scan(&fields)
		if err != nil || !slices.Equal(fields, []string{"birthDate", "fullName"}) {
			t.Fatalf("audit of %s: %v, %v; want fullName and birthDate", name, fields, err)
		}
	}
}

// TestDatedListOrders pages the case and injury lists one row at a time,
// forward and back, in each order, against filterTreeFixture by hand:
//
//	cases by id: violence, neglect; received: violence 2025-01-06, neglect 2025-03-03
//	injuries by id: drowning, traffic, fall; by date: drowning 2024-06-01, traffic 2025-02-01, fall 2025-05-01
//
// and refuses a cursor of one order given to another.
func TestDatedListOrders(t *testing.T) {
	s, a := opsServer(t)
	filterTreeFixture(t, s, a)
	// A later injury entered first in id order would hide a list read by id;
	// this one, entered last, is the earliest by date.
	if _, err := s.pool.Exec(context.Background(), `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
	  VALUES ($1, $2, '2023-01-01', 'burn', 'injured')`, a.children["Lê Văn Cường"], a.c2); err != nil {
		t.Fatal(err)
	}
	province := token(t, domain.RoleProvinceOfficer, "99")
	tests := []struct {
		list, field, order string
		orderBy            map[string]any
		want               []string
	}{
		{"cases", "type", "CaseOrder", nil, []string{"VIOLENCE", "NEGLECT"}},
		{"cases", "type", "CaseOrder", map[string]any{"field": "RECEIVED_AT", "direction": "DESC"}, []string{"NEGLECT", "VIOLENCE"}},
		{"cases", "type", "CaseOrder", map[string]any{"field": "ID", "direction": "DESC"}, []string{"NEGLECT", "VIOLENCE"}},
		{"injuries", "cause", "EventOrder", nil, []string{"DROWNING", "TRAFFIC", "FALL", "BURN"}},
		{"injuries", "cause", "EventOrder", map[string]any{"field": "DATE"}, []string{"BURN", "DROWNING", "TRAFFIC", "FALL"}},
		{"injuries", "cause", "EventOrder", map[string]any{"field": "DATE", "direction": "DESC"}, []string{"FALL", "TRAFFIC", "DROWNING", "BURN"}},
	}
	filterType := map[string]string{"cases": "CaseFilter", "injuries": "EventFilter"}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v", tt.list, tt.orderBy), func(t *testing.T) {
			q := fmt.Sprintf(`query($first: Int, $after: String, $last: Int, $before: String, $orderBy: %s, $filter: %s) {
			  %s(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
			    edges { node { %s } }
			    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, tt.order, filterType[tt.list], tt.list, tt.field)
			type page struct {
				Edges    []struct{ Node map[string]string }
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       *string
				}
			}
			read := func(vars map[string]any) page {
				vars["orderBy"] = tt.orderBy
				var p map[string]page
				decode(t, s.query(t, province, q, vars), &p)
				return p[tt.list]
			}
			var forward []string
			vars := map[string]any{"first": 1}
			for {
				p := read(vars)
				for _, e := range p.Edges {
					forward = append(forward, e.Node[tt.field])
				}
				if !p.PageInfo.HasNextPage {
					break
				}
				vars = map[string]any{"first": 1, "after": *p.PageInfo.EndCursor}
			}
			var backward []string
			vars = map[string]any{"last": 1}
			for {
				p := read(vars)
				for _, e := range p.Edges {
					backward = append([]string{e.Node[tt.field]}, backward...)
				}
				if !p.PageInfo.HasPreviousPage {
					break
				}
				vars = map[string]any{"last": 1, "before": *p.PageInfo.StartCursor}
			}
			if !slices.Equal(forward, tt.want) || !slices.Equal(backward, tt.want) {
				t.Fatalf("forward %v, backward %v; want %v", forward, backward, tt.want)
			}
		})
	}
	// A cursor of the list by date does not continue the list by id.
	var p map[string]struct{ PageInfo struct{ EndCursor string } }
	decode(t, s.query(t, province, `{ injuries(first: 1, orderBy: {field: DATE}) { pageInfo { endCursor } } }`, nil), &p)
	r := s.query(t, province, `query($after: String) { injuries(first: 1, after: $after) { totalCount } }`,
		map[string]any{"after": p["injuries"].PageInfo.EndCursor})
	if r.code() != "INVALID_INPUT" || r.Errors[0].Extensions["field"] != "after" {
		t.Fatalf("a cursor of another order: %s", r.raw)
	}
}

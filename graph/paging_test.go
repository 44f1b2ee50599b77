package graph_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

// relayPage is one page of a connection, as a Relay client reads it.
type relayPage struct {
	TotalCount int
	Edges      []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

// pagingQuery asks for a page of list, with orderBy (children) or filter
// (auditLog) when the variables give one.
func pagingQuery(list string, vars map[string]any) string {
	decl, arg := "", ""
	if vars["orderBy"] != nil {
		decl, arg = ", $orderBy: ChildOrder", ", orderBy: $orderBy"
	}
	if vars["filter"] != nil {
		decl, arg = ", $filter: AuditFilter", ", filter: $filter"
	}
	return fmt.Sprintf(`query($first: Int, $after: String, $last: Int, $before: String%s) {
  %s(first: $first, after: $after, last: $last, before: $before%s) {
    totalCount edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, decl, list, arg)
}

// readPage asks for one page of list and checks its PageInfo against its edges.
func readPage(t *testing.T, s *testServer, tok, list string, vars map[string]any) relayPage {
	t.Helper()
	var d map[string]relayPage
	decode(t, s.query(t, tok, pagingQuery(list, vars), vars), &d)
	p := d[list]
	if n := len(p.Edges); n > 0 && (p.PageInfo.StartCursor == nil || *p.PageInfo.StartCursor != p.Edges[0].Cursor ||
		p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[n-1].Cursor) {
		t.Fatalf("%s %v: page info %+v does not match its edges", list, vars, p.PageInfo)
	}
	_, backward := vars["last"]
	if backward && p.PageInfo.HasNextPage || !backward && p.PageInfo.HasPreviousPage {
		t.Fatalf("%s %v: page info %+v tells of the direction it was not read in", list, vars, p.PageInfo)
	}
	return p
}

// walk reads every page of list, two rows a page, forward with first/after or
// backward with last/before, calling change between pages; it returns the ids
// in the list's order.
func walk(t *testing.T, s *testServer, tok, list string, extra map[string]any, backward bool, change func(step int)) []string {
	t.Helper()
	var ids []string
	var cursor any
	for step := 0; ; step++ {
		if step > 20 {
			t.Fatalf("%s: too many pages", list)
		}
		vars := map[string]any{"first": 2, "after": cursor}
		if backward {
			vars = map[string]any{"last": 2, "before": cursor}
		}
		maps.Copy(vars, extra)
		p := readPage(t, s, tok, list, vars)
		page := make([]string, len(p.Edges))
		for i, e := range p.Edges {
			page[i] = e.Node.ID
		}
		if backward {
			ids = append(page, ids...)
		} else {
			ids = append(ids, page...)
		}
		more, next := p.PageInfo.HasNextPage, p.PageInfo.EndCursor
		if backward {
			more, next = p.PageInfo.HasPreviousPage, p.PageInfo.StartCursor
		}
		if !more {
			return ids
		}
		cursor = *next
		change(step)
	}
}

// checkWalk: no row twice, every row that existed throughout the walk seen,
// and in the order a fresh read of the whole list gives.
func checkWalk(t *testing.T, name string, walked, stable, now []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range walked {
		if seen[id] {
			t.Fatalf("%s: %s twice in %v", name, id, walked)
		}
		seen[id] = true
	}
	var kept []string
	for _, id := range now {
		if slices.Contains(stable, id) {
			kept = append(kept, id)
			if !seen[id] {
				t.Fatalf("%s: %s, there throughout, skipped: walked %v", name, id, walked)
			}
		}
	}
	var walkedStable []string
	for _, id := range walked {
		if slices.Contains(stable, id) {
			walkedStable = append(walkedStable, id)
		}
	}
	if !slices.Equal(walkedStable, kept) {
		t.Fatalf("%s: walked %v, the list's order is %v", name, walkedStable, kept)
	}
}

// TestRelayPagingOverAChangingList walks the children in each order, and the
// injuries, forward and backward two rows a page while rows are inserted and
// deleted between the requests: no row comes twice, none that existed
// throughout is skipped, and the walk keeps the list's order.
func TestRelayPagingOverAChangingList(t *testing.T) {
	s, a := opsServer(t)
	ctx := context.Background()
	province := token(t, domain.RoleProvinceOfficer, "99")
	exec := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := s.pool.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return id
	}
	newChild := func(name, born string) string {
		return gid("Child", fmt.Sprint(exec(`INSERT INTO child (full_name, sex, birth_date, commune_id)
		  VALUES ($1, 'F', $2, $3) RETURNING id`, name, born, a.c2)))
	}
	delChild := func(id string) {
		exec(`DELETE FROM child WHERE id = $1 RETURNING id`, number(t, id))
	}
	full := func(list string, order map[string]any) []string {
		vars := map[string]any{"first": 100}
		if order != nil {
			vars["orderBy"] = order
		}
		var ids []string
		for _, e := range readPage(t, s, province, list, vars).Edges {
			ids = append(ids, e.Node.ID)
		}
		return ids
	}

	n := 0
	for _, order := range []map[string]any{{"field": "ID"}, {"field": "BIRTH_DATE", "direction": "DESC"}, {"field": "FULL_NAME"}} {
		for _, backward := range []bool{false, true} {
			name := fmt.Sprintf("children %v backward=%v", order, backward)
			// Rows that go away during the walk, at both ends of every order.
			doomed := []string{newChild("A Sớm", "2001-01-01"), newChild("Ư Muộn", "2024-12-31"), newChild("M Giữa", "2013-06-06")}
			stable := full("children", order)
			for _, id := range doomed {
				stable = slices.DeleteFunc(stable, func(s string) bool { return s == id })
			}
			walked := walk(t, s, province, "children", map[string]any{"orderBy": order}, backward, func(step int) {
				if step >= len(doomed) {
					return // a walk toward new rows would never end
				}
				n++
				newChild([]string{"A", "M", "Ư"}[step]+fmt.Sprintf(" Mới %d", n), []string{"2000-02-02", "2014-04-04", "2025-01-01"}[step])
				delChild(doomed[step])
			})
			checkWalk(t, name, walked, stable, full("children", order))
		}
	}

	an := a.children["Nguyễn Văn An"]
	newInjury := func() int64 {
		return exec(`INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
		  VALUES ($1, $2, '2025-01-01', 'fall', 'injured') RETURNING id`, an, a.c1)
	}
	for range 5 {
		newInjury()
	}
	for _, backward := range []bool{false, true} {
		doomed := []int64{newInjury(), newInjury()}
		var stable []string
		for _, id := range full("injuries", nil) {
			if !slices.Contains(doomed, mustInt(t, number(t, id))) {
				stable = append(stable, id)
			}
		}
		walked := walk(t, s, province, "injuries", nil, backward, func(step int) {
			if step < len(doomed) {
				newInjury()
				exec(`DELETE FROM injury WHERE id = $1 RETURNING id`, doomed[step])
			}
		})
		checkWalk(t, fmt.Sprintf("injuries backward=%v", backward), walked, stable, full("injuries", nil))
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRelayPagingArguments: a page read back from its start cursor is the page
// before it, and the paging arguments are checked as first's are.
func TestRelayPagingArguments(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	order := map[string]any{"field": "FULL_NAME"}
	one := readPage(t, s, province, "children", map[string]any{"first": 2, "orderBy": order})
	two := readPage(t, s, province, "children", map[string]any{"first": 2, "after": *one.PageInfo.EndCursor, "orderBy": order})
	back := readPage(t, s, province, "children", map[string]any{"last": 2, "before": *two.PageInfo.StartCursor, "orderBy": order})
	if len(back.Edges) != 2 || back.Edges[0].Node.ID != one.Edges[0].Node.ID || back.Edges[1].Node.ID != one.Edges[1].Node.ID ||
		back.PageInfo.HasPreviousPage || back.TotalCount != 5 {
		t.Fatalf("back from page two: %+v, want page one %+v", back, one)
	}
	// The example of the README's section on ids and paging, as a client sends it.
	r := s.query(t, province, `query Example($id: ID!, $before: String) {
  node(id: $id) { __typename id ... on Child { fullName } }
  children(last: 2, before: $before, orderBy: {field: FULL_NAME}) {
    totalCount
    edges { node { id fullName } }
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
  }
}`, map[string]any{"id": one.Edges[0].Node.ID, "before": *two.PageInfo.StartCursor})
	if r.code() != "" || !strings.Contains(r.raw, `"hasPreviousPage":false`) {
		t.Fatal(r.raw)
	}
	t.Logf("node and last/before: %s", r.raw)
	last := readPage(t, s, province, "children", map[string]any{"last": 2, "orderBy": order})
	if len(last.Edges) != 2 || !last.PageInfo.HasPreviousPage {
		t.Fatalf("last two: %+v", last)
	}
	tampered := []byte(*one.PageInfo.EndCursor)
	tampered[len(tampered)/2] ^= 1
	for name, vars := range map[string]map[string]any{
		"first and last":          {"first": 2, "last": 2},
		"after and before":        {"after": *one.PageInfo.EndCursor, "before": *two.PageInfo.StartCursor},
		"last too big":            {"last": 101},
		"last negative":           {"last": -1},
		"before tampered":         {"before": string(tampered)},
		"before of another order": {"before": *one.PageInfo.EndCursor, "orderBy": map[string]any{"field": "ID"}},
	} {
		for _, list := range []string{"children", "cases", "injuries", "reports", "auditLog"} {
			if list != "children" && vars["orderBy"] != nil {
				continue
			}
			if list == "auditLog" && name == "last too big" {
				vars = map[string]any{"last": 501} // the audit logs' pages hold up to 500
			}
			r := s.query(t, province, pagingQuery(list, vars), vars)
			if r.code() != "INVALID_INPUT" || strings.Contains(r.raw, "edges") {
				t.Fatalf("%s on %s: want INVALID_INPUT and no data, got %s", name, list, r.raw)
			}
		}
	}
}

// TestAuditLogPagesBothWays walks the audit log, newest first, forward and
// backward while entries are appended between the requests: the log pages as
// the operational lists do, with the standard PageInfo and its totalCount.
func TestAuditLogPagesBothWays(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	province := token(t, domain.RoleProvinceOfficer, "75")
	appendEntry := func() {
		t.Helper()
		e := domain.AuditEntry{Subject: "paging", Role: domain.RoleProvinceOfficer, Area: "75", Action: domain.AuditRead,
			Entity: "PagingTest", RecordIDs: []int64{1}, Fields: []string{"fullName"}}
		if err := s.audit.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	filter := map[string]any{"filter": map[string]any{"entity": "PagingTest"}}
	for range 7 {
		appendEntry()
	}
	full := func() []string {
		var ids []string
		for _, e := range readPage(t, s, province, "auditLog", map[string]any{"first": 500, "filter": filter["filter"]}).Edges {
			ids = append(ids, e.Node.ID)
		}
		return ids
	}
	for _, backward := range []bool{false, true} {
		stable := full()
		walked := walk(t, s, province, "auditLog", filter, backward, func(step int) {
			if step < 3 {
				appendEntry()
			}
		})
		checkWalk(t, fmt.Sprintf("auditLog backward=%v", backward), walked, stable, full())
	}
	if p := readPage(t, s, province, "auditLog", map[string]any{"last": 2, "filter": filter["filter"]}); p.TotalCount != 13 ||
		len(p.Edges) != 2 || !p.PageInfo.HasPreviousPage {
		t.Fatalf("the two oldest of 13 entries: %+v", p)
	}
}

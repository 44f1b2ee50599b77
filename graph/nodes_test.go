package graph_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// nodeQuery reads one record by global id, with a personal field of a child.
const nodeQuery = `query %s($id: ID!) { node(id: $id) { __typename id
  ... on Child { fullName } ... on ProtectionCase { status child { id } } } }`

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

// TestNodeScopeByRole reads a child of 99101, a child of 99201 and a case of
// 99101 through node with every role: each sees what its own lookup (child,
// case) shows it, a record outside the area is null exactly as a record that
// does not exist, and a personal field read through node is audited.
func TestNodeScopeByRole(t *testing.T) {
	s, a := opsServer(t)
	an, dung := a.children["Nguyễn Văn An"], a.children["Phạm Thị Dung"] // in 99101 and 99201
	caseID := openCaseOf(t, s, an)
	records := map[string]string{"an": gid("Child", an), "dung": gid("Child", dung), "case": caseID,
		"none": gid("Child", "999999")}
	tests := []struct {
		role  domain.Role
		area  string
		sees  []string // the records answered; the others must be null
		code  string   // the refusal, for roles that see no record at all
		audit string   // the area the audit row names
	}{
		{domain.RoleProvinceOfficer, "99", []string{"an", "dung", "case"}, "", "99"},
		{domain.RoleDistrictOfficer, "991", []string{"an", "case"}, "", "991"},
		{domain.RoleDistrictOfficer, "992", []string{"dung"}, "", "992"},
		{domain.RoleCommuneOfficer, "99101", []string{"an", "case"}, "", "99101"},
		{domain.RoleCommuneOfficer, "99201", []string{"dung"}, "", "99201"},
		{domain.RoleAnalyst, "75", nil, "FORBIDDEN", ""},
		{domain.RoleLeader, "75", nil, "FORBIDDEN", ""},
		{"", "", nil, "UNAUTHENTICATED", ""},
	}
	for i, tt := range tests {
		tok := ""
		if tt.role != "" {
			tok = token(t, tt.role, tt.area)
		}
		for _, name := range []string{"an", "dung", "case", "none"} {
			op := fmt.Sprintf("Node%d%s", i, name)
			r := s.query(t, tok, fmt.Sprintf(nodeQuery, op), map[string]any{"id": records[name]})
			var d struct {
				Node *struct{ ID, FullName string }
			}
			if tt.code != "" {
				if r.code() != tt.code || string(r.Data["node"]) != "null" || strings.Contains(r.raw, "Nguyễn") {
					t.Fatalf("%s %s reads %s: %s", tt.role, tt.area, name, r.raw)
				}
			} else {
				decode(t, r, &d)
				if seen := d.Node != nil; seen != slices.Contains(tt.sees, name) || seen && d.Node.ID != records[name] {
					t.Fatalf("%s %s reads %s: %s", tt.role, tt.area, name, r.raw)
				}
			}
			rows := auditRows(t, s, op)
			switch {
			case tt.code == "" && (name == "an" || name == "dung") && d.Node != nil:
				n, _ := strconv.ParseInt(number(t, records[name]), 10, 64)
				if len(rows) != 1 || rows[0].Action != "read" || rows[0].Entity != "Child" || rows[0].Area != tt.audit ||
					!slices.Equal(rows[0].RecordIDs, []int64{n}) || !slices.Equal(rows[0].Fields, []string{"fullName"}) {
					t.Fatalf("%s %s reads %s: audit rows %+v, want one read of Child %d fullName", tt.role, tt.area, name, rows, n)
				}
			case name != "case" && len(rows) != 0:
				t.Fatalf("%s %s reads %s, answered null or refused: audit rows %+v", tt.role, tt.area, name, rows)
			}
		}
	}
}

// TestNodeIDsRefused: a malformed global id, a bare number, the id of a type
// that is not a Node, and an id of another type where one type is expected
// are INVALID_INPUT with no data; the bare number is still taken where the
// type is known, for one release.
func TestNodeIDsRefused(t *testing.T) {
	s, a := opsServer(t)
	an := a.children["Nguyễn Văn An"]
	caseID := openCaseOf(t, s, an)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, id := range []string{"", "!!!", an, b64("Child"), b64("Child:"), b64("Child:x"), b64("Child:0"), b64("Child:-1"),
		b64("Child:01"), b64("Child:+1"), b64(":1"), b64("Household:1"), b64("Injury:1"), gid("Child", an) + "=",
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
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM injury WHERE child_id = $1`, an).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused id wrote %d injuries (%v)", n, err)
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
// of the commune, of another commune and of none: the answer keeps the order,
// nulls the others alike, and the audit row names only the child served.
func TestNodesMixAllowedAndForbidden(t *testing.T) {
	s, a := opsServer(t)
	an, dung := a.children["Nguyễn Văn An"], a.children["Phạm Thị Dung"]
	caseID := openCaseOf(t, s, an)
	ids := []string{gid("Child", dung), gid("Child", an), gid("Child", "999999"), caseID, gid("ProtectionCase", "999999")}
	r := s.query(t, token(t, domain.RoleCommuneOfficer, "99101"),
		`query Mixed($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Child { fullName } } }`, map[string]any{"ids": ids})
	want := `{"nodes":[null,{"__typename":"Child","id":"` + ids[1] + `","fullName":"Nguyễn Văn An"},null,` +
		`{"__typename":"ProtectionCase","id":"` + caseID + `"},null]}`
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

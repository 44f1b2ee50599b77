package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/introspection"

	"treem/graph"
	"treem/internal/domain"
)

// aliased repeats sel under n aliases in one anonymous query.
func aliased(n int, sel string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, sel)
	}
	b.WriteString(" }")
	return b.String()
}

func TestIntrospectionCountsTowardTheLimits(t *testing.T) {
	s := newServer(t) // introspection on

	t.Run("the ordinary introspection query", func(t *testing.T) {
		r := s.query(t, "", introspection.Query, nil)
		if r.code() != "" || !strings.Contains(string(r.Data["__schema"]), `"name":"indicatorValues"`) {
			t.Fatalf("GraphiQL's introspection query refused: %s", trim(r.raw))
		}
	})

	tests := []struct {
		name, query, message string
	}{
		{"100 aliased __schema", aliased(100, "__schema { types { name } }"), "__schema more than once (the limit is 1)"},
		{"300 aliased __type", aliased(300, "__type(name: \"Child\") { name fields { name type { name } } }"),
			"more than 1000 fields"},
		{"__typename past the depth limit", "{ orgUnit(code: \"75\") { " + strings.Repeat("parent { ", 12) + "__typename" +
			strings.Repeat(" }", 12) + " } }", "nested deeper than 12"},
		{"1200 __typename", aliased(1200, "__typename"), "more than 1000 fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := s.query(t, "", tt.query, nil)
			if r.code() != "TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, tt.message) {
				t.Fatalf("want TOO_COMPLEX %q, got %s", tt.message, trim(r.raw))
			}
			if len(r.Data) > 0 {
				t.Fatalf("data served with the refusal: %s", trim(r.raw))
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusing took %s", d)
			}
			s.healthy(t)
		})
	}

	// A small introspection stays cheap, aliases or not.
	if r := s.query(t, "", aliased(3, "__type(name: \"Child\") { name fields { name } }"), nil); r.code() != "" {
		t.Fatalf("three small __type: %s", trim(r.raw))
	}
	// Introspection counts by the fields it answers: under a lower limit the
	// introspection query (some 10,000) and 19 aliased __type of the Query
	// type's arguments (494 fields asked, some 16,000 answered) are refused.
	low := newServer(t, withGraph(func(o *graph.Options) { o.ComplexityLimit = 5000 }))
	heavy := `__type(name: "Query") { fields { name description args { name description defaultValue
		type { name kind ofType { name kind ofType { name kind } } } } type { name kind ofType { name kind ofType { name kind } } } } }`
	for _, q := range []string{introspection.Query, aliased(19, heavy)} {
		if r := low.query(t, "", q, nil); r.code() != "TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, "limit of 5000") {
			t.Fatalf("introspection under a limit of 5000: %s", trim(r.raw))
		}
	}
	low.healthy(t)
}

func TestControlCharactersAreRefused(t *testing.T) {
	s := newServer(t)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	const logQ = `query($f: AuditFilter) { auditLog(filter: $f) { edges { node { id } } } }`
	countRows := func(table string) int {
		t.Helper()
		var n int
		if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	children, audits := countRows("child"), countRows("audit_log")

	tests := []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"NUL in an auditLog filter", logQ, map[string]any{"f": map[string]any{"subject": "a\x00b"}}, "filter.subject"},
		{"NUL in a literal", `{ auditLog(filter: {entity: "Child\u0000"}) { edges { node { id } } } }`, nil, "filter.entity"},
		{"escape in a record id", logQ, map[string]any{"f": map[string]any{"recordId": "1\x1b[2J"}}, "filter.recordId"},
		{"DEL in a code", `query($c: String!) { orgUnit(code: $c) { name } }`, map[string]any{"c": "73\x7f"}, "code"},
		{"tab in a name", `mutation($in: RegisterChildInput!) { registerChild(input: $in) { child { id } } }`,
			map[string]any{"in": map[string]any{"fullName": "Lê\tVăn", "sex": "M", "birthDate": "2019-01-01", "commune": "26041"}},
			"input.fullName"},
		{"line break in a nested filter", `query($f: ChildFilter) { children(filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"nameContains": "An\nB"}}, "filter.nameContains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, officer, tt.query, tt.vars)
			if r.code() != "INVALID_INPUT" || !strings.Contains(r.Errors[0].Message, "control character") {
				t.Fatalf("want INVALID_INPUT on a control character, got %s", trim(r.raw))
			}
			if f, _ := r.Errors[0].Extensions["field"].(string); f != tt.field {
				t.Fatalf("field %q, want %q: %s", f, tt.field, r.raw)
			}
			if len(r.Data) > 0 {
				t.Fatalf("data served with the refusal: %s", r.raw)
			}
			s.healthy(t)
		})
	}
	if c, a := countRows("child"), countRows("audit_log"); c != children || a != audits {
		t.Fatalf("refused requests wrote: children %d → %d, audit rows %d → %d", children, c, audits, a)
	}
	// Free text may hold tabs and line breaks (the check lets it through to the
	// table's own validation), never a NUL.
	upload := `mutation($t: String!) { uploadChildFriendlyScoring(table: $t) { scoringTable { version } } }`
	if r := s.query(t, officer, upload, map[string]any{"t": "{\n\t\"version\": \"x\"\r\n}"}); strings.Contains(r.raw, "control character") {
		t.Fatalf("line breaks in free text refused: %s", r.raw)
	}
	if r := s.query(t, officer, upload, map[string]any{"t": "{\x00}"}); r.code() != "INVALID_INPUT" || r.Errors[0].Extensions["field"] != "table" {
		t.Fatalf("NUL in free text: %s", r.raw)
	}
}

func TestComplexityLimitNamesTheLimit(t *testing.T) {
	s := newServer(t, withGraph(func(o *graph.Options) { o.ComplexityLimit = 100 }))
	r := s.query(t, token(t, domain.RoleProvinceOfficer, "75"), "{ auditLog(first: 200) { edges { cursor } } }", nil)
	if r.code() != "TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, "limit of 100") {
		t.Fatalf("complexity: %s", r.raw)
	}
}

package graph_test

import (
	"testing"

	"treem/internal/domain"
)

// TestBadScalarArguments: a Date or Int64 the scalar refuses, as a variable, a
// literal or a nested field argument, is INVALID_INPUT naming the argument
// path, with the scalar's message.
func TestBadScalarArguments(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	const register = `mutation($in: RegisterChildInput!) { registerChild(input: $in) { child { id } } }`
	const support = `mutation($c: ID!, $n: Int64!) { recordSupport(input: {childId: $c, type: CASH, provider: "Quỹ",
	  amountVnd: $n, givenOn: "2025-06-01"}) { support { id } } }`
	child := func(birth any) map[string]any {
		return map[string]any{"in": map[string]any{"fullName": "A", "sex": "M", "birthDate": birth, "commune": "99101"}}
	}
	tests := []struct {
		name, query    string
		vars           map[string]any
		field, message string
	}{
		{"variable", register, child("2019-02-30"), "input.birthDate", `date "2019-02-30" is not YYYY-MM-DD`},
		{"not a string", register, child(20190203), "input.birthDate", "date must be a string YYYY-MM-DD"},
		{"literal", `mutation { registerChild(input: {fullName: "A", sex: M, birthDate: "03/02/2019", commune: "99101"}) { child { id } } }`,
			nil, "input.birthDate", `date "03/02/2019" is not YYYY-MM-DD`},
		{"nested field argument", `query($c: ID!) { child(id: $c) { circumstances(activeOn: "2026-1-1") { group } } }`,
			map[string]any{"c": a.children["Nguyễn Văn An"]}, "activeOn", `date "2026-1-1" is not YYYY-MM-DD`},
		{"Int64 variable", support, map[string]any{"c": a.children["Nguyễn Văn An"], "n": "500k"}, "input.amountVnd", "must be an integer of at most 64 bits"},
		{"Int64 fraction", support, map[string]any{"c": a.children["Nguyễn Văn An"], "n": 1.5}, "input.amountVnd", "must be an integer of at most 64 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, commune, tt.query, tt.vars)
			if r.code() != "INVALID_INPUT" || len(r.Errors) != 1 || r.Errors[0].Message != tt.message ||
				r.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("want INVALID_INPUT on %s %q, got %s", tt.field, tt.message, r.raw)
			}
		})
	}
	if n := len(s.auditRows(t, "Child")) + len(s.auditRows(t, "Support")); n != 0 {
		t.Fatalf("refused writes were audited: %d entries", n)
	}
}

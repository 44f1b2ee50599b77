package graph_test

import (
	"strings"
	"testing"
)

// TestOrgUnits reads the reference hierarchy loaded by the migrations: facts
// checked against the domain notes (dong-nai-units.csv: Biên Hòa had 30
// communes in 2021; dong-nai-2025-mapping.csv: Trảng Dài absorbed Thiện Tân).
func TestOrgUnits(t *testing.T) {
	s := newServer(t)
	r := s.query(t, "", `{ orgUnit(code: "731", asOf: "2021-06-01") { name level parent { code } children { code } } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(r.raw, `"name":"Biên Hòa"`) || !strings.Contains(r.raw, `"parent":{"code":"75"}`) {
		t.Fatalf("Biên Hòa in 2021: %s", r.raw)
	}
	if n := strings.Count(r.raw, `{"code":"`) - 1; n != 30 {
		t.Fatalf("Biên Hòa has %d communes in 2021, want 30", n)
	}
	r = s.query(t, "", `{ orgUnit(code: "25993", asOf: "2025-08-01") { validFrom predecessors { code unit { code } relation } } }`, nil)
	for _, want := range []string{`"code":"26191"`, `"validFrom":"2025-07-01"`, `"relation":"FULL"`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("Trảng Dài after 2025 lacks %s: %s", want, r.raw)
		}
	}
	r = s.query(t, "", `{ orgUnit(code: "731", asOf: "2026-01-01") { code } }`, nil)
	if len(r.Errors) > 0 || !strings.Contains(r.raw, `"orgUnit":null`) {
		t.Fatalf("abolished district: %s", r.raw)
	}
	r = s.query(t, "", `{ orgUnits(asOf: "2021-06-01", level: DISTRICT) { code } }`, nil)
	if n := strings.Count(r.raw, `"code"`); len(r.Errors) > 0 || n != 11 {
		t.Fatalf("%d districts in 2021, want 11: %s", n, r.raw)
	}
}

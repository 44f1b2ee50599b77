package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

// TestChildIdentifiersAreAudited: the birth-certificate number, the insurance
// card number and the death date identify a child, so reading them through the
// server leaves read entries naming the records and fields, and the roles that
// see aggregates only get neither the numbers nor an entry.
func TestChildIdentifiersAreAudited(t *testing.T) {
	s, a := opsServer(t)
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	an := a.children["Nguyễn Văn An"]
	for _, m := range []string{
		`mutation($c: ID!) { recordBirthRegistration(input: {childId: $c, registeredOn: "2015-03-10", certificateNumber: "12/2015"}) { child { id } errors { field code } } }`,
		`mutation($c: ID!) { recordInsuranceCard(input: {childId: $c, cardNumber: "TE1234567890123", validFrom: "2025-01-01", validTo: "2027-01-01"}) { child { id } errors { field code } } }`,
		`mutation($c: ID!) { updateChild(id: $c, input: {deathDate: "2025-08-01"}) { child { id } } }`,
	} {
		if r := s.query(t, commune, m, map[string]any{"c": an}); r.code() != "" {
			t.Fatalf("%s: %s", m, r.raw)
		}
	}
	reads := func(entity string) []domain.AuditEntry {
		t.Helper()
		got, _, err := s.audit.List(context.Background(), domain.AuditFilter{Entity: entity, Action: domain.AuditRead}, domain.Page[int64]{First: 100})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Non-personal fields of the same records leave no trace.
	r := s.query(t, commune, `query Dates($c: ID!) { child(id: $c) { birthRegistration { registeredOn } insuranceCards { id validTo } } }`,
		map[string]any{"c": an})
	if r.code() != "" {
		t.Fatal(r.raw)
	}
	if n := len(reads("BirthRegistration")) + len(reads("InsuranceCard")) + len(reads("Child")); n != 0 {
		t.Fatalf("a read without personal fields was audited: %d entries", n)
	}

	const numbers = `query Numbers($c: ID!) { child(id: $c) { deathDate birthRegistration { certificateNumber } insuranceCards { id cardNumber } } }`
	r = s.query(t, commune, numbers, map[string]any{"c": an})
	var got struct {
		Child struct {
			DeathDate         string
			BirthRegistration struct{ CertificateNumber string }
			InsuranceCards    []struct{ ID, CardNumber string }
		}
	}
	decode(t, r, &got)
	if got.Child.DeathDate != "2025-08-01" || got.Child.BirthRegistration.CertificateNumber != "12/2015" ||
		len(got.Child.InsuranceCards) != 1 || got.Child.InsuranceCards[0].CardNumber != "TE1234567890123" {
		t.Fatalf("numbers: %s", r.raw)
	}
	card := got.Child.InsuranceCards[0].ID
	for _, tt := range []struct{ entity, id, field string }{
		{"Child", an, "deathDate"},
		{"BirthRegistration", an, "certificateNumber"}, // a child's one registration is keyed by the child
		{"InsuranceCard", card, "cardNumber"},
	} {
		e := reads(tt.entity)
		if len(e) != 1 || e[0].Operation != "Numbers" || e[0].Subject != "t-commune_officer" || e[0].Area != "99101" ||
			fmt.Sprint(e[0].RecordIDs) != "["+tt.id+"]" || !slices.Equal(e[0].Fields, []string{tt.field}) {
			t.Fatalf("%s read entries = %+v, want record %s field %s", tt.entity, e, tt.id, tt.field)
		}
	}

	for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleLeader} {
		r := s.query(t, token(t, role, "99"), numbers, map[string]any{"c": an})
		if r.code() != "FORBIDDEN" || strings.Contains(r.raw, "12/2015") || strings.Contains(r.raw, "TE1234567890123") {
			t.Fatalf("%s reading a child's numbers: %s", role, r.raw)
		}
		var data map[string]json.RawMessage
		_ = json.Unmarshal(r.Data["child"], &data)
		if len(data) != 0 {
			t.Fatalf("%s got data: %s", role, r.raw)
		}
	}
	if n := len(reads("BirthRegistration")) + len(reads("InsuranceCard")) + len(reads("Child")); n != 3 {
		t.Fatalf("refused reads were audited: %d entries, want 3", n)
	}
}

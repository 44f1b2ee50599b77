package graph_test

import (
	"context"
	"strings"
	"testing"

	"treem/internal/domain"
)

// BenchmarkChildrenPage serves a page of 100 children through the whole HTTP
// stack, without and with the four personal fields; the difference is the
// cost of the @personal checks and the batched audit INSERT.
func BenchmarkChildrenPage(b *testing.B) {
	s := newServer(b)
	ctx := context.Background()
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO child (full_name, sex, birth_date, commune_id, identity_number, address)
		SELECT 'Trẻ ' || g, CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END, DATE '2012-01-01' + g,
		       (SELECT id FROM org_unit WHERE level = 'commune' AND valid_to IS NULL ORDER BY code LIMIT 1),
		       lpad(g::text, 12, '0'), 'Ấp ' || g
		FROM generate_series(1, 100) g`); err != nil {
		b.Fatal(err)
	}
	officer := token(b, domain.RoleProvinceOfficer, "75")
	for _, bc := range []struct{ name, fields string }{
		{"plain", "id sex ethnicity"},
		{"personal", "id sex ethnicity fullName birthDate identityNumber address"},
	} {
		q := "query Page { children(first: 100) { edges { node { " + bc.fields + " } } } }"
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				r := s.query(b, officer, q, nil)
				if r.code() != "" || strings.Count(string(r.Data["children"]), `"id"`) != 100 {
					b.Fatalf("page: %s", trim(r.raw))
				}
			}
		})
	}
}

package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestRowSecurityOnTraining: with no WHERE at all, the API role sees the
// courses organised in its area and only their participants, wherever the
// trainees came from; writing a course or participants for another area's
// course is refused by the policies themselves.
func TestRowSecurityOnTraining(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	ctx := context.Background()
	var course int64
	if err := pool.QueryRow(ctx, `INSERT INTO training_course (unit_id, level, starts_on, ends_on, topic, hours, trainer)
	  VALUES ($1, 'commune', '2024-03-01', '2024-03-01', 'Kỹ năng', 8, 'UNICEF') RETURNING id`, a.c3).Scan(&course); err != nil {
		t.Fatal(err)
	}
	// A trainee of 99101 at 99201's course: the row is 99201's.
	if _, err := pool.Exec(ctx, `INSERT INTO training_participant (course_id, officer_role, unit_id, female, male)
	  VALUES ($1, 'commune_officer', $2, 1, 0), ($1, 'commune_officer', $3, 0, 1)`, course, a.c1, a.c3); err != nil {
		t.Fatal(err)
	}
	count := func(scope domain.Scope, table string) int {
		t.Helper()
		var n int
		if err := postgres.InArea(ctx, pool, scope, true, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range []struct {
		scope             domain.Scope
		courses, trainees int
	}{
		{domain.Scope{UnitIDs: []int{a.c1}}, 0, 0},
		{domain.Scope{UnitIDs: []int{a.c3}}, 1, 2},
		{domain.Scope{All: true}, 1, 2},
	} {
		if c, p := count(tt.scope, "training_course"), count(tt.scope, "training_participant"); c != tt.courses || p != tt.trainees {
			t.Errorf("scope %+v sees %d courses and %d participant rows, want %d and %d", tt.scope, c, p, tt.courses, tt.trainees)
		}
	}
	for _, w := range []struct {
		name, sql string
		args      []any
	}{
		{"course", `INSERT INTO training_course (unit_id, level, starts_on, ends_on, topic, hours, trainer)
		  VALUES ($1, 'commune', '2024-03-01', '2024-03-01', 'X', 8, 'Y')`, []any{a.c3}},
		{"participant", `INSERT INTO training_participant (course_id, officer_role, unit_id, female, male)
		  VALUES ($1, 'other', $2, 1, 1)`, []any{course, a.c1}},
	} {
		err := postgres.InArea(ctx, pool, domain.Scope{UnitIDs: []int{a.c1}}, false, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, w.sql, w.args...)
			return err
		})
		if domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("%s for another commune's course: %v, want FORBIDDEN", w.name, err)
		}
	}
}

package postgres_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestChildCountsFollowEveryWrite: after random inserts, soft and hard
// deletes, restorations, moves between communes and rolled-back transactions,
// the live per-commune counts equal a count over the children, and the
// page's total (which reads them) equals the count with a filter.
func TestChildCountsFollowEveryWrite(t *testing.T) {
	ctx := context.Background()
	pool := testdb.Postgres(t)
	var communes []int32
	if err := pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM org_unit WHERE level = 'commune'
	  ORDER BY id LIMIT 6) u`).Scan(&communes); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	commune := func() int32 { return communes[rng.IntN(len(communes))] }
	steps := []func(tx pgx.Tx) error{
		func(tx pgx.Tx) error { // insert a few
			_, err := tx.Exec(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id)
			  SELECT 'Trẻ ' || g, 'M', DATE '2016-01-01' + g, $1 FROM generate_series(1, $2) g`, commune(), 1+rng.IntN(5))
			return err
		},
		func(tx pgx.Tx) error { // move some to another commune
			_, err := tx.Exec(ctx, `UPDATE child SET commune_id = $1 WHERE id IN (SELECT id FROM child ORDER BY random() LIMIT 3)`, commune())
			return err
		},
		func(tx pgx.Tx) error { // soft delete
			_, err := tx.Exec(ctx, `UPDATE child SET deleted_at = now() WHERE id IN (SELECT id FROM child WHERE deleted_at IS NULL ORDER BY random() LIMIT 2)`)
			return err
		},
		func(tx pgx.Tx) error { // restore, and move while restoring
			_, err := tx.Exec(ctx, `UPDATE child SET deleted_at = NULL, commune_id = $1 WHERE id IN (SELECT id FROM child WHERE deleted_at IS NOT NULL ORDER BY random() LIMIT 1)`, commune())
			return err
		},
		func(tx pgx.Tx) error { // hard delete (children with no history)
			_, err := tx.Exec(ctx, `DELETE FROM child WHERE id IN (SELECT id FROM child ORDER BY random() LIMIT 2)`)
			return err
		},
		func(tx pgx.Tx) error { // an update that changes neither commune nor deletion
			_, err := tx.Exec(ctx, `UPDATE child SET address = 'ấp 1' WHERE commune_id = $1`, commune())
			return err
		},
	}
	if _, err := pool.Exec(ctx, "SELECT setseed(0.3)"); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + rng.IntN(3) {
			if err := steps[rng.IntN(len(steps))](tx); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if rng.IntN(4) == 0 {
			err = tx.Rollback(ctx)
		} else {
			err = tx.Commit(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var diff int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (
	    SELECT commune_id, children FROM child_count WHERE children <> 0
	    EXCEPT ALL SELECT commune_id, count(*) FROM child WHERE deleted_at IS NULL GROUP BY commune_id) d`).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	var live int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM child WHERE deleted_at IS NULL`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if diff != 0 || live == 0 {
		t.Fatalf("%d communes whose live count differs from the children (%d children)", diff, live)
	}

	store := postgres.NewChildStore(testdb.API(t, pool))
	page := domain.Page[domain.ChildKey]{First: 5}
	byID := domain.ChildOrder{Field: domain.ChildOrderID}
	for _, scope := range []domain.Scope{{All: true}, {UnitIDs: []int{int(communes[0]), int(communes[1])}}, {UnitIDs: []int{int(communes[2])}}} {
		for _, f := range []domain.ChildFilter{{}, {UnitIDs: []int{int(communes[1]), int(communes[2])}}} {
			got, err := store.ChildrenPage(ctx, scope, f, byID, page, true)
			if err != nil {
				t.Fatal(err)
			}
			f.Sexes = []domain.Sex{domain.SexMale} // every child is a boy: the same children, counted one by one
			want, err := store.CountChildren(ctx, scope, f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total == nil || *got.Total != want {
				t.Errorf("scope %+v, filter on units %v: total %v, counted %d", scope, f.UnitIDs, got.Total, want)
			}
		}
	}
}

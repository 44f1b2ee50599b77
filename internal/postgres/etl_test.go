package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestETLSourceMapsErrors: the ETL's Postgres errors reach it as domain
// codes, the same as the API's.
func TestETLSourceMapsErrors(t *testing.T) {
	ctx := context.Background()
	src := postgres.NewETLSource(testdb.Postgres(t))
	session, err := src.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Release()
	if _, err := src.Lock(ctx); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("a second lock = %v, want CONFLICT", err)
	}
	snap, err := session.BeginSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	_, err = snap.Changes(ctx, "not a snapshot")
	if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(err.Error(), "read the change log") {
		t.Fatalf("changes since a malformed watermark = %v, want INVALID_INPUT naming the step", err)
	}
}

// TestETLRetentionBoundsTrimAndCompaction: the retention reaches Postgres as
// an interval. A run logs failures of both steps without failing, so only a
// direct test shows that they delete what they should.
func TestETLRetentionBoundsTrimAndCompaction(t *testing.T) {
	ctx := context.Background()
	pool := testdb.Postgres(t)
	src := postgres.NewETLSource(pool)
	const week = 7 * 24 * time.Hour
	for _, sql := range []string{
		`INSERT INTO etl_change (tbl, child_id, logged_at) VALUES ('child', 1, now() - interval '8 days'), ('child', 2, now() - interval '6 days')`,
		`INSERT INTO etl_ledger_state (warehouse, gen, base_gen, fingerprint, watermark, snapshot_at, as_of, updated_at) VALUES
		  ('stale', 1, 1, '', '', now(), now(), now() - interval '8 days'), ('recent', 1, 1, '', '', now(), now(), now() - interval '6 days'),
		  ('this', 1, 1, '', '', now(), now(), now())`,
		`INSERT INTO etl_ledger (warehouse, child_id, gen, input) VALUES ('stale', 1, 1, '\x01'), ('recent', 1, 1, '\x01'), ('this', 1, 1, '\x01')`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	session, err := src.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Release()
	snap, err := session.BeginSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mark := snap.Mark()
	snap.Close()
	if err := session.TrimChangeLog(ctx, mark.Watermark, week); err != nil {
		t.Fatal(err)
	}
	if err := session.CompactLedger(ctx, "this", 1, true, week); err != nil {
		t.Fatal(err)
	}
	var left string
	if err := pool.QueryRow(ctx, `SELECT (SELECT string_agg(child_id::text, ',' ORDER BY child_id) FROM etl_change) || ' ' ||
		(SELECT string_agg(warehouse, ',' ORDER BY warehouse) FROM etl_ledger_state) || ' ' ||
		(SELECT string_agg(warehouse, ',' ORDER BY warehouse) FROM etl_ledger)`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if want := "2 recent,this recent,this"; left != want {
		t.Fatalf("after trimming and compacting with a week's retention: %q, want %q", left, want)
	}
}

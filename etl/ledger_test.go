package etl

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/extract"
)

func TestLedgerCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		c    extract.Child
	}{
		{"bare", extract.Child{ID: 1, Sex: 'M', Birth: d("2019-02-03"), Death: civil.NoDay, Commune: 7}},
		{"everything", extract.Child{ID: 9_000_000_001, Sex: 'F', Birth: d("2008-12-31"), Death: d("2024-05-06"), Commune: -3,
			Poverty:       []extract.YearStatus{{Year: 2019, Status: 1}, {Year: 2020, Status: 2}, {Year: 2021, Status: 3}},
			Residences:    []extract.Period{{Unit: 5, From: d("2008-12-31"), To: d("2015-01-01")}, {Unit: 6, From: d("2015-01-01"), To: civil.NoDay}},
			Cards:         []extract.Period{{From: d("2010-01-01"), To: d("2012-12-31")}},
			Circumstances: []extract.Period{{Group: 3, LawDrug: true, From: d("2020-01-01"), To: civil.NoDay}},
			Events: []extract.Event{{Kind: extract.EvCase, Unit: 6, Day: d("2021-03-04"), Day2: d("2021-04-05"), Code: "bạo lực", Flag1: true},
				{Kind: extract.EvNutrition, Unit: 6, Day: d("2011-01-01"), Day2: civil.NoDay, Flag2: true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeChild(nil, &tt.c, d("2026-11-30"))
			var got extract.Child
			asOf, err := decodeChild(b, tt.c.ID, &got)
			if err != nil || asOf != d("2026-11-30") {
				t.Fatalf("decode: as of %s, %v", asOf, err)
			}
			if got.Poverty == nil {
				got.Poverty = tt.c.Poverty
			}
			for _, s := range []*[]extract.Period{&got.Residences, &got.Cards, &got.Circumstances} {
				if len(*s) == 0 {
					*s = nil
				}
			}
			if len(got.Events) == 0 {
				got.Events = nil
			}
			if !reflect.DeepEqual(got, tt.c) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.c)
			}
			for cut := 0; cut < len(b); cut++ {
				if _, err := decodeChild(b[:cut], 1, &got); err == nil {
					t.Fatalf("a truncated input (%d of %d bytes) decoded without error", cut, len(b))
				}
			}
		})
	}
}

// TestIncrementalRunCountsOnlyTheChangedChildren: one injury among 150
// children makes the next run count one child again, not its commune, and
// read again only its own row and its injuries: its other rows come from the
// ledger.
func TestIncrementalRunCountsOnlyTheChangedChildren(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 11)
	f.addChildren(t, e.pool, 150)
	e.run(t, e.a, false)
	child := f.children[3]
	if _, err := e.pool.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
		SELECT id, $2, $3, 'fall', 'died' FROM child WHERE id = $1 AND birth_date < $3`,
		child, f.unitAt(f.communes[0], f.today-2), (f.today - 2).Time()); err != nil {
		t.Fatal(err)
	}
	res := e.run(t, e.a, false)
	if res.Mode != "incremental" || res.RowsRead["children"] != 1 || res.Children != 1 || res.Generation != 2 {
		t.Fatalf("run after one injury: %s, %d children read, %d counted again, generation %d; want incremental, 1, 1, 2",
			res.Mode, res.RowsRead["children"], res.Children, res.Generation)
	}
	var injuries, others int64
	if err := e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM injury WHERE child_id = $1 AND deleted_at IS NULL),
		(SELECT count(*) FROM insurance_card WHERE child_id = $1)`,
		child).Scan(&injuries, &others); err != nil {
		t.Fatal(err)
	}
	if others == 0 {
		t.Fatalf("child %d has no insurance card: the test needs rows the injury does not touch", child)
	}
	if got := res.RowsRead["child_rows"]; got != 1+injuries {
		t.Errorf("the run read %d rows, want the child's own row and its %d injuries", got, injuries)
	}
	if n := res.RowsWritten["fact_child_month"]; n == 0 || n > 20 {
		t.Errorf("one injury wrote %d fact rows, want the few cells it changes", n)
	}
	e.assertSameAsFull(t, "one injury")
}

// interrupting wraps the warehouse so that the next attach or replace of
// fact_child_month fails, after doing it (the process dies before Postgres
// commits the generation) or instead of it (it dies before the warehouse
// takes it).
type interrupting struct {
	*clickhouse.Loader
	afterSwap bool
}

var errInterrupted = errors.New("interrupted")

func (w *interrupting) swap(do func() error) error {
	if w.afterSwap {
		if err := do(); err != nil {
			return err
		}
	}
	return errInterrupted
}

func (w *interrupting) AttachPartition(ctx context.Context, table, stage string) error {
	return w.swap(func() error { return w.Loader.AttachPartition(ctx, table, stage) })
}

func (w *interrupting) ReplacePartition(ctx context.Context, table, stage string) error {
	if table != factTable {
		return w.Loader.ReplacePartition(ctx, table, stage)
	}
	return w.swap(func() error { return w.Loader.ReplacePartition(ctx, table, stage) })
}

// TestRunInterruptedAroundTheSwap: a run that dies just before or just after
// the warehouse takes its cells leaves a pending generation; the next run
// forgets it or commits it, and the warehouse ends as a clean run leaves it.
func TestRunInterruptedAroundTheSwap(t *testing.T) {
	for _, tt := range []struct {
		name      string
		full      bool
		afterSwap bool
	}{
		{"incremental, before the attach", false, false},
		{"incremental, after the attach", false, true},
		{"full, before the replace", true, false},
		{"full, after the replace", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := newFixture(t, e.pool, 12)
			f.addChildren(t, e.pool, 60)
			e.run(t, e.a, false)
			f.mutate(t, e.pool, 10)
			_, err := Run(context.Background(), e.src, &interrupting{Loader: e.a, afterSwap: tt.afterSwap},
				Options{Full: tt.full, Log: quiet(), CellKeySecret: testSecret})
			if !errors.Is(err, errInterrupted) {
				t.Fatalf("interrupted run: %v", err)
			}
			f.mutate(t, e.pool, 5)
			if res := e.run(t, e.a, false); res.Mode != "incremental" {
				t.Fatalf("run after the interruption: %s (%s), want incremental", res.Mode, res.Reason)
			}
			e.assertSameAsFull(t, tt.name)
			markers, err := e.a.Markers(context.Background())
			if err != nil || len(markers) != 1 {
				t.Errorf("live generation markers %v (%v), want only the newest", markers, err)
			}
		})
	}
}

// TestCompaction: after a series of incremental runs, merges leave
// fact_child_month with exactly the rows of a clean full load (the signed
// rows added up, zeros and retired markers gone), and the ledger with one row
// per counted child.
func TestCompaction(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 13)
	f.addChildren(t, e.pool, 80)
	e.run(t, e.a, false)
	for round := 0; round < 5; round++ {
		f.mutate(t, e.pool, 10)
		e.run(t, e.a, false)
	}
	// A warehouse last loaded eight days ago: the next full run drops its ledger.
	if _, err := e.pool.Exec(ctx, `INSERT INTO etl_ledger_state (warehouse, gen, base_gen, fingerprint, watermark, snapshot_at, as_of, updated_at)
		VALUES ('whstale', 1, 1, '', '', now(), current_date, now() - interval '8 days')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO etl_ledger (warehouse, child_id, gen, input) VALUES ('whstale', 1, 1, '\x01')`); err != nil {
		t.Fatal(err)
	}
	e.assertSameAsFull(t, "five incremental runs")
	var stale int
	if err := e.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM etl_ledger WHERE warehouse = 'whstale')
		+ (SELECT count(*) FROM etl_ledger_state WHERE warehouse = 'whstale')`).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Errorf("a full run left %d rows of a warehouse not loaded for eight days", stale)
	}
	rows := func(wh *clickhouse.Loader) uint64 {
		t.Helper()
		if err := wh.Conn.Exec(ctx, "OPTIMIZE TABLE fact_child_month FINAL"); err != nil {
			t.Fatal(err)
		}
		var n uint64
		if err := wh.Conn.QueryRow(ctx, "SELECT count() FROM fact_child_month").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b := rows(e.a), rows(e.b); a != b {
		t.Errorf("after merges fact_child_month holds %d rows, a clean full load %d", a, b)
	}
	markers, err := e.a.Markers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ledgerRows, children int64
	for name := range markers {
		warehouse, _, _, _ := parseMarker(name)
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM etl_ledger WHERE warehouse = $1`, warehouse).Scan(&ledgerRows); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM child WHERE deleted_at IS NULL`).Scan(&children); err != nil {
		t.Fatal(err)
	}
	if len(markers) != 1 || ledgerRows != children {
		t.Errorf("markers %v; the ledger holds %d rows for %d children, want one each", markers, ledgerRows, children)
	}
}

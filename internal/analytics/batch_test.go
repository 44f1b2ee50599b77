package analytics_test

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"treem/internal/analytics"
	"treem/internal/analytics/analyticstest"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// countingWarehouse counts the count queries that reach the warehouse.
type countingWarehouse struct {
	*clickhouse.Reader
	counts atomic.Int64
}

func (w *countingWarehouse) Counts(ctx context.Context, q clickhouse.CountQuery) ([]clickhouse.CountRow, error) {
	w.counts.Add(1)
	return w.Reader.Counts(ctx, q)
}

// TestOneRequestMergesItsCountQueries: a scorecard (every indicator's
// compareUnits in one request, side by side) answers exactly what the same
// questions asked one by one answer, for a role that sees exact counts and
// one that does not, with fewer warehouse queries; and the child-friendly
// scoring of a run is computed once and answered alike after.
func TestOneRequestMergesItsCountQueries(t *testing.T) {
	conn := analyticstest.Warehouse(t)
	pool := testdb.Postgres(t)
	analyticstest.Reports(t, pool)
	for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleProvinceOfficer} {
		t.Run(string(role), func(t *testing.T) {
			ask := func(ctx context.Context, concurrent bool) ([]*analytics.UnitComparison, int64) {
				wh := &countingWarehouse{Reader: clickhouse.NewReader(conn)}
				svc := analytics.New(wh, postgres.NewAnalyticsStore(pool), indicators.Default())
				inds := indicators.Default().Indicators
				out := make([]*analytics.UnitComparison, len(inds))
				var wg sync.WaitGroup
				for i, ind := range inds {
					run := func() {
						c, err := svc.CompareUnits(ctx, ind.ID, "2025", "COMMUNE", "")
						if err != nil {
							t.Errorf("%s: %v", ind.ID, err)
						}
						out[i] = c
					}
					if concurrent {
						wg.Go(run)
					} else {
						run()
					}
				}
				wg.Wait()
				return out, wh.counts.Load()
			}
			alone, aloneQueries := ask(as(role), false)
			merged, mergedQueries := ask(analytics.WithRequest(as(role)), true)
			for i := range alone {
				if !reflect.DeepEqual(alone[i], merged[i]) {
					t.Errorf("%s: merged answer differs:\n%+v\nalone:\n%+v", alone[i].Indicator.ID, merged[i], alone[i])
				}
			}
			// 17 indicators of child-months, one query each alone, in 6 shapes
			// (their age bands: 0–4, 0–5, 0–15, 6–15, 5 and none) merged; and
			// the child-friendly share's two years, scored alone either way:
			// 8 queries, more when a busy machine starts an alias after its
			// batch has left.
			if aloneQueries != 19 || mergedQueries < 8 || mergedQueries >= aloneQueries {
				t.Errorf("warehouse count queries: %d merged, %d alone; want 8 (or a few more) and 19", mergedQueries, aloneQueries)
			}
		})
	}
}

// TestScoringKeptForItsRun: the communes' scoring is computed once per
// warehouse run and role's rule, answered alike from then on, and computed
// again once a new run has loaded.
func TestScoringKeptForItsRun(t *testing.T) {
	conn := analyticstest.Warehouse(t)
	pool := testdb.Postgres(t)
	wh := &countingWarehouse{Reader: clickhouse.NewReader(conn)}
	svc := analytics.New(wh, postgres.NewAnalyticsStore(pool), indicators.Default())
	ask := func(role domain.Role) (*analytics.ChildFriendlyAnswer, int64) {
		t.Helper()
		before := wh.counts.Load()
		a, err := svc.ChildFriendly(as(role), 2025, "")
		if err != nil {
			t.Fatal(err)
		}
		return a, wh.counts.Load() - before
	}
	first, n := ask(domain.RoleAnalyst)
	if n == 0 {
		t.Fatal("the first scoring read nothing")
	}
	again, n := ask(domain.RoleAnalyst)
	if n != 0 || !reflect.DeepEqual(first, again) {
		t.Fatalf("the second scoring read %d times or answered otherwise", n)
	}
	// Another disclosure rule is another scoring.
	if exact, n := ask(domain.RoleProvinceOfficer); n == 0 || exact.Meta.ExactForThisRole == first.Meta.ExactForThisRole {
		t.Fatalf("the province officer's scoring read %d times", n)
	}
	ld := &clickhouse.Loader{Conn: conn, BatchRows: 10}
	now := time.Now().UTC()
	run := []any{"run-3", now.Add(-time.Minute), now, "full", "4244", "succeeded", "{}", "{}", "{}", "",
		time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}
	if err := ld.Insert(context.Background(), "etl_runs", []string{"run_id", "started_at", "finished_at", "mode", "watermark",
		"status", "rows_read", "rows_written", "rejected", "error", "months_to"}, 1, func(int) []any { return run }); err != nil {
		t.Fatal(err)
	}
	after, n := ask(domain.RoleAnalyst)
	if n == 0 || after.Meta.AsOf.RunID != "run-3" {
		t.Fatalf("after run-3: read %d times, answer of %s", n, after.Meta.AsOf.RunID)
	}
}

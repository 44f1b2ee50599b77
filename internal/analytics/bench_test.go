package analytics_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"treem/internal/analytics"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// BenchmarkDisclosure measures what disclosure control costs at province
// scale: compareDistricts and childFriendlyCommunes answered with control on
// (analyst) and off (province officer, exact values) over the same warehouse.
// It needs a warehouse
// loaded by `treem etl` and the Postgres it came from, named by
// TREEM_BENCH_CH_DB and TREEM_BENCH_PG_DB (scripts/bench-analytics.sh sets
// them for the 1,000,000-child databases):
//
//	TREEM_BENCH_PG_DB=treem_bench TREEM_BENCH_CH_DB=treem_bench_etl \
//	  go test -run '^$' -bench Disclosure -count 10 ./internal/analytics/
func BenchmarkDisclosure(b *testing.B) {
	env := testdb.Env()
	chDB, pgDB := env.Get("TREEM_BENCH_CH_DB", ""), env.Get("TREEM_BENCH_PG_DB", "")
	if chDB == "" || pgDB == "" {
		b.Skip("set TREEM_BENCH_CH_DB and TREEM_BENCH_PG_DB to a province-scale warehouse and its Postgres")
	}
	ctx := context.Background()
	conn, err := clickhouse.Open(ctx, chtest.Writer(chDB))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	url := env.Get("DATABASE_URL", "")
	path, params, _ := strings.Cut(url, "?")
	pool, err := postgres.Open(ctx, path[:strings.LastIndex(path, "/")+1]+pgDB+"?"+params, postgres.ProgramServe)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	svc := analytics.New(clickhouse.NewReader(conn), postgres.NewAnalyticsStore(pool), indicators.Default())
	as := func(role domain.Role) context.Context {
		return domain.WithUser(ctx, &domain.User{Subject: "bench", Role: role, Area: "75"})
	}
	questions := []struct {
		name string
		ask  func(context.Context) error
	}{
		{"compareDistricts", func(c context.Context) error {
			_, err := svc.CompareDistricts(c, "birth_registration_u5", "2024")
			return err
		}},
		{"childFriendlyCommunes", func(c context.Context) error {
			_, err := svc.ChildFriendly(c, 2024, "")
			return err
		}},
		// The dashboard's landing scorecard: every indicator by the 95 units,
		// side by side in one request, as the API runs a query's aliases.
		{"scorecard", func(c context.Context) error {
			c = analytics.WithRequest(c)
			inds := indicators.Default().Indicators
			errs := make([]error, len(inds))
			var wg sync.WaitGroup
			for i, ind := range inds {
				wg.Go(func() { _, errs[i] = svc.CompareUnits(c, ind.ID, "2025", "COMMUNE", "") })
			}
			wg.Wait()
			return errors.Join(errs...)
		}},
	}
	for _, q := range questions {
		for _, mode := range []struct {
			name string
			role domain.Role
		}{{"control=on", domain.RoleAnalyst}, {"control=off", domain.RoleProvinceOfficer}} {
			b.Run(q.name+"/"+mode.name, func(b *testing.B) {
				c := as(mode.role)
				for b.Loop() {
					if err := q.ask(c); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

package graph_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"treem/etl"
	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/seed"
	"treem/internal/testdb"
)

// The API over a warehouse on two shards, read through the Distributed
// tables, answers every question and export as the API over one server
// loaded from the same Postgres: the same values, the same withheld cells,
// the same errors, for each role.
func TestClusterAnswersAsOneServer(t *testing.T) {
	ctx := context.Background()
	w := chtest.ClusterDatabase(t)
	pool := testdb.Postgres(t)
	if _, err := seed.Run(ctx, pool, seed.Options{Children: 2500, Seed: 11, Today: civil.DayFromTime(time.Now())}, seed.NoProgress{}); err != nil {
		t.Fatal(err)
	}
	cluster := w.Loader(t)
	run := func(full bool) *etl.Result {
		res, err := etl.Run(ctx, postgres.NewETLSource(pool), cluster, etl.Options{Full: full, CellKeySecret: incrementalSecret,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Shards: w.Cluster.Addrs()})
		if err != nil {
			t.Fatalf("etl run on the cluster: %v", err)
		}
		return res
	}
	run(true)
	rng := rand.New(rand.NewPCG(2026, 17))
	for i := range 2 {
		editRound(t, pool, rng)
		if res := run(false); res.Mode != "incremental" {
			t.Fatalf("round %d on the cluster: %s (%s), want incremental", i, res.Mode, res.Reason)
		}
	}
	one, _ := chtest.Database(t)
	etlRun(t, pool, clickhouse.NewLoader(one), true)

	// The API reads the cluster as it does in production: its read-only user
	// on one shard, through the Distributed tables.
	apiConn, err := clickhouse.Open(ctx, chtest.ClusterReader(w.Env, w.Database))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { apiConn.Close() })
	a := serveReader(t, pool, clickhouse.NewReader(apiConn).Sharded(len(w.Shards)))
	b := serveWarehouse(t, pool, one)
	toks := []string{token(t, domain.RoleAnalyst, "75"), token(t, domain.RoleProvinceOfficer, "75"),
		token(t, domain.RoleDistrictOfficer, "731"), token(t, domain.RoleLeader, "75")}
	queries := incrementalQueries()
	_, st := sameAnswers(t, a, b, "two shards", "one server", toks, queries)
	if st.values == 0 || st.errored > len(queries) {
		t.Errorf("%d values compared, %d errors: the comparison tested too little", st.values, st.errored)
	}

	// A shard down: fact_child_month_all of shard 1 now spans the test
	// cluster's treem_down, whose second shard never runs. Every answer
	// that needs the counts is UNAVAILABLE naming it; none is a partial sum.
	down := w.Env.Get("CLICKHOUSE_DOWN_CLUSTER", "")
	dc, err := clickhouse.DiscoverCluster(ctx, chtest.ClusterWriter(w.Env, w.Database), down)
	if err != nil {
		t.Fatal(err)
	}
	dead := dc.Shards[len(dc.Shards)-1].Addr
	for _, ddl := range []string{"DROP TABLE fact_child_month_all", "CREATE TABLE fact_child_month_all AS fact_child_month ENGINE = Distributed('" +
		down + "', '" + w.Database + "', 'fact_child_month', cityHash64(unit_code))"} {
		if err := w.Shards[0].Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`{ indicatorValues(ids: ["birth_registration_u5"], orgUnits: ["75"], from: "2024", to: "2024", periodType: YEAR) { values { value status } } }`,
		`{ compareDistricts(indicator: "abuse_rate", period: "2024") { districts { value status } } }`,
		`{ aggregate(measures: [CHILDREN], dimensions: [DISTRICT], filter: {period: "2024"}) { rows { values { value } } } }`,
	} {
		for _, tok := range toks[:2] {
			r := a.query(t, tok, q, nil)
			if r.code() != "UNAVAILABLE" || strings.Contains(r.raw, `"value"`) || !strings.Contains(r.raw, "shard at "+dead+" is unreachable") {
				t.Errorf("with a shard down, %s: %.400s; want UNAVAILABLE naming %s and no data", q, r.raw, dead)
			}
		}
	}
}

package graph_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
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
	cluster := clickhouse.NewShardedLoader(w.Shards, w.Cluster, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	a := serveReader(t, pool, clickhouse.NewReader(apiConn).Sharded())
	b := serveWarehouse(t, pool, one)
	toks := []string{token(t, domain.RoleAnalyst, "75"), token(t, domain.RoleProvinceOfficer, "75"),
		token(t, domain.RoleDistrictOfficer, "731"), token(t, domain.RoleLeader, "75")}
	queries := incrementalQueries()
	_, st := sameAnswers(t, a, b, "two shards", "one server", toks, queries)
	if st.values == 0 || st.errored > len(queries) {
		t.Errorf("%d values compared, %d errors: the comparison tested too little", st.values, st.errored)
	}
}

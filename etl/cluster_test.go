package etl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/config"
	"treem/internal/indicators"
)

// The warehouse on a cluster must hold, cell for cell, what one server loaded
// from the same Postgres holds, after full runs, incremental runs, runs
// stopped between two shards and runs killed at any moment. B, the single
// server of env, is the reference: one clean full run.

// clusterLoad is a fresh warehouse on the test cluster and the ETL's loader
// over its shards.
type clusterLoad struct {
	w    *chtest.ClusterWarehouse
	load *clickhouse.ShardedLoader
}

func newClusterLoad(t *testing.T) *clusterLoad {
	t.Helper()
	w := chtest.ClusterDatabase(t)
	return &clusterLoad{w: w, load: clickhouse.NewShardedLoader(w.Shards, w.Cluster, quiet())}
}

// run runs the ETL into the cluster, as `treem etl` does there.
func (c *clusterLoad) run(t *testing.T, e *env, wh Warehouse) (*Result, error) {
	t.Helper()
	return Run(context.Background(), e.src, wh, Options{Log: quiet(), CellKeySecret: testSecret, Shards: c.w.Cluster.Addrs()})
}

// assertSameAsOneServer runs a clean full load into the single server B and
// compares the cluster with it: each table's content, every count the
// analytics read through the Distributed tables, and each shard's holding
// only its own units.
func (c *clusterLoad) assertSameAsOneServer(t *testing.T, e *env, what string) {
	t.Helper()
	ctx := context.Background()
	e.run(t, e.b, true)
	for _, table := range append(slices.Clone(warehouseTables), "fact_channel_quarter") {
		got, want := checksumOf(t, c.load, table), checksum(t, e.b, table)
		if got != want {
			t.Errorf("%s: %s (count, hash) = %v on the cluster, %v on one server", what, table, got, want)
		}
	}
	var months []time.Time
	for m := 0; m <= MonthIndex(civil.DayFromTime(time.Now())); m++ {
		months = append(months, MonthStart(m).Time())
	}
	cluster, one := clickhouse.NewReader(c.w.Shards[0]).Sharded(), clickhouse.NewReader(e.b.Conn)
	for _, dims := range [][]clickhouse.Dim{{clickhouse.DimCommune, clickhouse.DimSex}, {clickhouse.DimDistrict, clickhouse.DimAgeBand, clickhouse.DimPoverty}, nil} {
		q := clickhouse.CountQuery{Reads: []clickhouse.Read{{Measures: indicators.MeasureNames(), Months: months}}, Dims: dims}
		got, err := cluster.Counts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := one.Counts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || fmt.Sprint(sortedRows(got)) != fmt.Sprint(sortedRows(want)) {
			t.Errorf("%s: counts by %v: %d rows through the Distributed table, %d on one server, or they differ", what, dims, len(got), len(want))
		}
	}
	for year := 2019; year <= time.Now().Year(); year++ {
		gu, _ := cluster.UnitYears(ctx, year, "")
		wu, err := one.UnitYears(ctx, year, "")
		if err != nil || fmt.Sprint(gu) != fmt.Sprint(wu) {
			t.Errorf("%s: fact_unit_year %d differs through the Distributed table (%v)", what, year, err)
		}
		gc, _ := cluster.ChannelQuarters(ctx, year)
		wc, err := one.ChannelQuarters(ctx, year)
		if err != nil || fmt.Sprint(gc) != fmt.Sprint(wc) {
			t.Errorf("%s: fact_channel_quarter %d differs through the Distributed table (%v)", what, year, err)
		}
	}
	// Each shard holds the units the Distributed tables' sharding key gives
	// it, so rows inserted through them would land beside the ETL's.
	n := len(c.w.Shards)
	for i, conn := range c.w.Shards {
		for _, table := range clickhouse.ShardedTables {
			cells := "1"
			if table == factTable {
				cells = "measure != ''" // markers are on every shard
			}
			var units, misplaced uint64
			if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT uniqExact(unit_code), uniqExactIf(unit_code, cityHash64(unit_code) %% %d != %d)
FROM %s WHERE %s`, n, i, table, cells)).Scan(&units, &misplaced); err != nil {
				t.Fatal(err)
			}
			if misplaced != 0 {
				t.Errorf("%s: shard %d holds rows of %d units of %s that its sharding key sends elsewhere", what, i+1, misplaced, table)
			}
			if units == 0 && table == "fact_unit_year" {
				t.Errorf("%s: shard %d holds no %s: the fixture spreads nothing", what, i+1, table)
			}
		}
	}
}

func checksumOf(t *testing.T, wh Warehouse, table string) [2]uint64 {
	t.Helper()
	n, sum, err := wh.Checksum(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return [2]uint64{n, sum}
}

func sortedRows(rows []clickhouse.CountRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprint(r.Measure, r.Month.Format("2006-01"), r.Keys, r.Value, r.CellKey%(1<<32))
	}
	slices.Sort(out)
	return out
}

// shardMarkers returns each shard's generation markers.
func shardMarkers(t *testing.T, c *clusterLoad) []map[string]int64 {
	t.Helper()
	var out []map[string]int64
	for _, conn := range c.w.Shards {
		m, err := clickhouse.NewLoader(conn).Markers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestClusterLoadsAsOneServer(t *testing.T) {
	e := newEnv(t)
	c := newClusterLoad(t)
	f := newFixture(t, e.pool, 21)
	f.addChildren(t, e.pool, 150)
	if res, err := c.run(t, e, c.load); err != nil || res.Mode != "full" {
		t.Fatalf("first run on the cluster: %v, %+v", err, res)
	}
	c.assertSameAsOneServer(t, e, "first run")
	for round := 1; round <= 3; round++ {
		f.mutate(t, e.pool, 12)
		res, err := c.run(t, e, c.load)
		if err != nil || res.Mode != "incremental" {
			t.Fatalf("round %d on the cluster: %v, %+v", round, err, res)
		}
		c.assertSameAsOneServer(t, e, fmt.Sprintf("incremental round %d", round))
	}
	// Every shard carries the generation it holds, and the run's lineage
	// names every shard.
	markers := shardMarkers(t, c)
	for i, m := range markers {
		if len(m) != 1 || !maps.Equal(m, markers[0]) {
			t.Errorf("shard %d holds markers %v, shard 1 %v: want the one current generation on each", i+1, m, markers[0])
		}
	}
	for i, conn := range c.w.Shards {
		var shards []string
		if err := conn.QueryRow(context.Background(),
			"SELECT shards FROM etl_runs FINAL WHERE status = 'succeeded' ORDER BY finished_at DESC, run_id DESC LIMIT 1").Scan(&shards); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shards, c.w.Cluster.Addrs()) {
			t.Errorf("shard %d: the last run records shards %v, want %v", i+1, shards, c.w.Cluster.Addrs())
		}
	}
}

// halfAttach is the cluster's loader for a run that stops after swapping
// fact_child_month on the first shard only: what a kill between two
// shards' swaps leaves.
type halfAttach struct {
	*clickhouse.ShardedLoader
	first *clickhouse.Loader
}

var errBetweenShards = errors.New("stopped between the shards' swaps")

func (h *halfAttach) AttachPartition(ctx context.Context, table, stage string) error {
	if table != factTable {
		return h.ShardedLoader.AttachPartition(ctx, table, stage)
	}
	if err := h.first.AttachPartition(ctx, table, stage); err != nil {
		return err
	}
	return errBetweenShards
}

func TestClusterRunStoppedBetweenShardsIsRebuiltInFull(t *testing.T) {
	e := newEnv(t)
	c := newClusterLoad(t)
	f := newFixture(t, e.pool, 22)
	f.addChildren(t, e.pool, 100)
	if _, err := c.run(t, e, c.load); err != nil {
		t.Fatal(err)
	}
	f.mutate(t, e.pool, 10)
	if _, err := c.run(t, e, &halfAttach{ShardedLoader: c.load, first: clickhouse.NewLoader(c.w.Shards[0])}); !errors.Is(err, errBetweenShards) {
		t.Fatalf("the stopped run: %v", err)
	}
	if m := shardMarkers(t, c); maps.Equal(m[0], m[1]) {
		t.Fatalf("the stopped run left the same markers on both shards (%v): it tested nothing", m[0])
	}
	res, err := c.run(t, e, c.load)
	if err != nil || res.Mode != "full" {
		t.Fatalf("the run after: %v, %+v; want a full run", err, res)
	}
	c.assertSameAsOneServer(t, e, "after a run stopped between the shards")
	f.mutate(t, e.pool, 10)
	if res, err := c.run(t, e, c.load); err != nil || res.Mode != "incremental" {
		t.Fatalf("the next run: %v, %+v; want incremental again", err, res)
	}
	c.assertSameAsOneServer(t, e, "the incremental run after the rebuild")
}

// A unit's shard follows the number and order of the shards: a run on
// another list of shards is full, or rows would stay on the shard that no
// longer owns them.
func TestShardsChangedMakesTheRunFull(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 23)
	f.addChildren(t, e.pool, 20)
	run := func(shards ...string) *Result {
		res, err := Run(context.Background(), e.src, e.a, Options{Log: quiet(), CellKeySecret: testSecret, Shards: shards})
		if err != nil {
			t.Fatal(err)
		}
		f.mutate(t, e.pool, 2)
		return res
	}
	run("127.0.0.1:1")
	for _, step := range []struct {
		shards []string
		mode   string
	}{
		{[]string{"127.0.0.1:2"}, "incremental"}, // one server that moved: no row moves
		{[]string{"a:1", "b:1"}, "full"},
		{[]string{"a:1", "b:1"}, "incremental"},
		{[]string{"b:1", "a:1"}, "full"},
		{[]string{"b:1", "a:1", "c:1"}, "full"},
		{[]string{"c:1"}, "full"},
	} {
		if res := run(step.shards...); res.Mode != step.mode {
			t.Errorf("run on %v: %s (%s), want %s", step.shards, res.Mode, res.Reason, step.mode)
		}
	}
}

// Killing the ETL on the cluster at any moment and running it again leaves
// what one clean run on one server holds. The killed process is this test
// binary re-executed (TestMain), writing to the cluster.
func TestClusterSIGKILLAtRandomPointsThenRerunIsIdentical(t *testing.T) {
	e := newEnv(t)
	c := newClusterLoad(t)
	f := newFixture(t, e.pool, 24)
	f.addChildren(t, e.pool, 120)
	start := time.Now()
	if _, err := c.run(t, e, c.load); err != nil {
		t.Fatal(err)
	}
	clean := time.Since(start)
	var interrupted int
	for round := range 6 {
		f.mutate(t, e.pool, 8)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TREEM_ETL_CHILD=1", "TREEM_ETL_CHILD_PG="+e.url, "TREEM_ETL_CHILD_CLUSTER="+c.w.Database)
		if round%3 == 0 {
			cmd.Env = append(cmd.Env, "TREEM_ETL_CHILD_FULL=1")
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line := make([]byte, 6)
		_, _ = io.ReadFull(stdout, line)
		delay := time.Duration(f.rng.Int64N(int64(clean)))
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		if err := cmd.Wait(); cmd.ProcessState.Exited() && !cmd.ProcessState.Success() {
			t.Errorf("round %d: the child run failed (%v): %s", round, err, stderr.String())
		} else if !cmd.ProcessState.Exited() {
			interrupted++
		}
		e.waitForLock(t)
		if _, err := c.run(t, e, c.load); err != nil {
			t.Fatalf("round %d: rerun: %v", round, err)
		}
		c.assertSameAsOneServer(t, e, fmt.Sprintf("round %d, SIGKILL after %s", round, delay))
	}
	if interrupted == 0 {
		t.Errorf("no run was killed: every one ended before its kill")
	}
}

// clusterChild is the loader of the killable child run on the test cluster.
func clusterChild(ctx context.Context, database string) (Warehouse, []string, error) {
	env, err := config.Load(nil, "", os.Getenv(chtest.ClusterEnvVar))
	if err != nil {
		return nil, nil, err
	}
	o := chtest.ClusterWriter(env, database)
	cl, err := clickhouse.DiscoverCluster(ctx, o, env.Get("CLICKHOUSE_CLUSTER", ""))
	if err != nil {
		return nil, nil, err
	}
	conns, err := clickhouse.OpenShards(ctx, o, cl)
	if err != nil {
		return nil, nil, err
	}
	return clickhouse.NewShardedLoader(conns, cl, quiet()), cl.Addrs(), nil
}

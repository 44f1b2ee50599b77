package clickhouse_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// ShardOf must choose the shard the Distributed engine chooses, or rows the
// ETL writes to a shard's local table and rows inserted through the
// Distributed table would part ways: the server's cityHash64 is the judge.
func TestShardOfIsTheServersCityHash(t *testing.T) {
	ctx := context.Background()
	conn, _ := chtest.Database(t)
	codes := []string{"", "75", "731", "26734", "27100", "Xã Một", "wh0123456789abcdef:12:deadbeef",
		strings.Repeat("đồng nai ", 20)}
	for i := range 200 {
		codes = append(codes, fmt.Sprint(25000+i*7))
	}
	for _, code := range codes {
		for _, n := range []uint64{2, 3, 5} {
			var want uint64
			if err := conn.QueryRow(ctx, "SELECT toUInt64(cityHash64(?) % ?)", code, n).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got := clickhouse.ShardOf(code, int(n)); uint64(got) != want {
				t.Fatalf("ShardOf(%q, %d) = %d, the server's cityHash64 %% %d = %d", code, n, got, n, want)
			}
		}
	}
	if clickhouse.ShardOf("731", 1) != 0 {
		t.Error("one server must hold every unit")
	}
}

// A cluster name the server does not know is refused before anything runs.
func TestUnknownClusterIsRefused(t *testing.T) {
	_, name := chtest.Database(t)
	_, err := clickhouse.DiscoverCluster(context.Background(), chtest.Writer(name), "no_such_cluster")
	if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(err.Error(), `cluster "no_such_cluster" is not configured`) {
		t.Fatalf("unknown cluster: %v, want INVALID_INPUT naming it", err)
	}
}

func TestClusterMigrateCreatesLocalAndDistributedTablesOnEveryShard(t *testing.T) {
	ctx := context.Background()
	w := chtest.ClusterDatabase(t)
	if len(w.Shards) < 2 {
		t.Fatalf("the test cluster has %d shards, want 2 or more", len(w.Shards))
	}
	// A second run changes nothing.
	if err := clickhouse.MigrateCluster(ctx, chtest.ClusterWriter(w.Env, w.Database), w.Cluster.Name, clickhouse.DDLPerShard, quiet()); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	for i, conn := range w.Shards {
		if err := clickhouse.CheckVersion(ctx, conn); err != nil {
			t.Errorf("shard %d: %v", i+1, err)
		}
		var versions uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM schema_migrations").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		if want := uint64(len(mustMigrations(t))); versions != want {
			t.Errorf("shard %d records %d migrations after two runs, want %d", i+1, versions, want)
		}
		for _, table := range clickhouse.ShardedTables {
			var engine string
			if err := conn.QueryRow(ctx, "SELECT engine FROM system.tables WHERE database = ? AND name = ?",
				w.Database, clickhouse.DistributedName(table)).Scan(&engine); err != nil {
				t.Fatalf("shard %d: %s: %v", i+1, clickhouse.DistributedName(table), err)
			}
			if engine != "Distributed" {
				t.Errorf("shard %d: %s is %s", i+1, clickhouse.DistributedName(table), engine)
			}
			if local, dist := columns(t, conn, w.Database, table), columns(t, conn, w.Database, clickhouse.DistributedName(table)); !slices.Equal(local, dist) {
				t.Errorf("shard %d: %s has columns %v, its local table %v", i+1, table, dist, local)
			}
		}
	}
	// A column added to the local tables (a later migration) reaches the
	// Distributed tables at the next migrate.
	for _, conn := range w.Shards {
		if err := conn.Exec(ctx, "ALTER TABLE fact_unit_year ADD COLUMN later_column UInt8 DEFAULT 0"); err != nil {
			t.Fatal(err)
		}
	}
	if err := clickhouse.MigrateCluster(ctx, chtest.ClusterWriter(w.Env, w.Database), w.Cluster.Name, clickhouse.DDLPerShard, quiet()); err != nil {
		t.Fatal(err)
	}
	for i, conn := range w.Shards {
		if !slices.Contains(columns(t, conn, w.Database, "fact_unit_year_all"), "later_column UInt8") {
			t.Errorf("shard %d: fact_unit_year_all lacks the column its local table gained", i+1)
		}
	}
	// Rows on each shard are read together through any shard.
	for i, conn := range w.Shards {
		insertDistrictYear(t, conn, fmt.Sprintf("d%d", i), uint32(i+2))
	}
	for i, conn := range w.Shards {
		var due uint64
		if err := conn.QueryRow(ctx, "SELECT sum(recommendations_due) FROM fact_district_year_all").Scan(&due); err != nil {
			t.Fatal(err)
		}
		if want := uint64(len(w.Shards)*(len(w.Shards)+3)) / 2; due != want {
			t.Errorf("read through shard %d: %d recommendations due, want %d", i+1, due, want)
		}
	}
}

// The ON CLUSTER path is kept for sites with ZooKeeper; without one the
// server refuses it, and the refusal reaches the operator.
func TestOnClusterDDLWithoutZooKeeperFailsClearly(t *testing.T) {
	env := chtest.ClusterEnv(t)
	name := "treem_test_oncluster"
	err := clickhouse.MigrateCluster(context.Background(), chtest.ClusterWriter(env, name), env.Get("CLICKHOUSE_CLUSTER", ""), clickhouse.DDLOnCluster, quiet())
	if err == nil || !strings.Contains(err.Error(), "ZooKeeper or ClickHouse Keeper") || !strings.Contains(err.Error(), "--clickhouse-ddl per-shard") {
		t.Fatalf("ON CLUSTER DDL without ZooKeeper: %v, want the refusal and the way out", err)
	}
	t.Logf("ON CLUSTER DDL without ZooKeeper: %v", err)
}

// A shard that does not answer: migrate refuses naming it and changes
// nothing on the shards that do; a read through the Distributed tables is
// UNAVAILABLE naming it, never a total of the shards that answered. The
// test cluster's servers also configure treem_down, whose second shard is
// never started (scripts/test-cluster.sh).
func TestClusterShardDown(t *testing.T) {
	ctx := context.Background()
	w := chtest.ClusterDatabase(t)
	down := w.Env.Get("CLICKHOUSE_DOWN_CLUSTER", "")
	if down == "" {
		t.Fatal("the test cluster's settings name no CLICKHOUSE_DOWN_CLUSTER")
	}
	c, err := clickhouse.DiscoverCluster(ctx, chtest.ClusterWriter(w.Env, w.Database), down)
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := c.Shards[len(c.Shards)-1].Addr
	fresh := "treem_test_down_" + strings.ReplaceAll(w.Database, "treem_test_", "")
	err = clickhouse.MigrateCluster(ctx, chtest.ClusterWriter(w.Env, fresh), down, clickhouse.DDLPerShard, quiet())
	if domain.ErrorCode(err) != domain.CodeUnavailable || !strings.Contains(err.Error(), deadAddr) ||
		!strings.Contains(err.Error(), "nothing was changed on any shard") {
		t.Fatalf("migrate with a shard down: %v, want UNAVAILABLE naming %s", err, deadAddr)
	}
	t.Logf("migrate with a shard down: %v", err)
	var made uint64
	if err := w.Shards[0].QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", fresh).Scan(&made); err != nil {
		t.Fatal(err)
	}
	if made != 0 {
		t.Errorf("migrate created %s on the live shard although another was down", fresh)
	}
	if _, err := clickhouse.OpenShards(ctx, chtest.ClusterWriter(w.Env, w.Database), c); domain.ErrorCode(err) != domain.CodeUnavailable ||
		!strings.Contains(err.Error(), deadAddr) {
		t.Fatalf("opening the shards with one down: %v, want UNAVAILABLE naming %s", err, deadAddr)
	}

	// Distributed tables over the cluster with the dead shard, beside the
	// live ones, each holding one row.
	first := w.Shards[0]
	insertDistrictYear(t, first, "731", 3)
	if err := first.Exec(ctx, "DROP TABLE fact_district_year_all"); err != nil {
		t.Fatal(err)
	}
	if err := first.Exec(ctx, fmt.Sprintf("CREATE TABLE fact_district_year_all AS fact_district_year ENGINE = Distributed('%s', '%s', 'fact_district_year', cityHash64(unit_code))",
		down, w.Database)); err != nil {
		t.Fatal(err)
	}
	reader, err := clickhouse.Open(ctx, chtest.ClusterReader(w.Env, w.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	_, err = clickhouse.NewReader(reader).Sharded(len(c.Shards)).DistrictYears(ctx, 2024, "")
	if domain.ErrorCode(err) != domain.CodeUnavailable || !strings.Contains(err.Error(), "shard at "+deadAddr+" is unreachable") {
		t.Fatalf("a read with a shard down: %v, want UNAVAILABLE naming %s", err, deadAddr)
	}
	t.Logf("a read with a shard down: %s", err.(*domain.Error).Message)

	// A shard that answers without the table (not migrated) is named too.
	second := w.Cluster.Shards[1].Addr
	if err := w.Shards[1].Exec(ctx, "DROP TABLE fact_unit_year"); err != nil {
		t.Fatal(err)
	}
	_, err = clickhouse.NewReader(reader).Sharded(len(w.Shards)).UnitYears(ctx, 2024, "")
	if domain.ErrorCode(err) != domain.CodeUnavailable || !strings.Contains(err.Error(), "shard at "+second+" is unreachable") {
		t.Fatalf("a read with a shard not migrated: %v, want UNAVAILABLE naming %s", err, second)
	}
}

// insertDistrictYear writes one row of fact_district_year on conn's server.
func insertDistrictYear(t *testing.T, conn clickhouse.Conn, unit string, due uint32) {
	t.Helper()
	err := clickhouse.NewLoader(conn).Insert(context.Background(), "fact_district_year",
		[]string{"year", "unit_code", "unit_valid_from", "district_2021", "recommendations_due", "recommendations_resolved_on_time", "run_id"},
		1, func(int) []any {
			return []any{uint16(2024), unit, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), "731", due, uint32(1), "r"}
		})
	if err != nil {
		t.Fatal(err)
	}
}

func columns(t *testing.T, conn clickhouse.Conn, database, table string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT name, type FROM system.columns WHERE database = ? AND table = ?", database, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n, typ string
		if err := rows.Scan(&n, &typ); err != nil {
			t.Fatal(err)
		}
		out = append(out, n+" "+typ)
	}
	return out
}

package chtest

import (
	"context"
	"os"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/config"
)

// ClusterEnvVar names the settings file of the test cluster: two ClickHouse
// servers in a cluster named treem, started by scripts/test-cluster.sh,
// which sets it (make test runs that script).
const ClusterEnvVar = "TREEM_TEST_CLUSTER_ENV"

// ClusterEnv returns the test cluster's settings (its own users and
// passwords). The cluster tests skip when ClusterEnvVar is unset: they run
// in make test's cluster job, never in plain go test.
func ClusterEnv(tb testing.TB) config.Env {
	tb.Helper()
	file := os.Getenv(ClusterEnvVar)
	if file == "" {
		tb.Skip(ClusterEnvVar + " is unset: the cluster tests run in scripts/test-cluster.sh (make test)")
	}
	env, err := config.Load(nil, "", file)
	if err != nil {
		tb.Fatalf("test cluster settings: %v", err)
	}
	if env.Get("CLICKHOUSE_CLUSTER", "") == "" || env.Get("CLICKHOUSE_ADDR", "") == "" {
		tb.Fatalf("%s names no cluster (CLICKHOUSE_CLUSTER, CLICKHOUSE_ADDR)", file)
	}
	return env
}

// ClusterWriter returns the writer's options on the test cluster's first
// shard, for database.
func ClusterWriter(env config.Env, database string) clickhouse.Options {
	return clickhouse.Options{Addr: env.Get("CLICKHOUSE_ADDR", ""), Database: database,
		User: env.Get("CLICKHOUSE_USER", ""), Password: env.Get("CLICKHOUSE_PASSWORD", "")}
}

// ClusterReader returns the API user's options on the test cluster's first
// shard, for database.
func ClusterReader(env config.Env, database string) clickhouse.Options {
	return clickhouse.Options{Addr: env.Get("CLICKHOUSE_ADDR", ""), Database: database,
		User: env.Get("CLICKHOUSE_API_USER", ""), Password: env.Get("CLICKHOUSE_API_PASSWORD", "")}
}

// ClusterWarehouse is a fresh warehouse database migrated on every shard of
// the test cluster.
type ClusterWarehouse struct {
	Cluster  *clickhouse.Cluster
	Database string
	Shards   []clickhouse.Conn // the writer on each shard, in shard order
	Env      config.Env
}

// ClusterDatabase creates a fresh warehouse on the test cluster (shard by
// shard, as treem migrate does without ZooKeeper), dropped from every shard
// when the test ends.
func ClusterDatabase(tb testing.TB) *ClusterWarehouse {
	tb.Helper()
	env := ClusterEnv(tb)
	name := "treem_test_" + randomHex(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	o := ClusterWriter(env, name)
	if err := clickhouse.MigrateCluster(ctx, o, env.Get("CLICKHOUSE_CLUSTER", ""), clickhouse.DDLPerShard, quiet()); err != nil {
		tb.Fatalf("migrate the warehouse on the test cluster: %v", err)
	}
	c, err := clickhouse.DiscoverCluster(ctx, o, env.Get("CLICKHOUSE_CLUSTER", ""))
	if err != nil {
		tb.Fatal(err)
	}
	conns, err := clickhouse.OpenShards(ctx, o, c)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, conn := range conns {
			dropDatabases(ctx, tb, conn, name)
			conn.Close()
		}
	})
	return &ClusterWarehouse{Cluster: c, Database: name, Shards: conns, Env: env}
}

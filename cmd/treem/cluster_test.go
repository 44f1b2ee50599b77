package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// A cluster name the warehouse's server does not configure stops every
// command that uses the warehouse at start, naming the cluster and the server.
func TestUnknownClusterIsRefusedAtStart(t *testing.T) {
	_, dbURL := testdb.URL(t)
	_, chDB := chtest.Database(t)
	addr := chtest.Addr(t)
	env := dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+chDB, "CLICKHOUSE_CLUSTER=no_such_cluster",
		"TREEM_JWT_SECRET="+secret)
	for _, args := range [][]string{{"migrate"}, {"etl"}, {"publish"}, {"serve", "--addr", freeAddr(t)}} {
		err := run(context.Background(), args, env, io.Discard, io.Discard)
		msg := oneLine(err)
		if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(msg, `cluster "no_such_cluster" is not configured`) ||
			!strings.Contains(msg, addr) {
			t.Errorf("%s with an unknown cluster: %q, want INVALID_INPUT naming the cluster and %s", args[0], msg, addr)
		}
	}
}

// The commands on the test cluster: migrate, etl and publish as an operator
// runs them, then each refusing to start, naming the shard, when one shard
// of the cluster does not answer.
func TestClusterCommands(t *testing.T) {
	ctx := context.Background()
	cenv := chtest.ClusterEnv(t)
	_, dbURL := testdb.URL(t)
	chDB := "treem_test_cmd_cluster"
	t.Cleanup(func() {
		w := chtest.ClusterWriter(cenv, "default")
		for _, shard := range strings.Split(cenv.Get("CLICKHOUSE_SHARDS", ""), ",") {
			w.Addr = shard
			if conn, err := clickhouse.Open(ctx, w); err == nil {
				for _, db := range []string{clickhouse.PublishedDatabase(chDB), chDB} {
					_ = conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+db+"`")
				}
				conn.Close()
			}
		}
	})
	clusterEnv := func(cluster string) []string {
		return []string{"CLICKHOUSE_ADDR=" + cenv.Get("CLICKHOUSE_ADDR", ""), "CLICKHOUSE_DATABASE=" + chDB, "CLICKHOUSE_CLUSTER=" + cluster,
			"CLICKHOUSE_USER=" + cenv.Get("CLICKHOUSE_USER", ""), "CLICKHOUSE_PASSWORD=" + cenv.Get("CLICKHOUSE_PASSWORD", ""),
			"CLICKHOUSE_API_USER=" + cenv.Get("CLICKHOUSE_API_USER", ""), "CLICKHOUSE_API_PASSWORD=" + cenv.Get("CLICKHOUSE_API_PASSWORD", "")}
	}
	env := dbEnv(t, dbURL, clusterEnv(cenv.Get("CLICKHOUSE_CLUSTER", ""))...)
	for _, args := range [][]string{{"migrate"}, {"seed", "--children", "300", "--seed", "5"}, {"etl"}, {"publish"}} {
		var out bytes.Buffer
		if err := run(ctx, args, env, &out, io.Discard); err != nil {
			t.Fatalf("%s on the cluster: %v", args[0], err)
		}
		t.Logf("%s: %s", args[0], strings.TrimSpace(out.String()))
	}
	for _, shard := range strings.Split(cenv.Get("CLICKHOUSE_SHARDS", ""), ",") {
		w := chtest.ClusterWriter(cenv, chDB)
		w.Addr = shard
		conn, err := clickhouse.Open(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		var runs, cells uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM etl_runs FINAL WHERE status = 'succeeded' AND has(shards, ?)", shard).Scan(&runs); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, "SELECT count() FROM fact_child_month WHERE measure != ''").Scan(&cells); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if runs != 1 || cells == 0 {
			t.Errorf("shard %s: %d succeeded runs naming it, %d cells; want 1 and some", shard, runs, cells)
		}
	}

	// Shard 1 read as one server holds part of the units only: refused.
	single := dbEnv(t, dbURL, append(clusterEnv(""), "TREEM_JWT_SECRET="+secret)...)
	for _, args := range [][]string{{"publish"}, {"serve", "--addr", freeAddr(t)}} {
		err := run(ctx, args, single, io.Discard, io.Discard)
		if msg := oneLine(err); domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(msg, "the warehouse was last loaded on the shards") {
			t.Errorf("%s of one shard as one server: %q, want INVALID_INPUT naming the shards", args[0], msg)
		}
	}

	down := dbEnv(t, dbURL, clusterEnv(cenv.Get("CLICKHOUSE_DOWN_CLUSTER", ""))...)
	for _, args := range [][]string{{"migrate"}, {"etl"}, {"publish"}} {
		err := run(ctx, args, down, io.Discard, io.Discard)
		msg := oneLine(err)
		if domain.ErrorCode(err) != domain.CodeUnavailable || !strings.Contains(msg, "shard 2 of cluster "+cenv.Get("CLICKHOUSE_DOWN_CLUSTER", "")) ||
			!strings.Contains(msg, "does not answer: nothing was changed on any shard") {
			t.Errorf("%s with a shard down: %q, want UNAVAILABLE naming the shard", args[0], msg)
		}
		t.Logf("%s with a shard down: treem: %s", args[0], msg)
	}
}

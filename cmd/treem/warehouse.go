package main

import (
	"context"
	"flag"
	"log/slog"

	"treem/etl"
	"treem/internal/clickhouse"
	"treem/internal/config"
)

// The ClickHouse users come from the environment only (a password given as a
// flag would show in ps); `make up` writes them to .data/env.
const (
	writerHelp = "ClickHouse user: env CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, the writer\n" +
		"(\"default\" without a password when unset)."
	readerHelp = "ClickHouse user: env CLICKHOUSE_API_USER and CLICKHOUSE_API_PASSWORD, the\n" +
		"API's read-only user (\"default\" without a password when unset)."
)

// warehouseHelp is the note on the ClickHouse user of each command that
// connects to the warehouse, printed by --help.
var warehouseHelp = map[string]string{"migrate": writerHelp, "etl": writerHelp, "publish": writerHelp, "serve": readerHelp}

// writer returns the options of the warehouse writer: the ETL and migrations.
func writer(env config.Env, addr, database string) clickhouse.Options {
	return clickhouse.Options{Addr: addr, Database: database,
		User: env.Get("CLICKHOUSE_USER", ""), Password: env.Get("CLICKHOUSE_PASSWORD", "")}
}

// reader returns the options of the API's read-only warehouse user.
func reader(env config.Env, addr, database string) clickhouse.Options {
	return clickhouse.Options{Addr: addr, Database: database,
		User: env.Get("CLICKHOUSE_API_USER", ""), Password: env.Get("CLICKHOUSE_API_PASSWORD", "")}
}

// clusterFlag declares the warehouse's cluster: empty for one server.
func clusterFlag(fs *flag.FlagSet, env config.Env) *string {
	return fs.String("clickhouse-cluster", env.Get("CLICKHOUSE_CLUSTER", ""),
		"the warehouse's cluster in the servers' remote_servers, empty for one server; its shards are read\n"+
			"from system.clusters of --clickhouse-addr's server; default: env CLICKHOUSE_CLUSTER")
}

// warehouse is the ETL's connection to the warehouse: one server, or every
// shard of a cluster.
type warehouse struct {
	conn   clickhouse.Conn    // the server at --clickhouse-addr (on a cluster, a shard)
	load   etl.Warehouse      // where the ETL writes
	read   *clickhouse.Reader // what analytics read
	shards []string           // the addresses written
	close  func()
}

// openWarehouse connects to the warehouse as the ETL's writer, on a cluster to
// every shard or none, and checks that each schema is the one this build
// loads.
func openWarehouse(ctx context.Context, env config.Env, addr, database, cluster string, log *slog.Logger) (*warehouse, error) {
	o := writer(env, addr, database)
	if cluster == "" {
		conn, err := clickhouse.Open(ctx, o)
		if err != nil {
			return nil, err
		}
		if err := clickhouse.CheckVersion(ctx, conn); err != nil {
			conn.Close()
			return nil, err
		}
		return &warehouse{conn: conn, load: clickhouse.NewLoader(conn), read: clickhouse.NewReader(conn),
			shards: []string{addr}, close: func() { conn.Close() }}, nil
	}
	c, err := clickhouse.DiscoverCluster(ctx, o, cluster)
	if err != nil {
		return nil, err
	}
	conns, err := clickhouse.OpenShards(ctx, o, c)
	if err != nil {
		return nil, err
	}
	if err := clickhouse.CheckShardVersions(ctx, conns, c); err != nil {
		clickhouse.CloseAll(conns)
		return nil, err
	}
	// Analytics read through the shard at addr, the one the API reads.
	conn, err := clickhouse.Open(ctx, o)
	if err != nil {
		clickhouse.CloseAll(conns)
		return nil, err
	}
	return &warehouse{conn: conn, load: clickhouse.NewShardedLoader(conns, c, log), read: clickhouse.NewReader(conn).Sharded(),
		shards: c.Addrs(), close: func() { conn.Close(); clickhouse.CloseAll(conns) }}, nil
}

// openReader connects the API to the warehouse as its read-only user; on a
// cluster it reads through the Distributed tables, and a cluster the server
// does not know is INVALID_INPUT.
func openReader(ctx context.Context, env config.Env, addr, database, cluster string) (clickhouse.Conn, *clickhouse.Reader, error) {
	o := reader(env, addr, database)
	if cluster != "" {
		if _, err := clickhouse.DiscoverCluster(ctx, o, cluster); err != nil {
			return nil, nil, err
		}
	}
	conn, err := clickhouse.Open(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	r := clickhouse.NewReader(conn)
	if cluster != "" {
		r = r.Sharded()
	}
	return conn, r, nil
}

package main

import (
	"context"

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

// openWarehouse connects to the warehouse as the ETL's writer and checks that
// its schema is the one this build loads.
func openWarehouse(ctx context.Context, env config.Env, addr, database string) (clickhouse.Conn, error) {
	conn, err := clickhouse.Open(ctx, writer(env, addr, database))
	if err != nil {
		return nil, err
	}
	if err := clickhouse.CheckVersion(ctx, conn); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

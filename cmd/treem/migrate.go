package main

import (
	"context"
	"io"

	"treem/internal/clickhouse"
	"treem/internal/config"
	"treem/internal/postgres"
)

func runMigrate(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	dbURL := databaseURLFlag(fs, env, ownerURLVar, "the tables' owner")
	chAddr := fs.String("clickhouse-addr", env.Get("CLICKHOUSE_ADDR", ""),
		"ClickHouse native address, empty to leave the warehouse alone; default: env CLICKHOUSE_ADDR")
	chDB := fs.String("clickhouse-database", env.Get("CLICKHOUSE_DATABASE", clickhouse.DefaultDatabase),
		"warehouse database; default: env CLICKHOUSE_DATABASE")
	chCluster := fs.String("clickhouse-cluster", env.Get("CLICKHOUSE_CLUSTER", ""),
		"cluster name for ON CLUSTER DDL, empty for one server; default: env CLICKHOUSE_CLUSTER")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	log := newLogger(stderr, env)
	pool, err := openPostgres(ctx, dbURL(), ownerURLVar, postgres.ProgramMigrate)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool, log); err != nil {
		return err
	}
	if *chAddr == "" {
		return nil
	}
	return clickhouse.Migrate(ctx, writer(env, *chAddr, *chDB), *chCluster, log)
}

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
	chCluster := clusterFlag(fs, env)
	ddl := fs.String("clickhouse-ddl", env.Get("CLICKHOUSE_DDL", string(clickhouse.DDLPerShard)),
		"on a cluster: per-shard applies each DDL on each shard in turn (no ZooKeeper needed);\n"+
			"on-cluster sends it once with ON CLUSTER (ZooKeeper or ClickHouse Keeper); default: env CLICKHOUSE_DDL")
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
	if *chCluster != "" {
		return clickhouse.MigrateCluster(ctx, writer(env, *chAddr, *chDB), *chCluster, clickhouse.DDLMode(*ddl), log)
	}
	return clickhouse.Migrate(ctx, writer(env, *chAddr, *chDB), log)
}

package clickhouse

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"treem/internal/domain"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one embedded warehouse migration: a single statement.
type Migration struct {
	Version uint32
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("clickhouse migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("clickhouse migration %s: name must be NNNN_name.sql", name)
		}
		body, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, fmt.Errorf("clickhouse migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: uint32(v), Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// LatestVersion is the version of the newest embedded migration: the schema
// version this binary reads and writes.
func LatestVersion() uint32 {
	ms, err := Migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Render fills the {on_cluster} placeholder of a DDL statement: ON CLUSTER
// cluster, or nothing for a single server.
func Render(ddl, cluster string) string {
	on := ""
	if cluster != "" {
		on = "ON CLUSTER " + quoteIdent(cluster)
	}
	return strings.ReplaceAll(ddl, "{on_cluster}", on)
}

// quoteIdent back-quotes an identifier (database, table or cluster name), the
// only non-value text ever placed in warehouse SQL.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "`", "\\`") + "`"
}

const schemaMigrationsDDL = `CREATE TABLE IF NOT EXISTS schema_migrations {on_cluster} (
  version UInt32, name String, applied_at DateTime DEFAULT now()
) ENGINE = MergeTree ORDER BY version`

// Migrate creates o.Database and its PublishedDatabase on one server when
// missing and applies every embedded migration not yet recorded in
// o.Database's schema_migrations. A second run is a no-op. o.User must be
// allowed to create databases.
func Migrate(ctx context.Context, o Options, log *slog.Logger) error {
	_, err := migrateServer(ctx, o, "", log)
	return err
}

// DDLMode is how MigrateCluster reaches the shards.
type DDLMode string

const (
	// DDLPerShard applies each statement on each shard in turn. ClickHouse
	// 18.16 runs ON CLUSTER DDL through ZooKeeper only, which make up does
	// not run.
	DDLPerShard DDLMode = "per-shard"
	// DDLOnCluster sends each statement once, with ON CLUSTER, for sites
	// with ZooKeeper or ClickHouse Keeper.
	DDLOnCluster DDLMode = "on-cluster"
)

// MigrateCluster migrates every shard of the cluster name (read from the
// server at o.Addr): the local tables as on one server, each shard's
// schema_migrations, and the Distributed tables over the sharded tables.
// When a shard does not answer it refuses before any DDL, naming the shard.
func MigrateCluster(ctx context.Context, o Options, name string, mode DDLMode, log *slog.Logger) error {
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	server := o
	server.Database = "default" // the warehouse database may not exist yet
	c, err := DiscoverCluster(ctx, server, name)
	if err != nil {
		return err
	}
	conns, err := OpenShards(ctx, server, c)
	if err != nil {
		return err
	}
	CloseAll(conns)
	switch mode {
	case DDLPerShard:
		for i, s := range c.Shards {
			so := o
			so.Addr = s.Addr
			if err := migrateShard(ctx, so, c, "", log.With("shard", s.Addr)); err != nil {
				return c.shardError(i, err, "failed to migrate")
			}
		}
		return nil
	case DDLOnCluster:
		first := o
		first.Addr = c.Shards[0].Addr
		if err := migrateShard(ctx, first, c, c.Name, log); err != nil {
			return domain.Wrap(err, domain.CodeUnavailable,
				"ON CLUSTER DDL failed: it needs ZooKeeper or ClickHouse Keeper on every server; without them use --clickhouse-ddl per-shard")
		}
		// The DDL reached every shard; each records its own version.
		for i, s := range c.Shards[1:] {
			so := o
			so.Addr = s.Addr
			if err := recordAll(ctx, so); err != nil {
				return c.shardError(i+1, err, "failed to record its schema version")
			}
		}
		return nil
	}
	return domain.Errorf(domain.CodeInvalidInput, "unknown DDL mode %q (per-shard or on-cluster)", mode)
}

// migrateShard migrates one shard's local tables and its Distributed tables.
func migrateShard(ctx context.Context, o Options, c *Cluster, onCluster string, log *slog.Logger) error {
	conn, err := migrateServer(ctx, o, onCluster, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	return ensureDistributed(ctx, conn, c.Name, o.Database, onCluster)
}

// recordAll records every embedded migration as applied in o's
// schema_migrations, creating it when missing.
func recordAll(ctx context.Context, o Options) error {
	conn, err := Open(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Exec(ctx, Render(schemaMigrationsDDL, "")); err != nil {
		return fmt.Errorf("clickhouse: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	ms, err := Migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if !applied[m.Version] {
			if err := recordMigration(ctx, conn, m); err != nil {
				return fmt.Errorf("clickhouse migration %s: record: %w", m.Name, err)
			}
		}
	}
	return nil
}

// migrateServer is Migrate on the server at o.Addr, each DDL with ON CLUSTER
// onCluster when not empty. It returns a connection to o.Database.
func migrateServer(ctx context.Context, o Options, onCluster string, log *slog.Logger) (Conn, error) {
	if o.Database == "" {
		o.Database = DefaultDatabase
	}
	published := PublishedDatabase(o.Database)
	if err := createDatabases(ctx, o, onCluster, o.Database, published); err != nil {
		return nil, err
	}
	conn, err := Open(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := applyMigrations(ctx, conn, o.Database, published, onCluster, log); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func applyMigrations(ctx context.Context, conn Conn, database, published, onCluster string, log *slog.Logger) error {
	if err := conn.Exec(ctx, Render(schemaMigrationsDDL, onCluster)); err != nil {
		return fmt.Errorf("clickhouse: create schema_migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	ms, err := Migrations()
	if err != nil {
		return err
	}
	n := 0
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		// {published} names the published database of this warehouse.
		sql := strings.ReplaceAll(m.SQL, "{published}", quoteIdent(published))
		if err := conn.Exec(ctx, Render(sql, onCluster)); err != nil {
			return fmt.Errorf("clickhouse migration %s: %w", m.Name, err)
		}
		if err := recordMigration(ctx, conn, m); err != nil {
			return fmt.Errorf("clickhouse migration %s: record: %w", m.Name, err)
		}
		log.Info("warehouse migration applied", "version", m.Version, "file", m.Name)
		n++
	}
	if n == 0 {
		log.Info("warehouse schema up to date", "database", database)
	}
	return nil
}

// createDatabases creates each database when missing, through a connection to
// the server's "default" database (the others may not exist yet).
func createDatabases(ctx context.Context, o Options, cluster string, dbs ...string) error {
	o.Database = "default"
	conn, err := Open(ctx, o)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, db := range dbs {
		if err := conn.Exec(ctx, Render("CREATE DATABASE IF NOT EXISTS "+quoteIdent(db)+" {on_cluster}", cluster)); err != nil {
			return fmt.Errorf("clickhouse: create database %s: %w", db, err)
		}
	}
	return nil
}

// recordMigration inserts through a batch: ClickHouse 18.16 answers an INSERT
// with bound VALUES over the native protocol only that way.
func recordMigration(ctx context.Context, conn Conn, m Migration) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name)")
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Append(m.Version, m.Name); err != nil {
		return err
	}
	return b.Send()
}

func appliedVersions(ctx context.Context, conn Conn) (map[uint32]bool, error) {
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("clickhouse: read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("clickhouse: read schema_migrations: %w", err)
		}
		out[v] = true
	}
	return out, rows.Err()
}

// CheckVersion fails with UNAVAILABLE unless the warehouse schema is exactly at
// the version this binary was built for.
func CheckVersion(ctx context.Context, conn Conn) error {
	var v uint32
	// max() of an empty or missing table: the error or 0 both mean "not migrated".
	if err := conn.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v); err != nil {
		return domain.Wrap(err, domain.CodeUnavailable, "the warehouse has no schema: run 'treem migrate'")
	}
	if want := LatestVersion(); v != want {
		return domain.Errorf(domain.CodeUnavailable,
			"the warehouse schema is at version %d, this binary needs %d: run 'treem migrate' with the matching binary", v, want)
	}
	return nil
}

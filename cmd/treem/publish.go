package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/etl"
	"treem/internal/analytics"
	"treem/internal/clickhouse"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/publish"
)

func runPublish(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	return singleLine(publishCommand(ctx, args, env, stdout, stderr))
}

func publishCommand(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("publish", stderr)
	dbURL, chAddr, chDB, chCluster := etlConnectionFlags(fs, env)
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("publish: unexpected argument %q", fs.Arg(0))
	}
	log := newLogger(stderr, env)
	pool, err := openPostgres(ctx, dbURL(), etlURLVar, postgres.ProgramETL)
	if err != nil {
		return err
	}
	defer pool.Close()
	wh, err := openWarehouse(ctx, env, *chAddr, *chDB, *chCluster, log)
	if err != nil {
		return err
	}
	defer wh.close()
	p, closePublished, err := openPublisher(ctx, env, wh, *chAddr, *chDB, pool, log)
	if err != nil {
		return err
	}
	defer closePublished()
	return p.publish(ctx, stdout)
}

// etlConnectionFlags declares the connections of the ETL's commands: the
// ETL's Postgres login and the warehouse (its values publish to
// <database>_published).
func etlConnectionFlags(fs *flag.FlagSet, env config.Env) (dbURL func() string, chAddr, chDB, chCluster *string) {
	dbURL = databaseURLFlag(fs, env, etlURLVar, "the ETL's login")
	chAddr = fs.String("clickhouse-addr", env.Get("CLICKHOUSE_ADDR", ""), "ClickHouse native address; default: env CLICKHOUSE_ADDR")
	chDB = fs.String("clickhouse-database", env.Get("CLICKHOUSE_DATABASE", clickhouse.DefaultDatabase),
		"warehouse database, whose published values go to <database>_published; default: env CLICKHOUSE_DATABASE")
	return dbURL, chAddr, chDB, clusterFlag(fs, env)
}

// publisher rewrites the published database with the values an analyst
// receives, as of the warehouse's last successful run, unless they are
// current.
type publisher struct {
	an        *analytics.Service
	warehouse *clickhouse.Loader // etl_runs and etl_publishes
	runs      *clickhouse.Reader
	target    *clickhouse.Loader // the published database
	locks     *postgres.ETLSource
	name      string
	version   string
	log       *slog.Logger
}

// openPublisher publishes from the warehouse wh, database at addr, to its
// published database, which it connects to; close ends that connection. On a
// cluster the published database and etl_publishes are those of the shard at
// addr, the server BI tools read.
func openPublisher(ctx context.Context, env config.Env, wh *warehouse, addr, database string, pool *pgxpool.Pool,
	log *slog.Logger) (*publisher, func(), error) {
	version, err := codeVersion()
	if err != nil {
		return nil, nil, err
	}
	name := clickhouse.PublishedDatabase(database)
	pubConn, err := clickhouse.Open(ctx, writer(env, addr, name))
	if err != nil {
		return nil, nil, err
	}
	p := &publisher{an: analytics.New(wh.read, postgres.NewAnalyticsStore(pool), indicators.Default()),
		warehouse: clickhouse.NewLoader(wh.conn), runs: wh.read, target: clickhouse.NewLoader(pubConn),
		locks: postgres.NewETLSource(pool), name: name,
		version: version, log: log}
	return p, func() { pubConn.Close() }, nil
}

// publish rewrites the published database unless no run changed the
// warehouse since the last rewrite under the same catalogue and scoring
// table.
func (p *publisher) publish(ctx context.Context, stdout io.Writer) error {
	release, err := p.locks.LockPublish(ctx)
	if err != nil {
		return err
	}
	defer release()
	source, err := publishSource(ctx, p.an, p.version)
	if err != nil {
		return err
	}
	if current, err := p.warehouse.PublishedCurrent(ctx, source); err != nil || current {
		if err == nil {
			p.log.Info("published values are current")
			fmt.Fprintln(stdout, "published values are current")
		}
		return err
	}
	last, err := p.runs.Freshness(ctx)
	if err != nil {
		return err
	}
	if !last.Found {
		return domain.Errorf(domain.CodeUnavailable, "the warehouse holds no successful ETL run: run 'treem etl' first")
	}
	n, err := publish.Run(ctx, p.an, p.target, last.RunID, etl.HistoryStart.Time(), last.SnapshotAt, p.log)
	if err != nil {
		return fmt.Errorf("publish the values of etl run %s (the next publish tries again): %w", last.RunID, err)
	}
	if err := p.warehouse.RecordPublish(ctx, last.RunID, source); err != nil {
		return fmt.Errorf("published the values of etl run %s, but the record of it failed (the next publish rewrites them again): %w", last.RunID, err)
	}
	fmt.Fprintf(stdout, "published %d indicator values of run %s to %s\n", n, last.RunID, p.name)
	return nil
}

// publishSource names what published values depend on besides the
// warehouse: the code that computes them, the catalogue and the scoring
// table in force.
func publishSource(ctx context.Context, an *analytics.Service, version string) (string, error) {
	tab, err := an.ScoringTable(ctx)
	if err != nil {
		return "", fmt.Errorf("read the scoring table: %w", err)
	}
	raw, err := json.Marshal(tab)
	if err != nil {
		return "", fmt.Errorf("encode the scoring table: %w", err)
	}
	h := sha256.New()
	h.Write(raw)
	fmt.Fprintf(h, "\x00code=%s", version)
	return an.Catalogue().Version + "/" + hex.EncodeToString(h.Sum(nil)), nil
}

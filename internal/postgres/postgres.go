// Package postgres is the operational store: it opens the pgx pool, runs the
// embedded migrations and implements the stores that graph and etl declare.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"treem/internal/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Programs name their connections (application_name), so pg_stat_activity
// and the server's log tell which program holds each one.
const (
	ProgramServe   = "treem-serve"
	ProgramETL     = "treem-etl"
	ProgramMigrate = "treem-migrate"
	ProgramSeed    = "treem-seed"
	ProgramToken   = "treem-token"
	ProgramUser    = "treem-user"
)

// Open connects to url as program and checks the connection.
func Open(ctx context.Context, url, program string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalidInput, "the Postgres URL is not a valid postgres URL")
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = program
	// A connection in steady use needs no ping before each request; one idle
	// for a while may have been dropped on the way, so it gets one.
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool { return p.IdleDuration > time.Minute }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, domain.Wrap(err, domain.CodeUnavailable,
			fmt.Sprintf("postgres at %s:%d is unreachable", cfg.ConnConfig.Host, cfg.ConnConfig.Port))
	}
	return pool, nil
}

// Migrate applies every embedded migration not yet applied. Running it twice is
// a no-op; each migration runs in its own transaction.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	// Out of order: each part of the schema owns a range of numbers, so a database
	// may hold 00020 before 00006 lands; goose then applies the missing one.
	provider, err := goose.NewProvider(goose.DialectPostgres, db, mustSub(migrations, "migrations"),
		goose.WithGoMigrations(goMigrations()...), goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("postgres migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("postgres migrate: %w", err)
	}
	if len(results) == 0 {
		log.Info("postgres schema up to date")
	}
	return nil
}

// goMigrations lists migrations written in Go (reference data loaded from the
// embedded domain files), each defined in its migration_NNNNN_*.go file.
func goMigrations() []*goose.Migration { return []*goose.Migration{migration00004, migration00078} }

// MapError turns a Postgres error into a domain error by SQLSTATE, never by
// message text. Other errors are returned unchanged.
func MapError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505", "23P01": // unique_violation, exclusion_violation
		return domain.Wrap(err, domain.CodeConflict, "the record conflicts with an existing one")
	case "23503": // foreign_key_violation
		return domain.Wrap(err, domain.CodeInvalidInput, "a referenced record does not exist")
	case "23514", "23502", "22P02", "22007", "22008", "22001": // check, not null, bad text repr, datetime, too long
		return domain.Wrap(err, domain.CodeInvalidInput, "the record breaks a data rule")
	case "42501": // insufficient_privilege (row-level security)
		return domain.Wrap(err, domain.CodeForbidden, "outside your area")
	case "57014": // query_canceled (statement timeout)
		// Overload, not an outage: the question asked more than the time limit allows.
		return domain.Wrap(err, domain.CodeTooComplex, "the question took longer than the database's statement time limit: ask for less")
	case "40001", "40P01":
		return domain.Wrap(err, domain.CodeConflict, "concurrent update, try again")
	}
	return err
}

package main

import (
	"context"
	"io"

	"treem/internal/config"
	"treem/internal/postgres"
)

func runMigrate(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	dbURL := fs.String("database-url", env.Get("DATABASE_URL", ""), "Postgres URL (env DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr, env)
	pool, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	return postgres.Migrate(ctx, pool, log)
}

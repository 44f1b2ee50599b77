package main

import (
	"context"
	"flag"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
)

// Each program logs in to Postgres as its own role (scripts/sql/roles.sql),
// named by its own setting: the API's never owns a table, the ETL's only
// reads, and only the owner's may change the schema.
const (
	apiURLVar   = "DATABASE_URL"       // treem serve, treem token: treem_api
	etlURLVar   = "DATABASE_ETL_URL"   // treem etl: treem_etl
	ownerURLVar = "DATABASE_OWNER_URL" // treem migrate, treem seed: treem_owner
)

// openPostgres connects to url as program; setting names where url comes from.
func openPostgres(ctx context.Context, url, setting, program string) (*pgxpool.Pool, error) {
	if url == "" {
		return nil, domain.Errorf(domain.CodeInvalidInput, "%s is not set: run 'make up' or pass --database-url", setting)
	}
	return postgres.Open(ctx, url, program)
}

// databaseURLFlag declares --database-url for login, which falls back to
// setting in env. The setting's value is never the flag's default: --help
// would print the password in it.
func databaseURLFlag(fs *flag.FlagSet, env config.Env, setting, login string) func() string {
	v := fs.String("database-url", "", "Postgres URL of "+login+"; default: env "+setting)
	return func() string {
		if *v != "" {
			return *v
		}
		return env.Get(setting, "")
	}
}

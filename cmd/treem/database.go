package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

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

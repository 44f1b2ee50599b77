package etl

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/testdb"
)

func pgxpoolNew(ctx context.Context, url string) (*pgxpool.Pool, error) { return pgxpool.New(ctx, url) }

func chAddrForChild() string { return testdb.Env().Get("CLICKHOUSE_ADDR", "") }

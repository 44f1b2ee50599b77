package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// byName returns a scan function that fills a row type R by column name (its
// `db` tags) and converts it to T. Scanning by name, not position, keeps a
// moved field or column from silently swapping values of the same type, such
// as a case's nine timestamps.
func byName[R, T any](conv func(R) T) pgx.RowToFunc[T] {
	return func(row pgx.CollectableRow) (T, error) {
		r, err := pgx.RowToStructByName[R](row)
		if err != nil {
			var zero T
			return zero, err
		}
		return conv(r), nil
	}
}

// querier is what runs a query: a pool, a connection or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// queryRows runs sql on q and collects every row with scan.
func queryRows[T any](ctx context.Context, q querier, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scan)
}

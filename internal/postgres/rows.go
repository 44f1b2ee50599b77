package postgres

import "github.com/jackc/pgx/v5"

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

package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestStatementTimeoutIsTooComplex: a statement stopped by its time limit
// asked too much (TOO_COMPLEX); one stopped by the request's deadline keeps
// that cause, for the edge to name the request's limit.
func TestStatementTimeoutIsTooComplex(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '50ms'"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, "SELECT pg_sleep(2)")
	if err := postgres.MapError(err); domain.ErrorCode(err) != domain.CodeTooComplex {
		t.Fatalf("a statement past statement_timeout: %v", err)
	}

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = pool.Exec(short, "SELECT pg_sleep(2)")
	if err := postgres.MapError(err); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a statement past the request's deadline: %v", err)
	}
}

package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"treem/internal/testdb"
)

// TestMigrationGivesExistingActivitiesOther: migration 00073 run over an
// activity recorded before channels existed (its Down, a row as it was then
// written, its Up, in one rolled-back transaction) gives that activity the
// channel other and an unknown reach; after it, a new activity must name its
// channel, and a reach outside 0..50000000 is refused by the database too.
func TestMigrationGivesExistingActivitiesOther(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	text, err := os.ReadFile("migrations/00073_communication_channels.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(text), "-- +goose Up\n")
	up, down, ok := strings.Cut(rest, "-- +goose Down\n")
	if !ok {
		t.Fatal("migration 00073 has no Down")
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // the test's rows and schema change must not outlive it
	var unit int
	if err := tx.QueryRow(ctx, `SELECT id FROM org_unit WHERE level = 'commune' ORDER BY id LIMIT 1`).Scan(&unit); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, down); err != nil {
		t.Fatalf("down: %v", err)
	}
	var old int64
	if err := tx.QueryRow(ctx, `INSERT INTO communication_activity (unit_id, held_on, topic, participants)
	  VALUES ($1, '2024-05-01', 'Phòng chống xâm hại', 80) RETURNING id`, unit).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, up); err != nil {
		t.Fatalf("up: %v", err)
	}
	var channel string
	var reach *int
	if err := tx.QueryRow(ctx, `SELECT channel, reach FROM communication_activity WHERE id = $1`, old).Scan(&channel, &reach); err != nil {
		t.Fatal(err)
	}
	if channel != "other" || reach != nil {
		t.Fatalf("existing activity: channel %q, reach %v; want other and unknown", channel, reach)
	}
	for _, tt := range []struct {
		name, insert, state string
	}{
		{"no channel", `INSERT INTO communication_activity (unit_id, held_on, topic, participants) VALUES ($1, '2025-01-01', 'x', 1)`,
			"23502"},
		{"unknown channel", `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel)
		  VALUES ($1, '2025-01-01', 'x', 1, 'radio')`, "23514"},
		{"negative reach", `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
		  VALUES ($1, '2025-01-01', 'x', 1, 'bulletin', -1)`, "23514"},
		{"reach above the bound", `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
		  VALUES ($1, '2025-01-01', 'x', 1, 'tv_dn2', 50000001)`, "23514"},
	} {
		if _, err := tx.Exec(ctx, "SAVEPOINT s"); err != nil {
			t.Fatal(err)
		}
		_, err := tx.Exec(ctx, tt.insert, unit)
		var pg *pgconn.PgError
		if !errors.As(err, &pg) || pg.Code != tt.state {
			t.Errorf("%s: %v, want SQLSTATE %s", tt.name, err, tt.state)
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT s"); err != nil {
			t.Fatal(err)
		}
	}
}

package clickhouse_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
)

func TestMigrateCreatesContractTablesAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	conn, name := chtest.Database(t)
	if err := clickhouse.Migrate(ctx, chtest.Writer(name), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := uint64(len(mustMigrations(t))); n != want {
		t.Fatalf("schema_migrations has %d rows after two runs, want %d", n, want)
	}
	for _, table := range []string{"dim_unit", "dim_unit_edge", "fact_child_month", "fact_unit_year", "etl_runs"} {
		var c uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = ?", name, table).Scan(&c); err != nil {
			t.Fatal(err)
		}
		if c != 1 {
			t.Errorf("table %s missing", table)
		}
	}
	if err := clickhouse.CheckVersion(ctx, conn); err != nil {
		t.Fatalf("CheckVersion after migrate: %v", err)
	}
}

func TestCheckVersionRefusesWrongSchema(t *testing.T) {
	ctx := context.Background()
	conn, _ := chtest.Database(t)
	if err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) SELECT 9999, 'future.sql'"); err != nil {
		t.Fatal(err)
	}
	err := clickhouse.CheckVersion(ctx, conn)
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("CheckVersion on a newer schema = %v, want UNAVAILABLE", err)
	}
}

func TestOpenUnreachableIsUnavailable(t *testing.T) {
	_, err := clickhouse.Open(context.Background(), clickhouse.Options{Addr: "127.0.0.1:1"})
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("Open on a closed port = %v, want UNAVAILABLE", err)
	}
}

func TestRender(t *testing.T) {
	tests := []struct{ cluster, want string }{
		{"", "CREATE TABLE t  (x UInt8)"},
		{"prod", "CREATE TABLE t ON CLUSTER `prod` (x UInt8)"},
	}
	for _, tt := range tests {
		if got := clickhouse.Render("CREATE TABLE t {on_cluster} (x UInt8)", tt.cluster); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.cluster, got, tt.want)
		}
	}
}

func mustMigrations(t *testing.T) []clickhouse.Migration {
	ms, err := clickhouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

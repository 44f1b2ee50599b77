package clickhouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/testdb"
)

// The server's users (scripts/clickhouse-users.xml, rendered by `make up`):
// whoever connects without a password reads no treem database, bi reads the
// published values only, the API's user reads but never writes.

// ClickHouse 18.16 error codes.
const (
	codeReadonly             = 164
	codeDatabaseAccessDenied = 291
)

// as returns the options of user on the test server, for database.
func as(t *testing.T, user, passwordVar, database string) clickhouse.Options {
	t.Helper()
	o := chtest.Writer(database)
	o.User, o.Password = user, ""
	if passwordVar != "" {
		if o.Password = testdb.Env().Get(passwordVar, ""); o.Password == "" {
			t.Fatalf("%s is not set and not in .data/env: run 'make up'", passwordVar)
		}
	}
	return o
}

func open(t *testing.T, o clickhouse.Options) clickhouse.Conn {
	t.Helper()
	conn, err := clickhouse.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open as %s on %s: %v", o.User, o.Database, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// wantCode fails unless err is the server's exception with code.
func wantCode(t *testing.T, what string, err error, code int32) {
	t.Helper()
	var ex *ch.Exception
	if !errors.As(err, &ex) || ex.Code != code {
		t.Errorf("%s: %v, want the server's error %d", what, err, code)
	}
}

func count(conn clickhouse.Conn, table string) error {
	var n uint64
	return conn.QueryRow(context.Background(), "SELECT count() FROM "+table).Scan(&n)
}

func TestDefaultUserReadsNoWarehouseTable(t *testing.T) {
	_, name := chtest.Database(t)
	if _, err := clickhouse.Open(context.Background(), as(t, "default", "", name)); err == nil ||
		!strings.Contains(err.Error(), "refused user default") {
		t.Errorf("default opens the warehouse database %s: %v, want refused", name, err)
	}
	conn := open(t, as(t, "default", "", "default"))
	wantCode(t, "default reads fact_child_month", count(conn, "`"+name+"`.fact_child_month"), codeDatabaseAccessDenied)
	wantCode(t, "default reads the published database", count(conn, clickhouse.PublishedDatabase(clickhouse.DefaultDatabase)+".x"), codeDatabaseAccessDenied)
}

func TestBIUserReadsPublishedOnly(t *testing.T) {
	ctx := context.Background()
	writer, name := chtest.Database(t)
	// A table of its own in the shared published database (which only a
	// migration of the treem database creates), dropped at the end.
	published := clickhouse.PublishedDatabase(clickhouse.DefaultDatabase)
	if err := writer.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+published); err != nil {
		t.Fatal(err)
	}
	probe := published + ".`probe_" + name + "`"
	if err := writer.Exec(ctx, "CREATE TABLE "+probe+" (x UInt8) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := writer.Exec(context.Background(), "DROP TABLE IF EXISTS "+probe); err != nil {
			t.Logf("drop %s: %v", probe, err)
		}
	})
	if err := writer.Exec(ctx, "INSERT INTO "+probe+" SELECT 7"); err != nil {
		t.Fatal(err)
	}

	if _, err := clickhouse.Open(ctx, as(t, "bi", "CLICKHOUSE_BI_PASSWORD", name)); err == nil ||
		!strings.Contains(err.Error(), "refused user bi") {
		t.Errorf("bi opens the warehouse database %s: %v, want refused", name, err)
	}
	bi := open(t, as(t, "bi", "CLICKHOUSE_BI_PASSWORD", clickhouse.PublishedDatabase(clickhouse.DefaultDatabase)))
	for _, table := range []string{"fact_child_month", "fact_unit_year", "fact_district_year", "fact_channel_quarter", "dim_unit", "dim_unit_edge", "etl_runs"} {
		wantCode(t, "bi reads "+table, count(bi, "`"+name+"`."+table), codeDatabaseAccessDenied)
	}
	var x uint8
	if err := bi.QueryRow(ctx, "SELECT x FROM "+probe).Scan(&x); err != nil || x != 7 {
		t.Errorf("bi reads the published probe: %d, %v; want 7", x, err)
	}
	wantCode(t, "bi inserts", bi.Exec(ctx, "INSERT INTO "+probe+" SELECT 8"), codeReadonly)
}

func TestAPIUserReadsAndNeverWrites(t *testing.T) {
	ctx := context.Background()
	_, name := chtest.Database(t)
	api := open(t, as(t, testdb.Env().Get("CLICKHOUSE_API_USER", ""), "CLICKHOUSE_API_PASSWORD", name))
	// readonly = 2: the per-query settings the API sends are accepted.
	withTimeout := ch.Context(ctx, ch.WithSettings(ch.Settings{"max_execution_time": 5}))
	var n uint64
	if err := api.QueryRow(withTimeout, "SELECT count() FROM fact_child_month").Scan(&n); err != nil {
		t.Errorf("api reads fact_child_month with max_execution_time: %v", err)
	}
	for _, stmt := range []string{
		"INSERT INTO schema_migrations (version, name) SELECT 9999, 'future.sql'",
		"CREATE TABLE probe (x UInt8) ENGINE = Memory",
		"ALTER TABLE fact_child_month DELETE WHERE 1",
		"TRUNCATE TABLE etl_runs",
		"DROP TABLE dim_unit",
		"CREATE DATABASE `probe_" + name + "`",
	} {
		wantCode(t, "api: "+stmt, api.Exec(ctx, stmt), codeReadonly)
	}
	// 18.16 ignores a readonly sent with a query rather than refusing it:
	// what matters is that the insert still fails.
	unlocked := ch.Context(ctx, ch.WithSettings(ch.Settings{"readonly": 0}))
	wantCode(t, "api inserts with readonly 0", api.Exec(unlocked, "INSERT INTO etl_runs (run_id) SELECT 'probe'"), codeReadonly)
}

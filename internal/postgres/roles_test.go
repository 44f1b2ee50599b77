package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/postgres"
	"treem/internal/testdb"
)

// login opens a pool to owner's database as the login the setting names, the
// way the program of that login does.
func login(t *testing.T, dbURL, setting, program string) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(context.Background(), testdb.As(t, dbURL, setting), program)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// attempt runs stmt in a transaction that is rolled back, and returns its
// SQLSTATE ("" when it succeeded).
func attempt(t *testing.T, pool *pgxpool.Pool, stmt string) string {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, stmt)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pgErr):
		return pgErr.Code
	}
	t.Fatalf("%s: %v", stmt, err)
	return ""
}

// TestLoginsCannotEscape: neither the API's login nor the ETL's is a
// superuser or bypasses row-level security, and neither can become the
// owner, touch the audit tables beyond what it needs, or change the schema.
func TestLoginsCannotEscape(t *testing.T) {
	owner, dbURL := testdb.URL(t)
	ctx := context.Background()
	if _, err := owner.Exec(ctx, `INSERT INTO audit_log (subject, role, area, action, entity, record_ids, fields)
		VALUES ('inquiry', 'province_officer', '75', 'read', 'Child', '{1}', '{fullName}')`); err != nil {
		t.Fatal(err)
	}
	logins := map[string]*pgxpool.Pool{
		"treem_api": login(t, dbURL, testdb.APIURL, postgres.ProgramServe),
		"treem_etl": login(t, dbURL, testdb.ETLURL, postgres.ProgramETL),
	}
	refused := []string{
		"SET ROLE treem_owner",
		"SET SESSION AUTHORIZATION treem_owner",
		"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
		"ALTER TABLE audit_log DISABLE TRIGGER ALL",
		"DROP TRIGGER audit_log_no_update_delete ON audit_log",
		"DELETE FROM audit_log",
		"UPDATE audit_log SET subject = 'someone else'",
		"TRUNCATE audit_log",
		"DELETE FROM analytics_audit",
		"ALTER TABLE child DISABLE ROW LEVEL SECURITY",
		"DROP POLICY child_area ON child",
		"CREATE TABLE escape (id int)",
		"CREATE ROLE escape LOGIN SUPERUSER",
		"DELETE FROM child",
	}
	for name, pool := range logins {
		r, err := postgres.Login(ctx, pool)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != name || r.Superuser || r.BypassRLS || r.OwnsTables {
			t.Errorf("login %+v, want %s without superuser, BYPASSRLS or tables", r, name)
		}
		for _, stmt := range refused {
			if code := attempt(t, pool, stmt); code != "42501" && code != "42710" {
				t.Errorf("%s: %s answered %q, want a refusal (42501)", name, stmt, code)
			}
		}
	}
	// The ETL reads no audit row; the API's login inserts and reads them
	// (auditors list them) and nothing more.
	if code := attempt(t, logins["treem_etl"], "SELECT count(*) FROM audit_log"); code != "42501" {
		t.Errorf("the ETL read the audit log: %q", code)
	}
	var n int
	if err := owner.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE subject = 'inquiry'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit rows after the attempts = %d (%v), want 1", n, err)
	}
}

// TestAPILoginSeesNothingOutsideItsScope: connected as treem_api, a query that
// forgets the area switch sees no child, under row-level security.
func TestAPILoginSeesNothingOutsideItsScope(t *testing.T) {
	owner, dbURL := testdb.URL(t)
	ctx := context.Background()
	seedChildren(t, owner)
	api := login(t, dbURL, testdb.APIURL, postgres.ProgramServe)
	for _, stmt := range []string{"SELECT count(*) FROM child", "SELECT count(*) FROM child_circumstance"} {
		var n int
		if err := api.QueryRow(ctx, stmt).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s as treem_api without a scope = %d (%v), want 0", stmt, n, err)
		}
	}
}

// TestETLLoginReadsUnderSnapshot: treem_etl reads every child, in every area,
// in a read-only REPEATABLE READ transaction, writes no operational row and
// may trim its change log.
func TestETLLoginReadsUnderSnapshot(t *testing.T) {
	owner, dbURL := testdb.URL(t)
	ctx := context.Background()
	want := seedChildren(t, owner)
	etl := login(t, dbURL, testdb.ETLURL, postgres.ProgramETL)
	err := pgx.BeginTxFunc(ctx, etl, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM child").Scan(&n); err != nil {
				return err
			}
			if n != want {
				t.Errorf("the ETL reads %d children, want all %d", n, want)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"UPDATE child SET full_name = 'x'", "INSERT INTO org_unit (code) VALUES ('1')"} {
		if code := attempt(t, etl, stmt); code != "42501" {
			t.Errorf("treem_etl: %s answered %q, want 42501", stmt, code)
		}
	}
	if code := attempt(t, etl, "DELETE FROM etl_change WHERE false"); code != "" {
		t.Errorf("treem_etl cannot trim its change log: %q", code)
	}
}

// seedChildren writes children in two communes as the owner and returns how
// many there are.
func seedChildren(t *testing.T, owner *pgxpool.Pool) int {
	t.Helper()
	ctx := context.Background()
	if _, err := owner.Exec(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id)
		SELECT 'Trẻ ' || g, 'F', DATE '2015-01-01' + g, (SELECT id FROM org_unit WHERE level = 'commune' ORDER BY id LIMIT 1 OFFSET g % 2)
		FROM generate_series(1, 6) g`); err != nil {
		t.Fatal(err)
	}
	return 6
}

// TestRowSecurityCoversPersonalTables: every table the API's role reads that
// holds a child's or a household's rows is under row-level security, and
// every table under row-level security lets the ETL read it, so a table added
// later cannot slip past either rule.
func TestRowSecurityCoversPersonalTables(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT c.relname AS name, c.relrowsecurity AS rls,
	    has_table_privilege('treem_app', c.oid, 'SELECT') AS api_reads,
	    has_table_privilege('treem_etl', c.oid, 'SELECT') AS etl_reads,
	    EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'etl_read') AS etl_policy,
	    EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
	            AND a.attname IN ('child_id', 'household_id', 'full_name', 'birth_date')) AS personal
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct {
		Name      string `db:"name"`
		RLS       bool   `db:"rls"`
		APIReads  bool   `db:"api_reads"`
		ETLReads  bool   `db:"etl_reads"`
		ETLPolicy bool   `db:"etl_policy"`
		Personal  bool   `db:"personal"`
	}
	tables, err := pgx.CollectRows(rows, pgx.RowToStructByName[table])
	if err != nil {
		t.Fatal(err)
	}
	// Tables under row-level security that the ETL never loads: it must not
	// read them either.
	notLoaded := map[string]bool{"bulletin": true} // drawn from the warehouse, not loaded into it
	var rls int
	for _, tb := range tables {
		if tb.Personal && tb.APIReads && !tb.RLS {
			t.Errorf("%s holds children's or households' rows, the API reads it, and no row-level security holds it", tb.Name)
		}
		if notLoaded[tb.Name] {
			if tb.ETLPolicy || tb.ETLReads {
				t.Errorf("the ETL may read %s, which it never loads (policy %v, grant %v)", tb.Name, tb.ETLPolicy, tb.ETLReads)
			}
			continue
		}
		if tb.RLS {
			rls++
			if !tb.ETLPolicy || !tb.ETLReads {
				t.Errorf("%s is under row-level security and the ETL cannot read it (policy %v, grant %v)",
					tb.Name, tb.ETLPolicy, tb.ETLReads)
			}
		}
		if strings.HasSuffix(tb.Name, "audit") || tb.Name == "audit_log" {
			if tb.ETLReads {
				t.Errorf("the ETL reads %s", tb.Name)
			}
		}
	}
	if rls < 20 {
		t.Fatalf("%d tables under row-level security, want the 24 of migration 00010", rls)
	}
}

// TestProgramsNameTheirConnections: pg_stat_activity tells which program
// holds each connection.
func TestProgramsNameTheirConnections(t *testing.T) {
	_, dbURL := testdb.URL(t)
	for _, p := range []string{postgres.ProgramServe, postgres.ProgramETL, postgres.ProgramMigrate, postgres.ProgramSeed} {
		pool := login(t, dbURL, testdb.OwnerURL, p)
		var name string
		if err := pool.QueryRow(context.Background(),
			"SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()").Scan(&name); err != nil || name != p {
			t.Errorf("application_name = %q (%v), want %q", name, err, p)
		}
	}
}

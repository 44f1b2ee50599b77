package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

func officerCtx(subject string) context.Context {
	ctx := domain.WithUser(context.Background(), &domain.User{Subject: subject, Role: domain.RoleDistrictOfficer, Area: "731"})
	return domain.WithRequest(ctx, domain.Request{ID: "req-" + subject, Operation: "ChildPage"})
}

func TestAuditLogAppendAndList(t *testing.T) {
	pool := testdb.Postgres(t)
	log := postgres.NewAuditLog(pool)
	ctx := officerCtx("lan")
	if err := log.Append(ctx,
		domain.NewAuditEntry(ctx, domain.AuditRead, "Child", []int64{1, 2, 3}, []string{"birthDate", "fullName"}),
		domain.NewAuditEntry(ctx, domain.AuditRead, "Household", []int64{9}, []string{"address"}),
	); err != nil {
		t.Fatalf("Append: %v", err)
	}
	other := officerCtx("minh")
	if err := log.RecordWrite(other, "Child", []int64{2}, []string{"address"}); err != nil {
		t.Fatalf("RecordWrite: %v", err)
	}

	all, more, err := log.List(ctx, domain.AuditFilter{}, domain.Page[int64]{First: 10})
	if err != nil || more || len(all) != 3 {
		t.Fatalf("List all = %d entries, more=%t, err=%v; want 3, false", len(all), more, err)
	}
	newest := all[0]
	if newest.Subject != "minh" || newest.Action != domain.AuditWrite || newest.Entity != "Child" ||
		!slices.Equal(newest.RecordIDs, []int64{2}) || !slices.Equal(newest.Fields, []string{"address"}) ||
		newest.Role != domain.RoleDistrictOfficer || newest.Area != "731" ||
		newest.Operation != "ChildPage" || newest.RequestID != "req-minh" || time.Since(newest.At) > time.Minute {
		t.Fatalf("newest entry = %+v", newest)
	}

	tests := []struct {
		name string
		f    domain.AuditFilter
		want []string // subject/entity of the expected entries, newest first
	}{
		{"by subject", domain.AuditFilter{Subject: "lan"}, []string{"lan/Household", "lan/Child"}},
		{"by record id", domain.AuditFilter{RecordID: 2}, []string{"minh/Child", "lan/Child"}},
		{"by record id and action", domain.AuditFilter{RecordID: 2, Action: domain.AuditRead}, []string{"lan/Child"}},
		{"by entity", domain.AuditFilter{Entity: "Household"}, []string{"lan/Household"}},
		{"from tomorrow", domain.AuditFilter{From: time.Now().Add(24 * time.Hour)}, nil},
		{"to yesterday", domain.AuditFilter{To: time.Now().Add(-24 * time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := log.List(ctx, tt.f, domain.Page[int64]{First: 10})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range got {
				names = append(names, e.Subject+"/"+e.Entity)
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("got %v, want %v", names, tt.want)
			}
		})
	}

	page1, more, err := log.List(ctx, domain.AuditFilter{}, domain.Page[int64]{First: 2})
	if err != nil || !more || len(page1) != 2 {
		t.Fatalf("page 1: %d entries, more=%t, err=%v", len(page1), more, err)
	}
	page2, more, err := log.List(ctx, domain.AuditFilter{}, domain.Page[int64]{First: 2, After: &page1[1].ID})
	if err != nil || more || len(page2) != 1 || page2[0].ID != all[2].ID {
		t.Fatalf("page 2: %+v, more=%t, err=%v", page2, more, err)
	}
	// Backward from page 2's first row: page 1 again, newest first, and nothing newer.
	back, more, err := log.List(ctx, domain.AuditFilter{}, domain.Page[int64]{First: 2, Backward: true, Before: &page2[0].ID})
	if err != nil || more || len(back) != 2 || back[0].ID != page1[0].ID || back[1].ID != page1[1].ID {
		t.Fatalf("back from page 2: %+v, more=%t, err=%v", back, more, err)
	}
	if n, err := log.Count(ctx, domain.AuditFilter{}); err != nil || n != len(all) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(all))
	}
	if _, _, err := log.List(ctx, domain.AuditFilter{}, domain.Page[int64]{First: 0}); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("List(first=0) error = %v, want INVALID_INPUT", err)
	}
}

func TestAuditLogRefusesAnonymousEntry(t *testing.T) {
	pool := testdb.Postgres(t)
	err := postgres.NewAuditLog(pool).RecordWrite(context.Background(), "Child", []int64{1}, []string{"fullName"})
	if domain.ErrorCode(err) != domain.CodeInternal {
		t.Fatalf("RecordWrite without a user: %v, want INTERNAL", err)
	}
}

// TestAuditLogIsAppendOnly checks both walls: the trigger refuses changes even
// for the table's owner, and the application role lacks the privileges anyway.
func TestAuditLogIsAppendOnly(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := officerCtx("lan")
	if err := postgres.NewAuditLog(pool).RecordWrite(ctx, "Child", []int64{7}, []string{"fullName"}); err != nil {
		t.Fatal(err)
	}
	assertAppendOnly(t, pool, "audit_log", "lan")
}

// assertAppendOnly tries to update, delete and truncate table as its owner
// and as the application role: each is refused and the one row of subject
// is still there.
func assertAppendOnly(t *testing.T, pool *pgxpool.Pool, table, subject string) {
	t.Helper()
	ctx := context.Background()
	statements := []string{
		"UPDATE " + table + " SET subject = 'someone else'",
		"DELETE FROM " + table,
		"TRUNCATE " + table,
	}
	for _, role := range []string{"", "treem_app"} {
		for _, stmt := range statements {
			t.Run(role+" "+stmt, func(t *testing.T) {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if role != "" {
						if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+role); err != nil {
							t.Fatal(err)
						}
					}
					_, err := tx.Exec(ctx, stmt)
					return err
				})
				if domain.ErrorCode(postgres.MapError(err)) != domain.CodeForbidden {
					t.Fatalf("%s as %q: err = %v, want a refusal (42501)", stmt, role, err)
				}
			})
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE subject = $1", subject).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%s rows after the attempts = %d (%v), want 1", table, n, err)
	}
}

// TestRecordWriteTxCommitsWithTheChange: the audit row of a write lives and dies
// with the transaction that made the write, as the application role.
func TestRecordWriteTxCommitsWithTheChange(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := officerCtx("lan")
	write := func(commit bool, id int64) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE treem_app"); err != nil {
			t.Fatal(err)
		}
		if err := postgres.RecordWriteTx(ctx, tx, "Child", []int64{id}, []string{"address"}); err != nil {
			t.Fatalf("RecordWriteTx as treem_app: %v", err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(false, 1)
	write(true, 2)
	got, _, err := postgres.NewAuditLog(pool).List(ctx, domain.AuditFilter{}, domain.Page[int64]{First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !slices.Equal(got[0].RecordIDs, []int64{2}) {
		t.Fatalf("entries = %+v, want only the committed write of record 2", got)
	}
}

// TestAuditLogWritesAsAppRole: the store itself works as treem_app, so taking
// the role's INSERT privilege away stops it (the owner could still insert).
func TestAuditLogWritesAsAppRole(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := officerCtx("lan")
	if _, err := pool.Exec(ctx, "REVOKE INSERT ON audit_log FROM treem_app"); err != nil {
		t.Fatal(err)
	}
	err := postgres.NewAuditLog(pool).RecordWrite(ctx, "Child", []int64{1}, []string{"fullName"})
	if domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("RecordWrite without the app role's INSERT: %v, want FORBIDDEN", err)
	}
}

// BenchmarkAuditLogList answers the inquiry questions over a log of 50,000
// page reads (100 children each, 5,000,000 record ids): who read child X, what
// did officer Y read, the newest entries.
func BenchmarkAuditLogList(b *testing.B) {
	pool := testdb.Postgres(b)
	ctx := officerCtx("lan")
	if _, err := pool.Exec(ctx, `
		INSERT INTO audit_log (subject, role, area, action, operation, entity, record_ids, fields, request_id)
		SELECT 'officer-' || (g % 500), 'commune_officer', '26041', 'read', 'Page', 'Child',
		       ARRAY(SELECT ((g * 100 + k) % 1000000) + 1 FROM generate_series(0, 99) k)::bigint[],
		       ARRAY['birthDate', 'fullName'], md5(g::text)
		FROM generate_series(1, 50000) g`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE audit_log"); err != nil {
		b.Fatal(err)
	}
	log := postgres.NewAuditLog(pool)
	for _, bc := range []struct {
		name string
		f    domain.AuditFilter
	}{
		{"by record", domain.AuditFilter{RecordID: 424242}},
		{"by subject", domain.AuditFilter{Subject: "officer-7"}},
		{"newest", domain.AuditFilter{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := log.List(ctx, bc.f, domain.Page[int64]{First: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

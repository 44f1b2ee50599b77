package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// asked is an analytics request by an analyst named subject.
func asked(subject, operation string, params map[string]any, populations ...string) domain.AnalyticsRequest {
	return domain.AnalyticsRequest{Subject: subject, Role: domain.RoleAnalyst, Area: "75", Operation: operation,
		Params: params, Populations: populations, RequestID: "req-" + subject}
}

func record(t *testing.T, a *postgres.AnalyticsAudit, rs ...domain.AnalyticsRequest) {
	t.Helper()
	for _, r := range rs {
		if err := a.RecordAnalytics(context.Background(), r); err != nil {
			t.Fatalf("RecordAnalytics(%s): %v", r.Operation, err)
		}
	}
}

func TestAnalyticsAuditRecordAndList(t *testing.T) {
	pool := testdb.Postgres(t)
	a := postgres.NewAnalyticsAudit(pool)
	ctx := context.Background()
	record(t, a,
		asked("lan", "aggregate", map[string]any{"measures": []string{"ABUSED"}, "period": "2021"}, "p1", "p2"),
		asked("lan", "compareDistricts", map[string]any{"indicator": "abuse_rate", "period": "2021"}, "p2"),
		asked("minh", "indicatorValues", nil),
	)

	all, more, err := a.List(ctx, domain.AnalyticsAuditFilter{}, domain.Page[int64]{First: 10})
	if err != nil || more || len(all) != 3 {
		t.Fatalf("List all = %d rows, more=%t, err=%v; want 3, false", len(all), more, err)
	}
	oldest := all[2]
	if oldest.Subject != "lan" || oldest.Role != domain.RoleAnalyst || oldest.Area != "75" || oldest.Operation != "aggregate" ||
		oldest.RequestID != "req-lan" || !slices.Equal(oldest.Populations, []string{"p1", "p2"}) ||
		oldest.Params["period"] != "2021" || !slices.Equal(oldest.Params["measures"].([]any), []any{"ABUSED"}) ||
		time.Since(oldest.At) > time.Minute {
		t.Fatalf("oldest row = %+v", oldest)
	}
	if newest := all[0]; len(newest.Params) != 0 || len(newest.Populations) != 0 {
		t.Fatalf("a request without params or populations = %+v, want empty ones", newest)
	}

	tests := []struct {
		name string
		f    domain.AnalyticsAuditFilter
		want []string // subject/operation, newest first
	}{
		{"by subject", domain.AnalyticsAuditFilter{Subject: "lan"}, []string{"lan/compareDistricts", "lan/aggregate"}},
		{"by operation", domain.AnalyticsAuditFilter{Operation: "indicatorValues"}, []string{"minh/indicatorValues"}},
		{"by population", domain.AnalyticsAuditFilter{Population: "p2"}, []string{"lan/compareDistricts", "lan/aggregate"}},
		{"by population and operation", domain.AnalyticsAuditFilter{Population: "p2", Operation: "aggregate"}, []string{"lan/aggregate"}},
		{"unknown population", domain.AnalyticsAuditFilter{Population: "p9"}, nil},
		{"from tomorrow", domain.AnalyticsAuditFilter{From: time.Now().Add(24 * time.Hour)}, nil},
		{"to yesterday", domain.AnalyticsAuditFilter{To: time.Now().Add(-24 * time.Hour)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := a.List(ctx, tt.f, domain.Page[int64]{First: 10})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range got {
				names = append(names, r.Subject+"/"+r.Operation)
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("got %v, want %v", names, tt.want)
			}
		})
	}

	page1, more, err := a.List(ctx, domain.AnalyticsAuditFilter{}, domain.Page[int64]{First: 2})
	if err != nil || !more || len(page1) != 2 {
		t.Fatalf("page 1: %d rows, more=%t, err=%v", len(page1), more, err)
	}
	page2, more, err := a.List(ctx, domain.AnalyticsAuditFilter{}, domain.Page[int64]{First: 2, After: &page1[1].ID})
	if err != nil || more || len(page2) != 1 || page2[0].ID != all[2].ID {
		t.Fatalf("page 2: %+v, more=%t, err=%v", page2, more, err)
	}
	// Backward from page 2's first row: page 1 again, newest first, and nothing newer.
	back, more, err := a.List(ctx, domain.AnalyticsAuditFilter{}, domain.Page[int64]{First: 2, Backward: true, Before: &page2[0].ID})
	if err != nil || more || len(back) != 2 || back[0].ID != page1[0].ID || back[1].ID != page1[1].ID {
		t.Fatalf("back from page 2: %+v, more=%t, err=%v", back, more, err)
	}
	if n, err := a.Count(ctx, domain.AnalyticsAuditFilter{}); err != nil || n != len(all) {
		t.Fatalf("Count = %d, %v; want %d", n, err, len(all))
	}
	if _, _, err := a.List(ctx, domain.AnalyticsAuditFilter{}, domain.Page[int64]{First: postgres.MaxAuditPage + 1}); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("List(first too large) error = %v, want INVALID_INPUT", err)
	}
	if err := a.RecordAnalytics(ctx, asked("", "aggregate", nil)); domain.ErrorCode(err) != domain.CodeInternal {
		t.Fatalf("RecordAnalytics without a subject: %v, want INTERNAL", err)
	}
}

// TestRepeatedPopulations: one population asked in three phrasings by two
// analysts; arguments equal up to key order are one phrasing.
func TestRepeatedPopulations(t *testing.T) {
	pool := testdb.Postgres(t)
	a := postgres.NewAnalyticsAudit(pool)
	ctx := context.Background()
	record(t, a,
		asked("lan", "aggregate", map[string]any{"dimensions": []string{"DISTRICT"}, "period": "2021"}, "abused-732", "children-732"),
		asked("lan", "aggregate", map[string]any{"period": "2021", "dimensions": []string{"DISTRICT"}}, "abused-732", "children-732"),
		asked("minh", "aggregate", map[string]any{"dimensions": []string{"DISTRICT", "SEX"}, "period": "2021"}, "abused-732", "abused-732"),
		asked("minh", "indicatorValues", map[string]any{"ids": []string{"abuse_rate"}, "orgUnits": []string{"732"}}, "abused-732"),
		asked("lan", "compareDistricts", map[string]any{"indicator": "checkup", "period": "2021"}, "checkup-731"),
	)

	got, err := a.RepeatedPopulations(ctx, domain.RepeatedFilter{MinPhrasings: 2}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("populations = %+v, want abused-732 only", got)
	}
	p := got[0]
	if p.Population != "abused-732" || p.Requests != 4 || p.Phrasings != 3 || !slices.Equal(p.Subjects, []string{"lan", "minh"}) ||
		p.First.After(p.Last) || time.Since(p.First) > time.Minute {
		t.Fatalf("abused-732 = %+v, want 4 requests in 3 phrasings by lan and minh", p)
	}

	all, err := a.RepeatedPopulations(ctx, domain.RepeatedFilter{MinPhrasings: 1}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Population)
	}
	// Most phrasings first, then most requests, then by fingerprint.
	if want := []string{"abused-732", "children-732", "checkup-731"}; !slices.Equal(names, want) {
		t.Fatalf("minPhrasings 1: %v, want %v", names, want)
	}
	if top, err := a.RepeatedPopulations(ctx, domain.RepeatedFilter{MinPhrasings: 1}, 1); err != nil || len(top) != 1 {
		t.Fatalf("first 1: %+v, %v", top, err)
	}
	for _, f := range []domain.RepeatedFilter{
		{MinPhrasings: 4},
		{MinPhrasings: 1, From: time.Now().Add(24 * time.Hour)},
		{MinPhrasings: 1, To: time.Now().Add(-24 * time.Hour)},
	} {
		if got, err := a.RepeatedPopulations(ctx, f, 100); err != nil || len(got) != 0 {
			t.Fatalf("%+v: %+v, %v; want none", f, got, err)
		}
	}
	if _, err := a.RepeatedPopulations(ctx, domain.RepeatedFilter{}, 100); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("minPhrasings 0: %v, want INVALID_INPUT", err)
	}
}

// TestAnalyticsAuditIsAppendOnly checks both walls, as for audit_log: the
// trigger refuses changes even for the owner, and the application role lacks
// the privileges anyway.
func TestAnalyticsAuditIsAppendOnly(t *testing.T) {
	pool := testdb.Postgres(t)
	record(t, postgres.NewAnalyticsAudit(pool), asked("lan", "aggregate", map[string]any{"period": "2021"}, "p1"))
	assertAppendOnly(t, pool, "analytics_audit", "lan")
}

// TestAnalyticsAuditWorksAsAppRole: the store writes and reads as treem_app,
// so taking the role's privileges away stops it (the owner could go on).
func TestAnalyticsAuditWorksAsAppRole(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	a := postgres.NewAnalyticsAudit(pool)
	if _, err := pool.Exec(ctx, "REVOKE SELECT, INSERT ON analytics_audit FROM treem_app"); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordAnalytics(ctx, asked("lan", "aggregate", nil)); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("RecordAnalytics without the app role's INSERT: %v, want FORBIDDEN", err)
	}
	if _, _, err := a.List(ctx, domain.AnalyticsAuditFilter{}, domain.Page[int64]{First: 10}); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("List without the app role's SELECT: %v, want FORBIDDEN", err)
	}
	if _, err := a.RepeatedPopulations(ctx, domain.RepeatedFilter{MinPhrasings: 1}, 10); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("RepeatedPopulations without the app role's SELECT: %v, want FORBIDDEN", err)
	}
}

// BenchmarkAnalyticsAudit reviews a record of 200,000 requests of 50
// fingerprints each (10,000,000 released cells; every population asked 40
// times in 7 phrasings): who asked for one population, what one analyst
// asked, and the populations asked in several phrasings.
func BenchmarkAnalyticsAudit(b *testing.B) {
	pool := testdb.Postgres(b)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `
		INSERT INTO analytics_audit (subject, role, area, operation, params, populations, request_id)
		SELECT 'analyst-' || (g % 200), 'analyst', '75', 'aggregate', jsonb_build_object('period', '2021', 'variant', g % 7),
		       ARRAY(SELECT md5(((g % 5000) * 50 + k)::text) FROM generate_series(0, 49) k), md5(g::text)
		FROM generate_series(1, 200000) g`); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE analytics_audit"); err != nil {
		b.Fatal(err)
	}
	a := postgres.NewAnalyticsAudit(pool)
	for _, bc := range []struct {
		name string
		f    domain.AnalyticsAuditFilter
	}{
		{"by population", domain.AnalyticsAuditFilter{Population: "a1d0c6e83f027327d8461063f4ac58a6"}}, // md5('42')
		{"by subject", domain.AnalyticsAuditFilter{Subject: "analyst-7"}},
		{"newest", domain.AnalyticsAuditFilter{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := a.List(ctx, bc.f, domain.Page[int64]{First: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("repeated populations", func(b *testing.B) {
		for b.Loop() {
			got, err := a.RepeatedPopulations(ctx, domain.RepeatedFilter{MinPhrasings: 2}, 100)
			if err != nil || len(got) != 100 || got[0].Phrasings != 7 {
				b.Fatalf("%d populations, err %v", len(got), err)
			}
		}
	})
}

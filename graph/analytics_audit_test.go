package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
)

const (
	analyticsAuditQ = `query($first: Int, $after: String, $f: AnalyticsAuditFilter) {
	  analyticsAudit(first: $first, after: $after, filter: $f) {
	    edges { cursor node { id at subject role area operation params populations requestId } }
	    pageInfo { hasNextPage endCursor } } }`
	repeatedQ = `query($min: Int, $from: Date, $to: Date) { repeatedPopulations(minPhrasings: $min, from: $from, to: $to) {
	  population requests phrasings subjects firstAt lastAt } }`
)

// TestRepeatedPopulationsEndToEnd: two analysts ask for one population in two
// phrasings (rows written through the store, as the analytics service would);
// a province officer sees it grouped, with both subjects.
func TestRepeatedPopulationsEndToEnd(t *testing.T) {
	s := analyticsServer(t, true)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	store := postgres.NewAnalyticsAudit(s.pool)
	for _, r := range []domain.AnalyticsRequest{
		{Subject: "lan", Role: domain.RoleAnalyst, Area: "75", Operation: "aggregate",
			Params: map[string]any{"measures": []string{"ABUSED"}, "dimensions": []string{"DISTRICT"}}, Populations: []string{"abused-732", "abused-731"}},
		{Subject: "minh", Role: domain.RoleLeader, Area: "75", Operation: "indicatorValues",
			Params: map[string]any{"ids": []string{"abuse_rate"}, "orgUnits": []string{"732"}}, Populations: []string{"abused-732"}},
		{Subject: "minh", Role: domain.RoleLeader, Area: "75", Operation: "indicatorValues",
			Params: map[string]any{"orgUnits": []string{"732"}, "ids": []string{"abuse_rate"}}, Populations: []string{"abused-732"}},
	} {
		if err := store.RecordAnalytics(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	r := s.query(t, officer, repeatedQ, map[string]any{"from": today, "to": tomorrow})
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	var got []struct {
		Population      string
		Requests        int
		Phrasings       int
		Subjects        []string
		FirstAt, LastAt string
	}
	if err := json.Unmarshal(r.Data["repeatedPopulations"], &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Population != "abused-732" || got[0].Requests != 3 || got[0].Phrasings != 2 ||
		!slices.Equal(got[0].Subjects, []string{"lan", "minh"}) || got[0].FirstAt > got[0].LastAt || got[0].FirstAt < today {
		t.Fatalf("repeatedPopulations = %+v, want abused-732 asked 3 times in 2 phrasings by lan and minh", got)
	}
	r = s.query(t, officer, repeatedQ, map[string]any{"min": 3})
	if len(r.Errors) > 0 || string(r.Data["repeatedPopulations"]) != "[]" {
		t.Fatalf("minPhrasings 3: %s", r.raw)
	}
}

// TestAnalyticsAuditIsForProvinceOfficers: both queries refuse every other role.
func TestAnalyticsAuditIsForProvinceOfficers(t *testing.T) {
	s := analyticsServer(t, true)
	for _, tt := range []struct {
		name, tok, code string
	}{
		{"district officer", token(t, domain.RoleDistrictOfficer, "731"), "FORBIDDEN"},
		{"commune officer", token(t, domain.RoleCommuneOfficer, "26002"), "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "75"), "FORBIDDEN"},
		{"leader", token(t, domain.RoleLeader, "75"), "FORBIDDEN"},
		{"anonymous", "", "UNAUTHENTICATED"},
	} {
		for _, q := range []struct{ field, query string }{{"analyticsAudit", analyticsAuditQ}, {"repeatedPopulations", repeatedQ}} {
			t.Run(tt.name+" "+q.field, func(t *testing.T) {
				r := s.query(t, tt.tok, q.query, nil)
				if r.code() != tt.code {
					t.Fatalf("code = %q, want %q: %s", r.code(), tt.code, r.raw)
				}
				if d := string(r.Data[q.field]); d != "" && d != "null" {
					t.Fatalf("%s served to %s: %s", q.field, tt.name, d)
				}
			})
		}
	}
}

// TestAnalyticsAuditRefusesBadInput: cursors, page sizes, windows and
// thresholds are checked before any query.
func TestAnalyticsAuditRefusesBadInput(t *testing.T) {
	s := analyticsServer(t, true)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	for _, bad := range []struct {
		name  string
		query string
		vars  map[string]any
		field string
	}{
		{"an audit log cursor", analyticsAuditQ, map[string]any{"after": "YXVkaXQ6MQ"}, "after"},
		{"first above the page limit", analyticsAuditQ, map[string]any{"first": postgres.MaxAuditPage + 1}, "first"},
		{"an empty window", analyticsAuditQ, map[string]any{"f": map[string]any{"from": "2026-01-02", "to": "2026-01-01"}}, "filter.to"},
		{"no phrasing at all", repeatedQ, map[string]any{"min": 0}, "minPhrasings"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			r := s.query(t, officer, bad.query, bad.vars)
			if r.code() != "INVALID_INPUT" || r.Errors[0].Extensions["field"] != bad.field {
				t.Fatalf("want INVALID_INPUT on %s: %s", bad.field, r.raw)
			}
		})
	}
}

package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

const (
	auditAggregateQ = `{ aggregate(measures: [CHILDREN], dimensions: [DISTRICT], filter: {period: "2021"}) { rows { keys { value } } } }`
	auditValuesQ    = `{ indicatorValues(ids: ["birth_registration_u5"], orgUnits: ["734"], periods: ["2021"]) { values { value } } }`
)

type auditedRequest struct {
	Subject, Role, Area, Operation, Params, RequestID string
	Populations                                       []string
}

type auditEdge struct {
	Cursor string
	Node   auditedRequest
}

type auditPage struct {
	Edges    []auditEdge
	PageInfo struct {
		HasNextPage bool
		EndCursor   string
	}
}

func (s *testServer) analyticsAudit(t *testing.T, tok string, vars map[string]any) auditPage {
	t.Helper()
	r := s.query(t, tok, analyticsAuditQ, vars)
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	var p auditPage
	if err := json.Unmarshal(r.Data["analyticsAudit"], &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAnalyticsAuditEndToEnd: an analyst's analytics requests are recorded one
// row each, with the operation, the arguments and the released populations; a
// province officer's are not; a province officer lists and pages the record.
func TestAnalyticsAuditEndToEnd(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")

	for _, q := range []struct {
		query string
		vars  map[string]any
	}{
		{compareQ, map[string]any{"i": "birth_registration_u5", "p": "2021"}},
		{auditAggregateQ, nil},
		{auditValuesQ, nil},
	} {
		for _, tok := range []string{analyst, officer} {
			if r := s.query(t, tok, q.query, q.vars); len(r.Errors) > 0 {
				t.Fatal(r.raw)
			}
		}
	}

	p := s.analyticsAudit(t, officer, map[string]any{"first": 10})
	if len(p.Edges) != 3 || p.PageInfo.HasNextPage {
		t.Fatalf("want the analyst's 3 requests and none of the officer's, got %+v", p)
	}
	wantOps := []string{"indicatorValues", "aggregate", "compareDistricts"} // newest first
	wantParams := []string{`"ids":["birth_registration_u5"]`, `"measures":["CHILDREN"]`, `"indicator":"birth_registration_u5"`}
	for i, e := range p.Edges {
		n := e.Node
		if n.Subject != "t-analyst" || n.Role != "ANALYST" || n.Area != "75" || n.Operation != wantOps[i] || n.RequestID == "" {
			t.Fatalf("row %d = %+v, want the analyst's %s", i, n, wantOps[i])
		}
		if !strings.Contains(n.Params, wantParams[i]) {
			t.Fatalf("%s params = %s, want %s in them", n.Operation, n.Params, wantParams[i])
		}
		if len(n.Populations) == 0 {
			t.Fatalf("%s recorded no population fingerprint", n.Operation)
		}
	}

	// Birth registration of district 734 in 2021 is asked for twice: among all
	// districts, and alone; the province officer sees it in two phrasings.
	var shared []string
	for _, pop := range p.Edges[0].Node.Populations {
		if slices.Contains(p.Edges[2].Node.Populations, pop) {
			shared = append(shared, pop)
		}
	}
	if len(shared) == 0 {
		t.Fatalf("indicatorValues %v and compareDistricts %v share no population", p.Edges[0].Node.Populations, p.Edges[2].Node.Populations)
	}
	r := s.query(t, officer, repeatedQ, nil)
	for _, pop := range shared {
		want := `{"population":"` + pop + `","requests":2,"phrasings":2,"subjects":["t-analyst"]`
		if !strings.Contains(r.raw, want) {
			t.Fatalf("repeatedPopulations lacks %s: %s", want, r.raw)
		}
	}

	only := s.analyticsAudit(t, officer, map[string]any{"f": map[string]any{"operation": "aggregate", "subject": "t-analyst"}})
	if len(only.Edges) != 1 || only.Edges[0].Node.Operation != "aggregate" {
		t.Fatalf("filtered by operation: %+v", only)
	}
	pop := p.Edges[2].Node.Populations[0]
	byPop := s.analyticsAudit(t, officer, map[string]any{"f": map[string]any{"population": pop}})
	if !slices.ContainsFunc(byPop.Edges, func(e auditEdge) bool { return e.Node.Operation == "compareDistricts" }) {
		t.Fatalf("filtered by population %s: %+v", pop, byPop)
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if later := s.analyticsAudit(t, officer, map[string]any{"f": map[string]any{"from": tomorrow}}); len(later.Edges) != 0 {
		t.Fatalf("from tomorrow: %+v", later)
	}

	page1 := s.analyticsAudit(t, officer, map[string]any{"first": 2})
	if len(page1.Edges) != 2 || !page1.PageInfo.HasNextPage {
		t.Fatalf("page 1: %+v", page1)
	}
	page2 := s.analyticsAudit(t, officer, map[string]any{"first": 2, "after": page1.PageInfo.EndCursor})
	if len(page2.Edges) != 1 || page2.PageInfo.HasNextPage || page2.Edges[0].Node.Operation != "compareDistricts" {
		t.Fatalf("page 2: %+v", page2)
	}
}

// TestAnalyticsAnswerWithheldUnaudited: when the request cannot be recorded,
// an analyst gets no answer; a province officer, who is not audited, does.
func TestAnalyticsAnswerWithheldUnaudited(t *testing.T) {
	s := analyticsServer(t, true)
	if _, err := s.pool.Exec(context.Background(), "REVOKE INSERT ON analytics_audit FROM treem_app"); err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{"i": "birth_registration_u5", "p": "2021"}
	r := s.query(t, token(t, domain.RoleAnalyst, "75"), compareQ, vars)
	if r.code() != "UNAVAILABLE" || strings.Contains(r.raw, `"districts"`) {
		t.Fatalf("unaudited analyst answer: %s", r.raw)
	}
	if r := s.query(t, token(t, domain.RoleProvinceOfficer, "75"), compareQ, vars); len(r.Errors) > 0 {
		t.Fatalf("province officer: %s", r.raw)
	}
}

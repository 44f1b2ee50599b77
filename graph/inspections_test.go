package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"treem/internal/analytics/analyticstest"
	"treem/internal/domain"
	"treem/internal/testdb"
)

const (
	planInspection = `mutation($in: PlanInspectionInput!) { planInspection(input: $in) {
	  inspections { id topic plannedFrom unit { code } inspectingUnit { code } } errors { field code message } } }`
	recordFinding = `mutation($in: InspectionFindingInput!) { recordInspectionFinding(input: $in) {
	  finding { id foundOn summary inspection { id } recommendations { id text dueOn status finding { id } } } errors { field code message } } }`
	resolveRecommendation = `mutation($in: ResolveRecommendationInput!) { resolveInspectionRecommendation(input: $in) {
	  recommendation { id resolvedOn status } errors { field code message } } }`
)

// plan is the input of a plan of the 2026 inspections (communes) by the province.
func plan(units ...string) map[string]any {
	return map[string]any{"in": map[string]any{"topic": "BIRTH_REGISTRATION", "inspectingUnit": "99", "units": units,
		"plannedFrom": "2026-03-01", "plannedTo": "2026-03-31"}}
}

// decodePayload decodes the payload of mutation name.
func decodePayload(t *testing.T, r response, name string, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.raw)
	}
	if err := json.Unmarshal(r.Data[name], v); err != nil {
		t.Fatalf("decode %s: %v", r.raw, err)
	}
}

type userErrors []struct {
	Field []string
	Code  string
}

// fields lists the problems' paths, joined by dots.
func (e userErrors) fields() []string {
	out := make([]string, len(e))
	for i, x := range e {
		out[i] = strings.Join(x.Field, ".")
	}
	return out
}

// planned plans the inspection of units as tok and returns their ids.
func planned(t *testing.T, s *testServer, tok string, vars map[string]any) []string {
	t.Helper()
	var p struct {
		Inspections []struct{ ID string }
		Errors      userErrors
	}
	decodePayload(t, s.query(t, tok, planInspection, vars), "planInspection", &p)
	if len(p.Errors) > 0 {
		t.Fatalf("plan: %+v", p.Errors)
	}
	ids := make([]string, len(p.Inspections))
	for i, x := range p.Inspections {
		ids[i] = x.ID
	}
	return ids
}

// found records a finding of inspection with two recommendations and returns
// the ids of the finding and of the recommendations.
func found(t *testing.T, s *testServer, tok, inspection string) (string, []string) {
	t.Helper()
	var p struct {
		Finding struct {
			ID              string
			Recommendations []struct{ ID, Status string }
		}
		Errors userErrors
	}
	decodePayload(t, s.query(t, tok, recordFinding, map[string]any{"in": map[string]any{"inspectionId": inspection, "foundOn": "2026-03-10",
		"summary": "Còn 12 trẻ chưa đăng ký khai sinh", "recommendations": []map[string]any{
			{"text": "Đăng ký khai sinh cho 12 trẻ", "dueOn": "2026-06-30"},
			{"text": "Rà soát sổ hộ tịch", "dueOn": "2027-01-31"}}}}), "recordInspectionFinding", &p)
	if len(p.Errors) > 0 || len(p.Finding.Recommendations) != 2 {
		t.Fatalf("finding: %+v", p)
	}
	// Today is after the first due date and before the second.
	if p.Finding.Recommendations[0].Status != "OVERDUE" || p.Finding.Recommendations[1].Status != "OPEN" {
		t.Fatalf("statuses: %+v", p.Finding.Recommendations)
	}
	return p.Finding.ID, []string{p.Finding.Recommendations[0].ID, p.Finding.Recommendations[1].ID}
}

// TestInspectionWritesByRole: each officer plans, records findings and
// resolves recommendations for the units of their area only; leaders and
// analysts write nothing; a district is a target before July 2025, a
// commune after.
func TestInspectionWritesByRole(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	district := token(t, domain.RoleDistrictOfficer, "991")
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	other := token(t, domain.RoleCommuneOfficer, "99201")
	district2024 := map[string]any{"in": map[string]any{"topic": "ABUSE_PREVENTION_LAW", "inspectingUnit": "99", "units": []string{"991"},
		"plannedFrom": "2024-09-01", "plannedTo": "2024-09-30"}}
	for _, tt := range []struct {
		name, token string
		vars        map[string]any
		code        string
	}{
		{"province officer, communes of two districts", province, plan("99101", "99201"), ""},
		{"district officer, its communes", district, plan("99101", "99102"), ""},
		{"district officer, its district in 2024", district, district2024, ""},
		{"commune officer, its commune", commune, plan("99101"), ""},
		{"district officer, a commune of another district", district, plan("99102", "99201"), "FORBIDDEN"},
		{"commune officer, another commune", commune, plan("99102"), "FORBIDDEN"},
		{"commune officer, its district", commune, district2024, "FORBIDDEN"},
		{"leader", token(t, domain.RoleLeader, "99"), plan("99101"), "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), plan("99101"), "FORBIDDEN"},
	} {
		t.Run("plan: "+tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, planInspection, tt.vars)
			if r.code() != tt.code || (tt.code == "" && !strings.Contains(r.raw, `"errors":[]`)) {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
			if tt.code != "" && !strings.Contains(r.raw, `"planInspection":null`) && !strings.Contains(r.raw, `"data":null`) {
				t.Fatalf("a refusal answered data: %s", r.raw)
			}
		})
	}
	ids := planned(t, s, province, plan("99101", "99201"))
	in1, in3 := ids[0], ids[1]
	r := s.query(t, province, `query($a: ID!, $b: ID!) { a: node(id: $a) { ... on Inspection { unit { code } } }
	  b: node(id: $b) { ... on Inspection { unit { code } } } }`, map[string]any{"a": in1, "b": in3})
	if !strings.Contains(r.raw, `"a":{"unit":{"code":"99101"}},"b":{"unit":{"code":"99201"}}`) {
		t.Fatalf("one inspection per target, in the order given: %s", r.raw)
	}

	finding := func(inspection string) map[string]any {
		return map[string]any{"in": map[string]any{"inspectionId": inspection, "foundOn": "2026-03-10", "summary": "Tốt",
			"recommendations": []map[string]any{}}}
	}
	for _, tt := range []struct {
		name, token, inspection, code string
	}{
		{"commune officer, its commune's", commune, in1, ""},
		{"district officer, its commune's", district, in1, ""},
		{"province officer", province, in3, ""},
		{"commune officer, another commune's", other, in1, "NOT_FOUND"},
		{"district officer, another district's", district, in3, "NOT_FOUND"},
		{"leader", token(t, domain.RoleLeader, "99"), in1, "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), in1, "FORBIDDEN"},
	} {
		t.Run("finding: "+tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, recordFinding, finding(tt.inspection))
			if r.code() != tt.code || (tt.code == "" && !strings.Contains(r.raw, `"errors":[]`)) {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
		})
	}

	_, recs := found(t, s, commune, in1)
	_, recs3 := found(t, s, other, in3)
	resolve := func(id string) map[string]any {
		return map[string]any{"in": map[string]any{"recommendationId": id, "resolvedOn": "2026-06-15"}}
	}
	for _, tt := range []struct {
		name, token, rec, code string
	}{
		{"commune officer, another commune's", other, recs[0], "NOT_FOUND"},
		{"district officer, another district's", district, recs3[0], "NOT_FOUND"},
		{"leader", token(t, domain.RoleLeader, "99"), recs[0], "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "99"), recs[0], "FORBIDDEN"},
		{"commune officer, its commune's", commune, recs[0], ""},
		{"district officer, its commune's", district, recs[1], ""},
		{"province officer", province, recs3[0], ""},
	} {
		t.Run("resolve: "+tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, resolveRecommendation, resolve(tt.rec))
			if r.code() != tt.code {
				t.Fatalf("want %q, got %s", tt.code, r.raw)
			}
			if tt.code == "" && !strings.Contains(r.raw, `"resolvedOn":"2026-06-15","status":"RESOLVED"`) {
				t.Fatalf("resolution: %s", r.raw)
			}
		})
	}
	// Every write is audited, under its type, with the ids written; refusals write nothing.
	var plans, inspections, findings, recWrites int
	if err := s.pool.QueryRow(context.Background(), `SELECT
	    count(*) FILTER (WHERE entity = 'Inspection'),
	    coalesce(sum(cardinality(record_ids)) FILTER (WHERE entity = 'Inspection'), 0),
	    count(*) FILTER (WHERE entity = 'InspectionFinding'),
	    count(*) FILTER (WHERE entity = 'InspectionRecommendation')
	  FROM audit_log WHERE action = 'write'`).Scan(&plans, &inspections, &findings, &recWrites); err != nil {
		t.Fatal(err)
	}
	// 5 plans (2 + 2 + 1 + 1 targets, and the one above of 2); 5 findings;
	// 2 writes of two recommendations each, and 3 resolutions.
	if plans != 5 || inspections != 8 || findings != 5 || recWrites != 5 {
		t.Fatalf("audit: %d plans of %d inspections, %d findings, %d recommendation writes", plans, inspections, findings, recWrites)
	}
	var rows int
	if err := s.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM inspection) + (SELECT count(*) FROM inspection_finding)
	  + (SELECT count(*) FROM inspection_recommendation WHERE resolved_on IS NOT NULL)`).Scan(&rows); err != nil || rows != 8+5+3 {
		t.Fatalf("rows written: %d, %v", rows, err)
	}
}

// TestInspectionProblemsAnsweredAtOnce: every problem of an input comes back
// in one answer, each on its field, with the stable code INVALID_INPUT, and
// nothing is written.
func TestInspectionProblemsAnsweredAtOnce(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	long := strings.Repeat("x", 2001)
	ids := planned(t, s, province, plan("99101"))
	_, recs := found(t, s, province, ids[0])
	for _, tt := range []struct {
		name, mutation, payload string
		vars                    map[string]any
		want                    []string
	}{
		{"plan: unknown inspecting unit, repeated target, wrong level, dates", planInspection, "planInspection",
			map[string]any{"in": map[string]any{"topic": "OTHER", "inspectingUnit": "00000", "units": []string{"99101", "99101", "991", "00000"},
				"plannedFrom": "2026-03-01", "plannedTo": "2026-02-01"}},
			[]string{"input.inspectingUnit", "input.units.1", "input.units.2", "input.units.3", "input.plannedTo"}},
		{"plan: a commune in 2024, when districts are the targets", planInspection, "planInspection",
			map[string]any{"in": map[string]any{"topic": "HEALTH_INSURANCE", "inspectingUnit": "99", "units": []string{"99101"},
				"plannedFrom": "2024-03-01", "plannedTo": "2024-03-02"}},
			[]string{"input.units.0"}},
		{"plan: no target", planInspection, "planInspection",
			map[string]any{"in": map[string]any{"topic": "OTHER", "inspectingUnit": "99", "units": []string{},
				"plannedFrom": "2026-03-01", "plannedTo": "2026-03-02"}},
			[]string{"input.units"}},
		{"finding: future, summary too long, recommendation too long and due before the finding", recordFinding, "recordInspectionFinding",
			map[string]any{"in": map[string]any{"inspectionId": ids[0], "foundOn": "2099-01-01", "summary": long,
				"recommendations": []map[string]any{{"text": long[:1001], "dueOn": "2099-02-01"}, {"text": "Ổn", "dueOn": "2099-01-01"}}}},
			[]string{"input.foundOn", "input.summary", "input.recommendations.0.text", "input.recommendations.1.dueOn"}},
		{"finding: before the planned start, empty summary", recordFinding, "recordInspectionFinding",
			map[string]any{"in": map[string]any{"inspectionId": ids[0], "foundOn": "2026-02-01", "summary": " ",
				"recommendations": []map[string]any{}}},
			[]string{"input.summary", "input.foundOn"}},
		{"finding: malformed id with the other problems", recordFinding, "recordInspectionFinding",
			map[string]any{"in": map[string]any{"inspectionId": "nope", "foundOn": "2026-03-10", "summary": "",
				"recommendations": []map[string]any{}}},
			[]string{"input.inspectionId", "input.summary"}},
		{"resolve: before the finding", resolveRecommendation, "resolveInspectionRecommendation",
			map[string]any{"in": map[string]any{"recommendationId": recs[0], "resolvedOn": "2026-03-09"}},
			[]string{"input.resolvedOn"}},
		{"resolve: in the future", resolveRecommendation, "resolveInspectionRecommendation",
			map[string]any{"in": map[string]any{"recommendationId": recs[0], "resolvedOn": "2099-03-09"}},
			[]string{"input.resolvedOn"}},
		{"resolve: an id of another type, in the future", resolveRecommendation, "resolveInspectionRecommendation",
			map[string]any{"in": map[string]any{"recommendationId": ids[0], "resolvedOn": "2099-03-09"}},
			[]string{"input.recommendationId", "input.resolvedOn"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p struct{ Errors userErrors }
			decodePayload(t, s.query(t, province, tt.mutation, tt.vars), tt.payload, &p)
			if got := strings.Join(p.Errors.fields(), " "); got != strings.Join(tt.want, " ") {
				t.Fatalf("fields = %s, want %s", got, strings.Join(tt.want, " "))
			}
			for _, e := range p.Errors {
				if e.Code != "INVALID_INPUT" {
					t.Fatalf("code %s", e.Code)
				}
			}
		})
	}
	var n int
	if err := s.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM inspection) * 100 + (SELECT count(*) FROM inspection_finding) * 10
	  + (SELECT count(*) FROM inspection_recommendation WHERE resolved_on IS NOT NULL)`).Scan(&n); err != nil || n != 110 {
		t.Fatalf("a refused input wrote: %d, %v", n, err)
	}
}

// TestInspectionListAndNodes: the inspections list filters by unit, dates and
// topic within the caller's area; findings and recommendations hang under
// their inspection and are Nodes seen only in the area.
func TestInspectionListAndNodes(t *testing.T) {
	s, _ := opsServer(t)
	province := token(t, domain.RoleProvinceOfficer, "99")
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	other := token(t, domain.RoleCommuneOfficer, "99201")
	ids := planned(t, s, province, plan("99101", "99102", "99201"))
	health := plan("99101")
	health["in"].(map[string]any)["topic"] = "HEALTH_INSURANCE"
	health["in"].(map[string]any)["plannedFrom"] = "2026-09-01"
	health["in"].(map[string]any)["plannedTo"] = "2026-09-02"
	planned(t, s, province, health)
	planned(t, s, province, map[string]any{"in": map[string]any{"topic": "OTHER", "inspectingUnit": "99", "units": []string{"991"},
		"plannedFrom": "2024-05-01", "plannedTo": "2024-05-01"}})
	finding, recs := found(t, s, commune, ids[0])

	count := func(tok, filter string) string {
		r := s.query(t, tok, `{ inspections`+filter+` { totalCount } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %s", filter, r.raw)
		}
		return string(r.Data["inspections"])
	}
	for _, tt := range []struct {
		name, token, filter, want string
	}{
		{"province, all", province, "", `{"totalCount":5}`},
		{"province, a commune", province, `(filter: {orgUnit: "99101"})`, `{"totalCount":2}`},
		{"province, a topic", province, `(filter: {kind: "HEALTH_INSURANCE"})`, `{"totalCount":1}`},
		{"province, topics", province, `(filter: {kindIn: ["OTHER", "BIRTH_REGISTRATION"]})`, `{"totalCount":4}`},
		{"province, dates", province, `(filter: {from: "2026-01-01", to: "2026-06-30"})`, `{"totalCount":3}`},
		{"district officer, its district and communes", token(t, domain.RoleDistrictOfficer, "991"), "", `{"totalCount":4}`},
		{"commune officer", commune, "", `{"totalCount":2}`},
		{"another commune's officer", other, "", `{"totalCount":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(tt.token, tt.filter); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	r := s.query(t, province, `{ inspections(filter: {kind: "BIRTH"}) { totalCount } }`, nil)
	if r.code() != "INVALID_INPUT" {
		t.Fatalf("an unknown topic: %s", r.raw)
	}
	r = s.query(t, commune, `{ inspections(filter: {kind: "BIRTH_REGISTRATION"}, orderBy: {field: DATE, direction: DESC}) { edges { node {
	  topic plannedFrom plannedTo unit { code } inspectingUnit { code } findings { summary recommendations { text status } } } } } }`, nil)
	for _, want := range []string{`"topic":"BIRTH_REGISTRATION"`, `"plannedTo":"2026-03-31"`, `"unit":{"code":"99101"}`,
		`"inspectingUnit":{"code":"99"}`, `"summary":"Còn 12 trẻ chưa đăng ký khai sinh"`, `"status":"OVERDUE"`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("list lacks %s: %s", want, r.raw)
		}
	}
	nodes := `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Inspection { topic } ... on InspectionFinding { foundOn }
	  ... on InspectionRecommendation { dueOn finding { inspection { unit { code } } } } } }`
	vars := map[string]any{"ids": []string{ids[0], finding, recs[1]}}
	r = s.query(t, commune, nodes, vars)
	for _, want := range []string{`"topic":"BIRTH_REGISTRATION"`, `"foundOn":"2026-03-10"`, `"dueOn":"2027-01-31"`, `"code":"99101"`} {
		if len(r.Errors) > 0 || !strings.Contains(r.raw, want) {
			t.Fatalf("nodes lack %s: %s", want, r.raw)
		}
	}
	r = s.query(t, other, nodes, vars)
	if len(r.Errors) > 0 || !strings.Contains(r.raw, `"nodes":[null,null,null]`) {
		t.Fatalf("another commune sees the nodes: %s", r.raw)
	}
}

// TestInspectionIndicatorCountsDistricts: the recommendations made to a
// district (analyticstest.DistrictRecommendations) reach its line and the
// province but no commune, and, counting acts and not people, are shown
// unsuppressed to an analyst however few.
func TestInspectionIndicatorCountsDistricts(t *testing.T) {
	s := serveWarehouse(t, testdb.Postgres(t), analyticstest.WarehouseWith(t, analyticstest.DistrictRecommendations))
	analyst := token(t, domain.RoleAnalyst, "75")
	r := s.query(t, analyst, compareQ, map[string]any{"i": "inspection_recommendations_on_time", "p": "2024"})
	if len(r.Errors) > 0 {
		t.Fatal(r.raw)
	}
	for _, want := range []string{`"province":{"value":50,"status":"OK"}`,
		`"code":"731","name":"Biên Hòa"},"value":75,"numerator":3,"denominator":4,"rank":1,"status":"OK"`,
		`"code":"734","name":"Tân Phú"},"value":0,"numerator":0,"denominator":2,"rank":2,"status":"OK"`} {
		if !strings.Contains(r.raw, want) {
			t.Fatalf("missing %s in %s", want, r.raw)
		}
	}
	const unitsQ = `{ compareUnits(indicator: "inspection_recommendations_on_time", period: "2024", level: COMMUNE, within: "731") {
	  units { orgUnit { code } numerator denominator } } }`
	r = s.query(t, analyst, unitsQ, nil)
	const want = `"units":[{"orgUnit":{"code":"90001"},"numerator":1,"denominator":1},{"orgUnit":{"code":"90002"},"numerator":0,"denominator":0}]`
	if len(r.Errors) > 0 || !strings.Contains(r.raw, want) {
		t.Fatalf("communes of 731: %s, want %s", r.raw, want)
	}
}

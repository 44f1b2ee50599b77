package graph_test

import (
	"context"
	"testing"

	"treem/internal/domain"
)

// TestAttackReportContentAcrossRoles: a unit's periodic report states its
// figures exactly (small counts of children in special circumstances among
// them: 2 with HIV) and a narrative that may name a child. The attacker reads
// the saved report by its global id (node, nodes) and through the reports
// list, as a leader, an analyst, another district's officer and a commune
// officer of the district, and reads the narrative as its own officer: the
// figures must reach no role that disclosure control holds to rounded
// counts, nor another area; every answer showing the narrative is an audited
// read.
func TestAttackReportContentAcrossRoles(t *testing.T) {
	s, _ := opsServer(t)
	district := token(t, domain.RoleDistrictOfficer, "991")
	in := reportIn("2024-H1", "991", false, map[string]any{"draft": true,
		"figures":   []map[string]any{{"key": "special:HIV", "value": 2}, {"key": "children", "value": 810}},
		"narrative": "Em Nguyễn Văn A (xã 99101) nhiễm HIV"})
	var p struct{ SubmitReport submitted }
	decode(t, s.query(t, district, submitReport, in), &p)
	if p.SubmitReport.Report == nil {
		t.Fatalf("draft: %+v", p.SubmitReport.Errors)
	}
	id := p.SubmitReport.Report.ID

	node := `query($id: ID!) { node(id: $id) { ... on Report { status figures { key value } } } }`
	nodes := `query($id: ID!) { nodes(ids: [$id]) { ... on Report { status figures { key value } } } }`
	// Control: its own officer and a province officer read the figures by id.
	for who, tok := range map[string]string{"its officer": district, "province": token(t, domain.RoleProvinceOfficer, "99")} {
		r := s.query(t, tok, node, map[string]any{"id": id})
		if string(r.Data["node"]) != `{"status":"OVERDUE","figures":[{"key":"special:HIV","value":2},{"key":"children","value":810}]}` {
			t.Fatalf("%s: %s", who, r.raw)
		}
	}
	for who, tok := range map[string]string{
		"leader":           token(t, domain.RoleLeader, "99"),
		"analyst":          token(t, domain.RoleAnalyst, "99"),
		"analyst of 991":   token(t, domain.RoleAnalyst, "991"),
		"another district": token(t, domain.RoleDistrictOfficer, "992"),
		"commune of 991":   token(t, domain.RoleCommuneOfficer, "99101"),
	} {
		for _, q := range []string{node, nodes} {
			r := s.query(t, tok, q, map[string]any{"id": id})
			if got := string(r.Data["node"]) + string(r.Data["nodes"]); got != "null" && got != "[null]" && got != "" {
				t.Errorf("%s reads the report's figures: %s", who, r.raw)
			}
		}
		r := s.query(t, tok, `{ reports(first: 50) { totalCount edges { node { figures { key value } } } } }`, nil)
		var l struct{ Reports *struct{ TotalCount int } }
		if len(r.Errors) == 0 {
			decode(t, r, &l)
		}
		if l.Reports != nil && l.Reports.TotalCount != 0 {
			t.Errorf("%s lists the report: %s", who, r.raw)
		}
	}

	// Its own officer reads it: every answer that shows the narrative is one
	// audited read of it, through node and nodes alike.
	ctx := context.Background()
	reads := func() int {
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'read' AND entity = 'Report'
		  AND fields = '{narrative}'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := reads()
	for _, q := range []string{
		`query($id: ID!) { node(id: $id) { ... on Report { narrative } } }`,
		`query($id: ID!) { nodes(ids: [$id]) { ... on Report { narrative } } }`,
		`query($id: ID!) { a: node(id: $id) { ... on Report { narrative } } b: node(id: $id) { ... on Report { figures { key } } } }`,
	} {
		r := s.query(t, district, q, map[string]any{"id": id})
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}
	if got := reads() - before; got != 3 {
		t.Errorf("%d audited reads of the narrative for 3 answers showing it", got)
	}
}

package graph_test

import (
	"context"
	"strings"
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

// TestAttackForumTextAudited: what the children asked at a forum is their
// own words and may name a child (a forum of one girl makes it hers), as a
// report's narrative may: each answer showing a recommendation's text or its
// answer is an audited read, through the list, node and the mutations'
// payloads alike, and no role below officer reads it.
func TestAttackForumTextAudited(t *testing.T) {
	s, _ := opsServer(t)
	ctx := context.Background()
	commune := token(t, domain.RoleCommuneOfficer, "99101")
	var ev struct {
		RecordChildrenEvent struct{ ChildrenEvent struct{ ID string } }
	}
	decode(t, s.query(t, commune, `mutation { recordChildrenEvent(input: {kind: CHILDREN_FORUM, unit: "99101", startsOn: "2024-05-10",
	  endsOn: "2024-05-10", title: "Diễn đàn", theme: "An toàn", officials: 2, participants: [{ageBand: "11-15", female: 1, male: 0}]}) {
	  childrenEvent { id } errors { message } } }`, nil), &ev)
	reads := func(field string) int {
		var n int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'read' AND entity = 'ForumRecommendation'
		  AND $1 = ANY(fields)`, field).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var rec struct {
		AddForumRecommendation struct{ Recommendation struct{ ID, Text string } }
	}
	decode(t, s.query(t, commune, `mutation($e: ID!) { addForumRecommendation(input: {eventId: $e, text: "Em Trần Thị C bị đánh"}) {
	  recommendation { id text } errors { message } } }`, map[string]any{"e": ev.RecordChildrenEvent.ChildrenEvent.ID}), &rec)
	if rec.AddForumRecommendation.Recommendation.Text == "" || reads("text") != 1 {
		t.Fatalf("the payload's text: %+v, %d audited reads", rec, reads("text"))
	}
	r := s.query(t, commune, `mutation($r: ID!) { respondToForumRecommendation(input: {recommendationId: $r, respondingUnit: "99101",
	  answer: "Đã chuyển cán bộ xã", answeredOn: "2024-05-20"}) { recommendation { answer } errors { message } } }`,
		map[string]any{"r": rec.AddForumRecommendation.Recommendation.ID})
	if len(r.Errors) > 0 || reads("answer") != 1 {
		t.Fatalf("the answer's payload: %s, %d audited reads", r.raw, reads("answer"))
	}
	for _, q := range []string{
		`{ childrenEvents { edges { node { recommendations { text answer } } } } }`,
		`query($r: ID!) { node(id: $r) { ... on ForumRecommendation { text answer } } }`,
	} {
		if r := s.query(t, commune, q, map[string]any{"r": rec.AddForumRecommendation.Recommendation.ID}); len(r.Errors) > 0 ||
			!strings.Contains(r.raw, "Trần Thị C") {
			t.Fatalf("%s: %s", q, r.raw)
		}
	}
	if reads("text") != 3 || reads("answer") != 3 {
		t.Errorf("%d and %d audited reads of the text and the answer for 3 answers showing each", reads("text"), reads("answer"))
	}
	// No read without an officer's role; no read outside the area.
	for who, tok := range map[string]string{"leader": token(t, domain.RoleLeader, "99"), "analyst": token(t, domain.RoleAnalyst, "99"),
		"another commune": token(t, domain.RoleCommuneOfficer, "99102")} {
		r := s.query(t, tok, `query($r: ID!) { node(id: $r) { ... on ForumRecommendation { text } } }`,
			map[string]any{"r": rec.AddForumRecommendation.Recommendation.ID})
		if strings.Contains(r.raw, "Trần Thị C") {
			t.Errorf("%s reads the text: %s", who, r.raw)
		}
	}
}

package graph_test

import (
	"context"
	"encoding/json"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
)

// TestAttackForumRecommendations: forum_recommendations_on_time counts a
// unit's answers, never children, and is released unsuppressed like
// inspection_recommendations_on_time. The attacks check what that leaves an
// analyst: a small cell (a commune with one recommendation) reads as 1/1 and
// nothing more; the province less its districts is 0/0, so the province's own
// forum (no commune row) is never differenced out; the communes of a district,
// asked as compareUnits, add up to its compareDistricts line; and the
// analyst's answers are the officer's, less the exact value.
func TestAttackForumRecommendations(t *testing.T) {
	c := newChannelCase(t)
	ctx := context.Background()
	// Hand-worked 2024: a1 a forum with 2 recommendations (on time, late), a2
	// one (on time), b1 one (open), the province one (on time, no commune row).
	forum := func(unit int, day string, answered ...any) {
		var id int64
		if err := c.pool.QueryRow(ctx, `INSERT INTO children_event (unit_id, kind, starts_on, ends_on, title, theme, officials)
		  VALUES ($1, 'children_forum', $2, $2, 'Diễn đàn', 'Chủ đề', 3) RETURNING id`, unit, day).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := c.pool.Exec(ctx, `INSERT INTO children_event_participant VALUES ($1, '11-15', 1, 2)`, id); err != nil {
			t.Fatal(err)
		}
		for _, a := range answered {
			if _, err := c.pool.Exec(ctx, `INSERT INTO forum_recommendation (event_id, unit_id, raised_on, due_on, text, responding_unit_id,
			    answer, answered_on)
			  VALUES ($1, $2::int, $3::date, $3::date + 30, 'Kiến nghị', CASE WHEN $4::date IS NOT NULL THEN $2::int END,
			    CASE WHEN $4::date IS NOT NULL THEN 'Trả lời' END, $4)`, id, unit, day, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	forum(c.a1, "2024-05-10", "2024-06-09", "2024-06-10")
	forum(c.a2, "2024-05-10", "2024-05-20")
	forum(c.b1, "2024-05-10", nil)
	forum(c.province, "2024-05-10", "2024-05-11")
	conn, _ := chtest.Database(t)
	etlRun(t, c.pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, c.pool, conn)
	officer, analyst := token(t, domain.RoleProvinceOfficer, "75"), token(t, domain.RoleAnalyst, "75")

	type val struct {
		OrgUnit                struct{ Code string }
		Numerator, Denominator *int
		ExactValue             *float64
		Status                 string
	}
	var answers [2]struct {
		D struct {
			Province  val
			Districts []val
		}
		U struct{ Units []val }
	}
	q := `{ d: compareDistricts(indicator: "forum_recommendations_on_time", period: "2024") {
	    province { numerator denominator exactValue status } districts { orgUnit { code } numerator denominator exactValue status } }
	  u: compareUnits(indicator: "forum_recommendations_on_time", period: "2024", level: COMMUNE, within: "` + c.districtA + `") {
	    units { orgUnit { code } numerator denominator exactValue status } } }`
	for i, tok := range []string{officer, analyst} {
		r := s.query(t, tok, q, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("%s", r.raw)
		}
		d, _ := json.Marshal(r.Data)
		if err := json.Unmarshal(d, &answers[i]); err != nil {
			t.Fatal(err)
		}
	}
	n := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	for i, a := range answers {
		who := []string{"officer", "analyst"}[i]
		if p := a.D.Province; n(p.Numerator) != 2 || n(p.Denominator) != 4 || (p.ExactValue != nil) != (i == 0) {
			t.Errorf("%s: province %d/%d (exact %v), want 2/4, exact to the officer only", who, n(p.Numerator), n(p.Denominator), p.ExactValue)
		}
		sumN, sumD := 0, 0
		byCode := map[string][2]int{}
		for _, d := range a.D.Districts {
			sumN, sumD = sumN+max(0, n(d.Numerator)), sumD+max(0, n(d.Denominator))
			byCode[d.OrgUnit.Code] = [2]int{n(d.Numerator), n(d.Denominator)}
		}
		// Differencing: the province less its districts leaves nothing.
		if sumN != 2 || sumD != 4 || byCode[c.districtA] != [2]int{2, 3} || byCode[c.districtB] != [2]int{0, 1} {
			t.Errorf("%s: districts %v (sum %d/%d), want %s 2/3, %s 0/1, summing to the province's 2/4", who, byCode, sumN, sumD,
				c.districtA, c.districtB)
		}
		// Rephrasing: district A's communes add up to its line; a2 is the small cell 1/1.
		cn, cd := 0, 0
		for _, u := range a.U.Units {
			cn, cd = cn+max(0, n(u.Numerator)), cd+max(0, n(u.Denominator))
		}
		if cn != 2 || cd != 3 {
			t.Errorf("%s: district %s's communes %d/%d, want 2/3", who, c.districtA, cn, cd)
		}
	}
}

package etl

import (
	"context"
	"testing"

	"treem/internal/clickhouse"
)

// TestRecommendationsResolvedOnTime loads a hand-worked case of inspection
// recommendations from Postgres into fact_unit_year: each counts in the year
// it fell due, for its commune, and on time when resolved on or before that
// day; deleted ones and those made to districts count nowhere.
func TestRecommendationsResolvedOnTime(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var a, b, district int
	var aCode, bCode string
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FILTER (WHERE n = 1), min(code) FILTER (WHERE n = 1), min(id) FILTER (WHERE n = 2),
	    min(code) FILTER (WHERE n = 2)
	  FROM (SELECT id, code, row_number() OVER (ORDER BY code) n FROM org_unit
	    WHERE level = 'commune' AND valid_from <= '2026-03-10' AND (valid_to IS NULL OR valid_to > '2026-03-10')) c`).Scan(&a, &aCode, &b, &bCode); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE level = 'district' AND valid_from <= '2024-01-01'
	  AND valid_to = '2025-07-01' ORDER BY code LIMIT 1`).Scan(&district); err != nil {
		t.Fatal(err)
	}
	// One inspection and finding per unit; the recommendations by hand.
	finding := func(unit int, on string) int64 {
		var id int64
		if err := e.pool.QueryRow(ctx, `WITH i AS (INSERT INTO inspection (unit_id, inspecting_unit_id, topic, planned_from, planned_to)
		    SELECT $1, id, 'birth_registration', $2, $2 FROM org_unit WHERE level = 'province' AND valid_from <= $2::date
		    ORDER BY valid_from DESC LIMIT 1 RETURNING id)
		  INSERT INTO inspection_finding (inspection_id, unit_id, found_on, summary) SELECT id, $1, $2, 'Tóm tắt' FROM i RETURNING id`,
			unit, on).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	fa, fb, fd := finding(a, "2026-03-10"), finding(b, "2026-03-10"), finding(district, "2024-09-10")
	for _, r := range []struct {
		finding     int64
		unit        int
		issued, due string
		resolved    any
		deleted     bool
	}{
		{fa, a, "2026-03-10", "2026-06-30", "2026-06-30", false},        // on time, on the day
		{fa, a, "2026-03-10", "2026-06-30", "2026-07-01", false},        // a day late
		{fa, a, "2026-03-10", "2026-09-30", nil, false},                 // due, still open
		{fa, a, "2026-03-10", "2027-01-31", "2026-10-01", false},        // falls due in 2027
		{fa, a, "2026-03-10", "2026-05-01", "2026-04-01", true},         // deleted
		{fb, b, "2026-03-10", "2026-08-01", "2026-07-15", false},        // on time
		{fd, district, "2024-09-10", "2024-12-31", "2024-12-01", false}, // a district's: no commune row
	} {
		e.exec(t, `INSERT INTO inspection_recommendation (finding_id, unit_id, issued_on, text, due_on, resolved_on, deleted_at)
		  VALUES ($1, $2, $3, 'Khắc phục', $4, $5, CASE WHEN $6 THEN now() END)`, r.finding, r.unit, r.issued, r.due, r.resolved, r.deleted)
	}
	e.run(t, e.a, true)
	got := map[string][2]uint32{}
	for _, year := range []int{2024, 2026} {
		rows, err := clickhouse.NewReader(e.a.Conn).UnitYears(ctx, year, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range rows {
			if u.RecommendationsDue > 0 || u.RecommendationsOnTime > 0 {
				got[u.UnitCode] = [2]uint32{u.RecommendationsDue, u.RecommendationsOnTime}
			}
		}
	}
	// 2026: commune A 3 due (the two of June 30 and the open one), 1 on
	// time; commune B 1 of 1. Nothing of 2024 reaches a commune.
	want := map[string][2]uint32{aCode: {3, 1}, bCode: {1, 1}}
	if len(got) != len(want) || got[aCode] != want[aCode] || got[bCode] != want[bCode] {
		t.Fatalf("recommendations (due, on time) by commune: %v, want %v", got, want)
	}
}

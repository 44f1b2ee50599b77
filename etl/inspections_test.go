package etl

import (
	"context"
	"maps"
	"testing"

	"treem/internal/clickhouse"
)

// TestRecommendationsResolvedOnTime loads a hand-worked case of inspection
// recommendations from Postgres into fact_unit_year and fact_district_year:
// each counts in the year it fell due, for the commune or district it was
// made to, and on time when resolved on or before that day; deleted ones
// count nowhere. Resolving one later reaches an incremental run as it does a
// full one, and a run with nothing changed changes nothing.
func TestRecommendationsResolvedOnTime(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var a, b, district, c int
	var aCode, bCode, districtCode, cCode string
	if err := e.pool.QueryRow(ctx, `SELECT min(id) FILTER (WHERE n = 1), min(code) FILTER (WHERE n = 1), min(id) FILTER (WHERE n = 2),
	    min(code) FILTER (WHERE n = 2)
	  FROM (SELECT id, code, row_number() OVER (ORDER BY code) n FROM org_unit
	    WHERE level = 'commune' AND valid_from <= '2026-03-10' AND (valid_to IS NULL OR valid_to > '2026-03-10')) c`).Scan(&a, &aCode, &b, &bCode); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT d.id, d.code, c.id, c.code FROM org_unit d
	  JOIN org_unit c ON c.parent_id = d.id AND c.level = 'commune' AND c.valid_from <= '2024-01-01' AND c.valid_to > '2024-12-31'
	  WHERE d.level = 'district' AND d.valid_from <= '2024-01-01' AND d.valid_to = '2025-07-01'
	  ORDER BY d.code, c.code LIMIT 1`).Scan(&district, &districtCode, &c, &cCode); err != nil {
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
	fa, fb, fd, fc := finding(a, "2026-03-10"), finding(b, "2026-03-10"), finding(district, "2024-09-10"), finding(c, "2024-09-10")
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
		{fd, district, "2024-09-10", "2024-12-31", "2024-12-01", false}, // the district's: on time
		{fd, district, "2024-09-10", "2024-10-31", "2024-10-31", false}, // on time, on the day
		{fd, district, "2024-09-10", "2024-11-30", nil, false},          // open (resolved below)
		{fd, district, "2024-09-10", "2024-11-15", "2024-11-01", true},  // deleted
		{fc, c, "2024-09-10", "2024-12-15", "2024-12-10", false},        // its commune's: on time
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
	// time; commune B 1 of 1. 2024: the district's commune 1 of 1; the
	// district's own reach no commune.
	want := map[string][2]uint32{aCode: {3, 1}, bCode: {1, 1}, cCode: {1, 1}}
	if !maps.Equal(got, want) {
		t.Fatalf("recommendations (due, on time) by commune: %v, want %v", got, want)
	}
	// The district: 3 due in 2024 (the deleted one aside), 2 on time; then
	// the open one resolved on its due day, 3 of 3.
	districtYear := func(want [2]uint32) {
		t.Helper()
		rows, err := clickhouse.NewReader(e.a.Conn).DistrictYears(ctx, 2024, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].UnitCode != districtCode || rows[0].District2021 != districtCode ||
			[2]uint32{rows[0].RecommendationsDue, rows[0].RecommendationsOnTime} != want {
			t.Fatalf("fact_district_year 2024: %+v, want %s (due, on time) %v", rows, districtCode, want)
		}
	}
	districtYear([2]uint32{3, 2})
	e.exec(t, `UPDATE inspection_recommendation SET resolved_on = due_on WHERE unit_id = $1 AND resolved_on IS NULL`, district)
	if res := e.incremental(t); !res.WholeTablesChanged {
		t.Fatal("resolving a district's recommendation left the warehouse unchanged")
	}
	districtYear([2]uint32{3, 3})
	e.run(t, e.b, true)
	for _, table := range []string{"fact_unit_year", "fact_district_year"} {
		if got, want := checksum(t, e.a, table), checksum(t, e.b, table); got != want {
			t.Errorf("%s after the incremental run %v, a clean full run gives %v", table, got, want)
		}
	}
	if idle := e.incremental(t); idle.WholeTablesChanged || idle.Changed() {
		t.Fatalf("a run with nothing changed changed the warehouse: %+v", idle)
	}
}

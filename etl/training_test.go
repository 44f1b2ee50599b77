package etl

import (
	"context"
	"testing"

	"treem/internal/civil"
)

// TestTrainedCommuneOfficersByCommuneYear: fact_unit_year counts, per commune
// version and year a course started, the commune child-protection officers
// who came from it; other roles and deleted courses do not count. Worked by
// hand on the fixture's communes c0…c3:
//
//	2023: c0 1 (course A) + 1 (course B) = 2; c1 3 (course B); c2 0 (only
//	      OTHER in 2023); c3 0 (its course was deleted).
//	2022: c2 1 (course C, on its last day); the others 0.
func TestTrainedCommuneOfficersByCommuneYear(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 1)
	// The communes' versions in force in 2022–2023 (Long Khánh's were cut in 2019).
	c := make([]int32, len(f.communes))
	for i, home := range f.communes {
		c[i] = f.unitAt(home, civil.DayOf(2022, 1, 1))
	}
	course := func(unit int32, starts, deleted string) (id int64) {
		t.Helper()
		if err := e.pool.QueryRow(ctx, `INSERT INTO training_course (unit_id, level, starts_on, ends_on, topic, hours, trainer, deleted_at)
		  VALUES ($1, 'commune', $2, $2, 'Kỹ năng bảo vệ trẻ em', 8, 'Sở LĐTBXH', nullif($3, '')::timestamptz) RETURNING id`,
			unit, starts, deleted).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	trained := func(course int64, role string, unit int32, female, male int) {
		t.Helper()
		if _, err := e.pool.Exec(ctx, `INSERT INTO training_participant (course_id, officer_role, unit_id, female, male)
		  VALUES ($1, $2, $3, $4, $5)`, course, role, unit, female, male); err != nil {
			t.Fatal(err)
		}
	}
	a := course(c[0], "2023-03-15", "")
	trained(a, "commune_officer", c[0], 1, 0)
	trained(a, "village_collaborator", c[0], 5, 3)
	b := course(c[1], "2023-09-20", "")
	trained(b, "commune_officer", c[0], 0, 1)
	trained(b, "commune_officer", c[1], 2, 1)
	trained(b, "other", c[2], 4, 4)
	trained(course(c[2], "2022-12-31", ""), "commune_officer", c[2], 1, 0)
	trained(course(c[3], "2023-05-05", "2024-01-01"), "commune_officer", c[3], 1, 1)
	e.run(t, e.a, true)

	want := map[int]map[string]uint64{
		2023: {fixtureCommunes[0]: 2, fixtureCommunes[1]: 3, fixtureCommunes[2]: 0, fixtureCommunes[3]: 0},
		2022: {fixtureCommunes[0]: 0, fixtureCommunes[1]: 0, fixtureCommunes[2]: 1, fixtureCommunes[3]: 0},
	}
	for year, communes := range want {
		for code, n := range communes {
			var got uint64
			if err := e.a.Conn.QueryRow(ctx, `SELECT sum(trained_commune_officers) FROM fact_unit_year
			  WHERE year = ? AND unit_code = ?`, uint16(year), code).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Errorf("%d %s: %d trained commune officers, want %d", year, code, got, n)
			}
		}
	}
}

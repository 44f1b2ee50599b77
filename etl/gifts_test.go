package etl

import (
	"testing"
)

// TestGiftVisitsByOccasion works the per-occasion gift cells out by hand for
// June 2021 in Bửu Hòa. Each measure counts visits, as gift_visits does, and
// the occasion recorded decides, not the date. A (girl, born 2015-01-01, 6)
// has two Children's Day visits and a Tết gift recorded late, in the same
// month; B (boy, born 2010-03-01, 11) has a Mid-Autumn visit and another one
// deleted. Then A's Tết gift is corrected to Mid-Autumn and an incremental
// run must write what a full one writes.
func TestGiftVisitsByOccasion(t *testing.T) {
	e := newEnv(t)
	buuHoa := buuHoa2021(t, e)
	a := e.ids(t, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('A', 'F', '2015-01-01', $1) RETURNING id`, buuHoa)[0]
	b := e.ids(t, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('B', 'M', '2010-03-01', $1) RETURNING id`, buuHoa)[0]
	e.exec(t, `INSERT INTO child_residence (child_id, unit_id, valid_from) SELECT id, $1, birth_date FROM child WHERE id IN ($2, $3)`,
		buuHoa, a, b)
	tet := e.ids(t, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES
		($1, $3, 'children_day', '2021-06-01', 1), ($1, $3, 'children_day', '2021-06-02', 1), ($1, $3, 'tet', '2021-06-15', 1),
		($2, $3, 'mid_autumn', '2021-06-12', 1) RETURNING id`, a, b, buuHoa)[2]
	e.exec(t, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd, deleted_at) VALUES
		($1, $2, 'mid_autumn', '2021-06-10', 1, now())`, b, buuHoa)
	cells := func() map[string]uint64 {
		return facts(t, e.a, "measure, sex, age_band, poverty", `unit_code = '26053' AND unit_valid_from = '2016-01-01'
			AND month = '2021-06-01' AND startsWith(measure, 'gift_visits')`)
	}
	e.run(t, e.a, true)
	sameCells(t, cells(), map[string]uint64{
		"gift_visits/F/6-10/unknown": 3, "gift_visits_children_day/F/6-10/unknown": 2, "gift_visits_tet/F/6-10/unknown": 1,
		// B's deleted visit counts nowhere.
		"gift_visits/M/11-15/unknown": 1, "gift_visits_mid_autumn/M/11-15/unknown": 1,
	})
	e.exec(t, `UPDATE gift_visit SET occasion = 'mid_autumn' WHERE id = $1`, tet)
	e.step(t, "a Tết gift corrected to Mid-Autumn")
	sameCells(t, cells(), map[string]uint64{
		"gift_visits/F/6-10/unknown": 3, "gift_visits_children_day/F/6-10/unknown": 2, "gift_visits_mid_autumn/F/6-10/unknown": 1,
		"gift_visits/M/11-15/unknown": 1, "gift_visits_mid_autumn/M/11-15/unknown": 1,
	})
}

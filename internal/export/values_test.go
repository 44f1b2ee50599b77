package export_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"treem/internal/domain"
)

// both asks for an export as CSV and as XLSX, reads each back (encoding/csv;
// excelize, with every non-empty cell of a numeric column a number) and
// checks that they hold the same rows.
func (s *server) both(t *testing.T, table, params string, role domain.Role) grid {
	t.Helper()
	var gs []grid
	for _, format := range []string{"csv", "xlsx"} {
		w := s.get(context.Background(), "/export/"+table+"."+format+"?"+params, role)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", format, params, w.Code, w.Body)
		}
		cols, _ := s.readNotes(t, w)
		if format == "csv" {
			gs = append(gs, readCSV(t, w.Body.String()))
		} else {
			gs = append(gs, readXLSX(t, w.Body.Bytes(), cols))
		}
	}
	if !slices.EqualFunc(gs[0].rows, gs[1].rows, func(a, b []string) bool {
		return strings.TrimRight(strings.Join(a, "|"), "|") == strings.TrimRight(strings.Join(b, "|"), "|")
	}) || !slices.Equal(gs[0].names, gs[1].names) {
		t.Fatalf("csv and xlsx differ:\n%q\n%q", gs[0].rows, gs[1].rows)
	}
	return gs[0]
}

// find is the one row whose columns hold the values of key.
func (g grid) find(t *testing.T, key map[string]string) []string {
	t.Helper()
	var out [][]string
	for _, r := range g.rows {
		match := true
		for c, v := range key {
			match = match && g.cell(t, r, c) == v
		}
		if match {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d rows with %v in %q", len(out), key, g.rows)
	}
	return out[0]
}

// TestIndicatorValuesRankAndChange checks the rank and change columns of
// indicator-values against values worked out by hand from the fixture
// (internal/analytics/analyticstest/testdata/fixture.csv), for an analyst
// (counts that are multiples of 5 are released as they are) and a province
// officer (exact), beside suppressed units and suppressed periods.
func TestIndicatorValuesRankAndChange(t *testing.T) {
	s := newServer(t, true, 0)
	analyst, officer := domain.RoleAnalyst, domain.RoleProvinceOfficer
	type want map[string]string
	cases := []struct {
		name, params string
		role         domain.Role
		rows         map[string]want // "period|unit_code[|sex]" → cells
		count        int             // rows of the export
	}{
		{
			// Birth registration (under 5) by 2021 district. 731: C1 98 + C2 197
			// = 295 of 100 + 200 = 300 → 98.333… → 98.3; 2020: 90 + 190 = 280
			// of 300 → 93.3; change 98.3 − 93.3 = 5.0; gap 98.3 − 98.5 = −0.2.
			// 734: 990/1000 = 99.0, 2020 950/1000 = 95.0, change 4.0, gap 0.5.
			// 732: 3 of 3, below k = 5: withheld, neither ranked nor changed,
			// and the ranks of the others are 1 and 2 as if it were absent.
			// 2022 holds no one: every value withheld (0 < k), so no change
			// from the released 2021 either.
			name: "analyst, a suppressed district and a suppressed period", role: analyst,
			params: "ids=birth_registration_u5&level=DISTRICT&periods=2021,2022", count: 6,
			rows: map[string]want{
				"2021|731": {"value": "98.3", "numerator": "295", "denominator": "300", "status": "OK", "target": "98.5",
					"gap_to_target": "-0.2", "rank": "2", "change_from_previous": "5.0", "change_status": "OK"},
				"2021|732": {"value": "", "numerator": "", "denominator": "", "status": "SUPPRESSED", "gap_to_target": "",
					"rank": "", "change_from_previous": "", "change_status": "SUPPRESSED"},
				"2021|734": {"value": "99.0", "numerator": "990", "denominator": "1000", "status": "OK", "gap_to_target": "0.5",
					"rank": "1", "change_from_previous": "4.0", "change_status": "OK"},
				"2022|731": {"value": "", "status": "SUPPRESSED", "rank": "", "change_from_previous": "", "change_status": "SUPPRESSED"},
				"2022|734": {"value": "", "status": "SUPPRESSED", "rank": "", "change_from_previous": "", "change_status": "SUPPRESSED"},
			},
		},
		{
			// The same by sex, exact. Boys: 731 (9 + 40)/(10 + 40) = 98.0, 2020
			// 40/50 = 80.0, change 18.0; 732 3/3 = 100.0, 2020 100.0, change
			// 0.0; 734 no boy under 5 (0/0): UNSTABLE without a value. Girls:
			// 731 (49 + 197)/(50 + 200) = 98.4, 2020 (50 + 190)/250 = 96.0,
			// change 2.4; 734 99.0, change 4.0; 732 0/0. Ranks within each sex.
			name: "province officer by sex", role: officer,
			params: "ids=birth_registration_u5&level=DISTRICT&periods=2021&breakdown=SEX", count: 6,
			rows: map[string]want{
				"2021|731|M": {"value": "98.0", "rank": "2", "change_from_previous": "18.0", "change_status": "OK"},
				"2021|732|M": {"value": "100.0", "rank": "1", "change_from_previous": "0.0", "change_status": "UNSTABLE"},
				"2021|734|M": {"value": "", "status": "UNSTABLE", "rank": "", "change_from_previous": "", "change_status": "UNSTABLE"},
				"2021|731|F": {"value": "98.4", "rank": "2", "change_from_previous": "2.4", "change_status": "OK"},
				"2021|734|F": {"value": "99.0", "rank": "1", "change_from_previous": "4.0", "change_status": "OK"},
				"2021|732|F": {"value": "", "status": "UNSTABLE", "rank": "", "change_from_previous": ""},
			},
		},
		{
			// By sex for an analyst: the boys of 732 (3) and 734 (0) are
			// withheld, so 731's boys rank 1 whatever their rounded value.
			name: "analyst by sex, suppressed neighbours", role: analyst,
			params: "ids=birth_registration_u5&level=DISTRICT&periods=2021&breakdown=SEX", count: 6,
			rows: map[string]want{
				"2021|731|M": {"rank": "1", "change_status": "OK"},
				"2021|732|M": {"value": "", "status": "SUPPRESSED", "rank": "", "change_from_previous": "", "change_status": "SUPPRESSED"},
				"2021|734|M": {"value": "", "status": "SUPPRESSED", "rank": "", "change_from_previous": "", "change_status": "SUPPRESSED"},
			},
		},
		{
			// Immunisation in 2025 by the communes in force at its end, exact:
			// 90003 12/12 = 100.0 and 90010 40/40 = 100.0 share rank 1; 90004
			// 45/50 = 90.0 and 90011 9/10 = 90.0 share rank 3; 90020 20/25 =
			// 80.0 ranks 5 (unstable values, on fewer than 30, are ranked as a
			// comparison ranks them). 2024: 90003 9/10 = 90.0, change 10.0,
			// UNSTABLE as its values are; the others had no one turning one
			// (0/0, UNSTABLE without a value): no change.
			name: "province officer, ties", role: officer,
			params: "ids=immunisation_u1&level=COMMUNE&periods=2025", count: 5,
			rows: map[string]want{
				"2025|90003": {"value": "100.0", "status": "UNSTABLE", "rank": "1", "change_from_previous": "10.0", "change_status": "UNSTABLE"},
				"2025|90010": {"value": "100.0", "rank": "1", "change_from_previous": "", "change_status": "UNSTABLE"},
				"2025|90004": {"value": "90.0", "rank": "3", "change_from_previous": "", "change_status": "UNSTABLE"},
				"2025|90011": {"value": "90.0", "rank": "3"},
				"2025|90020": {"value": "80.0", "rank": "5"},
			},
		},
		{
			// Units of several levels are ranked within their level: the
			// province alone (1), the districts 734 (99.0) before 731 (98.3),
			// the commune 90004 alone (1).
			name: "analyst, units of several levels", role: analyst,
			params: "ids=birth_registration_u5&orgUnits=75,731,734,90004&periods=2021", count: 4,
			rows: map[string]want{
				"2021|75":    {"rank": "1"},
				"2021|731":   {"rank": "2", "value": "98.3"},
				"2021|734":   {"rank": "1", "value": "99.0"},
				"2021|90004": {"rank": "1", "value": "99.0", "change_from_previous": "4.0"},
			},
		},
		{
			// 2026 begins after the last month loaded (2025-12): NO_DATA. In
			// 2016 the previous year (2015) lies before the history: no change,
			// though a province officer sees the year's exact count (0).
			name: "no data", role: officer,
			params: "ids=drowning_deaths&orgUnits=75&periods=2016,2026", count: 2,
			rows: map[string]want{
				"2016|75": {"value": "0", "status": "OK", "rank": "1", "change_from_previous": "", "change_status": "NO_DATA"},
				"2026|75": {"value": "", "status": "NO_DATA", "rank": "", "change_from_previous": "", "change_status": "NO_DATA"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := s.both(t, "indicator-values", tc.params, tc.role)
			if len(g.rows) != tc.count {
				t.Errorf("%d rows, want %d: %q", len(g.rows), tc.count, g.rows)
			}
			for key, cells := range tc.rows {
				parts := strings.Split(key, "|")
				k := map[string]string{"period": parts[0], "unit_code": parts[1]}
				if len(parts) > 2 {
					k["sex"] = parts[2]
				}
				r := g.find(t, k)
				for c, v := range cells {
					if got := g.cell(t, r, c); got != v {
						t.Errorf("%s %s = %q, want %q", key, c, got, v)
					}
				}
			}
		})
	}

	// The analyst's 731 boys: 2020 is 40/50 = 80.0 (40 a multiple of 5), so
	// the change is the released value minus 80.0.
	g := s.both(t, "indicator-values", "ids=birth_registration_u5&orgUnits=731&periods=2021&breakdown=SEX", analyst)
	r := g.find(t, map[string]string{"sex": "M"})
	v, err1 := strconv.ParseFloat(g.cell(t, r, "value"), 64)
	c, err2 := strconv.ParseFloat(g.cell(t, r, "change_from_previous"), 64)
	if err1 != nil || err2 != nil || strconv.FormatFloat(v-80, 'f', 1, 64) != strconv.FormatFloat(c, 'f', 1, 64) {
		t.Errorf("731 boys: value %q, change %q, want the value − 80.0", g.cell(t, r, "value"), g.cell(t, r, "change_from_previous"))
	}
}

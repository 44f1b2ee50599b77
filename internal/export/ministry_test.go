package export_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"treem/internal/analytics"
	"treem/internal/domain"
)

// TestMinistryStatisticsExport reads ministry-statistics back from CSV and
// XLSX for a month, a quarter, a half year and a year, and checks it against
// figures worked by hand from the fixture
// (internal/analytics/analyticstest/testdata/fixture.csv), cell by cell
// against the service's answer (what GraphQL's ministryStatistics converts)
// and, for the year, against the periodic report of the same period; a cell
// withheld for an analyst is withheld in the export.
func TestMinistryStatisticsExport(t *testing.T) {
	s := newServer(t, true, 0)
	analyst, officer := domain.RoleAnalyst, domain.RoleProvinceOfficer

	// Hand-worked, exact (province officer). Children are under 16 at the
	// period's last month: 731 = C1 300 + C2 510 = 810, 732 = 5, 734 = 2,000,
	// the province 2,815 (2021-12; no child is counted at 2021-09). Injuries:
	// C2 5 in February, C1 6 and C4 10 in July. Drowning deaths: C2 1 in
	// April, C4 1 in July. Special circumstances at 2021-12: 731 = 15 + 30,
	// 734 = 100; disabled 731 = 10 + 27, 734 = 97. Birth registration 2021:
	// 731 295/300 = 98.3 %, the province 1,288/1,303 = 98.8 %.
	type cells map[string]string // "item_key|unit_code" → value
	for _, tc := range []struct {
		period, periodType string
		want               cells
	}{
		{"2021-02", "MONTH", cells{"injured|75": "5", "injured|731": "5", "injured|734": "0", "children|75": "0"}},
		{"2021-Q3", "QUARTER", cells{"injured|75": "16", "injured|731": "6", "injured|732": "0", "injured|734": "10",
			"drowning_deaths|734": "1", "drowning_deaths|731": "0", "children|731": "0"}},
		{"2021-H1", "HALF_YEAR", cells{"injured|731": "5", "drowning_deaths|731": "1", "drowning_deaths|75": "1"}},
		{"2021", "YEAR", cells{"children|75": "2815", "children|731": "810", "children|732": "5", "children|734": "2000",
			"injured|75": "21", "injured|731": "11", "drowning_deaths|75": "2", "drowning_deaths|734": "1",
			"special|731": "45", "special|734": "100", "special|75": "145", "special:DISABLED|731": "37",
			"special:DISABLED|734": "97", "special:DISABLED|75": "134", "special:HIV|731": "3",
			"birth_registration_u5|731": "98.3", "birth_registration_u5|75": "98.8"}},
	} {
		t.Run("hand-worked "+tc.period, func(t *testing.T) {
			g := s.both(t, "ministry-statistics", "period="+tc.period, officer)
			// The province and the three 2021 districts, for each of the
			// report's 25 items (9 counts, 14 groups, 2 rates).
			if len(g.rows) != 25*4 {
				t.Fatalf("%d rows, want 100", len(g.rows))
			}
			for i, code := range []string{"75", "731", "732", "734", "75"} {
				if got := g.cell(t, g.rows[i], "unit_code"); got != code {
					t.Errorf("row %d is %s, want %s (the province, then each unit, item by item)", i, got, code)
				}
			}
			for key, v := range tc.want {
				item, code, _ := strings.Cut(key, "|")
				r := g.find(t, map[string]string{"item_key": item, "unit_code": code})
				if got := g.cell(t, r, "value"); got != v {
					t.Errorf("%s = %q, want %q", key, got, v)
				}
				level := map[bool]string{true: "PROVINCE", false: "DISTRICT"}[code == "75"]
				if g.cell(t, r, "period") != tc.period || g.cell(t, r, "period_type") != tc.periodType || g.cell(t, r, "level") != level {
					t.Errorf("%s keys: %q", key, r)
				}
			}
			if r := g.find(t, map[string]string{"item_key": "children", "unit_code": "731"}); g.cell(t, r, "line") != "1" {
				t.Errorf("children is line %s, want 1", g.cell(t, r, "line"))
			}
		})
	}

	t.Run("withheld for an analyst", func(t *testing.T) {
		g := s.both(t, "ministry-statistics", "period=2021", analyst)
		for key, want := range map[string][2]string{
			"drowning_deaths|734": {"", "SUPPRESSED"}, // 1, fewer than 5
			"special:HIV|731":     {"", "SUPPRESSED"}, // 3, sensitive: fewer than 10
			"injured|732":         {"", "SUPPRESSED"}, // 0 is withheld like a small count
			"children|731":        {"810", "OK"},      // multiples of 5 are released as they are
			"children|732":        {"5", "OK"},
			"children|75":         {"2815", "OK"},
		} {
			item, code, _ := strings.Cut(key, "|")
			r := g.find(t, map[string]string{"item_key": item, "unit_code": code})
			if got := [2]string{g.cell(t, r, "value"), g.cell(t, r, "status")}; got != want {
				t.Errorf("%s: %q, want %q", key, got, want)
			}
		}
		w := s.get(context.Background(), "/export/ministry-statistics.csv?period=2021", analyst)
		_, notes := s.readNotes(t, w)
		if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "Mẫu biểu tạm thời (provisional)") }) {
			t.Errorf("the notes do not mark the layout provisional: %q", notes)
		}
		var audited int
		if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM analytics_audit
		  WHERE operation = 'ministryStatistics' AND role = 'analyst'`).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited == 0 {
			t.Error("the analyst's export is not in the analytics audit")
		}
	})

	// The export and the service's answer are one, for either role; and the
	// year's units hold the periodic report's values for the same period.
	for _, tc := range []struct {
		period string
		role   domain.Role
	}{{"2021", analyst}, {"2021-Q3", analyst}, {"2021-07", analyst}, {"2021", officer}, {"2025-Q4", analyst}} {
		t.Run("the answer, "+string(tc.role)+" "+tc.period, func(t *testing.T) {
			g := s.both(t, "ministry-statistics", "period="+tc.period, tc.role)
			ctx := domain.WithUser(context.Background(), &domain.User{Subject: "t-" + string(tc.role), Role: tc.role, Area: "75"})
			st, err := s.svc.MinistryStatistics(ctx, tc.period)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.rows) != len(st.Province)*(1+len(st.Units)) {
				t.Fatalf("%d rows for %d items and %d units", len(g.rows), len(st.Province), len(st.Units))
			}
			check := func(code string, it analytics.ReportItem) {
				t.Helper()
				r := g.find(t, map[string]string{"item_key": it.Key, "unit_code": code})
				want := ""
				if it.Value != nil {
					want = strconv.FormatFloat(*it.Value, 'f', -1, 64)
					if it.Indicator != nil {
						want = strconv.FormatFloat(it.Indicator.Round(*it.Value), 'f', *it.Indicator.Decimals, 64)
					}
				}
				if got := g.cell(t, r, "value"); got != want || g.cell(t, r, "status") != string(it.Status) {
					t.Errorf("%s %s: export %q %s, answer %q %s", code, it.Key, got, g.cell(t, r, "status"), want, it.Status)
				}
			}
			for _, it := range st.Province {
				check(analytics.ProvinceCode, it)
			}
			for _, u := range st.Units {
				for _, it := range u.Items {
					check(u.Unit.Code, it)
				}
			}
			if tc.period != "2021" {
				return
			}
			rep, err := s.svc.Report(ctx, tc.period, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for i, u := range rep.Units {
				for j, it := range u.Items {
					if got := st.Units[i].Items[j]; got.Key != it.Key || got.Status != it.Status ||
						(got.Value == nil) != (it.Value == nil) || (got.Value != nil && *got.Value != *it.Value) {
						t.Errorf("%s %s: statistics %+v, report %+v", u.Unit.Code, it.Key, got, it)
					}
				}
			}
		})
	}

	t.Run("after the last month loaded", func(t *testing.T) {
		// The fixture's loads end long before 2099: no value, no zero.
		g := s.both(t, "ministry-statistics", "period=2099-01", officer)
		for _, r := range g.rows {
			if g.cell(t, r, "status") != "NO_DATA" || g.cell(t, r, "value") != "" {
				t.Fatalf("row %q", r)
			}
		}
	})

	t.Run("bad periods", func(t *testing.T) {
		for _, p := range []string{"", "2021-Q5", "2021-01-01", "1999"} {
			w := s.get(context.Background(), "/export/ministry-statistics.csv?period="+p, analyst)
			if w.Code != http.StatusBadRequest || errorCode(t, w) != "INVALID_INPUT" {
				t.Errorf("period %q: %d %s", p, w.Code, w.Body)
			}
		}
	})
}

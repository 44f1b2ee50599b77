package graph_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"treem/internal/childfriendly"
	"treem/internal/disclosure"
	"treem/internal/domain"
)

// The attacks below play an analyst against the real HTTP stack over the
// hand-worked fixture warehouse, each on a route that once recovered withheld
// counts exactly. The province officer's exact answer is the truth; a cell
// counts as recovered when the attacker's estimate equals it, and every test
// asserts that none is.

// aggRow is one row of an aggregate answer.
type aggRow struct {
	Keys   []string
	Value  *int
	Status string
}

// aggregate asks for one measure and returns its rows.
func aggregate(t *testing.T, s *testServer, tok, measure, dims, filter string) []aggRow {
	t.Helper()
	q := fmt.Sprintf(`{ aggregate(measures: [%s], dimensions: [%s], filter: {%s}) { rows { keys { value } values { value status } } } }`,
		measure, dims, filter)
	r := s.query(t, tok, q, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %s", q, r.raw)
	}
	var a struct {
		Rows []struct {
			Keys   []struct{ Value string }
			Values []struct {
				Value  *int
				Status string
			}
		}
	}
	if err := json.Unmarshal(r.Data["aggregate"], &a); err != nil {
		t.Fatal(err)
	}
	out := make([]aggRow, len(a.Rows))
	for i, row := range a.Rows {
		for _, k := range row.Keys {
			out[i].Keys = append(out[i].Keys, k.Value)
		}
		out[i].Value, out[i].Status = row.Values[0].Value, row.Values[0].Status
	}
	return out
}

// total asks for one measure without a breakdown.
func total(t *testing.T, s *testServer, tok, measure, filter string) aggRow {
	t.Helper()
	rows := aggregate(t, s, tok, measure, "", filter)
	if len(rows) != 1 {
		t.Fatalf("%s {%s}: %d rows", measure, filter, len(rows))
	}
	return rows[0]
}

// exportTotal asks /export/aggregate.csv for one measure without a breakdown
// and returns its one value ("" when withheld).
func exportTotal(t *testing.T, s *testServer, tok, measure string, params url.Values) string {
	t.Helper()
	params.Set("measures", measure)
	body, status, _ := s.get(t, "/export/aggregate.csv?"+params.Encode(), tok)
	if status != 200 {
		t.Fatalf("export %s: %d %s", params.Encode(), status, body)
	}
	// One row: the measure's value and its status.
	rows := exportRows(t, body)
	if len(rows) != 1 || rows[0]["measure"] != measure {
		t.Fatalf("export without one %s row:\n%s", measure, body)
	}
	return rows[0]["value"]
}

// TestAttackRephrasingDrawsNoNewValue: route 1. The attacker asks for one
// population under many phrasings and averages the released values, then
// differences two averaged totals to reach a withheld part. Free month ranges
// padded with empty months were such phrasings; below province officer a
// count now covers one calendar period (see TestAttackOverlappingRanges), and
// every phrasing left (the year as a period, as its twelve months, as a row of
// a split longer range, a stock at any period ending in December, the export)
// reaches the same population, so one value: the average is one rounded
// value and the difference carries both rounding errors.
func TestAttackRephrasingDrawsNoNewValue(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	attempts, recovered := 0, 0

	// phrasings of 2021 (flows) or of the stock at 2021-12, each with the
	// dimensions it needs and the row that holds the population.
	type phrasing struct{ filter, dims, row string }
	year := []phrasing{{`period: "2021"`, "", ""}, {`from: "2021-01", to: "2021-12"`, "", ""},
		{`from: "2018-01", to: "2024-12", periodType: YEAR`, "PERIOD", "2021"},
		{`from: "2019-07", to: "2022-06", periodType: YEAR`, "PERIOD", "2021"}}
	december := append(year, phrasing{`period: "2021-H2"`, "", ""}, phrasing{`period: "2021-Q4"`, "", ""},
		phrasing{`period: "2021-12"`, "", ""}, phrasing{`from: "2021-01", to: "2021-12", periodType: MONTH`, "PERIOD", "2021-12"})

	// estimate averages every released value of one population and checks
	// they are one value.
	estimate := func(measure, filter string, phrasings []phrasing) (float64, bool) {
		values := map[int]int{}
		n, sum := 0, 0
		for _, p := range phrasings {
			for _, r := range aggregate(t, s, analyst, measure, p.dims, p.filter+", "+filter) {
				if (p.row == "" || r.Keys[0] == p.row) && r.Value != nil {
					values[*r.Value]++
					n, sum = n+1, sum+*r.Value
				}
			}
		}
		if len(values) > 1 {
			t.Errorf("%s {%s}: one population released as %v", measure, filter, values)
		}
		if n == 0 {
			return 0, false
		}
		return float64(sum) / float64(n), true
	}
	truth := func(measure, filter string) int {
		return *total(t, s, officer, measure, `period: "2021", `+filter).Value
	}

	// A released flow: 98 immunised one-year-olds in 90004 (released 95 or 100).
	attempts++
	if est, ok := estimate("TURNED_ONE_IMMUNISED", `orgUnit: "90004"`, year); ok && est == float64(truth("TURNED_ONE_IMMUNISED", `orgUnit: "90004"`)) {
		recovered++
		t.Errorf("averaging rephrased questions recovered %v immunised", est)
	}
	// The export is one more phrasing of the same population.
	attempts++
	api := total(t, s, analyst, "TURNED_ONE_IMMUNISED", `period: "2021", orgUnit: "90004"`)
	exp := exportTotal(t, s, analyst, "TURNED_ONE_IMMUNISED", url.Values{"from": {"2021-01"}, "to": {"2021-12"}, "orgUnit": {"90004"}})
	if api.Value == nil || exp != strconv.Itoa(*api.Value) {
		t.Errorf("export released %q, the API %v", exp, api.Value)
	}
	if exp == strconv.Itoa(truth("TURNED_ONE_IMMUNISED", `orgUnit: "90004"`)) {
		recovered++
	}
	// A withheld part by difference: special circumstances in 90004 (100) minus
	// disabled (97) leaves the 3 children in conflict with the law, one of
	// them also drug-addicted (sensitive).
	attempts++
	whole, okW := estimate("SPECIAL", `orgUnit: "90004"`, december)
	part, okP := estimate("SPECIAL", `orgUnit: "90004", group: "DISABLED"`, december)
	if okW && okP && whole-part == 3 {
		recovered++
		t.Errorf("differencing averaged totals recovered the 3 children of sensitive groups")
	}
	// A withheld flow: 3 abused children in district 731 (sensitive, k = 10).
	attempts++
	if est, ok := estimate("ABUSED", `orgUnit: "731"`, year); ok && est == 3 {
		recovered++
	}
	t.Logf("route 1 (rephrasing): %d attempts, %d exact recoveries", attempts, recovered)
	if recovered > 0 {
		t.Fatalf("%d cells recovered", recovered)
	}
}

// TestAttackOverlappingRanges: route 4, found by our own attacker on the
// 50,000-child demo. Every free month range is another set of events with its
// own rounding; with n months there are n²/2 of them, and the bounds each
// answer gives (a released R is within [max(R−4, k), R+4], a withheld one in
// [0, k−1]) propagated over their overlaps pinned thousands of withheld cells
// exactly (1 drowning in district 731 in 2024; 3 sexual-abuse cases in the
// province in 2024). Below province officer a count now covers one calendar
// period; a range is refused, naming the rule, for the API and the export.
// Over what remains (months, quarters, halves and the year of 2021 for the
// abuse cases of 90001 and 731, with their communes) the attacker's bounds
// propagation pins nothing.
func TestAttackOverlappingRanges(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	for _, filter := range []string{`from: "2020-07", to: "2021-12"`, `period: "2021-03..2021-08"`, `from: "2021-02", to: "2021-04"`} {
		r := s.query(t, analyst, `{ aggregate(measures: [ABUSED], dimensions: [], filter: {`+filter+`}) { rows { keys { value } } } }`, nil)
		if r.code() != "INVALID_INPUT" || !strings.Contains(r.raw, "calendar periods") {
			t.Errorf("analyst range {%s}: %s", filter, r.raw)
		}
		// A province officer may ask for ranges, but not of a count of children
		// (ABUSED) whose months would count a child twice.
		if r := s.query(t, officer, `{ aggregate(measures: [INJURED], dimensions: [], filter: {`+filter+`}) { rows { keys { value } } } }`, nil); len(r.Errors) > 0 {
			t.Errorf("province officer range {%s}: %s", filter, r.raw)
		}
		if r := s.query(t, officer, `{ aggregate(measures: [ABUSED], dimensions: [], filter: {`+filter+`}) { rows { keys { value } } } }`, nil); r.code() != "INVALID_INPUT" ||
			!strings.Contains(r.raw, "counts children once per calendar period") {
			t.Errorf("province officer range of abused children {%s}: %s", filter, r.raw)
		}
	}
	if body, status, _ := s.get(t, "/export/aggregate.csv?measures=ABUSED&from=2020-07&to=2021-12", analyst); status != 400 ||
		!strings.Contains(body, "calendar periods") {
		t.Errorf("analyst range export: %d %s", status, body)
	}

	// Bounds propagation over every calendar period of 2021 and every unit.
	iv := map[string][2]int{}
	const k = 10 // ABUSED is sensitive
	ask := func(unit string, periodType string) {
		filter := `from: "2021-01", to: "2021-12", orgUnit: "` + unit + `"`
		dims := "PERIOD"
		if periodType != "" {
			filter += ", periodType: " + periodType
		}
		for _, r := range aggregate(t, s, analyst, "ABUSED", dims, filter) {
			b := [2]int{0, k - 1}
			if r.Value != nil {
				b = [2]int{max(k, *r.Value-4), *r.Value + 4}
			}
			iv[unit+"|"+r.Keys[0]] = b
		}
	}
	units := []string{"731", "90001", "90002"}
	for _, u := range units {
		for _, pt := range []string{"MONTH", "QUARTER", "HALF_YEAR", "YEAR"} {
			ask(u, pt)
		}
	}
	var eqs [][]string // eqs[i][0] = Σ eqs[i][1:]
	for _, u := range units {
		months := func(from, n int) []string {
			var out []string
			for m := from; m < from+n; m++ {
				out = append(out, fmt.Sprintf("%s|2021-%02d", u, m))
			}
			return out
		}
		eqs = append(eqs, append([]string{u + "|2021"}, months(1, 12)...))
		for q := 1; q <= 4; q++ {
			eqs = append(eqs, append([]string{fmt.Sprintf("%s|2021-Q%d", u, q)}, months(3*q-2, 3)...))
		}
		eqs = append(eqs, []string{u + "|2021", u + "|2021-H1", u + "|2021-H2"},
			[]string{u + "|2021-H1", u + "|2021-Q1", u + "|2021-Q2"}, []string{u + "|2021-H2", u + "|2021-Q3", u + "|2021-Q4"})
	}
	for _, p := range []string{"2021", "2021-H1", "2021-H2", "2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"} {
		eqs = append(eqs, []string{"731|" + p, "90001|" + p, "90002|" + p})
	}
	for _, e := range eqs {
		for _, name := range e {
			if _, ok := iv[name]; !ok {
				t.Fatalf("no answer for %s", name)
			}
		}
	}
	propagate(t, iv, eqs)
	attempts, recovered := 0, 0
	for name, b := range iv {
		unit, per, _ := strings.Cut(name, "|")
		tr := total(t, s, officer, "ABUSED", `period: "`+per+`", orgUnit: "`+unit+`"`)
		attempts++
		if b[0] == b[1] && b[0] == *tr.Value {
			recovered++
			t.Errorf("%s pinned at %d", name, b[0])
		}
	}
	t.Logf("route 4 (overlapping periods): %d cells bounded, %d exact recoveries", attempts, recovered)
}

// TestAttackDerivedScoresPinNothing: route 2. Bands, points and recognition
// of the child-friendly table once came from exact counts, so a withheld
// numerator beside its released denominator showed the band only its true
// value fits. The attacker reads every item the analyst sees, takes the
// denominators exactly (more than an analyst can know) and keeps the counts
// from 0 to k−1 whose band gives points within what is shown; a count is
// recovered when one candidate is left and it is the truth.
func TestAttackDerivedScoresPinNothing(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	const q = `{ childFriendlyCommunes(year: 2021) { communes { commune { code } totalScore totalScoreMin totalScoreMax recognised status
		criteria { number items { id value band score scoreMin scoreMax status } } } } }`
	type item struct {
		ID                 string
		Value              *float64
		Band               *string
		Score              *int
		ScoreMin, ScoreMax int
		Status             string
	}
	type answer struct {
		Communes []struct {
			Commune                      struct{ Code string }
			TotalScore                   *int
			TotalScoreMin, TotalScoreMax int
			Recognised                   *bool
			Status                       string
			Criteria                     []struct {
				Number int
				Items  []item
			}
		}
	}
	read := func(tok string) answer {
		r := s.query(t, tok, q, nil)
		if len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		var a answer
		if err := json.Unmarshal(r.Data["childFriendlyCommunes"], &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	shown, exact := read(analyst), read(officer)
	tab := childfriendly.Default()
	items := map[string]childfriendly.Item{}
	for _, c := range tab.Criteria {
		for _, it := range c.Items {
			items[it.ID] = it
		}
	}
	// The criterion rates whose numerator can be withheld, with the exact
	// numerator and denominator of the fixture (2021) and the threshold.
	type truthOf struct {
		num, den int
		k        int
		factor   float64
	}
	truths := map[string]truthOf{ // commune|item
		"90004|3": {1, 2000, 10, 1000}, "90004|4": {3, 2000, 10, 1000}, "90001|3": {3, 300, 10, 1000},
	}
	shares := map[string]bool{"birth_registration": true, "assisted": true, "timely_plan": true, "immunised": true,
		"underweight": true, "stunted": true, "checkup": true, "preschool_5": true, "collaborator_share": true, "satisfaction": true}
	attempts, recovered := 0, 0
	for ci, c := range shown.Communes {
		for _, cr := range c.Criteria {
			for _, it := range cr.Items {
				if it.Status == string(disclosure.Suppressed) {
					attempts++
					if it.Band != nil || it.Value != nil {
						t.Errorf("%s item %s: withheld, yet shows band %v value %v", c.Commune.Code, it.ID, it.Band, it.Value)
					}
					tr, ok := truths[c.Commune.Code+"|"+it.ID]
					if !ok {
						continue
					}
					var cands []int
					for n := 0; n < tr.k; n++ {
						v := float64(n) / float64(tr.den) * tr.factor
						if p := points(items[it.ID], v); p >= it.ScoreMin && p <= it.ScoreMax {
							cands = append(cands, n)
						}
					}
					if len(cands) == 1 && cands[0] == tr.num {
						recovered++
						t.Errorf("%s item %s: points %d–%d pin the count at %d", c.Commune.Code, it.ID, it.ScoreMin, it.ScoreMax, tr.num)
					}
					continue
				}
				// A released value: its band is the band of the shown value,
				// and a share never exceeds its whole.
				if it.Value == nil {
					continue
				}
				v := *it.Value
				if p := points(items[it.ID], v); it.Score == nil || *it.Score != p {
					t.Errorf("%s item %s: value %v scores %d, shown %v", c.Commune.Code, it.ID, v, p, it.Score)
				}
				if shares[items[it.ID].Value] && v > 100 {
					t.Errorf("%s item %s: share %v above 100 %%", c.Commune.Code, it.ID, v)
				}
			}
		}
		// The total and recognition say no more than the items: a total is
		// shown only when every item is determined, and the truth (itself a
		// range where an item has no data) lies in the range shown.
		e := exact.Communes[ci]
		if e.Commune.Code != c.Commune.Code || e.TotalScoreMin < c.TotalScoreMin || e.TotalScoreMax > c.TotalScoreMax {
			t.Errorf("%s: exact total %d–%d outside %d–%d", c.Commune.Code, e.TotalScoreMin, e.TotalScoreMax, c.TotalScoreMin, c.TotalScoreMax)
		}
		if (c.TotalScore == nil) != (c.TotalScoreMin != c.TotalScoreMax) || (c.Recognised == nil) != (c.Status == "SUPPRESSED" || c.Status == "NO_DATA") {
			t.Errorf("%s: total %v (%d–%d), recognised %v, status %s", c.Commune.Code, c.TotalScore, c.TotalScoreMin, c.TotalScoreMax, c.Recognised, c.Status)
		}
		if c.Recognised != nil && *c.Recognised != *e.Recognised {
			t.Errorf("%s: recognition shown %v, exact %v", c.Commune.Code, *c.Recognised, *e.Recognised)
		}
	}
	t.Logf("route 2 (derived scores): %d withheld items read, %d exact recoveries", attempts, recovered)
	if attempts == 0 {
		t.Fatal("the fixture withholds no criterion value: the attack tested nothing")
	}
}

// points scores one value on one item of the public scoring table.
func points(it childfriendly.Item, v float64) int {
	tab := childfriendly.Default()
	one := &childfriendly.Table{Thresholds: tab.Thresholds, Criteria: []childfriendly.Criterion{{Number: 1, Items: []childfriendly.Item{it}}}}
	r, _ := one.Score("other", map[string]*float64{it.Value: &v})
	return r.Criteria[0].Score
}

// TestAttackCountingNonEmptyCells: route 3. A fine breakdown of a withheld
// total once listed exact zeros, or left empty cells out, so the number of
// non-empty cells bounded the total from below and could pin it. Now every
// key of the domain is a row and zeros are withheld like small counts: the
// attacker's count of cells that may hold someone is the number of rows.
func TestAttackCountingNonEmptyCells(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	attempts, recovered := 0, 0
	const period = `from: "2021-01", to: "2021-12", periodType: MONTH`
	for _, target := range []struct{ measure, unit, dims string }{
		{"ABUSED", "731", "PERIOD, COMMUNE, SEX, AGE_BAND"},
		{"ABUSED", "90001", "PERIOD, SEX, AGE_BAND, POVERTY"},
		{"SPECIAL", "90004", "SEX, AGE_BAND, GROUP"},
		{"INJURY_DEATHS", "734", "PERIOD, SEX, AGE_BAND"},
	} {
		attempts++
		filter := period + `, orgUnit: "` + target.unit + `"`
		if target.measure == "SPECIAL" {
			filter = `period: "2021", orgUnit: "90004"`
		}
		truth := *total(t, s, officer, target.measure, strings.Replace(filter, "periodType: MONTH", "", 1)).Value
		rows := aggregate(t, s, analyst, target.measure, target.dims, filter)
		nonEmpty, zeros := 0, 0
		for _, r := range rows {
			if r.Value != nil && *r.Value == 0 {
				zeros++
				continue
			}
			nonEmpty++ // withheld or released: may hold someone
		}
		if zeros > 0 {
			t.Errorf("%s in %s: %d exact zeros released", target.measure, target.unit, zeros)
		}
		// The rows are the domain, whatever the data: another measure of
		// other children has the same keys.
		other := aggregate(t, s, analyst, "CHILDREN", strings.ReplaceAll(target.dims, ", GROUP", ""), filter)
		if !strings.Contains(target.dims, "GROUP") && len(other) != len(rows) {
			t.Errorf("%s in %s: %d rows, CHILDREN %d: the rows depend on the data", target.measure, target.unit, len(rows), len(other))
		}
		if nonEmpty == truth {
			recovered++
			t.Errorf("%s in %s: counting %d non-empty cells pins the total", target.measure, target.unit, nonEmpty)
		}
	}
	t.Logf("route 3 (counting non-empty cells): %d attempts, %d exact recoveries", attempts, recovered)
}

// TestAttackOneValuePerPopulation: the same cell reached by other questions
// (a comparison, a level listing, a trend) has one value, so no question
// draws a second rounding to combine.
func TestAttackOneValuePerPopulation(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	type released struct {
		OrgUnit     struct{ Code string }
		Value       *float64
		Numerator   *int
		Denominator *int
	}
	same := func(a, b released) bool {
		j1, _ := json.Marshal([]any{a.Value, a.Numerator, a.Denominator})
		j2, _ := json.Marshal([]any{b.Value, b.Numerator, b.Denominator})
		return string(j1) == string(j2)
	}
	decode := func(r response, field string, into any) {
		t.Helper()
		if err := json.Unmarshal(r.Data[field], into); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %s", field, err, r.raw)
		}
	}
	var cmp struct {
		Province  released
		Districts []released
	}
	decode(s.query(t, analyst, `{ compareDistricts(indicator: "birth_registration_u5", period: "2021") {
		province { value numerator denominator } districts { orgUnit { code } value numerator denominator } } }`, nil), "compareDistricts", &cmp)
	byUnit := map[string]released{"75": cmp.Province}
	for _, d := range cmp.Districts {
		byUnit[d.OrgUnit.Code] = d
	}
	var iv struct{ Values []released }
	decode(s.query(t, analyst, `{ indicatorValues(ids: ["birth_registration_u5"], level: DISTRICT, periods: ["2021"]) {
		values { orgUnit { code } value numerator denominator } } }`, nil), "indicatorValues", &iv)
	for _, v := range iv.Values {
		if !same(v, byUnit[v.OrgUnit.Code]) {
			t.Errorf("district %s: indicatorValues %+v, compareDistricts %+v", v.OrgUnit.Code, v, byUnit[v.OrgUnit.Code])
		}
	}
	for _, unit := range []string{"75", "734"} {
		var tr struct{ Points []released }
		decode(s.query(t, analyst, `query($u: String!) { trend(indicator: "birth_registration_u5", orgUnit: $u, from: "2021", to: "2021",
			periodType: YEAR) { points { value numerator denominator } } }`, map[string]any{"u": unit}), "trend", &tr)
		if len(tr.Points) != 1 || !same(tr.Points[0], byUnit[unit]) {
			t.Errorf("%s: trend %+v, compareDistricts %+v", unit, tr.Points, byUnit[unit])
		}
	}
}

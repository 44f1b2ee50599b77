package childfriendly

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"treem/internal/domain"
)

func f(v float64) *float64 { return &v }

// best are values that reach the top band of every item.
func best() map[string]*float64 {
	return map[string]*float64{
		"worker_assigned": f(1), "collaborator_share": f(100), "board_meetings": f(4), "funding_vnd": f(5e7),
		"birth_registration": f(100), "abuse_per_1000": f(0), "law_drug_per_1000": f(0), "injury_per_1000": f(2),
		"assisted": f(96), "timely_plan": f(100), "immunised": f(99), "underweight": f(3), "stunted": f(8),
		"checkup": f(95), "preschool_5": f(100), "children_forums": f(3), "play_venues": f(2), "satisfaction": f(90),
	}
}

func TestDefault(t *testing.T) {
	tab := Default()
	if d := tab.Departures(); len(d) > 0 {
		t.Errorf("the default table departs from Decision 06: %v", d)
	}
	total := 0
	for _, c := range tab.Criteria {
		total += c.MaxScore()
	}
	// 100+50+100+100+100+125+50+50+50+100+50+75+50 = 1000
	if total != 1000 {
		t.Fatalf("maximum total %d, want 1000", total)
	}
	want := map[int]int{1: 100, 6: 125, 7: 50}
	for _, c := range tab.Criteria {
		if w, ok := want[c.Number]; ok && c.MaxScore() != w {
			t.Errorf("criterion %d max %d, want %d", c.Number, c.MaxScore(), w)
		}
	}
}

func TestScore(t *testing.T) {
	tab := Default()
	tests := []struct {
		name       string
		category   string
		change     map[string]*float64
		total      int
		recognised bool
		failed     []int
	}{
		{"all top bands", "other", nil, 1000, true, nil},
		// 1000 − 25 (c10 preschool 97 → 75) − 25 (c12 one venue → 50) − 20 (c2 95 % → 30)
		// − 20 (c9 80 % → 30) − 20 (c13 70 % → 30) − 20 (c11 one forum → 30)
		// − 10 (c7 96 % → 40) − 10 (c8.1 underweight 7 % → 15) = 850: exactly the threshold.
		{"exactly on the 850 threshold", "other", map[string]*float64{
			"preschool_5": f(97), "play_venues": f(1), "birth_registration": f(95), "checkup": f(80),
			"satisfaction": f(70), "children_forums": f(1), "immunised": f(96), "underweight": f(7)}, 850, true, nil},
		// same, with immunisation at 95 (still 40) and underweight 10 % (5 points): 840 < 850.
		{"one point band below", "other", map[string]*float64{
			"preschool_5": f(97), "play_venues": f(1), "birth_registration": f(95), "checkup": f(80),
			"satisfaction": f(70), "children_forums": f(1), "immunised": f(95), "underweight": f(10)}, 840, false, nil},
		{"840 passes the 800 mountain threshold", "mountain_island_dbkk", map[string]*float64{
			"preschool_5": f(97), "play_venues": f(1), "birth_registration": f(95), "checkup": f(80),
			"satisfaction": f(70), "children_forums": f(1), "immunised": f(95), "underweight": f(10)}, 840, true, nil},
		// 1000 − 75 (c12 no venue → 0): 925 ≥ 850 but criterion 12 at 0 blocks recognition.
		{"a criterion at 0 blocks", "other", map[string]*float64{"play_venues": f(0)}, 925, false, []int{12}},
		// criterion 1: no worker (0) no collaborators (0) no meetings (0) no funding (0) → 0; 900 total.
		{"criterion 1 at 0", "other", map[string]*float64{"worker_assigned": f(0), "collaborator_share": f(50),
			"board_meetings": f(0), "funding_vnd": f(0)}, 900, false, []int{1}},
		// zero denominators: no child in special circumstances, no 6.2 case, nobody turned one,
		// no children counted (rates nil) → the noData points: 50 + 75, 50, 100 for c3/c4/c5/c10.
		{"zero denominators", "other", map[string]*float64{"assisted": nil, "timely_plan": nil, "immunised": nil,
			"abuse_per_1000": nil, "law_drug_per_1000": nil, "injury_per_1000": nil, "preschool_5": nil}, 1000, true, nil},
		// no nutrition measurement: 8.1 and 8.2 have no noData points → not
		// assessed (TestNotAssessed), never criterion 8 at 0.
		{"no measurement", "other", map[string]*float64{"underweight": nil, "stunted": nil}, 950, false, nil},
		// abuse rate 0.4 per 1,000: (0, 1) → 75; 1000 − 25 = 975.
		{"abuse above zero", "other", map[string]*float64{"abuse_per_1000": f(0.4)}, 975, true, nil},
		// c12 one venue 50 (−25), c10 preschool 80 % → 25 (−75), c8.1 12 % → 5 (−20): 880 < 900.
		{"ward threshold 900", "ward_central_city", map[string]*float64{"play_venues": f(1), "preschool_5": f(80),
			"underweight": f(12)}, 880, false, nil},
		{"880 passes 850", "other", map[string]*float64{"play_venues": f(1), "preschool_5": f(80),
			"underweight": f(12)}, 880, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := best()
			for k, x := range tt.change {
				v[k] = x
			}
			r, err := tab.Score(tt.category, v)
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != tt.total || r.Recognised != tt.recognised || !equal(r.FailedCriteria, tt.failed) {
				t.Fatalf("total %d recognised %v failed %v, want %d %v %v", r.Total, r.Recognised, r.FailedCriteria,
					tt.total, tt.recognised, tt.failed)
			}
		})
	}
}

// TestNotAssessed: missing data reads "not assessed", never 0 points: a
// commune that reported no facts, or measured no child under 5, is neither
// recognised nor failed, and its criteria are not counted as failed; unless
// what was assessed fails it anyway.
func TestNotAssessed(t *testing.T) {
	tab := Default()
	tests := []struct {
		name    string
		change  map[string]Known
		missing []string
	}{
		{"no child measured", map[string]Known{"underweight": Exact(nil), "stunted": Exact(nil)}, []string{"8.1", "8.2"}},
		{"no facts reported", map[string]Known{"play_venues": Missing(), "children_forums": Missing(), "worker_assigned": Missing()},
			[]string{"1.1", "11", "12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			known := map[string]Known{}
			for k, v := range best() {
				known[k] = Exact(v)
			}
			for k, v := range tt.change {
				known[k] = v
			}
			r, err := tab.ScoreKnown("other", known)
			if err != nil {
				t.Fatal(err)
			}
			if !r.NotAssessed || r.Recognised || r.Undetermined || len(r.FailedCriteria) > 0 || !slices.Equal(r.Missing, tt.missing) ||
				r.TotalMax != 1000 {
				t.Fatalf("result %+v", r)
			}
		})
	}
	known := map[string]Known{}
	for k, v := range best() {
		known[k] = Exact(v)
	}
	known["underweight"], known["play_venues"] = Exact(nil), Exact(f(0))
	if r, _ := tab.ScoreKnown("other", known); r.NotAssessed || r.Recognised || !equal(r.FailedCriteria, []int{12}) ||
		!slices.Equal(r.Missing, []string{"8.1"}) {
		t.Fatalf("no venue and no measurement: %+v", r)
	}
}

func TestProvisionalShown(t *testing.T) {
	tab := Default()
	r, _ := tab.Score("other", best())
	byNum := map[int]CriterionScore{}
	for _, c := range r.Criteria {
		byNum[c.Number] = c
	}
	// 6.1 ≥95 and 6.2 100 % are confirmed; 7 ≥98 confirmed; criterion 1 contains 1.4 (derived, provisional).
	if byNum[6].Provisional || byNum[7].Provisional {
		t.Error("confirmed top bands of criteria 6 and 7 marked provisional")
	}
	if !byNum[1].Provisional || !byNum[2].Provisional || !r.Provisional {
		t.Error("provisional bands not shown as provisional")
	}
	// 6.1 at 90 % falls in a provisional band.
	v := best()
	v["assisted"] = f(90)
	r, _ = tab.Score("other", v)
	if !r.Criteria[5].Provisional || r.Criteria[5].Score != 35+75 {
		t.Errorf("criterion 6 at 90 %%: %+v", r.Criteria[5])
	}
}

func TestParseRefuses(t *testing.T) {
	def := string(DefaultJSON())
	tests := []struct{ name, doc, want string }{
		{"missing criterion", strings.Replace(def, `{"number": 13,`, `{"number": 12,`, 1), "criterion 13 missing"},
		{"overlapping bands", strings.Replace(def, `{"min": 80, "max": 95, "points": 35`, `{"min": 80, "max": 96, "points": 35`, 1), "overlap"},
		{"negative points", strings.Replace(def, `{"min": 98, "points": 50}`, `{"min": 98, "points": -50}`, 1), "negative points"},
		{"point band inside interval", strings.Replace(def, `"minExclusive": true, `, ``, 1), "overlap"},
		{"unknown value", strings.Replace(def, `"value": "play_venues"`, `"value": "swings"`, 1), "unknown value"},
		{"missing threshold", strings.Replace(def, `"mountain_island_dbkk": 800, `, ``, 1), "threshold for mountain_island_dbkk"},
		{"not json", `{`, "not valid JSON"},
		{"total not 1,000", strings.Replace(def, `{"min": 1, "points": 20, "provisional": true}`, `{"min": 1, "points": 25, "provisional": true}`, 1), "add up to 1005 points, not 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == def {
				t.Fatal("the replacement did not apply")
			}
			_, err := Parse([]byte(tt.doc))
			if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want INVALID_INPUT with %q", err, tt.want)
			}
		})
	}
}

// TestDepartures: a table may move points between unconfirmed criteria and
// still total 1,000, but every change to a confirmed value is named.
func TestDepartures(t *testing.T) {
	def := string(DefaultJSON())
	tests := []struct{ name, doc, want string }{
		{"threshold", strings.Replace(def, `"other": 850`, `"other": 860`, 1), "threshold for other is 860, Decision 06 sets 850"},
		{"top band of 6.1", strings.Replace(def, `{"min": 95, "points": 50}, {"min": 80, "max": 95,`, `{"min": 90, "points": 50}, {"min": 80, "max": 90,`, 1), "item 6.1's top band does not start at 95"},
		{"points of 1.1, moved to 1.4", strings.Replace(strings.Replace(def, `{"min": 1, "points": 50}`, `{"min": 1, "points": 40}`, 1),
			`{"min": 1, "points": 20, "provisional": true}`, `{"min": 1, "points": 30, "provisional": true}`, 1), "item 1.1 gives at most 40 points, Decision 06 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if d := tab.Departures(); !slices.Contains(d, tt.want) {
				t.Fatalf("departures %q, want %q among them", d, tt.want)
			}
		})
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestScoreKnown: scores of values known only as ranges, worked out on the
// default table's bands (criterion 3, abuse per 1,000: = 0 → 100, (0, 1) →
// 75, [1, 2) → 50, [2, 5) → 25, ≥ 5 → 0; criterion 6.2, timely plans: ≥ 100
// → 75, [80, 100) → 50, [50, 80) → 25, < 50 → 0, no data → 75).
func TestScoreKnown(t *testing.T) {
	tab := Default()
	known := func(change map[string]Known) map[string]Known {
		out := map[string]Known{}
		for k, v := range best() {
			out[k] = Exact(v)
		}
		for k, v := range change {
			out[k] = v
		}
		return out
	}
	item := func(r Result, id string) ItemScore {
		for _, c := range r.Criteria {
			for _, it := range c.Items {
				if it.ID == id {
					return it
				}
			}
		}
		t.Fatalf("no item %s", id)
		return ItemScore{}
	}
	tests := []struct {
		name              string
		change            map[string]Known
		item              string
		lo, hi            int
		band              string
		total, totalMax   int
		recognised, undet bool
		failed            []int
	}{
		// 0–9 abused of 2,000 → 0–4.5 per 1,000: bands = 0, (0, 1), [1, 2), [2, 5).
		{"withheld abuse count", map[string]Known{"abuse_per_1000": {Lo: 0, Hi: 4.5, Some: true, Withheld: true}},
			"3", 25, 100, "", 925, 1000, true, false, nil},
		// 0–9 of 20,000 → 0–0.45: = 0 or (0, 1): 75–100, still no band shown.
		{"withheld, one band short", map[string]Known{"abuse_per_1000": {Lo: 0, Hi: 0.45, Some: true, Withheld: true}},
			"3", 75, 100, "", 975, 1000, true, false, nil},
		// A withheld denominator: any rate or none: 0–75 points; 6.1 keeps
		// criterion 6 above 0 and the total stays above 850: recognised.
		{"withheld denominator", map[string]Known{"timely_plan": {Lo: 0, Hi: 100, Some: true, NoData: true, Withheld: true}},
			"6.2", 0, 75, "", 925, 1000, true, false, nil},
		// The commune exactly on the threshold (TestScore), its abuse withheld:
		// 850 − 100 + 25 = 775 to 850: the released values do not decide.
		{"near the threshold", map[string]Known{"preschool_5": Exact(f(97)), "play_venues": Exact(f(1)),
			"birth_registration": Exact(f(95)), "checkup": Exact(f(80)), "satisfaction": Exact(f(70)),
			"children_forums": Exact(f(1)), "immunised": Exact(f(96)), "underweight": Exact(f(7)),
			"abuse_per_1000": {Lo: 0, Hi: 4.5, Some: true, Withheld: true}}, "3", 25, 100, "", 775, 850, false, true, nil},
		// An exact value inside a range form is one band.
		{"exact", map[string]Known{"abuse_per_1000": Exact(f(0.5))}, "3", 75, 75, "(0, 1)", 975, 975, true, false, nil},
		// Certainly failing: abuse ≥ 5 per 1,000 whatever the withheld part.
		{"certain failure", map[string]Known{"abuse_per_1000": {Lo: 5, Hi: 9, Some: true, Withheld: true}},
			"3", 0, 0, "", 900, 900, false, false, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tab.ScoreKnown("other", known(tt.change))
			if err != nil {
				t.Fatal(err)
			}
			it := item(r, tt.item)
			if it.Score != tt.lo || it.ScoreMax != tt.hi || it.Band != tt.band {
				t.Errorf("item %s: %d–%d band %q, want %d–%d %q", tt.item, it.Score, it.ScoreMax, it.Band, tt.lo, tt.hi, tt.band)
			}
			if r.Total != tt.total || r.TotalMax != tt.totalMax || r.Recognised != tt.recognised || r.Undetermined != tt.undet ||
				!equal(r.FailedCriteria, tt.failed) {
				t.Errorf("total %d–%d recognised %v undetermined %v failed %v", r.Total, r.TotalMax, r.Recognised, r.Undetermined, r.FailedCriteria)
			}
		})
	}
}

// TestParseTellsEveryProblem: a table with several faults is refused with one
// INVALID_INPUT problem on "table" for each, in the order they were found.
func TestParseTellsEveryProblem(t *testing.T) {
	def := string(DefaultJSON())
	edit := func(doc string, pairs ...string) string {
		for i := 0; i < len(pairs); i += 2 {
			if !strings.Contains(doc, pairs[i]) {
				t.Fatalf("%q is not in the table", pairs[i])
			}
			doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
		}
		return doc
	}
	for _, tt := range []struct {
		name, doc string
		want      []string // a part of each problem's message, in order
	}{
		{"three faults", edit(def, `"mountain_island_dbkk": 800, `, ``, `{"min": 98, "points": 50}`, `{"min": 98, "points": -50}`,
			`"value": "play_venues"`, `"value": "swings"`),
			[]string{"threshold for mountain_island_dbkk", "negative points", `unknown value "swings"`}},
		{"a number twice, another missing", edit(def, `{"number": 13,`, `{"number": 12,`), []string{"criterion 12 repeated", "criterion 13 missing"}},
		{"not json", `{`, []string{"not valid JSON"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			// One problem may come alone, as an *Error.
			var problems domain.Problems
			var one *domain.Error
			switch {
			case errors.As(err, &problems):
			case errors.As(err, &one):
				problems = domain.Problems{one}
			default:
				t.Fatalf("err = %v, want input problems", err)
			}
			if len(problems) != len(tt.want) {
				t.Fatalf("%d problems (%v), want %d", len(problems), err, len(tt.want))
			}
			for i, p := range problems {
				if p.Code != domain.CodeInvalidInput || p.Field != "table" || !strings.Contains(p.Message, tt.want[i]) {
					t.Errorf("problem %d: %+v, want INVALID_INPUT on table saying %q", i, p, tt.want[i])
				}
			}
		})
	}
}

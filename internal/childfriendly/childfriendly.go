// Package childfriendly scores communes against the 13 criteria of Decision
// 06/QĐ-TTg (child-friendly communes). The scoring table is data: the embedded
// default (scoring.json) or a table a province officer uploads, validated
// whole. Confirmed points are coded as given; every unconfirmed band carries
// provisional=true and every answer shows it. The package is pure: criterion
// values come from the caller.
package childfriendly

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"treem/internal/domain"
)

//go:embed scoring.json
var embedded []byte

// DefaultJSON is the embedded default table.
func DefaultJSON() []byte { return bytes.Clone(embedded) }

// Band scores values v with Min ≤ v < Max (Min < v when MinExclusive; no Min:
// from −∞; no Max: to +∞; Min = Max: exactly that value).
type Band struct {
	Min          *float64 `json:"min,omitempty"`
	MinExclusive bool     `json:"minExclusive,omitempty"`
	Max          *float64 `json:"max,omitempty"`
	Points       int      `json:"points"`
	Provisional  bool     `json:"provisional,omitempty"`
}

// Item is one scored part of a criterion, read from one named value.
type Item struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	Bands []Band `json:"bands"`
	// NoData scores a value without a denominator (nil); absent: 0.
	NoData            *int `json:"noData,omitempty"`
	NoDataProvisional bool `json:"noDataProvisional,omitempty"`
}

// Criterion is one of the 13 criteria.
type Criterion struct {
	Number int    `json:"number"`
	NameVi string `json:"nameVi"`
	NameEn string `json:"nameEn"`
	Items  []Item `json:"items"`
}

// Table is a complete scoring table.
type Table struct {
	Version    string         `json:"version"`
	Note       string         `json:"note,omitempty"`
	Thresholds map[string]int `json:"thresholds"`
	Criteria   []Criterion    `json:"criteria"`
}

// Categories are the commune categories of fact_unit_year.category.
var Categories = []string{"other", "mountain_island_dbkk", "ward_central_city"}

// Values names the criterion values a table may read; the caller supplies
// them (nil: no denominator).
var Values = []string{"worker_assigned", "collaborator_share", "board_meetings", "funding_vnd",
	"birth_registration", "abuse_per_1000", "law_drug_per_1000", "injury_per_1000", "assisted", "timely_plan",
	"immunised", "underweight", "stunted", "checkup", "preschool_5", "children_forums", "play_venues", "satisfaction"}

// Default returns the embedded table; TestDefault keeps it valid.
func Default() *Table {
	t, err := Parse(embedded)
	if err != nil {
		panic(fmt.Sprintf("embedded child-friendly scoring table: %v", err))
	}
	return t
}

// Parse reads and validates a table. A table with a missing criterion,
// overlapping bands, negative points or an unknown value is refused whole,
// with every reason, each an INVALID_INPUT problem on the field "table"
// (domain.Problems). JSON that does not read is one problem: the checks need
// the table it would hold.
func Parse(data []byte) (*Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Table
	if err := dec.Decode(&t); err != nil {
		return nil, &domain.Error{Code: domain.CodeInvalidInput, Field: "table", Message: "scoring table is not valid JSON: " + err.Error(),
			Err: err}
	}
	if errs := t.validate(); len(errs) > 0 {
		problems := make([]error, len(errs))
		for i, e := range errs {
			problems[i] = domain.Invalid("table", "%s", e)
		}
		return nil, domain.Collect(problems...)
	}
	sort.Slice(t.Criteria, func(i, j int) bool { return t.Criteria[i].Number < t.Criteria[j].Number })
	return &t, nil
}

func (t *Table) validate() []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if t.Version == "" {
		bad("version missing")
	}
	for _, c := range Categories {
		if t.Thresholds[c] <= 0 {
			bad("threshold for %s missing or not positive", c)
		}
	}
	for c := range t.Thresholds {
		if !contains(Categories, c) {
			bad("unknown category %q", c)
		}
	}
	seen := map[int]bool{}
	items := map[string]bool{}
	for _, c := range t.Criteria {
		if c.Number < 1 || c.Number > 13 {
			bad("criterion %d is not 1–13", c.Number)
			continue
		}
		if seen[c.Number] {
			bad("criterion %d repeated", c.Number)
		}
		seen[c.Number] = true
		if c.NameVi == "" {
			bad("criterion %d has no name", c.Number)
		}
		if len(c.Items) == 0 {
			bad("criterion %d has no items", c.Number)
		}
		for _, it := range c.Items {
			where := fmt.Sprintf("criterion %d item %s", c.Number, it.ID)
			if it.ID == "" || items[it.ID] {
				bad("%s: id missing or repeated", where)
			}
			items[it.ID] = true
			if !contains(Values, it.Value) {
				bad("%s: unknown value %q", where, it.Value)
			}
			if len(it.Bands) == 0 {
				bad("%s: no bands", where)
			}
			if it.NoData != nil && *it.NoData < 0 {
				bad("%s: negative noData points", where)
			}
			for i, b := range it.Bands {
				if b.Points < 0 {
					bad("%s: band %d has negative points", where, i+1)
				}
				if b.Min != nil && b.Max != nil && (*b.Max < *b.Min || (*b.Max == *b.Min && b.MinExclusive)) {
					bad("%s: band %d is empty", where, i+1)
				}
				for j := 0; j < i; j++ {
					if overlap(b, it.Bands[j]) {
						bad("%s: bands %d and %d overlap", where, j+1, i+1)
					}
				}
			}
		}
	}
	for n := 1; n <= 13; n++ {
		if !seen[n] {
			bad("criterion %d missing", n)
		}
	}
	if len(errs) == 0 && t.MaxPoints() != MaxPoints {
		bad("the criteria's best bands add up to %d points, not %d", t.MaxPoints(), MaxPoints)
	}
	return errs
}

// MaxPoints is the scale of Decision 06/QĐ-TTg: the thresholds 800, 850 and
// 900 are out of 1,000, as under its predecessor QĐ 37/2010
// (shared/domain/child-friendly-commune.md §3.4).
const MaxPoints = 1000

// MaxPoints is the total a commune reaches with every item in its best band.
func (t *Table) MaxPoints() int {
	total := 0
	for _, c := range t.Criteria {
		total += c.MaxScore()
	}
	return total
}

// maxPoints is the most an item gives, with or without data.
func (it Item) maxPoints() int {
	best := 0
	if it.NoData != nil {
		best = *it.NoData
	}
	for _, b := range it.Bands {
		best = max(best, b.Points)
	}
	return best
}

// topBand is the band an item gives its most points in.
func (it Item) topBand() Band {
	var top Band
	for _, b := range it.Bands {
		if b.Points > top.Points {
			top = b
		}
	}
	return top
}

// confirmed are the points and thresholds the sources fix
// (shared/domain/child-friendly-commune.md §3.1–3.3 and §4): a table may
// depart from them only with an explicit, audited override.
var confirmed = struct {
	thresholds map[string]int
	criterion  map[int]int    // criterion → maximum points
	item       map[string]int // item → maximum points
	topFrom    map[string]float64
}{
	thresholds: map[string]int{"other": 850, "mountain_island_dbkk": 800, "ward_central_city": 900},
	criterion:  map[int]int{1: 100, 6: 125, 7: 50},
	item:       map[string]int{"1.1": 50, "1.2": 15, "1.3": 15, "6.1": 50, "6.2": 75, "7": 50},
	// The least value of the top band: ≥ 95 % assisted, 100 % timely plans, ≥ 98 % immunised.
	topFrom: map[string]float64{"6.1": 95, "6.2": 100, "7": 98},
}

// Departures lists where the table differs from the confirmed values.
func (t *Table) Departures() []string {
	var out []string
	for _, c := range Categories {
		if want := confirmed.thresholds[c]; t.Thresholds[c] != want {
			out = append(out, fmt.Sprintf("threshold for %s is %d, Decision 06 sets %d", c, t.Thresholds[c], want))
		}
	}
	for _, c := range t.Criteria {
		if want, ok := confirmed.criterion[c.Number]; ok && c.MaxScore() != want {
			out = append(out, fmt.Sprintf("criterion %d gives at most %d points, Decision 06 %d", c.Number, c.MaxScore(), want))
		}
		for _, it := range c.Items {
			if want, ok := confirmed.item[it.ID]; ok && it.maxPoints() != want {
				out = append(out, fmt.Sprintf("item %s gives at most %d points, Decision 06 %d", it.ID, it.maxPoints(), want))
			}
			if want, ok := confirmed.topFrom[it.ID]; ok {
				if top := it.topBand(); top.Min == nil || *top.Min != want || top.MinExclusive || top.Max != nil {
					out = append(out, fmt.Sprintf("item %s's top band does not start at %v", it.ID, want))
				}
			}
		}
	}
	return out
}

// bound is one end of a band: the value and whether it belongs to the band.
type bound struct {
	v    float64
	incl bool
}

func (b Band) lower() bound {
	if b.Min == nil {
		return bound{math.Inf(-1), false}
	}
	return bound{*b.Min, !b.MinExclusive}
}

func (b Band) upper() bound {
	if b.Max == nil {
		return bound{math.Inf(1), false}
	}
	if b.Min != nil && *b.Max == *b.Min {
		return bound{*b.Max, true}
	}
	return bound{*b.Max, false}
}

func overlap(a, b Band) bool {
	lo := maxLower(a.lower(), b.lower())
	hi := minUpper(a.upper(), b.upper())
	return lo.v < hi.v || (lo.v == hi.v && lo.incl && hi.incl)
}

func maxLower(a, b bound) bound {
	if a.v != b.v {
		if a.v > b.v {
			return a
		}
		return b
	}
	return bound{a.v, a.incl && b.incl}
}

func minUpper(a, b bound) bound {
	if a.v != b.v {
		if a.v < b.v {
			return a
		}
		return b
	}
	return bound{a.v, a.incl && b.incl}
}

func (b Band) holds(v float64) bool {
	lo, hi := b.lower(), b.upper()
	aboveLo := v > lo.v || (v == lo.v && lo.incl)
	belowHi := v < hi.v || (v == hi.v && hi.incl)
	return aboveLo && belowHi
}

// Label describes the band for people: "≥ 95", "[80, 95)", "= 0".
func (b Band) Label() string {
	switch {
	case b.Min != nil && b.Max != nil && *b.Min == *b.Max:
		return "= " + num(*b.Min)
	case b.Min == nil && b.Max == nil:
		return "any"
	case b.Min == nil:
		return "< " + num(*b.Max)
	case b.Max == nil && b.MinExclusive:
		return "> " + num(*b.Min)
	case b.Max == nil:
		return "≥ " + num(*b.Min)
	case b.MinExclusive:
		return "(" + num(*b.Min) + ", " + num(*b.Max) + ")"
	}
	return "[" + num(*b.Min) + ", " + num(*b.Max) + ")"
}

func num(v float64) string { return fmt.Sprintf("%g", v) }

// MaxScore is the most a criterion can score.
func (c Criterion) MaxScore() int {
	total := 0
	for _, it := range c.Items {
		total += it.maxPoints()
	}
	return total
}

// Known is what an answer may use of a criterion value: exactly one value,
// or (below province officer, where a count was withheld) every value in
// [Lo, Hi], with or without the case of no denominator.
type Known struct {
	Lo, Hi   float64
	Some     bool // some value in [Lo, Hi] is possible
	NoData   bool // no denominator is possible
	Withheld bool // the value rests on a withheld count and is not shown
	// Missing: the commune never reported the value, so the item is not
	// assessed (unlike NoData, which the table scores: no case to handle).
	Missing bool
}

// Missing is a value the commune never reported.
func Missing() Known { return Known{Missing: true} }

// Exact is a value known exactly (nil: no denominator).
func Exact(v *float64) Known {
	if v == nil {
		return Known{NoData: true}
	}
	return Known{Lo: *v, Hi: *v, Some: true}
}

// Value returns the single value of k, if it has one.
func (k Known) Value() (float64, bool) {
	return k.Lo, k.Some && !k.NoData && !k.Withheld && k.Lo == k.Hi
}

// ItemScore is how one item scored: Score when the value fixes it, else any
// number of points from Score to ScoreMax.
type ItemScore struct {
	ID          string
	Reads       string // the criterion value the item scores
	Value       *float64
	Band        string // "" when the value does not fix the band
	Score       int
	ScoreMax    int
	Provisional bool
	// NotAssessed: the value was never reported; the item scores anything
	// from 0 to its most.
	NotAssessed bool
}

// Determined reports whether the item's points are known.
func (s ItemScore) Determined() bool { return s.Score == s.ScoreMax }

// CriterionScore is how one criterion scored (a range when not determined).
type CriterionScore struct {
	Number      int
	NameVi      string
	NameEn      string
	Items       []ItemScore
	Score       int
	ScoreMax    int
	MaxScore    int // the most the criterion can ever score
	Provisional bool
}

// Result is a commune's assessment. Below province officer, values resting on
// withheld counts make it a range: Total to TotalMax points, and recognition
// is known only when every value in the range gives the same answer.
type Result struct {
	Criteria   []CriterionScore
	Total      int
	TotalMax   int
	Threshold  int
	Recognised bool
	// Undetermined: the values the caller may see do not decide recognition
	// (Recognised is then false and means nothing).
	Undetermined bool
	// NotAssessed: some value was never reported and the rest does not fail
	// the commune, so it cannot be assessed (Recognised is then false and
	// means nothing). Missing names the items without data.
	NotAssessed    bool
	Missing        []string
	FailedCriteria []int // criteria scoring 0 for certain: each blocks recognition
	Provisional    bool  // some score used a provisional band
}

// Score assesses one commune of category from its exact criterion values (a
// missing or nil value has no denominator). Recognition needs no criterion at
// 0 and a total at or above the category's threshold.
func (t *Table) Score(category string, values map[string]*float64) (Result, error) {
	known := make(map[string]Known, len(values))
	for k, v := range values {
		known[k] = Exact(v)
	}
	return t.ScoreKnown(category, known)
}

// ScoreKnown assesses one commune from what is known of its values (a missing
// value has no denominator): every score is the range of scores of the values
// still possible, so nothing shown pins a withheld value more than the
// released values already do.
func (t *Table) ScoreKnown(category string, values map[string]Known) (Result, error) {
	threshold, ok := t.Thresholds[category]
	if !ok {
		return Result{}, domain.Invalid("category", "unknown commune category %q", category)
	}
	r := Result{Threshold: threshold}
	mayFail := false
	for _, c := range t.Criteria {
		cs := CriterionScore{Number: c.Number, NameVi: c.NameVi, NameEn: c.NameEn, MaxScore: c.MaxScore()}
		for _, it := range c.Items {
			k, ok := values[it.Value]
			if !ok {
				k = Known{NoData: true}
			}
			is := it.score(k)
			if is.NotAssessed {
				r.Missing = append(r.Missing, it.ID)
			}
			cs.Items = append(cs.Items, is)
			cs.Score += is.Score
			cs.ScoreMax += is.ScoreMax
			cs.Provisional = cs.Provisional || is.Provisional
		}
		switch {
		case cs.ScoreMax == 0:
			r.FailedCriteria = append(r.FailedCriteria, c.Number)
		case cs.Score == 0:
			mayFail = true
		}
		r.Total += cs.Score
		r.TotalMax += cs.ScoreMax
		r.Provisional = r.Provisional || cs.Provisional
		r.Criteria = append(r.Criteria, cs)
	}
	// Missing data scores no points and fails no criterion: it leaves the
	// commune not assessed, unless what was assessed already fails it.
	switch {
	case len(r.FailedCriteria) > 0 || r.TotalMax < threshold:
		r.Recognised = false
	case len(r.Missing) > 0:
		r.NotAssessed = true
	case !mayFail && r.Total >= threshold:
		r.Recognised = true
	default:
		r.Undetermined = true
	}
	return r, nil
}

// score gives the points of every value k allows: one band when k is one
// value, else the lowest and highest points of the bands (and of "no data",
// and of a gap between bands, which scores 0) that k reaches.
func (it Item) score(k Known) ItemScore {
	// A value never reported, or a rate with no denominator where the table
	// gives no points for that case (no child measured, say), leaves the
	// item not assessed.
	if k.Missing || k.NoData && !k.Some && it.NoData == nil {
		return ItemScore{ID: it.ID, Reads: it.Value, Band: "not assessed", ScoreMax: it.maxPoints(), NotAssessed: true}
	}
	s := ItemScore{ID: it.ID, Reads: it.Value, Score: math.MaxInt, ScoreMax: math.MinInt}
	if v, ok := k.Value(); ok {
		s.Value = &v
	}
	take := func(points int, provisional bool) {
		s.Score, s.ScoreMax = min(s.Score, points), max(s.ScoreMax, points)
		s.Provisional = s.Provisional || provisional
	}
	bands := 0
	if k.NoData {
		s.Band = "no data"
		bands++
		if it.NoData != nil {
			take(*it.NoData, it.NoDataProvisional)
		} else {
			take(0, false)
		}
	}
	if k.Some {
		for _, b := range it.Bands {
			if b.reaches(k.Lo, k.Hi) {
				s.Band = b.Label()
				bands++
				take(b.Points, b.Provisional)
			}
		}
		if it.gapIn(k.Lo, k.Hi) {
			s.Band = "none"
			bands++
			take(0, false)
		}
	}
	if bands != 1 || k.Withheld {
		s.Band = ""
	}
	if bands == 0 { // nothing is possible: a caller's mistake, scored as no data
		s.Score, s.ScoreMax = 0, 0
	}
	return s
}

// reaches reports whether some value in [lo, hi] lies in the band.
func (b Band) reaches(lo, hi float64) bool {
	if lo == hi {
		return b.holds(lo)
	}
	return overlap(b, Band{Min: &lo, Max: &hi}) || b.holds(hi)
}

// gapIn reports whether some value in [lo, hi] lies in no band. Bands are
// intervals, so a gap shows at an end of the range or next to a band bound.
func (it Item) gapIn(lo, hi float64) bool {
	points := []float64{lo, hi}
	for _, b := range it.Bands {
		for _, e := range []*float64{b.Min, b.Max} {
			if e != nil {
				points = append(points, math.Nextafter(*e, math.Inf(-1)), *e, math.Nextafter(*e, math.Inf(1)))
			}
		}
	}
	for _, p := range points {
		if p < lo || p > hi {
			continue
		}
		held := false
		for _, b := range it.Bands {
			held = held || b.holds(p)
		}
		if !held {
			return true
		}
	}
	return false
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

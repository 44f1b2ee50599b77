package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"treem/internal/childfriendly"
	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
)

var (
	bandsU5 = []string{"0", "1-4"}
	band5   = []string{"5"}
)

// criterionRate defines a criterion value read from fact_child_month: the
// same definitions as the indicator catalogue, per commune and year.
type criterionRate struct {
	value  string
	num    indicators.Term
	den    indicators.Term
	factor float64
}

var criterionRates = []criterionRate{
	{value: "birth_registration", num: indicators.Term{Measure: "birth_registered", AgeBands: bandsU5},
		den: indicators.Term{Measure: "children", AgeBands: bandsU5}, factor: 100},
	{value: "abuse_per_1000", num: indicators.Term{Measure: "abused", AgeBands: indicators.ChildAgeBands},
		den: indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}, factor: 1000},
	{value: "law_drug_per_1000", num: indicators.Term{Measure: "special_law_drug", AgeBands: indicators.ChildAgeBands},
		den: indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}, factor: 1000},
	{value: "injury_per_1000", num: indicators.Term{Measure: "injured", AgeBands: indicators.ChildAgeBands},
		den: indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}, factor: 1000},
	{value: "assisted", num: indicators.Term{Measure: "special_supported", AgeBands: indicators.ChildAgeBands},
		den: indicators.Term{Measure: "special", AgeBands: indicators.ChildAgeBands}, factor: 100},
	{value: "timely_plan", num: indicators.Term{Measure: "cases_6_2_timely"}, den: indicators.Term{Measure: "cases_6_2"}, factor: 100},
	{value: "immunised", num: indicators.Term{Measure: "turned_one_immunised"}, den: indicators.Term{Measure: "turned_one"}, factor: 100},
	{value: "underweight", num: indicators.Term{Measure: "underweight_u5"}, den: indicators.Term{Measure: "measured_u5"}, factor: 100},
	{value: "stunted", num: indicators.Term{Measure: "stunted_u5"}, den: indicators.Term{Measure: "measured_u5"}, factor: 100},
	{value: "checkup", num: indicators.Term{Measure: "checked_up", AgeBands: indicators.ChildAgeBands},
		den: indicators.Term{Measure: "children", AgeBands: indicators.ChildAgeBands}, factor: 100},
	{value: "preschool_5", num: indicators.Term{Measure: "preschool_5", AgeBands: band5},
		den: indicators.Term{Measure: "children", AgeBands: band5}, factor: 100},
}

// CommuneScore is one commune's assessment for a year.
type CommuneScore struct {
	Commune  Unit
	District string
	Category string
	HasFacts bool
	Result   childfriendly.Result
	// Shown holds the criterion values as released to the caller (rates from
	// disclosure-controlled counts); the scores use the exact values: they
	// are the official assessment, which the district publishes.
	Shown  map[string]*float64
	Status map[string]disclosure.Status
}

// Summary is a recognition count against the national targets.
type Summary struct {
	Unit       Unit
	Communes   int
	Recognised int
	// Undetermined communes rest on withheld counts that decide their
	// recognition; the share is then withheld.
	Undetermined int
	// NotAssessed communes lack data (facts never reported, no child
	// measured): outside the share, never counted as failing.
	NotAssessed int
	Share       *float64
	Target2025  float64
	Target2030  float64
}

// ChildFriendlyAnswer is the child-friendly table of a year.
type ChildFriendlyAnswer struct {
	Year         int
	Communes     []CommuneScore
	Districts    []Summary
	Province     Summary
	TableVersion string
	Provisional  bool
	Meta         Meta
}

// ScoringTable returns the table in force: the latest upload, else the
// embedded default.
func (s *Service) ScoringTable(ctx context.Context) (*childfriendly.Table, error) {
	raw, err := s.store.ScoringTable(ctx)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return childfriendly.Default(), nil
	}
	return childfriendly.Parse(raw)
}

// UploadScoringTable validates table and makes it the one in force. Only
// province officers may; a table with any fault is refused whole, with every
// problem of the table (and of override's length) at once. A table that departs from the values the Decision fixes needs override, the
// officer's reason, which is kept and audited with it.
func (s *Service) UploadScoringTable(ctx context.Context, table []byte, override string) (*childfriendly.Table, error) {
	u := domain.UserFrom(ctx)
	if u == nil {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to upload a scoring table")
	}
	if u.Role != domain.RoleProvinceOfficer {
		return nil, domain.Errorf(domain.CodeForbidden, "only a province officer may replace the scoring table")
	}
	override = strings.TrimSpace(override)
	var overrideErr error
	if n := len([]rune(override)); n > 0 && (n < 10 || n > 2000) {
		overrideErr = domain.Invalid("override", "the reason must be 10 to 2,000 characters")
	}
	t, err := childfriendly.Parse(table)
	if err != nil {
		// The reason's length comes back with the table's problems; whether
		// a reason is needed at all depends on a table that reads.
		return nil, domain.Collect(err, overrideErr)
	}
	departures := t.Departures()
	switch {
	case len(departures) > 0 && override == "":
		overrideErr = domain.Invalid("override", "the table departs from Decision 06/QĐ-TTg (%s); give the reason as override to keep it anyway",
			strings.Join(departures, "; "))
	case len(departures) == 0 && override != "":
		overrideErr = domain.Invalid("override", "the table keeps every value Decision 06/QĐ-TTg fixes; there is nothing to override")
	}
	if overrideErr != nil {
		return nil, overrideErr
	}
	if err := s.store.SaveScoringTable(ctx, t.Version, table, u.Subject, departures, override); err != nil {
		return nil, err
	}
	return t, nil
}

// ChildFriendly scores every commune of year (of one 2021 district when
// district is set) and summarises districts and the province.
func (s *Service) ChildFriendly(ctx context.Context, year int, district string) (*ChildFriendlyAnswer, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkYear("year", year); err != nil {
		return nil, err
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	if district != "" && district != formerBinhPhuoc.Code {
		sc, err := ix.resolve("district", district, y2021)
		if err != nil {
			return nil, err
		}
		if sc.District == "" {
			return nil, domain.Invalid("district", "%s is not a 2021 district", district)
		}
	}
	tab, err := s.ScoringTable(ctx)
	if err != nil {
		return nil, err
	}
	// Every commune is scored: the province summary covers the province also
	// when the answer lists one district's communes.
	scores, pops, err := s.scoreCommunes(ctx, pol, ix, tab, year, "")
	if err != nil {
		return nil, err
	}
	a := &ChildFriendlyAnswer{Year: year, TableVersion: tab.Version, Meta: meta}
	a.Meta.Populations = pops
	dec := time.Date(year, 12, 1, 0, 0, 0, 0, time.UTC)
	a.Meta.Approximate = year >= 2025 && ix.approximate(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), dec)
	byDistrict := map[string]*Summary{}
	a.Province = Summary{Unit: Unit{Code: ProvinceCode, Name: ix.name(ProvinceCode, dec), Level: "province"}}
	for _, c := range scores {
		summaries := []*Summary{&a.Province}
		if district == "" || districtKey(c.District) == district {
			a.Communes = append(a.Communes, c)
			a.Provisional = a.Provisional || c.Result.Provisional
			d := byDistrict[c.District]
			if d == nil {
				d = &Summary{Unit: Unit{Code: c.District, Name: ix.name(c.District, y2021), Level: "district"}}
				if c.District == "" {
					d.Unit = formerBinhPhuoc
				}
				byDistrict[c.District] = d
			}
			summaries = append(summaries, d)
		}
		for _, sm := range summaries {
			sm.Communes++
			switch {
			case c.Result.NotAssessed:
				sm.NotAssessed++
			case c.Result.Undetermined:
				sm.Undetermined++
			case c.Result.Recognised:
				sm.Recognised++
			}
		}
	}
	ind, _ := s.cat.Get("child_friendly_share")
	finish := func(sm *Summary) {
		if assessed := sm.Communes - sm.NotAssessed; assessed > 0 && sm.Undetermined == 0 {
			v := float64(sm.Recognised) / float64(assessed) * 100
			sm.Share = &v
		}
		if ind != nil {
			if t := ind.TargetFor(2025); t != nil {
				sm.Target2025 = t.Value
			}
			if t := ind.TargetFor(2030); t != nil {
				sm.Target2030 = t.Value
			}
		}
	}
	for _, d := range byDistrict {
		finish(d)
		a.Districts = append(a.Districts, *d)
	}
	slices.SortFunc(a.Districts, func(x, y Summary) int { return compareStrings(x.Unit.Code, y.Unit.Code) })
	finish(&a.Province)
	if err := s.record(ctx, "childFriendlyCommunes", map[string]any{"year": year, "district": district}, a.Meta); err != nil {
		return nil, err
	}
	return a, nil
}

// scoresKey names one scoring of the communes of a run's load.
type scoresKey struct {
	table, district string
	year            int
	policy          disclosure.Policy
}

type scored struct {
	scores      []CommuneScore
	populations []string
}

// scoreCommunes is computeScores, kept for the rest of the run it was computed
// on: a run's warehouse does not change, and scoring every commune (two years
// of it for a change) is the dearest part of the scorecard and of the
// child-friendly view. Callers only read what it returns.
func (s *Service) scoreCommunes(ctx context.Context, pol disclosure.Policy, ix *unitIndex, tab *childfriendly.Table,
	year int, district string) ([]CommuneScore, []string, error) {
	if ix.run == "" {
		return s.computeScores(ctx, pol, ix, tab, year, district)
	}
	table, err := json.Marshal(tab)
	if err != nil {
		return nil, nil, fmt.Errorf("encode scoring table: %w", err)
	}
	key := scoresKey{table: string(table), district: district, year: year, policy: pol}
	s.scoresMu.Lock()
	if s.scoresRun != ix.run {
		s.scoresRun, s.scores = ix.run, map[scoresKey]scored{}
	}
	hit, ok := s.scores[key]
	s.scoresMu.Unlock()
	if ok {
		return hit.scores, hit.populations, nil
	}
	scores, pops, err := s.computeScores(ctx, pol, ix, tab, year, district)
	if err != nil {
		return nil, nil, err
	}
	s.scoresMu.Lock()
	if s.scoresRun == ix.run {
		s.scores[key] = scored{scores, pops}
	}
	s.scoresMu.Unlock()
	return scores, pops, nil
}

// computeScores computes every commune's criterion values and score, and
// fingerprints the populations of the criterion numerators that hold someone.
func (s *Service) computeScores(ctx context.Context, pol disclosure.Policy, ix *unitIndex, tab *childfriendly.Table,
	year int, district string) ([]CommuneScore, []string, error) {
	facts, err := s.wh.UnitYears(ctx, year, district)
	if err != nil {
		return nil, nil, err
	}
	yearSpan := span{Label: strconv.Itoa(year)}
	for m := 1; m <= 12; m++ {
		yearSpan.Months = append(yearSpan.Months, time.Date(year, time.Month(m), 1, 0, 0, 0, 0, time.UTC))
	}
	// One query for every commune at once: the December stocks and the
	// year's flows by commune and age band.
	var stocks, flows []string
	termOf := map[string]string{} // measure read → the term's (a distinct flow's year variant → the flow)
	for _, r := range criterionRates {
		for _, t := range []indicators.Term{r.num, r.den} {
			m, _ := indicators.LookupMeasure(t.Measure)
			name, err := measureFor(m, yearSpan)
			if err != nil {
				return nil, nil, err
			}
			termOf[name] = m.Name
			if m.Aggregation == indicators.Stock {
				stocks = appendNew(stocks, name)
			} else {
				flows = appendNew(flows, name)
			}
		}
	}
	rows, err := s.wh.Counts(ctx, clickhouse.CountQuery{
		Reads: []clickhouse.Read{{Measures: stocks, Months: []time.Time{yearSpan.last()}},
			{Measures: flows, Months: yearSpan.Months}},
		District: district, Dims: []clickhouse.Dim{clickhouse.DimCommune, clickhouse.DimAgeBand}, SumMonths: true,
	})
	if err != nil {
		return nil, nil, err
	}
	// counts[commune][measure][band]
	counts := map[string]map[string]map[string]*cell{}
	add := func(commune, measure, band string, r clickhouse.CountRow) {
		if counts[commune] == nil {
			counts[commune] = map[string]map[string]*cell{}
		}
		if counts[commune][measure] == nil {
			counts[commune][measure] = map[string]*cell{}
		}
		c := counts[commune][measure][band]
		if c == nil {
			c = &cell{}
			counts[commune][measure][band] = c
		}
		c.Value += r.Value
		c.CKey += uint32(r.CellKey)
	}
	for _, r := range rows {
		add(r.Keys[0], termOf[r.Measure], r.Keys[1], r)
	}
	// sum is the cell of a term in a commune: its count and cell key.
	sum := func(commune string, t indicators.Term) *cell {
		out := &cell{}
		for band, c := range counts[commune][t.Measure] {
			if len(t.AgeBands) == 0 || slices.Contains(t.AgeBands, band) {
				out.Value += c.Value
				out.CKey += c.CKey
			}
		}
		return out
	}
	facts = assessed(ix, facts, year)
	out := make([]CommuneScore, 0, len(facts))
	var pops []string
	for _, f := range facts {
		exact := map[string]*float64{
			"worker_assigned": ptr(b2f(f.WorkerAssigned)), "board_meetings": ptr(float64(f.BoardMeetings)),
			"funding_vnd": ptr(float64(f.FundingVND)), "children_forums": ptr(float64(f.ChildrenForums)),
			"play_venues":        ptr(float64(f.PlayVenues)),
			"collaborator_share": ratio(uint64(f.VillagesWithCollaborator), uint64(f.Villages), 100),
			"satisfaction":       ratio(uint64(f.SurveySatisfied), uint64(f.SurveyRespondents), 100),
		}
		// Commune facts are not counts of children: known exactly by all. A
		// commune that reported none is not assessed on them.
		known := map[string]childfriendly.Known{}
		shown := map[string]*float64{}
		status := map[string]disclosure.Status{}
		for k, v := range exact {
			known[k], shown[k], status[k] = childfriendly.Exact(v), v, disclosure.OK
			if !f.HasFacts {
				known[k], shown[k], status[k] = childfriendly.Missing(), nil, disclosure.NoData
			}
		}
		exactKnown := maps.Clone(known)
		sc := scope{Commune: f.UnitCode}
		for _, r := range criterionRates {
			nc, dc := sum(f.UnitCode, r.num), sum(f.UnitCode, r.den)
			if nc.Value > 0 && len(pops) < maxFingerprints {
				pops = append(pops, fingerprint(r.num.Measure, nc))
			}
			exactKnown[r.value] = childfriendly.Exact(ratio(nc.Value, dc.Value, r.factor))
			nq := termQuery{Term: r.num, Spans: []span{yearSpan}, Scope: sc}
			dq := termQuery{Term: r.den, Spans: []span{yearSpan}, Scope: sc}
			k, shownValue, st := criterionKnown(pol, r.factor, release(pol, nq, nc), release(pol, dq, dc), sensitiveTerm(nq))
			known[r.value], shown[r.value], status[r.value] = k, shownValue, st
		}
		category := f.Category
		if category == "" {
			category = "other" // no declared facts: the default category of commune_facts
		}
		if pol.Exact {
			known = exactKnown
		}
		res, err := tab.ScoreKnown(category, known)
		if err != nil {
			return nil, nil, domain.Wrap(err, domain.CodeInternal, "commune "+f.UnitCode+" has an unknown category")
		}
		out = append(out, CommuneScore{
			Commune:  Unit{Code: f.UnitCode, Name: ix.name(f.UnitCode, yearSpan.last()), Level: "commune"},
			District: f.District2021, Category: category, HasFacts: f.HasFacts, Result: res, Shown: shown, Status: status,
		})
	}
	return out, pops, nil
}

// criterionKnown is what a caller under pol may know of a criterion rate
// from its released numerator and denominator, the value shown and its
// status. A numerator is a part of its denominator: shown at most equal to it.
// A withheld numerator (fewer than k) leaves every rate from 0 to (k−1)/D; a
// withheld denominator leaves any rate, or none.
func criterionKnown(pol disclosure.Policy, factor float64, num, den disclosure.Count, sensitiveNum bool) (childfriendly.Known, *float64, disclosure.Status) {
	if num.Released() && den.Released() && num.Value > den.Value {
		num.Value = den.Value
	}
	rate := pol.Rate(num, den, factor)
	switch {
	case rate.HasValue:
		return childfriendly.Exact(&rate.Value), ptr(rate.Value), rate.Status
	case pol.Exact || (num.Released() && den.Released()): // a zero denominator
		return childfriendly.Exact(nil), nil, rate.Status
	case den.Released():
		hi := float64(min(pol.Threshold(sensitiveNum)-1, den.Value)) / float64(den.Value) * factor
		return childfriendly.Known{Lo: 0, Hi: hi, Some: true, Withheld: true}, nil, disclosure.Suppressed
	}
	return childfriendly.Known{Lo: 0, Hi: factor, Some: true, NoData: true, Withheld: true}, nil, disclosure.Suppressed
}

// sensitiveTerm reports whether the counts of a whole-cell query are held to
// the stricter threshold.
func sensitiveTerm(q termQuery) bool {
	m, _ := indicators.LookupMeasure(q.Term.Measure)
	return q.sensitive(&cell{}, m)
}

// evaluateUnits fills an indicator whose counts are communes (service points,
// child-friendly recognition), or sums of the communes' facts (inspection
// recommendations), per span and breakdown (none, district or commune).
func (s *Service) evaluateUnits(ctx context.Context, ev *evaluation, sc scope, dims []clickhouse.Dim) error {
	for _, d := range dims {
		if d != clickhouse.DimDistrict && d != clickhouse.DimCommune {
			return domain.Invalid("breakdown", "indicator %s can be broken down only by district or commune", ev.ind.ID)
		}
	}
	ev.unitNum, ev.unitDen, ev.unitUnknown = map[string]uint64{}, map[string]uint64{}, map[string]uint64{}
	ix := ev.ix
	var tab *childfriendly.Table
	var err error
	if ev.ind.Source == indicators.FromChildFriendly {
		if tab, err = s.ScoringTable(ctx); err != nil {
			return err
		}
	}
	// A hit counts num of den toward the cell: one commune, or (a ratio of
	// two facts) the commune's sums.
	type unitHit struct {
		code, district string
		num, den       uint64
		unknown        bool
	}
	// Communes are assessed once a year: the spans of one year (its
	// quarters, say) share the year's assessment.
	byYear := map[int][]unitHit{}
	for i, sp := range ev.spans {
		year := sp.last().Year()
		hits, done := byYear[year]
		switch {
		case done:
		case ev.ind.Source == indicators.FromChildFriendly:
			scores, _, err := s.scoreCommunes(ctx, ev.pol, ix, tab, year, sc.District)
			if err != nil {
				return err
			}
			for _, c := range scores {
				if !c.Result.NotAssessed { // outside the share, as in the summaries
					hits = append(hits, unitHit{c.Commune.Code, c.District, b2u(c.Result.Recognised), 1, c.Result.Undetermined})
				}
			}
		default:
			facts, err := s.wh.UnitYears(ctx, year, sc.District)
			if err != nil {
				return err
			}
			if ev.ind.Denominator == nil {
				facts = assessed(ix, facts, year)
			}
			// A ratio of sums counts every version of the year: a commune
			// merged in June had recommendations due before then.
			for _, f := range facts {
				h := unitHit{f.UnitCode, f.District2021, uint64(unitFact(ev.ind.Numerator.Measure, f)), 1, false}
				if ev.ind.Denominator != nil {
					h.den = uint64(unitFact(ev.ind.Denominator.Measure, f))
				} else {
					h.num = b2u(h.num >= 1)
				}
				hits = append(hits, h)
			}
			if districtRatio(ev.ind) {
				ds, err := s.wh.DistrictYears(ctx, year, sc.District)
				if err != nil {
					return err
				}
				// A district's own recommendations count for its line and
				// the province, never for a commune: no code.
				for _, d := range ds {
					num, _ := districtFact(ev.ind.Numerator.Measure, d)
					den, _ := districtFact(ev.ind.Denominator.Measure, d)
					hits = append(hits, unitHit{"", d.District2021, uint64(num), uint64(den), false})
				}
			}
		}
		byYear[year] = hits
		for _, h := range hits {
			if (sc.Commune != "" || slices.Contains(dims, clickhouse.DimCommune)) && h.code == "" {
				continue
			}
			if sc.Commune != "" && h.code != sc.Commune {
				continue
			}
			keys := []string{}
			for _, d := range dims {
				if d == clickhouse.DimDistrict {
					keys = append(keys, h.district)
				} else {
					keys = append(keys, h.code)
				}
			}
			id := cellID(i, keys)
			ev.unitDen[id] += h.den
			if h.unknown {
				ev.unitUnknown[id]++
			} else {
				ev.unitNum[id] += h.num
			}
		}
	}
	return nil
}

// assessed keeps the commune versions in force when a year's communes are
// assessed, in November (Decision 06/QĐ-TTg): 2024 and 2025 each ended
// versions mid-year, whose facts stop with them and must not count as
// communes of that year.
func assessed(ix *unitIndex, facts []clickhouse.UnitYear, year int) []clickhouse.UnitYear {
	on := time.Date(year, 12, 1, 0, 0, 0, 0, time.UTC)
	kept := facts[:0:0]
	for _, f := range facts {
		if ix.validOn(f.UnitCode, f.UnitValidFrom, on) {
			kept = append(kept, f)
		}
	}
	return kept
}

// unitFact reads a count column of fact_unit_year by name.
func unitFact(name string, f clickhouse.UnitYear) uint32 {
	switch name {
	case "service_points":
		return f.ServicePoints
	case "play_venues":
		return f.PlayVenues
	case "children_forums":
		return f.ChildrenForums
	case "communication_activities":
		return f.CommunicationActivities
	case "trained_commune_officers":
		return f.TrainedCommuneOfficers
	case "recommendations_due":
		return f.RecommendationsDue
	case "recommendations_resolved_on_time":
		return f.RecommendationsOnTime
	case "forum_recommendations_due":
		return f.ForumRecsDue
	case "forum_recommendations_answered_on_time":
		return f.ForumRecsOnTime
	}
	return 0
}

// districtRatio reports whether an indicator is a ratio of two facts that
// fact_district_year also holds, so the districts' own rows add to it. A
// count of communes never is.
func districtRatio(ind *indicators.Indicator) bool {
	if ind.Denominator == nil {
		return false
	}
	_, num := districtFact(ind.Numerator.Measure, clickhouse.DistrictYear{})
	_, den := districtFact(ind.Denominator.Measure, clickhouse.DistrictYear{})
	return num && den
}

// districtFact reads a count column of fact_district_year by name; ok is
// false for a measure the table does not hold.
func districtFact(name string, d clickhouse.DistrictYear) (n uint32, ok bool) {
	switch name {
	case "recommendations_due":
		return d.RecommendationsDue, true
	case "recommendations_resolved_on_time":
		return d.RecommendationsOnTime, true
	}
	return 0, false
}

func ratio(n, d uint64, factor float64) *float64 {
	if d == 0 {
		return nil
	}
	return ptr(float64(n) / float64(d) * factor)
}

func ptr[T any](v T) *T { return &v }

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

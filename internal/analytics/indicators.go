package analytics

import (
	"context"
	"slices"
	"sort"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// Breakdown is a dimension an answer may be split by.
type Breakdown string

// The breakdowns of indicator values and aggregates.
const (
	ByPeriod   Breakdown = "PERIOD"
	ByDistrict Breakdown = "DISTRICT"
	ByCommune  Breakdown = "COMMUNE"
	BySex      Breakdown = "SEX"
	ByAgeBand  Breakdown = "AGE_BAND"
	ByGroup    Breakdown = "GROUP"
	ByPoverty  Breakdown = "POVERTY"
)

var breakdownDims = map[Breakdown]clickhouse.Dim{
	ByDistrict: clickhouse.DimDistrict, ByCommune: clickhouse.DimCommune, BySex: clickhouse.DimSex,
	ByAgeBand: clickhouse.DimAgeBand, ByGroup: clickhouse.DimGroup, ByPoverty: clickhouse.DimPoverty,
}

// cardinality bounds the number of keys of a breakdown, for TOO_COMPLEX.
var cardinality = map[Breakdown]int{ByDistrict: 12, ByCommune: 200, BySex: 2, ByAgeBand: 6, ByGroup: 14, ByPoverty: 4}

// IndicatorValuesRequest asks for indicators in org units (or every unit of a
// level) over periods, optionally broken down.
type IndicatorValuesRequest struct {
	IDs       []string
	OrgUnits  []string
	Level     string // PROVINCE, DISTRICT or COMMUNE, instead of OrgUnits
	Periods   []period.Period
	Breakdown []Breakdown
	// Compare also ranks each value among the units of its level in the
	// answer and gives its change from the previous period, as a comparison
	// does (the export asks for them; it costs the previous periods' counts).
	Compare bool
}

// IndicatorValue is one cell of the answer.
type IndicatorValue struct {
	Indicator *indicators.Indicator
	OrgUnit   Unit
	Period    string
	Keys      []Key
	Value
	Gap *float64 // value − target, in the indicator's unit
	// Rank, Change and ChangeStatus are filled when the request asked to
	// Compare: the rank among the answer's units of the same level, period
	// and breakdown keys (see ranks), and the change from the previous
	// period of the same kind and keys (see change) with its status.
	Rank         *int
	Change       *float64
	ChangeStatus disclosure.Status
}

// Key is one breakdown coordinate of a cell.
type Key struct {
	Dimension Breakdown
	Value     string
	Name      string // the unit's name, for DISTRICT and COMMUNE keys
}

// IndicatorValuesAnswer is the answer with its lineage.
type IndicatorValuesAnswer struct {
	Values []IndicatorValue
	Meta   Meta
}

// IndicatorValues answers req, refusing as a whole anything malformed or too big.
func (s *Service) IndicatorValues(ctx context.Context, req IndicatorValuesRequest) (*IndicatorValuesAnswer, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	if len(req.IDs) == 0 || len(req.Periods) == 0 {
		return nil, domain.Invalid("ids", "give at least one indicator and one period")
	}
	if err := req.limit(); err != nil {
		return nil, err
	}
	inds := make([]*indicators.Indicator, 0, len(req.IDs))
	for _, id := range req.IDs {
		ind, err := s.cat.Get(id)
		if err != nil {
			return nil, err
		}
		inds = append(inds, ind)
	}
	spans := spansOf(req.Periods)
	// prev[i] is the span of the period before req.Periods[i], appended to
	// the spans asked unless asked too; it is counted, never listed.
	var prev []int
	if req.Compare {
		at := map[string]int{}
		for i, sp := range spans {
			at[sp.Label] = i
		}
		for _, p := range req.Periods {
			sp := spanOf(previous(p))
			j, ok := at[sp.Label]
			if !ok {
				j = len(spans)
				at[sp.Label] = j
				spans = append(spans, sp)
			}
			prev = append(prev, j)
		}
	}
	var dims []clickhouse.Dim
	cells := len(inds) * len(spans)
	for _, b := range req.Breakdown {
		d, ok := breakdownDims[b]
		if !ok || slices.Contains(dims, d) {
			return nil, domain.Invalid("breakdown", "breakdown %q is unknown or repeated", b)
		}
		dims = append(dims, d)
		cells *= cardinality[b]
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	last := req.Periods[0].LastMonth()
	first := req.Periods[0].First()
	for _, p := range req.Periods {
		if p.LastMonth().After(last) {
			last = p.LastMonth()
		}
		if p.First().Before(first) {
			first = p.First()
		}
	}
	scopes, err := s.scopes(ix, req.OrgUnits, req.Level, last)
	if err != nil {
		return nil, err
	}
	for _, sp := range spans[len(req.Periods):] {
		// A change rests on the previous period too.
		if sp.first().Before(first) {
			first = sp.first()
		}
	}
	if cells*len(scopes) > MaxCells {
		return nil, domain.Errorf(domain.CodeTooComplex, "the answer could hold %d cells, more than %d", cells*len(scopes), MaxCells)
	}
	meta.Approximate = ix.approximate(first, last)
	a := &IndicatorValuesAnswer{Meta: meta}
	// Every unit of a level comes from one evaluation broken down by the unit.
	var unitDim clickhouse.Dim
	switch req.Level {
	case "DISTRICT":
		unitDim = clickhouse.DimDistrict
	case "COMMUNE":
		unitDim = clickhouse.DimCommune
	}
	for _, ind := range inds {
		var shared *evaluation
		if unitDim != "" {
			if shared, err = s.evaluate(ctx, pol, ix, ind, spans, scope{}, append([]clickhouse.Dim{unitDim}, dims...), filters{}); err != nil {
				return nil, err
			}
			a.Meta.Populations = append(a.Meta.Populations, shared.populations()...)
		}
		for _, sc := range scopes {
			ev, prefix := shared, []string{sc.Unit.Code}
			if ev == nil {
				if ev, err = s.evaluate(ctx, pol, ix, ind, spans, sc, dims, filters{}); err != nil {
					return nil, err
				}
				prefix = nil
				a.Meta.Populations = append(a.Meta.Populations, ev.populations()...)
			}
			keys := [][]string{prefix}
			if len(dims) > 0 {
				keys = nil
				all, err := ev.keys(len(req.Periods))
				if err != nil {
					return nil, err
				}
				for _, k := range all {
					if len(prefix) == 0 || k[0] == prefix[0] {
						keys = append(keys, k)
					}
				}
			}
			for i, sp := range spans[:len(req.Periods)] {
				for _, k := range keys {
					if k == nil {
						k = []string{}
					}
					iv := IndicatorValue{Indicator: ind, OrgUnit: sc.Unit, Period: sp.Label, Value: ev.value(i, k)}
					iv.Gap = gap(ind, iv.Value)
					if req.Compare {
						iv.Change, iv.ChangeStatus = change(ind, iv.Value, ev.value(prev[i], k), spans[prev[i]])
					}
					for j, b := range req.Breakdown {
						iv.Keys = append(iv.Keys, ix.answerKey(b, k[len(prefix)+j], last))
					}
					a.Values = append(a.Values, iv)
				}
			}
		}
	}
	if req.Compare {
		rankValues(a.Values)
	}
	periods := make([]string, len(req.Periods))
	for i, p := range req.Periods {
		periods[i] = p.String()
	}
	breakdown := make([]string, len(req.Breakdown))
	for i, b := range req.Breakdown {
		breakdown[i] = string(b)
	}
	args := map[string]any{"ids": req.IDs, "orgUnits": req.OrgUnits, "level": req.Level, "periods": periods, "breakdown": breakdown}
	if req.Compare {
		args["compare"] = true // the previous periods' counts were read and released as changes
	}
	if err := s.record(ctx, "indicatorValues", args, a.Meta); err != nil {
		return nil, err
	}
	return a, nil
}

// rankValues ranks each value among the values of the same indicator,
// period and breakdown keys whose units are of the same level, as a
// comparison ranks its units (see ranks).
func rankValues(vs []IndicatorValue) {
	groups := map[string][]int{}
	var order []string
	for i, v := range vs {
		id := v.Indicator.ID + "\x00" + v.OrgUnit.Level + "\x00" + v.Period
		for _, k := range v.Keys {
			id += "\x00" + string(k.Dimension) + "=" + k.Value
		}
		if groups[id] == nil {
			order = append(order, id)
		}
		groups[id] = append(groups[id], i)
	}
	for _, id := range order {
		idx := groups[id]
		vals := make([]Value, len(idx))
		for j, i := range idx {
			vals[j] = vs[i].Value
		}
		for j, r := range ranks(vals, vs[idx[0]].Indicator.HigherIsBetter()) {
			vs[idx[j]].Rank = r
		}
	}
}

// scopes resolves org-unit codes, or every unit of a level.
func (s *Service) scopes(ix *unitIndex, codes []string, level string, day time.Time) ([]scope, error) {
	if len(codes) > 0 && level != "" {
		return nil, domain.Invalid("level", "give orgUnits or level, not both")
	}
	if len(codes) > MaxOrgUnits {
		return nil, tooMany("orgUnits", len(codes), MaxOrgUnits)
	}
	var out []scope
	switch level {
	case "":
		if len(codes) == 0 {
			codes = []string{ProvinceCode}
		}
		for _, c := range codes {
			sc, err := ix.resolve("orgUnits", c, day)
			if err != nil {
				return nil, err
			}
			out = append(out, sc)
		}
	case "PROVINCE":
		sc, _ := ix.resolve("level", ProvinceCode, day)
		out = append(out, sc)
	case "DISTRICT":
		for _, d := range ix.districts {
			out = append(out, scope{Unit: d, District: d.Code})
		}
	case "COMMUNE":
		for code := range ix.versions {
			if v, ok := ix.version(code, day); ok && v.Level == "commune" && inForce(v, day) {
				out = append(out, scope{Unit: Unit{Code: code, Name: v.Name, Level: "commune"}, Commune: code})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Unit.Code < out[j].Unit.Code })
	default:
		return nil, domain.Invalid("level", "unknown level %q", level)
	}
	return out, nil
}

// Comparison compares the 2021 districts on one indicator and period.
type Comparison struct {
	Indicator *indicators.Indicator
	Period    string
	Province  Value
	// ProvinceArea is WHOLE_PROVINCE, or FORMER_DONG_NAI once the province
	// holds territory outside the 2021 districts compared.
	ProvinceArea string
	Districts    []UnitRow
	Meta         Meta
}

// CompareDistricts ranks the 11 districts of 2021 on indicator in periodStr
// (best first in the indicator's direction; suppressed values are not ranked).
func (s *Service) CompareDistricts(ctx context.Context, indicator, periodStr string) (*Comparison, error) {
	q, err := s.comparison(ctx, indicator, periodStr)
	if err != nil {
		return nil, err
	}
	pol, ind, p, meta, ix, spans := q.pol, q.ind, q.p, q.meta, q.ix, q.spans
	meta.Approximate = ix.approximate(p.First(), p.LastMonth())
	// One evaluation by district gives the province too: its total is the
	// sum of the district cells.
	de, err := s.evaluate(ctx, pol, ix, ind, spans, scope{}, []clickhouse.Dim{clickhouse.DimDistrict}, filters{})
	if err != nil {
		return nil, err
	}
	c := &Comparison{Indicator: ind, Period: p.String(), Province: de.total(0), ProvinceArea: "WHOLE_PROVINCE", Meta: meta}
	if ix.beyond2021(p.End().AddDate(0, 0, -1)) {
		// The bars are the 2021 districts: the province line beside them
		// is theirs too, without the territory merged in since.
		// A unit-year cell of no district (the former Bình Phước's
		// communes) splits into no keys at all.
		c.Province = de.totalWhere(0, func(keys []string) bool { return len(keys) > 0 && keys[0] != "" })
		c.ProvinceArea = "FORMER_DONG_NAI"
	}
	for _, d := range ix.districts {
		if d.Code == "" {
			continue
		}
		c.Districts = append(c.Districts, unitRow(ind, de, d))
	}
	rank(c.Districts, ind.HigherIsBetter())
	c.Meta.Populations = de.populations()
	if err := s.record(ctx, "compareDistricts", map[string]any{"indicator": indicator, "period": periodStr}, c.Meta); err != nil {
		return nil, err
	}
	return c, nil
}

// comparisonQuestion is what a comparison starts from: the caller's policy,
// the indicator, the period and the one before it, and the load's units.
type comparisonQuestion struct {
	pol   disclosure.Policy
	ind   *indicators.Indicator
	p     period.Period
	meta  Meta
	ix    *unitIndex
	spans []span // the period, then the one before it
}

func (s *Service) comparison(ctx context.Context, indicator, periodStr string) (*comparisonQuestion, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	ind, err := s.cat.Get(indicator)
	if err != nil {
		return nil, err
	}
	p, err := period.Parse("period", periodStr)
	if err != nil {
		return nil, err
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	return &comparisonQuestion{pol: pol, ind: ind, p: p, meta: meta, ix: ix, spans: []span{spanOf(p), spanOf(previous(p))}}, nil
}

// unitRow is u's row of a comparison evaluated over the period and the one
// before it (spans 0 and 1), keyed by u's code.
func unitRow(ind *indicators.Indicator, ev *evaluation, u Unit) UnitRow {
	row := UnitRow{Unit: u, Value: ev.value(0, []string{u.Code})}
	row.Gap = gap(ind, row.Value)
	row.Change, _ = change(ind, row.Value, ev.value(1, []string{u.Code}), ev.spans[1])
	return row
}

// change is cur − prev, a value's change from the previous period's (prev,
// of span before), from released values only, so that it says nothing the
// two released values do not: with status OK (UNSTABLE when either value
// is), else nil with the reason, the withheld value's status (cur's first)
// or NO_DATA when the previous period ends before the history begins.
func change(ind *indicators.Indicator, cur, prev Value, before span) (*float64, disclosure.Status) {
	switch {
	case !releasedValue(cur):
		return nil, cur.Status
	case before.last().Before(domain.HistoryStart):
		return nil, disclosure.NoData
	case !releasedValue(prev):
		return nil, prev.Status
	}
	st := disclosure.OK
	if cur.Status == disclosure.Unstable || prev.Status == disclosure.Unstable {
		st = disclosure.Unstable
	}
	return ptr(ind.Round(*cur.Value - *prev.Value)), st
}

// releasedValue reports whether v has a value to show or derive from.
func releasedValue(v Value) bool {
	return v.Value != nil && v.Status != disclosure.Suppressed && v.Status != disclosure.NoData
}

// gap is v's distance to its target, from released values only: nil when
// the value is withheld or the year has no target.
func gap(ind *indicators.Indicator, v Value) *float64 {
	if v.Value == nil || v.Target == nil {
		return nil
	}
	return ptr(ind.Round(*v.Value - v.Target.Value))
}

// rank numbers released values best first, equal values sharing a rank, and
// orders the rows by it: ranked rows first, then the unranked, each in the
// order they came (code order).
func rank(rows []UnitRow, higher bool) {
	vals := make([]Value, len(rows))
	for i, r := range rows {
		vals[i] = r.Value
	}
	for i, r := range ranks(vals, higher) {
		rows[i].Rank = r
	}
	sort.SliceStable(rows, func(a, b int) bool {
		ra, rb := rows[a].Rank, rows[b].Rank
		return ra != nil && (rb == nil || *ra < *rb)
	})
}

// ranks numbers the released values of vals best first in the direction
// higher, equal values sharing a rank (1, 1, 3). A withheld value has no rank
// and takes no place: the ranks are those of the released values alone, so
// they tell nothing of where a withheld value sits.
func ranks(vals []Value, higher bool) []*int {
	out := make([]*int, len(vals))
	var idx []int
	for i, v := range vals {
		if releasedValue(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		va, vb := *vals[idx[a]].Value, *vals[idx[b]].Value
		if higher {
			return va > vb
		}
		return va < vb
	})
	for pos, i := range idx {
		r := pos + 1
		if pos > 0 && *vals[idx[pos-1]].Value == *vals[i].Value {
			r = *out[idx[pos-1]]
		}
		out[i] = ptr(r)
	}
	return out
}

// previous is the period of the same kind before p.
func previous(p period.Period) period.Period {
	return period.Of(p.Kind, p.First().AddDate(0, -1, 0))
}

// TrendPoint is one period of a trend.
type TrendPoint struct {
	Period string
	Value
}

// Trend is an indicator over consecutive periods in one org unit.
type Trend struct {
	Indicator *indicators.Indicator
	OrgUnit   Unit
	Points    []TrendPoint
	Meta      Meta
}

// Trend answers indicator in orgUnit for every period of kind from from to to.
func (s *Service) Trend(ctx context.Context, indicator, orgUnit, from, to, kind string) (*Trend, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	ind, err := s.cat.Get(indicator)
	if err != nil {
		return nil, err
	}
	f, t, err := period.ParseFromTo(from, to)
	if err != nil {
		return nil, err
	}
	ps, err := period.Split(f, t, kind)
	if err != nil {
		return nil, err
	}
	if len(ps) > MaxPeriods {
		return nil, tooLong("to", f, t, len(ps))
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	sc, err := ix.resolve("orgUnit", orgUnit, t.LastMonth())
	if err != nil {
		return nil, err
	}
	spans := spansOf(ps)
	var dims []clickhouse.Dim
	keys := []string{}
	if sc.Commune == "" {
		meta.Approximate = ix.approximate(f.First(), t.LastMonth())
	} else {
		// Every point covers the commune's territory as of the trend's end
		// (or of its first or last day, when it began after or ended before):
		// the units it replaced count in the points before it existed.
		day := t.End().AddDate(0, 0, -1)
		v, _ := ix.version(sc.Commune, day)
		switch {
		case day.Before(v.ValidFrom):
			day = v.ValidFrom
		case !v.ValidTo.After(day):
			day = v.ValidTo.AddDate(0, 0, -1)
		}
		sc.heirs = ix.heirsOn(day)
		meta.Approximate = sc.heirs.approximate(f.First())[sc.Commune]
		dims, keys = []clickhouse.Dim{clickhouse.DimCommune}, []string{sc.Commune}
	}
	ev, err := s.evaluate(ctx, pol, ix, ind, spans, sc, dims, filters{})
	if err != nil {
		return nil, err
	}
	tr := &Trend{Indicator: ind, OrgUnit: sc.Unit, Meta: meta}
	for i, sp := range spans {
		tr.Points = append(tr.Points, TrendPoint{Period: sp.Label, Value: ev.value(i, keys)})
	}
	tr.Meta.Populations = ev.populations()
	if err := s.record(ctx, "trend", map[string]any{"indicator": indicator, "orgUnit": orgUnit, "from": from, "to": to,
		"periodType": kind}, tr.Meta); err != nil {
		return nil, err
	}
	return tr, nil
}

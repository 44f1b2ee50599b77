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
}

// IndicatorValue is one cell of the answer.
type IndicatorValue struct {
	Indicator *indicators.Indicator
	OrgUnit   Unit
	Period    string
	Keys      []Key
	Value
	Gap *float64 // value − target, in the indicator's unit
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
	var dims []clickhouse.Dim
	cells := len(inds) * len(req.Periods)
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
	if cells*len(scopes) > MaxCells {
		return nil, domain.Errorf(domain.CodeTooComplex, "the answer could hold %d cells, more than %d", cells*len(scopes), MaxCells)
	}
	meta.Approximate = ix.approximate(first, last)
	spans := spansOf(req.Periods)
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
				all, err := ev.keys()
				if err != nil {
					return nil, err
				}
				for _, k := range all {
					if len(prefix) == 0 || k[0] == prefix[0] {
						keys = append(keys, k)
					}
				}
			}
			for i, sp := range spans {
				for _, k := range keys {
					if k == nil {
						k = []string{}
					}
					iv := IndicatorValue{Indicator: ind, OrgUnit: sc.Unit, Period: sp.Label, Value: ev.value(i, k)}
					iv.Gap = gap(ind, iv.Value)
					for j, b := range req.Breakdown {
						iv.Keys = append(iv.Keys, ix.answerKey(b, k[len(prefix)+j], last))
					}
					a.Values = append(a.Values, iv)
				}
			}
		}
	}
	periods := make([]string, len(req.Periods))
	for i, p := range req.Periods {
		periods[i] = p.String()
	}
	breakdown := make([]string, len(req.Breakdown))
	for i, b := range req.Breakdown {
		breakdown[i] = string(b)
	}
	if err := s.record(ctx, "indicatorValues", map[string]any{"ids": req.IDs, "orgUnits": req.OrgUnits, "level": req.Level,
		"periods": periods, "breakdown": breakdown}, a.Meta); err != nil {
		return nil, err
	}
	return a, nil
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
		c.Province = de.totalWhere(0, func(keys []string) bool { return keys[0] != "" })
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
	if pv := ev.value(1, []string{u.Code}); pv.Value != nil && row.Value.Value != nil {
		row.Change = ptr(ind.Round(*row.Value.Value - *pv.Value))
	}
	return row
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
	defer sort.SliceStable(rows, func(a, b int) bool {
		ra, rb := rows[a].Rank, rows[b].Rank
		return ra != nil && (rb == nil || *ra < *rb)
	})
	var idx []int
	for i, r := range rows {
		if r.Value.Value != nil && r.Status != disclosure.Suppressed {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		va, vb := *rows[idx[a]].Value.Value, *rows[idx[b]].Value.Value
		if higher {
			return va > vb
		}
		return va < vb
	})
	for pos, i := range idx {
		r := pos + 1
		if pos > 0 && *rows[idx[pos-1]].Value.Value == *rows[i].Value.Value {
			r = *rows[idx[pos-1]].Rank
		}
		rows[i].Rank = ptr(r)
	}
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

package analytics

import (
	"context"
	"slices"
	"strings"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// MeasureOf maps an API measure name (CHILDREN, DROWNED, …) to the warehouse
// contract's measure. Every contract measure but the variants of distinct
// flows (read for their period kind only) is offered under its upper-case
// name; DROWNED is the short name of drowning_deaths.
func MeasureOf(apiName string) (string, error) {
	name := strings.ToLower(apiName)
	if apiName == "DROWNED" {
		name = "drowning_deaths"
	}
	if m, ok := indicators.LookupMeasure(name); !ok || m.VariantOf != "" {
		return "", domain.Invalid("measures", "unknown measure %q", apiName)
	}
	return name, nil
}

// AggregateFilter restricts an aggregate. Period, or From and To, give the
// months; PeriodType splits them when the PERIOD dimension is asked for.
// The JSON names are the API's: the analytics audit records the filter as asked.
type AggregateFilter struct {
	Period     string `json:"period,omitempty"`
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	PeriodType string `json:"periodType,omitempty"`
	OrgUnit    string `json:"orgUnit,omitempty"`
	Sex        string `json:"sex,omitempty"`
	AgeBand    string `json:"ageBand,omitempty"`
	Group      string `json:"group,omitempty"`
	Poverty    string `json:"poverty,omitempty"`
}

// AggregateValue is one measure's released count in a row.
type AggregateValue struct {
	Measure string
	Value   *uint64
	Status  disclosure.Status
}

// AggregateRow is one combination of dimension keys.
type AggregateRow struct {
	Keys   []Key
	Values []AggregateValue
}

// AggregateAnswer is an aggregate with its lineage.
type AggregateAnswer struct {
	Rows []AggregateRow
	Meta Meta
}

// Aggregate counts measures broken down by dims under f.
func (s *Service) Aggregate(ctx context.Context, measures []string, dims []Breakdown, f AggregateFilter) (*AggregateAnswer, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	if len(measures) == 0 {
		return nil, domain.Invalid("measures", "give at least one measure")
	}
	if measures, err = capped("measures", measures, MaxMeasures); err != nil {
		return nil, err
	}
	names := make([]string, len(measures))
	for i, m := range measures {
		if names[i], err = MeasureOf(m); err != nil {
			return nil, err
		}
	}
	spans, err := aggregateSpans(f, slices.Contains(dims, ByPeriod))
	if err != nil {
		return nil, err
	}
	for _, sp := range spans {
		if _, ok := kindOf(sp); !pol.Exact && !ok {
			// Every free range is another population with its own rounding:
			// n months give n²/2 of them, whose differences pin withheld cells.
			return nil, domain.Invalid("filter", "disclosure rule 'calendar periods': below province officer a count covers one "+
				"month, quarter, half year or year, not the range %s; ask for from and to with the PERIOD dimension and a periodType",
				sp.Label)
		}
	}
	var chDims []clickhouse.Dim
	var keyDims []Breakdown
	cells := len(names) * len(spans)
	for _, b := range dims {
		if b == ByPeriod {
			continue
		}
		d, ok := breakdownDims[b]
		if !ok || slices.Contains(chDims, d) {
			return nil, domain.Invalid("dimensions", "dimension %q is unknown or repeated", b)
		}
		chDims, keyDims = append(chDims, d), append(keyDims, b)
		cells *= cardinality[b]
	}
	if cells > MaxCells {
		return nil, domain.Errorf(domain.CodeTooComplex, "the answer could hold %d cells, more than %d", cells, MaxCells)
	}
	flt := filters{}
	for _, x := range []struct {
		v, field string
		domain   []string
		dst      *[]string
	}{{f.Sex, "sex", indicators.Sexes, &flt.Sexes}, {f.AgeBand, "ageBand", indicators.AgeBands, &flt.Bands},
		{f.Poverty, "poverty", indicators.Poverty, &flt.Poverty}, {f.Group, "group", nil, &flt.Groups}} {
		if x.v == "" {
			continue
		}
		if x.domain != nil && !slices.Contains(x.domain, x.v) {
			return nil, domain.Invalid(x.field, "unknown value %q", x.v)
		}
		*x.dst = []string{x.v}
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	last := spans[len(spans)-1].last()
	sc, err := ix.resolve("orgUnit", f.OrgUnit, last)
	if err != nil {
		return nil, err
	}
	meta.Approximate = ix.approximate(spans[0].first(), last)
	groupDim := slices.Contains(chDims, clickhouse.DimGroup)
	queries := make([]termQuery, len(names))
	for i, n := range names {
		m, _ := indicators.LookupMeasure(n)
		if (groupDim || f.Group != "") && !m.Grouped {
			return nil, domain.Invalid("dimensions", "measure %s is not counted per circumstance group", measures[i])
		}
		queries[i] = termQuery{Term: indicators.Term{Measure: n}, Spans: spans, Scope: sc, Dims: chDims,
			Sexes: flt.Sexes, Bands: flt.Bands, Poverty: flt.Poverty, Groups: flt.Groups, ByGroup: groupDim}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		return nil, domain.Invalid("measures", "a measure is repeated")
	}
	keys, err := ix.keys(queries[0])
	if err != nil {
		return nil, err
	}
	// The measures differ only by name: one warehouse query for all.
	results, err := s.countsTogether(ctx, queries)
	if err != nil {
		return nil, err
	}
	a := &AggregateAnswer{Meta: meta}
	for i, q := range queries {
		a.Meta.Populations = append(a.Meta.Populations, populations(q, results[i])...)
	}
	for spanIdx, sp := range spans {
		for _, k := range keys {
			row := AggregateRow{}
			if slices.Contains(dims, ByPeriod) {
				row.Keys = append(row.Keys, Key{Dimension: ByPeriod, Value: sp.Label})
			}
			for j, b := range keyDims {
				row.Keys = append(row.Keys, ix.answerKey(b, k[j], last))
			}
			for i := range names {
				if ix.noData(sp) {
					row.Values = append(row.Values, AggregateValue{Measure: measures[i], Status: disclosure.NoData})
					continue
				}
				r := releaseAt(pol, queries[i], results[i], spanIdx, k)
				v := AggregateValue{Measure: measures[i], Status: r.Status}
				if r.Released() {
					v.Value = ptr(r.Value)
				}
				row.Values = append(row.Values, v)
			}
			a.Rows = append(a.Rows, row)
		}
	}
	dimNames := make([]string, len(dims))
	for i, d := range dims {
		dimNames[i] = string(d)
	}
	if err := s.record(ctx, "aggregate", map[string]any{"measures": measures, "dimensions": dimNames, "filter": f}, a.Meta); err != nil {
		return nil, err
	}
	return a, nil
}

// kindOf returns the kind of the calendar period (month, quarter, half year
// or year) whose months a span's are exactly; false for any other range.
func kindOf(sp span) (period.Kind, bool) {
	for _, k := range []period.Kind{period.Month, period.Quarter, period.Half, period.Year} {
		p := period.Of(k, sp.first())
		if p.First().Equal(sp.first()) && p.LastMonth().Equal(sp.last()) && len(p.Months()) == len(sp.Months) {
			return k, true
		}
	}
	return 0, false
}

func byLabelOf(id string) int {
	n := 0
	for _, ch := range id {
		if ch == 0 {
			break
		}
		n = n*10 + int(ch-'0')
	}
	return n
}

// aggregateSpans reads the filter's months: one span, or one per period of
// PeriodType when split.
func aggregateSpans(f AggregateFilter, split bool) ([]span, error) {
	if f.Period != "" && (f.From != "" || f.To != "") {
		return nil, domain.Invalid("filter", "give period, or from and to, not both")
	}
	var from, to period.Period
	var err error
	switch {
	case f.Period != "":
		if from, to, err = period.ParseRange("period", f.Period); err != nil {
			return nil, err
		}
	case f.From != "" && f.To != "":
		if from, to, err = period.ParseFromTo(f.From, f.To); err != nil {
			return nil, err
		}
	default:
		return nil, domain.Invalid("filter", "give a period, or from and to")
	}
	if split {
		ps, err := period.Split(from, to, f.PeriodType)
		if err != nil {
			return nil, err
		}
		if len(ps) > MaxPeriods {
			return nil, tooLong("filter.to", from, to, len(ps))
		}
		return spansOf(ps), nil
	}
	sp := span{Label: from.String()}
	if to != from {
		sp.Label += ".." + to.String()
	}
	for m := from.First(); m.Before(to.End()); m = m.AddDate(0, 1, 0) {
		sp.Months = append(sp.Months, m)
	}
	return []span{sp}, nil
}

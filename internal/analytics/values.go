package analytics

import (
	"context"
	"slices"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
)

// Value is an indicator's released value in one cell.
type Value struct {
	Value *float64 // rounded to the indicator's precision
	// Exact is the unrounded value, for the roles that see exact counts.
	Exact       *float64
	Numerator   *uint64 // nil when suppressed
	Denominator *uint64 // nil when suppressed or for a count
	Status      disclosure.Status
	Target      *indicators.Target
	MeetsTarget *bool
}

// filters are a caller's restrictions besides the org unit and periods.
type filters struct {
	Sexes, Bands, Poverty, Groups []string
}

// evaluation computes an indicator's values for any cell of a breakdown.
type evaluation struct {
	ind      *indicators.Indicator
	pol      disclosure.Policy
	ix       *unitIndex
	spans    []span
	num, den termQuery
	numCells map[string]*cell
	denCells map[string]*cell
	// denDrop is the index of the GROUP breakdown the denominator lacks
	// (its measure is not written per group), or -1.
	denDrop int
	// unit-year sources: counts of communes per cell id, and of communes
	// whose recognition rests on withheld counts.
	unitNum, unitDen, unitUnknown map[string]uint64
}

// evaluate runs the queries an indicator needs over spans, in scope, broken
// down by dims.
func (s *Service) evaluate(ctx context.Context, pol disclosure.Policy, ix *unitIndex, ind *indicators.Indicator, spans []span,
	sc scope, dims []clickhouse.Dim, f filters) (*evaluation, error) {
	ev := &evaluation{ind: ind, pol: pol, ix: ix, spans: spans, denDrop: -1}
	if ind.Source != indicators.FromChildMonth {
		return ev, s.evaluateUnits(ctx, ev, sc, dims)
	}
	groupIdx := slices.Index(dims, clickhouse.DimGroup)
	ev.num = termQuery{Term: ind.Numerator, Spans: spans, Scope: sc, Dims: dims, Sexes: f.Sexes, Bands: f.Bands,
		Poverty: f.Poverty, Groups: f.Groups, ByGroup: groupIdx >= 0}
	if nm, _ := indicators.LookupMeasure(ind.Numerator.Measure); !nm.Grouped && (groupIdx >= 0 || len(f.Groups) > 0) {
		return nil, domain.Invalid("breakdown", "indicator %s cannot be broken down by circumstance group", ind.ID)
	}
	if ind.Denominator == nil {
		var err error
		ev.numCells, err = s.counts(ctx, ev.num)
		return ev, err
	}
	ev.den = termQuery{Term: *ind.Denominator, Spans: spans, Scope: sc, Dims: dims, Sexes: f.Sexes, Bands: f.Bands,
		Poverty: f.Poverty, Groups: f.Groups, ByGroup: groupIdx >= 0}
	if dm, _ := indicators.LookupMeasure(ind.Denominator.Measure); !dm.Grouped && (groupIdx >= 0 || len(f.Groups) > 0) {
		// e.g. children in special circumstances of a group ÷ all children.
		ev.den.Groups, ev.den.ByGroup = nil, false
		if groupIdx >= 0 {
			ev.den.Dims = slices.Delete(slices.Clone(dims), groupIdx, groupIdx+1)
			ev.denDrop = groupIdx
		}
	}
	if sameShape(ev.num, ev.den) {
		cells, err := s.countsTogether(ctx, []termQuery{ev.num, ev.den})
		if err != nil {
			return nil, err
		}
		ev.numCells, ev.denCells = cells[0], cells[1]
		return ev, nil
	}
	var err error
	if ev.numCells, err = s.counts(ctx, ev.num); err != nil {
		return nil, err
	}
	ev.denCells, err = s.counts(ctx, ev.den)
	return ev, err
}

// populations fingerprints the populations the evaluation counted.
func (ev *evaluation) populations() []string {
	if ev.ind.Source != indicators.FromChildMonth {
		return nil
	}
	out := populations(ev.num, ev.numCells)
	if ev.ind.Denominator != nil {
		out = append(out, populations(ev.den, ev.denCells)...)
	}
	return out
}

// keys lists the breakdown keys of the answer's first n spans (those listed;
// any after them are only counted) in a stable order: for counts of children,
// every key of the breakdown's domain (see domains), whether or not anyone is
// counted there; for counts of communes, the communes assessed.
func (ev *evaluation) keys(n int) ([][]string, error) {
	if ev.ind.Source == indicators.FromChildMonth {
		q := ev.num
		q.Spans = q.Spans[:n]
		return ev.ix.keys(q)
	}
	seen := map[string]bool{}
	var out [][]string
	for id := range ev.unitDen {
		if byLabelOf(id) >= n {
			continue
		}
		id := cellID(0, splitID(id))
		if !seen[id] {
			seen[id] = true
			out = append(out, splitID(id))
		}
	}
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out, nil
}

// value is the released value of the cell at span i with keys.
func (ev *evaluation) value(i int, keys []string) Value {
	year := ev.spans[i].last().Year()
	if ev.ix.noData(ev.spans[i]) {
		return Value{Status: disclosure.NoData}
	}
	var v Value
	if ev.ind.Source != indicators.FromChildMonth {
		n, d := ev.unitNum[cellID(i, keys)], ev.unitDen[cellID(i, keys)]
		v = Value{Numerator: &n, Denominator: &d, Status: disclosure.OK}
		// Counts of communes, or of inspection or forum recommendations (a
		// unit's acts, never a child's data), are not about people: no suppression.
		r := ev.pol.Rate(disclosure.Count{Value: n, Status: disclosure.OK}, disclosure.Count{Value: d, Status: disclosure.OK}, ev.ind.Factor)
		if r.HasValue {
			v.Value = &r.Value
		}
		if d == 0 {
			v.Status = disclosure.Unstable
		}
		if ev.unitUnknown[cellID(i, keys)] > 0 {
			// Some commune's recognition rests on withheld counts.
			v = Value{Denominator: &d, Status: disclosure.Suppressed}
		}
	} else {
		n := releaseAt(ev.pol, ev.num, ev.numCells, i, keys)
		if n.Released() {
			v.Numerator = &n.Value
		}
		if ev.ind.Denominator == nil {
			v.Status = n.Status
			if n.Released() {
				x := float64(n.Value)
				v.Value = &x
			}
		} else {
			dkeys := keys
			if ev.denDrop >= 0 {
				dkeys = slices.Delete(slices.Clone(keys), ev.denDrop, ev.denDrop+1)
			}
			d := releaseAt(ev.pol, ev.den, ev.denCells, i, dkeys)
			if d.Released() {
				v.Denominator = &d.Value
			}
			if ev.ind.Share && n.Released() && d.Released() && n.Value > d.Value {
				// Both were rounded on their own; a part never exceeds its whole.
				n.Value = d.Value
			}
			r := ev.pol.Rate(n, d, ev.ind.Factor)
			v.Status = r.Status
			if r.HasValue {
				v.Value = &r.Value
			}
		}
	}
	if v.Value != nil {
		if ev.pol.Exact {
			v.Exact = ptr(*v.Value)
		}
		v.Value = ptr(ev.ind.Round(*v.Value))
	}
	if t := ev.ind.TargetFor(year); t != nil {
		v.Target = t
		if v.Value != nil {
			meets := ev.ind.Meets(*v.Value, t.Value)
			v.MeetsTarget = &meets
		}
	}
	return v
}

// total is the released value at span i of the whole scope: the sum of every
// breakdown cell, released under the scope's own key (a province total asked
// for directly and one summed here are the same cell).
func (ev *evaluation) total(i int) Value { return ev.totalWhere(i, nil) }

// totalWhere is the released value at span i of the breakdown cells whose
// keys keep accepts (all when keep is nil), summed into one population.
func (ev *evaluation) totalWhere(i int, keep func(keys []string) bool) Value {
	if ev.ind.Source != indicators.FromChildMonth {
		flat := *ev
		flat.unitNum, flat.unitDen = sumUnits(ev.unitNum, i, keep), sumUnits(ev.unitDen, i, keep)
		flat.unitUnknown = sumUnits(ev.unitUnknown, i, keep)
		return flat.value(i, []string{})
	}
	flat := *ev
	flat.num.Dims, flat.den.Dims, flat.denDrop = nil, nil, -1
	flat.numCells, flat.denCells = sumCells(ev.numCells, i, keep), sumCells(ev.denCells, i, keep)
	return flat.value(i, []string{})
}

// sumUnits adds up the commune counts of span i into the span's total cell.
func sumUnits(counts map[string]uint64, i int, keep func([]string) bool) map[string]uint64 {
	out := map[string]uint64{}
	for id, v := range counts {
		if byLabelOf(id) == i && (keep == nil || keep(splitID(id))) {
			out[cellID(i, []string{})] += v
		}
	}
	return out
}

func sumCells(cells map[string]*cell, span int, keep func([]string) bool) map[string]*cell {
	c := &cell{Span: span, Keys: []string{}}
	for _, x := range cells {
		if x.Span == span && (keep == nil || keep(x.Keys)) {
			c.Value += x.Value
			c.CKey += x.CKey
		}
	}
	return map[string]*cell{cellID(span, []string{}): c}
}

func splitID(id string) []string {
	_, rest, _ := cutNul(id)
	if rest == "" {
		return []string{}
	}
	var out []string
	for {
		k, r, ok := cutNul(rest)
		out = append(out, k)
		if !ok {
			return out
		}
		rest = r
	}
}

func cutNul(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

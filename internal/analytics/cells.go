package analytics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// span is a reporting period as its months, oldest first.
type span struct {
	Label  string
	Months []time.Time
}

func (s span) first() time.Time { return s.Months[0] }
func (s span) last() time.Time  { return s.Months[len(s.Months)-1] }

func spanOf(p period.Period) span { return span{Label: p.String(), Months: p.Months()} }

func spansOf(ps []period.Period) []span {
	out := make([]span, len(ps))
	for i, p := range ps {
		out[i] = spanOf(p)
	}
	return out
}

// termQuery asks for one measure's counts over spans, broken down by dims.
type termQuery struct {
	Term    indicators.Term
	Spans   []span
	Scope   scope
	Dims    []clickhouse.Dim
	Sexes   []string // caller filters, intersected with the term's
	Bands   []string
	Poverty []string
	Groups  []string
	ByGroup bool
}

// cell is one count of an answer: a span, the breakdown keys, the true value
// and its cell key, the sum of its records' keys (see package disclosure).
type cell struct {
	Span  int
	Keys  []string
	Value uint64
	CKey  uint32
}

func cellID(span int, keys []string) string {
	return strconv.Itoa(span) + "\x00" + strings.Join(keys, "\x00")
}

// counts runs q and folds its monthly rows into cells: a stock takes the
// span's last month, a flow adds up its months.
func (s *Service) counts(ctx context.Context, q termQuery) (map[string]*cell, error) {
	out, err := s.countsTogether(ctx, []termQuery{q})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// sameShape reports whether two term queries differ only in their measure,
// so that one warehouse query can answer both.
func sameShape(a, b termQuery) bool {
	return slices.Equal(intersect(termSet(a.Term.Sex), a.Sexes), intersect(termSet(b.Term.Sex), b.Sexes)) &&
		slices.Equal(intersect(a.Term.AgeBands, a.Bands), intersect(b.Term.AgeBands, b.Bands)) &&
		slices.Equal(a.Poverty, b.Poverty) && slices.Equal(a.Groups, b.Groups) && a.ByGroup == b.ByGroup &&
		slices.Equal(a.Dims, b.Dims) && a.Scope == b.Scope && len(a.Spans) == len(b.Spans) && a.Term.Measure != b.Term.Measure
}

// measureFor is the warehouse measure read for m over sp: for a distinct
// flow, its variant for sp's kind, whose months add up to distinct children.
// Over a range that is not one calendar period (only province officers may
// ask for one) no variant counts each child once: the months' would count a
// child with events in two of them twice, a longer period's would miss the
// children whose first event of the period falls outside the range. So the
// question is refused, naming the argument, rather than answered with a
// number that is not children (or one marked approximate, which callers that
// add or compare numbers would still take as children); the same range split
// by periodType is exact.
func measureFor(m indicators.Measure, sp span) (string, error) {
	if !m.Distinct {
		return m.Name, nil
	}
	k, ok := kindOf(sp)
	if !ok {
		return "", domain.Invalid("filter", "measure %s counts children once per calendar period, and %s is not one month, "+
			"quarter, half year or year; ask for from and to with the PERIOD dimension and a periodType", strings.ToUpper(m.Name), sp.Label)
	}
	return m.Variant(k), nil
}

// countsTogether answers term queries of the same shape (see sameShape) with
// one warehouse query, one read per measure read.
func (s *Service) countsTogether(ctx context.Context, qs []termQuery) ([]map[string]*cell, error) {
	q := qs[0]
	out := make([]map[string]*cell, len(qs))
	byMeasure := map[string]int{} // measure read → query
	var reads []clickhouse.Read
	aggs := make([]indicators.Aggregation, len(qs))
	read := make([][]string, len(qs)) // read[i][j]: the measure query i reads for span j
	for i, t := range qs {
		m, ok := indicators.LookupMeasure(t.Term.Measure)
		if !ok {
			return nil, domain.Invalid("measure", "unknown measure %q", t.Term.Measure)
		}
		out[i], aggs[i], read[i] = map[string]*cell{}, m.Aggregation, make([]string, len(q.Spans))
		months := map[string]map[time.Time]bool{}
		var names []string // in the order of the spans
		for j, sp := range q.Spans {
			name, err := measureFor(m, sp)
			if err != nil {
				return nil, err
			}
			read[i][j], byMeasure[name] = name, i
			if months[name] == nil {
				months[name] = map[time.Time]bool{}
				names = append(names, name)
			}
			if m.Aggregation == indicators.Stock {
				months[name][sp.last()] = true
			} else {
				for _, mo := range sp.Months {
					months[name][mo] = true
				}
			}
		}
		for _, name := range names {
			rd := clickhouse.Read{Measures: []string{name}}
			for mo := range months[name] {
				rd.Months = append(rd.Months, mo)
			}
			sort.Slice(rd.Months, func(i, j int) bool { return rd.Months[i].Before(rd.Months[j]) })
			reads = append(reads, rd)
		}
	}
	sexes := intersect(termSet(q.Term.Sex), q.Sexes)
	bands := intersect(q.Term.AgeBands, q.Bands)
	if (sexes != nil && len(sexes) == 0) || (bands != nil && len(bands) == 0) {
		return out, nil // the filters exclude everything: every count is 0
	}
	var communes []string
	if c := q.Scope.Commune; c != "" {
		communes = []string{c}
		if h := q.Scope.heirs; h != nil {
			communes = h.sources(c)
		}
	}
	rows, err := s.countRows(ctx, clickhouse.CountQuery{
		Reads: reads, District: q.Scope.District, Communes: communes,
		Sexes: sexes, AgeBands: bands, Poverty: q.Poverty, Groups: q.Groups, ByGroup: q.ByGroup, Dims: q.Dims,
		// Every month read belongs to the one span; heirs map each month's
		// versions on their own.
		SumMonths: len(q.Spans) == 1 && q.Scope.heirs == nil,
	})
	if err != nil {
		return nil, err
	}
	communeKey := slices.Index(q.Dims, clickhouse.DimCommune)
	for _, r := range rows {
		t, ok := byMeasure[r.Measure]
		if !ok {
			continue
		}
		if h := q.Scope.heirs; h != nil && communeKey >= 0 {
			heir, ok := h.heir(r.Keys[communeKey], r.Month)
			if !ok || q.Scope.Commune != "" && heir != q.Scope.Commune {
				continue
			}
			r.Keys = slices.Clone(r.Keys)
			r.Keys[communeKey] = heir
		}
		for i, sp := range q.Spans {
			if read[t][i] != r.Measure { // the variant of another kind of span
				continue
			}
			if aggs[t] == indicators.Stock && !r.Month.Equal(sp.last()) {
				continue
			}
			if aggs[t] != indicators.Stock && (r.Month.Before(sp.first()) || r.Month.After(sp.last())) {
				continue
			}
			id := cellID(i, r.Keys)
			c := out[t][id]
			if c == nil {
				c = &cell{Span: i, Keys: r.Keys}
				out[t][id] = c
			}
			c.Value += r.Value
			c.CKey += uint32(r.CellKey)
		}
	}
	return out, nil
}

// sensitive reports whether a cell of q is held to the stricter threshold:
// a sensitive measure, or a sensitive circumstance group in its filter or key.
func (q termQuery) sensitive(c *cell, m indicators.Measure) bool {
	if m.Sensitive {
		return true
	}
	for _, g := range q.Groups {
		if indicators.Sensitive(m.Name, g) {
			return true
		}
	}
	if i := slices.Index(q.Dims, clickhouse.DimGroup); i >= 0 && i < len(c.Keys) {
		return indicators.Sensitive(m.Name, c.Keys[i])
	}
	return false
}

// release applies pol to a cell (a missing cell is a true zero).
func release(pol disclosure.Policy, q termQuery, c *cell) disclosure.Count {
	m, _ := indicators.LookupMeasure(q.Term.Measure)
	return pol.Count(c.Value, q.sensitive(c, m), c.CKey)
}

// releaseAt applies pol to the cell of span and keys in cells; a cell with no
// stored row is a true zero.
func releaseAt(pol disclosure.Policy, q termQuery, cells map[string]*cell, span int, keys []string) disclosure.Count {
	c := cells[cellID(span, keys)]
	if c == nil {
		c = &cell{Span: span, Keys: keys}
	}
	return release(pol, q, c)
}

// termSet is a term's sex as a filter list.
func termSet(sex string) []string {
	if sex == "" {
		return nil
	}
	return []string{sex}
}

// intersect combines two filters (nil: no restriction). An empty non-nil
// result means nothing matches.
func intersect(a, b []string) []string {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	out := []string{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// canon spells a set for a cell key: "*" for no restriction or the full domain.
func canon(set, domainSet []string) string {
	if len(set) == 0 {
		return "*"
	}
	s := slices.Clone(set)
	sort.Strings(s)
	s = slices.Compact(s)
	if domainSet != nil && len(s) == len(domainSet) {
		return "*"
	}
	return strings.Join(s, ",")
}

// fingerprint names a population for the analytics audit: a hash of the
// measure, its count and its cell key, so the same population gives the same
// string however a question described it (padded periods, other breakdowns).
func fingerprint(measure string, c *cell) string {
	h := sha256.Sum256([]byte(measure + "\x00" + strconv.FormatUint(c.Value, 10) + "\x00" + strconv.FormatUint(uint64(c.CKey), 10)))
	return hex.EncodeToString(h[:8])
}

// maxFingerprints bounds the populations one answer records: its totals
// first, then its non-empty cells (an audit row stays small, and the search
// for populations asked in several phrasings stays fast).
const maxFingerprints = 256

// populations fingerprints what an answer of q released: the whole population
// of each span, then each cell that holds someone.
func populations(q termQuery, cells map[string]*cell) []string {
	totals := make([]cell, len(q.Spans))
	ids := make([]string, 0, len(cells))
	for id, c := range cells {
		totals[c.Span].Value += c.Value
		totals[c.Span].CKey += c.CKey
		ids = append(ids, id)
	}
	var out []string
	for i := range totals {
		out = append(out, fingerprint(q.Term.Measure, &totals[i]))
	}
	if len(q.Dims) == 0 {
		return out
	}
	slices.Sort(ids)
	for _, id := range ids {
		if len(out) >= maxFingerprints {
			break
		}
		if c := cells[id]; c.Value > 0 {
			out = append(out, fingerprint(q.Term.Measure, c))
		}
	}
	return out
}

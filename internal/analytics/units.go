package analytics

import (
	"context"
	"slices"
	"sort"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// formerBinhPhuoc names the communes of no 2021 district: those of the
// province of Bình Phước (code 70, retired), merged in on 1 July 2025.
var formerBinhPhuoc = Unit{Code: "70", Name: "Bình Phước (cũ)", Level: "province"}

// districtKey is how answers name a warehouse 2021 district: the communes of
// no 2021 district by the former Bình Phước's code.
func districtKey(district2021 string) string {
	if district2021 == "" {
		return formerBinhPhuoc.Code
	}
	return district2021
}

// answerKey is the answer's key of breakdown b for the warehouse's value v;
// a unit key carries the unit's name (a commune's as of day).
func (ix *unitIndex) answerKey(b Breakdown, v string, day time.Time) Key {
	switch b {
	case ByDistrict:
		v = districtKey(v)
		name := formerBinhPhuoc.Name
		if v != formerBinhPhuoc.Code {
			name = ix.name(v, y2021)
		}
		return Key{Dimension: b, Value: v, Name: name}
	case ByCommune:
		return Key{Dimension: b, Value: v, Name: ix.name(v, day)}
	}
	return Key{Dimension: b, Value: v}
}

// versionKey names one version of a unit: a code with the day it began.
type versionKey struct {
	code string
	from time.Time
}

func keyOf(v clickhouse.Unit) versionKey { return versionKey{v.Code, v.ValidFrom} }

// exactVersion returns the version of code that began on from.
func (ix *unitIndex) exactVersion(code string, from time.Time) (clickhouse.Unit, bool) {
	for _, v := range ix.versions[code] {
		if v.ValidFrom.Equal(from) {
			return v, true
		}
	}
	return clickhouse.Unit{}, false
}

// began returns the day v's unit took its territory: v's own start, or an
// earlier version's of the same code when no other unit joined it since (a
// change of name or type begins a version, not a unit).
func (ix *unitIndex) began(v clickhouse.Unit) time.Time {
	for !ix.joined[keyOf(v)] {
		prev, ok := clickhouse.Unit{}, false
		for _, p := range ix.versions[v.Code] {
			if p.ValidTo.Equal(v.ValidFrom) {
				prev, ok = p, true
			}
		}
		if !ok {
			break
		}
		v = prev
	}
	return v.ValidFrom
}

// heirs maps the history of every unit version to the unit in force on one
// day that holds its territory, so that a unit of today is given the counts
// of the units it replaced. A split version's history goes whole to the part
// the crosswalk ranks first (the whole territory, else the larger part); the
// units it touches are then approximate.
type heirs struct {
	ix  *unitIndex
	day time.Time
	// memo of heir by version
	of map[versionKey]string
}

func (ix *unitIndex) heirsOn(day time.Time) *heirs {
	return &heirs{ix: ix, day: day, of: map[versionKey]string{}}
}

// heir returns the unit in force on h.day that holds the territory of code as
// it was in month, or false when none does (the territory left the history).
func (h *heirs) heir(code string, month time.Time) (string, bool) {
	end := month.AddDate(0, 1, -1) // a stock is counted at the month's end
	v, ok := h.ix.version(code, end)
	if !ok || !inForce(v, end) && !inForce(v, month) {
		return "", false
	}
	return h.follow(v)
}

func (h *heirs) follow(v clickhouse.Unit) (string, bool) {
	k := keyOf(v)
	if c, done := h.of[k]; done {
		return c, c != ""
	}
	h.of[k] = "" // a cycle in the crosswalk ends here
	heir := ""
	switch {
	case inForce(v, h.day):
		heir = v.Code
	case v.ValidTo.After(h.day): // begins after the day: no heir yet
	default:
		next, ok := clickhouse.Unit{}, false
		if es := h.ix.edges[k]; len(es) > 0 {
			next, ok = h.ix.exactVersion(es[0].ToCode, es[0].ToValidFrom)
		} else {
			// A change that kept the code began a new version without an edge.
			next, ok = h.ix.exactVersion(v.Code, v.ValidTo)
		}
		if ok {
			heir, _ = h.follow(next)
		}
	}
	h.of[k] = heir
	return heir, heir != ""
}

// sources returns the codes whose history some version of gives to code.
func (h *heirs) sources(code string) []string {
	var out []string
	for c, vs := range h.ix.versions {
		for _, v := range vs {
			if heir, ok := h.follow(v); ok && heir == code {
				out = append(out, c)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// approximate returns the units in force on h.day whose history from from on
// rests on a split or unconfirmed crosswalk edge: the part a split's history
// went to has too much, the other parts too little.
func (h *heirs) approximate(from time.Time) map[string]bool {
	out := map[string]bool{}
	for k, es := range h.ix.edges {
		v, ok := h.ix.exactVersion(k.code, k.from)
		if !ok || !v.ValidTo.After(from) || v.ValidTo.After(h.day) {
			continue // ended before the history asked for, or after the day
		}
		if !slices.ContainsFunc(es, func(e clickhouse.Edge) bool { return !domain.CrosswalkExact(e.Relation) }) {
			continue
		}
		for _, e := range es {
			if to, ok := h.ix.exactVersion(e.ToCode, e.ToValidFrom); ok {
				if c, ok := h.follow(to); ok {
					out[c] = true
				}
			}
		}
	}
	return out
}

// UnitRow is one unit of a comparison.
type UnitRow struct {
	Unit
	Value
	Rank   *int
	Gap    *float64 // value − target, in the indicator's unit
	Change *float64 // value − the previous period's value
	// Approximate: the unit's history comes through a split or unconfirmed
	// crosswalk edge (communes), or its communes' 2021 district is
	// approximate (districts).
	Approximate bool
}

// AreaValue is a province-wide value and the territory it covers.
type AreaValue struct {
	// Area is "WHOLE_PROVINCE" or "FORMER_DONG_NAI" (the 2021 province:
	// from July 2025 the province also holds the former Bình Phước).
	Area string
	Value
	Change *float64 // value − the previous period's value, both released
}

// areaValue is an area's value with its change from prev, the previous
// period's (of span before), by the rule of a unit's change (unitRow).
func areaValue(ind *indicators.Indicator, area string, v, prev Value, before span) AreaValue {
	out := AreaValue{Area: area, Value: v}
	out.Change, _ = change(ind, v, prev, before)
	return out
}

// UnitComparison compares the units of one level in force at a period's end.
type UnitComparison struct {
	Indicator *indicators.Indicator
	Period    string
	Level     string // DISTRICT or COMMUNE
	On        time.Time
	Within    Unit
	Units     []UnitRow
	Province  AreaValue
	// FormerDongNai is the 2021 province alone, once the province holds
	// other territory too; nil before.
	FormerDongNai *AreaValue
	Meta          Meta
}

// CompareUnits ranks the units of level (DISTRICT or COMMUNE) in force on the
// last day of periodStr, within a former district or the province, on one
// indicator: the 11 districts up to June 2025, the communes and wards at any
// date. Each unit is given the history of the units it replaced.
func (s *Service) CompareUnits(ctx context.Context, indicator, periodStr, level, within string) (*UnitComparison, error) {
	q, err := s.comparison(ctx, indicator, periodStr)
	if err != nil {
		return nil, err
	}
	pol, ind, p, meta, ix, spans := q.pol, q.ind, q.p, q.meta, q.ix, q.spans
	if err := ix.inData("period", p); err != nil {
		return nil, err
	}
	on := p.End().AddDate(0, 0, -1)
	in, formerBP, err := ix.within(within, on)
	if err != nil {
		return nil, err
	}
	c := &UnitComparison{Indicator: ind, Period: p.String(), Level: level, On: on, Within: in.Unit, Meta: meta}
	var ev *evaluation
	var units []Unit
	approx := map[string]bool{}
	switch level {
	case "DISTRICT":
		if in.Commune != "" || in.District != "" || formerBP {
			return nil, domain.Invalid("within", "districts are compared within the province only")
		}
		for _, d := range ix.districts {
			if v, ok := ix.version(d.Code, on); ok && d.Code != "" && inForce(v, on) {
				units = append(units, d)
			}
		}
		if len(units) == 0 {
			return nil, domain.Invalid("level", "no district is in force on %s: districts were abolished on 1 July 2025; compare COMMUNE",
				on.Format(time.DateOnly))
		}
		for _, vs := range ix.versions {
			for _, v := range vs {
				if v.District2021Approx && overlaps(v, p.First(), on) {
					approx[v.District2021] = true
				}
			}
		}
		ev, err = s.evaluate(ctx, pol, ix, ind, spans, scope{}, []clickhouse.Dim{clickhouse.DimDistrict}, filters{})
	case "COMMUNE":
		units = ix.communesOn(on, in.District, formerBP)
		h := ix.heirsOn(on)
		approx = h.approximate(previous(p).First())
		ev, err = s.evaluate(ctx, pol, ix, ind, spans, scope{heirs: h}, []clickhouse.Dim{clickhouse.DimCommune}, filters{})
	default:
		return nil, domain.Invalid("level", "compare DISTRICT or COMMUNE, not %q", level)
	}
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		row := unitRow(ind, ev, u)
		row.Approximate = approx[u.Code]
		c.Units = append(c.Units, row)
		c.Meta.Approximate = c.Meta.Approximate || row.Approximate
	}
	rank(c.Units, ind.HigherIsBetter())
	c.Province = areaValue(ind, "WHOLE_PROVINCE", ev.total(0), ev.total(1), ev.spans[1])
	if ix.beyond2021(on) {
		// Both spans are keyed by the units compared, so one test serves both.
		in2021 := func(keys []string) bool {
			if level == "DISTRICT" {
				return keys[0] != ""
			}
			v, _ := ix.version(keys[0], on)
			return v.District2021 != ""
		}
		former := areaValue(ind, "FORMER_DONG_NAI", ev.totalWhere(0, in2021), ev.totalWhere(1, in2021), ev.spans[1])
		c.FormerDongNai = &former
	}
	c.Meta.Populations = ev.populations()
	if err := s.record(ctx, "compareUnits", map[string]any{"indicator": indicator, "period": periodStr, "level": level,
		"within": within}, c.Meta); err != nil {
		return nil, err
	}
	return c, nil
}

// communesOn returns the communes and wards in force on day, by code: those
// whose 2021 district is district (the code-keeper rule), or of none when
// formerBP, or every one when neither is given.
func (ix *unitIndex) communesOn(day time.Time, district string, formerBP bool) []Unit {
	var units []Unit
	for code := range ix.versions {
		if v, ok := ix.version(code, day); ok && v.Level == "commune" && inForce(v, day) &&
			(district == "" && !formerBP || v.District2021 == district) {
			units = append(units, Unit{Code: code, Name: v.Name, Level: "commune"})
		}
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Code < units[j].Code })
	return units
}

// inData refuses a period that begins after the last month loaded or ends
// before the history begins.
func (ix *unitIndex) inData(field string, p period.Period) error {
	if p.First().After(ix.monthsTo) {
		return domain.Invalid(field, "%s begins after the data, which end in %s", p, ix.monthsTo.Format("2006-01"))
	}
	if p.LastMonth().Before(domain.HistoryStart) {
		return domain.Invalid(field, "%s ends before the data, which begin in %s", p, domain.HistoryStart.Format("2006-01"))
	}
	return nil
}

// within reads the area a comparison is restricted to: the province (empty or
// its code), a 2021 district, or the former Bình Phước (its retired code 70:
// the communes of no 2021 district). Anything else is INVALID_INPUT: a
// commune holds no units to compare.
func (ix *unitIndex) within(code string, on time.Time) (sc scope, formerBP bool, err error) {
	if code == formerBinhPhuoc.Code {
		return scope{Unit: formerBinhPhuoc}, true, nil
	}
	if sc, err = ix.resolve("within", code, on); err != nil {
		return scope{}, false, domain.Invalid("within", "unknown org unit %s", code)
	}
	if sc.Commune != "" {
		return scope{}, false, domain.Invalid("within", "%s is a commune, not an area holding units to compare", code)
	}
	return sc, false, nil
}

// beyond2021 reports whether the province on day holds units from outside
// the 2021 province (from July 2025, the former Bình Phước).
func (ix *unitIndex) beyond2021(day time.Time) bool {
	for _, vs := range ix.versions {
		for _, v := range vs {
			if v.Level == "commune" && v.District2021 == "" && inForce(v, day) {
				return true
			}
		}
	}
	return false
}

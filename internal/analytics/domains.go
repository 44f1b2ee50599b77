package analytics

import (
	"slices"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
)

// Breakdowns list their whole domain, fixed by reference data and the
// question before any count is read: were only the cells that hold someone
// listed, counting an answer's rows would count the non-empty cells, and a
// withheld total with as many non-empty parts as its threshold allows would be
// pinned.

// circumstanceGroupCodes are the codes of the 14 groups, in the report's order.
var circumstanceGroupCodes = func() []string {
	out := make([]string, len(circumstanceGroups))
	for i, g := range circumstanceGroups {
		out[i] = g.code
	}
	return out
}()

// domain lists the keys breakdown d can take in q's scope and spans.
func (ix *unitIndex) domain(d clickhouse.Dim, q termQuery) []string {
	from, to := q.Spans[0].first(), q.Spans[len(q.Spans)-1].last().AddDate(0, 1, 0)
	switch d {
	case clickhouse.DimDistrict:
		return ix.districtKeys(q.Scope, from, to)
	case clickhouse.DimCommune:
		return ix.communesIn(q.Scope, from, to)
	case clickhouse.DimSex:
		return restrict(indicators.Sexes, intersect(termSet(q.Term.Sex), q.Sexes))
	case clickhouse.DimAgeBand:
		return restrict(indicators.AgeBands, intersect(q.Term.AgeBands, q.Bands))
	case clickhouse.DimPoverty:
		return restrict(indicators.Poverty, q.Poverty)
	case clickhouse.DimGroup:
		return restrict(circumstanceGroupCodes, q.Groups)
	}
	return nil
}

// restrict keeps the values of all that filter allows (nil: all of them).
func restrict(all, filter []string) []string {
	if filter == nil {
		return all
	}
	var out []string
	for _, v := range all {
		if slices.Contains(filter, v) {
			out = append(out, v)
		}
	}
	return out
}

// overlaps reports whether version u is in force some day of [from, to).
func overlaps(u clickhouse.Unit, from, to time.Time) bool {
	return u.ValidFrom.Before(to) && u.ValidTo.After(from)
}

// communesIn lists the codes of the communes in sc with a version in force
// some day of [from, to), sorted.
func (ix *unitIndex) communesIn(sc scope, from, to time.Time) []string {
	var out []string
	for code, vs := range ix.versions {
		for _, v := range vs {
			if v.Level == "commune" && overlaps(v, from, to) && (sc.Commune == "" || code == sc.Commune) &&
				(sc.District == "" || v.District2021 == sc.District) {
				out = append(out, code)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// districtKeys lists the 2021 districts of the communes in sc in force in
// [from, to), sorted; "" (no 2021 district: units of the former Bình Phước)
// comes first when such a commune is among them.
func (ix *unitIndex) districtKeys(sc scope, from, to time.Time) []string {
	if sc.District != "" {
		return []string{sc.District}
	}
	var out []string
	for code, vs := range ix.versions {
		for _, v := range vs {
			if v.Level == "commune" && overlaps(v, from, to) && (sc.Commune == "" || code == sc.Commune) {
				out = append(out, v.District2021)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// keys lists every combination of the keys of q's breakdowns, in the order
// of the domains (each sorted), refusing an answer larger than MaxCells.
func (ix *unitIndex) keys(q termQuery) ([][]string, error) {
	out := [][]string{{}}
	for _, d := range q.Dims {
		dom := ix.domain(d, q)
		if len(out)*len(dom)*len(q.Spans) > MaxCells {
			return nil, domain.Errorf(domain.CodeTooComplex,
				"the breakdown has more than %d cells (every combination of its keys is listed): ask for fewer dimensions or periods", MaxCells)
		}
		next := make([][]string, 0, len(out)*len(dom))
		for _, prefix := range out {
			for _, k := range dom {
				next = append(next, append(slices.Clone(prefix), k))
			}
		}
		out = next
	}
	return out, nil
}

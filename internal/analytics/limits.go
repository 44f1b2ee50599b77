package analytics

import (
	"fmt"

	"treem/internal/domain"
	"treem/internal/period"
)

// Caps on the list arguments of one question. Each indicator id and measure
// is evaluated on its own and every period and unit multiplies the cells, so
// a long list, repeats included, would tie up the warehouse: a list longer
// than its cap is refused as TOO_COMPLEX before anything is read, and
// repeated values are asked for once.
const (
	MaxIndicators = 40  // ids of indicatorValues: the whole catalogue, twice over
	MaxMeasures   = 48  // measures of aggregate: the whole contract (42) in one question
	MaxPeriods    = 600 // periods of indicatorValues, trend and aggregate: fifty years of months
	MaxOrgUnits   = 200 // orgUnits of indicatorValues: more than the province's communes
)

// Distinct returns xs without repeats, in the order of first appearance.
func Distinct[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// capped refuses a list argument longer than max, naming the cap, and
// returns it without repeats.
func capped[T comparable](field string, xs []T, max int) ([]T, error) {
	if len(xs) > max {
		return nil, tooMany(field, len(xs), max)
	}
	return Distinct(xs), nil
}

func tooMany(field string, n, max int) error {
	return &domain.Error{Code: domain.CodeTooComplex, Field: field,
		Message: fmt.Sprintf("%s holds %d values, more than the cap of %d per question: ask for fewer", field, n, max)}
}

// tooLong refuses a range from from to to that splits into n > MaxPeriods
// periods; field names the range's end.
func tooLong(field string, from, to period.Period, n int) error {
	return &domain.Error{Code: domain.CodeTooComplex, Field: field,
		Message: fmt.Sprintf("from %s to %s spans %d periods, more than the cap of %d per question: "+
			"ask for a shorter range or longer periods", from, to, n, MaxPeriods)}
}

// limit applies the caps to r and removes repeats.
func (r *IndicatorValuesRequest) limit() error {
	var err error
	if r.IDs, err = capped("ids", r.IDs, MaxIndicators); err != nil {
		return err
	}
	if r.OrgUnits, err = capped("orgUnits", r.OrgUnits, MaxOrgUnits); err != nil {
		return err
	}
	r.Periods, err = capped[period.Period]("periods", r.Periods, MaxPeriods)
	return err
}

// lastYear bounds the years a question may name; the first is the history's.
const lastYear = 2100

// checkYear refuses a year argument outside the history's first year to
// lastYear.
func checkYear(field string, year int) error {
	if first := domain.HistoryStart.Year(); year < first || year > lastYear {
		return domain.Invalid(field, "year %d is out of range: %d to %d", year, first, lastYear)
	}
	return nil
}

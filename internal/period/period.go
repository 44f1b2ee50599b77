// Package period parses and expands the reporting periods analytics answers use:
// a month "2021-03", a quarter "2021-Q1", a half year "2021-H1" and a year "2021".
// It is pure: no clock, no I/O.
package period

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"treem/internal/domain"
)

// Kind is the length of a period.
type Kind int

// The four period kinds, shortest first.
const (
	Month Kind = iota + 1
	Quarter
	Half
	Year
)

// Months is the number of months in a period of kind k.
func (k Kind) Months() int {
	switch k {
	case Month:
		return 1
	case Quarter:
		return 3
	case Half:
		return 6
	}
	return 12
}

// ParseKind reads MONTH, QUARTER, HALF or YEAR (any case).
func ParseKind(s string) (Kind, error) {
	switch strings.ToUpper(s) {
	case "MONTH":
		return Month, nil
	case "QUARTER":
		return Quarter, nil
	case "HALF", "HALF_YEAR", "SIX_MONTHS":
		return Half, nil
	case "YEAR":
		return Year, nil
	}
	return 0, domain.Invalid("periodType", "unknown period type %q (MONTH, QUARTER, HALF or YEAR)", s)
}

// Period is one month, quarter, half year or year. N is the month (1–12),
// quarter (1–4) or half (1–2); it is 1 for a year.
type Period struct {
	Kind Kind
	Year int
	N    int
}

const (
	minYear = 2000
	maxYear = 2100
)

// Parse reads a period, in treem's spelling or in DHIS2's (202103, 2021Q1,
// 2021S1 for a half year), which analysts' tools use. Anything else,
// including "2021-Q5" and "2021-13", is INVALID_INPUT on field.
func Parse(field, s string) (Period, error) {
	bad := func() (Period, error) {
		return Period{}, domain.Invalid(field, "malformed period %q (want 2021-03, 2021-Q1, 2021-H1 or 2021, or DHIS2's 202103, 2021Q1, 2021S1)", s)
	}
	y, rest, hasRest := strings.Cut(fromDHIS2(strings.TrimSpace(s)), "-")
	if len(y) != 4 {
		return bad()
	}
	year, err := strconv.Atoi(y)
	if err != nil || year < minYear || year > maxYear {
		return bad()
	}
	if !hasRest {
		return Period{Kind: Year, Year: year, N: 1}, nil
	}
	p := Period{Year: year}
	var max int
	switch {
	case len(rest) == 2 && rest[0] == 'Q':
		p.Kind, max, rest = Quarter, 4, rest[1:]
	case len(rest) == 2 && rest[0] == 'H':
		p.Kind, max, rest = Half, 2, rest[1:]
	case len(rest) == 2:
		p.Kind, max = Month, 12
	default:
		return bad()
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > max || strings.ContainsAny(rest, "+-") {
		return bad()
	}
	p.N = n
	return p, nil
}

// fromDHIS2 respells DHIS2's monthly, quarterly and six-monthly codes as
// treem's; any other string is returned as it is.
func fromDHIS2(s string) string {
	if len(s) != 6 || strings.Contains(s, "-") {
		return s
	}
	switch s[4] {
	case 'Q':
		return s[:4] + "-Q" + s[5:]
	case 'S':
		return s[:4] + "-H" + s[5:]
	}
	return s[:4] + "-" + s[4:]
}

// String is the canonical spelling that Parse reads back.
func (p Period) String() string {
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	case Half:
		return fmt.Sprintf("%04d-H%d", p.Year, p.N)
	}
	return fmt.Sprintf("%04d", p.Year)
}

// First is the first day of the period's first month.
func (p Period) First() time.Time {
	return time.Date(p.Year, time.Month((p.N-1)*p.Kind.Months()+1), 1, 0, 0, 0, 0, time.UTC)
}

// LastMonth is the first day of the period's last month: the month whose
// month-end state a stock measure reports for the period.
func (p Period) LastMonth() time.Time {
	return p.First().AddDate(0, p.Kind.Months()-1, 0)
}

// End is the first day after the period.
func (p Period) End() time.Time { return p.First().AddDate(0, p.Kind.Months(), 0) }

// Months lists the first day of every month in the period, in order.
func (p Period) Months() []time.Time {
	out := make([]time.Time, 0, p.Kind.Months())
	for m := p.First(); m.Before(p.End()); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// Of returns the period of kind k that contains month.
func Of(k Kind, month time.Time) Period {
	m := int(month.Month())
	return Period{Kind: k, Year: month.Year(), N: (m-1)/k.Months() + 1}
}

// Series lists the periods of kind k from the one containing from's start to
// the one containing to's end. From after to is INVALID_INPUT.
func Series(from, to Period, k Kind) ([]Period, error) {
	if err := ordered(from, to); err != nil {
		return nil, err
	}
	var out []Period
	for p := Of(k, from.First()); p.First().Before(to.End()); p = Of(k, p.End()) {
		out = append(out, p)
	}
	return out, nil
}

// ParseFromTo reads the ends of a range given as two arguments, from and to,
// each as Parse reads it; from after to is INVALID_INPUT on from, as Series
// says it, so a caller that never splits the range refuses it alike.
func ParseFromTo(from, to string) (f, t Period, err error) {
	if f, err = Parse("from", from); err != nil {
		return
	}
	if t, err = Parse("to", to); err != nil {
		return
	}
	err = ordered(f, t)
	return
}

// ordered refuses a range whose from starts after its to.
func ordered(from, to Period) error {
	if from.First().After(to.First()) {
		return domain.Invalid("from", "from %s is after to %s", from, to)
	}
	return nil
}

// Split lists the periods of kind from the one containing from's start to
// the one containing to's end. Kind is spelled as ParseKind reads it; empty,
// it is from's own kind.
func Split(from, to Period, kind string) ([]Period, error) {
	k := from.Kind
	if kind != "" {
		var err error
		if k, err = ParseKind(kind); err != nil {
			return nil, err
		}
	}
	return Series(from, to, k)
}

// Days returns the first and the last day covered by a period or a range
// label ("2025", "2025-Q3", "2021-03..2021-08").
func Days(label string) (first, last time.Time, err error) {
	from, to, err := ParseRange("period", label)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return from.First(), to.End().AddDate(0, 0, -1), nil
}

// ParseRange reads "A..B" (two periods, either kind) or a single period, and
// returns the first and last month it covers.
func ParseRange(field, s string) (from, to Period, err error) {
	a, b, isRange := strings.Cut(s, "..")
	if from, err = Parse(field, a); err != nil {
		return
	}
	to = from
	if isRange {
		if to, err = Parse(field, b); err != nil {
			return
		}
	}
	if from.First().After(to.First()) {
		err = domain.Invalid(field, "range %q ends before it starts", s)
	}
	return
}

// List reads either explicit periods or from/to split by the kind named
// (empty: the kind of from), as the analytics questions take them.
func List(periods []string, from, to, kind string) ([]Period, error) {
	if len(periods) > 0 && (from != "" || to != "") {
		return nil, domain.Invalid("periods", "give periods, or from and to, not both")
	}
	if len(periods) > 0 {
		out := make([]Period, 0, len(periods))
		for _, s := range periods {
			p, err := Parse("periods", s)
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
		return out, nil
	}
	if from == "" || to == "" {
		return nil, domain.Invalid("periods", "give periods, or from and to")
	}
	f, t, err := ParseFromTo(from, to)
	if err != nil {
		return nil, err
	}
	return Split(f, t, kind)
}

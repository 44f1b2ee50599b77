package seed

import "time"

// Day is a calendar date as a count of days since 1970-01-01. The generator
// works on plain integers because it compares and adds millions of dates.
type Day int32

// NoDay marks an open end (a unit or residence still in force).
const NoDay Day = 0

// DayOf returns the Day of a civil date; out-of-range parts normalise as in time.Date.
func DayOf(year int, month time.Month, day int) Day {
	return Day(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DayFromTime returns the civil date of t (its year, month and day).
func DayFromTime(t time.Time) Day {
	return DayOf(t.Year(), t.Month(), t.Day())
}

// Time returns midnight UTC of d, which pgx encodes as that date.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// yearStarts[i] is 1 January of 1970+i: the generator asks for years and
// year starts millions of times, and time.Date is comparatively slow.
var yearStarts = func() []Day {
	out := make([]Day, 300)
	for i := range out {
		out[i] = DayOf(1970+i, 1, 1)
	}
	return out
}()

// yearStart returns 1 January of year y.
func yearStart(y int) Day {
	if i := y - 1970; i >= 0 && i < len(yearStarts) {
		return yearStarts[i]
	}
	return DayOf(y, 1, 1)
}

// Year returns the calendar year of d.
func (d Day) Year() int {
	i := int(d) / 366 // a lower bound of the years since 1970
	if d < 0 || i+1 >= len(yearStarts) {
		return d.Time().Year()
	}
	for i+1 < len(yearStarts) && yearStarts[i+1] <= d {
		i++
	}
	return 1970 + i
}

// AddYears returns the same calendar day n years later (29 February → 1 March).
func (d Day) AddYears(n int) Day {
	t := d.Time()
	return DayOf(t.Year()+n, t.Month(), t.Day())
}

// String formats d as YYYY-MM-DD.
func (d Day) String() string { return d.Time().Format(time.DateOnly) }

// ageOn returns the completed years of a child born on birth at day d.
func ageOn(birth, d Day) int {
	b, t := birth.Time(), d.Time()
	age := t.Year() - b.Year()
	if t.Month() < b.Month() || (t.Month() == b.Month() && t.Day() < b.Day()) {
		age--
	}
	return age
}

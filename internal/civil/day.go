// Package civil holds Day, a civil date as a day number. The seed generator
// and the ETL's aggregation compare and add dates by the million, so both
// work on plain integers; this package is the one definition they share.
package civil

import "time"

// Day is a civil date as days since 1970-01-01.
type Day int32

// NoDay marks an open end: no death date, a unit or residence still in force,
// a period still running. It is later than every date, so an open end never
// falls before a day; whoever stores a Day writes NULL (or nothing) for it.
const NoDay Day = 1<<31 - 1

// DayOf returns the Day of a civil date; out-of-range parts normalise as in time.Date.
func DayOf(year int, month time.Month, day int) Day {
	return Day(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DayFromTime returns the civil date of t's year, month and day fields.
func DayFromTime(t time.Time) Day { return DayOf(t.Year(), t.Month(), t.Day()) }

// Time returns midnight UTC of d, which pgx encodes as that date.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Date returns the civil year, month and day.
func (d Day) Date() (int, time.Month, int) { return d.Time().Date() }

// yearStarts[i] is 1 January of 1970+i: the seed asks for years and year
// starts millions of times, and time.Date is comparatively slow.
var yearStarts = func() []Day {
	out := make([]Day, 300)
	for i := range out {
		out[i] = DayOf(1970+i, 1, 1)
	}
	return out
}()

// YearStart returns 1 January of year y.
func YearStart(y int) Day {
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
	y, m, dd := d.Date()
	return DayOf(y+n, m, dd)
}

// String formats d as YYYY-MM-DD, and NoDay as "open".
func (d Day) String() string {
	if d == NoDay {
		return "open"
	}
	return d.Time().Format(time.DateOnly)
}

// AgeOn returns the completed years on day d of a child born on birth.
func AgeOn(birth, d Day) int {
	months := MonthsOn(birth, d)
	if months < 0 { // rounded down, not toward zero: -1 before birth
		return (months - 11) / 12
	}
	return months / 12
}

// MonthsOn returns the completed months on day d of a child born on birth: a
// month is completed on the day of the month of birth, or on the 1st of the
// next month when the month is shorter (born 31 January: one month on 1
// March), so the 24th month is completed exactly on the second birthday.
func MonthsOn(birth, d Day) int {
	by, bm, bd := birth.Date()
	y, m, dd := d.Date()
	months := (y-by)*12 + int(m-bm)
	if dd < bd {
		months--
	}
	return months
}

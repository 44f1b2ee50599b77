package etl

import "time"

// Day is a civil date as days since 1970-01-01: the aggregation loops over
// millions of child-months, so dates are plain integers there.
type Day int32

// NoDay marks an open end (no death date, a period still running).
const NoDay Day = 1<<31 - 1

// DayOf returns the Day of a civil date; out-of-range parts normalise as in time.Date.
func DayOf(year int, month time.Month, day int) Day {
	return Day(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// DayFromTime returns the civil date of t's year, month and day fields.
func DayFromTime(t time.Time) Day { return DayOf(t.Year(), t.Month(), t.Day()) }

// Time returns the day at midnight UTC.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// Date returns the civil year, month and day.
func (d Day) Date() (int, time.Month, int) { return d.Time().Date() }

// AddYears returns the same calendar day n years later (29 February → 1 March).
func (d Day) AddYears(n int) Day {
	y, m, dd := d.Date()
	return DayOf(y+n, m, dd)
}

func (d Day) String() string {
	if d == NoDay {
		return "open"
	}
	return d.Time().Format(time.DateOnly)
}

// HistoryStart is the first month of the warehouse: the operational history
// begins in January 2019.
var HistoryStart = DayOf(2019, 1, 1)

// MonthIndex counts months from HistoryStart (negative before it).
func MonthIndex(d Day) int {
	y, m, _ := d.Date()
	return (y-2019)*12 + int(m) - 1
}

// MonthStart returns the first day of month index i.
func MonthStart(i int) Day { return DayOf(2019, time.Month(1+i), 1) }

// MonthEnd returns the last day of month index i.
func MonthEnd(i int) Day { return MonthStart(i+1) - 1 }

// AgeOn returns the completed years on day d of a child born on birth.
func AgeOn(birth, d Day) int {
	by, bm, bd := birth.Date()
	y, m, dd := d.Date()
	age := y - by
	if m < bm || (m == bm && dd < bd) {
		age--
	}
	return age
}

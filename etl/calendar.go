package etl

import (
	"time"

	"treem/internal/civil"
	"treem/internal/domain"
)

// HistoryStart is domain.HistoryStart as a day: the warehouse's first month.
var HistoryStart = civil.DayFromTime(domain.HistoryStart)

// MonthIndex counts months from HistoryStart (negative before it).
func MonthIndex(d civil.Day) int {
	y, m, _ := d.Date()
	return (y-2019)*12 + int(m) - 1
}

// MonthStart returns the first day of month index i.
func MonthStart(i int) civil.Day { return civil.DayOf(2019, time.Month(1+i), 1) }

// MonthEnd returns the last day of month index i.
func MonthEnd(i int) civil.Day { return MonthStart(i+1) - 1 }

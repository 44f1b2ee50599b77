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
	first, _, _ := HistoryStart.Date()
	return (y-first)*12 + int(m) - 1
}

// MonthStart returns the first day of month index i.
func MonthStart(i int) civil.Day {
	first, _, _ := HistoryStart.Date()
	return civil.DayOf(first, time.Month(1+i), 1)
}

// MonthEnd returns the last day of month index i.
func MonthEnd(i int) civil.Day { return MonthStart(i+1) - 1 }

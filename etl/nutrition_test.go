package etl

import (
	"slices"
	"testing"

	"treem/internal/civil"
	"treem/internal/extract"
	"treem/internal/indicators"
)

// TestUnder2ByAgeAtMeasurement works the 0–23-month measures out by hand,
// child by child, as the months whose end counts the child. Both bands read
// the latest measurement of the 12 months to the month's end; the 0–23-month
// measures count it when it was taken before 24 completed months (civil.MonthsOn).
func TestUnder2ByAgeAtMeasurement(t *testing.T) {
	type series map[indicators.MeasureID][]string // measure → months counted, "2006-01"
	measures := []indicators.MeasureID{indicators.MeasuredU2, indicators.UnderweightU2, indicators.StuntedU2,
		indicators.MeasuredU5, indicators.UnderweightU5, indicators.StuntedU5}
	nutrition := func(day string, underweight, stunted bool) extract.Event {
		return extract.Event{Kind: extract.EvNutrition, Unit: 1, Day: d(day), Flag1: underweight, Flag2: stunted}
	}
	tests := []struct {
		name   string
		birth  string
		events []extract.Event
		want   series
	}{{
		// Born mid-month: 23 months on 15 April 2024, and 29 days later is
		// 14 May, the day before the second birthday. Counted for the 12
		// months from May 2024, at the end of which she is 35 months old.
		name: "23 months and 29 days", birth: "2022-05-15",
		events: []extract.Event{nutrition("2024-05-14", true, false)},
		want: series{
			indicators.MeasuredU2: span("2024-05", "2025-04"), indicators.UnderweightU2: span("2024-05", "2025-04"),
			indicators.MeasuredU5: span("2024-05", "2025-04"), indicators.UnderweightU5: span("2024-05", "2025-04"),
		},
	}, {
		name: "24 months: measured on the second birthday", birth: "2022-05-15",
		events: []extract.Event{nutrition("2024-05-15", true, true)},
		want: series{
			indicators.MeasuredU5: span("2024-05", "2025-04"), indicators.UnderweightU5: span("2024-05", "2025-04"),
			indicators.StuntedU5: span("2024-05", "2025-04"),
		},
	}, {
		// Stunted at 22 months (20 December 2023); measured again, not
		// stunted, at 25 months (20 March 2024). The first counts at the
		// ends of December, January and February, though she is 24 months
		// old on 29 February; from March the latest is the 25-month one,
		// which the 0–23-month measures do not count, and the earlier one
		// no longer either.
		name: "measured at 22 then 25 months", birth: "2022-02-10",
		events: []extract.Event{nutrition("2023-12-20", false, true), nutrition("2024-03-20", false, false)},
		want: series{
			indicators.MeasuredU2: span("2023-12", "2024-02"), indicators.StuntedU2: span("2023-12", "2024-02"),
			indicators.MeasuredU5: span("2023-12", "2025-02"), indicators.StuntedU5: span("2023-12", "2024-02"),
		},
	}, {
		// Underweight at 10 months, not at 20: the latest counts in both bands.
		name: "two measurements under 24 months", birth: "2023-06-01",
		events: []extract.Event{nutrition("2024-04-01", true, false), nutrition("2025-02-01", false, false)},
		want: series{
			indicators.MeasuredU2: span("2024-04", "2026-01"), indicators.UnderweightU2: span("2024-04", "2025-01"),
			indicators.MeasuredU5: span("2024-04", "2026-01"), indicators.UnderweightU5: span("2024-04", "2025-01"),
		},
	}, {
		// Born on 31 January: still 23 completed months on 30 January 2024,
		// the day before the second birthday.
		name: "born on the 31st", birth: "2022-01-31",
		events: []extract.Event{nutrition("2024-01-30", false, true)},
		want: series{
			indicators.MeasuredU2: span("2024-01", "2024-12"), indicators.StuntedU2: span("2024-01", "2024-12"),
			indicators.MeasuredU5: span("2024-01", "2024-12"), indicators.StuntedU5: span("2024-01", "2024-12"),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(testUnits(), d("2026-01-15"), testSecret)
			a.AddChild(&extract.Child{ID: 1, Sex: 'F', Birth: d(tt.birth), Death: civil.NoDay, Commune: 1, Events: tt.events})
			got := series{}
			for k, v := range a.Cells() {
				if slices.Contains(measures, k.Measure) {
					if v != 1 {
						t.Errorf("%s in %s = %d, want 1", k.Measure.Name(), MonthStart(int(k.Month)), v)
					}
					got[k.Measure] = append(got[k.Measure], MonthStart(int(k.Month)).String()[:7])
				}
			}
			for _, m := range measures {
				slices.Sort(got[m])
				if !slices.Equal(got[m], tt.want[m]) {
					t.Errorf("%s counted at the ends of %v, want %v", m.Name(), got[m], tt.want[m])
				}
			}
		})
	}
}

// span lists the months from first to last ("2006-01"), both included.
func span(first, last string) []string {
	var out []string
	for m := MonthIndex(d(first + "-01")); m <= MonthIndex(d(last+"-01")); m++ {
		out = append(out, MonthStart(m).String()[:7])
	}
	return out
}

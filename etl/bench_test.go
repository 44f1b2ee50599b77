package etl

import (
	"testing"

	"treem/internal/civil"
	"treem/internal/extract"
)

// BenchmarkAddChild: the per-child cost of the aggregation core (a child born
// 2014 with a residence, a card, a circumstance and ten events, counted over
// every month to November 2026). go test -bench AddChild ./etl
func BenchmarkAddChild(b *testing.B) {
	us := testUnits()
	a := NewAggregator(us, d("2026-11-28"), testSecret)
	c := &extract.Child{Sex: 'F', Birth: d("2014-03-10"), Death: civil.NoDay, Commune: 1,
		Poverty:       []extract.YearStatus{{Year: 2021, Status: extract.PovertyPoor}, {Year: 2022, Status: extract.PovertyNearPoor}},
		Residences:    []extract.Period{{Unit: 1, From: d("2014-03-10"), To: civil.NoDay}},
		Cards:         []extract.Period{{From: d("2014-03-10"), To: d("2020-03-09")}},
		Circumstances: []extract.Period{{Group: 2, From: d("2020-01-01"), To: civil.NoDay}},
	}
	for i := 0; i < 10; i++ {
		kind := []extract.EventKind{extract.EvSupport, extract.EvCheckup, extract.EvNutrition, extract.EvInjury, extract.EvGift}[i%5]
		c.Events = append(c.Events, extract.Event{Kind: kind, Unit: 1, Day: d("2019-02-01") + civil.Day(i*200), Day2: civil.NoDay})
	}
	b.ReportAllocs()
	for b.Loop() {
		a.AddChild(c)
	}
}

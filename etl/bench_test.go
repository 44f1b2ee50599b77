package etl

import (
	"testing"

	"treem/internal/civil"
)

// BenchmarkAddChild: the per-child cost of the aggregation core (a child born
// 2014 with a residence, a card, a circumstance and ten events, counted over
// every month to November 2026). go test -bench AddChild ./etl
func BenchmarkAddChild(b *testing.B) {
	us := testUnits()
	a := NewAggregator(us, d("2026-11-28"), testSecret)
	c := &Child{Sex: 'F', Birth: d("2014-03-10"), Death: civil.NoDay, Commune: 1,
		Poverty:       []YearStatus{{2021, povertyPoor}, {2022, povertyNearPoor}},
		Residences:    []Period{{Unit: 1, From: d("2014-03-10"), To: civil.NoDay}},
		Cards:         []Period{{From: d("2014-03-10"), To: d("2020-03-09")}},
		Circumstances: []Period{{Group: 2, From: d("2020-01-01"), To: civil.NoDay}},
	}
	for i := 0; i < 10; i++ {
		kind := []EventKind{EvSupport, EvCheckup, EvNutrition, EvInjury, EvGift}[i%5]
		c.Events = append(c.Events, Event{Kind: kind, Unit: 1, Day: d("2019-02-01") + civil.Day(i*200), Day2: civil.NoDay})
	}
	b.ReportAllocs()
	for b.Loop() {
		a.AddChild(c)
	}
}

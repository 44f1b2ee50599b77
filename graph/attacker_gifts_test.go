package graph_test

import (
	"testing"

	"treem/internal/analytics/analyticstest"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// giftMeasures are the gift measures the tests below read, in this order:
// the three occasions, then all visits.
var giftMeasures = []string{"GIFT_VISITS_CHILDREN_DAY", "GIFT_VISITS_MID_AUTUMN", "GIFT_VISITS_TET", "GIFT_VISITS"}

// giftPeriods are 2024-Q2 and its months, in the order giftValues returns them.
var giftPeriods = []string{"2024-Q2", "2024-04", "2024-05", "2024-06"}

// giftTruth is bulletinQuarter's gift visits worked by hand, by period and
// then in giftMeasures' order.
var giftTruth = map[string][4]float64{
	"2024-Q2": {78, 0, 4, 82}, "2024-04": {0, 0, 3, 3}, "2024-05": {66, 0, 1, 67}, "2024-06": {12, 0, 0, 12},
}

type giftCell struct {
	Value  *float64
	Status string
}

// giftValues reads the province's gift measures of 2024-Q2 and of its months
// as tok's role is released them, by period.
func giftValues(t *testing.T, s *testServer, tok string) map[string][]giftCell {
	t.Helper()
	var q, m struct {
		Aggregate struct {
			Rows []struct {
				Keys   []struct{ Value string }
				Values []giftCell
			}
		}
	}
	const measures = `measures: [GIFT_VISITS_CHILDREN_DAY, GIFT_VISITS_MID_AUTUMN, GIFT_VISITS_TET, GIFT_VISITS]`
	decode(t, s.query(t, tok, `{ aggregate(`+measures+`, dimensions: [], filter: {period: "2024-Q2"}) {
	  rows { values { value status } } } }`, nil), &q)
	decode(t, s.query(t, tok, `{ aggregate(`+measures+`, dimensions: [PERIOD], filter: {from: "2024-04", to: "2024-06",
	  periodType: MONTH}) { rows { keys { value } values { value status } } } }`, nil), &m)
	if len(q.Aggregate.Rows) != 1 || len(m.Aggregate.Rows) != 3 {
		t.Fatalf("quarter %+v, months %+v", q, m)
	}
	out := map[string][]giftCell{"2024-Q2": q.Aggregate.Rows[0].Values}
	for _, r := range m.Aggregate.Rows {
		out[r.Keys[0].Value] = r.Values
	}
	return out
}

// TestGiftVisitsByOccasionAPI: a province officer reads bulletinQuarter's
// gift visits by occasion exactly; an analyst reads them through disclosure
// control: the Tết 4 and Mid-Autumn 0 of the quarter withheld alike, the
// others within 4 of the truth.
func TestGiftVisitsByOccasionAPI(t *testing.T) {
	s := serveWarehouse(t, testdb.Postgres(t), analyticstest.WarehouseWith(t, bulletinQuarter))
	officer := giftValues(t, s, token(t, domain.RoleProvinceOfficer, "75"))
	analyst := giftValues(t, s, token(t, domain.RoleAnalyst, "75"))
	for _, p := range giftPeriods {
		for i, want := range giftTruth[p] {
			if o := officer[p][i]; o.Value == nil || *o.Value != want {
				t.Errorf("officer, %s %s: %v %s, want %v", p, giftMeasures[i], val(o.Value), o.Status, want)
			}
			a := analyst[p][i]
			switch {
			case want < 5 && (a.Value != nil || a.Status != "SUPPRESSED"):
				t.Errorf("analyst, %s %s: %v %s, want %v withheld", p, giftMeasures[i], val(a.Value), a.Status, want)
			case want >= 5 && (a.Value == nil || *a.Value < want-4 || *a.Value > want+4):
				t.Errorf("analyst, %s %s: %v %s, want %v ± 4", p, giftMeasures[i], val(a.Value), a.Status, want)
			}
		}
	}
}

// TestAttackGiftOccasionsAgainstMonths: the occasions are parts of
// GIFT_VISITS, and a quarter is the sum of its months. The attacker reads, as
// an analyst, every gift measure of 2024-Q2 and of each of its months, and
// propagates the bounds (a released count is within 4 of the truth, a
// withheld one below 5) through "all visits = the three occasions" and "the
// quarter = its months" until nothing tightens. No withheld cell may be
// pinned, and the bounds must hold the truth (else the attack is unsound and
// proves nothing).
func TestAttackGiftOccasionsAgainstMonths(t *testing.T) {
	s := serveWarehouse(t, testdb.Postgres(t), analyticstest.WarehouseWith(t, bulletinQuarter))
	released := giftValues(t, s, token(t, domain.RoleAnalyst, "75"))
	type cell struct {
		period  string
		measure int
	}
	lo, hi := map[cell]float64{}, map[cell]float64{}
	for _, p := range giftPeriods {
		for i, c := range released[p] {
			k := cell{p, i}
			if c.Value == nil {
				lo[k], hi[k] = 0, 4
			} else {
				lo[k], hi[k] = max(0, *c.Value-4), *c.Value+4
			}
		}
	}
	// Each equation says that the cells of plus add up to the cells of minus.
	type equation struct{ plus, minus []cell }
	var eqs []equation
	for _, p := range giftPeriods {
		eqs = append(eqs, equation{[]cell{{p, 0}, {p, 1}, {p, 2}}, []cell{{p, 3}}})
	}
	for i := range giftMeasures {
		eqs = append(eqs, equation{[]cell{{"2024-04", i}, {"2024-05", i}, {"2024-06", i}}, []cell{{"2024-Q2", i}}})
	}
	// tighten bounds x, one of side, by the other cells of its equation.
	tighten := func(x cell, side, other []cell) bool {
		l, h := 0.0, 0.0 // bounds of other − (side without x)
		for _, c := range other {
			l, h = l+lo[c], h+hi[c]
		}
		for _, c := range side {
			if c != x {
				l, h = l-hi[c], h-lo[c]
			}
		}
		changed := l > lo[x] || h < hi[x]
		lo[x], hi[x] = max(lo[x], l), min(hi[x], h)
		return changed
	}
	for changed := true; changed; {
		changed = false
		for _, e := range eqs {
			for _, x := range e.plus {
				changed = tighten(x, e.plus, e.minus) || changed
			}
			for _, x := range e.minus {
				changed = tighten(x, e.minus, e.plus) || changed
			}
		}
	}
	withheld := 0
	for _, p := range giftPeriods {
		for i, truth := range giftTruth[p] {
			k := cell{p, i}
			if truth < lo[k] || truth > hi[k] {
				t.Errorf("%s %s: bounds [%v, %v] miss the truth %v: the attack is unsound", p, giftMeasures[i], lo[k], hi[k], truth)
			}
			if released[p][i].Value != nil {
				continue
			}
			withheld++
			if lo[k] == hi[k] {
				t.Errorf("%s %s: withheld, but the other cells pin it to %v", p, giftMeasures[i], lo[k])
			}
		}
	}
	if withheld < 8 {
		t.Errorf("only %d cells withheld: the attack tested little", withheld)
	}
	t.Logf("%d withheld gift cells, none pinned", withheld)
}

package graph_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"treem/internal/disclosure"
	"treem/internal/domain"
)

// The attacks below read the numbers compareUnits newly releases beside each
// unit: the province's and the former Đồng Nai's value, meetsTarget and
// change. An analyst derives from them a withheld cell three ways:
//
//   - a change is value − previous value, so value − change is the previous
//     period's value of the same area: if that area's own answer for the
//     previous period is withheld, the change pins it;
//   - the province less the former Đồng Nai is the former Bình Phước (in the
//     fixture, Xã Hai Mươi 90020 alone): when 90020 is withheld but both areas
//     are released, their difference bounds it, and so does the difference of
//     their changes over two periods;
//   - meetsTarget (or a change) given where the value itself is withheld tells
//     which side of the target (or of the previous value) the cell lies.
//
// The exact value of every cell is the province officer's.

type areaAnswer struct {
	Value       *float64
	Numerator   *int
	Denominator *int
	Status      string
	MeetsTarget *bool
	Change      *float64
	ExactValue  *float64
}

type newNumbersAnswer struct {
	Units []struct {
		OrgUnit struct{ Code string }
		areaAnswer
	}
	Province      areaAnswer
	FormerDongNai *areaAnswer
}

func compareUnitsNew(t *testing.T, s *testServer, tok, indicator, period string) newNumbersAnswer {
	t.Helper()
	r := s.query(t, tok, `query($i: ID!, $p: String!) { compareUnits(indicator: $i, period: $p, level: COMMUNE) {
		units { orgUnit { code } value numerator denominator status meetsTarget change exactValue }
		province { value numerator denominator status meetsTarget change exactValue }
		formerDongNai { value numerator denominator status meetsTarget change exactValue } } }`,
		map[string]any{"i": indicator, "p": period})
	if len(r.Errors) > 0 {
		t.Fatalf("compareUnits %s %s: %s", indicator, period, r.raw)
	}
	var a newNumbersAnswer
	if err := json.Unmarshal(r.Data["compareUnits"], &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a newNumbersAnswer) areas() map[string]areaAnswer {
	out := map[string]areaAnswer{"province": a.Province}
	if a.FormerDongNai != nil {
		out["formerDongNai"] = *a.FormerDongNai
	}
	for _, u := range a.Units {
		out[u.OrgUnit.Code] = u.areaAnswer
	}
	return out
}

func fstr(v *float64) string {
	if v == nil {
		return "withheld"
	}
	return fmt.Sprintf("%g", *v)
}

// TestAttackNewNumbers plays the three derivations above on immunisation of
// one-year-olds over every calendar period of 2025, and fails on any that
// pins a withheld cell.
func TestAttackNewNumbers(t *testing.T) {
	var periods []string
	for _, kind := range periodKinds {
		periods = append(periods, periodsOf(2025)[kind]...)
	}
	routes := attackNewNumbers(t, analyticsServer(t, true), "immunisation_u1", periods, previousPeriod)
	// Counts and rates of the export fixture over two years (no former
	// Bình Phước there: the change routes only).
	prevYear := func(p string) string { return map[string]string{"2024": "2023"}[p] }
	for _, ind := range []string{"drowning_deaths", "abuse_rate"} {
		routes += attackNewNumbers(t, exportAttackServer(t), ind, []string{"2023", "2024"}, prevYear)
	}
	if routes == 0 {
		t.Fatal("no route reached a released change or area: the attack tested nothing")
	}
}

// attackNewNumbers plays the derivations on ind over periods and returns
// how many routes reached a released number.
func attackNewNumbers(t *testing.T, s *testServer, ind string, periods []string, previousPeriod func(string) string) int {
	t.Helper()
	analyst, officer := token(t, domain.RoleAnalyst, "75"), token(t, domain.RoleProvinceOfficer, "75")
	const k = disclosure.DefaultBase
	shown, exact := map[string]newNumbersAnswer{}, map[string]newNumbersAnswer{}
	for _, p := range periods {
		shown[p], exact[p] = compareUnitsNew(t, s, analyst, ind, p), compareUnitsNew(t, s, officer, ind, p)
	}
	routes, leaks := 0, 0
	for _, p := range periods {
		sh, ex := shown[p].areas(), exact[p].areas()
		for name, v := range sh {
			if v.ExactValue != nil {
				t.Errorf("%s %s: an exact value for an analyst", p, name)
			}
			withheld := v.Value == nil || v.Status == "SUPPRESSED"
			// meetsTarget or a change where the value is withheld.
			if withheld && (v.MeetsTarget != nil || v.Change != nil) {
				leaks++
				t.Errorf("LEAK %s %s: value withheld, meetsTarget %v change %s (exact value %s)", p, name, v.MeetsTarget, fstr(v.Change), fstr(ex[name].ExactValue))
			}
			if v.MeetsTarget != nil && ex[name].MeetsTarget != nil && *v.MeetsTarget != *ex[name].MeetsTarget {
				t.Logf("%s %s: meetsTarget %v released, %v exact (rounded value %s, exact %s)", p, name, *v.MeetsTarget, *ex[name].MeetsTarget,
					fstr(v.Value), fstr(ex[name].ExactValue))
			}
			// value − change against the previous period's own answer.
			prevP := previousPeriod(p)
			if prevP == "" || v.Change == nil || v.Value == nil {
				continue
			}
			prev, ok := shown[prevP].areas()[name]
			if !ok {
				continue // a unit not in force at the previous period's end: its previous population is another
			}
			routes++
			est := *v.Value - *v.Change
			truth := exact[prevP].areas()[name].ExactValue
			switch {
			case prev.Value == nil || prev.Status == "SUPPRESSED":
				leaks++
				t.Errorf("LEAK %s %s: previous %s withheld, value − change = %g (exact %s)", p, name, prevP, est, fstr(truth))
			case math.Abs(est-*prev.Value) > 0.051:
				t.Errorf("%s %s: value − change = %g, released previous %g (exact %s): the change rests on another value",
					p, name, est, *prev.Value, fstr(truth))
			default:
				t.Logf("route change %s %s: value − change = %g = released %s %g (exact %s): nothing new", p, name, est, prevP, *prev.Value, fstr(truth))
			}
		}
		// The former Bình Phước = province − former Đồng Nai (90020 alone).
		fdn, efdn := shown[p].FormerDongNai, exact[p].FormerDongNai
		if fdn == nil || efdn == nil {
			continue
		}
		bp, ebp := sh["90020"], ex["90020"]
		for _, term := range []struct {
			name               string
			prov, dn, cell, ex *int
			eprov, edn         *int
		}{
			{"numerator", shown[p].Province.Numerator, fdn.Numerator, bp.Numerator, ebp.Numerator, exact[p].Province.Numerator, efdn.Numerator},
			{"denominator", shown[p].Province.Denominator, fdn.Denominator, bp.Denominator, ebp.Denominator, exact[p].Province.Denominator, efdn.Denominator},
		} {
			if term.prov == nil || term.dn == nil || term.ex == nil {
				continue
			}
			routes++
			est := *term.prov - *term.dn
			lo, hi := max(0, est-2*(k-1)), est+2*(k-1)
			if term.cell == nil {
				hi = min(hi, k-1)
			} else {
				lo, hi = max(lo, *term.cell-(k-1)), min(hi, *term.cell+(k-1))
			}
			t.Logf("route province − former Đồng Nai %s %s: estimate %d, bounds [%d, %d], 90020 shown %s exact %d", p, term.name, est, lo, hi, str(term.cell), *term.ex)
			if term.cell == nil && lo == hi {
				leaks++
				t.Errorf("LEAK %s %s of the former Bình Phước pinned to %d (exact %d)", p, term.name, lo, *term.ex)
			}
		}
		// Two periods: Δprovince − Δformer Đồng Nai against 90020's change.
		if pc, dc := shown[p].Province.Change, fdn.Change; pc != nil && dc != nil && bp.Change == nil {
			routes++
			t.Logf("route Δprovince − Δformer Đồng Nai %s: %g (90020 change withheld, its value %s exact %s)", p, *pc-*dc, fstr(bp.Value), fstr(ebp.ExactValue))
		}
	}
	// Province change − Σ released unit changes = Σ the withheld units'
	// changes (counts only: a rate's change does not add up).
	for _, p := range periods {
		pc, epc := shown[p].Province.Change, exact[p].Province
		if pc == nil || shown[p].Province.Denominator != nil || previousPeriod(p) == "" {
			continue
		}
		est, truth, hidden := *pc, 0.0, 0
		eprev := exact[previousPeriod(p)].areas()
		for _, u := range shown[p].Units {
			if u.Change != nil {
				est -= *u.Change
				continue
			}
			hidden++
			cur, prev := exact[p].areas()[u.OrgUnit.Code].ExactValue, eprev[u.OrgUnit.Code].ExactValue
			if cur != nil {
				truth += *cur
			}
			if prev != nil {
				truth -= *prev
			}
			t.Logf("  %s %s without a change: shown %s (%s), exact %s, exact previous %s", ind, u.OrgUnit.Code, fstr(u.Value), u.Status, fstr(cur), fstr(prev))
		}
		routes++
		t.Logf("route %s province change − Σ released unit changes %s: %g over %d units without a change, exact %g (province exact %s)",
			ind, p, est, hidden, truth, fstr(epc.ExactValue))
	}
	t.Logf("%s: %d routes tried, %d leaks", ind, routes, leaks)
	return routes
}

// TestAttackNewNumbersAcrossRoutes asks the same populations through the
// indicator-values export (rank, change_from_previous, change_status) and
// compareUnits: a change of the export beside a previous value the analyst
// is refused (asked directly in the same export) pins that value, and a
// change that differs between the routes for the same population gives two
// draws of it.
func TestAttackNewNumbersAcrossRoutes(t *testing.T) {
	s := analyticsServer(t, true)
	analyst, officer := token(t, domain.RoleAnalyst, "75"), token(t, domain.RoleProvinceOfficer, "75")
	const ind = "immunisation_u1"
	routes, leaks := 0, 0
	for _, kind := range periodKinds {
		for _, p := range periodsOf(2025)[kind] {
			prevP := previousPeriod(p)
			if prevP == "" {
				continue
			}
			path := "/export/indicator-values.csv?ids=" + ind + "&orgUnits=75,90001,90002,90003,90004,90010,90011,90020&periods=" + prevP + "," + p
			mine, truth := byUnitPeriod(csvExport(t, s, analyst, path)), byUnitPeriod(csvExport(t, s, officer, path))
			cu := compareUnitsNew(t, s, analyst, ind, p).areas()
			for key, r := range mine {
				unit, per, _ := strings.Cut(key, "|")
				if per != p || r["change_from_previous"] == "" {
					continue
				}
				routes++
				est := num(t, r["value"]) - num(t, r["change_from_previous"])
				prev, prevTruth := mine[unit+"|"+prevP], truth[unit+"|"+prevP]
				switch {
				case withheld(r["status"]) || prev == nil || withheld(prev["status"]):
					leaks++
					t.Errorf("LEAK export %s %s: change %s beside %s, previous %v: value − change = %g (exact previous %q)",
						unit, p, r["change_from_previous"], r["status"], prev, est, prevTruth["exact_value"]+prevTruth["value"])
				case math.Abs(est-num(t, prev["value"])) > 0.051:
					t.Errorf("export %s %s: value − change = %g, released previous %s", unit, p, est, prev["value"])
				default:
					t.Logf("route export change %s %s: value − change = %g = released %s %s (exact %s): nothing new", unit, p, est, prevP,
						prev["value"], prevTruth["value"])
				}
				name := unit
				if unit == "75" {
					name = "province"
				}
				if c, ok := cu[name]; ok && c.Change != nil && c.Value != nil {
					routes++
					ce := *c.Value - *c.Change
					if math.Abs(ce-est) > 0.051 && c.Value != nil && math.Abs(*c.Value-num(t, r["value"])) < 0.051 {
						t.Logf("route compareUnits vs export %s %s: previous %g vs %g (the unit's history differs: heirs as of %s)", unit, p, ce, est, p)
					}
				}
			}
			// A rank or change beside a withheld value.
			for key, r := range mine {
				if withheld(r["status"]) && (r["rank"] != "" || r["change_from_previous"] != "") {
					leaks++
					t.Errorf("LEAK export %s: withheld value with rank %q change %q", key, r["rank"], r["change_from_previous"])
				}
			}
		}
	}
	t.Logf("across routes: %d routes tried, %d leaks", routes, leaks)
	if routes == 0 {
		t.Fatal("no change reached: the attack tested nothing")
	}
}

// TestAttackNewNumbersDistricts asks the same populations of 2025 as
// compareDistricts (its province line: the whole province, or the former
// Đồng Nai from July 2025) and as compareUnits (its province and former Đồng
// Nai, and its units by district up to June): one population released twice
// with different numbers is two draws of it, and a district's change beside
// a withheld previous value pins that value.
func TestAttackNewNumbersDistricts(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	const ind = "immunisation_u1"
	type dv struct {
		OrgUnit struct{ Code string }
		areaAnswer
	}
	type dc struct {
		ProvinceArea string
		Province     areaAnswer
		Districts    []dv
	}
	ask := func(p string) dc {
		r := s.query(t, analyst, `query($i: ID!, $p: String!) { compareDistricts(indicator: $i, period: $p) { provinceArea
			province { value numerator denominator status }
			districts { orgUnit { code } value numerator denominator status meetsTarget change } } }`, map[string]any{"i": ind, "p": p})
		if len(r.Errors) > 0 {
			t.Fatalf("compareDistricts %s: %s", p, r.raw)
		}
		var a dc
		if err := json.Unmarshal(r.Data["compareDistricts"], &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	same := func(x, y areaAnswer) bool {
		eqI := func(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
		eqF := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9) }
		return eqI(x.Numerator, y.Numerator) && eqI(x.Denominator, y.Denominator) && eqF(x.Value, y.Value) && eqF(x.Change, y.Change)
	}
	routes := 0
	answers := map[string]dc{}
	for _, kind := range periodKinds {
		for _, p := range periodsOf(2025)[kind] {
			d := ask(p)
			answers[p] = d
			cu := compareUnitsNew(t, s, analyst, ind, p)
			area := cu.Province
			if d.ProvinceArea == "FORMER_DONG_NAI" {
				if cu.FormerDongNai == nil {
					t.Fatalf("%s: compareDistricts shows the former Đồng Nai, compareUnits none", p)
				}
				area = *cu.FormerDongNai
			}
			area.Change = nil // the province line of compareDistricts has none
			routes++
			if !same(d.Province, area) {
				t.Errorf("LEAK %s %s: one population twice: compareDistricts %+v, compareUnits %+v", p, d.ProvinceArea, d.Province, area)
			}
			for _, x := range d.Districts {
				if (x.Value == nil || x.Status == "SUPPRESSED") && (x.Change != nil || x.MeetsTarget != nil) {
					t.Errorf("LEAK compareDistricts %s %s: withheld value with change %s meetsTarget %v", p, x.OrgUnit.Code, fstr(x.Change), x.MeetsTarget)
				}
			}
			if _, ms := monthsOf(p); ms[len(ms)-1] > 6 {
				continue
			}
			byDistrict := map[string]areaAnswer{}
			for _, u := range compareUnitsByDistrict(t, s, analyst, ind, p) {
				byDistrict[u.OrgUnit.Code] = u.areaAnswer
			}
			for _, x := range d.Districts {
				u, ok := byDistrict[x.OrgUnit.Code]
				if !ok {
					continue
				}
				routes++
				if !same(x.areaAnswer, u) {
					t.Errorf("LEAK %s district %s twice: compareDistricts %+v, compareUnits %+v", p, x.OrgUnit.Code, x.areaAnswer, u)
				}
			}
		}
	}
	// A district's change against its own previous answer.
	for p, d := range answers {
		prev, ok := answers[previousPeriod(p)]
		if !ok {
			continue
		}
		for _, x := range d.Districts {
			if x.Change == nil || x.Value == nil {
				continue
			}
			for _, y := range prev.Districts {
				if y.OrgUnit.Code != x.OrgUnit.Code {
					continue
				}
				routes++
				if y.Value == nil || y.Status == "SUPPRESSED" {
					t.Errorf("LEAK compareDistricts %s %s: previous withheld, value − change = %g", p, x.OrgUnit.Code, *x.Value-*x.Change)
				} else if math.Abs(*x.Value-*x.Change-*y.Value) > 0.051 {
					t.Errorf("compareDistricts %s %s: value − change = %g, released previous %g", p, x.OrgUnit.Code, *x.Value-*x.Change, *y.Value)
				}
			}
		}
	}
	t.Logf("compareDistricts vs compareUnits: %d routes tried", routes)
	if routes == 0 {
		t.Fatal("nothing compared")
	}
}

func compareUnitsByDistrict(t *testing.T, s *testServer, tok, indicator, period string) []struct {
	OrgUnit struct{ Code string }
	areaAnswer
} {
	t.Helper()
	r := s.query(t, tok, `query($i: ID!, $p: String!) { compareUnits(indicator: $i, period: $p, level: DISTRICT) {
		units { orgUnit { code } value numerator denominator status meetsTarget change } } }`, map[string]any{"i": indicator, "p": period})
	if len(r.Errors) > 0 {
		t.Fatalf("compareUnits DISTRICT %s: %s", period, r.raw)
	}
	var a newNumbersAnswer
	if err := json.Unmarshal(r.Data["compareUnits"], &a); err != nil {
		t.Fatal(err)
	}
	return a.Units
}

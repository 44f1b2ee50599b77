package graph_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"treem/internal/childfriendly"
	"treem/internal/disclosure"
	"treem/internal/domain"
)

// The attacks below play an analyst against the routes that give a commune
// of a date the history of the units it replaced (compareUnits, commune
// trends), the report by commune, the child-friendly "not assessed" status
// and the distinct-children variants. Each released answer is a population:
// a set of atoms (measure, unit version, month, …), each atom an unknown
// count ≥ 0 (0 where the unit was not in force: the attacker knows the
// calendar of the reorganisation). A released value v bounds its population
// to [max(k, v−4), v+4], a withheld one to [0, k−1]; the bounds are
// propagated through every population's sum of atoms (and, for counts of
// distinct children, through "a period holds at most the children of its
// parts and at least those of each part") to a fixpoint. The truth of each
// withheld population is the province officer's answer to the same question;
// a population is recovered when its bounds close on the truth.

// unitsAttack is the attacker's system of populations over atoms.
type unitsAttack struct {
	t     *testing.T
	iv    map[string][2]int
	shown map[string]*int // the analyst's value of each population (nil: withheld)
	truth map[string]int
	zero  map[string]bool // atoms known to be empty
	eqs   [][]string      // eqs[i][0] = Σ eqs[i][1:]
	les   [][]string      // les[i][0] ≤ Σ les[i][1:]
	ks    map[string]int
}

const unknownCount = 1 << 30

func newUnitsAttack(t *testing.T) *unitsAttack {
	return &unitsAttack{t: t, iv: map[string][2]int{}, shown: map[string]*int{}, truth: map[string]int{}, zero: map[string]bool{}, ks: map[string]int{}}
}

// atom declares an atom: empty when zero (a unit out of force that month).
func (a *unitsAttack) atom(name string, zero bool) string {
	if _, ok := a.iv[name]; !ok {
		a.iv[name] = [2]int{0, unknownCount}
		if zero {
			a.iv[name], a.zero[name] = [2]int{0, 0}, true
		}
	}
	return name
}

// pop names the population of atoms (sorted, deduplicated) and ties it to
// them; it returns "" for a population that is empty by the calendar.
func (a *unitsAttack) pop(atoms []string) string {
	atoms = slices.Clone(atoms)
	slices.Sort(atoms)
	atoms = slices.Compact(atoms)
	live := atoms[:0:0]
	for _, x := range atoms {
		if _, ok := a.iv[x]; !ok {
			a.t.Fatalf("undeclared atom %s", x)
		}
		if !a.zero[x] {
			live = append(live, x)
		}
	}
	if len(live) == 0 {
		return ""
	}
	name := "{" + strings.Join(live, " + ") + "}"
	if _, ok := a.iv[name]; !ok {
		a.iv[name] = [2]int{0, unknownCount}
		a.eqs = append(a.eqs, append([]string{name}, live...))
	}
	return name
}

// release records what the analyst (shown) and the province officer (exact)
// were told of the population of atoms, under threshold k.
func (a *unitsAttack) release(where string, atoms []string, shown, exact *int, k int) {
	a.t.Helper()
	name := a.pop(atoms)
	if name == "" {
		// Empty by the calendar: nothing to learn, but a released exact 0
		// would break the rule that zeros are withheld.
		if shown != nil {
			a.t.Errorf("%s: an empty population released as %d", where, *shown)
		}
		return
	}
	if exact == nil {
		a.t.Fatalf("%s: the province officer got no value", where)
	}
	b := [2]int{0, k - 1}
	if shown != nil {
		b = [2]int{max(k, *shown-(disclosure.DefaultBase-1)), *shown + disclosure.DefaultBase - 1}
	}
	if old, ok := a.truth[name]; ok {
		if old != *exact {
			a.t.Errorf("%s: one population, exact %d and %d: the attacker's atoms are wrong", where, old, *exact)
		}
		if (a.shown[name] == nil) != (shown == nil) || shown != nil && *a.shown[name] != *shown {
			a.t.Errorf("%s: one population %s released as %v and %v", where, name, str(a.shown[name]), str(shown))
		}
	}
	a.truth[name], a.shown[name], a.ks[name] = *exact, shown, k
	old := a.iv[name]
	a.iv[name] = [2]int{max(old[0], b[0]), min(old[1], b[1])}
}

// atMost records the distinct-children rule whole ≤ Σ parts and part ≤ whole.
func (a *unitsAttack) atMost(whole string, parts ...string) {
	if whole == "" {
		return
	}
	var live []string
	for _, p := range parts {
		if p != "" {
			live = append(live, p)
			a.les = append(a.les, []string{p, whole})
		}
	}
	if len(live) > 0 {
		a.les = append(a.les, append([]string{whole}, live...))
	}
}

// partOf records that a count of part never exceeds the count of whole over
// the same atoms (immunised one-year-olds ≤ one-year-olds): for every atom,
// and for every population of part asked for.
func (a *unitsAttack) partOf(part, whole string) {
	var atoms, pops []string
	for name := range a.iv {
		switch {
		case strings.HasPrefix(name, part+"|"):
			atoms = append(atoms, name)
		case strings.HasPrefix(name, "{"+part+"|"):
			pops = append(pops, name)
		}
	}
	slices.Sort(atoms)
	slices.Sort(pops)
	for _, x := range atoms {
		if w := whole + strings.TrimPrefix(x, part); !a.zero[x] {
			a.les = append(a.les, []string{x, a.atom(w, a.zero[w])})
		}
	}
	for _, p := range pops {
		var ws []string
		for _, x := range strings.Split(strings.Trim(p, "{}"), " + ") {
			ws = append(ws, whole+strings.TrimPrefix(x, part))
		}
		if w := a.pop(ws); w != "" {
			a.les = append(a.les, []string{p, w})
		}
	}
}

// solve propagates the bounds and counts the withheld populations whose
// bounds close on the truth. As a control it first runs the same attack on
// the same answers with rounding switched off (every released value exact):
// when anything is released it must pin some withheld population, or the
// answers never reach one.
func (a *unitsAttack) solve(route string) (attempts, recovered int) {
	t := a.t
	t.Helper()
	control := map[string][2]int{}
	for name, b := range a.iv {
		control[name] = b
		if tr, ok := a.truth[name]; ok && a.shown[name] != nil {
			control[name] = [2]int{tr, tr}
		} else if ok {
			control[name] = [2]int{0, a.ks[name] - 1}
		}
	}
	a.fixpoint(route+" (control, no rounding)", control)
	a.fixpoint(route, a.iv)
	narrowed, pinnedUnrounded := 0, 0
	for name, tr := range a.truth {
		b := a.iv[name]
		if tr < b[0] || tr > b[1] {
			t.Errorf("%s: %s bounded to [%d, %d], true %d: the attacker's model is wrong", route, name, b[0], b[1], tr)
		}
		if a.shown[name] != nil {
			continue
		}
		attempts++
		if c := control[name]; c[0] == c[1] {
			pinnedUnrounded++
		}
		if b[1]-b[0] < a.k(name)-1 {
			narrowed++
		}
		if b[0] == b[1] && b[0] == tr {
			recovered++
			t.Errorf("%s: withheld %s pinned at %d", route, name, tr)
		}
	}
	t.Logf("%s: %d withheld populations; without rounding the same answers would pin %d of them; with it %d are narrowed below [0, k−1]",
		route, attempts, pinnedUnrounded, narrowed)
	releasedAny := false
	for _, v := range a.shown {
		releasedAny = releasedAny || v != nil
	}
	switch {
	case pinnedUnrounded == 0 && releasedAny:
		t.Errorf("%s: even unrounded answers pin no withheld population: the attack reaches none", route)
	case !releasedAny:
		t.Logf("%s: every population is withheld: the attacker has only the statuses and the structure of the answers", route)
	}
	return attempts, recovered
}

// fixpoint propagates iv through the sums and the distinct-children
// inequalities until nothing changes.
func (a *unitsAttack) fixpoint(route string, iv map[string][2]int) {
	t := a.t
	t.Helper()
	for {
		before := fmt.Sprint(iv)
		propagate(t, iv, a.eqs)
		for _, e := range a.les {
			hiParts := 0
			for _, p := range e[1:] {
				hiParts += iv[p][1]
			}
			if b := iv[e[0]]; hiParts < b[1] {
				if hiParts < b[0] {
					t.Fatalf("%s: bounds of %s became empty", route, e[0])
				}
				iv[e[0]] = [2]int{b[0], hiParts}
			}
			for i, p := range e[1:] {
				lo := iv[e[0]][0]
				for j, q := range e[1:] {
					if j != i {
						lo -= iv[q][1]
					}
				}
				if b := iv[p]; lo > b[0] {
					if lo > b[1] {
						t.Fatalf("%s: bounds of %s became empty", route, p)
					}
					iv[p] = [2]int{lo, b[1]}
				}
			}
		}
		if fmt.Sprint(iv) == before {
			return
		}
	}
}

// k is the threshold a withheld population was held to (its bounds as read).
func (a *unitsAttack) k(name string) int { return a.ks[name] }

func str(v *int) string {
	if v == nil {
		return "withheld"
	}
	return strconv.Itoa(*v)
}

// --- the calendar of the fixture's units -------------------------------------

// month m of year y as "2025-07".
func ym(y, m int) string { return fmt.Sprintf("%d-%02d", y, m) }

// monthsOf lists the months of a calendar period label (2025, 2025-H2,
// 2025-Q3, 2025-07).
func monthsOf(p string) (year int, months []int) {
	year, _ = strconv.Atoi(p[:4])
	rest := p[4:]
	from, n := 1, 12
	switch {
	case strings.HasPrefix(rest, "-H"):
		h, _ := strconv.Atoi(rest[2:])
		from, n = 6*h-5, 6
	case strings.HasPrefix(rest, "-Q"):
		q, _ := strconv.Atoi(rest[2:])
		from, n = 3*q-2, 3
	case rest != "":
		from, _ = strconv.Atoi(rest[1:])
		n = 1
	}
	for m := from; m < from+n; m++ {
		months = append(months, m)
	}
	return year, months
}

// periodsOf lists the calendar periods of a year by kind.
func periodsOf(year int) map[string][]string {
	out := map[string][]string{"YEAR": {strconv.Itoa(year)}}
	for h := 1; h <= 2; h++ {
		out["HALF_YEAR"] = append(out["HALF_YEAR"], fmt.Sprintf("%d-H%d", year, h))
	}
	for q := 1; q <= 4; q++ {
		out["QUARTER"] = append(out["QUARTER"], fmt.Sprintf("%d-Q%d", year, q))
	}
	for m := 1; m <= 12; m++ {
		out["MONTH"] = append(out["MONTH"], ym(year, m))
	}
	return out
}

var periodKinds = []string{"MONTH", "QUARTER", "HALF_YEAR", "YEAR"}

// fixtureCommunes are the fixture's commune versions with their 2021
// district, and the months they are in force.
var fixtureCommunes = map[string]string{"90001": "731", "90002": "731", "90003": "732", "90004": "734", "90005": "734",
	"90010": "731", "90011": "731", "90020": ""}

func inForceIn(code string, y, m int) bool {
	mo := y*12 + m
	switch code {
	case "90001", "90002":
		return mo <= 2025*12+6
	case "90005":
		return mo <= 2021*12+6
	case "90010", "90011", "90020":
		return mo >= 2025*12+7
	}
	return true
}

// heirOn is the unit in force at the end of month (y, endM) holding code's
// territory, "" when none does (Xã Năm ended without a successor).
func heirOn(code string, y, endM int) string {
	end := y*12 + endM
	switch {
	case (code == "90001" || code == "90002") && end >= 2025*12+7:
		return "90010"
	case code == "90005" && end >= 2021*12+7:
		return ""
	}
	return code
}

// --- answers ------------------------------------------------------------------

// released is a count as an answer gives it.
type released struct {
	Numerator   *int
	Denominator *int
	Status      string
}

type unitsAnswer struct {
	Units []struct {
		OrgUnit struct{ Code string }
		released
		Rank   *int
		Change *float64
		Gap    *float64
	}
	Province      released
	FormerDongNai *released
}

func compareUnitsOf(t *testing.T, s *testServer, tok, indicator, period, level, within string) unitsAnswer {
	t.Helper()
	vars := map[string]any{"i": indicator, "p": period, "l": level}
	if within != "" {
		vars["w"] = within
	}
	r := s.query(t, tok, `query($i: ID!, $p: String!, $l: OrgLevel!, $w: String) { compareUnits(indicator: $i, period: $p, level: $l, within: $w) {
		units { orgUnit { code } numerator denominator status rank change gap } province { numerator denominator status }
		formerDongNai { numerator denominator status } } }`, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("compareUnits %v: %s", vars, r.raw)
	}
	var a unitsAnswer
	if err := json.Unmarshal(r.Data["compareUnits"], &a); err != nil {
		t.Fatal(err)
	}
	return a
}

type trendAnswer struct {
	Points []struct {
		Period string
		released
	}
}

func trendOf(t *testing.T, s *testServer, tok, indicator, unit, from, to, kind string) trendAnswer {
	t.Helper()
	r := s.query(t, tok, `query($i: ID!, $u: String!, $f: String!, $to: String!, $k: PeriodType!) { trend(indicator: $i, orgUnit: $u,
		from: $f, to: $to, periodType: $k) { points { period numerator denominator status } } }`,
		map[string]any{"i": indicator, "u": unit, "f": from, "to": to, "k": kind})
	if len(r.Errors) > 0 {
		t.Fatalf("trend %s %s %s..%s %s: %s", indicator, unit, from, to, kind, r.raw)
	}
	var a trendAnswer
	if err := json.Unmarshal(r.Data["trend"], &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// --- route 1: compareUnits -------------------------------------------------------

// immunisationAtoms declares the atoms of a flow measure of 2025 (one per
// commune version and month) and returns a function listing the atoms of
// the months of period p whose unit keep accepts.
func flowAtoms(a *unitsAttack, measure string, year int, codes []string) func(p string, keep func(code string, endM int) bool) []string {
	for _, c := range codes {
		for m := 1; m <= 12; m++ {
			a.atom(fmt.Sprintf("%s|%s|%s", measure, c, ym(year, m)), !inForceIn(c, year, m))
		}
	}
	return func(p string, keep func(code string, endM int) bool) []string {
		y, ms := monthsOf(p)
		var out []string
		for _, c := range codes {
			if !keep(c, ms[len(ms)-1]) {
				continue
			}
			for _, m := range ms {
				out = append(out, fmt.Sprintf("%s|%s|%s", measure, c, ym(y, m)))
			}
		}
		return out
	}
}

// askCompareUnits records every population a comparison of indicator
// (numerator num, denominator den, each with its threshold) released.
func askCompareUnits(t *testing.T, s *testServer, a *unitsAttack, analyst, officer string, indicator, period, level, within string,
	terms []term) {
	t.Helper()
	shown := compareUnitsOf(t, s, analyst, indicator, period, level, within)
	exact := compareUnitsOf(t, s, officer, indicator, period, level, within)
	pick := func(r released, num bool) *int {
		if num {
			return r.Numerator
		}
		return r.Denominator
	}
	exactBy := map[string]released{}
	for _, u := range exact.Units {
		exactBy[u.OrgUnit.Code] = u.released
	}
	_, ms := monthsOf(period)
	y, _ := strconv.Atoi(period[:4])
	end := ms[len(ms)-1]
	for _, term := range terms {
		for _, u := range shown.Units {
			code := u.OrgUnit.Code
			keep := func(c string, endM int) bool {
				if level == "DISTRICT" {
					return fixtureCommunes[c] == code
				}
				return heirOn(c, y, end) == code
			}
			a.release(fmt.Sprintf("compareUnits(%s, %s, %s) %s", indicator, period, level, code), term.atoms(period, keep),
				pick(u.released, term.num), pick(exactBy[code], term.num), term.k)
		}
		// The province of a comparison by commune holds the units with an heir.
		all := func(c string, endM int) bool { return level == "DISTRICT" || heirOn(c, y, end) != "" }
		a.release(fmt.Sprintf("compareUnits(%s, %s, %s) province", indicator, period, level), term.atoms(period, all),
			pick(shown.Province, term.num), pick(exact.Province, term.num), term.k)
		// A count's change is its value less the previous period's, the
		// units holding the same territories as of this period's end: that
		// previous population is released through it.
		if prev := previousPeriod(period); term.num && prev != "" {
			for _, u := range shown.Units {
				code := u.OrgUnit.Code
				var eu *released
				var echange *float64
				for _, x := range exact.Units {
					if x.OrgUnit.Code == code {
						eu, echange = &x.released, x.Change
					}
				}
				if u.Denominator != nil || u.Numerator == nil || u.Change == nil || eu == nil || echange == nil || eu.Denominator != nil {
					continue // a rate, or nothing to difference
				}
				keep := func(c string, _ int) bool {
					if level == "DISTRICT" {
						return fixtureCommunes[c] == code
					}
					return heirOn(c, y, end) == code
				}
				a.release(fmt.Sprintf("compareUnits(%s, %s, %s) %s change", indicator, period, level, code), term.atoms(prev, keep),
					ptrTo(*u.Numerator-int(*u.Change)), ptrTo(*eu.Numerator-int(*echange)), term.k)
			}
		}
		if (shown.FormerDongNai == nil) != (exact.FormerDongNai == nil) {
			t.Fatalf("compareUnits(%s, %s): former Đồng Nai shown %v, exact %v", indicator, period, shown.FormerDongNai, exact.FormerDongNai)
		}
		if shown.FormerDongNai != nil {
			dn := func(c string, endM int) bool { return all(c, endM) && fixtureCommunes[heirOn(c, y, end)] != "" }
			a.release(fmt.Sprintf("compareUnits(%s, %s, %s) former Đồng Nai", indicator, period, level), term.atoms(period, dn),
				pick(*shown.FormerDongNai, term.num), pick(*exact.FormerDongNai, term.num), term.k)
		}
	}
}

// askAggregate records an aggregate of one measure over the year's calendar
// periods of kind, by commune (version) when byCommune.
func askAggregate(t *testing.T, s *testServer, a *unitsAttack, analyst, officer, apiMeasure string, year int, kind string, byCommune bool,
	atoms func(p string, keep func(string, int) bool) []string, k int) {
	t.Helper()
	dims := "PERIOD"
	if byCommune {
		dims += ", COMMUNE"
	}
	filter := fmt.Sprintf(`from: "%d-01", to: "%d-12", periodType: %s`, year, year, kind)
	shown := aggregate(t, s, analyst, apiMeasure, dims, filter)
	exact := aggregate(t, s, officer, apiMeasure, dims, filter)
	exactBy := map[string]*int{}
	for _, r := range exact {
		exactBy[strings.Join(r.Keys, "|")] = r.Value
	}
	for _, r := range shown {
		keep := func(string, int) bool { return true }
		if byCommune {
			keep = func(c string, _ int) bool { return c == r.Keys[1] }
		}
		a.release(fmt.Sprintf("aggregate %s %v", apiMeasure, r.Keys), atoms(r.Keys[0], keep), r.Value, exactBy[strings.Join(r.Keys, "|")], k)
	}
}

// TestAttackCompareUnits: route 5 (new). compareUnits gives each commune of a
// date the history of the units it replaced (Phường Mười 90010 = Xã Một
// 90001 + Xã Hai 90002 + its own months), and from July 2025 releases the
// whole province beside the former Đồng Nai (whose difference is the former
// Bình Phước, here Xã Hai Mươi 90020). The attacker asks the immunisation of
// one-year-olds (numerator and denominator) for every calendar period of
// 2025 by commune (province-wide and within district 731) and, up to June,
// by district, beside the aggregates of both measures by commune version
// and period, and propagates the bounds over every population.
func TestAttackCompareUnits(t *testing.T) {
	s, analyst, officer, a, _, terms := immunisationAttack(t)
	num, den := terms[0].atoms, terms[1].atoms
	for _, kind := range periodKinds {
		for _, p := range periodsOf(2025)[kind] {
			askCompareUnits(t, s, a, analyst, officer, "immunisation_u1", p, "COMMUNE", "", terms)
			askCompareUnits(t, s, a, analyst, officer, "immunisation_u1", p, "COMMUNE", "731", terms)
			if _, ms := monthsOf(p); ms[len(ms)-1] <= 6 {
				askCompareUnits(t, s, a, analyst, officer, "immunisation_u1", p, "DISTRICT", "", terms)
			}
		}
		for _, byCommune := range []bool{false, true} {
			askAggregate(t, s, a, analyst, officer, "TURNED_ONE_IMMUNISED", 2025, kind, byCommune, num, 5)
			askAggregate(t, s, a, analyst, officer, "TURNED_ONE", 2025, kind, byCommune, den, 5)
		}
	}
	// No exact value reaches an analyst, in any unit or area.
	for _, p := range []string{"2025", "2025-H1", "2025-11"} {
		r := s.query(t, analyst, `{ compareUnits(indicator: "immunisation_u1", period: "`+p+`", level: COMMUNE) {
			units { exactValue } province { exactValue } formerDongNai { exactValue } } }`, nil)
		if len(r.Errors) > 0 || strings.Count(r.raw, `"exactValue":null`) != strings.Count(r.raw, `"exactValue"`) {
			t.Errorf("compareUnits %s: exact values for an analyst: %s", p, r.raw)
		}
	}
	// A district or the province as "within" lists its communes only; a
	// commune is refused.
	if r := s.query(t, analyst, `{ compareUnits(indicator: "immunisation_u1", period: "2025", level: COMMUNE, within: "90010") { period } }`, nil); r.code() != "INVALID_INPUT" {
		t.Errorf("compareUnits within a commune: %s", r.raw)
	}
	a.partOf("turned_one_immunised", "turned_one")
	attempts, recovered := a.solve("compareUnits")
	t.Logf("route 5 (compareUnits): %d populations, %d withheld bounded, %d exact recoveries", len(a.truth), attempts, recovered)
	if attempts == 0 {
		t.Fatal("no withheld population was read: the attack tested nothing")
	}
}

// term is one count of an indicator: its atoms, threshold and whether it is
// the numerator.
type term = struct {
	atoms func(p string, keep func(string, int) bool) []string
	k     int
	num   bool
}

// askTrend records the points of a trend of indicator in unit over the year's
// periods of kind. A commune's points cover its territory as of the trend's
// end (its last day in force when it ended before); a district's or the
// province's are their rows.
func askTrend(t *testing.T, s *testServer, a *unitsAttack, analyst, officer, indicator, unit string, year, toMonth int, kind string, terms []term) {
	t.Helper()
	from, to := ym(year, 1), ym(year, toMonth)
	shown := trendOf(t, s, analyst, indicator, unit, from, to, kind)
	exact := trendOf(t, s, officer, indicator, unit, from, to, kind)
	if len(shown.Points) != len(exact.Points) {
		t.Fatalf("trend %s: %d points, exact %d", unit, len(shown.Points), len(exact.Points))
	}
	end := toMonth
	if !inForceIn(unit, year, end) && len(unit) == 5 {
		for end > 1 && !inForceIn(unit, year, end) {
			end--
		}
	}
	keep := func(c string, _ int) bool {
		switch {
		case unit == "75":
			return true
		case len(unit) == 3:
			return fixtureCommunes[c] == unit
		}
		return heirOn(c, year, end) == unit
	}
	for i, p := range shown.Points {
		for _, tm := range terms {
			pick := func(r released) *int {
				if tm.num {
					return r.Numerator
				}
				return r.Denominator
			}
			a.release(fmt.Sprintf("trend(%s, %s) %s", indicator, unit, p.Period), tm.atoms(p.Period, keep), pick(p.released),
				pick(exact.Points[i].released), tm.k)
		}
	}
}

// TestAttackCommuneTrend: route 6 (new). A commune's trend covers its
// territory as of the trend's end, so Phường Mười's points before July 2025
// are Xã Một + Xã Hai, while a trend of Xã Một (ending with it in June) and
// the aggregates by commune version release the parts. The attacker reads
// every trend of every commune, of district 731 and of the province over
// 2025 by month, quarter, half and year (and trends ending in September),
// the comparisons by commune of every period and the aggregates by commune
// version, and propagates the bounds.
func TestAttackCommuneTrend(t *testing.T) {
	s, analyst, officer, a, codes, terms := immunisationAttack(t)
	num, den := terms[0].atoms, terms[1].atoms
	for _, kind := range periodKinds {
		for _, unit := range append(slices.Clone(codes), "731", "75") {
			askTrend(t, s, a, analyst, officer, "immunisation_u1", unit, 2025, 12, kind, terms)
			if kind != "YEAR" && kind != "HALF_YEAR" && (unit == "90010" || unit == "90011" || unit == "90020") {
				askTrend(t, s, a, analyst, officer, "immunisation_u1", unit, 2025, 9, kind, terms)
			}
		}
		for _, byCommune := range []bool{false, true} {
			askAggregate(t, s, a, analyst, officer, "TURNED_ONE_IMMUNISED", 2025, kind, byCommune, num, 5)
			askAggregate(t, s, a, analyst, officer, "TURNED_ONE", 2025, kind, byCommune, den, 5)
		}
		for _, p := range periodsOf(2025)[kind] {
			askCompareUnits(t, s, a, analyst, officer, "immunisation_u1", p, "COMMUNE", "", terms)
		}
	}
	a.partOf("turned_one_immunised", "turned_one")
	attempts, recovered := a.solve("commune trend")
	t.Logf("route 6 (commune trends over heirs): %d populations, %d withheld bounded, %d exact recoveries", len(a.truth), attempts, recovered)
	if attempts == 0 {
		t.Fatal("no withheld population was read: the attack tested nothing")
	}
}

// stockAtom is one atom of a year's counts: a measure in a commune version,
// an age band and a circumstance group ("" for none).
type stockAtom struct{ measure, commune, band, group, name string }

// reportGroups are the circumstance groups the report lists, sensitive ones
// marked.
var reportGroups = map[string]bool{"ORPHAN_BOTH": false, "ABANDONED": false, "NO_SUPPORT": false, "DISABLED": false, "HIV": true,
	"IN_CONFLICT_LAW": true, "DRUG_ADDICTED": true, "DROPOUT_WORKING": false, "VIOLENCE_SERIOUS_HARM": true, "EXPLOITED": true,
	"SEXUAL_ABUSE": true, "TRAFFICKED": true, "SERIOUS_ILLNESS_POOR": false, "MIGRANT_REFUGEE_UNACCOMPANIED": false}

var fixtureBands = []string{"0", "1-4", "5", "6-10", "11-15", "16-17"}

// TestAttackReport: route 7 (new). The report counts children under 16, by
// 2021 district up to June 2025 and by commune from July 2025, while the
// aggregates give every age band, 16-17 included, of the same districts and
// communes: the report's count is the aggregate total less the 16-17 band,
// each released on its own. The attacker reads the reports of 2021 and 2025
// and the aggregates of every report count (and of the circumstance groups)
// by district or commune and age band, and propagates the bounds.
func TestAttackReport(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	a := newUnitsAttack(t)
	measures := map[string]string{"children": "CHILDREN", "special": "SPECIAL", "special_supported": "SPECIAL_SUPPORTED",
		"cases_opened": "CASES_OPENED", "injured": "INJURED", "drowning_deaths": "DROWNED", "swim_enrolled": "SWIM_ENROLLED",
		"swim_completed": "SWIM_COMPLETED", "gift_visits": "GIFT_VISITS"}
	stocks := map[string]bool{"children": true, "special": true, "special_supported": true}
	for _, year := range []int{2021, 2025} {
		lastMonth := 12
		var atoms []stockAtom
		declare := func(measure, group string) {
			for c := range fixtureCommunes {
				// A stock is counted at December, a flow over the year: a
				// version out of force all year (or in December, for a stock)
				// holds nothing.
				zero := !inForceIn(c, year, lastMonth)
				if !stocks[measure] {
					zero = true
					for m := 1; m <= 12; m++ {
						zero = zero && !inForceIn(c, year, m)
					}
				}
				for _, b := range fixtureBands {
					name := fmt.Sprintf("%d|%s|%s|%s|%s", year, measure, c, b, group)
					atoms = append(atoms, stockAtom{measure, c, b, group, a.atom(name, zero)})
				}
			}
		}
		for m := range measures {
			declare(m, "")
		}
		for g := range reportGroups {
			declare("special", g)
		}
		where := func(keep func(x stockAtom) bool) []string {
			var out []string
			for _, x := range atoms {
				if keep(x) {
					out = append(out, x.name)
				}
			}
			return out
		}
		under16 := func(b string) bool { return b != "16-17" }
		// The report.
		type reportAnswer struct {
			Level string
			Units []struct {
				OrgUnit struct{ Code string }
				Items   []struct {
					Key    string
					Value  *float64
					Status string
				}
			}
		}
		read := func(tok string) reportAnswer {
			var d struct{ Report reportAnswer }
			decode(t, s.query(t, tok, fmt.Sprintf(`{ report(period: "%d") { level units { orgUnit { code } items { key value status } } } }`, year), nil), &d)
			return d.Report
		}
		shown, exact := read(analyst), read(officer)
		if want := map[int]string{2021: "DISTRICT", 2025: "COMMUNE"}[year]; shown.Level != want {
			t.Fatalf("report %d by %s, want %s", year, shown.Level, want)
		}
		asInt := func(v *float64) *int {
			if v == nil {
				return nil
			}
			return ptrTo(int(*v))
		}
		for i, u := range shown.Units {
			code := u.OrgUnit.Code
			inUnit := func(c string) bool {
				if shown.Level == "DISTRICT" {
					return fixtureCommunes[c] == code
				}
				return c == code // a commune's own rows: those of the units it replaced stay theirs
			}
			for j, it := range u.Items {
				measure, group, _ := strings.Cut(it.Key, ":")
				if _, ok := measures[measure]; !ok {
					continue // a rate
				}
				k := 5
				if group != "" && reportGroups[group] {
					k = 10
				}
				a.release(fmt.Sprintf("report %d %s %s", year, code, it.Key), where(func(x stockAtom) bool {
					return x.measure == measure && x.group == group && inUnit(x.commune) && under16(x.band)
				}), asInt(it.Value), asInt(exact.Units[i].Items[j].Value), k)
			}
		}
		// The aggregates: every band (16-17 included) by district and by
		// commune version, and the totals.
		for m, api := range measures {
			for _, dims := range []string{"DISTRICT, AGE_BAND", "COMMUNE, AGE_BAND", "DISTRICT", "COMMUNE", "AGE_BAND"} {
				askStock(t, s, a, analyst, officer, api, dims, year, func(keys []string, group string) []string {
					return where(func(x stockAtom) bool { return x.measure == m && x.group == group && matches(dims, keys, x) })
				}, 5)
			}
		}
		for _, dims := range []string{"DISTRICT, GROUP, AGE_BAND", "COMMUNE, GROUP", "DISTRICT, GROUP"} {
			askStock(t, s, a, analyst, officer, "SPECIAL", dims, year, func(keys []string, _ string) []string {
				return where(func(x stockAtom) bool { return x.measure == "special" && x.group != "" && matches(dims, keys, x) })
			}, 5)
		}
	}
	attempts, recovered := a.solve("report")
	t.Logf("route 7 (report under 16 against band aggregates): %d populations, %d withheld bounded, %d exact recoveries",
		len(a.truth), attempts, recovered)
	if attempts == 0 {
		t.Fatal("no withheld population was read: the attack tested nothing")
	}
}

func ptrTo[T any](v T) *T { return &v }

// matches reports whether atom x lies in the row keys of an aggregate by dims.
func matches(dims string, keys []string, x stockAtom) bool {
	for i, d := range strings.Split(dims, ", ") {
		switch d {
		case "DISTRICT":
			if districtOf(x.commune) != keys[i] {
				return false
			}
		case "COMMUNE":
			if x.commune != keys[i] {
				return false
			}
		case "AGE_BAND":
			if x.band != keys[i] {
				return false
			}
		case "GROUP":
			if x.group != keys[i] {
				return false
			}
		}
	}
	return true
}

// askStock records an aggregate of one measure over one year by dims; the
// threshold is k, or 10 in a row of a sensitive group.
func askStock(t *testing.T, s *testServer, a *unitsAttack, analyst, officer, api, dims string, year int,
	atoms func(keys []string, group string) []string, k int) {
	t.Helper()
	filter := fmt.Sprintf(`period: "%d"`, year)
	shown := aggregate(t, s, analyst, api, dims, filter)
	exact := aggregate(t, s, officer, api, dims, filter)
	exactBy := map[string]*int{}
	for _, r := range exact {
		exactBy[strings.Join(r.Keys, "|")] = r.Value
	}
	g := slices.Index(strings.Split(dims, ", "), "GROUP")
	for _, r := range shown {
		kk := k
		if g >= 0 && reportGroups[r.Keys[g]] || api == "ABUSED" {
			kk = 10
		}
		a.release(fmt.Sprintf("aggregate %s %d by %s %v", api, year, dims, r.Keys), atoms(r.Keys, ""), r.Value,
			exactBy[strings.Join(r.Keys, "|")], kk)
	}
}

// TestAttackChildFriendlyNotAssessed: route 8 (new). An item is "not
// assessed" when the commune never filed its facts, or when a rate has no
// denominator and the table gives no points for that case: no child
// measured, no case opened. For a province officer that says the
// denominator is exactly 0; below, a zero is withheld like 1 to k−1, so an
// analyst who saw "not assessed" on an item read from counts (or a summary
// counting such communes, or a share leaving them out, or the export's note)
// would learn a 0 the disclosure hides. The attacker reads every commune,
// item and summary of 2021 and 2025 (API and export) and the recognition
// share by district; every item the province officer sees not assessed for
// want of a denominator is a target.
func TestAttackChildFriendlyNotAssessed(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	fromCounts := map[string]bool{}
	for _, c := range childfriendly.Default().Criteria {
		for _, it := range c.Items {
			switch it.Value {
			case "birth_registration", "abuse_per_1000", "law_drug_per_1000", "injury_per_1000", "assisted", "timely_plan",
				"immunised", "underweight", "stunted", "checkup", "preschool_5":
				fromCounts[it.ID] = true
			}
		}
	}
	type item struct {
		ID          string
		Status      string
		NotAssessed bool
		Value       *float64
		Band        *string
		ScoreMin    int
		ScoreMax    int
	}
	type summary struct {
		OrgUnit      struct{ Code string }
		Communes     int
		Recognised   int
		Undetermined int
		NotAssessed  int
		Share        *float64
	}
	type answer struct {
		Communes []struct {
			Commune      struct{ Code string }
			Status       string
			NotAssessed  bool
			MissingItems []string
			Criteria     []struct{ Items []item }
		}
		Districts []summary
		Province  summary
	}
	read := func(tok string, year int) answer {
		r := s.query(t, tok, fmt.Sprintf(`{ childFriendlyCommunes(year: %d) { communes { commune { code } status notAssessed missingItems
			criteria { items { id status notAssessed value band scoreMin scoreMax } } }
			districts { orgUnit { code } communes recognised undetermined notAssessed share }
			province { orgUnit { code } communes recognised undetermined notAssessed share } } }`, year), nil)
		if len(r.Errors) > 0 {
			t.Fatal(r.raw)
		}
		var a answer
		if err := json.Unmarshal(r.Data["childFriendlyCommunes"], &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	attempts, recovered := 0, 0
	for _, year := range []int{2021, 2025} {
		shown, exact := read(analyst, year), read(officer, year)
		if len(shown.Communes) != len(exact.Communes) {
			t.Fatalf("%d: %d communes, exact %d", year, len(shown.Communes), len(exact.Communes))
		}
		// The items a province officer sees not assessed for want of a
		// denominator: the exact zeros the analyst must not learn.
		zeroDen := map[string]bool{} // commune|item
		analystNotAssessed := map[string]bool{}
		for ci, c := range exact.Communes {
			sc := shown.Communes[ci]
			if sc.Commune.Code != c.Commune.Code {
				t.Fatalf("%d: commune %s shown as %s", year, c.Commune.Code, sc.Commune.Code)
			}
			for cr, crit := range c.Criteria {
				for ii, it := range crit.Items {
					if !fromCounts[it.ID] {
						continue
					}
					si := sc.Criteria[cr].Items[ii]
					key := c.Commune.Code + "|" + it.ID
					if it.NotAssessed {
						zeroDen[key] = true
						attempts++
					}
					// Everything the analyst is told of the item: the flag,
					// the commune's missing list, the item's status.
					told := si.NotAssessed || slices.Contains(sc.MissingItems, it.ID) || si.Status == "NO_DATA"
					if told && it.NotAssessed {
						recovered++
						t.Errorf("%d %s item %s: an analyst reads 'not assessed' (%s), so no denominator: an exact 0 withheld elsewhere",
							year, c.Commune.Code, it.ID, si.Status)
					} else if told {
						t.Errorf("%d %s item %s: an analyst reads 'not assessed' on a denominator the officer has", year, c.Commune.Code, it.ID)
					}
					if it.NotAssessed && si.Status != string(disclosure.Suppressed) {
						t.Errorf("%d %s item %s: a zero denominator shown as %s, not withheld", year, c.Commune.Code, it.ID, si.Status)
					}
				}
			}
			// The commune is not assessed for an analyst only for want of
			// facts, never for an item read from counts.
			if sc.NotAssessed {
				analystNotAssessed[sc.Commune.Code] = true
				for _, id := range sc.MissingItems {
					if fromCounts[id] {
						t.Errorf("%d %s: not assessed for want of %s, an item read from counts", year, sc.Commune.Code, id)
					}
				}
			}
		}
		// Summaries: the communes not assessed are those the analyst sees,
		// not those the officer does; the share leaves out only those.
		for _, sm := range append(shown.Districts, shown.Province) {
			n := 0
			for _, c := range shown.Communes {
				if analystNotAssessed[c.Commune.Code] && (sm.OrgUnit.Code == "75" || districtOf(c.Commune.Code) == sm.OrgUnit.Code) {
					n++
				}
			}
			attempts++
			if sm.NotAssessed != n {
				recovered++
				t.Errorf("%d summary %s: %d communes not assessed, the analyst's communes show %d", year, sm.OrgUnit.Code, sm.NotAssessed, n)
			}
		}
		// The recognition share by district counts the assessed communes.
		for _, level := range []string{"DISTRICT", "COMMUNE"} {
			p := strconv.Itoa(year)
			if level == "DISTRICT" && year >= 2025 {
				p = "2025-H1" // no district is in force at the end of 2025
			}
			cmp := compareUnitsOf(t, s, analyst, "child_friendly_share", p, level, "")
			for _, u := range cmp.Units {
				if u.Denominator == nil || level == "DISTRICT" && p != strconv.Itoa(year) {
					continue
				}
				n := 0
				for _, c := range shown.Communes {
					in := c.Commune.Code == u.OrgUnit.Code || level == "DISTRICT" && districtOf(c.Commune.Code) == u.OrgUnit.Code
					if in && !analystNotAssessed[c.Commune.Code] {
						n++
					}
				}
				attempts++
				if *u.Denominator != n {
					recovered++
					t.Errorf("%d child_friendly_share %s: %d communes assessed, the analyst's table %d", year, u.OrgUnit.Code, *u.Denominator, n)
				}
			}
		}
		// The export's notes and recognition column.
		body, status, _ := s.get(t, fmt.Sprintf("/export/child-friendly-communes.csv?year=%d", year), analyst)
		if status != 200 {
			t.Fatalf("export %d: %d %s", year, status, body)
		}
		rows := exportRows(t, body)
		for key := range zeroDen {
			code, id, _ := strings.Cut(key, "|")
			for _, rec := range rows {
				if rec["unit_code"] == code && slices.Contains(strings.Split(rec["missing_items"], ", "), id) {
					recovered++
					t.Errorf("%d export: %s lists %s as missing data", year, code, id)
				}
			}
		}
	}
	t.Logf("route 8 (child-friendly not assessed): %d attempts (exact zero denominators and counts of communes not assessed), %d exact recoveries",
		attempts, recovered)
	if attempts == 0 {
		t.Fatal("no zero denominator in the fixture: the attack tested nothing")
	}
}

// districtOf is the 2021 district of a fixture commune ("70" for the former
// Bình Phước, as the child-friendly summaries name it).
func districtOf(code string) string {
	if d := fixtureCommunes[code]; d != "" {
		return d
	}
	return "70"
}

// TestAttackDistinctVariants: route 9 (new). Counts of distinct children
// (abused, supported) are read for a quarter, half or year from their
// variants (abused_quarter, abused_half, abused_year, …), which count a
// child once per period and commune. The variants must not be reachable by
// name (GraphQL measures, the export's measures=, the indicator catalogue),
// nor any free range. The attacker then combines what every calendar period
// of 2021 releases of abused children (sensitive, k = 10) by commune,
// district, age band and province, in aggregates, trends of the abuse rate
// and comparisons, with what distinct counts imply across period kinds: a
// period holds at most the children of its parts, and at least those of
// each part.
func TestAttackDistinctVariants(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	// Reachability by name.
	for _, tok := range []string{analyst, officer} {
		for _, name := range []string{"ABUSED_YEAR", "ABUSED_QUARTER", "ABUSED_HALF", "SUPPORTED_YEAR"} {
			if r := s.query(t, tok, `{ aggregate(measures: [`+name+`], dimensions: [], filter: {period: "2021"}) { rows { keys { value } } } }`, nil); len(r.Errors) == 0 {
				t.Errorf("aggregate of %s answered: %s", name, r.raw)
			}
		}
		for _, name := range []string{"ABUSED_YEAR", "abused_quarter", "Abused_Half", "SUPPORTED_QUARTER", "supported_year"} {
			if body, status, _ := s.get(t, "/export/aggregate.csv?period=2021&measures="+name, tok); status != 400 || !strings.Contains(body, "unknown measure") {
				t.Errorf("export of %s: %d %s", name, status, body)
			}
		}
		for _, id := range []string{"abused_year", "abused_quarter"} {
			if r := s.query(t, tok, `{ trend(indicator: "`+id+`", orgUnit: "75", from: "2021", to: "2021", periodType: YEAR) { points { value } } }`, nil); len(r.Errors) == 0 {
				t.Errorf("indicator %s answered: %s", id, r.raw)
			}
		}
	}
	// special_law_drug (criterion 4: children in conflict with the law or
	// drug-addicted, each once) has no GraphQL measure, but the export takes
	// it by name: it must be held to k = 10 there (90004: 3 children).
	if r := s.query(t, analyst, `{ aggregate(measures: [SPECIAL_LAW_DRUG], dimensions: [], filter: {period: "2021"}) { rows { keys { value } } } }`, nil); len(r.Errors) == 0 {
		t.Logf("SPECIAL_LAW_DRUG is a GraphQL measure")
	}
	for _, unit := range []string{"90004", "734", "75"} {
		v := exportTotal(t, s, analyst, "SPECIAL_LAW_DRUG", url.Values{"period": {"2021"}, "orgUnit": {unit}})
		exact := exportTotal(t, s, officer, "SPECIAL_LAW_DRUG", url.Values{"period": {"2021"}, "orgUnit": {unit}})
		if n, err := strconv.Atoi(exact); err != nil || n >= 10 || v != "" {
			t.Errorf("export of SPECIAL_LAW_DRUG in %s: analyst %q, exact %q: a count under 10 must be withheld", unit, v, exact)
		}
	}
	if body, status, _ := s.get(t, "/export/aggregate.csv?measures=ABUSED&from=2021-02&to=2021-04", officer); status != 400 || !strings.Contains(body, "once per calendar period") {
		t.Errorf("a free range of abused children for a province officer: %d %s", status, body)
	}

	a := newUnitsAttack(t)
	variant := map[int]string{1: "abused", 3: "abused_quarter", 6: "abused_half", 12: "abused_year"}
	communes := []string{"90001", "90002", "90003", "90004", "90005"}
	for _, v := range variant {
		for _, c := range communes {
			for m := 1; m <= 12; m++ {
				for _, b := range fixtureBands {
					a.atom(fmt.Sprintf("%s|%s|%s|%s", v, c, ym(2021, m), b), !inForceIn(c, 2021, m))
				}
			}
		}
	}
	// atomsOf lists the atoms of period p (read from its kind's variant) in
	// the communes and bands keep accepts.
	atomsOf := func(p string, keep func(c, band string) bool) []string {
		y, ms := monthsOf(p)
		var out []string
		for _, c := range communes {
			for _, b := range fixtureBands {
				if keep(c, b) {
					for _, m := range ms {
						out = append(out, fmt.Sprintf("%s|%s|%s|%s", variant[len(ms)], c, ym(y, m), b))
					}
				}
			}
		}
		return out
	}
	under16 := func(b string) bool { return b != "16-17" }
	rate := []term{{func(p string, keep func(string, int) bool) []string {
		_, ms := monthsOf(p)
		return atomsOf(p, func(c, b string) bool { return under16(b) && keep(c, ms[len(ms)-1]) })
	}, 10, true}}
	for _, kind := range periodKinds {
		filter := fmt.Sprintf(`from: "2021-01", to: "2021-12", periodType: %s`, kind)
		for _, dims := range []string{"PERIOD", "PERIOD, COMMUNE", "PERIOD, DISTRICT", "PERIOD, AGE_BAND", "PERIOD, COMMUNE, AGE_BAND"} {
			shown := aggregate(t, s, analyst, "ABUSED", dims, filter)
			exact := aggregate(t, s, officer, "ABUSED", dims, filter)
			exactBy := map[string]*int{}
			for _, r := range exact {
				exactBy[strings.Join(r.Keys, "|")] = r.Value
			}
			for _, r := range shown {
				keys := r.Keys
				a.release(fmt.Sprintf("aggregate ABUSED by %s %v", dims, keys), atomsOf(keys[0], func(c, b string) bool {
					return matches(strings.TrimPrefix(strings.TrimPrefix(dims, "PERIOD"), ", "), keys[1:], stockAtom{commune: c, band: b})
				}), r.Value, exactBy[strings.Join(keys, "|")], 10)
			}
		}
		for _, unit := range []string{"90001", "90002", "90003", "90004", "731", "734", "75"} {
			askTrend(t, s, a, analyst, officer, "abuse_rate", unit, 2021, 12, kind, rate)
		}
		for _, p := range periodsOf(2021)[kind] {
			askCompareUnits(t, s, a, analyst, officer, "abuse_rate", p, "COMMUNE", "", rate)
			askCompareUnits(t, s, a, analyst, officer, "abuse_rate", p, "DISTRICT", "", rate)
		}
	}
	// Distinct children across period kinds, per commune over every band.
	for _, c := range communes {
		whole := func(p string) string {
			return a.pop(atomsOf(p, func(x, _ string) bool { return x == c }))
		}
		a.atMost(whole("2021"), whole("2021-H1"), whole("2021-H2"))
		for h := 1; h <= 2; h++ {
			a.atMost(whole(fmt.Sprintf("2021-H%d", h)), whole(fmt.Sprintf("2021-Q%d", 2*h-1)), whole(fmt.Sprintf("2021-Q%d", 2*h)))
		}
		for q := 1; q <= 4; q++ {
			a.atMost(whole(fmt.Sprintf("2021-Q%d", q)), whole(ym(2021, 3*q-2)), whole(ym(2021, 3*q-1)), whole(ym(2021, 3*q)))
		}
	}
	attempts, recovered := a.solve("distinct variants")
	t.Logf("route 9 (distinct children across period kinds): %d populations, %d withheld bounded, %d exact recoveries",
		len(a.truth), attempts, recovered)
	if attempts == 0 {
		t.Fatal("no withheld population was read: the attack tested nothing")
	}
}

// previousPeriod is the period of the same kind before p, "" when it falls
// before p's year (outside the atoms of the attack).
func previousPeriod(p string) string {
	y, ms := monthsOf(p)
	first := ms[0]
	switch len(ms) {
	case 1:
		if first > 1 {
			return ym(y, first-1)
		}
	case 3:
		if first > 1 {
			return fmt.Sprintf("%d-Q%d", y, (first-1)/3)
		}
	case 6:
		if first > 1 {
			return fmt.Sprintf("%d-H1", y)
		}
	}
	return ""
}

// immunisationAttack is the setting of the attacks on the 2025 immunisation
// story: the fixture's server, an analyst and a province officer, and the
// atoms of both measures for the seven communes of 2025.
func immunisationAttack(t *testing.T) (s *testServer, analyst, officer string, a *unitsAttack, codes []string, terms []term) {
	s = analyticsServer(t, true)
	analyst, officer = token(t, domain.RoleAnalyst, "75"), token(t, domain.RoleProvinceOfficer, "75")
	a = newUnitsAttack(t)
	codes = []string{"90001", "90002", "90003", "90004", "90010", "90011", "90020"}
	terms = []term{{flowAtoms(a, "turned_one_immunised", 2025, codes), 5, true}, {flowAtoms(a, "turned_one", 2025, codes), 5, false}}
	return s, analyst, officer, a, codes, terms
}

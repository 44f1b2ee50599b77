package graph_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"treem/internal/analytics/analyticstest"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/testdb"
)

// The attacks below play an analyst against the Ministry's statistics
// (ministryStatistics and /export/ministry-statistics) and the older
// periodic report(period): every month, quarter, half year and the year
// 2024, the province line beside the 2021 districts. A flow of the year is
// its halves', a half its quarters', a quarter its months'; a stock of a
// quarter, half or year is its last month's; the province is its districts'.
// Each released count v lies in [max(k, v−4), v+4], each withheld one in
// [0, k−1]; the attacker propagates these bounds through every identity to
// a fixpoint. No withheld cell may come out pinned. The same harness fed the
// province officer's exact values for the released cells pins the targets
// (a control that the identities reach them).

// ministryAttackFacts are 2024 cells beside the fixture's, each worked so
// that a month, a district or a group is withheld beside released siblings.
const ministryAttackFacts = `
# Injuries in Xã Một (731): January 3 (withheld), February and March 10 each.
fact,2024-01,90001,731,M,6-10,,neither,injured,3
fact,2024-02,90001,731,M,6-10,,neither,injured,10
fact,2024-03,90001,731,F,6-10,,neither,injured,10
# Gift visits in Xã Bốn (734): April 2 (withheld), May 20, June 15.
fact,2024-04,90004,734,F,11-15,,neither,gift_visits,2
fact,2024-05,90004,734,F,11-15,,neither,gift_visits,20
fact,2024-06,90004,734,M,11-15,,neither,gift_visits,15
# Drowning deaths in July: Xã Một 12, Xã Ba (732) 1 (withheld), Xã Bốn 6.
fact,2024-07,90001,731,M,6-10,,neither,drowning_deaths,12
fact,2024-07,90003,732,M,6-10,,neither,drowning_deaths,1
fact,2024-07,90004,734,M,11-15,,neither,drowning_deaths,6
# Children in special circumstances by group (group rows only, so the
# item "special" is untouched) at every month end of Q4: Xã Một 30
# disabled, Xã Ba 2 disabled (withheld) and 4 with HIV (sensitive, k = 10).
fact,2024-10,90001,731,F,6-10,DISABLED,neither,special,30
fact,2024-11,90001,731,F,6-10,DISABLED,neither,special,30
fact,2024-12,90001,731,F,6-10,DISABLED,neither,special,30
fact,2024-12,90003,732,M,6-10,DISABLED,neither,special,2
fact,2024-12,90003,732,M,6-10,HIV,neither,special,4
`

// ministryPeriods2024 are the calendar periods of 2024, months first.
func ministryPeriods2024() []string {
	var out []string
	for m := 1; m <= 12; m++ {
		out = append(out, fmt.Sprintf("2024-%02d", m))
	}
	return append(out, "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024-H1", "2024-H2", "2024")
}

type ministryItem struct {
	Key    string
	Value  *float64
	Status string
}

type ministryAnswer struct {
	Province []ministryItem
	Units    []struct {
		OrgUnit struct{ Code string }
		Items   []ministryItem
	}
}

// cells are the answer's counts by unit ("75" for the province) and item key.
func (a ministryAnswer) cells() map[string]ministryItem {
	out := map[string]ministryItem{}
	for _, it := range a.Province {
		out["75|"+it.Key] = it
	}
	for _, u := range a.Units {
		for _, it := range u.Items {
			out[u.OrgUnit.Code+"|"+it.Key] = it
		}
	}
	return out
}

func ministryOf(t *testing.T, s *testServer, tok, p string) ministryAnswer {
	t.Helper()
	r := s.query(t, tok, `query($p: String!) { ministryStatistics(period: $p) {
	  province { key value status } units { orgUnit { code } items { key value status } } } }`, map[string]any{"p": p})
	if len(r.Errors) > 0 {
		t.Fatalf("ministryStatistics %s: %s", p, r.raw)
	}
	var a ministryAnswer
	if err := json.Unmarshal(r.Data["ministryStatistics"], &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// ministryFlows and ministryStocks are the report's counts by how their
// months add up; the rates (birth registration, insurance) are left out.
var (
	ministryFlows  = []string{"cases_opened", "injured", "drowning_deaths", "swim_enrolled", "swim_completed", "gift_visits"}
	ministryStocks = func() []string {
		out := []string{"children", "special", "special_supported"}
		for _, g := range []string{"ORPHAN_BOTH", "ABANDONED", "NO_SUPPORT", "DISABLED", "HIV", "IN_CONFLICT_LAW", "DRUG_ADDICTED",
			"DROPOUT_WORKING", "VIOLENCE_SERIOUS_HARM", "EXPLOITED", "SEXUAL_ABUSE", "TRAFFICKED", "SERIOUS_ILLNESS_POOR",
			"MIGRANT_REFUGEE_UNACCOMPANIED"} {
			out = append(out, "special:"+g)
		}
		return out
	}()
)

// ministryK is the threshold of an item: 10 for a sensitive group, else 5.
func ministryK(key string) int {
	if g, ok := strings.CutPrefix(key, "special:"); ok && slices.Contains(indicators.SensitiveGroups(), g) {
		return 10
	}
	return disclosure.DefaultK
}

// ministryIdentities are the additive identities between the cells of the
// periods of 2024 (names period|unit|key): months into quarters, quarters
// into halves, halves into the year for flows; a stock's period is its last
// month; the province is its districts.
func ministryIdentities(districts []string) [][]string {
	var eqs [][]string
	name := func(p, u, k string) string { return p + "|" + u + "|" + k }
	units := append([]string{"75"}, districts...)
	for _, u := range units {
		for _, k := range ministryFlows {
			for q := 1; q <= 4; q++ {
				e := []string{name(fmt.Sprintf("2024-Q%d", q), u, k)}
				for m := 3*q - 2; m <= 3*q; m++ {
					e = append(e, name(fmt.Sprintf("2024-%02d", m), u, k))
				}
				eqs = append(eqs, e)
			}
			eqs = append(eqs, []string{name("2024-H1", u, k), name("2024-Q1", u, k), name("2024-Q2", u, k)},
				[]string{name("2024-H2", u, k), name("2024-Q3", u, k), name("2024-Q4", u, k)},
				[]string{name("2024", u, k), name("2024-H1", u, k), name("2024-H2", u, k)})
		}
		for _, k := range ministryStocks {
			for q := 1; q <= 4; q++ {
				eqs = append(eqs, []string{name(fmt.Sprintf("2024-Q%d", q), u, k), name(fmt.Sprintf("2024-%02d", 3*q), u, k)})
			}
			eqs = append(eqs, []string{name("2024-H1", u, k), name("2024-Q2", u, k)},
				[]string{name("2024-H2", u, k), name("2024-Q4", u, k)}, []string{name("2024", u, k), name("2024-H2", u, k)})
		}
	}
	for _, p := range ministryPeriods2024() {
		for _, k := range append(slices.Clone(ministryFlows), ministryStocks...) {
			e := []string{name(p, "75", k)}
			for _, d := range districts {
				e = append(e, name(p, d, k))
			}
			eqs = append(eqs, e)
		}
	}
	return eqs
}

// TestAttackMinistryStatisticsPeriodsAndUnits: routes over the Ministry's
// statistics. Besides the bounds above, every phrasing of one population
// must give one value: the export's CSV and the GraphQL answer of a period,
// and the periodic report(period) of 2024-H1 and 2024 beside the Ministry's
// statistics of the same periods (the same districts report on both days).
func TestAttackMinistryStatisticsPeriodsAndUnits(t *testing.T) {
	pool := testdb.Postgres(t)
	analyticstest.Reports(t, pool)
	s := serveWarehouse(t, pool, analyticstest.WarehouseWith(t, ministryAttackFacts))
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	counted := append(slices.Clone(ministryFlows), ministryStocks...)

	shown := map[string]ministryItem{} // period|unit|key → the analyst's
	exact := map[string]int{}
	var districts []string
	for _, p := range ministryPeriods2024() {
		a, e := ministryOf(t, s, analyst, p).cells(), ministryOf(t, s, officer, p).cells()
		for id, it := range a {
			unit, key, _ := strings.Cut(id, "|")
			if !slices.Contains(counted, key) {
				continue
			}
			if unit != "75" && !slices.Contains(districts, unit) {
				districts = append(districts, unit)
			}
			x := e[id]
			if x.Value == nil {
				t.Fatalf("%s %s: no exact value for the province officer (%s)", p, id, x.Status)
			}
			shown[p+"|"+id], exact[p+"|"+id] = it, int(*x.Value)
			if it.Value != nil && (*it.Value < float64(ministryK(key)) || int(*it.Value)%disclosure.DefaultBase != 0) {
				t.Errorf("%s %s: released %v is not a rounded count of at least %d", p, id, *it.Value, ministryK(key))
			}
		}
		// The export is one more phrasing: the same value and status per cell.
		for _, row := range csvExport(t, s, analyst, "/export/ministry-statistics.csv?period="+url.QueryEscape(p)) {
			it, ok := a[row["unit_code"]+"|"+row["item_key"]]
			if !ok {
				t.Errorf("%s: export row %s|%s not in the GraphQL answer", p, row["unit_code"], row["item_key"])
				continue
			}
			if row["status"] != string(it.Status) || row["value"] != fvalue(it.Value) {
				t.Errorf("%s %s|%s: export %q %s, GraphQL %s %s", p, row["unit_code"], row["item_key"], row["value"], row["status"],
					fvalue(it.Value), it.Status)
			}
		}
	}
	// The workbook (its parts, strings, sheets and stored numbers) and the
	// notes hold nothing the CSV does not, for a month with a withheld cell
	// and for its quarter.
	for _, p := range []string{"2024-01", "2024-Q1"} {
		path := "/export/ministry-statistics.%s?period=" + p
		csvBody, _, _ := s.get(t, fmt.Sprintf(path, "csv"), analyst)
		xlsx, status, _ := s.get(t, fmt.Sprintf(path, "xlsx"), analyst)
		notesBody, nstatus, _ := s.get(t, fmt.Sprintf(path, "notes.json"), analyst)
		if status != 200 || nstatus != 200 {
			t.Fatalf("%s: workbook %d, notes %d", p, status, nstatus)
		}
		checkWorkbook(t, "ministry-statistics "+p, []byte(xlsx), csvBody, notesBody)
	}
	slices.Sort(districts)
	if !slices.Equal(districts, []string{"731", "732", "734"}) {
		t.Fatalf("2024 reports by district, got units %v", districts)
	}

	// The periodic report of the same period: the same cells, the same values.
	for _, p := range []string{"2024-H1", "2024"} {
		var rep struct {
			Report struct {
				Units []struct {
					OrgUnit struct{ Code string }
					Items   []ministryItem
				}
			}
		}
		decode(t, s.query(t, analyst, `query($p: String!) { report(period: $p) { units { orgUnit { code } items { key value status } } } }`,
			map[string]any{"p": p}), &rep)
		for _, u := range rep.Report.Units {
			for _, it := range u.Items {
				m, ok := shown[p+"|"+u.OrgUnit.Code+"|"+it.Key]
				if ok && (fvalue(m.Value) != fvalue(it.Value) || m.Status != it.Status) {
					t.Errorf("%s %s|%s: report %s %s, ministryStatistics %s %s", p, u.OrgUnit.Code, it.Key, fvalue(it.Value), it.Status,
						fvalue(m.Value), m.Status)
				}
			}
		}
	}

	eqs := ministryIdentities(districts)
	targets := []string{"2024-01|731|injured", "2024-04|734|gift_visits", "2024-07|732|drowning_deaths", "2024-Q3|732|drowning_deaths",
		"2024|732|special:DISABLED", "2024-12|732|special:HIV", "2024-Q4|732|special"}
	for _, id := range targets {
		if it := shown[id]; it.Value != nil || it.Status != "SUPPRESSED" {
			t.Fatalf("target %s is released (%s %s): the fixture is wrong", id, fvalue(it.Value), it.Status)
		}
	}
	reached, report := attackByIdentities(t, shown, exact, eqs, targets)
	t.Logf("control pins %d of %d targets; the analyst: %s", reached, len(targets), strings.Join(report, "; "))
}

// fvalue prints a released value as the export's CSV does: empty when withheld.
func fvalue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// ministryAttackFacts2025 are cells of 2025, across the reorganisation of
// 1 July (internal/analytics/analyticstest): the first half reports by 2021
// district, the second half and the year by commune and ward, each new unit
// counting its events from 1 July and its predecessors' before.
const ministryAttackFacts2025 = `
# Injuries: Xã Một 3 in March (731 withheld in H1, and in no commune's year);
# Xã Ba 2 in February (732 withheld) and 10 in October; Xã Bốn 20 in May;
# Phường Mười 10 in August, Xã Mười Một 5 in September, Xã Hai Mươi 1 in November.
fact,2025-03,90001,731,M,6-10,,neither,injured,3
fact,2025-02,90003,732,F,6-10,,neither,injured,2
fact,2025-10,90003,732,F,6-10,,neither,injured,10
fact,2025-05,90004,734,M,11-15,,neither,injured,20
fact,2025-08,90010,731,M,6-10,,neither,injured,10
fact,2025-09,90011,731,F,6-10,,neither,injured,5
fact,2025-11,90020,,F,6-10,,neither,injured,1
# Drowning deaths in July: Xã Hai Mươi 2, Xã Bốn 5; Phường Mười 7 in December.
fact,2025-07,90020,,M,6-10,,neither,drowning_deaths,2
fact,2025-07,90004,734,M,6-10,,neither,drowning_deaths,5
fact,2025-12,90010,731,M,11-15,,neither,drowning_deaths,7
# Children with a disability at June's end in Xã Một 6, at December's end in
# Phường Mười 6 and Xã Mười Một 3 (group rows only).
fact,2025-06,90001,731,F,6-10,DISABLED,neither,special,6
fact,2025-12,90010,731,F,6-10,DISABLED,neither,special,6
fact,2025-12,90011,731,F,6-10,DISABLED,neither,special,3
`

// TestAttackMinistryStatisticsAcrossTheReorganisation: the attack above over
// 2025, where the first half reports by 2021 district and the second half and
// the year by commune and ward. The identities the attacker adds: the
// province's year is its halves'; a commune's year is its second half's when
// it came into force on 1 July, else its own district's first half (the one
// commune of that district still in force) and its second half; the
// province's year is its communes' and the first half of the districts whose
// communes were replaced (Biên Hòa).
func TestAttackMinistryStatisticsAcrossTheReorganisation(t *testing.T) {
	pool := testdb.Postgres(t)
	analyticstest.Reports(t, pool)
	s := serveWarehouse(t, pool, analyticstest.WarehouseWith(t, ministryAttackFacts2025))
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	counted := append(slices.Clone(ministryFlows), ministryStocks...)
	var periods []string
	for m := 1; m <= 12; m++ {
		periods = append(periods, fmt.Sprintf("2025-%02d", m))
	}
	periods = append(periods, "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025-H1", "2025-H2", "2025")
	shown, exact := map[string]ministryItem{}, map[string]int{}
	units := map[string][]string{} // period → its reporting units
	for _, p := range periods {
		a, e := ministryOf(t, s, analyst, p).cells(), ministryOf(t, s, officer, p).cells()
		for id, it := range a {
			unit, key, _ := strings.Cut(id, "|")
			if !slices.Contains(counted, key) {
				continue
			}
			if unit != "75" && !slices.Contains(units[p], unit) {
				units[p] = append(units[p], unit)
			}
			if e[id].Value == nil {
				t.Fatalf("%s %s: no exact value (%s)", p, id, e[id].Status)
			}
			shown[p+"|"+id], exact[p+"|"+id] = it, int(*e[id].Value)
		}
		slices.Sort(units[p])
	}
	name := func(p, u, k string) string { return p + "|" + u + "|" + k }
	var eqs [][]string
	for _, p := range periods {
		for _, k := range counted {
			if p == "2025" && slices.Contains(ministryFlows, k) {
				continue // the year's events before 1 July are the former communes', below
			}
			e := []string{name(p, "75", k)}
			for _, u := range units[p] {
				e = append(e, name(p, u, k))
			}
			eqs = append(eqs, e)
		}
	}
	for _, k := range ministryFlows {
		for q := 1; q <= 4; q++ {
			for _, u := range units[fmt.Sprintf("2025-Q%d", q)] {
				e := []string{name(fmt.Sprintf("2025-Q%d", q), u, k)}
				for m := 3*q - 2; m <= 3*q; m++ {
					e = append(e, name(fmt.Sprintf("2025-%02d", m), u, k))
				}
				eqs = append(eqs, e)
			}
		}
		for _, h := range []string{"H1", "H2"} {
			for _, u := range units["2025-"+h] {
				qs := map[string][2]string{"H1": {"2025-Q1", "2025-Q2"}, "H2": {"2025-Q3", "2025-Q4"}}[h]
				eqs = append(eqs, []string{name("2025-"+h, u, k), name(qs[0], u, k), name(qs[1], u, k)})
			}
		}
		eqs = append(eqs, []string{name("2025", "75", k), name("2025-H1", "75", k), name("2025-H2", "75", k)})
		// A commune's year: its district's first half (Xã Ba of Long
		// Khánh, Xã Bốn of Tân Phú) and its second half; a unit new on
		// 1 July counts from then.
		for _, u := range units["2025"] {
			e := []string{name("2025", u, k), name("2025-H2", u, k)}
			switch u {
			case "90003":
				e = append(e, name("2025-H1", "732", k))
			case "90004":
				e = append(e, name("2025-H1", "734", k))
			}
			eqs = append(eqs, e)
		}
		e := []string{name("2025", "75", k), name("2025-H1", "731", k)}
		for _, u := range units["2025"] {
			e = append(e, name("2025", u, k))
		}
		eqs = append(eqs, e)
	}
	for _, k := range ministryStocks {
		for _, p := range periods {
			last := map[string]string{"2025-Q1": "2025-03", "2025-Q2": "2025-06", "2025-Q3": "2025-09", "2025-Q4": "2025-12",
				"2025-H1": "2025-06", "2025-H2": "2025-12", "2025": "2025-12"}[p]
			if last == "" {
				continue
			}
			for _, u := range units[p] {
				eqs = append(eqs, []string{name(p, u, k), name(last, u, k)})
			}
			eqs = append(eqs, []string{name(p, "75", k), name(last, "75", k)})
		}
	}
	targets := []string{"2025-H1|731|injured", "2025-H1|732|injured", "2025|90020|injured", "2025-07|90020|drowning_deaths",
		"2025|90011|special:DISABLED"}
	for _, id := range targets {
		if it, ok := shown[id]; !ok || it.Value != nil {
			t.Fatalf("target %s is not withheld (%v): the fixture is wrong", id, ok)
		}
	}
	reached, report := attackByIdentities(t, shown, exact, eqs, targets)
	t.Logf("units %v / %v / %v; control pins %d of %d targets; the analyst: %s", units["2025-H1"], units["2025-H2"], units["2025"],
		reached, len(targets), strings.Join(report, "; "))
}

// attackByIdentities checks that the identities eqs (a total, then its parts)
// hold on the exact values, then bounds every cell by what the analyst was
// shown (a withheld count below its threshold, a released one within the
// rounding base) and propagates the bounds through the identities to a fixed
// point. It fails if a withheld cell is pinned, or if the bounds exclude a
// true value (the attacker model would be wrong), and if, from the exact
// released values, the identities pin none of targets (the attack would reach
// nothing). It returns how many targets the exact values pin and the
// analyst's bounds on each.
func attackByIdentities(t *testing.T, shown map[string]ministryItem, exact map[string]int, eqs [][]string,
	targets []string) (int, []string) {
	t.Helper()
	for _, e := range eqs {
		sum := 0
		for _, v := range e[1:] {
			if _, ok := exact[v]; !ok {
				t.Fatalf("identity %v names %s, which no answer holds", e, v)
			}
			sum += exact[v]
		}
		if _, ok := exact[e[0]]; !ok || exact[e[0]] != sum {
			t.Fatalf("identity %v does not hold on the exact values (%d vs %d): the attacker model is wrong", e, exact[e[0]], sum)
		}
	}
	bounds := func(asExact bool) map[string][2]int {
		iv := map[string][2]int{}
		for id, it := range shown {
			_, key, _ := strings.Cut(strings.SplitN(id, "|", 2)[1], "|")
			switch {
			case it.Value == nil:
				iv[id] = [2]int{0, ministryK(key) - 1}
			case asExact:
				iv[id] = [2]int{exact[id], exact[id]}
			default:
				v := int(*it.Value)
				iv[id] = [2]int{max(ministryK(key), v-(disclosure.DefaultBase-1)), v + disclosure.DefaultBase - 1}
			}
		}
		return iv
	}
	control := bounds(true)
	propagate(t, control, eqs)
	reached := 0
	for _, id := range targets {
		if b := control[id]; b[0] == b[1] {
			reached++
		}
	}
	if reached == 0 {
		t.Fatalf("with exact released values the identities pin none of the targets: the attack reaches nothing")
	}
	iv := bounds(false)
	propagate(t, iv, eqs)
	for id, it := range shown {
		b := iv[id]
		if b[0] > exact[id] || b[1] < exact[id] {
			t.Errorf("%s: bounds [%d, %d] exclude the true %d: the attacker model is wrong", id, b[0], b[1], exact[id])
		}
		if it.Value == nil && b[0] == b[1] {
			t.Errorf("withheld %s recovered: %d (true %d)", id, b[0], exact[id])
		}
	}
	report := make([]string, 0, len(targets))
	for _, id := range targets {
		report = append(report, fmt.Sprintf("%s ∈ [%d, %d] (true %d)", id, iv[id][0], iv[id][1], exact[id]))
	}
	return reached, report
}

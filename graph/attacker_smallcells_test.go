package graph_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"treem/internal/analytics/analyticstest"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// smallDrownings are drowning deaths of 2025 added to the fixture for the
// attacks below: small counts (1 to 7) on both sides of the reorganisation
// of 1 July 2025, so that Phường Mười's history (90001 + 90002 + its own),
// Xã Hai Mươi's (90020, the former Bình Phước: province − former Đồng Nai)
// and the 16-17 band are each withheld or close to the threshold.
// month, unit, district_2021, age band, value.
var smallDrownings = []struct {
	month, unit, district, band string
	value                       uint64
}{
	{"2025-02", "90001", "731", "6-10", 2}, {"2025-03", "90002", "731", "6-10", 3}, {"2025-05", "90002", "731", "11-15", 4},
	{"2025-04", "90003", "732", "1-4", 6}, {"2025-08", "90010", "731", "6-10", 4}, {"2025-08", "90010", "731", "16-17", 2},
	{"2025-09", "90011", "731", "11-15", 1}, {"2025-10", "90004", "734", "6-10", 7}, {"2025-11", "90020", "", "1-4", 3},
	{"2025-12", "90020", "", "11-15", 2}, {"2025-06", "90001", "731", "16-17", 1},
}

// smallCellsServer is analyticsServer over the fixture plus smallDrownings.
func smallCellsServer(t *testing.T) *testServer {
	t.Helper()
	pool := testdb.Postgres(t)
	analyticstest.Reports(t, pool)
	conn := analyticstest.Warehouse(t)
	validFrom := map[string]time.Time{}
	for c := range fixtureCommunes {
		validFrom[c] = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		if !inForceIn(c, 2025, 1) {
			validFrom[c] = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
		}
	}
	rows := make([][]any, len(smallDrownings))
	for i, d := range smallDrownings {
		m, err := time.Parse("2006-01", d.month)
		if err != nil {
			t.Fatal(err)
		}
		h := fnv.New32a()
		fmt.Fprint(h, "drowning", d)
		rows[i] = []any{m, d.unit, validFrom[d.unit], d.district, "M", d.band, "", "neither", "drowning_deaths", d.value, h.Sum32(), "run-1"}
	}
	ld := &clickhouse.Loader{Conn: conn, BatchRows: 1000}
	if err := ld.Insert(context.Background(), "fact_child_month", []string{"month", "unit_code", "unit_valid_from", "district_2021",
		"sex", "age_band", "group_code", "poverty", "measure", "value", "ckey", "run_id"}, len(rows), func(i int) []any { return rows[i] }); err != nil {
		t.Fatal(err)
	}
	return serveWarehouse(t, pool, conn)
}

// TestAttackSmallCellsAcrossTheReorganisation: routes 5 to 7 on small
// counts. Over the fixture plus smallDrownings, the attacker reads the
// drowning deaths of children under 16 (a count indicator, k = 5) of every
// calendar period of 2025 in compareUnits by commune (the province, the
// former Đồng Nai and each commune with its heirs) and, up to June, by
// district; every commune's, district 731's and the province's trend; the
// aggregates of DROWNED (every band, 16-17 included) by commune version,
// district and band; and the reports of 2025 by commune (under 16, each
// commune's own rows) and of 2025-H1 by district. Targets: every withheld
// population, among them Xã Hai Mươi's 3 + 2 deaths (province − former Đồng
// Nai), Phường Mười's parts 2, 3 + 4 and 4, and the 16-17 band's 1 and 2.
func TestAttackSmallCellsAcrossTheReorganisation(t *testing.T) {
	s := smallCellsServer(t)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	a := newUnitsAttack(t)
	codes := []string{"90001", "90002", "90003", "90004", "90010", "90011", "90020"}
	drowning := drowningAttack(a)
	atomsOf := func(p string, keep func(c, band string) bool) []string {
		return drowning(p, false, func(c, b string, _ int) bool { return keep(c, b) })
	}
	under16 := func(b string) bool { return b != "16-17" }
	terms := []term{{func(p string, keep func(string, int) bool) []string {
		_, ms := monthsOf(p)
		return atomsOf(p, func(c, b string) bool { return under16(b) && keep(c, ms[len(ms)-1]) })
	}, 5, true}}
	for _, kind := range periodKinds {
		for _, p := range periodsOf(2025)[kind] {
			askCompareUnits(t, s, a, analyst, officer, "drowning_deaths", p, "COMMUNE", "", terms)
			askCompareUnits(t, s, a, analyst, officer, "drowning_deaths", p, "COMMUNE", "731", terms)
			if _, ms := monthsOf(p); ms[len(ms)-1] <= 6 {
				askCompareUnits(t, s, a, analyst, officer, "drowning_deaths", p, "DISTRICT", "", terms)
			}
		}
		for _, unit := range append(codes, "731", "732", "734", "75") {
			askTrend(t, s, a, analyst, officer, "drowning_deaths", unit, 2025, 12, kind, terms)
		}
		askDrownedAggregates(t, s, a, analyst, officer, kind,
			[]string{"PERIOD", "PERIOD, COMMUNE", "PERIOD, DISTRICT", "PERIOD, AGE_BAND", "PERIOD, COMMUNE, AGE_BAND"}, atomsOf)
	}
	// The report of 2025, by commune: each commune's own rows, under 16.
	type reportAnswer struct {
		Units []struct {
			OrgUnit struct{ Code string }
			Items   []struct {
				Key   string
				Value *float64
			}
		}
	}
	for _, period := range []string{"2025", "2025-H1"} {
		read := func(tok string) reportAnswer {
			var d struct{ Report reportAnswer }
			decode(t, s.query(t, tok, `{ report(period: "`+period+`") { units { orgUnit { code } items { key value } } } }`, nil), &d)
			return d.Report
		}
		shown, exact := read(analyst), read(officer)
		for i, u := range shown.Units {
			for j, it := range u.Items {
				if it.Key != "drowning_deaths" {
					continue
				}
				asInt := func(v *float64) *int {
					if v == nil {
						return nil
					}
					return ptrTo(int(*v))
				}
				// By 2021 district up to June 2025 (its rows), then by
				// commune (each commune's own rows).
				code := u.OrgUnit.Code
				a.release("report "+period+" "+code, atomsOf(period, func(c, b string) bool {
					return (c == code || fixtureCommunes[c] == code && len(code) == 3) && under16(b)
				}), asInt(it.Value), asInt(exact.Units[i].Items[j].Value), 5)
			}
		}
	}
	attempts, recovered := a.solve("small cells across the reorganisation")
	t.Logf("routes 5-7 on small cells: %d populations, %d withheld bounded, %d exact recoveries", len(a.truth), attempts, recovered)
	if attempts == 0 {
		t.Fatal("no withheld population was read: the attack tested nothing")
	}
}

// askDrownedAggregates releases the analyst's aggregates of 2025's drowning
// deaths split by kind, by each of dimsList, as the atoms atomsOf selects.
func askDrownedAggregates(t *testing.T, s *testServer, a *unitsAttack, analyst, officer, kind string, dimsList []string,
	atomsOf func(p string, keep func(c, band string) bool) []string) {
	t.Helper()
	filter := fmt.Sprintf(`from: "2025-01", to: "2025-12", periodType: %s`, kind)
	for _, dims := range dimsList {
		shown := aggregate(t, s, analyst, "DROWNED", dims, filter)
		exact := aggregate(t, s, officer, "DROWNED", dims, filter)
		exactBy := map[string]*int{}
		for _, r := range exact {
			exactBy[strings.Join(r.Keys, "|")] = r.Value
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(dims, "PERIOD"), ", ")
		for _, r := range shown {
			keys := r.Keys
			a.release(fmt.Sprintf("aggregate DROWNED by %s %v", dims, keys), atomsOf(keys[0], func(c, b string) bool {
				return rest == "" || matches(rest, keys[1:], stockAtom{commune: c, band: b})
			}), r.Value, exactBy[strings.Join(keys, "|")], 5)
		}
	}
}

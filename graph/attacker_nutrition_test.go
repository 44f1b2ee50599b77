package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// The attack below plays an analyst against the 0–23-month nutrition
// measures, nested in the under-5 ones, over children loaded through the
// real ETL (real cell keys) in Bửu Hòa (26053), worked by hand. At 31/12/2024:
//
//	40 born 10/1/2021 (20 girls, 20 boys), measured 15/6/2024 at 41 months:
//	   12 underweight (6 and 6), 8 stunted (4 and 4): under-5 only;
//	 3 born 10/1/2023 (2 girls, 1 boy), measured 15/6/2024 at 17 months:
//	   2 underweight (1 and 1), 1 stunted (a girl): band 1-4, both measures;
//	 7 born 10/2/2024 (4 girls, 3 boys), measured 20/8/2024 at 6 months:
//	   6 underweight (3 and 3), 5 stunted (3 and 2): band 0, both measures.
//
// So at 0–23 months band 1-4 holds 3 measured, 2 underweight and 1 stunted
// children, each withheld, beside released under-5 cells and a released
// band 0 that is the same set in both measures. The attacker reads every
// measure by sex, by band, by both and in total, for the commune, its
// district and the province, for the year, its last quarter, half and month,
// and the two indicators by band; knows that a 0–23-month cell is part of its
// under-5 cell (band 0 the same set), that a part of the measured is at most
// the measured; and propagates the bounds of every released and withheld cell.
func TestAttackNutritionUnder2Nested(t *testing.T) {
	ctx := context.Background()
	pool := testdb.Postgres(t)
	var buuHoa int32
	if err := pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE code = '26053'
	  AND daterange(valid_from, valid_to) @> '2024-06-30'::date`).Scan(&buuHoa); err != nil {
		t.Fatal(err)
	}
	// group: born, measured on, girls, boys, underweight girls, boys, stunted girls, boys.
	groups := []struct {
		name, born, measured     string
		f, m, uwF, uwM, stF, stM int
	}{
		{"old", "2021-01-10", "2024-06-15", 20, 20, 6, 6, 4, 4},
		{"toddler", "2023-01-10", "2024-06-15", 2, 1, 1, 1, 1, 0},
		{"baby", "2024-02-10", "2024-08-20", 4, 3, 3, 3, 3, 2},
	}
	for _, g := range groups {
		for sex, n := range map[string][3]int{"F": {g.f, g.uwF, g.stF}, "M": {g.m, g.uwM, g.stM}} {
			execSQL(t, pool, `INSERT INTO child (full_name, sex, birth_date, commune_id)
				SELECT $1 || ' ' || $2 || ' ' || i, $2, $3::date, $4 FROM generate_series(1, $5::int) i`, g.name, sex, g.born, buuHoa, n[0])
			execSQL(t, pool, `INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
				SELECT c.id, $1, $2::date, 10, 80, i <= $3, i <= $4
				FROM (SELECT id, row_number() OVER (ORDER BY id) AS i FROM child WHERE full_name LIKE $5 || ' ' || $6 || ' %') c`,
				buuHoa, g.measured, n[1], n[2], g.name, sex)
		}
	}
	conn, _ := chtest.Database(t)
	etlRun(t, pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, pool, conn)
	analyst, officer := token(t, domain.RoleAnalyst, "75"), token(t, domain.RoleProvinceOfficer, "75")

	measures := []string{"MEASURED_U5", "UNDERWEIGHT_U5", "STUNTED_U5", "MEASURED_U2", "UNDERWEIGHT_U2", "STUNTED_U2"}
	bands := []string{"0", "1-4", "5", "6-10", "11-15", "16-17"}
	sexes := []string{"F", "M"}
	var district string
	if err := pool.QueryRow(ctx, `SELECT p.code FROM org_unit c JOIN org_unit p ON p.id = c.parent_id WHERE c.id = $1`, buuHoa).Scan(&district); err != nil {
		t.Fatal(err)
	}
	// Every population is named by measure|sex|band ("*" for all); each
	// phrasing (unit, period, breakdown) must give it one value.
	shown := map[string]*int{}
	exact := map[string]int{}
	phrasing := map[string]string{}
	read := func(unit, p, dims string) {
		filter := fmt.Sprintf(`period: "%s", orgUnit: "%s"`, p, unit)
		for _, m := range measures {
			a, e := aggregate(t, s, analyst, m, dims, filter), aggregate(t, s, officer, m, dims, filter)
			if len(a) != len(e) {
				t.Fatalf("%s %s %s: %d rows for the analyst, %d for the officer", m, filter, dims, len(a), len(e))
			}
			for i, row := range a {
				sex, band := "*", "*"
				for j, d := range strings.Split(dims, ", ") {
					switch d {
					case "SEX":
						sex = row.Keys[j]
					case "AGE_BAND":
						band = row.Keys[j]
					}
				}
				name := strings.ToLower(m) + "|" + sex + "|" + band
				where := fmt.Sprintf("%s %s by [%s]", unit, p, dims)
				if e[i].Value == nil {
					t.Fatalf("%s %s: no exact value for the officer", name, where)
				}
				if old, ok := phrasing[name]; ok {
					if fstrInt(shown[name]) != fstrInt(row.Value) {
						t.Errorf("%s: %s in %s, %s in %s: two values for one population", name, fstrInt(shown[name]), old,
							fstrInt(row.Value), where)
					}
					continue
				}
				phrasing[name], shown[name], exact[name] = where, row.Value, *e[i].Value
			}
		}
	}
	for _, unit := range []string{"26053", district, "75"} {
		for _, p := range []string{"2024", "2024-H2", "2024-Q4", "2024-12"} {
			for _, dims := range []string{"", "SEX", "AGE_BAND", "SEX, AGE_BAND"} {
				read(unit, p, dims)
			}
		}
	}
	for name, want := range map[string]int{"measured_u2|*|1-4": 3, "underweight_u2|*|1-4": 2, "stunted_u2|*|1-4": 1,
		"measured_u5|*|1-4": 43, "measured_u2|*|0": 7, "underweight_u5|*|*": 20, "underweight_u2|*|*": 8} {
		if exact[name] != want {
			t.Fatalf("%s: %d in the warehouse, want %d (the fixture is worked wrong)", name, exact[name], want)
		}
	}
	// Band 0 is the same children in both measures: one population, one
	// cell key, one value; two values would be two draws of its rounding.
	for _, m := range []string{"measured", "underweight", "stunted"} {
		for _, sex := range []string{"*", "F", "M"} {
			u5, u2 := m+"_u5|"+sex+"|0", m+"_u2|"+sex+"|0"
			if exact[u5] != exact[u2] || fstrInt(shown[u5]) != fstrInt(shown[u2]) {
				t.Errorf("band 0: %s %d shown %s, %s %d shown %s", u5, exact[u5], fstrInt(shown[u5]), u2, exact[u2], fstrInt(shown[u2]))
			}
		}
	}
	// The indicators by band: numerators and denominators as aggregate gives them.
	var ivs struct {
		IndicatorValues struct {
			Values []struct {
				Indicator              struct{ ID string }
				Keys                   []struct{ Value string }
				Value                  *float64
				Numerator, Denominator *int
				Status                 string
			}
		}
	}
	decode(t, s.query(t, analyst, `{ indicatorValues(ids: ["underweight_u2", "stunting_u2"], orgUnits: ["26053"], periods: ["2024"],
	  breakdown: AGE_BAND) { values { indicator { id } keys { value } value numerator denominator status } } }`, nil), &ivs)
	if len(ivs.IndicatorValues.Values) == 0 {
		t.Fatal("no indicator values by band")
	}
	for _, v := range ivs.IndicatorValues.Values {
		if len(v.Keys) != 1 {
			t.Fatalf("%s: keys %v, want the band", v.Indicator.ID, v.Keys)
		}
		band := v.Keys[0].Value
		num := map[string]string{"underweight_u2": "underweight_u2", "stunting_u2": "stunted_u2"}[v.Indicator.ID]
		if fstrInt(v.Numerator) != fstrInt(shown[num+"|*|"+band]) || fstrInt(v.Denominator) != fstrInt(shown["measured_u2|*|"+band]) {
			t.Errorf("%s band %s: %s / %s, aggregate %s / %s", v.Indicator.ID, band, fstrInt(v.Numerator), fstrInt(v.Denominator),
				fstrInt(shown[num+"|*|"+band]), fstrInt(shown["measured_u2|*|"+band]))
		}
		if v.Numerator == nil && v.Value != nil {
			t.Errorf("%s band %s: value %v beside a withheld numerator", v.Indicator.ID, band, *v.Value)
		}
	}

	// The identities the attacker knows.
	const big = 1 << 20
	var eqs [][]string
	slack := map[string]bool{}
	sum := func(total string, parts ...string) { eqs = append(eqs, append([]string{total}, parts...)) }
	diff := func(name string) string { slack[name] = true; return name }
	for _, m := range measures {
		m = strings.ToLower(m)
		allBands := func(sex string) []string {
			out := make([]string, len(bands))
			for i, b := range bands {
				out[i] = m + "|" + sex + "|" + b
			}
			return out
		}
		sum(m+"|*|*", allBands("*")...)
		sum(m+"|*|*", m+"|F|*", m+"|M|*")
		for _, sex := range sexes {
			sum(m+"|"+sex+"|*", allBands(sex)...)
		}
		for _, b := range bands {
			sum(m+"|*|"+b, m+"|F|"+b, m+"|M|"+b)
		}
	}
	for _, sex := range append([]string{"*"}, sexes...) {
		for _, b := range append([]string{"*"}, bands...) {
			cell := "|" + sex + "|" + b
			for _, pair := range [][2]string{{"measured_u5", "measured_u2"}, {"underweight_u5", "underweight_u2"}, {"stunted_u5", "stunted_u2"}} {
				if b == "0" {
					sum(pair[0]+cell, pair[1]+cell) // the same children
				} else {
					sum(pair[0]+cell, pair[1]+cell, diff("older:"+pair[0]+cell))
				}
			}
			for _, band := range []string{"u5", "u2"} {
				sum("measured_"+band+cell, "underweight_"+band+cell, diff("notunderweight_"+band+cell))
				sum("measured_"+band+cell, "stunted_"+band+cell, diff("notstunted_"+band+cell))
			}
		}
	}
	for _, e := range eqs {
		for _, v := range e {
			if _, ok := shown[v]; !ok && !slack[v] {
				t.Fatalf("identity %v names %s, which no answer holds", e, v)
			}
		}
	}
	bounds := func(asExact bool) map[string][2]int {
		iv := map[string][2]int{}
		for v := range slack {
			iv[v] = [2]int{0, big}
		}
		for name, v := range shown {
			switch {
			case v == nil:
				iv[name] = [2]int{0, disclosure.DefaultK - 1}
			case asExact:
				iv[name] = [2]int{exact[name], exact[name]}
			default:
				iv[name] = [2]int{max(disclosure.DefaultK, *v-(disclosure.DefaultBase-1)), *v + disclosure.DefaultBase - 1}
			}
		}
		return iv
	}
	targets := []string{"measured_u2|*|1-4", "underweight_u2|*|1-4", "stunted_u2|*|1-4", "measured_u2|F|1-4", "underweight_u2|M|1-4"}
	for _, name := range targets {
		if shown[name] != nil {
			t.Fatalf("target %s released: the fixture is wrong", name)
		}
	}
	control := bounds(true)
	propagate(t, control, eqs)
	reached := 0
	for _, name := range targets {
		if b := control[name]; b[0] == b[1] {
			reached++
		}
	}
	if reached == 0 {
		t.Fatal("with exact released values the identities pin none of the targets: the attack reaches nothing")
	}
	iv := bounds(false)
	propagate(t, iv, eqs)
	var report []string
	for name, v := range shown {
		b := iv[name]
		if b[0] > exact[name] || b[1] < exact[name] {
			t.Errorf("%s: bounds [%d, %d] exclude the true %d: the attacker model is wrong", name, b[0], b[1], exact[name])
		}
		if v == nil && b[0] == b[1] {
			t.Errorf("withheld %s recovered: %d (true %d)", name, b[0], exact[name])
		}
	}
	slices.Sort(targets)
	for _, name := range targets {
		report = append(report, fmt.Sprintf("%s ∈ [%d, %d] (true %d)", name, iv[name][0], iv[name][1], exact[name]))
	}
	t.Logf("control pins %d of %d targets; the analyst: %s", reached, len(targets), strings.Join(report, "; "))
}

func fstrInt(v *int) string {
	if v == nil {
		return "withheld"
	}
	return fmt.Sprint(*v)
}

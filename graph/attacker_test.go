package graph_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"treem/internal/disclosure"
	"treem/internal/domain"
)

// TestAttackerRecoversNoSuppressedCell plays an analyst who combines answers
// (totals, sibling cells, overlapping filters, other breakdowns of the same
// population) to pin down cells that were withheld. Every released count v is
// known to lie in [max(k, v−4), v+4] (rounded to a multiple of 5; with
// rounding switched off the same attack recovers every target), every
// withheld one in [0, k−1] (a zero is withheld like a small count); the
// attacker propagates these bounds through every additive identity of the
// answers until nothing changes. The true values of the targets (fixture: 3
// poor children in commune 90001, 3 boys and 2 girls in district 732, 3
// abused children in 90001) must keep at least two candidates each.
func TestAttackerRecoversNoSuppressedCell(t *testing.T) {
	s := analyticsServer(t, true)
	tok := token(t, domain.RoleAnalyst, "75")
	iv := map[string][2]int{} // variable → [lo, hi]
	set := func(name string, v *int, k int) {
		b := [2]int{0, k - 1} // withheld: fewer than k, zero included
		if v != nil {
			// The rounding base is public; the attacker knows a released
			// count is within base−1 of the truth.
			b = [2]int{max(k, *v-(disclosure.DefaultBase-1)), *v + disclosure.DefaultBase - 1}
		}
		if old, ok := iv[name]; ok && old != b {
			t.Fatalf("cell %s answered %v and %v: not consistent", name, old, b)
		}
		iv[name] = b
	}
	// ask runs an aggregate and names each row's cell prefix + keys.
	ask := func(measure, prefix, filter string, dims string, k int) {
		for _, row := range aggregate(t, s, tok, measure, dims, filter) {
			set(strings.Join(append([]string{prefix}, row.Keys...), ":"), row.Value, k)
		}
	}
	// Every key of a breakdown is a row: a cell the attacker names was answered.
	asked := func(names ...string) {
		for _, n := range names {
			if _, ok := iv[n]; !ok {
				t.Fatalf("cell %s is missing from its breakdown: rows would count the non-empty cells", n)
			}
		}
	}
	y := `period: "2021"`
	// Commune 90001 children: total, by poverty, by sex, by sex and poverty, band 11-15 by poverty.
	ask("CHILDREN", "C1", y+`, orgUnit: "90001"`, "", 5)
	ask("CHILDREN", "C1", y+`, orgUnit: "90001"`, "POVERTY", 5)
	ask("CHILDREN", "C1", y+`, orgUnit: "90001"`, "SEX", 5)
	ask("CHILDREN", "C1", y+`, orgUnit: "90001"`, "SEX, POVERTY", 5)
	ask("CHILDREN", "C1b", y+`, orgUnit: "90001", ageBand: "11-15"`, "", 5)
	ask("CHILDREN", "C1b", y+`, orgUnit: "90001", ageBand: "11-15"`, "POVERTY", 5)
	ask("CHILDREN", "C1poor", y+`, orgUnit: "90001", poverty: POOR`, "AGE_BAND", 5)
	// District 731 and its communes (overlapping filters).
	ask("CHILDREN", "D731", y+`, orgUnit: "731"`, "", 5)
	ask("CHILDREN", "D731", y+`, orgUnit: "731"`, "POVERTY", 5)
	ask("CHILDREN", "D731c", y+`, orgUnit: "731"`, "COMMUNE", 5)
	ask("CHILDREN", "D731c", y+`, orgUnit: "731"`, "COMMUNE, POVERTY", 5)
	ask("CHILDREN", "P", y, "", 5)
	ask("CHILDREN", "P", y, "POVERTY", 5)
	ask("CHILDREN", "P", y, "DISTRICT", 5)
	// District 732 by sex; abuse in 90001 by quarter and year.
	ask("CHILDREN", "D732", y+`, orgUnit: "732"`, "", 5)
	ask("CHILDREN", "D732", y+`, orgUnit: "732"`, "SEX", 5)
	ask("ABUSED", "A1", y+`, orgUnit: "90001"`, "", 10)
	ask("ABUSED", "A1", `from: "2021-01", to: "2021-12", periodType: QUARTER, orgUnit: "90001"`, "PERIOD", 10)
	ask("ABUSED", "A731", y+`, orgUnit: "731"`, "", 10)
	ask("ABUSED", "A731", y+`, orgUnit: "731"`, "COMMUNE", 10)
	// The POVERTY keys, as PovertyKey spells them.
	pov := []string{"POOR", "NEAR_POOR", "NEITHER", "UNKNOWN"}
	var eqs [][]string // eqs[i][0] = Σ eqs[i][1:]
	sum := func(total string, parts ...string) {
		asked(append([]string{total}, parts...)...)
		eqs = append(eqs, append([]string{total}, parts...))
	}
	withPov := func(p string) []string {
		out := make([]string, len(pov))
		for i, x := range pov {
			out[i] = p + ":" + x
		}
		return out
	}
	sum("C1", withPov("C1")...)
	sum("C1", "C1:M", "C1:F")
	sum("C1:M", withPov("C1:M")...)
	sum("C1:F", withPov("C1:F")...)
	for _, x := range pov {
		sum("C1:"+x, "C1:M:"+x, "C1:F:"+x)
		sum("D731:"+x, "D731c:90001:"+x, "D731c:90002:"+x)
		sum("D731c:90001:"+x, "C1:"+x)
	}
	sum("C1b", withPov("C1b")...)
	sum("C1:POOR", "C1poor:0", "C1poor:1-4", "C1poor:5", "C1poor:6-10", "C1poor:11-15", "C1poor:16-17")
	sum("C1b:POOR", "C1poor:11-15")
	sum("D731", "D731c:90001", "D731c:90002")
	sum("D731", withPov("D731")...)
	sum("D731c:90001", "C1")
	sum("P", "P:731", "P:732", "P:734")
	sum("P", withPov("P")...)
	sum("P:POOR", "D731:POOR")
	sum("D732", "D732:M", "D732:F")
	sum("A1", "A1:2021-Q1", "A1:2021-Q2", "A1:2021-Q3", "A1:2021-Q4")
	sum("A731", "A731:90001", "A731:90002")
	sum("A731:90001", "A1")
	propagate(t, iv, eqs)
	targets := map[string]int{"C1:POOR": 3, "C1:M:POOR": 3, "D732:M": 3, "D732:F": 2, "A1": 3, "A1:2021-Q1": 2, "A1:2021-Q3": 1}
	var report []string
	for name, truth := range targets {
		b := iv[name]
		report = append(report, fmt.Sprintf("%s ∈ [%d, %d] (true %d)", name, b[0], b[1], truth))
		if b[0] > truth || b[1] < truth {
			t.Errorf("%s: bounds [%d, %d] exclude the true %d: the attacker model is wrong", name, b[0], b[1], truth)
		}
		if b[1]-b[0] < 1 {
			t.Errorf("%s recovered: bounds [%d, %d]", name, b[0], b[1])
		}
	}
	t.Log(strings.Join(report, "; "))
}

// propagate narrows the bounds iv of named cells through additive identities
// (eqs[i][0] = Σ eqs[i][1:]) until nothing changes: the attacker's inference
// from released values. Contradicting answers fail the test.
func propagate(t *testing.T, iv map[string][2]int, eqs [][]string) {
	t.Helper()
	for changed := true; changed; {
		changed = false
		for _, e := range eqs {
			for i := range e {
				var lo, hi int // bounds of e[i] implied by the others
				if i == 0 {
					for _, v := range e[1:] {
						lo, hi = lo+iv[v][0], hi+iv[v][1]
					}
				} else {
					lo, hi = iv[e[0]][0], iv[e[0]][1]
					for j, v := range e[1:] {
						if j+1 != i {
							lo, hi = lo-iv[v][1], hi-iv[v][0]
						}
					}
				}
				b := iv[e[i]]
				nb := [2]int{max(b[0], lo), min(b[1], hi)}
				if nb[0] > nb[1] {
					t.Fatalf("bounds of %s became empty: the answers contradict each other (%v)", e[i], e)
				}
				if nb != b {
					iv[e[i]], changed = nb, true
				}
			}
		}
	}
}

// exportKeyColumn is the export column of each dimension's key (a unit's code).
var exportKeyColumn = map[string]string{"DISTRICT": "district_code", "COMMUNE": "commune_code", "SEX": "sex",
	"AGE_BAND": "age_band", "GROUP": "group", "POVERTY": "poverty", "PERIOD": "period"}

// exportRows reads a CSV export's rows keyed by the machine names of its
// header ("Mã đơn vị / unit_code" is unit_code).
func exportRows(t *testing.T, body string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("export csv: %v", err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			_, name, _ := strings.Cut(h, " / ")
			row[name] = rec[i]
		}
		out = append(out, row)
	}
	return out
}

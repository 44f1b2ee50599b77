package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"treem/internal/analytics/analyticstest"
	"treem/internal/bulletin"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// bulletinQuarter is 2024-Q2 worked by hand beside the fixture (districts 731
// Biên Hòa with Xã Một 90001, 732 Long Khánh with Xã Ba 90003, 734 Tân Phú
// with Xã Bốn 90004):
//   - gift visits: April 3 (below 5: withheld from an analyst), May 40 + 27 =
//     67, June 12; by occasion, Tết 3 in April and 1 in May of Xã Một (4:
//     withheld), Children's Day 39 in May of Xã Một, 27 of Xã Ba and 12 in
//     June (78), Mid-Autumn none (withheld alike); 82 in all;
//   - swimming: 23 enrolled in May, 4 completed in June (withheld);
//   - children under 5 at the end of June: 90001 100 (97 registered), 90003 3
//     (3: Long Khánh's rate withheld), 90004 50 (49).
const bulletinQuarter = `
fact,2024-04,90001,731,F,6-10,,neither,gift_visits,3
fact,2024-05,90001,731,F,6-10,,neither,gift_visits,40
fact,2024-05,90003,732,M,11-15,,neither,gift_visits,27
fact,2024-06,90004,734,F,6-10,,neither,gift_visits,12
fact,2024-04,90001,731,F,6-10,,neither,gift_visits_tet,3
fact,2024-05,90001,731,F,6-10,,neither,gift_visits_tet,1
fact,2024-05,90001,731,F,6-10,,neither,gift_visits_children_day,39
fact,2024-05,90003,732,M,11-15,,neither,gift_visits_children_day,27
fact,2024-06,90004,734,F,6-10,,neither,gift_visits_children_day,12
fact,2024-05,90001,731,M,6-10,,neither,swim_enrolled,23
fact,2024-06,90001,731,M,6-10,,neither,swim_completed,4
fact,2024-06,90001,731,M,1-4,,neither,children,100
fact,2024-06,90001,731,M,1-4,,neither,birth_registered,97
fact,2024-06,90003,732,F,1-4,,neither,children,3
fact,2024-06,90003,732,F,1-4,,neither,birth_registered,3
fact,2024-06,90004,734,M,0,,neither,children,50
fact,2024-06,90004,734,M,0,,neither,birth_registered,49
`

// addRun records an ETL run's end in the warehouse.
func addRun(t *testing.T, conn clickhouse.Conn, id, status string, finished time.Time) {
	t.Helper()
	ld := &clickhouse.Loader{Conn: conn, BatchRows: 10}
	if err := ld.Insert(context.Background(), "etl_runs", []string{"run_id", "started_at", "finished_at", "mode", "watermark",
		"status", "rows_read", "rows_written", "rejected", "error", "months_to"}, 1, func(int) []any {
		return []any{id, finished.Add(-time.Minute), finished, "incremental", "1", status, "{}", "{}", "{}", "",
			time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)}
	}); err != nil {
		t.Fatal(err)
	}
}

// addGiftVisits loads n more gift visits of Xã Bốn in month, as a later run would.
func addGiftVisits(t *testing.T, conn clickhouse.Conn, month string, n int64, run string) {
	t.Helper()
	m, _ := time.Parse("2006-01", month)
	ld := &clickhouse.Loader{Conn: conn, BatchRows: 10}
	if err := ld.Insert(context.Background(), "fact_child_month", []string{"month", "unit_code", "unit_valid_from", "district_2021",
		"sex", "age_band", "group_code", "poverty", "measure", "value", "ckey", "run_id"}, 1, func(int) []any {
		return []any{m, "90004", time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), "734", "F", "6-10", "", "neither", "gift_visits", n,
			uint32(977), run}
	}); err != nil {
		t.Fatal(err)
	}
}

type bulletinAnswer struct {
	ID, Period, Status, Editorial, HTMLURL, PDFURL string
	RunID                                          *string
	Sections                                       []struct {
		Key, Title string
		Rows       []struct {
			Label    string
			Value    *float64
			Unit     string
			Decimals int
			Status   string
			Target   *float64
		}
	}
}

const bulletinFields = `id period status editorial runId htmlUrl pdfUrl sections { key title rows { label value unit decimals status target } }`

// bulletinWrite runs a bulletin mutation and returns the issue, the payload's
// first problem code or the GraphQL error's code.
func bulletinWrite(t *testing.T, s *testServer, tok, mutation, args string) (bulletinAnswer, string) {
	t.Helper()
	r := s.query(t, tok, fmt.Sprintf("mutation { %s(%s) { bulletin { %s } errors { code field } } }", mutation, args, bulletinFields), nil)
	if len(r.Errors) > 0 {
		return bulletinAnswer{}, r.code()
	}
	var p struct {
		Bulletin *bulletinAnswer
		Errors   []struct{ Code string }
	}
	if err := json.Unmarshal(r.Data[mutation], &p); err != nil {
		t.Fatalf("%s: %v", r.raw, err)
	}
	if len(p.Errors) > 0 {
		return bulletinAnswer{}, p.Errors[0].Code
	}
	return *p.Bulletin, ""
}

func bulletinsOf(t *testing.T, s *testServer, tok string) []bulletinAnswer {
	t.Helper()
	r := s.query(t, tok, `{ bulletins { `+bulletinFields+` } }`, nil)
	var out struct{ Bulletins []bulletinAnswer }
	decode(t, r, &out)
	return out.Bulletins
}

func pdfToText(t *testing.T, pdf string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.pdf")
	if err := os.WriteFile(path, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils, which make test installs): %v", err)
	}
	return string(out)
}

func TestBulletin(t *testing.T) {
	pool := testdb.Postgres(t)
	conn := analyticstest.WarehouseWith(t, bulletinQuarter)
	s := serveWarehouse(t, pool, conn)
	officer := token(t, domain.RoleProvinceOfficer, "75")
	district := token(t, domain.RoleDistrictOfficer, "731")
	commune := token(t, domain.RoleCommuneOfficer, "26002")
	analyst := token(t, domain.RoleAnalyst, "75")
	leader := token(t, domain.RoleLeader, "75")

	var draft bulletinAnswer
	t.Run("each mutation for every role", func(t *testing.T) {
		for who, tok := range map[string]string{"district": district, "commune": commune, "analyst": analyst, "leader": leader} {
			if _, code := bulletinWrite(t, s, tok, "createBulletin", `year: 2024, quarter: 2, editorial: "x"`); code != "FORBIDDEN" {
				t.Errorf("%s creates: %q", who, code)
			}
		}
		var code string
		draft, code = bulletinWrite(t, s, officer, "createBulletin", `year: 2024, quarter: 2, editorial: "Quý II: Tháng hành động vì trẻ em."`)
		if code != "" || draft.Status != "DRAFT" || draft.Period != "2024-Q2" || len(draft.Sections) != 0 || draft.RunID != nil {
			t.Fatalf("create: %q %+v", code, draft)
		}
		for who, tok := range map[string]string{"district": district, "commune": commune, "analyst": analyst, "leader": leader} {
			if _, code := bulletinWrite(t, s, tok, "updateBulletin", `id: "`+draft.ID+`", editorial: "y"`); code != "FORBIDDEN" {
				t.Errorf("%s updates: %q", who, code)
			}
			if _, code := bulletinWrite(t, s, tok, "publishBulletin", `id: "`+draft.ID+`"`); code != "FORBIDDEN" {
				t.Errorf("%s publishes: %q", who, code)
			}
		}
		updated, code := bulletinWrite(t, s, officer, "updateBulletin", `id: "`+draft.ID+`", editorial: "Quý II ở Đồng Nai: Tháng hành động vì trẻ em."`)
		if code != "" || updated.Editorial != "Quý II ở Đồng Nai: Tháng hành động vì trẻ em." {
			t.Fatalf("update: %q %+v", code, updated)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for args, want := range map[string]string{
			`year: 2024, quarter: 5, editorial: "x"`: "INVALID_INPUT",
			`year: 2024, quarter: 0, editorial: "x"`: "INVALID_INPUT",
			`year: 2018, quarter: 1, editorial: "x"`: "INVALID_INPUT",
			`year: 2024, quarter: 1, editorial: ""`:  "INVALID_INPUT",
			`year: 2024, quarter: 2, editorial: "x"`: "CONFLICT", // the draft above
		} {
			if _, code := bulletinWrite(t, s, officer, "createBulletin", args); code != want {
				t.Errorf("createBulletin(%s): %q, want %s", args, code, want)
			}
		}
		if _, code := bulletinWrite(t, s, officer, "updateBulletin", `id: "`+draft.ID+`", editorial: "`+strings.Repeat("a", 10001)+`"`); code != "INVALID_INPUT" {
			t.Errorf("long editorial: %q", code)
		}
	})

	t.Run("a leader cannot read a draft", func(t *testing.T) {
		for who, tok := range map[string]string{"leader": leader, "analyst": analyst, "district": district} {
			if bs := bulletinsOf(t, s, tok); len(bs) != 0 {
				t.Errorf("%s lists %+v", who, bs)
			}
			if body, status, _ := s.get(t, "/export/bulletin/"+strings.TrimPrefix(draft.HTMLURL, "/export/bulletin/"), tok); status != 404 {
				t.Errorf("%s downloads the draft: %d %s", who, status, body)
			}
		}
		r := s.query(t, district, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": draft.ID})
		if len(r.Errors) > 0 || string(r.Data["node"]) != "null" {
			t.Errorf("district officer's node: %s", r.raw)
		}
		r = s.query(t, officer, `query($id: ID!) { node(id: $id) { ... on Bulletin { period status } } }`, map[string]any{"id": draft.ID})
		if string(r.Data["node"]) != `{"period":"2024-Q2","status":"DRAFT"}` {
			t.Errorf("province officer's node: %s", r.raw)
		}
		if bs := bulletinsOf(t, s, officer); len(bs) != 1 || bs[0].Status != "DRAFT" {
			t.Errorf("officer lists %+v", bs)
		}
		if _, status, ct := s.get(t, draft.PDFURL, officer); status != 200 || ct != "application/pdf" {
			t.Errorf("officer's preview: %d %s", status, ct)
		}
	})

	t.Run("publishing refused on a failed or stale run", func(t *testing.T) {
		// The fixture's latest run (run-2, January 2022) failed.
		if _, code := bulletinWrite(t, s, officer, "publishBulletin", `id: "`+draft.ID+`"`); code != "CONFLICT" {
			t.Errorf("after a failed run: %q", code)
		}
		// 17:00 UTC on 30 June is midnight in Vietnam: the quarter's end. A
		// run a minute earlier is stale.
		addRun(t, conn, "run-3", "succeeded", time.Date(2024, 6, 30, 16, 59, 0, 0, time.UTC))
		if _, code := bulletinWrite(t, s, officer, "publishBulletin", `id: "`+draft.ID+`"`); code != "CONFLICT" {
			t.Errorf("after a stale run: %q", code)
		}
		if bs := bulletinsOf(t, s, officer); bs[0].Status != "DRAFT" {
			t.Errorf("a refused publication changed the issue: %+v", bs[0])
		}
	})

	var published bulletinAnswer
	t.Run("published from a run after the quarter, with analyst-level numbers", func(t *testing.T) {
		addRun(t, conn, "run-4", "succeeded", time.Date(2024, 7, 5, 3, 0, 0, 0, time.UTC))
		var code string
		published, code = bulletinWrite(t, s, officer, "publishBulletin", `id: "`+draft.ID+`"`)
		if code != "" || published.Status != "PUBLISHED" || published.RunID == nil || *published.RunID != "run-4" {
			t.Fatalf("publish: %q %+v", code, published)
		}
		if _, code := bulletinWrite(t, s, officer, "publishBulletin", `id: "`+draft.ID+`"`); code != "CONFLICT" {
			t.Errorf("published twice: %q", code)
		}
		if _, code := bulletinWrite(t, s, officer, "updateBulletin", `id: "`+draft.ID+`", editorial: "z"`); code != "CONFLICT" {
			t.Errorf("edited once published: %q", code)
		}
		sections := map[string]int{}
		for i, sec := range published.Sections {
			sections[sec.Key] = i
		}
		gifts := published.Sections[sections["gift_visits"]].Rows
		// The analyst's aggregate of the quarter: the bulletin releases what
		// it releases, and the 4 Tết visits (exact for the officer who
		// published) are withheld, as the Mid-Autumn none.
		var agg struct {
			Aggregate struct {
				Rows []struct {
					Values []struct {
						Value  *float64
						Status string
					}
				}
			}
		}
		decode(t, s.query(t, analyst, `{ aggregate(measures: [GIFT_VISITS_CHILDREN_DAY, GIFT_VISITS_MID_AUTUMN, GIFT_VISITS_TET,
		  GIFT_VISITS], dimensions: [], filter: {period: "2024-Q2"}) { rows { values { value status } } } }`, nil), &agg)
		if len(gifts) != 4 || len(agg.Aggregate.Rows) != 1 || len(agg.Aggregate.Rows[0].Values) != 4 {
			t.Fatalf("gift visits %+v, aggregate %+v", gifts, agg)
		}
		for i, v := range agg.Aggregate.Rows[0].Values {
			if !sameValue(gifts[i].Value, v.Value) || gifts[i].Status != v.Status {
				t.Errorf("%s: bulletin %v %s, analyst %v %s", gifts[i].Label, val(gifts[i].Value), gifts[i].Status,
					val(v.Value), v.Status)
			}
		}
		labels := []string{"Ngày Quốc tế Thiếu nhi 1/6", "Tết Trung thu", "Tết Nguyên đán", "Tất cả các dịp"}
		for i, want := range []float64{78, 0, 4, 82} {
			g := gifts[i]
			withheld := want < 5
			switch {
			case g.Label != labels[i]:
				t.Errorf("gift row %d is %q, want %q", i, g.Label, labels[i])
			case withheld && (g.Value != nil || g.Status != "SUPPRESSED"):
				t.Errorf("%s: %v visits released: %+v", g.Label, want, g)
			// Within 4 of the truth, as every released count.
			case !withheld && (g.Value == nil || math.Abs(*g.Value-want) > 4):
				t.Errorf("%s: %v, want %v ± 4", g.Label, val(g.Value), want)
			}
		}
		swim := published.Sections[sections["swimming"]].Rows
		if len(swim) != 2 || swim[0].Value == nil || math.Abs(*swim[0].Value-23) > 4 || swim[1].Value != nil {
			t.Errorf("swimming: %+v", swim)
		}
		// Long Khánh's 3 of 3 children registered is withheld; the
		// province's (97 + 3 + 49) / (100 + 3 + 50) as the analyst's
		// compareDistricts gives it.
		var cmp struct {
			CompareDistricts struct {
				Province  struct{ Value *float64 }
				Districts []struct {
					OrgUnit struct{ Name string }
					Value   *float64
				}
			}
		}
		decode(t, s.query(t, analyst, `{ compareDistricts(indicator: "birth_registration_u5", period: "2024-Q2") {
		  province { value } districts { orgUnit { name } value } } }`, nil), &cmp)
		rows := published.Sections[sections["comparison"]].Rows
		if !sameValue(rows[0].Value, cmp.CompareDistricts.Province.Value) {
			t.Errorf("province: %v vs %v", val(rows[0].Value), val(cmp.CompareDistricts.Province.Value))
		}
		for i, d := range cmp.CompareDistricts.Districts {
			if rows[i+1].Label != d.OrgUnit.Name || !sameValue(rows[i+1].Value, d.Value) {
				t.Errorf("district %s: bulletin %v, analyst %v", d.OrgUnit.Name, val(rows[i+1].Value), val(d.Value))
			}
			if d.OrgUnit.Name == "Long Khánh" && rows[i+1].Value != nil {
				t.Errorf("Long Khánh's 3 of 3 released: %v", *rows[i+1].Value)
			}
		}
		// The key indicators: each as the analyst's indicatorValues gives it;
		// those the fixture has too few counts for are withheld alike.
		var ivs struct {
			IndicatorValues struct {
				Values []struct {
					Indicator struct{ NameVi string }
					Value     *float64
					Status    string
				}
			}
		}
		key := published.Sections[sections["indicators"]].Rows
		ids := []string{"birth_registration_u5", "special_share", "special_assisted", "abuse_rate", "injury_rate", "injury_death_rate",
			"swimming_6_15", "immunisation_u1", "underweight_u5", "stunting_u5", "preschool_5"}
		decode(t, s.query(t, analyst, `query($ids: [ID!]!) { indicatorValues(ids: $ids, periods: ["2024-Q2"]) {
		  values { indicator { nameVi } value status } } }`, map[string]any{"ids": ids}), &ivs)
		if len(key) != len(ids) || len(ivs.IndicatorValues.Values) != len(ids) {
			t.Fatalf("key indicators %d, analyst's %d, want %d (every child-month indicator with a 2024 target)", len(key),
				len(ivs.IndicatorValues.Values), len(ids))
		}
		for i, v := range ivs.IndicatorValues.Values {
			if key[i].Label != v.Indicator.NameVi || !sameValue(key[i].Value, v.Value) || key[i].Status != v.Status {
				t.Errorf("%s: bulletin %v %s, analyst %v %s", v.Indicator.NameVi, val(key[i].Value), key[i].Status, val(v.Value), v.Status)
			}
		}
		// (97 + 3 + 49) / (100 + 3 + 50) = 97.4 %, whatever the rounding of the
		// counts leaves of it: within a point.
		if key[0].Value == nil || math.Abs(*key[0].Value-97.4) > 1 {
			t.Errorf("birth registration: %v", val(key[0].Value))
		}
		// Every channel had no activity in the fixture: 0 is withheld alike.
		for _, r := range published.Sections[sections["channels"]].Rows {
			if r.Value != nil || r.Status != "SUPPRESSED" {
				t.Errorf("channel %s: %+v", r.Label, r)
			}
		}
		// Leaders and every other role see the published issue.
		for who, tok := range map[string]string{"leader": leader, "analyst": analyst, "commune": commune} {
			if bs := bulletinsOf(t, s, tok); len(bs) != 1 || bs[0].ID != published.ID {
				t.Errorf("%s lists %+v", who, bs)
			}
		}
	})

	t.Run("the 2024-Q2 PDF holds the API's numbers", func(t *testing.T) {
		pdf, status, ct := s.get(t, published.PDFURL, leader)
		if status != 200 || ct != "application/pdf" {
			t.Fatalf("leader's PDF: %d %s", status, ct)
		}
		text := pdfToText(t, pdf)
		for _, want := range []string{bulletin.Title, "Bản tin quý II/2024 — Tỉnh Đồng Nai", "Quý II ở Đồng Nai: Tháng hành động vì trẻ em.", "run-4"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q", want)
			}
		}
		html, status, _ := s.get(t, published.HTMLURL, leader)
		if status != 200 || !strings.Contains(html, "<svg") {
			t.Fatalf("leader's HTML: %d", status)
		}
		// Every row of the API's issue is on one line of the PDF's text with
		// its value, as the renderer writes numbers.
		lines := strings.Split(text, "\n")
		for _, sec := range published.Sections {
			for _, r := range sec.Rows {
				if r.Label == "" {
					t.Errorf("%s: a row without a label", sec.Key)
					continue
				}
				want := bulletin.Withheld
				if r.Value != nil {
					want = bulletin.Number(*r.Value, r.Decimals, r.Unit)
				} else if r.Status == "NO_DATA" {
					want = "chưa có số liệu"
				}
				if !lineWith(lines, r.Label, want) {
					t.Errorf("%s: no line with %q and %q in\n%s", sec.Key, r.Label, want, text)
				}
				if !strings.Contains(html, want) {
					t.Errorf("%s: HTML lacks %q", sec.Key, want)
				}
			}
		}
	})

	t.Run("a published issue is unchanged after a later run", func(t *testing.T) {
		addGiftVisits(t, conn, "2024-05", 500, "run-5")
		addRun(t, conn, "run-5", "succeeded", time.Date(2024, 8, 1, 3, 0, 0, 0, time.UTC))
		var agg struct {
			Aggregate struct {
				Rows []struct{ Values []struct{ Value *float64 } }
			}
		}
		decode(t, s.query(t, analyst, `{ aggregate(measures: [GIFT_VISITS], dimensions: [], filter: {period: "2024-05"}) {
		  rows { values { value } } } }`, nil), &agg)
		if v := agg.Aggregate.Rows[0].Values[0].Value; v == nil || *v < 500 {
			t.Fatalf("the later run did not land: %v", val(v))
		}
		after := bulletinsOf(t, s, leader)
		before, _ := json.Marshal(published)
		now, _ := json.Marshal(after[0])
		if string(before) != string(now) {
			t.Errorf("the published issue changed:\n%s\n%s", before, now)
		}
	})
}

// lineWith reports whether a line holds the start of label (a long label
// wraps) with value on it or on the next line, where a wrapped row's value
// sits.
func lineWith(lines []string, label, value string) bool {
	start := []rune(label)
	if len(start) > 30 {
		start = start[:30]
	}
	for i, l := range lines {
		if !strings.Contains(l, string(start)) {
			continue
		}
		if strings.Contains(l, value) || (i+1 < len(lines) && strings.Contains(lines[i+1], value)) {
			return true
		}
	}
	return false
}

func sameValue(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func val(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

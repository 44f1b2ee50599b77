package seed

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// testGeography is a small unit history with the shapes of the real one: a
// 2024 merger, a 2025 merger with a direct 2021 → 2025 edge, a split
// (partial-main / partial-minor), a type change without a crosswalk edge,
// and two units formed from Bình Phước.
func testGeography(t *testing.T) *Geography {
	t.Helper()
	d := func(y int, m time.Month, dd int) civil.Day { return civil.DayOf(y, m, dd) }
	u := func(id int32, code, name, typ, level string, parent int32, from, to civil.Day, bp bool) Unit {
		return Unit{ID: id, Code: code, Name: name, Type: typ, Level: level, ParentID: parent, From: from, To: to, BinhPhuoc: bp}
	}
	y19, nov24, jul25, apr26 := d(2019, 1, 1), d(2024, 11, 1), d(2025, 7, 1), d(2026, 4, 30)
	units := []Unit{
		u(1, "75", "Đồng Nai", "Tỉnh", "province", 0, y19, civil.NoDay, false),
		u(2, "731", "Biên Hòa", "Thành phố", "district", 1, y19, jul25, false),
		u(3, "741", "Xuân Lộc", "Huyện", "district", 1, y19, jul25, false),
		u(10, "26038", "Hòa Bình", "Phường", "commune", 2, y19, nov24, false),
		u(11, "26023", "Quang Vinh", "Phường", "commune", 2, y19, nov24, false),
		u(12, "26023", "Quang Vinh", "Phường", "commune", 2, nov24, jul25, false),
		u(13, "26449", "Xuân Tâm", "Xã", "commune", 3, y19, jul25, false),
		u(14, "26425", "Gia Ray", "Thị trấn", "commune", 3, y19, jul25, false),
		u(20, "26041", "Trấn Biên", "Phường", "commune", 1, jul25, apr26, false),
		u(22, "26041", "Trấn Biên", "Phường", "commune", 1, apr26, civil.NoDay, false),
		u(21, "26446", "Xuân Hòa", "Xã", "commune", 1, jul25, apr26, false),
		u(23, "26446", "Xuân Hòa", "Phường", "commune", 1, apr26, civil.NoDay, false),
		u(30, "25333", "An Lộc", "Phường", "commune", 1, jul25, civil.NoDay, true),
		u(31, "25195", "Bình Phước", "Phường", "commune", 1, jul25, civil.NoDay, true),
	}
	edges := []Edge{
		{nov24, 10, 12, "full"}, {nov24, 11, 12, "full"},
		{jul25, 10, 20, "full"}, // direct 2021 → 2025 edge of a unit absorbed in 2024
		{jul25, 12, 20, "full"},
		{jul25, 13, 20, "partial-main"}, {jul25, 13, 21, "partial-minor"},
		{jul25, 14, 21, "full"},
		{apr26, 20, 22, "full"},
	}
	g, err := NewGeography(units, edges)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var testToday = civil.DayOf(2026, 11, 28)

// collect runs every table of g into memory.
func collect(g *Generator) map[string][][]any {
	out := map[string][][]any{}
	for i, t := range Tables() {
		g.rows(uint64(i), t, NoProgress{}, func(vals ...any) {
			out[t.Name] = append(out[t.Name], append([]any(nil), vals...))
		}, func() bool { return true })
	}
	return out
}

func column(t *testing.T, table, name string) int {
	t.Helper()
	for _, tb := range Tables() {
		if tb.Name == table {
			for i, c := range tb.Columns {
				if c == name {
					return i
				}
			}
		}
	}
	t.Fatalf("no column %s.%s", table, name)
	return -1
}

func dayOf(v any) civil.Day {
	switch x := v.(type) {
	case time.Time:
		return civil.DayFromTime(x.In(domain.Vietnam))
	case nil:
		return civil.NoDay
	}
	panic(fmt.Sprintf("not a date: %T", v))
}

func digest(rows [][]any) uint64 {
	h := fnv.New64a()
	for _, r := range rows {
		fmt.Fprintln(h, r...)
	}
	return h.Sum64()
}

func TestSameSeedSameData(t *testing.T) {
	geo := testGeography(t)
	a := collect(NewGenerator(7, 2000, testToday, geo, fiveAndSeven))
	b := collect(NewGenerator(7, 2000, testToday, geo, fiveAndSeven))
	c := collect(NewGenerator(8, 2000, testToday, geo, fiveAndSeven))
	differs := 0
	for _, tb := range Tables() {
		if len(a[tb.Name]) == 0 && tb.Name != "protection_case" {
			t.Errorf("%s: no rows", tb.Name)
		}
		if digest(a[tb.Name]) != digest(b[tb.Name]) {
			t.Errorf("%s: same seed, different rows", tb.Name)
		}
		if digest(a[tb.Name]) != digest(c[tb.Name]) {
			differs++
		}
	}
	if differs < 15 {
		t.Errorf("another seed changed only %d tables", differs)
	}
}

func TestChildrenCountIsExact(t *testing.T) {
	geo := testGeography(t)
	for _, n := range []int{1, 2, 3, 17, 1000} {
		rows := collect(NewGenerator(1, n, testToday, geo, fiveAndSeven))
		if got := len(rows["child"]); got != n {
			t.Errorf("n=%d: %d children", n, got)
		}
		for i, r := range rows["child"] {
			if r[0].(int64) != int64(i)+1 {
				t.Fatalf("n=%d: child %d has id %v", n, i, r[0])
			}
		}
	}
}

func TestSplitFollowsRelation(t *testing.T) {
	geo := testGeography(t)
	r := rand.New(rand.NewPCG(1, 2))
	main := 0
	const n = 20000
	for range n {
		next, ok := geo.successor(r, geo.Unit(13))
		if !ok {
			t.Fatal("no successor of a split unit")
		}
		if next.ID == 20 {
			main++
		}
	}
	// partial-main 0.85 against partial-minor 0.05: 0.85 / 0.90 = 0.944.
	if share := float64(main) / n; share < 0.935 || share > 0.955 {
		t.Errorf("partial-main share %.3f, want about 0.944", share)
	}
	// The direct 2021 → 2025 edge does not apply at the 2024 end of Hòa Bình.
	if next, _ := geo.successor(r, geo.Unit(10)); next.ID != 12 {
		t.Errorf("Hòa Bình (ended 2024-11-01) went to unit %d, want 12", next.ID)
	}
	// A type change without an edge continues in the same code's next version.
	if next, ok := geo.successor(r, geo.Unit(21)); !ok || next.ID != 23 {
		t.Errorf("Xuân Hòa 2026 successor: %v %v, want 23", next, ok)
	}
}

// fiveAndSeven are the case_deadline counts without any holiday, for tests
// that do not look at deadlines.
var fiveAndSeven = domain.CaseRules{PlanDraftDays: 5, PlanApprovalDays: 7}

func TestWorkingDays(t *testing.T) {
	var days []domain.PublicHoliday
	for _, d := range []civil.Day{civil.DayOf(2026, 4, 27), civil.DayOf(2026, 4, 30), civil.DayOf(2026, 5, 1),
		civil.DayOf(2025, 4, 30), civil.DayOf(2025, 5, 1), civil.DayOf(2025, 5, 2)} {
		days = append(days, domain.PublicHoliday{Day: d.Time(), Kind: domain.DayHoliday})
	}
	days = append(days, domain.PublicHoliday{Day: civil.DayOf(2025, 4, 26).Time(), Kind: domain.DayWorkingDay})
	g := &Generator{rules: domain.CaseRules{Calendar: domain.NewCalendar(days), PlanDraftDays: 5, PlanApprovalDays: 7}}
	for _, tc := range []struct {
		from civil.Day
		n    int
		want civil.Day
	}{
		// Tuesday → next Tuesday over one weekend.
		{civil.DayOf(2026, 3, 3), 5, civil.DayOf(2026, 3, 10)},
		// Friday 24/4: Mon 27/4 holiday, Tue 28 (1), Wed 29 (2), Thu 30/4 and Fri 1/5 holidays,
		// Mon 4/5 (3), Tue 5/5 (4), Wed 6/5 (5).
		{civil.DayOf(2026, 4, 24), 5, civil.DayOf(2026, 5, 6)},
		// Saturday → the following Friday.
		{civil.DayOf(2026, 3, 7), 5, civil.DayOf(2026, 3, 13)},
		// Wed 23/4/2025: Thu 24 (1), Fri 25 (2), Sat 26 worked (3), Mon 28 (4), Tue 29 (5); 30/4 to 2/5 off,
		// Mon 5 (6), Tue 6 (7).
		{civil.DayOf(2025, 4, 23), 5, civil.DayOf(2025, 4, 29)},
		{civil.DayOf(2025, 4, 23), 7, civil.DayOf(2025, 5, 6)},
	} {
		if got := g.addWorkingDays(tc.from, tc.n); got != tc.want {
			t.Errorf("%s + %d working days = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestWeightedChoices(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name   string
		list   weighted
		item   string
		lo, hi float64
	}{
		{"drowning among injury deaths (45/100)", deathCauses, "drowning", 0.445, 0.455},
		{"disability among first circumstances (480/941)", circumstanceGroups, "DISABLED", 0.504, 0.516},
		{"Kinh in Đồng Nai (920/1000)", ethnicityDongNai, "Kinh", 0.915, 0.925},
		{"Nguyễn (380/955)", familyNames, "Nguyễn", 0.392, 0.404},
	} {
		hits := 0
		const n = 200000
		for range n {
			if tc.list.pick(r) == tc.item {
				hits++
			}
		}
		if share := float64(hits) / n; share < tc.lo || share > tc.hi {
			t.Errorf("%s: %.4f, want in [%.3f, %.3f]", tc.name, share, tc.lo, tc.hi)
		}
	}
}

// generated is one test province in memory with per-child facts.
type generated struct {
	rows       map[string][][]any
	birth      map[int64]civil.Day
	index      map[int64]int
	male       map[int64]bool
	firstDay   map[int64]civil.Day
	firstUnit  map[int64]int32
	bp         map[int64]bool
	death      map[int64]civil.Day
	geo        *Geography
	households map[int64]int64
}

var (
	realOnce  sync.Once
	realGeo   *Geography
	realRules domain.CaseRules
	realErr   error
)

// realGeography is the unit history of a freshly migrated database (the
// database itself is dropped with the first test that asks).
func realGeography(t *testing.T) (*Geography, domain.CaseRules) {
	t.Helper()
	realOnce.Do(func() {
		pool := testdb.Postgres(t)
		ctx := context.Background()
		tx, err := pool.Begin(ctx)
		if err != nil {
			realErr = err
			return
		}
		defer tx.Rollback(ctx)
		if realGeo, realErr = LoadGeography(ctx, tx); realErr == nil {
			realRules, realErr = postgres.LoadCaseRules(ctx, tx)
		}
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realGeo, realRules
}

// generate runs every table of n children over the real unit history.
func generate(t *testing.T, n int) *generated {
	t.Helper()
	geo, rules := realGeography(t)
	g := NewGenerator(11, n, testToday, geo, rules)
	out := &generated{rows: collect(g), birth: map[int64]civil.Day{}, index: map[int64]int{}, male: map[int64]bool{},
		firstDay: map[int64]civil.Day{}, firstUnit: map[int64]int32{}, bp: map[int64]bool{}, death: map[int64]civil.Day{}, geo: geo}
	for i, r := range out.rows["child"] {
		id := r[0].(int64)
		out.birth[id] = dayOf(r[3])
		out.index[id] = i
		out.male[id] = r[2] == "M"
		out.death[id] = dayOf(r[9])
	}
	for _, r := range out.rows["child_residence"] {
		id, from := r[1].(int64), dayOf(r[3])
		if f, ok := out.firstDay[id]; !ok || from < f {
			out.firstDay[id], out.firstUnit[id] = from, r[2].(int32)
			out.bp[id] = geo.Unit(r[2].(int32)).BinhPhuoc
		}
	}
	return out
}

// eventDates lists, per child table, the column holding the event date.
var eventDates = map[string]string{
	"child_residence": "valid_from", "birth_registration": "registered_on", "residence_registration": "registered_on",
	"insurance_card": "valid_from", "child_circumstance": "started_on", "child_risk_flag": "started_on",
	"protection_case": "received_at", "injury": "occurred_on", "support": "given_on", "swimming_enrolment": "enrolled_on",
	"gift_visit": "visited_on", "immunisation": "fully_immunised_on", "nutrition_measurement": "measured_on",
	"health_checkup": "checked_on",
}

// takenOver are the records that may predate a child's first residence on the
// platform (they carry the first residence unit): see DESIGN in seed.go.
var takenOver = map[string]bool{"birth_registration": true, "immunisation": true, "insurance_card": true, "child_circumstance": true}

func TestEventsFollowBirthAndUnits(t *testing.T) {
	p := generate(t, 10000)
	bad := map[string]int{}
	for table, dateCol := range eventDates {
		dc, cc := column(t, table, dateCol), column(t, table, "child_id")
		uc := -1
		if table != "insurance_card" && table != "child_circumstance" && table != "child_risk_flag" && table != "swimming_enrolment" {
			uc = column(t, table, "unit_id")
		}
		for _, r := range p.rows[table] {
			id, d := r[cc].(int64), dayOf(r[dc])
			if d < p.birth[id] {
				bad[table+" before birth"]++
				if table != "injury" || p.index[id]%badRowEvery != 777 {
					t.Errorf("%s of child %d on %s, born %s", table, id, d, p.birth[id])
				}
			}
			if d > testToday {
				bad[table+" in the future"]++
				if table != "health_checkup" || p.index[id]%badRowEvery != 1777 {
					t.Errorf("%s of child %d in the future: %s", table, id, d)
				}
			}
			if p.death[id] != civil.NoDay && d > p.death[id] {
				t.Errorf("%s of child %d on %s after death on %s", table, id, d, p.death[id])
			}
			if d < p.firstDay[id] && !takenOver[table] && !(table == "injury" && d < p.birth[id]) {
				t.Errorf("%s of child %d on %s before first residence %s", table, id, d, p.firstDay[id])
			}
			if uc < 0 {
				continue
			}
			unit := p.geo.Unit(r[uc].(int32))
			switch {
			case d < p.firstDay[id]:
				if unit.ID != p.firstUnit[id] {
					t.Errorf("%s of child %d before first residence on unit %d, want first unit %d", table, id, unit.ID, p.firstUnit[id])
				}
			case table == "health_checkup" && d > testToday:
			case !unit.ValidOn(d):
				t.Errorf("%s of child %d on %s in unit %d valid %s–%s", table, id, d, unit.ID, unit.From, unit.To)
			}
		}
	}
	for _, r := range p.rows["school_attendance"] {
		if u, d := p.geo.Unit(r[2].(int32)), civil.DayOf(int(r[3].(int32)), 9, 5); !u.ValidOn(d) || d < p.firstDay[r[1].(int64)] {
			t.Errorf("school year %d of child %v in unit %d valid %s–%s", r[3], r[1], u.ID, u.From, u.To)
		}
	}
	// Exactly the documented bad rows: child index 777 (injury before birth)
	// and 1777 (check-up in the future).
	want := map[string]int{"injury before birth": 1, "health_checkup in the future": 1}
	if fmt.Sprint(bad) != fmt.Sprint(want) {
		t.Errorf("bad rows %v, want %v", bad, want)
	}
}

func TestUnitTablesOnValidUnits(t *testing.T) {
	p := generate(t, 100)
	for table, col := range map[string]string{"swimming_class": "starts_on", "communication_activity": "held_on",
		"plan_activity": "due_on", "periodic_report": "due_on", "service_point": "opened_on", "training_course": "starts_on",
		"inspection": "planned_from", "inspection_finding": "found_on", "children_event": "ends_on", "forum_recommendation": "raised_on"} {
		uc, dc := column(t, table, "unit_id"), column(t, table, col)
		for _, r := range p.rows[table] {
			if u, d := p.geo.Unit(r[uc].(int32)), dayOf(r[dc]); !u.ValidOn(d) || d > testToday {
				t.Errorf("%s on %s in unit %d valid %s–%s", table, d, u.ID, u.From, u.To)
			}
		}
	}
	// Both end dates of a class lie in its unit's validity.
	for _, r := range p.rows["swimming_class"] {
		if u := p.geo.Unit(r[1].(int32)); !u.ValidOn(dayOf(r[4])) {
			t.Errorf("class ends %s outside unit %d", dayOf(r[4]), u.ID)
		}
	}
	// District reports until the district level ended, commune reports after.
	for _, r := range p.rows["periodic_report"] {
		level := p.geo.Unit(r[1].(int32)).Level
		if due := dayOf(r[3]); (due < MergerDay) != (level == "district") {
			t.Errorf("report due %s filed by a %s", due, level)
		}
	}
}

func TestBinhPhuocChildrenOnlyFromMerger(t *testing.T) {
	p := generate(t, 5000)
	n := 0
	for _, r := range p.rows["child_residence"] {
		id := r[1].(int64)
		if p.bp[id] {
			n++
			if d := dayOf(r[3]); d < MergerDay {
				t.Errorf("Bình Phước child %d resident from %s", id, d)
			}
		}
		if u := p.geo.Unit(r[2].(int32)); u.BinhPhuoc != p.bp[id] {
			t.Errorf("child %d moved across the former provincial border", id)
		}
	}
	if n == 0 {
		t.Fatal("no Bình Phước children")
	}
}

func share(hits, total int) float64 { return 100 * float64(hits) / float64(total) }

func TestDistributions(t *testing.T) {
	p := generate(t, 20000)
	mid := civil.DayOf(2026, 6, 30)
	present := func(id int64, d civil.Day) bool {
		return p.firstDay[id] <= d && (p.death[id] == civil.NoDay || p.death[id] >= d)
	}
	var boys, girls int
	for id := range p.birth {
		if p.male[id] {
			boys++
		} else {
			girls++
		}
	}
	// Birth registration of children born 2020 to mid-2025.
	born, registered, within60 := 0, 0, 0
	reg := map[int64]civil.Day{}
	for _, r := range p.rows["birth_registration"] {
		reg[r[0].(int64)] = dayOf(r[2])
	}
	for id, b := range p.birth {
		if b >= civil.DayOf(2020, 1, 1) && b < civil.DayOf(2025, 7, 1) {
			born++
			if d, ok := reg[id]; ok {
				registered++
				if d-b <= 60 {
					within60++
				}
			}
		}
	}
	// Special circumstances among under-16s on 2026-06-30.
	under16, inCirc := 0, map[int64]bool{}
	for id, b := range p.birth {
		if present(id, mid) && civil.AgeOn(b, mid) < 16 {
			under16++
		}
	}
	for _, r := range p.rows["child_circumstance"] {
		id, from, to := r[1].(int64), dayOf(r[3]), dayOf(r[4])
		if from <= mid && (to == civil.NoDay || to >= mid) && present(id, mid) && civil.AgeOn(p.birth[id], mid) < 16 {
			inCirc[id] = true
		}
	}
	// Poverty over household-years.
	poorN, nearN := 0, 0
	for _, r := range p.rows["household_poverty"] {
		switch r[2] {
		case "poor":
			poorN++
		case "near_poor":
			nearN++
		}
	}
	hhYears := len(p.rows["household_poverty"])
	// Nutrition.
	uw, st := 0, 0
	for _, r := range p.rows["nutrition_measurement"] {
		if r[6].(bool) {
			uw++
		}
		if r[7].(bool) {
			st++
		}
	}
	nm := len(p.rows["nutrition_measurement"])
	// Measurements at 0–23 completed months (the 1,000-days programme's
	// band): the campaign measures 1 to 59 months, so about 23 in 59.
	nm2, uw2 := 0, 0
	for _, r := range p.rows["nutrition_measurement"] {
		if civil.MonthsOn(p.birth[r[1].(int64)], dayOf(r[3])) < 24 {
			nm2++
			if r[6].(bool) {
				uw2++
			}
		}
	}
	// Immunisation of Đồng Nai children born 2020–2024.
	imm := map[int64]bool{}
	for _, r := range p.rows["immunisation"] {
		imm[r[0].(int64)] = true
	}
	cohort, immunised := 0, 0
	for id, b := range p.birth {
		if !p.bp[id] && b >= civil.DayOf(2020, 1, 1) && b < civil.DayOf(2025, 1, 1) && (p.death[id] == civil.NoDay || p.death[id] > b+365) {
			cohort++
			if imm[id] {
				immunised++
			}
		}
	}
	// Preschool at 5 and insurance under 6 on 2026-06-30.
	five, fiveIn := 0, 0
	for _, r := range p.rows["school_attendance"] {
		id := r[1].(int64)
		if int(r[3].(int32))-p.birth[id].Year() == 5 {
			five++
			if r[5].(bool) {
				fiveIn++
			}
		}
	}
	under6, insured := 0, map[int64]bool{}
	for id, b := range p.birth {
		if present(id, mid) && civil.AgeOn(b, mid) < 6 {
			under6++
		}
	}
	for _, r := range p.rows["insurance_card"] {
		id := r[1].(int64)
		if dayOf(r[3]) <= mid && dayOf(r[4]) > mid && present(id, mid) {
			insured[id] = true
		}
	}
	// Non-fatal injuries per 100,000 under-16s present on 1 July, from the
	// history's first year to 2025.
	injuries, exposure := 0, 0
	for _, r := range p.rows["injury"] {
		if d := dayOf(r[3]); r[5] == "injured" && d.Year() <= 2025 && d >= HistoryStart && d >= p.birth[r[1].(int64)] {
			injuries++
		}
	}
	for y := HistoryStart.Year(); y <= 2025; y++ {
		july := civil.DayOf(y, 7, 1)
		for id, b := range p.birth {
			if present(id, july) && b <= july && civil.AgeOn(b, july) < 16 {
				exposure++
			}
		}
	}
	for _, tc := range []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"boys per 100 girls", 100 * float64(boys) / float64(girls), 106, 118},
		{"birth registration %", share(registered, born), 96.5, 99.3},
		{"registered within 60 days %", share(within60, registered), 80, 92},
		{"special circumstances % of under-16s", share(len(inCirc), under16), 4.5, 7.5},
		{"poor household-years %", share(poorN, hhYears), 1.5, 4.5},
		{"near-poor household-years %", share(nearN, hhYears), 2.8, 6},
		{"underweight %", share(uw, nm), 7.5, 11},
		{"stunting %", share(st, nm), 13, 19},
		{"measured at 0-23 months %", share(nm2, nm), 33, 45},
		{"underweight at 0-23 months %", share(uw2, nm2), 7, 11.5},
		{"fully immunised before 1 %", share(immunised, cohort), 94.5, 97.5},
		{"5-year-olds in preschool %", share(fiveIn, five), 97.5, 100},
		{"under-6s insured %", share(len(insured), under6), 91, 97.5},
		{"injuries per 100,000 children a year", 1e5 * float64(injuries) / float64(exposure), 420, 650},
	} {
		if tc.got < tc.lo || tc.got > tc.hi {
			t.Errorf("%s = %.2f, want in [%.1f, %.1f]", tc.name, tc.got, tc.lo, tc.hi)
		} else {
			t.Logf("%s = %.2f", tc.name, tc.got)
		}
	}
}

func TestProtectionCaseTimings(t *testing.T) {
	var rows [][]any
	var rules domain.CaseRules
	for i, tb := range Tables() {
		if tb.Name == "protection_case" {
			var geo *Geography
			geo, rules = realGeography(t)
			NewGenerator(5, 60000, testToday, geo, rules).rows(uint64(i), tb, NoProgress{},
				func(vals ...any) { rows = append(rows, vals) }, func() bool { return true })
		}
	}
	if len(rows) < 50 {
		t.Fatalf("only %d cases for 60,000 children over 8 years", len(rows))
	}
	col := func(name string) int { return column(t, "protection_case", name) }
	late, open, emergencies := 0, 0, 0
	for _, r := range rows {
		rec := r[col("received_at")].(time.Time)
		if dl := r[col("emergency_deadline")].(time.Time); !dl.Equal(rec.Add(12 * time.Hour)) {
			t.Errorf("emergency deadline %s for a case received %s", dl, rec)
		}
		// Each step after its predecessor, as the table's checks require.
		prev := rec
		for _, c := range []string{"initial_assessed_at", "detailed_assessed_at", "plan_drafted_at", "plan_approved_at",
			"in_progress_at", "reviewed_at", "closed_at"} {
			if v, ok := r[col(c)].(time.Time); ok {
				if v.Before(prev) {
					t.Errorf("%s %s before previous step %s", c, v, prev)
				}
				prev = v
			}
		}
		// The deadlines are those the API would fix (domain.CaseRules over the migrated calendar).
		if dl, want := r[col("plan_deadline")].(time.Time), rules.PlanDeadline(rec); !dl.Equal(want) {
			t.Errorf("plan deadline %s for a case received %s, want %s", dl, rec, want)
		}
		if dl, want := r[col("approval_deadline")].(time.Time), rules.ApprovalDeadline(rec); !dl.Equal(want) {
			t.Errorf("approval deadline %s for a case received %s, want %s", dl, rec, want)
		}
		if v, ok := r[col("plan_drafted_at")].(time.Time); ok && v.After(r[col("plan_deadline")].(time.Time)) {
			late++
		}
		if r[col("closed_at")] == nil {
			open++
		}
		if r[col("emergency_measures_at")] != nil {
			emergencies++
		}
	}
	if late == 0 || late > len(rows)/2 || open == 0 || emergencies == 0 {
		t.Errorf("cases: %d, late plans %d, open %d, emergencies %d", len(rows), late, open, emergencies)
	}
}

// BenchmarkGenerate measures the generator alone (no database): every table
// of 10,000 children per iteration.
func BenchmarkGenerate(b *testing.B) {
	t := &testing.T{}
	g := NewGenerator(1, 10000, testToday, testGeography(t), fiveAndSeven)
	rows := 0
	for b.Loop() {
		for i, tb := range Tables() {
			g.rows(uint64(i), tb, NoProgress{}, func(vals ...any) { rows++ }, func() bool { return true })
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func TestEarlierToday(t *testing.T) {
	geo, rules := realGeography(t)
	today := civil.DayOf(2023, 6, 30)
	rows := collect(NewGenerator(2, 3000, today, geo, rules))
	if len(rows["child"]) != 3000 {
		t.Fatalf("%d children", len(rows["child"]))
	}
	for _, r := range rows["child_residence"] {
		if u := geo.Unit(r[2].(int32)); u.BinhPhuoc || !u.ValidOn(dayOf(r[3])) || dayOf(r[3]) > today {
			t.Errorf("residence in unit %d from %s with history ending %s", u.ID, dayOf(r[3]), today)
		}
	}
	for _, r := range rows["child"] {
		if b := dayOf(r[3]); b > today {
			t.Errorf("child born %s after %s", b, today)
		}
	}
}

func TestTextIsNFC(t *testing.T) {
	rows := collect(NewGenerator(4, 2000, testToday, testGeography(t), fiveAndSeven))
	for table, cols := range map[string][]string{"child": {"full_name", "ethnicity", "address"},
		"support": {"provider"}, "swimming_class": {"name"}, "communication_activity": {"topic"},
		"plan_activity": {"title"}, "service_point": {"name"}, "training_course": {"topic", "trainer"}, "inspection_finding": {"summary"},
		"inspection_recommendation": {"text"}, "children_event": {"title", "theme"}, "forum_recommendation": {"text"}} {
		for _, name := range cols {
			c := column(t, table, name)
			for _, r := range rows[table] {
				if s, _ := r[c].(string); !norm.NFC.IsNormalString(s) || s == "" {
					t.Fatalf("%s.%s %q is not NFC text", table, name, s)
				}
			}
		}
	}
}

// TestActivitiesHavePlausibleChannels: every channel of the plan is drawn,
// each reach lies in its channel's range (within domain.MaxReach), some
// reaches are unknown, and only campaigns and other activities have
// participants in person.
func TestActivitiesHavePlausibleChannels(t *testing.T) {
	p := generate(t, 100)
	cc, rc, pc := column(t, "communication_activity", "channel"), column(t, "communication_activity", "reach"),
		column(t, "communication_activity", "participants")
	seen, unknown := map[string]bool{}, 0
	for _, r := range p.rows["communication_activity"] {
		ch := r[cc].(string)
		seen[ch] = true
		if r[rc] == nil {
			unknown++
		} else if n, span := int(r[rc].(int32)), reachRange[ch]; n < span[0] || n > span[1] || n > domain.MaxReach {
			t.Errorf("%s reach %d outside %v", ch, n, span)
		}
		if inPerson := ch == "campaign" || ch == "other"; inPerson != (r[pc].(int32) > 0) {
			t.Errorf("%s with %d participants", ch, r[pc])
		}
	}
	for _, ch := range domain.CommunicationChannels {
		if !seen[ch] {
			t.Errorf("no activity on %s", ch)
		}
	}
	if n := len(p.rows["communication_activity"]); unknown == 0 || unknown == n {
		t.Errorf("%d of %d reaches unknown", unknown, n)
	}
	if len(reachRange) != len(domain.CommunicationChannels) {
		t.Errorf("reach ranges for %d channels, the plan has %d", len(reachRange), len(domain.CommunicationChannels))
	}
}

// TestChildrenEventsArePlausible: every seeded event passes the API's checks
// (an Action Month in June, its children counted), and its forum's
// recommendations are answered on time, late, or not yet, never before the
// forum nor after today.
func TestChildrenEventsArePlausible(t *testing.T) {
	p := generate(t, 100)
	events := map[int64]domain.ChildrenEvent{}
	for _, r := range p.rows["children_event"] {
		e := domain.ChildrenEvent{ID: r[0].(int64), Kind: r[2].(string), StartsOn: r[3].(time.Time), EndsOn: r[4].(time.Time),
			Title: r[5].(string), Theme: r[6].(string), Officials: int(r[7].(int32))}
		events[e.ID] = e
	}
	for _, r := range p.rows["children_event_participant"] {
		e := events[r[0].(int64)]
		e.Participants = append(e.Participants, domain.EventParticipants{AgeBand: r[1].(string), Female: int(r[2].(int32)), Male: int(r[3].(int32))})
		events[e.ID] = e
	}
	kinds := map[string]int{}
	for _, e := range events {
		kinds[e.Kind]++
		if err := e.Validate(testToday.Time()); err != nil {
			t.Errorf("event %d: %v", e.ID, err)
		}
	}
	statuses := map[domain.ForumRecommendationStatus]int{}
	for _, r := range p.rows["forum_recommendation"] {
		e := events[r[1].(int64)]
		rec := domain.ForumRecommendation{RaisedOn: r[3].(time.Time), DueOn: r[4].(time.Time)}
		if a := dayOf(r[8]); a != civil.NoDay {
			on := a.Time()
			rec.AnsweredOn = &on
			if a < dayOf(r[3]) || a > testToday {
				t.Errorf("recommendation %d answered on %s", r[0], a)
			}
		}
		if e.Kind != domain.KindChildrenForum || !rec.RaisedOn.Equal(e.EndsOn) || !rec.DueOn.Equal(domain.ForumAnswerDue(e.EndsOn)) {
			t.Errorf("recommendation %d of event %+v", r[0], e)
		}
		statuses[rec.Status()]++
	}
	if kinds[domain.KindActionMonth] == 0 || kinds[domain.KindChildrenForum] == 0 || len(statuses) != 3 {
		t.Errorf("kinds %v, statuses %v: want both kinds and every status", kinds, statuses)
	}
}

package etl

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/internal/civil"
	"treem/internal/extract"
	"treem/internal/indicators"
)

func d(s string) civil.Day {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return civil.DayFromTime(t)
}

// TestPovertyNamesAreTheContract: the ETL numbers poverty statuses and sexes
// its own way for its arrays; the names it writes are the contract's.
func TestPovertyNamesAreTheContract(t *testing.T) {
	if !slices.Equal(slices.Sorted(slices.Values(povertyNames)), slices.Sorted(slices.Values(indicators.Poverty))) {
		t.Errorf("the ETL writes poverty %v, the contract says %v", povertyNames, indicators.Poverty)
	}
	for _, s := range []string{"unknown", "poor", "near_poor", "neither"} {
		if povertyNames[PovertyCode(s)] != s {
			t.Errorf("PovertyCode(%q) names %q", s, povertyNames[PovertyCode(s)])
		}
	}
	// The aggregator codes 'F' as 1 (aggregate.go), the rest as 0.
	if !slices.Equal(indicators.Sexes, []string{"M", "F"}) {
		t.Errorf("the ETL codes sexes M=0, F=1; the contract lists %v", indicators.Sexes)
	}
}

func TestAgeBand(t *testing.T) {
	tests := []struct {
		age  int
		want string
	}{{0, "0"}, {1, "1-4"}, {4, "1-4"}, {5, "5"}, {6, "6-10"}, {10, "6-10"}, {11, "11-15"}, {15, "11-15"}, {16, "16-17"}, {17, "16-17"}}
	for _, tt := range tests {
		if got := indicators.AgeBands[AgeBand(tt.age)]; got != tt.want {
			t.Errorf("AgeBand(%d) = %s, want %s", tt.age, got, tt.want)
		}
	}
	for _, age := range []int{-1, 18, 40} {
		if AgeBand(age) != -1 {
			t.Errorf("AgeBand(%d) should be outside the bands", age)
		}
	}
}

func TestAgeOnAndMonths(t *testing.T) {
	tests := []struct {
		birth, on string
		want      int
	}{
		{"2020-03-10", "2021-03-09", 0},
		{"2020-03-10", "2021-03-10", 1},
		{"2004-02-29", "2022-02-28", 17}, // a leap-day child comes of age on 1 March
		{"2004-02-29", "2022-03-01", 18},
		{"2016-06-15", "2021-06-30", 5},
	}
	for _, tt := range tests {
		if got := civil.AgeOn(d(tt.birth), d(tt.on)); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tt.birth, tt.on, got, tt.want)
		}
	}
	// Months count from January 2016: June 2021 is 5 years and 5 months on.
	if got := MonthIndex(d("2021-06-30")); got != 65 {
		t.Errorf("MonthIndex(2021-06-30) = %d, want 65", got)
	}
	if MonthStart(65) != d("2021-06-01") || MonthEnd(65) != d("2021-06-30") || MonthEnd(49) != d("2020-02-29") {
		t.Errorf("month bounds wrong: %s %s %s", MonthStart(65), MonthEnd(65), MonthEnd(49))
	}
	if got := d("2024-02-29").AddYears(1); got != d("2025-03-01") {
		t.Errorf("AddYears on 29 February = %s, want 2025-03-01", got)
	}
}

// testUnits: commune 1 (2019 → 2025-07-01) merged into 2 (2025-07-01 → open);
// commune 3 split with its main part into 2.
func testUnits() *Units {
	return NewUnits([]extract.Unit{
		{ID: 1, Code: "26053", ValidFrom: d("2019-01-01"), ValidTo: d("2025-07-01"), District2021: "731"},
		{ID: 2, Code: "26068", ValidFrom: d("2025-07-01"), ValidTo: civil.NoDay, District2021: "731"},
		{ID: 3, Code: "26059", ValidFrom: d("2019-01-01"), ValidTo: d("2025-07-01"), District2021: "731"},
		{ID: 4, Code: "26999", ValidFrom: d("2025-07-01"), ValidTo: civil.NoDay, District2021: "732"},
	}, []extract.Edge{
		{From: 1, To: 2, Effective: d("2025-07-01"), Relation: "full"},
		{From: 3, To: 4, Effective: d("2025-07-01"), Relation: "partial-minor"},
		{From: 3, To: 2, Effective: d("2025-07-01"), Relation: "partial-main"},
	})
}

func TestUnitsResolve(t *testing.T) {
	us := testUnits()
	tests := []struct {
		id   int32
		on   string
		want int32
	}{
		{1, "2021-06-30", 1},
		{1, "2025-06-30", 1},
		{1, "2025-07-01", 2},  // merged: the child lives in the new unit
		{3, "2025-07-31", 2},  // split: the larger part
		{1, "2018-12-31", 0},  // before the version
		{2, "2025-06-30", 0},  // the new unit did not exist yet
		{99, "2021-01-01", 0}, // unknown unit
	}
	for _, tt := range tests {
		if got := us.Resolve(tt.id, d(tt.on)); got != tt.want {
			t.Errorf("Resolve(%d, %s) = %d, want %d", tt.id, tt.on, got, tt.want)
		}
	}
}

func TestCheckEvent(t *testing.T) {
	us := testUnits()
	c := &extract.Child{Sex: 'F', Birth: d("2010-05-01"), Death: civil.NoDay}
	asOf := d("2026-01-15")
	tests := []struct {
		name string
		e    extract.Event
		want string
	}{
		{"fine", extract.Event{Unit: 1, Day: d("2021-06-01")}, ""},
		{"before birth", extract.Event{Unit: 1, Day: d("2010-04-30")}, RejectBeforeBirth},
		{"future", extract.Event{Unit: 2, Day: d("2026-01-16")}, RejectFuture},
		{"unit ended", extract.Event{Kind: extract.EvInjury, Unit: 1, Day: d("2025-07-01")}, RejectUnitNotValid},
		{"unit not yet", extract.Event{Kind: extract.EvCase, Unit: 2, Day: d("2025-06-30")}, RejectUnitNotValid},
		{"unknown unit", extract.Event{Kind: extract.EvGift, Unit: 42, Day: d("2021-06-01")}, RejectUnitNotValid},
		// A Bình Phước child registered before the merger carries the 2025 unit:
		// a status, counted where the child lives, so not a bad row.
		{"status on a unit not yet valid", extract.Event{Kind: extract.EvBirthRegistration, Unit: 2, Day: d("2020-03-01")}, ""},
		{"status before birth", extract.Event{Kind: extract.EvImmunisation, Unit: 1, Day: d("2010-04-30")}, RejectBeforeBirth},
		{"before the history", extract.Event{Unit: 1, Day: d("2012-01-01")}, ""},
		{"18th birthday", extract.Event{Unit: 2, Day: d("2028-05-01")}, RejectFuture},
	}
	for _, tt := range tests {
		if got := CheckEvent(c, &tt.e, us, asOf); got != tt.want {
			t.Errorf("%s: CheckEvent = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := CheckEvent(c, &extract.Event{Unit: 2, Day: d("2028-05-01")}, us, d("2030-01-01")); got != RejectAdult {
		t.Errorf("event on the 18th birthday = %q, want %q", got, RejectAdult)
	}
}

// cell builds a key for the assertions below.
func cell(month string, unit int32, sex string, band string, group uint8, pov uint8, measure indicators.MeasureID) CellKey {
	k := CellKey{Month: int16(MonthIndex(d(month))), Unit: unit, Group: group, Poverty: pov, Measure: measure}
	if sex == "F" {
		k.Sex = 1
	}
	for i, b := range indicators.AgeBands {
		if b == band {
			k.Band = uint8(i)
		}
	}
	return k
}

func TestAggregatorStocksAndFlows(t *testing.T) {
	us := testUnits()
	a := NewAggregator(us, d("2025-08-15"), testSecret)
	// A girl born 2020-03-10 in commune 1, poor in 2021, card valid
	// 2020-03-10..2023-03-09, weighed underweight in May 2021, fully
	// immunised before her first birthday; the commune merges into 2 in 2025.
	a.AddChild(&extract.Child{Sex: 'F', Birth: d("2020-03-10"), Death: civil.NoDay, Commune: 1,
		Poverty: []extract.YearStatus{{Year: 2021, Status: extract.PovertyPoor}},
		Cards:   []extract.Period{{From: d("2020-03-10"), To: d("2023-03-09")}},
		Events: []extract.Event{
			{Kind: extract.EvNutrition, Unit: 1, Day: d("2021-05-01"), Flag1: true},
			{Kind: extract.EvImmunisation, Unit: 1, Day: d("2021-02-01")},
			{Kind: extract.EvSupport, Unit: 1, Day: d("2021-06-02")},
			{Kind: extract.EvSupport, Unit: 1, Day: d("2021-06-20")},
			{Kind: extract.EvGift, Unit: 1, Day: d("2025-09-01")}, // after asOf
		}})
	want := map[CellKey]uint64{
		cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.Children):           1,
		cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.Insured):            1,
		cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.MeasuredU5):         1,
		cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.UnderweightU5):      1,
		cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.Supported):          1, // distinct child
		cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.SupportEvents):      2,
		cell("2021-03-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.TurnedOne):          1,
		cell("2021-03-01", 1, "F", "1-4", 0, extract.PovertyPoor, indicators.TurnedOneImmunised): 1,
		cell("2020-03-01", 1, "F", "0", 0, extract.PovertyUnknown, indicators.Births):            1,
		cell("2025-07-01", 2, "F", "5", 0, extract.PovertyUnknown, indicators.Children):          1, // after the merger
		cell("2025-06-01", 1, "F", "5", 0, extract.PovertyUnknown, indicators.Children):          1,
		cell("2023-03-01", 1, "F", "1-4", 0, extract.PovertyUnknown, indicators.Insured):         0, // card ended 9 March
		cell("2022-05-01", 1, "F", "1-4", 0, extract.PovertyUnknown, indicators.MeasuredU5):      0, // 12 months after weighing
		cell("2022-04-01", 1, "F", "1-4", 0, extract.PovertyUnknown, indicators.MeasuredU5):      1,
	}
	cells := a.Cells()
	for k, v := range want {
		if cells[k] != v {
			t.Errorf("cell %+v = %d, want %d", k, cells[k], v)
		}
	}
	if a.Rejected[RejectFuture] != 1 {
		t.Errorf("rejected = %v, want one future event", a.Rejected)
	}
	// Months: 2020-03 .. 2025-08 is 66 month ends alive and resident.
	var months uint64
	for k, v := range cells {
		if k.Measure == indicators.Children {
			months += v
		}
	}
	if months != 66 {
		t.Errorf("child counted in %d month ends, want 66", months)
	}
}

// TestSubtractChild: a birth date corrected from 10 July to 5 August 2025
// takes the boy out of the July month-end stock and moves his birth from July
// to August; his August stock keeps its band, cell and record key. Worked out
// by hand: three cells change, nothing else, and each key changes by the
// opposite of the old record's key where the old record goes.
func TestSubtractChild(t *testing.T) {
	us := testUnits()
	asOf := d("2025-08-15")
	before := &extract.Child{ID: 7, Sex: 'M', Birth: d("2025-07-10"), Death: civil.NoDay, Commune: 2}
	old := NewAggregator(us, asOf, testSecret)
	old.AddChild(before)
	oldCells := maps.Collect(old.All())

	change := NewAggregator(us, asOf, testSecret)
	change.AddChild(&extract.Child{ID: 7, Sex: 'M', Birth: d("2025-08-05"), Death: civil.NoDay, Commune: 2})
	change.SubtractChild(before, asOf)
	got := map[CellKey]int64{}
	for k, v := range change.All() {
		got[k] = v.N
		if v.N < 0 && v.Key != -oldCells[k].Key {
			t.Errorf("cell %+v: key change %d, want the opposite of the old key %d", k, v.Key, oldCells[k].Key)
		}
	}
	want := map[CellKey]int64{
		cell("2025-07-01", 2, "M", "0", 0, extract.PovertyUnknown, indicators.Children): -1,
		cell("2025-07-01", 2, "M", "0", 0, extract.PovertyUnknown, indicators.Births):   -1,
		cell("2025-08-01", 2, "M", "0", 0, extract.PovertyUnknown, indicators.Births):   1,
	}
	if !maps.Equal(got, want) {
		t.Errorf("change = %v, want %v", got, want)
	}
	old.SubtractChild(before, asOf)
	for k, v := range old.All() {
		t.Fatalf("a child taken away from the aggregator it was counted in left cell %+v = %+v", k, v)
	}
}

// TestSubtractChildAsOfItsRun: a ledger input counted on 10 August, before
// the boy's injury of 12 August happened, is taken away as of 10 August: the
// injury it never counted is not taken away, and its rejection is not the
// current run's.
func TestSubtractChildAsOfItsRun(t *testing.T) {
	us := testUnits()
	boy := &extract.Child{ID: 8, Sex: 'M', Birth: d("2025-07-02"), Death: civil.NoDay, Commune: 2,
		Events: []extract.Event{{Kind: extract.EvInjury, Unit: 2, Day: d("2025-08-12"), Code: "fall"}}}
	then := NewAggregator(us, d("2025-08-10"), testSecret)
	then.AddChild(boy)
	if then.Rejected[RejectFuture] != 1 {
		t.Fatalf("the run of 10 August rejected %v, want the injury as in the future", then.Rejected)
	}
	a := NewAggregator(us, d("2025-08-15"), testSecret)
	a.AddChild(boy)
	a.SubtractChild(boy, d("2025-08-10"))
	injured := cell("2025-08-01", 2, "M", "0", 0, extract.PovertyUnknown, indicators.Injured)
	got := maps.Collect(a.All())
	if got[injured].N != 1 {
		t.Errorf("injured in August = %+v, want 1", got[injured])
	}
	for k, v := range got {
		if v.N != 1 || !strings.Contains(k.Measure.Name(), "injur") {
			t.Errorf("cell %s %+v = %+v changed; only the injury's cells may", k.Measure.Name(), k, v)
		}
	}
	if len(a.Rejected) != 0 {
		t.Errorf("rejections %v counted while taking the old input away", a.Rejected)
	}
}

func TestAnonymizeBlocks(t *testing.T) {
	us := testUnits()
	a := NewAggregator(us, d("2025-08-15"), testSecret)
	a.AddChild(&extract.Child{Sex: 'M', Birth: d("2025-07-05"), Death: civil.NoDay, Commune: 2})
	blocks := 0
	n, err := Anonymize(a.All(), us, []string{"ORPHAN_BOTH"}, 2, func(b *FactBlock) error {
		blocks++
		if b.Len() > 2 {
			t.Errorf("block of %d rows, want at most 2", b.Len())
		}
		for i := range b.Value {
			if b.UnitCode[i] != "26068" || b.District2021[i] != "731" || b.Value[i] != 1 || b.Measure[i] == "" {
				t.Errorf("unexpected row %d: %s %s %d %s", i, b.UnitCode[i], b.District2021[i], b.Value[i], b.Measure[i])
			}
		}
		return nil
	})
	// July and August month-end stocks and the July birth.
	if err != nil || n != 3 || blocks != 2 {
		t.Fatalf("Anonymize: %d rows in %d blocks (err %v), want 3 rows in 2 blocks", n, blocks, err)
	}

	// A block stays as emitted until emit returns for the next one, which
	// lets the caller insert it meanwhile.
	var prev *FactBlock
	var prevRow string
	row := func(b *FactBlock) string {
		return fmt.Sprint(b.Month[0], b.UnitCode[0], b.Measure[0], b.Value[0], b.CKey[0])
	}
	if _, err := Anonymize(a.All(), us, nil, 1, func(b *FactBlock) error {
		if prev != nil && row(prev) != prevRow {
			t.Errorf("the block emitted before was changed before emit returned for the next one")
		}
		if b == prev {
			t.Errorf("the block emitted before is emitted again at once")
		}
		prev, prevRow = b, row(b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestIdentifyingColumn(t *testing.T) {
	tests := []struct {
		table, col, typ string
		want            bool
	}{
		{"fact_child_month", "unit_code", "String", false},
		{"fact_child_month", "month", "Date", false},
		{"fact_child_month", "value", "UInt64", false},
		{"dim_unit", "name", "String", false},
		{"fact_child_month", "full_name", "String", true},
		{"fact_child_month", "birth_date", "Date", true},
		{"fact_child_month", "child_id", "UInt64", true},
		{"fact_child_month", "household_id", "UInt64", true},
		{"fact_child_month", "address", "String", true},
		{"fact_child_month", "phone", "String", true},
		{"fact_child_month", "identity_number", "String", true},
		{"fact_child_month", "visited_on", "Date", true},
		{"fact_child_month", "name", "String", true},
	}
	for _, tt := range tests {
		if got := IdentifyingColumn(tt.table, tt.col, tt.typ); got != tt.want {
			t.Errorf("IdentifyingColumn(%s.%s %s) = %v, want %v", tt.table, tt.col, tt.typ, got, tt.want)
		}
	}
	if n := IDLikeValues([]string{"26053", "731", "M", "012345678901", "GD4797912345678"}); n != 2 {
		t.Errorf("IDLikeValues found %d, want 2", n)
	}
}

// TestEveryMeasureCounted: the ETL computes every measure of the contract
// (internal/indicators owns the list; a measure the aggregator never counts
// would read as zero everywhere). Two children between them have every kind
// of record.
func TestEveryMeasureCounted(t *testing.T) {
	a := NewAggregator(testUnits(), d("2021-12-31"), testSecret)
	a.AddChild(&extract.Child{ID: 1, Sex: 'F', Birth: d("2019-03-10"), Death: civil.NoDay, Commune: 1, Events: []extract.Event{
		{Kind: extract.EvBirthRegistration, Unit: 1, Day: d("2019-04-01")},
		{Kind: extract.EvImmunisation, Unit: 1, Day: d("2019-12-01")},
		{Kind: extract.EvNutrition, Unit: 1, Day: d("2020-06-01"), Flag1: true, Flag2: true},
		{Kind: extract.EvCheckup, Unit: 1, Day: d("2020-06-01")},
	}})
	b := &extract.Child{ID: 2, Sex: 'M', Birth: d("2014-06-01"), Death: civil.NoDay, Commune: 1,
		Cards:         []extract.Period{{From: d("2019-01-01"), To: d("2021-12-31")}},
		Circumstances: []extract.Period{{Group: 6, LawDrug: true, From: d("2019-01-01"), To: civil.NoDay}},
		Events: []extract.Event{
			{Kind: extract.EvPreschool, Unit: 1, Day: d("2019-09-01")},
			{Kind: extract.EvSwim, Unit: 1, Day: d("2020-06-01"), Day2: d("2020-07-01")},
			{Kind: extract.EvSupport, Unit: 1, Day: d("2020-05-01")},
			{Kind: extract.EvGift, Unit: 1, Day: d("2020-05-02")},
			{Kind: extract.EvInjury, Unit: 1, Day: d("2020-08-01"), Code: "drowning", Flag1: true},
		}}
	for i, ct := range indicators.CaseTypes {
		b.Events = append(b.Events, extract.Event{Kind: extract.EvCase, Unit: 1, Day: d("2020-01-01") + civil.Day(i), Day2: d("2020-03-01"),
			Code: ct, Flag1: true, Flag2: true})
	}
	for i, o := range indicators.GiftOccasions {
		b.Events = append(b.Events, extract.Event{Kind: extract.EvGift, Unit: 1, Day: d("2020-09-01") + civil.Day(i), Code: o})
	}
	a.AddChild(b)
	counted := map[string]bool{}
	for k, v := range a.Cells() {
		counted[k.Measure.Name()] = counted[k.Measure.Name()] || v > 0
	}
	for _, m := range indicators.Measures() {
		if !counted[m.Name] {
			t.Errorf("measure %s is never counted", m.Name)
		}
	}
}

// TestDistinctFlowsBeforeHistory: a case in December 2018 (loaded as history,
// never as a cell) belongs to 2018's quarter, half year and year, so a case in
// January 2019 is the first of its own and counts in every variant.
func TestDistinctFlowsBeforeHistory(t *testing.T) {
	a := NewAggregator(testUnits(), d("2019-06-30"), testSecret)
	a.AddChild(&extract.Child{Sex: 'M', Birth: d("2010-01-01"), Death: civil.NoDay, Commune: 1, Events: []extract.Event{
		{Kind: extract.EvCase, Unit: 1, Day: d("2018-12-20"), Code: "violence"},
		{Kind: extract.EvCase, Unit: 1, Day: d("2019-01-10"), Code: "violence"},
	}})
	cells := a.Cells()
	for _, k := range indicators.VariantKinds {
		if c := cell("2019-01-01", 1, "M", "6-10", 0, extract.PovertyUnknown, indicators.Abused.Variant(k)); cells[c] != 1 {
			t.Errorf("abused variant for %v in January 2019 = %d, want 1", k, cells[c])
		}
	}
}

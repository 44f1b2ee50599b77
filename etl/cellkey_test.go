package etl

import (
	"maps"
	"testing"

	"treem/internal/civil"
	"treem/internal/extract"
	"treem/internal/indicators"
)

// TestCellKeysSumTheRecords: a cell's key is the sum of its records' keys,
// worked out here record by record: two children counted in one cell, and one
// child's support events in two months, which a question over both months
// adds up to the same key as their records.
func TestCellKeysSumTheRecords(t *testing.T) {
	us := testUnits()
	a := NewAggregator(us, d("2021-12-31"), testSecret)
	girl := &extract.Child{ID: 11, Sex: 'F', Birth: d("2020-03-10"), Death: civil.NoDay, Commune: 1,
		Events: []extract.Event{{Kind: extract.EvSupport, Unit: 1, Day: d("2021-06-02")}, {Kind: extract.EvSupport, Unit: 1, Day: d("2021-07-09")}}}
	twin := &extract.Child{ID: 12, Sex: 'F', Birth: d("2020-03-10"), Death: civil.NoDay, Commune: 1}
	a.AddChild(girl)
	a.AddChild(twin)
	keys := newChildKeys(testSecret)
	got := map[CellKey]Count{}
	maps.Insert(got, a.All())

	june := cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyUnknown, indicators.Children)
	wantKey := recordKey(keys.of(11), d("2021-06-30")) + recordKey(keys.of(12), d("2021-06-30"))
	if got[june] != (Count{N: 2, Key: wantKey}) {
		t.Errorf("June children = %+v, want 2 with key %d", got[june], wantKey)
	}
	jun := got[cell("2021-06-01", 1, "F", "1-4", 0, extract.PovertyUnknown, indicators.SupportEvents)]
	jul := got[cell("2021-07-01", 1, "F", "1-4", 0, extract.PovertyUnknown, indicators.SupportEvents)]
	if jun.Key != recordKey(keys.of(11), d("2021-06-02")) || jul.Key != recordKey(keys.of(11), d("2021-07-09")) {
		t.Errorf("support events: June %+v, July %+v", jun, jul)
	}
	// Another secret gives other keys; the counts do not change.
	b := NewAggregator(us, d("2021-12-31"), []byte("another cell-key secret"))
	b.AddChild(girl)
	b.AddChild(twin)
	other := map[CellKey]Count{}
	maps.Insert(other, b.All())
	if other[june].N != 2 || other[june].Key == wantKey {
		t.Errorf("another secret: %+v", other[june])
	}
	if KeyID(testSecret) == KeyID([]byte("another cell-key secret")) || KeyID(testSecret) != KeyID(testSecret) {
		t.Error("KeyID does not tell secrets apart")
	}
}

// TestMergeAddsKeys: worker aggregators merge into the same cells and keys
// as one aggregator counting every child.
func TestMergeAddsKeys(t *testing.T) {
	us := testUnits()
	children := []*extract.Child{
		{ID: 1, Sex: 'M', Birth: d("2019-02-01"), Death: civil.NoDay, Commune: 1},
		{ID: 2, Sex: 'M', Birth: d("2019-02-03"), Death: civil.NoDay, Commune: 1},
		{ID: 3, Sex: 'F', Birth: d("2018-05-05"), Death: civil.NoDay, Commune: 2,
			Circumstances: []extract.Period{{Group: 1, From: d("2020-01-01"), To: civil.NoDay}}},
	}
	one := NewAggregator(us, d("2021-12-31"), testSecret)
	w1, w2 := NewAggregator(us, d("2021-12-31"), testSecret), NewAggregator(us, d("2021-12-31"), testSecret)
	for i, c := range children {
		one.AddChild(c)
		[]*Aggregator{w1, w2}[i%2].AddChild(c)
	}
	w1.Merge(w2)
	want, got := map[CellKey]Count{}, map[CellKey]Count{}
	maps.Insert(want, one.All())
	maps.Insert(got, w1.All())
	if len(want) != len(got) {
		t.Fatalf("%d cells merged, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("cell %+v = %+v, want %+v", k, got[k], v)
		}
	}
}

package graph_test

import (
	"testing"

	"treem/graph/model"
	"treem/internal/analytics"
	"treem/internal/indicators"
)

// TestMeasureEnumIsTheContract: the schema's Measure enum names every
// measure of the warehouse contract a caller may ask for, and no other: the
// export, which takes names as text, and the API answer the same set.
func TestMeasureEnumIsTheContract(t *testing.T) {
	inEnum := map[string]bool{}
	for _, m := range model.AllMeasure {
		name, err := analytics.MeasureOf(string(m))
		if err != nil {
			t.Errorf("enum value %s is no measure of the contract: %v", m, err)
		}
		inEnum[name] = true
	}
	for _, name := range indicators.MeasureNames() {
		if m, _ := indicators.LookupMeasure(name); m.VariantOf == "" && !inEnum[name] {
			t.Errorf("measure %s of the contract is missing from the schema's Measure enum", name)
		}
	}
}

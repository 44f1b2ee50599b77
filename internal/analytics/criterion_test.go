package analytics

import (
	"testing"

	"treem/internal/disclosure"
)

// TestCriterionValueNeverExceedsItsWhole: numerator and denominator are
// perturbed independently, so 6 immunised of 6 one-year-olds may be released
// as 10 of 5. Every criterion numerator is a part of its denominator, so the
// value shown is at most 100 % (and a per-1,000 rate at most 1,000).
func TestCriterionValueNeverExceedsItsWhole(t *testing.T) {
	pol := disclosure.Policy{K: 5, KSensitive: 10, MinDenominator: 1}
	tests := []struct {
		name     string
		num, den uint64
		factor   float64
		want     float64
	}{
		{"10 of 5 released", 10, 5, 100, 100},
		{"15 of 10 per 1,000", 15, 10, 1000, 1000},
		{"5 of 10", 5, 10, 100, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			num := disclosure.Count{Value: tt.num, Status: disclosure.OK}
			den := disclosure.Count{Value: tt.den, Status: disclosure.OK}
			k, shown, _ := criterionKnown(pol, tt.factor, num, den, false)
			if shown == nil || *shown != tt.want || k.Hi != tt.want {
				t.Fatalf("shown %v, known %+v, want %v", shown, k, tt.want)
			}
		})
	}
}

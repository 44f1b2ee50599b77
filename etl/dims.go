package etl

import "treem/internal/extract"

// AgeBand returns the index in indicators.AgeBands of an age in completed
// years (at month end for stocks, at the event for flows), or -1 outside 0–17.
func AgeBand(age int) int {
	switch {
	case age < 0 || age >= 18:
		return -1
	case age == 0:
		return 0
	case age <= 4:
		return 1
	case age == 5:
		return 2
	case age <= 10:
		return 3
	case age <= 15:
		return 4
	default:
		return 5
	}
}

// The names are indicators.Poverty's, in the order of the extract.Poverty codes
// (TestPovertyNamesAreTheContract).
var povertyNames = []string{"unknown", "poor", "near_poor", "neither"}

// PovertyCode maps the Postgres status text to its index (unknown for others).
func PovertyCode(status string) uint8 {
	for i, n := range povertyNames {
		if n == status {
			return uint8(i)
		}
	}
	return extract.PovertyUnknown
}

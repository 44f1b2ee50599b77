package extract

import "testing"

// TestRowsKindsAreDistinct: each kind of row has its own bit, so that a run
// reading some kinds again never takes another kind for one of them.
func TestRowsKindsAreDistinct(t *testing.T) {
	var seen Rows
	kinds := []Rows{ResidenceRows, CardRows, CircumstanceRows}
	for k := range eventKinds {
		kinds = append(kinds, EventRows(k))
	}
	for i, r := range kinds {
		if r == 0 || r&(r-1) != 0 {
			t.Errorf("kind %d is %b, want one bit", i, r)
		}
		if seen&r != 0 {
			t.Errorf("kind %d (%b) shares its bit with another kind", i, r)
		}
		seen |= r
	}
	if AllRows&seen != seen {
		t.Errorf("AllRows %b lacks some kinds of %b", AllRows, seen)
	}
}

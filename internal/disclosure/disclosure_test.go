package disclosure

import (
	"testing"
)

func TestCount(t *testing.T) {
	p := For(false)
	tests := []struct {
		name      string
		v         uint64
		sensitive bool
		status    Status
		lo, hi    uint64 // released value lies in [lo, hi] and is a multiple of 5
	}{
		{"zero is withheld like a small count", 0, false, Suppressed, 0, 0},
		{"sensitive zero", 0, true, Suppressed, 0, 0},
		{"one", 1, false, Suppressed, 0, 0},
		{"four", 4, false, Suppressed, 0, 0},
		{"five", 5, false, OK, 5, 5},
		{"seven", 7, false, OK, 5, 10},
		{"sensitive nine", 9, true, Suppressed, 0, 0},
		{"sensitive ten", 10, true, OK, 10, 10},
		{"sensitive twelve", 12, true, OK, 10, 15},
		{"large", 1234, false, OK, 1230, 1235},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Count(tt.v, tt.sensitive, 0x9e3779b9)
			if got.Status != tt.status {
				t.Fatalf("status %s, want %s", got.Status, tt.status)
			}
			if got.Released() && (got.Value < tt.lo || got.Value > tt.hi || got.Value%5 != 0) {
				t.Fatalf("value %d outside [%d, %d] or not a multiple of 5", got.Value, tt.lo, tt.hi)
			}
		})
	}
	exact := For(true)
	for _, v := range []uint64{0, 1, 3, 7, 1234} {
		if got := exact.Count(v, true, 12345); got.Value != v || got.Status != OK {
			t.Fatalf("exact Count(%d) = %+v", v, got)
		}
	}
}

// TestConsistent: the same count and cell key always get the same released
// value, and different keys round both ways.
func TestConsistent(t *testing.T) {
	p := For(false)
	up, down := 0, 0
	for i := uint32(0); i < 200; i++ {
		key := i * 0x01000193
		a, b := p.Count(1003, false, key), p.Count(1003, false, key)
		if a != b {
			t.Fatalf("key %d released %d then %d", key, a.Value, b.Value)
		}
		if a.Value == 1005 {
			up++
		} else {
			down++
		}
	}
	if up == 0 || down == 0 {
		t.Fatalf("200 keys rounded %d up and %d down", up, down)
	}
}

// TestRoundingUnbiased: over many cells, rounding 1003 up happens about 3/5 of
// the time, so totals of many rounded cells stay close to the truth.
func TestRoundingUnbiased(t *testing.T) {
	p := For(false)
	var sum uint64
	const n = 20000
	for i := 0; i < n; i++ {
		sum += p.Count(1003, false, uint32(i)*2654435761).Value
	}
	mean := float64(sum) / n
	if mean < 1002.8 || mean > 1003.2 {
		t.Fatalf("mean released %.3f, want ≈1003", mean)
	}
}

// TestDifferencingLeavesSeveralCandidates: an attacker who knows a released
// total R(T) and a released part R(M), and that the rest X = T - M was
// suppressed (1 ≤ X < k), is left with at least two values of X, whatever the
// true counts and whichever way each was rounded.
func TestDifferencingLeavesSeveralCandidates(t *testing.T) {
	for _, k := range []uint64{DefaultK, DefaultKSensitive} {
		for m := k; m < k+15; m++ {
			for x := uint64(1); x < k; x++ {
				tot := m + x
				for _, rt := range roundings(tot) {
					for _, rm := range roundings(m) {
						cands := 0
						for xc := uint64(1); xc < k; xc++ {
							if feasible(rt, rm, xc, k) {
								cands++
							}
						}
						if cands < 2 {
							t.Fatalf("k=%d T=%d M=%d released %d, %d: only %d candidate", k, tot, m, rt, rm, cands)
						}
					}
				}
			}
		}
	}
}

// roundings lists the values v may be released as.
func roundings(v uint64) []uint64 {
	if v%DefaultBase == 0 {
		return []uint64{v}
	}
	lo := v - v%DefaultBase
	return []uint64{lo, lo + DefaultBase}
}

// feasible reports whether some true T', M' consistent with the released
// values give T' - M' = x.
func feasible(rt, rm, x, k uint64) bool {
	for m := k; m <= rm+DefaultBase; m++ {
		if !contains(roundings(m), rm) || !contains(roundings(m+x), rt) {
			continue
		}
		return true
	}
	return false
}

func contains(s []uint64, v uint64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestRate(t *testing.T) {
	p := For(false)
	ok := func(v uint64) Count { return Count{Value: v, Status: OK} }
	tests := []struct {
		name     string
		num, den Count
		factor   float64
		want     float64
		has      bool
		status   Status
	}{
		{"plain", ok(45), ok(50), 100, 90, true, OK},
		{"per 100k", ok(5), ok(100000), 100000, 5, true, OK},
		{"suppressed numerator", Count{Status: Suppressed}, ok(500), 100, 0, false, Suppressed},
		{"suppressed denominator", ok(0), Count{Status: Suppressed}, 100, 0, false, Suppressed},
		{"small denominator", ok(10), ok(25), 100, 40, true, Unstable},
		{"zero denominator", ok(0), ok(0), 100, 0, false, Unstable},
		{"denominator at limit", ok(15), ok(30), 100, 50, true, OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Rate(tt.num, tt.den, tt.factor)
			if got.Status != tt.status || got.HasValue != tt.has || (tt.has && got.Value != tt.want) {
				t.Fatalf("Rate = %+v, want %v %v %s", got, tt.want, tt.has, tt.status)
			}
		})
	}
}

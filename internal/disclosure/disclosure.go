// Package disclosure applies statistical disclosure control to analytics
// answers. It is pure: thresholds are parameters and the randomness is the
// cell key that comes with every count.
//
// # Method: the cell-key method
//
// The reference is the cell-key method of the Australian Bureau of Statistics
// (TableBuilder; the 2021 census of England and Wales). Every record counted
// in the warehouse (a child at a month end, an event) carries a fixed
// pseudo-random 32-bit key derived from a secret the API never sees; every
// warehouse row stores the sum of its records' keys (mod 2^32) beside its
// count, and any cell of an answer, however it was asked for, adds up the
// rows of its population: its key is the sum of its records' keys. The same
// population therefore has the same (count, key) whether it was asked for as
// 2024, as 2014-01..2024-12 (empty months add nothing), as the sum of a
// breakdown, in an export or on the dashboard. For every role below province
// officer:
//
//  1. Counts from 0 to k−1 are withheld, status SUPPRESSED, value null: k is
//     5, or 10 for sensitive measures (abuse, sexual abuse, trafficking, HIV,
//     drug use, conflict with the law). A zero is withheld like a small count
//     so that counting the non-empty cells of a fine breakdown tells nothing
//     about a withheld total (every cell reads "fewer than k"), and the rows
//     of a breakdown are its whole domain, not the cells that hold someone.
//  2. Every other count v is released by the perturbation table below, looked
//     up with the cell's key u: unbiased random rounding to a multiple of 5.
//     With r = v mod 5, v is released as v−r+5 when mix(u)/2^32 < r/5, else
//     as v−r (mix: a fixed bijective bit mixer, so that the additive
//     structure of keys does not carry into the decision). Each released
//     value is within 4 of the truth and unbiased; the decision is fixed by
//     the population, so repeating or rephrasing a question never draws a
//     second value to average.
//
// Residual risk. Differencing: a withheld cell equal to a released total minus
// released parts carries every term's rounding error (up to ±4 each), so one
// difference leaves several candidates (TestDifferencingLeavesSeveralCandidates
// checks every case); intersecting many decompositions of one cell narrows
// the candidates only when each term happened to round to its extreme, which
// is the known limit of rounding methods and which the attacker tests in
// package graph check on the fixture. Keys: a key reveals nothing without the
// secret, but two rows of one child carry related keys, so the raw grain is
// readable only by the ETL and the API (see the README's threat model).
//
// Derived numbers (rates, shares, scores, bands, ranks, changes) are computed
// by the callers from released values only; a rate over a withheld count is
// withheld. A rate over a denominator below MinDenominator (30) is flagged
// UNSTABLE for every role: a small-number warning, not a privacy rule.
//
// Province officers see exact values: they may already read the rows.
package disclosure

// Status is the disclosure status of a released value.
type Status string

// The statuses a client sees.
const (
	OK         Status = "OK"
	Suppressed Status = "SUPPRESSED"
	Unstable   Status = "UNSTABLE"
	// NoData: the period begins after the last month the warehouse holds, so
	// there is nothing to release, not a small count.
	NoData Status = "NO_DATA"
)

// Policy is the disclosure rule for one caller.
type Policy struct {
	// Exact releases every value unchanged (province officers).
	Exact bool
	// K and KSensitive are the primary suppression thresholds.
	K, KSensitive uint64
	// Base is the rounding base for released counts.
	Base uint64
	// MinDenominator flags rates over smaller denominators UNSTABLE.
	MinDenominator uint64
}

// Default thresholds.
const (
	DefaultK              = 5
	DefaultKSensitive     = 10
	DefaultBase           = 5
	DefaultMinDenominator = 30
)

// For returns the policy of a caller: exact for roles that see exact counts,
// else the default thresholds.
func For(exact bool) Policy {
	return Policy{Exact: exact, K: DefaultK, KSensitive: DefaultKSensitive, Base: DefaultBase,
		MinDenominator: DefaultMinDenominator}
}

// Count is a released count: Value is meaningful only when Status is not
// SUPPRESSED.
type Count struct {
	Value  uint64
	Status Status
}

// Released reports whether the count has a value.
func (c Count) Released() bool { return c.Status != Suppressed }

// Threshold is the primary suppression threshold for a cell.
func (p Policy) Threshold(sensitive bool) uint64 {
	if sensitive {
		return p.KSensitive
	}
	return p.K
}

// Count releases the true count v of a cell whose records' keys sum to key.
func (p Policy) Count(v uint64, sensitive bool, key uint32) Count {
	if p.Exact {
		return Count{Value: v, Status: OK}
	}
	if v < p.Threshold(sensitive) {
		return Count{Status: Suppressed}
	}
	return Count{Value: p.perturb(v, key), Status: OK}
}

// perturb is the perturbation table: random rounding to Base with the coin
// drawn from the cell key.
func (p Policy) perturb(v uint64, key uint32) uint64 {
	if p.Base <= 1 {
		return v
	}
	r := v % p.Base
	if r == 0 {
		return v
	}
	if uint64(mix32(key))*p.Base < r<<32 { // mix(key)/2^32 < r/Base
		return v - r + p.Base
	}
	return v - r
}

// mix32 is a bijective 32-bit finaliser (MurmurHash3's fmix32).
func mix32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x85ebca6b
	x ^= x >> 13
	x *= 0xc2b2ae35
	return x ^ x>>16
}

// Rate is a released rate: Value is meaningful only when HasValue.
type Rate struct {
	Value    float64
	HasValue bool
	Status   Status
}

// Rate derives numerator/denominator×factor from two released counts.
func (p Policy) Rate(num, den Count, factor float64) Rate {
	if !num.Released() || !den.Released() {
		return Rate{Status: Suppressed}
	}
	if den.Value == 0 {
		return Rate{Status: Unstable}
	}
	r := Rate{Value: float64(num.Value) / float64(den.Value) * factor, HasValue: true, Status: OK}
	if den.Value < p.MinDenominator {
		r.Status = Unstable
	}
	return r
}

// Package disclosure applies statistical disclosure control to analytics
// answers. It is pure: thresholds and the rounding key are parameters.
//
// # Method
//
// Every answer is made of counts of children (or events) in a cell: a set of
// communes, months, sexes, age bands, circumstance groups and poverty
// statuses for one measure. For any role below province officer:
//
//  1. Primary suppression by the cell's own value: a count from 1 to k-1 is
//     withheld (value null, status SUPPRESSED). k is 5, or 10 for sensitive
//     measures (abuse, sexual abuse, trafficking, HIV, drug use, conflict with
//     the law; circumstance_group.sensitive). The decision depends only on the
//     cell, so the same cell is suppressed in every query and export.
//  2. Every other non-zero count is released rounded to a multiple of Base (5)
//     by unbiased random rounding whose coin is an HMAC of the cell's
//     canonical key under a server secret: a count v = 5q + r is released as
//     5q with probability 1-r/5 and 5q+5 with probability r/5. The key names
//     the cell's population, not the query (the same communes, months, sexes,
//     bands, group, poverty and measure give the same key however they were
//     asked for), so a cell always has the same released value: repeating or
//     rephrasing a query cannot average the rounding away, and without the
//     secret the coin cannot be predicted.
//
// Why not complementary cell suppression: with free breakdowns (district,
// commune, sex, age band, group, poverty, any period) a suppressed commune is
// the district total minus its sibling communes, and protecting it means
// suppressing partners in every other breakdown that could rebuild them; no
// per-answer choice of partners survives all the other answers a user can
// ask. Rounding protects every answer at once: any difference of released
// cells (a district total minus the other communes; both sexes minus one;
// overlapping periods) carries the rounding error of each term, up to ±4 per
// term, so a suppressed value 1..k-1 derived from one difference always keeps
// at least two candidate values (TestDifferencingLeavesSeveralCandidates
// checks every case exhaustively). Intersecting several decompositions of the
// same cell can narrow the candidates only when every term of each
// decomposition happens to be rounded to its extreme; that residual risk is
// the known limit of rounding methods, and the attacker test in package graph
// checks that it does not occur on the fixture. Exact zeros are released: a
// zero discloses no person.
//
// Rates are computed from the released counts, never from exact ones (an
// exact ratio such as 3/7 would give the counts back); a rate over a
// suppressed count is suppressed. A rate over a denominator below
// MinDenominator (30) is flagged UNSTABLE for every role: it is a small-number
// warning, not a privacy rule. A zero denominator gives no value, UNSTABLE.
//
// Province officers see exact values: they may already read the rows.
package disclosure

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// Status is the disclosure status of a released value.
type Status string

// The three statuses a client sees.
const (
	OK         Status = "OK"
	Suppressed Status = "SUPPRESSED"
	Unstable   Status = "UNSTABLE"
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
	// Key is the server secret the rounding coins are drawn with.
	Key []byte
}

// Default thresholds.
const (
	DefaultK              = 5
	DefaultKSensitive     = 10
	DefaultBase           = 5
	DefaultMinDenominator = 30
)

// For returns the policy of a caller: exact for roles that see exact counts,
// else the default thresholds with key.
func For(exact bool, key []byte) Policy {
	return Policy{Exact: exact, K: DefaultK, KSensitive: DefaultKSensitive, Base: DefaultBase,
		MinDenominator: DefaultMinDenominator, Key: key}
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

// Count releases the true count v of the cell named by key.
func (p Policy) Count(v uint64, sensitive bool, key string) Count {
	if p.Exact || v == 0 {
		return Count{Value: v, Status: OK}
	}
	if v < p.Threshold(sensitive) {
		return Count{Status: Suppressed}
	}
	return Count{Value: p.round(v, key), Status: OK}
}

func (p Policy) round(v uint64, key string) uint64 {
	if p.Base <= 1 {
		return v
	}
	r := v % p.Base
	if r == 0 {
		return v
	}
	if coin(p.Key, key) < float64(r)/float64(p.Base) {
		return v - r + p.Base
	}
	return v - r
}

// coin is a uniform number in [0, 1) fixed by the secret and the cell key.
func coin(secret []byte, key string) float64 {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(key))
	return float64(binary.BigEndian.Uint64(m.Sum(nil))>>11) / (1 << 53)
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

// DeriveKey makes the rounding key from another server secret (the JWT
// secret) when no key of its own is configured: stable as long as that secret
// is, and unknown to clients.
func DeriveKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("treem disclosure rounding key"))
	return m.Sum(nil)
}

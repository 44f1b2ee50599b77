package etl

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"treem/internal/civil"
)

// Cell keys (the cell-key method of the Australian Bureau of Statistics):
// every record counted in a cell carries a fixed pseudo-random key, and a cell
// stores the sum of its records' keys (mod 2^32) beside its count. A
// population then has one key however a question cuts it: padded periods add
// zero months that add nothing, and any grouping of the same records sums to
// the same key. The API perturbs a released count from that key alone, so
// rephrasing a question cannot draw a second perturbation of one population.
//
// A record is a child at a day: the month end of a stock, the day of an
// event. Its key mixes the child's key, an HMAC of the child id under the
// warehouse secret, with the day; the id never leaves Postgres and without the
// secret no key can be linked to a child.

// childKeys computes the children's keys; one per aggregator (not safe for
// concurrent use).
type childKeys struct {
	mac hash.Hash
	buf [8]byte
}

func newChildKeys(secret []byte) *childKeys {
	return &childKeys{mac: hmac.New(sha256.New, secret)}
}

// of returns the key of the child with id.
func (k *childKeys) of(id int64) uint64 {
	k.mac.Reset()
	binary.BigEndian.PutUint64(k.buf[:], uint64(id))
	k.mac.Write(k.buf[:])
	return binary.BigEndian.Uint64(k.mac.Sum(nil))
}

// recordKey is the key of a child (by its key) counted at day d.
func recordKey(child uint64, d civil.Day) uint32 {
	return uint32(mix64(child^uint64(uint32(d))*0x9e3779b97f4a7c15) >> 32)
}

// mix64 is SplitMix64's finaliser: a bijection that spreads every input bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// KeyID names a cell-key secret without revealing it, so that a run can tell
// whether the warehouse's keys were made with the same secret.
func KeyID(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("treem cell-key id"))
	const hexDigits = "0123456789abcdef"
	sum := m.Sum(nil)
	out := make([]byte, 16)
	for i := range 8 {
		out[2*i], out[2*i+1] = hexDigits[sum[i]>>4], hexDigits[sum[i]&15]
	}
	return string(out)
}

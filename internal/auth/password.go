package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a password hash. They travel in
// the hash itself (PHC string format), so raising them later changes new
// hashes only, and old ones keep verifying with the parameters they were made
// with.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams follow OWASP's first argon2id configuration (19 MiB, 2
// passes, 1 thread): about 30 ms on one core of the Board's server, so a
// burst of sign-ins cannot take all of a small machine.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Limits of what a stored hash may ask for, so that a tampered row cannot make
// one sign-in allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 64
	maxKeyLen  = 128
	minKeyLen  = 16
	minSaltLen = 8
)

// MaxPasswordLen bounds a password in bytes: argon2 takes any length, and a
// request is kept small.
const MaxPasswordLen = 1024

// MinPasswordLen is the shortest password a user may be given.
const MinPasswordLen = 12

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC string of password under p, with a fresh
// random salt: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
func HashPassword(password string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func (p Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id memory %d KiB is out of range", p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id time %d is out of range", p.Time)
	case p.Threads < 1:
		return errors.New("argon2id needs at least one thread")
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id key length %d is out of range", p.KeyLen)
	case p.SaltLen < minSaltLen || p.SaltLen > 64:
		return fmt.Errorf("argon2id salt length %d is out of range", p.SaltLen)
	}
	return nil
}

// phc is a parsed PHC string.
type phc struct {
	params    Params
	salt, key []byte
}

// ErrMalformedHash is returned for a stored hash that is not an argon2id PHC
// string treem can check.
var ErrMalformedHash = errors.New("the password hash is not an argon2id PHC string")

// parsePHC reads $argon2id$v=19$m=M,t=T,p=P$salt$hash.
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, ErrMalformedHash
	}
	var h phc
	seen := map[string]bool{}
	for kv := range strings.SplitSeq(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return phc{}, ErrMalformedHash
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || (len(v) > 1 && v[0] == '0') {
			return phc{}, ErrMalformedHash
		}
		switch k {
		case "m":
			h.params.Memory = uint32(n)
		case "t":
			h.params.Time = uint32(n)
		case "p":
			if n > 255 {
				return phc{}, ErrMalformedHash
			}
			h.params.Threads = uint8(n)
		default:
			return phc{}, ErrMalformedHash
		}
	}
	if len(seen) != 3 {
		return phc{}, ErrMalformedHash
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil {
		return phc{}, ErrMalformedHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil {
		return phc{}, ErrMalformedHash
	}
	h.params.SaltLen, h.params.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	if err := h.params.check(); err != nil {
		return phc{}, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	return h, nil
}

// VerifyPassword tells whether password matches the PHC string hash,
// comparing the keys in constant time. A hash it cannot read is an error,
// never a match.
func VerifyPassword(hash, password string) (bool, error) {
	h, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// cheap keeps the tests fast; the parameters travel in the hash, so the
// checks are the same as at DefaultParams.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordRoundTrip(t *testing.T) {
	for _, p := range []Params{cheap, {Memory: 128, Time: 3, Threads: 2, SaltLen: 8, KeyLen: 16}, DefaultParams} {
		for _, pw := range []string{"correct horse battery", "Mật khẩu có dấu tiếng Việt", strings.Repeat("x", MaxPasswordLen)} {
			h, err := HashPassword(pw, p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, "$argon2id$v=19$m=") {
				t.Fatalf("hash %q is not a PHC argon2id string", h)
			}
			parsed, err := parsePHC(h)
			if err != nil || parsed.params != p {
				t.Fatalf("parsePHC(%q) = %+v, %v; want the parameters %+v", h, parsed.params, err, p)
			}
			if ok, err := VerifyPassword(h, pw); !ok || err != nil {
				t.Fatalf("VerifyPassword(own hash) = %v, %v", ok, err)
			}
			for _, wrong := range []string{"", pw + " ", strings.ToUpper(pw[:1]) + pw[1:] + "x", pw[:len(pw)-1]} {
				if ok, err := VerifyPassword(h, wrong); ok || err != nil {
					t.Fatalf("VerifyPassword(%q) = %v, %v; want false", wrong, ok, err)
				}
			}
			again, _ := HashPassword(pw, p)
			if again == h {
				t.Fatal("two hashes of one password are equal: the salt is not random")
			}
		}
	}
}

// A hash made with other parameters keeps verifying after the defaults are
// raised: they are read from the hash.
func TestVerifyPasswordReadsParametersFromTheHash(t *testing.T) {
	h, err := HashPassword("old password", cheap)
	if err != nil {
		t.Fatal(err)
	}
	raised := DefaultParams
	raised.Time = 4
	if _, err := HashPassword("x", raised); err != nil {
		t.Fatal(err)
	}
	if ok, err := VerifyPassword(h, "old password"); !ok || err != nil {
		t.Fatalf("an old hash no longer verifies: %v, %v", ok, err)
	}
}

func TestParsePHC(t *testing.T) {
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	tests := []struct {
		name string
		hash string
		want Params // zero: refused
	}{
		{"valid", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key, Params{19456, 2, 1, 16, 32}},
		{"order of parameters free", "$argon2id$v=19$p=2,t=3,m=65536$" + salt + "$" + key, Params{65536, 3, 2, 16, 32}},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key, Params{}},
		{"argon2d", "$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key, Params{}},
		{"version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, Params{}},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, Params{}},
		{"missing p", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, Params{}},
		{"repeated m", "$argon2id$v=19$m=19456,m=1,t=2,p=1$" + salt + "$" + key, Params{}},
		{"unknown parameter", "$argon2id$v=19$m=19456,t=2,p=1,x=1$" + salt + "$" + key, Params{}},
		{"negative time", "$argon2id$v=19$m=19456,t=-2,p=1$" + salt + "$" + key, Params{}},
		{"leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key, Params{}},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, Params{}},
		{"zero threads", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, Params{}},
		{"memory beyond 1 GiB", "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, Params{}},
		{"time beyond the limit", "$argon2id$v=19$m=19456,t=1000,p=1$" + salt + "$" + key, Params{}},
		{"padded base64", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key, Params{}},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, Params{}},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5", Params{}},
		{"no key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt, Params{}},
		{"trailing part", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$", Params{}},
		{"bcrypt", "$2y$10$abcdefghijklmnopqrstuuJ3C7mF7/3pZ5hJJ1v0N9Gq5s5CkQeW", Params{}},
		{"empty", "", Params{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePHC(tt.hash)
			if tt.want == (Params{}) {
				if err == nil || !errors.Is(err, ErrMalformedHash) {
					t.Fatalf("parsePHC accepted %q: %+v, %v", tt.hash, got.params, err)
				}
				if ok, err := VerifyPassword(tt.hash, "anything"); ok || err == nil {
					t.Fatalf("VerifyPassword on a malformed hash = %v, %v; want false and an error", ok, err)
				}
				return
			}
			if err != nil || got.params != tt.want {
				t.Fatalf("parsePHC = %+v, %v; want %+v", got.params, err, tt.want)
			}
		})
	}
}

func TestHashPasswordRefusesWeakParameters(t *testing.T) {
	for _, p := range []Params{{}, {Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, {Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8}} {
		if h, err := HashPassword("pw", p); err == nil {
			t.Errorf("HashPassword with %+v = %q, want an error", p, h)
		}
	}
}

func TestCSRFToken(t *testing.T) {
	a, b := "c2Vzc2lvbi10b2tlbi1hYWFhYWFhYWFhYWFhYWFhYWFhYWE", "c2Vzc2lvbi10b2tlbi1iYmJiYmJiYmJiYmJiYmJiYmJiYmI"
	if CSRFToken(a) == CSRFToken(b) || CSRFToken(a) != CSRFToken(a) {
		t.Fatal("a CSRF token must be fixed for its session and differ between sessions")
	}
	if CSRFToken(a) == a {
		t.Fatal("the CSRF token must not be the session token")
	}
	tests := []struct {
		got  string
		want bool
	}{
		{CSRFToken(a), true}, {CSRFToken(b), false}, {"", false}, {a, false}, {CSRFToken(a)[:10], false},
	}
	for _, tt := range tests {
		if CheckCSRF(a, tt.got) != tt.want {
			t.Errorf("CheckCSRF(%q) = %v, want %v", tt.got, !tt.want, tt.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	clock := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	l := NewLimiter(Limits{PerUser: 3, PerAddr: 5, Window: 10 * time.Minute}, now)
	step := func(d time.Duration) { clock = clock.Add(d) }

	// Per user: the third failure locks the name out, from any address.
	for i, addr := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		if w := l.Wait("lan", addr); w != 0 {
			t.Fatalf("attempt %d waits %s before the limit", i+1, w)
		}
		locked := l.Fail("lan", addr)
		if locked != (i == 2) {
			t.Fatalf("failure %d: lockout %v", i+1, locked)
		}
		step(time.Minute)
	}
	if w := l.Wait("lan", "10.0.0.9"); w != 7*time.Minute {
		t.Fatalf("after 3 failures in 3 minutes the wait is %s, want 7m (the first leaves the window)", w)
	}
	if w := l.Wait("binh", "10.0.0.9"); w != 0 {
		t.Fatalf("another name waits %s", w)
	}
	step(7 * time.Minute)
	if w := l.Wait("lan", "10.0.0.9"); w != 0 {
		t.Fatalf("once the oldest failure left the window the wait is %s", w)
	}

	// Per address: 5 failures under 5 names lock the address out for every name.
	for i, name := range []string{"a1", "a2", "a3", "a4", "a5"} {
		locked := l.Fail(name, "10.0.0.66")
		if locked != (i == 4) {
			t.Fatalf("address failure %d: lockout %v", i+1, locked)
		}
	}
	if w := l.Wait("someone-else", "10.0.0.66"); w != 10*time.Minute {
		t.Fatalf("a locked-out address lets a new name try (wait %s)", w)
	}

	// A success forgets the name's failures, not the address's.
	l.Fail("chi", "10.0.0.7")
	l.Fail("chi", "10.0.0.7")
	l.Succeed("chi")
	if l.Fail("chi", "10.0.0.7") {
		t.Fatal("failures before a success still count")
	}
	step(time.Hour)
	l.mu.Lock()
	l.sweep(clock)
	n := len(l.byUser) + len(l.byAddr)
	l.mu.Unlock()
	if n != 0 {
		t.Fatalf("after the window every key is swept, %d remain", n)
	}
}

package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"treem/internal/domain"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	now    = time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	// areas is a sample of the reference data; the tests of the HTTP stack
	// check tokens against the org units of a real database.
	areas = mustAreas(map[string]domain.Level{"75": domain.LevelProvince, "731": domain.LevelDistrict,
		"742": domain.LevelDistrict, "26041": domain.LevelCommune})
)

func mustAreas(levels map[string]domain.Level) *Areas {
	a, err := NewAreas(levels)
	if err != nil {
		panic(err)
	}
	return a
}

// sign builds a token from raw claims with any method, bypassing Issue's checks,
// to present the verifier with what an attacker or a buggy client could send.
func sign(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func claimsFor(role, area string, iat, exp time.Time) jwt.MapClaims {
	return jwt.MapClaims{"sub": "lan", "role": role, "area": area, "iat": iat.Unix(), "exp": exp.Unix()}
}

// unsigned is an alg "none" token: header and payload, empty signature.
func unsigned(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "."
}

func TestVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := claimsFor("district_officer", "731", now.Add(-time.Minute), now.Add(time.Hour))
	tests := []struct {
		name    string
		token   string
		want    *domain.User
		message string // substring of the UNAUTHENTICATED message
	}{
		{"valid district officer", sign(t, jwt.SigningMethodHS256, secret, good),
			&domain.User{Subject: "lan", Role: domain.RoleDistrictOfficer, Area: "731"}, ""},
		{"valid analyst at province level",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("analyst", "75", now, now.Add(time.Hour))),
			&domain.User{Subject: "lan", Role: domain.RoleAnalyst, Area: "75"}, ""},
		{"expired 10s ago is within leeway",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("commune_officer", "26041", now.Add(-time.Hour), now.Add(-10*time.Second))),
			&domain.User{Subject: "lan", Role: domain.RoleCommuneOfficer, Area: "26041"}, ""},
		{"alg none", unsigned(`{"sub":"lan","role":"province_officer","area":"75","iat":1780300000,"exp":1780310000}`),
			nil, "algorithm"},
		{"RS256 token", sign(t, jwt.SigningMethodRS256, rsaKey, good), nil, "algorithm"},
		{"ES256 token", sign(t, jwt.SigningMethodES256, ecKey, good), nil, "algorithm"},
		{"HS384 with the right secret", sign(t, jwt.SigningMethodHS384, secret, good), nil, "algorithm"},
		{"wrong key", sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), good), nil, "signature"},
		{"expired beyond leeway",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("province_officer", "75", now.Add(-2*time.Hour), now.Add(-time.Minute))),
			nil, "expired"},
		{"no exp", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "lan", "role": "analyst", "area": "75", "iat": now.Unix()}),
			nil, "exp"},
		{"no iat", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "lan", "role": "analyst", "area": "75", "exp": now.Add(time.Hour).Unix()}),
			nil, "iat"},
		{"issued in the future",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("analyst", "75", now.Add(time.Hour), now.Add(2*time.Hour))),
			nil, "not valid yet"},
		{"unknown role", sign(t, jwt.SigningMethodHS256, secret, claimsFor("admin", "75", now, now.Add(time.Hour))),
			nil, `role "admin"`},
		{"no area", sign(t, jwt.SigningMethodHS256, secret, claimsFor("analyst", "", now, now.Add(time.Hour))),
			nil, "no area"},
		{"area not a code", sign(t, jwt.SigningMethodHS256, secret, claimsFor("analyst", "75'; --", now, now.Add(time.Hour))),
			nil, "not an org-unit code"},
		{"commune officer with a district area",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("commune_officer", "731", now, now.Add(time.Hour))),
			nil, "5-digit"},
		{"province officer for area 99",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("province_officer", "99", now, now.Add(time.Hour))),
			nil, `area "99" is not an org unit`},
		{"province officer for area 00",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("province_officer", "00", now, now.Add(time.Hour))),
			nil, `area "00" is not an org unit`},
		{"district officer for a district that does not exist",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("district_officer", "799", now, now.Add(time.Hour))),
			nil, `area "799" is not an org unit`},
		{"commune officer for a commune that does not exist",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("commune_officer", "99999", now, now.Add(time.Hour))),
			nil, `area "99999" is not an org unit`},
		{"analyst for a unit that does not exist",
			sign(t, jwt.SigningMethodHS256, secret, claimsFor("analyst", "99", now, now.Add(time.Hour))),
			nil, `area "99" is not an org unit`},
		{"leader of a district", sign(t, jwt.SigningMethodHS256, secret, claimsFor("leader", "742", now, now.Add(time.Hour))),
			&domain.User{Subject: "lan", Role: domain.RoleLeader, Area: "742"}, ""},
		{"analyst of a commune", sign(t, jwt.SigningMethodHS256, secret, claimsFor("analyst", "26041", now, now.Add(time.Hour))),
			&domain.User{Subject: "lan", Role: domain.RoleAnalyst, Area: "26041"}, ""},
		{"no subject", sign(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"role": "analyst", "area": "75", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}),
			nil, "no subject"},
		{"malformed", "not.a.token", nil, "malformed"},
		{"empty", "", nil, "malformed"},
	}
	v, err := NewVerifier(secret, areas, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(tt.token)
			if tt.want != nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if *got != *tt.want {
					t.Fatalf("user = %+v, want %+v", *got, *tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", got)
			}
			if code := domain.ErrorCode(err); code != domain.CodeUnauthenticated {
				t.Fatalf("code = %s, want UNAUTHENTICATED (%v)", code, err)
			}
			var de *domain.Error
			_ = errors.As(err, &de)
			if !strings.Contains(de.Message, tt.message) {
				t.Fatalf("message %q does not mention %q", de.Message, tt.message)
			}
			if strings.Contains(de.Message, tt.token) && tt.token != "" {
				t.Fatalf("message echoes the token")
			}
		})
	}
}

func TestIssueRoundTrip(t *testing.T) {
	v, err := NewVerifier(secret, areas, func() time.Time { return now.Add(30 * time.Minute) })
	if err != nil {
		t.Fatal(err)
	}
	u := domain.User{Subject: "officer-1", Role: domain.RoleProvinceOfficer, Area: "75"}
	tok, err := Issue(secret, u, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(tok)
	if err != nil {
		t.Fatalf("Verify(Issue(...)): %v", err)
	}
	if *got != u {
		t.Fatalf("user = %+v, want %+v", *got, u)
	}
}

func TestIssueRefusesBadInput(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		user   domain.User
		ttl    time.Duration
	}{
		{"short secret", []byte("short"), domain.User{Subject: "a", Role: domain.RoleAnalyst, Area: "75"}, time.Hour},
		{"unknown role", secret, domain.User{Subject: "a", Role: "root", Area: "75"}, time.Hour},
		{"district officer with the province code", secret, domain.User{Subject: "a", Role: domain.RoleDistrictOfficer, Area: "75"}, time.Hour},
		{"zero ttl", secret, domain.User{Subject: "a", Role: domain.RoleAnalyst, Area: "75"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Issue(tt.secret, tt.user, tt.ttl, now); domain.ErrorCode(err) != domain.CodeInvalidInput {
				t.Fatalf("Issue error = %v, want INVALID_INPUT", err)
			}
		})
	}
}

func TestNewVerifierRefusesShortSecret(t *testing.T) {
	if _, err := NewVerifier([]byte("too-short"), areas, nil); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("NewVerifier(short) error = %v, want INVALID_INPUT", err)
	}
}

// A verifier always has reference data: without it, any area would pass.
func TestNewVerifierNeedsAreas(t *testing.T) {
	if _, err := NewVerifier(secret, nil, nil); err == nil {
		t.Fatal("NewVerifier without areas succeeded")
	}
	if _, err := NewAreas(map[string]domain.Level{"731": domain.LevelDistrict}); err == nil {
		t.Fatal("NewAreas without a province succeeded")
	}
}

func TestAreasFits(t *testing.T) {
	tests := []struct {
		role    domain.Role
		area    string
		problem string // substring of the reason; "" when the area fits
	}{
		{domain.RoleProvinceOfficer, "75", ""},
		{domain.RoleProvinceOfficer, "99", `area "99" is not an org unit`},
		{domain.RoleProvinceOfficer, "731", `a province_officer's area must be a province, and "731" is a district`},
		{domain.RoleDistrictOfficer, "731", ""},
		{domain.RoleDistrictOfficer, "75", `a district_officer's area must be a district, and "75" is a province`},
		{domain.RoleCommuneOfficer, "26041", ""},
		{domain.RoleCommuneOfficer, "731", `a commune_officer's area must be a commune, and "731" is a district`},
		{domain.RoleAnalyst, "75", ""},
		{domain.RoleLeader, "26041", ""},
		{domain.RoleLeader, "26042", `area "26042" is not an org unit`},
	}
	for _, tt := range tests {
		err := areas.Fits(domain.User{Subject: "a", Role: tt.role, Area: tt.area})
		switch {
		case tt.problem == "" && err != nil:
			t.Errorf("%s %s: %v", tt.role, tt.area, err)
		case tt.problem != "" && (err == nil || !strings.Contains(err.Error(), tt.problem)):
			t.Errorf("%s %s: %v, want %q", tt.role, tt.area, err, tt.problem)
		}
	}
}

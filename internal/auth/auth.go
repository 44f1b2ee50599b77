// Package auth issues and verifies the HS256 JSON Web Tokens that carry a
// caller's subject, role and area, and signs the dashboard's users in with a
// password (argon2id hashes, limits on failures, sessions and their CSRF
// tokens) over a user store it declares (AccountStore). It knows nothing of
// HTTP or GraphQL: the HTTP edge reads the bearer token or the session cookie
// and puts the resulting domain.User in the context.
package auth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"treem/internal/domain"
)

// MinSecretLen is the shortest HS256 secret accepted: RFC 7518 §3.2 asks for a
// key at least as long as the hash output (32 bytes).
const MinSecretLen = 32

// DefaultLeeway absorbs small clock differences between issuer and server.
const DefaultLeeway = 30 * time.Second

// claims is the token payload: the registered sub, exp and iat plus role and area.
type claims struct {
	Role string `json:"role"`
	Area string `json:"area"`
	jwt.RegisteredClaims
}

// Verifier checks tokens signed with one HS256 secret, whose areas must be
// units of the reference data.
type Verifier struct {
	secret []byte
	areas  *Areas
	parser *jwt.Parser
}

// NewVerifier returns a Verifier for secret and the units of areas. now may be
// nil (wall clock); tests pass a fixed clock.
func NewVerifier(secret []byte, areas *Areas, now func() time.Time) (*Verifier, error) {
	if len(secret) < MinSecretLen {
		return nil, domain.Errorf(domain.CodeInvalidInput,
			"the JWT secret must be at least %d bytes, got %d", MinSecretLen, len(secret))
	}
	opts := []jwt.ParserOption{
		// Only HS256: a token naming "none", RS256 or ES256 is refused before any
		// key is looked at (the classic algorithm-confusion attacks).
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithLeeway(DefaultLeeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	}
	if now != nil {
		opts = append(opts, jwt.WithTimeFunc(now))
	}
	if areas == nil {
		return nil, domain.Errorf(domain.CodeInvalidInput, "a verifier needs the org units to check areas against")
	}
	return &Verifier{secret: secret, areas: areas, parser: jwt.NewParser(opts...)}, nil
}

// Verify checks token's algorithm, signature, expiry and claims and returns its
// user. Every failure is an UNAUTHENTICATED domain error whose message says why
// without echoing the token.
func (v *Verifier) Verify(token string) (*domain.User, error) {
	var c claims
	_, err := v.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return v.secret, nil })
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeUnauthenticated, reason(err))
	}
	u := &domain.User{Subject: c.Subject, Role: domain.Role(c.Role), Area: c.Area}
	if c.IssuedAt == nil {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "the token has no iat claim")
	}
	if problem := checkUser(u); problem != "" {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "the token's claims are not accepted: %s", problem)
	}
	if err := v.areas.Fits(*u); err != nil {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "the token's claims are not accepted: %v", err)
	}
	return u, nil
}

// reason turns a jwt error into a short client-safe explanation.
func reason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		// An unexpected algorithm is reported through this error too.
		if strings.Contains(err.Error(), "signing method") {
			return "the token's signing algorithm is not accepted (HS256 only)"
		}
		return "the token's signature is invalid"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "the token's signing algorithm is not accepted (HS256 only)"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token lacks a required claim (exp)"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the token is not valid yet"
	}
	return "the token is invalid"
}

// areaPattern is an org-unit code: province (2 digits), district (3), commune (5).
var areaPattern = regexp.MustCompile(`^([0-9]{2}|[0-9]{3}|[0-9]{5})$`)

// checkUser enforces what a token must say: a subject, a known role, an area
// code of the level the role works at. It returns the problem, or "".
func checkUser(u *domain.User) string {
	switch {
	case strings.TrimSpace(u.Subject) == "":
		return "no subject"
	case !u.Role.Valid():
		return fmt.Sprintf("role %q is not a known role", u.Role)
	case u.Area == "":
		return "no area"
	case !areaPattern.MatchString(u.Area):
		return fmt.Sprintf("area %q is not an org-unit code", u.Area)
	}
	if want, ok := officerAreaLen[u.Role]; ok && len(u.Area) != want {
		return fmt.Sprintf("a %s's area must be a %d-digit unit code, got %q", u.Role, want, u.Area)
	}
	return ""
}

// officerAreaLen is the code length of the unit each officer role works in.
var officerAreaLen = map[domain.Role]int{
	domain.RoleProvinceOfficer: 2,
	domain.RoleDistrictOfficer: 3,
	domain.RoleCommuneOfficer:  5,
}

// Issue signs a token for u valid for ttl from now. It checks the claims' form;
// whether the area exists is Areas.Fits, which the caller asks when it has the
// org units ('treem token' does).
func Issue(secret []byte, u domain.User, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) < MinSecretLen {
		return "", domain.Errorf(domain.CodeInvalidInput, "the JWT secret must be at least %d bytes", MinSecretLen)
	}
	if ttl <= 0 {
		return "", domain.Invalid("ttl", "must be positive, got %s", ttl)
	}
	if problem := checkUser(&u); problem != "" {
		return "", domain.Errorf(domain.CodeInvalidInput, "cannot issue a token: %s", problem)
	}
	c := claims{
		Role: string(u.Role),
		Area: u.Area,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   u.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

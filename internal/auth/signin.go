package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"treem/internal/domain"
)

// AccountStore is what sign-in needs of the user store (postgres.UserStore).
// Sessions are kept by the SHA-256 of their token, never the token.
type AccountStore interface {
	// Credentials returns the account named username and its password hash,
	// or a NOT_FOUND error when no user has that name.
	Credentials(ctx context.Context, username string) (domain.Account, string, error)
	// StartSession stores a session of the account until expires, and drops
	// sessions that have ended (expired, or idle longer than idle).
	StartSession(ctx context.Context, userID int64, tokenHash []byte, expires time.Time, idle time.Duration) error
	// SessionAccount returns the active account of a session that has neither
	// expired nor been idle longer than idle, and the session's end, marking
	// it seen; NOT_FOUND otherwise.
	SessionAccount(ctx context.Context, tokenHash []byte, idle time.Duration) (domain.Account, time.Time, error)
	// EndSession deletes a session and returns its account; NOT_FOUND when
	// there was none.
	EndSession(ctx context.Context, tokenHash []byte) (domain.Account, error)
}

// Auditor appends to the audit log (postgres.AuditLog).
type Auditor interface {
	Append(ctx context.Context, entries ...domain.AuditEntry) error
}

// SessionConfig sets how long sessions last and how sign-ins are limited.
type SessionConfig struct {
	TTL    time.Duration // absolute lifetime of a session
	Idle   time.Duration // a session unused this long has ended
	Limits Limits
	Params Params // of the dummy hash an unknown name is checked against
}

// Defaults of SessionConfig.
const (
	DefaultSessionTTL  = 8 * time.Hour
	DefaultSessionIdle = 30 * time.Minute
)

// ErrSignInRefused is the one answer to every refused sign-in: a wrong
// password, a name no user has, a disabled user, too many attempts. It tells
// nobody which.
var ErrSignInRefused = domain.Errorf(domain.CodeUnauthenticated, "wrong username or password")

// ErrSessionEnded answers a session cookie that names no live session.
var ErrSessionEnded = domain.Errorf(domain.CodeUnauthenticated, "the session has ended: sign in again")

// Session is a signed-in session: its token (the cookie's value, shown to
// nobody else), the CSRF token derived from it, its account and its end.
type Session struct {
	Token     string
	CSRF      string
	Account   domain.Account
	ExpiresAt time.Time
}

// Sessions signs users in and out and resolves session tokens into users.
// The role and area of a session are the account's, checked against the org
// units as a token's are.
type Sessions struct {
	store   AccountStore
	audit   Auditor
	areas   *Areas
	limiter *Limiter
	cfg     SessionConfig
	dummy   string // a hash no password matches, checked for unknown names
	log     *slog.Logger
	now     func() time.Time
}

// NewSessions returns the sign-in service. now may be nil (wall clock).
func NewSessions(store AccountStore, audit Auditor, areas *Areas, cfg SessionConfig, log *slog.Logger,
	now func() time.Time) (*Sessions, error) {
	if store == nil || audit == nil || areas == nil || log == nil {
		return nil, errors.New("auth: sessions need a store, an auditor, the org units and a logger")
	}
	if cfg.TTL <= 0 || cfg.Idle <= 0 || cfg.Limits.PerUser < 1 || cfg.Limits.PerAddr < 1 || cfg.Limits.Window <= 0 {
		return nil, domain.Errorf(domain.CodeInvalidInput, "session lifetimes and sign-in limits must be positive")
	}
	if now == nil {
		now = time.Now
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("dummy password: %w", err)
	}
	dummy, err := HashPassword(base64.RawURLEncoding.EncodeToString(secret), cfg.Params)
	if err != nil {
		return nil, err
	}
	return &Sessions{store: store, audit: audit, areas: areas, limiter: NewLimiter(cfg.Limits, now), cfg: cfg,
		dummy: dummy, log: log, now: now}, nil
}

// tokenBytes is the length of a session token's random value: 256 bits.
const tokenBytes = 32

// hashToken is what the store keeps of a token.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CSRFToken is the synchronizer token of a session: an HMAC of a fixed label
// keyed by the session's own token. The server recomputes it from the cookie
// and stores nothing; a page of another site can neither read the cookie nor
// the answers that carry the CSRF token, so it cannot send it.
func CSRFToken(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("treem csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF tells whether got is the CSRF token of the session token, in
// constant time.
func CheckCSRF(token, got string) bool {
	want := CSRFToken(token)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// Reasons a sign-in was refused, recorded in the audit entry's fields (never
// told to the client).
const (
	reasonMalformed = "malformed"
	reasonUnknown   = "unknown_user"
	reasonPassword  = "password"
	reasonDisabled  = "disabled"
	reasonArea      = "area"
	reasonLocked    = "locked"
)

// SignIn checks username and password, tried from the client address addr,
// and starts a session. Every refusal is ErrSignInRefused; with a positive
// wait, too many attempts failed and the next may come after wait. An
// unknown name costs the same argon2id work as a wrong password.
func (s *Sessions) SignIn(ctx context.Context, username, password, addr string) (Session, time.Duration, error) {
	name, ok := domain.NormalUsername(username)
	key := name
	if !ok {
		key, name = "", ""
	}
	if wait := s.limiter.Wait(key, addr); wait > 0 {
		return Session{}, wait, s.refuse(ctx, domain.Account{Username: name}, key, addr, reasonLocked, false)
	}
	if !ok || password == "" || len(password) > MaxPasswordLen {
		_, _ = VerifyPassword(s.dummy, password)
		return s.fail(ctx, domain.Account{Username: name}, key, addr, reasonMalformed)
	}
	acct, hash, err := s.store.Credentials(ctx, name)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		_, _ = VerifyPassword(s.dummy, password)
		return s.fail(ctx, domain.Account{Username: name}, key, addr, reasonUnknown)
	}
	if err != nil {
		return Session{}, 0, err
	}
	match, err := VerifyPassword(hash, password)
	if err != nil {
		s.log.ErrorContext(ctx, "a stored password hash cannot be read", "user_id", acct.ID, "err", err)
	}
	switch {
	case !match:
		return s.fail(ctx, acct, key, addr, reasonPassword)
	case !acct.Active:
		return s.fail(ctx, acct, key, addr, reasonDisabled)
	}
	if err := s.areas.Fits(acct.User()); err != nil {
		s.log.WarnContext(ctx, "an account's area no longer fits its role", "user_id", acct.ID, "err", err)
		return s.fail(ctx, acct, key, addr, reasonArea)
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return Session{}, 0, fmt.Errorf("session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	expires := s.now().Add(s.cfg.TTL)
	if err := s.store.StartSession(ctx, acct.ID, hashToken(token), expires, s.cfg.Idle); err != nil {
		return Session{}, 0, err
	}
	// No session is handed out that the audit log does not show.
	if err := s.audit.Append(ctx, sessionEntry(ctx, acct, domain.AuditSignIn, "")); err != nil {
		if _, e := s.store.EndSession(ctx, hashToken(token)); e != nil {
			s.log.ErrorContext(ctx, "end an unaudited session", "err", e)
		}
		return Session{}, 0, err
	}
	s.limiter.Succeed(key)
	return Session{Token: token, CSRF: CSRFToken(token), Account: acct, ExpiresAt: expires}, 0, nil
}

// fail counts a refused attempt and records it; when it reaches a limit, the
// lockout is recorded too, and the caller is told how long to wait.
func (s *Sessions) fail(ctx context.Context, acct domain.Account, key, addr, reason string) (Session, time.Duration, error) {
	locked := s.limiter.Fail(key, addr)
	var wait time.Duration
	if locked {
		wait = s.limiter.Wait(key, addr)
	}
	return Session{}, wait, s.refuse(ctx, acct, key, addr, reason, locked)
}

// refuse records a refused sign-in (and a lockout when it caused one) and
// returns ErrSignInRefused, or the audit log's error: a refusal that cannot
// be recorded is still a refusal.
func (s *Sessions) refuse(ctx context.Context, acct domain.Account, key, addr, reason string, locked bool) error {
	s.log.InfoContext(ctx, "sign-in refused", "request_id", domain.RequestFrom(ctx).ID, "username", acct.Username,
		"addr", addr, "reason", reason, "lockout", locked)
	entries := []domain.AuditEntry{sessionEntry(ctx, acct, domain.AuditSignInFailed, reason)}
	if locked {
		entries = append(entries, sessionEntry(ctx, acct, domain.AuditLockout, "addr:"+addr))
	}
	if err := s.audit.Append(ctx, entries...); err != nil {
		return err
	}
	return ErrSignInRefused
}

// unnamed is the subject of an attempt whose username is not one a user
// could have: what was typed is not recorded (it may be a password typed in
// the wrong box).
const unnamed = "(malformed)"

// sessionEntry is the audit entry of a sign-in event of acct, whose role and
// area are empty when no user has its name.
func sessionEntry(ctx context.Context, acct domain.Account, action domain.AuditAction, detail string) domain.AuditEntry {
	e := domain.AuditEntry{Subject: acct.Username, Role: acct.Role, Area: acct.Area, Action: action,
		Entity: "Session", RecordIDs: []int64{}, Fields: []string{}, RequestID: domain.RequestFrom(ctx).ID}
	if e.Subject == "" {
		e.Subject = unnamed
	}
	if acct.ID != 0 {
		e.RecordIDs = []int64{acct.ID}
	}
	if detail != "" {
		e.Fields = []string{detail}
	}
	return e
}

// Resolve returns the live session of token, its user being the one every
// request made with it acts as. A token that names no live session (expired,
// idle too long, signed out, or of a disabled user) is ErrSessionEnded.
func (s *Sessions) Resolve(ctx context.Context, token string) (Session, error) {
	if !wellFormedToken(token) {
		return Session{}, ErrSessionEnded
	}
	acct, expires, err := s.store.SessionAccount(ctx, hashToken(token), s.cfg.Idle)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return Session{}, ErrSessionEnded
	}
	if err != nil {
		return Session{}, err
	}
	if err := s.areas.Fits(acct.User()); err != nil {
		return Session{}, domain.Errorf(domain.CodeUnauthenticated, "the session's user is not accepted: %v", err)
	}
	return Session{Token: token, CSRF: CSRFToken(token), Account: acct, ExpiresAt: expires}, nil
}

// SignOut ends the session of token and records it. A token that names no
// session has nothing to end.
func (s *Sessions) SignOut(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return nil
	}
	acct, err := s.store.EndSession(ctx, hashToken(token))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return s.audit.Append(ctx, sessionEntry(ctx, acct, domain.AuditSignOut, ""))
}

// wellFormedToken tells whether token could be one SignIn made, before any
// database is asked.
func wellFormedToken(token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && len(b) == tokenBytes
}

package domain

import (
	"regexp"
	"strings"
)

// Account is a user of the dashboard who signs in with a username and a
// password: who they are and what they may do. Its Role and Area become the
// same User a bearer token produces, so every scope and audit rule applies to
// both alike.
type Account struct {
	ID          int64
	Username    string // lower-case, unique
	DisplayName string
	Role        Role
	Area        string
	Active      bool
}

// User is the caller an account signs in as.
func (a Account) User() User { return User{Subject: a.Username, Role: a.Role, Area: a.Area} }

// usernamePattern is the form of a username once lower-cased: 2 to 64
// letters, digits, dots, dashes and underscores, starting with a letter or a
// digit (migration 00070 checks the same).
var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NormalUsername returns the stored form of a username (trimmed,
// lower-cased: usernames are case-insensitive) and whether it is well formed.
func NormalUsername(s string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(s))
	return n, usernamePattern.MatchString(n)
}

// The audit actions of signing in and out (entity "Session").
const (
	AuditSignIn       AuditAction = "sign_in"        // a sign-in succeeded
	AuditSignInFailed AuditAction = "sign_in_failed" // a sign-in was refused; Fields says why
	AuditSignOut      AuditAction = "sign_out"       // a session was ended by its user
	AuditLockout      AuditAction = "lockout"        // too many refusals: further attempts wait
)

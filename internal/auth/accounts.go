package auth

import (
	"context"
	"strings"

	"treem/internal/domain"
)

// AccountAdmin is the user store's administration (postgres.UserStore).
type AccountAdmin interface {
	AddUser(ctx context.Context, a domain.Account, hash string) (domain.Account, error)
	DisableUser(ctx context.Context, username string) (domain.Account, int64, error)
	SetPassword(ctx context.Context, username, hash string) (domain.Account, int64, error)
	Users(ctx context.Context) ([]domain.Account, error)
}

// Accounts adds, disables and re-passwords users with one set of rules,
// whether `treem user` or a province officer's mutation asks.
type Accounts struct {
	Store  AccountAdmin
	Areas  *Areas
	Params Params
}

// Add checks a new account (every problem at once: username, role, area,
// password), hashes the password and stores it; a name in use is CONFLICT.
// The account's username is lower-cased and an empty display name is the
// username.
func (s Accounts) Add(ctx context.Context, a domain.Account, password string) (domain.Account, error) {
	if err := domain.Collect(s.check(&a), CheckPassword(password)); err != nil {
		return domain.Account{}, err
	}
	hash, err := HashPassword(password, s.Params)
	if err != nil {
		return domain.Account{}, err
	}
	added, err := s.Store.AddUser(ctx, a, hash)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return domain.Account{}, domain.Errorf(domain.CodeConflict, "a user named %q exists already", a.Username)
	}
	return added, err
}

// Disable makes the user inactive and ends their sessions; it returns the
// user and how many sessions ended. NOT_FOUND when no user has the name.
func (s Accounts) Disable(ctx context.Context, username string) (domain.Account, int64, error) {
	a, ended, err := s.Store.DisableUser(ctx, username)
	return a, ended, noUser(err, username)
}

// ResetPassword gives the user a new password and ends their sessions.
func (s Accounts) ResetPassword(ctx context.Context, username, password string) (domain.Account, int64, error) {
	if err := CheckPassword(password); err != nil {
		return domain.Account{}, 0, err
	}
	hash, err := HashPassword(password, s.Params)
	if err != nil {
		return domain.Account{}, 0, err
	}
	a, ended, err := s.Store.SetPassword(ctx, username, hash)
	return a, ended, noUser(err, username)
}

// Users lists every user, by username.
func (s Accounts) Users(ctx context.Context) ([]domain.Account, error) { return s.Store.Users(ctx) }

// check checks a new account's name, role and area, the area against the org
// units exactly as a token's is, and normalises the name and display name.
func (s Accounts) check(a *domain.Account) error {
	var problems []error
	if name, ok := domain.NormalUsername(a.Username); ok {
		a.Username = name
	} else {
		problems = append(problems,
			domain.Invalid("username", "%q: want 2 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit", a.Username))
	}
	a.DisplayName = strings.TrimSpace(a.DisplayName)
	if a.DisplayName == "" {
		a.DisplayName = a.Username
	}
	if n := len([]rune(a.DisplayName)); n > 200 {
		problems = append(problems, domain.Invalid("displayName", "at most 200 characters, not %d", n))
	}
	if !a.Role.Valid() {
		problems = append(problems,
			domain.Invalid("role", "%q is not a role: province_officer, district_officer, commune_officer, analyst or leader", a.Role))
	} else if err := s.Areas.Fits(a.User()); err != nil {
		problems = append(problems, domain.Invalid("area", "%v", err))
	}
	return domain.Collect(problems...)
}

// CheckPassword checks a new password's length.
func CheckPassword(pw string) error {
	switch n := len([]rune(pw)); {
	case n < MinPasswordLen:
		return domain.Invalid("password", "a password must have at least %d characters, this one has %d", MinPasswordLen, n)
	case len(pw) > MaxPasswordLen:
		return domain.Invalid("password", "a password must be at most %d bytes", MaxPasswordLen)
	}
	return nil
}

func noUser(err error, username string) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.Errorf(domain.CodeNotFound, "no user is named %q", username)
	}
	return err
}

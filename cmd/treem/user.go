package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"treem/internal/auth"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
)

// userCommand is `treem user <subcommand>`: the dashboard's users, kept in
// Postgres and changed through the owner's login (DATABASE_OWNER_URL), which
// alone may write them. Passwords come on standard input, never as a flag or
// a variable, so that they stay out of shell histories and process lists.
func userCommand(stdin io.Reader) func(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
		subs := userSubcommands(stdin)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			userUsage(stderr, subs)
			if len(args) == 0 {
				return errors.New("treem user needs a subcommand")
			}
			return flag.ErrHelp
		}
		sub, ok := subs[args[0]]
		if !ok {
			userUsage(stderr, subs)
			return fmt.Errorf("unknown subcommand %q of treem user", args[0])
		}
		return sub.run(ctx, args[1:], env, stdout, stderr)
	}
}

func userSubcommands(stdin io.Reader) map[string]command {
	return map[string]command{
		"add": {"add an active user who signs in to the dashboard; the password is read from standard input",
			func(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
				return runUserAdd(ctx, args, env, stdin, stderr)
			}},
		"disable": {"disable a user: they can no longer sign in, and every session of theirs ends at once", runUserDisable},
		"reset-password": {"give a user a new password, read from standard input; every session of theirs ends",
			func(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
				return runUserResetPassword(ctx, args, env, stdin, stderr)
			}},
		"demo": {"add one demo user per role unless present, with random passwords printed once to standard output",
			runUserDemo},
	}
}

func userUsage(w io.Writer, subs map[string]command) {
	fmt.Fprintf(w, "usage: treem user <subcommand> [flags]\n\n%s.\n\nsubcommands:\n", commands()["user"].summary)
	names := make([]string, 0, len(subs))
	for n := range subs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, subs[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'treem user <subcommand> --help' for its flags.")
}

// newUserFlagSet is newFlagSet for `treem user sub`.
func newUserFlagSet(sub string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("treem user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: treem user %s [flags]\n\n%s.\n\nflags:\n", sub, userSubcommands(nil)[sub].summary)
		fs.PrintDefaults()
	}
	return fs
}

// ownerAccounts opens the owner's login and the accounts stored there, with
// the org units areas are checked against.
func ownerAccounts(ctx context.Context, url string) (auth.Accounts, func(), error) {
	pool, err := openPostgres(ctx, url, ownerURLVar, postgres.ProgramUser)
	if err != nil {
		return auth.Accounts{}, nil, err
	}
	areas, err := loadAreas(ctx, postgres.NewOrgUnitStore(pool))
	if err != nil {
		pool.Close()
		return auth.Accounts{}, nil, err
	}
	return auth.Accounts{Store: postgres.NewUserStore(pool), Areas: areas, Params: auth.DefaultParams}, pool.Close, nil
}

// readPassword reads the first line of r as a password and checks its length.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, auth.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPassword(pw); err != nil {
		return "", fmt.Errorf("the password read from standard input: %w", err)
	}
	return pw, nil
}

func runUserAdd(ctx context.Context, args []string, env config.Env, stdin io.Reader, stderr io.Writer) error {
	fs := newUserFlagSet("add", stderr)
	username := fs.String("username", "", "the name the user signs in with (case-insensitive, unique)")
	display := fs.String("display-name", "", "the name the dashboard shows (default: the username)")
	role := fs.String("role", "", "role: province_officer, district_officer, commune_officer, analyst or leader")
	area := fs.String("area", "", "org-unit code of the area, checked against the org units as a token's is: "+
		"75 for province_officer, a 2021 district for district_officer, a commune for commune_officer, any for analyst and leader")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	databaseURL := databaseURLFlag(fs, env, ownerURLVar, "the owner's login")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if !*fromStdin {
		return domain.Errorf(domain.CodeInvalidInput, "--password-stdin is required: the password is read from standard input only")
	}
	if *username == "" || *role == "" || *area == "" {
		return domain.Errorf(domain.CodeInvalidInput, "--username, --role and --area are required")
	}
	log := newLogger(stderr, env)
	a := domain.Account{Username: *username, DisplayName: *display, Role: domain.Role(strings.ToLower(*role)), Area: *area}
	accounts, done, err := ownerAccounts(ctx, databaseURL())
	if err != nil {
		return err
	}
	defer done()
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	added, err := accounts.Add(ctx, a, pw)
	if err != nil {
		return err
	}
	log.Info("user added", "user_id", added.ID, "username", added.Username, "role", added.Role, "area", added.Area)
	return nil
}

func runUserDisable(ctx context.Context, args []string, env config.Env, _, stderr io.Writer) error {
	fs := newUserFlagSet("disable", stderr)
	username := fs.String("username", "", "the user to disable")
	databaseURL := databaseURLFlag(fs, env, ownerURLVar, "the owner's login")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if *username == "" {
		return domain.Errorf(domain.CodeInvalidInput, "--username is required")
	}
	log := newLogger(stderr, env)
	accounts, done, err := ownerAccounts(ctx, databaseURL())
	if err != nil {
		return err
	}
	defer done()
	a, ended, err := accounts.Disable(ctx, *username)
	if err != nil {
		return err
	}
	log.Info("user disabled", "user_id", a.ID, "username", a.Username, "sessions_ended", ended)
	return nil
}

func runUserResetPassword(ctx context.Context, args []string, env config.Env, stdin io.Reader, stderr io.Writer) error {
	fs := newUserFlagSet("reset-password", stderr)
	username := fs.String("username", "", "the user whose password changes")
	fromStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input (required)")
	databaseURL := databaseURLFlag(fs, env, ownerURLVar, "the owner's login")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if !*fromStdin {
		return domain.Errorf(domain.CodeInvalidInput, "--password-stdin is required: the password is read from standard input only")
	}
	if *username == "" {
		return domain.Errorf(domain.CodeInvalidInput, "--username is required")
	}
	log := newLogger(stderr, env)
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	accounts, done, err := ownerAccounts(ctx, databaseURL())
	if err != nil {
		return err
	}
	defer done()
	a, ended, err := accounts.ResetPassword(ctx, *username, pw)
	if err != nil {
		return err
	}
	log.Info("password reset", "user_id", a.ID, "username", a.Username, "sessions_ended", ended)
	return nil
}

// demoUsers are the users `make demo` adds: one per role, each at the
// first unit (by code) of the level the role works at.
var demoUsers = []struct {
	username, display string
	role              domain.Role
	level             domain.Level
}{
	{"demo.tinh", "Cán bộ tỉnh (demo)", domain.RoleProvinceOfficer, domain.LevelProvince},
	{"demo.huyen", "Cán bộ huyện (demo)", domain.RoleDistrictOfficer, domain.LevelDistrict},
	{"demo.xa", "Cán bộ xã (demo)", domain.RoleCommuneOfficer, domain.LevelCommune},
	{"demo.phantich", "Chuyên viên phân tích (demo)", domain.RoleAnalyst, domain.LevelProvince},
	{"demo.lanhdao", "Lãnh đạo (demo)", domain.RoleLeader, domain.LevelProvince},
}

func runUserDemo(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newUserFlagSet("demo", stderr)
	databaseURL := databaseURLFlag(fs, env, ownerURLVar, "the owner's login")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	log := newLogger(stderr, env)
	pool, err := openPostgres(ctx, databaseURL(), ownerURLVar, postgres.ProgramUser)
	if err != nil {
		return err
	}
	defer pool.Close()
	levels, err := postgres.NewOrgUnitStore(pool).UnitLevels(ctx)
	if err != nil {
		return fmt.Errorf("read the org units: %w", err)
	}
	areas, err := auth.NewAreas(levels)
	if err != nil {
		return err
	}
	store := postgres.NewUserStore(pool)
	accounts := auth.Accounts{Store: store, Areas: areas, Params: auth.DefaultParams}
	var added []string
	for _, d := range demoUsers {
		exists, err := store.UserExists(ctx, d.username)
		if err != nil {
			return err
		}
		if exists {
			log.Info("demo user present", "username", d.username)
			continue
		}
		a := domain.Account{Username: d.username, DisplayName: d.display, Role: d.role, Area: firstArea(levels, areas, d.role, d.level)}
		pw, err := randomPassword()
		if err != nil {
			return err
		}
		got, err := accounts.Add(ctx, a, pw)
		if err != nil {
			return err
		}
		log.Info("demo user added", "user_id", got.ID, "username", got.Username, "role", got.Role, "area", got.Area)
		added = append(added, fmt.Sprintf("  %-14s %-24s %s (%s)", got.Username, pw, got.Role, got.Area))
	}
	if len(added) == 0 {
		return nil
	}
	_, err = fmt.Fprintf(stdout, "Demo users of the dashboard (passwords shown this once; 'treem user reset-password' replaces one):\n%s\n",
		strings.Join(added, "\n"))
	return err
}

// firstArea is the lowest code of level that fits role.
func firstArea(levels map[string]domain.Level, areas *auth.Areas, role domain.Role, level domain.Level) string {
	var codes []string
	for code, l := range levels {
		if l == level {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	for _, code := range codes {
		if areas.Fits(domain.User{Subject: "demo", Role: role, Area: code}) == nil {
			return code
		}
	}
	return ""
}

// randomPassword is 144 random bits, base64url: 24 characters.
func randomPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

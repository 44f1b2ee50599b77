package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"treem/internal/auth"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// cursorKey is a cursor key long enough for production.
const cursorKey = "cursor-key-cursor-key-cursor-key-0123"

func TestEnvFileFlag(t *testing.T) {
	tests := []struct {
		args    []string
		file    string
		rest    []string
		failure bool
	}{
		{[]string{"serve", "--addr", "x"}, "", []string{"serve", "--addr", "x"}, false},
		{[]string{"--env-file", "/etc/treem.env", "serve"}, "/etc/treem.env", []string{"serve"}, false},
		{[]string{"--env-file=/etc/treem.env", "token"}, "/etc/treem.env", []string{"token"}, false},
		{[]string{"-env-file", "a.env", "etl"}, "a.env", []string{"etl"}, false},
		{[]string{"--env-file"}, "", nil, true},
		{nil, "", nil, false},
	}
	for _, tt := range tests {
		file, rest, err := envFileFlag(tt.args)
		if (err != nil) != tt.failure || file != tt.file || strings.Join(rest, " ") != strings.Join(tt.rest, " ") {
			t.Errorf("envFileFlag(%q) = %q, %q, %v", tt.args, file, rest, err)
		}
	}
}

// devCheckout returns a directory laid out like a development checkout: a
// .data/env as `make up` writes it, with databaseURL.
func devCheckout(t *testing.T, databaseURL string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".data"), 0o700); err != nil {
		t.Fatal(err)
	}
	content := "DATABASE_URL=" + databaseURL + "\nTREEM_JWT_SECRET=" + secret + "\nTREEM_CURSOR_KEY=" + cursorKey + "\n"
	if err := os.WriteFile(filepath.Join(dir, config.DevFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestProductionRefusals starts `treem serve` with TREEM_ENV=production on
// each setting production must not run on, and reads the one-line reason.
func TestProductionRefusals(t *testing.T) {
	_, dbURL := testdb.URL(t) // the owner's login
	prod := []string{"TREEM_ENV=production", "DATABASE_URL=" + dbURL}
	good := append([]string{"TREEM_JWT_SECRET=" + secret, "TREEM_CURSOR_KEY=" + cursorKey}, prod...)
	dev := devCheckout(t, testdb.As(t, dbURL, testdb.APIURL))
	fromFile := func(environ ...string) config.Env {
		env, err := config.Load(environ, dev, "")
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	tests := []struct {
		name   string
		env    config.Env
		args   []string
		reason string
	}{
		{"an unknown environment", envOf(t, append(good, "TREEM_ENV=prod")...), nil, `TREEM_ENV="prod": want development or production`},
		{"--dev", envOf(t, good...), []string{"--dev"}, "refuses to serve: --dev generates a JWT secret"},
		{"no JWT secret", envOf(t, append(prod, "TREEM_CURSOR_KEY="+cursorKey)...), nil,
			"refuses to serve: TREEM_JWT_SECRET is not set"},
		{"a short JWT secret", envOf(t, append(prod, "TREEM_JWT_SECRET=short", "TREEM_CURSOR_KEY="+cursorKey)...), nil,
			"refuses to serve: TREEM_JWT_SECRET is 5 bytes, fewer than 32"},
		{"no cursor key", envOf(t, append(prod, "TREEM_JWT_SECRET="+secret)...), nil,
			"refuses to serve: TREEM_CURSOR_KEY is not set"},
		{"a short cursor key", envOf(t, append(prod, "TREEM_JWT_SECRET="+secret, "TREEM_CURSOR_KEY=0123456789")...), nil,
			"refuses to serve: TREEM_CURSOR_KEY is 10 bytes, fewer than 32"},
		{"the development JWT secret", fromFile("TREEM_ENV=production", "TREEM_CURSOR_KEY="+cursorKey, "DATABASE_URL="+dbURL), nil,
			"refuses to serve: TREEM_JWT_SECRET is the development one from " + filepath.Join(dev, config.DevFile)},
		{"the development cursor key", fromFile("TREEM_ENV=production", "TREEM_JWT_SECRET="+secret, "DATABASE_URL="+dbURL), nil,
			"refuses to serve: TREEM_CURSOR_KEY is the development one from " + filepath.Join(dev, config.DevFile)},
		{"the development database", fromFile("TREEM_ENV=production", "TREEM_JWT_SECRET="+secret, "TREEM_CURSOR_KEY="+cursorKey), nil,
			"refuses to serve: DATABASE_URL is the development one from " + filepath.Join(dev, config.DevFile)},
		{"the development database through the flag's variable", settingsOf(t,
			[]string{"TREEM_ENV=production", "TREEM_JWT_SECRET=" + secret, "TREEM_CURSOR_KEY=" + cursorKey},
			"TREEM_DATABASE_URL="+testdb.As(t, dbURL, testdb.APIURL)+"\n"), nil,
			"refuses to serve: TREEM_DATABASE_URL is the development one from "},
		{"the development file named by TREEM_ENV_FILE",
			envOf(t, "TREEM_ENV=production", config.FileVar+"="+filepath.Join(dev, config.DevFile)), nil,
			"refuses to serve: TREEM_JWT_SECRET is the development one from " + filepath.Join(dev, config.DevFile)},
		{"the owner's login", envOf(t, good...), nil,
			"refuses to serve: DATABASE_URL logs in as treem_owner, which owns the tables"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"serve", "--addr", freeAddr(t)}, tt.args...), tt.env, io.Discard, io.Discard)
			if err == nil {
				t.Fatal("serve started")
			}
			if msg := oneLine(err); !strings.Contains(msg, tt.reason) || strings.Contains(msg, "\n") {
				t.Fatalf("reason %q, want one line with %q", msg, tt.reason)
			}
		})
	}
	// The same settings outside production: the development file is welcome.
	// (Served until the context ends: a start is all this checks.)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := run(ctx, []string{"serve", "--addr", freeAddr(t)}, fromFile(), io.Discard, io.Discard); err != nil {
		t.Fatalf("development serve with .data/env: %v", err)
	}
}

// TestProductionRefusalIsPrinted runs the binary in a development checkout
// with TREEM_ENV=production: it exits 1 with the reason on one line. Named
// with --env-file, production settings get past the secrets and are refused
// on the owner's login instead.
func TestProductionRefusalIsPrinted(t *testing.T) {
	_, dbURL := testdb.URL(t)
	dev := devCheckout(t, dbURL)
	prodFile := filepath.Join(t.TempDir(), "treem.env")
	content := "TREEM_ENV=production\nDATABASE_URL=" + dbURL + "\nTREEM_JWT_SECRET=production-" + secret +
		"\nTREEM_CURSOR_KEY=production-" + cursorKey + "\n"
	if err := os.WriteFile(prodFile, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"in a development checkout", []string{"serve"}, "treem: TREEM_ENV=production refuses to serve: TREEM_JWT_SECRET " +
			"is the development one from " + filepath.Join(dev, config.DevFile) + " (written by 'make up'): " +
			"give production its own through the environment or --env-file\n"},
		{"with --env-file", []string{"--env-file", prodFile, "serve"}, "treem: TREEM_ENV=production refuses to serve: " +
			"DATABASE_URL logs in as treem_owner, which owns the tables (or may become their owner), so row-level " +
			"security does not hold it and it can alter the audit log: connect as treem_api\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, tt.args...)...)
			cmd.Dir = dev
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TREEM_AS_MAIN=1", "TREEM_ENV=production"}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit: %v, stderr %q", err, stderr.String())
			}
			if stderr.String() != tt.stderr {
				t.Fatalf("stderr = %q\nwant     %q", stderr.String(), tt.stderr)
			}
		})
	}
}

// TestProductionLoginRole checks the logins production accepts against the
// real roles: the API's is accepted; the owner's, held by no row-level
// security, is refused.
func TestProductionLoginRole(t *testing.T) {
	_, dbURL := testdb.URL(t)
	ctx := context.Background()
	tests := []struct {
		login  string
		reason string
	}{
		{testdb.APIURL, ""},
		{testdb.OwnerURL, "logs in as treem_owner, which owns the tables"},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			pool, err := postgres.Open(ctx, testdb.As(t, dbURL, tt.login), postgres.ProgramServe)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			err = refuseLogin(ctx, pool)
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
				t.Fatalf("refusal %v, want %q", err, tt.reason)
			}
		})
	}
}

// TestProductionRoleAttributes: the attributes that step around row-level
// security are refused, each with its reason. No test login may create a
// superuser, so these are checked on the role's description.
func TestProductionRoleAttributes(t *testing.T) {
	tests := []struct {
		role   postgres.LoginRole
		reason string
	}{
		{postgres.LoginRole{Name: "treem_api"}, ""},
		{postgres.LoginRole{Name: "r", BypassRLS: true}, "DATABASE_URL logs in as r, which bypasses row-level security (BYPASSRLS)"},
		{postgres.LoginRole{Name: "postgres", Superuser: true, BypassRLS: true, OwnsTables: true},
			"DATABASE_URL logs in as postgres, a Postgres superuser"},
		{postgres.LoginRole{Name: "o", OwnsTables: true}, "DATABASE_URL logs in as o, which owns the tables"},
	}
	for _, tt := range tests {
		err := refuseRole(tt.role)
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%+v refused: %v", tt.role, err)
		case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
			t.Errorf("%+v: refusal %v, want %q", tt.role, err, tt.reason)
		}
	}
}

// TestTokenRefusesAreas: 'treem token' prints no token the server would refuse.
func TestTokenRefusesAreas(t *testing.T) {
	_, dbURL := testdb.URL(t)
	env := dbEnv(t, dbURL, "TREEM_JWT_SECRET="+secret)
	tests := []struct {
		role, area string
		reason     string // "" when a token is printed
	}{
		{"province_officer", "75", ""},
		{"province_officer", "99", `cannot issue a token: area "99" is not an org unit`},
		{"province_officer", "00", `cannot issue a token: area "00" is not an org unit`},
		{"province_officer", "731", "2-digit"},
		{"district_officer", "742", ""},
		{"district_officer", "700", `cannot issue a token: area "700" is not an org unit`},
		{"commune_officer", "26041", ""},
		{"commune_officer", "12345", `cannot issue a token: area "12345" is not an org unit`},
		{"analyst", "26041", ""},
		{"leader", "99", `cannot issue a token: area "99" is not an org unit`},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := run(context.Background(), []string{"token", "--role", tt.role, "--area", tt.area}, env, &out, io.Discard)
		switch {
		case tt.reason == "" && (err != nil || strings.Count(out.String(), ".") != 2):
			t.Errorf("%s %s: %v %q", tt.role, tt.area, err, out.String())
		case tt.reason != "" && (domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(oneLine(err), tt.reason) || out.Len() != 0):
			t.Errorf("%s %s: %v, printed %q; want INVALID_INPUT naming %q", tt.role, tt.area, err, out.String(), tt.reason)
		}
	}
	err := run(context.Background(), []string{"token", "--role", "analyst", "--area", "75"},
		envOf(t, "TREEM_JWT_SECRET="+secret), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL is not set") {
		t.Fatalf("token without a database: %v", err)
	}
}

// serving runs `treem serve` with env until stop, and returns its address.
func serving(t *testing.T, env config.Env) (addr string, stop func()) {
	t.Helper()
	addr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, []string{"serve", "--addr", addr}, env, io.Discard, &logs) }()
	for range 100 {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			return addr, func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve: %v", err)
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	t.Fatalf("serve did not come up: %v\n%s", <-done, logs.String())
	return "", nil
}

// page asks addr for a page of two children after cursor ("" for the first).
func page(t *testing.T, addr, token, cursor string) (ids []string, endCursor, code string) {
	t.Helper()
	vars := map[string]any{}
	if cursor != "" {
		vars["after"] = cursor
	}
	body, _ := json.Marshal(map[string]any{"variables": vars,
		"query": `query($after: String) { children(first: 2, after: $after) { edges { node { id } } pageInfo { endCursor } } }`})
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Data struct {
			Children struct {
				Edges []struct {
					Node struct{ ID string }
				}
				PageInfo struct{ EndCursor string }
			}
		}
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		return nil, "", r.Errors[0].Extensions.Code
	}
	for _, e := range r.Data.Children.Edges {
		ids = append(ids, e.Node.ID)
	}
	return ids, r.Data.Children.PageInfo.EndCursor, ""
}

// TestCursorSurvivesRestart pages through children on one server process
// and continues on another with the same TREEM_CURSOR_KEY, as after a restart
// or on a second replica; a process with another key refuses the cursor.
func TestCursorSurvivesRestart(t *testing.T) {
	_, dbURL := testdb.URL(t)
	env := func(key string) config.Env {
		return dbEnv(t, dbURL, "TREEM_JWT_SECRET="+secret, "TREEM_CURSOR_KEY="+key)
	}
	if err := run(context.Background(), []string{"seed", "--children", "20", "--seed", "3"}, env(cursorKey), io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	tok, err := auth.Issue([]byte(secret), domain.User{Subject: "t", Role: domain.RoleProvinceOfficer, Area: "75"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	first, stop := serving(t, env(cursorKey))
	page1, cursor, code := page(t, first, tok, "")
	stop()
	if code != "" || len(page1) != 2 || cursor == "" {
		t.Fatalf("first page: %v %q %s", page1, cursor, code)
	}
	second, stop := serving(t, env(cursorKey))
	defer stop()
	page2, _, code := page(t, second, tok, cursor)
	if code != "" || len(page2) != 2 || page2[0] == page1[0] || page2[0] == page1[1] {
		t.Fatalf("second page on another process: %v after %v (%s)", page2, page1, code)
	}
	other, stopOther := serving(t, env("another-key-another-key-another-key-01"))
	defer stopOther()
	if _, _, code := page(t, other, tok, cursor); code != "INVALID_INPUT" {
		t.Fatalf("a cursor sealed under another key: code %q, want INVALID_INPUT", code)
	}
}

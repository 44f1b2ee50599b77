package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"treem/internal/auth"
	"treem/internal/domain"
	"treem/internal/testdb"
)

// TestUserCommands: treem user add, disable, reset-password and demo
// through the owner's login, with the password on standard input and JSON
// logs that never hold it.
func TestUserCommands(t *testing.T) {
	pool, dbURL := testdb.URL(t)
	env := dbEnv(t, dbURL, "TREEM_LOG_FORMAT=json")
	ctx := context.Background()
	user := func(stdin string, args ...string) (string, error) {
		var logs bytes.Buffer
		err := userCommand(strings.NewReader(stdin))(ctx, args, env, io.Discard, &logs)
		return logs.String(), err
	}
	const pw = "một mật khẩu đủ dài"
	logs, err := user(pw+"\n", "add", "--username", "Lan.Nguyen", "--display-name", "Nguyễn Thị Lan",
		"--role", "district_officer", "--area", "731", "--password-stdin")
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs)), &rec); err != nil || rec["msg"] != "user added" || rec["username"] != "lan.nguyen" {
		t.Fatalf("add logs %q (%v)", logs, err)
	}
	if strings.Contains(logs, pw) {
		t.Fatal("the log holds the password")
	}
	var hash string
	if err := pool.QueryRow(ctx, "SELECT password_hash FROM app_user WHERE username = 'lan.nguyen'").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.VerifyPassword(hash, pw); !ok || err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("stored hash %q does not verify the password (%v)", hash, err)
	}

	refusals := []struct {
		name  string
		stdin string
		args  []string
		code  domain.Code
	}{
		{"same name in another case", pw, []string{"add", "--username", "LAN.NGUYEN", "--role", "analyst", "--area", "75", "--password-stdin"}, domain.CodeConflict},
		{"no --password-stdin", pw, []string{"add", "--username", "x1", "--role", "analyst", "--area", "75"}, domain.CodeInvalidInput},
		{"short password", "short\n", []string{"add", "--username", "x2", "--role", "analyst", "--area", "75", "--password-stdin"}, domain.CodeInvalidInput},
		{"unknown role", pw, []string{"add", "--username", "x3", "--role", "admin", "--area", "75", "--password-stdin"}, domain.CodeInvalidInput},
		{"area not a unit", pw, []string{"add", "--username", "x4", "--role", "analyst", "--area", "99", "--password-stdin"}, domain.CodeInvalidInput},
		{"area of the wrong level", pw, []string{"add", "--username", "x5", "--role", "commune_officer", "--area", "731", "--password-stdin"}, domain.CodeInvalidInput},
		{"malformed name", pw, []string{"add", "--username", "a b", "--role", "analyst", "--area", "75", "--password-stdin"}, domain.CodeInvalidInput},
		{"disable nobody", "", []string{"disable", "--username", "nobody"}, domain.CodeNotFound},
		{"reset nobody", pw, []string{"reset-password", "--username", "nobody", "--password-stdin"}, domain.CodeNotFound},
	}
	for _, tt := range refusals {
		if _, err := user(tt.stdin, tt.args...); domain.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}

	const pw2 = "a new password, long enough"
	if _, err := user(pw2+"\r\n", "reset-password", "--username", "LAN.nguyen", "--password-stdin"); err != nil {
		t.Fatalf("reset-password: %v", err)
	}
	if err := pool.QueryRow(ctx, "SELECT password_hash FROM app_user WHERE username = 'lan.nguyen'").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.VerifyPassword(hash, pw2); !ok {
		t.Fatal("the new password does not verify")
	}
	logs, err = user("", "disable", "--username", "lan.nguyen")
	if err != nil || !strings.Contains(logs, `"sessions_ended":0`) {
		t.Fatalf("disable: %v %s", err, logs)
	}
	var active bool
	if err := pool.QueryRow(ctx, "SELECT active FROM app_user WHERE username = 'lan.nguyen'").Scan(&active); err != nil || active {
		t.Fatalf("active after disable = %v (%v)", active, err)
	}

	// demo adds one user per role once, and prints each password once.
	var out bytes.Buffer
	if err := userCommand(nil)(ctx, []string{"demo"}, env, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v", err)
	}
	for _, d := range demoUsers {
		if !strings.Contains(out.String(), d.username) {
			t.Errorf("demo printed no line for %s:\n%s", d.username, out.String())
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(DISTINCT role) FROM app_user WHERE username LIKE 'demo.%'").Scan(&n); err != nil || n != 5 {
		t.Fatalf("demo users' roles = %d (%v), want 5", n, err)
	}
	out.Reset()
	if err := userCommand(nil)(ctx, []string{"demo"}, env, &out, io.Discard); err != nil || out.Len() != 0 {
		t.Fatalf("a second demo printed %q (%v), want nothing", out.String(), err)
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// devCheckout returns a directory holding a .data/env with content.
func devCheckout(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DevFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadPrefersEnvironmentOverFile(t *testing.T) {
	dir := devCheckout(t, "DATABASE_URL=postgres://file\n# comment\nCLICKHOUSE_ADDR=127.0.0.1:1\n")
	env, err := Load([]string{"DATABASE_URL=postgres://env", "EMPTY="}, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, def, want string }{
		{"DATABASE_URL", "", "postgres://env"},
		{"CLICKHOUSE_ADDR", "", "127.0.0.1:1"},
		{"EMPTY", "d", "d"},
		{"MISSING", "d", "d"},
	}
	for _, tt := range tests {
		if got := env.Get(tt.key, tt.def); got != tt.want {
			t.Errorf("Get(%s) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

// A program started below the repository root, or anywhere else, does not
// find a .data/env further up.
func TestLoadDoesNotWalkUp(t *testing.T) {
	dir := devCheckout(t, "TREEM_JWT_SECRET=development\n")
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	env, err := Load(nil, sub, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Get("TREEM_JWT_SECRET", ""); got != "" {
		t.Fatalf("a subdirectory read the parent's .data/env: %q", got)
	}
}

func TestLoadNamedFile(t *testing.T) {
	dir := devCheckout(t, "TREEM_JWT_SECRET=development\n")
	named := filepath.Join(t.TempDir(), "treem.env")
	if err := os.WriteFile(named, []byte("TREEM_JWT_SECRET=production\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, load := range map[string]func() (Env, error){
		"--env-file":     func() (Env, error) { return Load(nil, dir, named) },
		"TREEM_ENV_FILE": func() (Env, error) { return Load([]string{FileVar + "=" + named}, dir, "") },
		"flag over variable": func() (Env, error) {
			return Load([]string{FileVar + "=" + filepath.Join(dir, DevFile)}, dir, named)
		},
	} {
		env, err := load()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := env.Get("TREEM_JWT_SECRET", ""); got != "production" {
			t.Errorf("%s: TREEM_JWT_SECRET = %q, want the named file's", name, got)
		}
		if f := env.DevelopmentFile("TREEM_JWT_SECRET"); f != "" {
			t.Errorf("%s: a named file outside .data is taken for a development file (%s)", name, f)
		}
	}
	missing := filepath.Join(t.TempDir(), "absent.env")
	if _, err := Load(nil, dir, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("--env-file naming a missing file: %v", err)
	}
	if _, err := Load([]string{FileVar + "=" + missing}, dir, ""); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("TREEM_ENV_FILE naming a missing file: %v", err)
	}
}

func TestDevelopmentFile(t *testing.T) {
	dir := devCheckout(t, "TREEM_JWT_SECRET=development\nDATABASE_URL=postgres://file\n")
	for name, env := range map[string][]string{
		"found in the directory":  {"DATABASE_URL=postgres://env"},
		"named by TREEM_ENV_FILE": {"DATABASE_URL=postgres://env", FileVar + "=" + filepath.Join(dir, DevFile)},
	} {
		e, err := Load(env, dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := e.DevelopmentFile("TREEM_JWT_SECRET"); got != filepath.Join(dir, DevFile) {
			t.Errorf("%s: DevelopmentFile(TREEM_JWT_SECRET) = %q", name, got)
		}
		if got := e.DevelopmentFile("DATABASE_URL"); got != "" {
			t.Errorf("%s: a value from the environment is said to come from %q", name, got)
		}
	}
}

func TestWith(t *testing.T) {
	dir := devCheckout(t, "TREEM_LOG_FORMAT=text\n")
	env, err := Load(nil, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	with := env.With("TREEM_LOG_FORMAT", "json")
	if got := with.Get("TREEM_LOG_FORMAT", ""); got != "json" {
		t.Errorf("With: TREEM_LOG_FORMAT = %q, want json", got)
	}
	if f := with.DevelopmentFile("TREEM_LOG_FORMAT"); f != "" {
		t.Errorf("a value given by With is said to come from %s", f)
	}
	if got := env.Get("TREEM_LOG_FORMAT", ""); got != "text" || env.DevelopmentFile("TREEM_LOG_FORMAT") == "" {
		t.Errorf("With changed the original: %q", got)
	}
}

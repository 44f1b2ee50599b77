package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadPrefersEnvironmentOverFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".data"), 0o755); err != nil {
		t.Fatal(err)
	}
	content := "DATABASE_URL=postgres://file\n# comment\nCLICKHOUSE_ADDR=127.0.0.1:1\n"
	if err := os.WriteFile(filepath.Join(dir, ".data", "env"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	env := Load([]string{"DATABASE_URL=postgres://env", "EMPTY="}, sub)
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

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"treem/internal/config"
	"treem/internal/domain"
)

// settingsOf is the settings of a program started with environ in a checkout
// whose .data/env holds file.
func settingsOf(t *testing.T, environ []string, file string) config.Env {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, config.DevFile), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := config.Load(environ, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestParseFlagsPrecedence(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		environ []string
		file    string
		want    string
	}{
		{"default", nil, nil, "", "default"},
		{"file", nil, nil, "TREEM_METRICS_ADDR=file", "file"},
		{"environment over file", nil, []string{"TREEM_METRICS_ADDR=environment"}, "TREEM_METRICS_ADDR=file", "environment"},
		{"flag over environment", []string{"--metrics-addr", "flag"}, []string{"TREEM_METRICS_ADDR=environment"},
			"TREEM_METRICS_ADDR=file", "flag"},
		{"flag over file", []string{"--metrics-addr=flag"}, nil, "TREEM_METRICS_ADDR=file", "flag"},
		{"empty variable is unset", nil, []string{"TREEM_METRICS_ADDR="}, "", "default"},
		{"other variables ignored", nil, []string{"METRICS_ADDR=x", "TREEM_METRICS=x"}, "", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			addr := fs.String("metrics-addr", "default", "")
			if err := parseFlags(fs, tt.args, settingsOf(t, tt.environ, tt.file)); err != nil {
				t.Fatal(err)
			}
			if *addr != tt.want {
				t.Errorf("--metrics-addr = %q, want %q", *addr, tt.want)
			}
		})
	}
}

// Typed flags take their variables' values through the flag's own parser.
func TestParseFlagsTypes(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	every := fs.Duration("every", 0, "")
	n := fs.Int("children", 1, "")
	dry := fs.Bool("dry-run", false, "")
	env := settingsOf(t, []string{"TREEM_EVERY=30s", "TREEM_DRY_RUN=true"}, "TREEM_CHILDREN=7\n")
	if err := parseFlags(fs, nil, env); err != nil {
		t.Fatal(err)
	}
	if *every != 30*time.Second || *n != 7 || !*dry {
		t.Errorf("every=%v children=%d dry-run=%v", *every, *n, *dry)
	}
}

// A bad value from the environment (or the file) is a one-line error naming
// the variable, before any connection is tried.
func TestBadValueFromEnvironment(t *testing.T) {
	tests := []struct {
		args []string
		kv   string
	}{
		{[]string{"etl"}, "TREEM_EVERY=soon"},
		{[]string{"seed"}, "TREEM_CHILDREN=many"},
		{[]string{"serve"}, "TREEM_INTROSPECTION=maybe"},
		{[]string{"migrate"}, "TREEM_LOG_FORMAT=xml"},
	}
	for _, tt := range tests {
		name, _, _ := strings.Cut(tt.kv, "=")
		for where, env := range map[string]config.Env{
			"environment": settingsOf(t, []string{tt.kv}, ""),
			"file":        settingsOf(t, nil, tt.kv+"\n"),
		} {
			err := run(context.Background(), tt.args, env, io.Discard, io.Discard)
			msg := oneLine(err)
			if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.HasPrefix(msg, name+"=") ||
				strings.Contains(msg, "\n") {
				t.Errorf("%v with %s in the %s: %q, want one line naming %s", tt.args, tt.kv, where, msg, name)
			}
		}
	}
}

func TestServeSettingsPrecedence(t *testing.T) {
	const db = "DATABASE_URL=postgres://treem_api@127.0.0.1:1/treem"
	tests := []struct {
		name          string
		args, environ []string
		file          string
		addr, chAddr  string
		introspection bool
	}{
		{"defaults", nil, []string{db}, "", "127.0.0.1:8080", "", false},
		{"file", nil, []string{db}, "TREEM_ADDR=:1\nCLICKHOUSE_ADDR=ch:1\nTREEM_INTROSPECTION=true\n", ":1", "ch:1", true},
		{"environment", nil, []string{db, "TREEM_ADDR=:2", "TREEM_CLICKHOUSE_ADDR=ch:2"},
			"TREEM_ADDR=:1\nCLICKHOUSE_ADDR=ch:1\n", ":2", "ch:2", false},
		{"TREEM_ variable over the older setting", nil, []string{db, "CLICKHOUSE_ADDR=ch:2"},
			"TREEM_CLICKHOUSE_ADDR=ch:1\n", "127.0.0.1:8080", "ch:1", false},
		{"flags", []string{"--addr", ":3", "--clickhouse-addr", "ch:3", "--introspection=false"},
			[]string{db, "TREEM_ADDR=:2", "TREEM_CLICKHOUSE_ADDR=ch:2", "TREEM_INTROSPECTION=true"}, "", ":3", "ch:3", false},
		{"--dev turns introspection on", []string{"--dev"}, []string{db}, "", "127.0.0.1:8080", "", true},
		{"unless a variable turns it off", []string{"--dev"}, []string{db, "TREEM_INTROSPECTION=false"}, "",
			"127.0.0.1:8080", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseServe(tt.args, settingsOf(t, tt.environ, tt.file), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.addr != tt.addr || c.clickhouseAddr != tt.chAddr || c.introspection != tt.introspection {
				t.Errorf("addr=%q clickhouse-addr=%q introspection=%v, want %q %q %v",
					c.addr, c.clickhouseAddr, c.introspection, tt.addr, tt.chAddr, tt.introspection)
			}
		})
	}
}

// helpFlag is a flag as --help prints it: its name and the lines under it.
type helpFlag struct{ name, text string }

var helpFlagLine = regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`)

// helpFlags runs args (a --help) and returns the flags it prints.
func helpFlags(t *testing.T, args ...string) []helpFlag {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, envOf(t), &out, &out)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("%v: %v", args, err)
	}
	help := out.String()
	var flags []helpFlag
	at := helpFlagLine.FindAllStringSubmatchIndex(help, -1)
	for i, m := range at {
		end := len(help)
		if i+1 < len(at) {
			end = at[i+1][0]
		}
		flags = append(flags, helpFlag{help[m[2]:m[3]], help[m[0]:end]})
	}
	if len(flags) == 0 && args[0] != "version" {
		t.Fatalf("%v printed no flags:\n%s", args, help)
	}
	return flags
}

// everyHelp lists the --help of treem (the global flags) and of each
// command.
func everyHelp() map[string][]string {
	helps := map[string][]string{"": {"--help"}}
	for name := range commands() {
		if name == "user" {
			// A command of subcommands: its --help lists them, each has its flags.
			for sub := range userSubcommands(nil) {
				helps[name+" "+sub] = []string{name, sub, "--help"}
			}
			continue
		}
		helps[name] = []string{name, "--help"}
	}
	return helps
}

func TestHelpNamesEveryVariable(t *testing.T) {
	for name, args := range everyHelp() {
		for _, f := range helpFlags(t, args...) {
			if !strings.Contains(f.text, "env "+flagVar(f.name)) {
				t.Errorf("treem %s --help does not name %s under --%s:\n%s", name, flagVar(f.name), f.name, f.text)
			}
		}
	}
}

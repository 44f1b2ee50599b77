package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"treem/internal/domain"
	"treem/internal/testdb"
)

func TestSeedCommand(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.URL(t)
	env := dbEnv(t, dbURL)

	if err := run(ctx, []string{"seed", "--help"}, env, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("seed --help: %v", err)
	}
	for _, args := range [][]string{
		{"--children", "-1"}, {"--children", "0"}, {"--children", "10", "--today", "28/11/2026"}, {"--children", "10", "extra"},
	} {
		err := run(ctx, append([]string{"seed"}, args...), env, io.Discard, io.Discard)
		if domain.ErrorCode(err) != domain.CodeInvalidInput || strings.Contains(oneLine(err), "\n") {
			t.Errorf("seed %v: %v, want a one-line INVALID_INPUT", args, err)
		}
	}
	unreachable := envOf(t, "DATABASE_OWNER_URL=postgres://treem_owner@127.0.0.1:1/treem?connect_timeout=2")
	err := run(ctx, []string{"seed", "--children", "10"}, unreachable, io.Discard, io.Discard)
	if domain.ErrorCode(err) != domain.CodeUnavailable || strings.Contains(oneLine(err), "\n") ||
		!strings.Contains(oneLine(err), "unreachable") {
		t.Errorf("seed against a closed port: %q, want a one-line UNAVAILABLE", oneLine(err))
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM child`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("bad input wrote %d children (%v)", n, err)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--children", "200", "--seed", "4", "--today", "2026-11-28"}, env, &out, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if !strings.Contains(out.String(), "200 children") {
		t.Errorf("seed printed %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"seed", "--children", "500", "--if-empty"}, env, &out, io.Discard); err != nil {
		t.Fatalf("seed --if-empty: %v", err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM child`).Scan(&n); err != nil || n != 200 {
		t.Fatalf("--if-empty changed the data: %d children (%v)", n, err)
	}
}

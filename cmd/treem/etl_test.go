package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

func TestETLCommand(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.URL(t)
	conn, chDB := chtest.Database(t)
	addr := chtest.Addr(t)
	env := dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+chDB)

	if err := run(ctx, []string{"etl", "--help"}, env, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("etl --help: %v", err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"postgres down", []string{"DATABASE_ETL_URL=postgres://treem_etl@127.0.0.1:1/treem?connect_timeout=2", "CLICKHOUSE_ADDR=" + addr}, "postgres"},
		{"clickhouse down", append(logins(t, dbURL), "CLICKHOUSE_ADDR=127.0.0.1:1"), "clickhouse"},
		{"warehouse not migrated", append(logins(t, dbURL), "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE=default"), "treem migrate"},
	} {
		err := run(ctx, []string{"etl"}, envOf(t, tc.env...), io.Discard, io.Discard)
		msg := oneLine(err)
		if domain.ErrorCode(err) != domain.CodeUnavailable || strings.Contains(msg, "\n") || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %q, want a one-line UNAVAILABLE naming %q", tc.name, msg, tc.want)
		}
	}

	if err := run(ctx, []string{"seed", "--children", "150", "--seed", "3"}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	err := run(ctx, []string{"publish"}, env, io.Discard, io.Discard)
	if domain.ErrorCode(err) != domain.CodeUnavailable || !strings.Contains(oneLine(err), "run 'treem etl' first") {
		t.Errorf("publish before any ETL run: %v, want UNAVAILABLE asking for 'treem etl'", err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"etl", "--dry-run"}, env, &out, io.Discard); err != nil {
		t.Fatalf("etl --dry-run: %v", err)
	}
	if !strings.Contains(out.String(), "would load") {
		t.Errorf("dry run printed %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"etl"}, env, &out, io.Discard); err != nil {
		t.Fatalf("etl: %v", err)
	}
	if !strings.HasPrefix(out.String(), "full run") {
		t.Errorf("first etl printed %q, want a full run", out.String())
	}
	// Two rewrites of the published database at once would share its stage.
	release, err := postgres.NewETLSource(pool).LockPublish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"publish"}, env, io.Discard, io.Discard)
	release()
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "another publish is in progress") {
		t.Errorf("publish while another holds its lock: %v, want CONFLICT", err)
	}
	out.Reset()
	if err := run(ctx, []string{"etl"}, env, &out, io.Discard); err != nil {
		t.Fatalf("second etl: %v", err)
	}
	if !strings.HasPrefix(out.String(), "incremental run") {
		t.Errorf("second etl printed %q, want an incremental run", out.String())
	}
	// --every loops until the context ends (a signal in main): here, once two
	// more runs succeeded (each publishes too), or after a minute.
	loop, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	succeeded := func() uint64 {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM etl_runs FINAL WHERE status = 'succeeded'").Scan(&n); err != nil {
			t.Error(err)
		}
		return n
	}
	go func() {
		for loop.Err() == nil && succeeded() < 4 {
			time.Sleep(200 * time.Millisecond)
		}
		cancel()
	}()
	if err := run(loop, []string{"etl", "--every", "300ms"}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("etl --every: %v", err)
	}
	if n := succeeded(); n < 4 {
		t.Errorf("etl_runs has %d succeeded runs, want 2 + at least 2 from --every", n)
	}
}

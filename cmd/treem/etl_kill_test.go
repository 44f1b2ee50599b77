package main

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/testdb"
)

// TestMain lets the test binary act as the treem binary (TREEM_AS_MAIN=1):
// same main, flags, signals and exit codes, so a test can SIGKILL it.
func TestMain(m *testing.M) {
	if os.Getenv("TREEM_AS_MAIN") == "1" {
		os.Args = append([]string{"treem"}, os.Args[len(os.Args)-countTreemArgs():]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// countTreemArgs: the treem arguments follow "--" on the command line.
func countTreemArgs() int {
	for i, a := range os.Args {
		if a == "--" {
			return len(os.Args) - i - 1
		}
	}
	return 0
}

// TestETLKilledAndRerunIsIdentical kills `treem etl` (this binary as treem)
// with SIGKILL after a random delay, runs it again, and compares every table
// with a clean full load of the same data.
func TestETLKilledAndRerunIsIdentical(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.URL(t)
	connA, dbA := chtest.Database(t)
	connB, dbB := chtest.Database(t)
	addr := chtest.Addr(t)
	envA := dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+dbA)
	envB := dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+dbB)
	if err := run(ctx, []string{"seed", "--children", "300", "--seed", "5"}, envA, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	start := time.Now()
	if err := run(ctx, []string{"etl", "--full"}, envB, io.Discard, io.Discard); err != nil {
		t.Fatalf("clean etl: %v", err)
	}
	clean := time.Since(start)
	rng := rand.New(rand.NewPCG(11, 12))
	for round := 0; round < 4; round++ {
		// Odd rounds kill a full run; even ones an incremental run of a change.
		args := []string{"etl"}
		if round%2 == 1 {
			args = append(args, "--full")
		} else if _, err := pool.Exec(ctx, `UPDATE child SET birth_date = birth_date - 40 WHERE id % 7 = $1`, round); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
		// The child runs in this package's directory, which holds no .data/env:
		// it gets the warehouse users from its environment.
		cmd.Env = append(append(os.Environ(), chtest.UserEnv()...),
			"TREEM_AS_MAIN=1", cellKeyEnv, "DATABASE_ETL_URL="+testdb.As(t, dbURL, testdb.ETLURL), "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+dbA)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(clean)))
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		// The killed session's advisory lock goes when Postgres notices.
		var err error
		for i := 0; i < 100; i++ {
			if err = run(ctx, []string{"etl"}, envA, io.Discard, io.Discard); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("rerun after SIGKILL at %s: %v", delay, err)
		}
		if err := run(ctx, []string{"etl", "--full"}, envB, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"dim_unit", "dim_unit_edge", "fact_unit_year", "fact_child_month"} {
			na, sa, err := clickhouse.NewLoader(connA).Checksum(ctx, table)
			if err != nil {
				t.Fatal(err)
			}
			nb, sb, err := clickhouse.NewLoader(connB).Checksum(ctx, table)
			if err != nil {
				t.Fatal(err)
			}
			if na != nb || sa != sb || nb == 0 {
				t.Errorf("round %d, SIGKILL after %s: %s has (%d, %d), a clean run (%d, %d)", round, delay, table, na, sa, nb, sb)
			}
		}
	}
}

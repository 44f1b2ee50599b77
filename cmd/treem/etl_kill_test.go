package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/etl"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/postgres"
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

// What a run killed before it finished leaves behind, by the step that
// clears it: each proves the kill landed before that step.
const (
	leftRunning = "its etl_runs row still 'running'"         // cleared by recording success
	leftPending = "a pending generation in the ledger state" // cleared by committing it
	leftStage   = "fact_child_month_stage in the warehouse"  // cleared by the run's last step
)

// killPoint is a place to SIGKILL a run: right after the log line with
// message after, in a full or an incremental run. The run must leave left
// behind, or the kill landed too late to count.
type killPoint struct {
	full  bool
	after string
	left  string
}

var killPoints = []killPoint{
	{full: true, after: "extracted and counted", left: leftPending}, // ledger rows written, no table loaded
	{full: true, after: "dimensions loaded", left: leftPending},     // dimensions replaced, cells not
	{full: true, after: "cells loaded", left: leftStage},            // cells replaced, generation maybe not committed
	{full: true, after: "loaded", left: leftStage},                  // committed, stages not yet dropped
	{full: false, after: "ledger read", left: leftRunning},          // reading the changed children
	{full: false, after: "counted", left: leftPending},              // generation's ledger rows written
	{full: false, after: "cells loaded", left: leftStage},           // differences attached
	{full: false, after: "loaded", left: leftStage},                 // committed, old marker retired
}

// TestETLKilledAndRerunIsIdentical kills `treem etl` (this binary as treem)
// with SIGKILL at each kill point, checks that the kill landed before the run
// finished, runs the ETL once more, and compares every table with a clean
// full load of the same data.
func TestETLKilledAndRerunIsIdentical(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.URL(t)
	connA, dbA := chtest.Database(t)
	connB, _ := chtest.Database(t)
	addr := chtest.Addr(t)
	etlURL := testdb.As(t, dbURL, testdb.ETLURL)
	envA := dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+dbA)
	if err := run(ctx, []string{"seed", "--children", "300", "--seed", "5"}, envA, io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if err := etlOnce(ctx, etlURL, connA, true, io.Discard); err != nil {
		t.Fatalf("first load: %v", err)
	}
	// The child runs in this package's directory, which holds no .data/env:
	// it gets the warehouse users from its environment.
	childEnv := append(append(os.Environ(), chtest.UserEnv()...), "TREEM_AS_MAIN=1", "TREEM_LOG_LEVEL=debug", cellKeyEnv,
		"DATABASE_ETL_URL="+etlURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+dbA)
	for i, p := range killPoints {
		mode := map[bool]string{true: "full", false: "incremental"}[p.full]
		// Every round changes some children, so that an incremental run has
		// work and the rerun has to undo or finish a real difference.
		if _, err := pool.Exec(ctx, `UPDATE child SET birth_date = birth_date - 40 WHERE id % 11 = $1`, i); err != nil {
			t.Fatal(err)
		}
		if left := leftovers(ctx, t, pool, connA, ""); left != "" {
			t.Fatalf("kill %d: before the run, the warehouse already holds %s", i, left)
		}
		args := []string{"etl"}
		if p.full {
			args = append(args, "--full")
		}
		lines, hit := killAfter(t, childEnv, args, p.after)
		if !hit {
			t.Fatalf("kill %d: the %s run never logged %q; it logged:\n%s", i, mode, p.after, strings.Join(lines, "\n"))
		}
		runID, gotMode := "", ""
		for _, l := range lines {
			if logValue(l, "msg") == "etl run" {
				runID, gotMode = logValue(l, "run_id"), logValue(l, "mode")
			}
			if logValue(l, "msg") == "etl run finished" {
				t.Fatalf("kill %d after %q landed after the %s run had finished:\n%s", i, p.after, mode, strings.Join(lines, "\n"))
			}
		}
		if gotMode != mode {
			t.Fatalf("kill %d: the run was %q, want %s:\n%s", i, gotMode, mode, strings.Join(lines, "\n"))
		}
		awaitGone(ctx, t, pool, connA)
		left := leftovers(ctx, t, pool, connA, runID)
		if !strings.Contains(left, p.left) {
			t.Fatalf("kill %d after %q: the %s run left %q, not %s: the kill landed too late", i, p.after, mode, left, p.left)
		}
		// One rerun, no retry: the killed run's sessions are gone, so nothing
		// but a defect can make it fail.
		var rerun bytes.Buffer
		if err := etlOnce(ctx, etlURL, connA, false, &rerun); err != nil {
			t.Fatalf("kill %d: rerun after SIGKILL after %q: %v", i, p.after, err)
		}
		settled := "nothing to settle"
		for l := range strings.Lines(rerun.String()) {
			if m := logValue(l, "msg"); strings.HasPrefix(m, "a killed run") {
				settled = m
			}
		}
		t.Logf("kill %d: %s run %s killed after %q; it left %s; the rerun: %s", i, mode, runID, p.after, left, settled)
		if err := etlOnce(ctx, etlURL, connB, true, io.Discard); err != nil {
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
				t.Errorf("kill %d after %q in a %s run: %s has (%d, %d), a clean run (%d, %d)", i, p.after, mode, table, na, sa, nb, sb)
			}
		}
	}
}

// etlOnce runs the ETL into conn's warehouse as `treem etl` does, with the
// ETL's login and this binary's code version, but does not publish: the
// published values are not compared, and publishing costs seconds a run.
func etlOnce(ctx context.Context, etlURL string, conn clickhouse.Conn, full bool, log io.Writer) error {
	pool, err := postgres.Open(ctx, etlURL, postgres.ProgramETL)
	if err != nil {
		return err
	}
	// Closed at once: after a kill, the test waits for every ETL session to end.
	defer pool.Close()
	version, err := codeVersion()
	if err != nil {
		return err
	}
	_, secret, _ := strings.Cut(cellKeyEnv, "=")
	_, err = etl.Run(ctx, postgres.NewETLSource(pool), clickhouse.NewLoader(conn), etl.Options{Full: full, Log: slog.New(slog.NewTextHandler(log, nil)),
		CellKeySecret: []byte(secret), CodeVersion: version})
	return err
}

// killAfter starts `treem etl args` (this binary as treem) and SIGKILLs it as
// soon as it logs a line with message msg. It returns every line the run
// wrote (those already on their way when it died too) and whether msg came.
func killAfter(t *testing.T, env, args []string, msg string) ([]string, bool) {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	hit := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if !hit && logValue(sc.Text(), "msg") == msg {
			_ = cmd.Process.Kill()
			hit = true
		}
	}
	_ = cmd.Wait()
	return lines, hit
}

// logValue returns the value of key in a line of slog's text format.
func logValue(line, key string) string {
	_, v, ok := strings.Cut(line, " "+key+"=")
	if !ok {
		return ""
	}
	if q, err := strconv.QuotedPrefix(v); err == nil {
		s, _ := strconv.Unquote(q)
		return s
	}
	v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
	return v
}

// awaitGone waits until the killed run's Postgres sessions have ended (its
// advisory lock ends with them), and until no statement on a staging table
// runs in ClickHouse (the server finishes the one the run sent as it died,
// which would race the rerun's): the servers notice a dead client only a
// moment after it dies. ClickHouse 18 does not show a query's database, so
// any test's staging statements count; they last milliseconds.
func awaitGone(ctx context.Context, t *testing.T, pool *pgxpool.Pool, conn clickhouse.Conn) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var sessions int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND application_name = $1`, postgres.ProgramETL).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		var queries uint64
		if err := conn.QueryRow(ctx, `SELECT count() FROM system.processes
			WHERE position(query, '_stage') > 0 AND position(query, 'system.processes') = 0`).Scan(&queries); err != nil {
			t.Fatal(err)
		}
		if sessions == 0 && queries == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed run still has %d Postgres sessions and %d ClickHouse queries", sessions, queries)
		}
	}
}

// leftovers describes what an unfinished run left: run runID still running,
// a pending ledger generation, staging tables. "" when there is none.
func leftovers(ctx context.Context, t *testing.T, pool *pgxpool.Pool, conn clickhouse.Conn, runID string) string {
	t.Helper()
	var found []string
	if runID != "" {
		var status string
		if err := conn.QueryRow(ctx, `SELECT status FROM etl_runs FINAL WHERE run_id = ?`, runID).Scan(&status); err != nil {
			t.Fatalf("run %s: %v", runID, err)
		}
		if status == "running" {
			found = append(found, leftRunning)
		}
	}
	var pending int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM etl_ledger_state WHERE pending_gen IS NOT NULL`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending > 0 {
		found = append(found, leftPending)
	}
	rows, err := conn.Query(ctx, `SELECT name FROM system.tables WHERE database = currentDatabase() AND endsWith(name, '_stage') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name == clickhouse.StageName("fact_child_month") {
			found = append(found, leftStage)
		} else {
			found = append(found, name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(found, ", ")
}

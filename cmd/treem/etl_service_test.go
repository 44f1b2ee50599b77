package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/testdb"
)

// asTreem prepares this test binary to run as `treem args…` (see TestMain)
// against dbURL's database and the warehouse chDB.
func asTreem(t *testing.T, dbURL, chDB string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	// The child runs in this package's directory, which holds no .data/env:
	// it gets the warehouse users from its environment.
	cmd.Env = append(append(os.Environ(), chtest.UserEnv()...),
		"TREEM_AS_MAIN=1", cellKeyEnv, "DATABASE_ETL_URL="+testdb.As(t, dbURL, testdb.ETLURL),
		"CLICKHOUSE_ADDR="+chtest.Addr(t), "CLICKHOUSE_DATABASE="+chDB)
	return cmd
}

// scrape reads the Prometheus text at url into name{labels} → value.
func scrape(url string) (map[string]float64, error) {
	res, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// TestETLServiceExportsFreshnessAndStopsOnSIGTERM runs `treem etl --every`
// as a process: its /metrics follow the warehouse's run log, a change
// committed in Postgres shows in the freshness within a few runs, idle runs
// do not publish again, and SIGTERM ends it with status 0.
func TestETLServiceExportsFreshnessAndStopsOnSIGTERM(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.URL(t)
	conn, chDB := chtest.Database(t)
	if err := run(ctx, []string{"seed", "--children", "120", "--seed", "4"}, dbEnv(t, dbURL), io.Discard, io.Discard); err != nil {
		t.Fatalf("seed: %v", err)
	}
	addr := freeAddr(t)
	cmd := asTreem(t, dbURL, chDB, "etl", "--every", "500ms", "--metrics-addr", addr)
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	// waitFor scrapes until ok accepts the metrics, for at most a minute.
	waitFor := func(what string, ok func(map[string]float64) bool) map[string]float64 {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			if m, err := scrape("http://" + addr + "/metrics"); err == nil && ok(m) {
				return m
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("metrics never showed %s; logs:\n%s", what, logs.String())
		return nil
	}
	m := waitFor("two succeeded runs", func(m map[string]float64) bool {
		return m[`treem_etl_runs_total{mode="full",status="succeeded"}`]+
			m[`treem_etl_runs_total{mode="incremental",status="succeeded"}`] >= 2
	})
	if m["treem_etl_warehouse_up"] != 1 || m["treem_etl_last_success_timestamp_seconds"] <= 0 {
		t.Errorf("freshness not exported: up %v, last success %v", m["treem_etl_warehouse_up"], m["treem_etl_last_success_timestamp_seconds"])
	}
	if lag := m["treem_etl_lag_seconds"]; lag < 0 || lag > 60 {
		t.Errorf("lag %v s after runs every 500 ms", lag)
	}
	// The exported snapshot time is one the run log holds.
	var logged uint64
	if err := conn.QueryRow(ctx, `SELECT count() FROM etl_runs FINAL WHERE status = 'succeeded' AND toUnixTimestamp(snapshot_at) = ?`,
		uint32(m["treem_etl_data_as_of_timestamp_seconds"])).Scan(&logged); err != nil || logged != 1 {
		t.Errorf("data_as_of %v names %d succeeded runs (%v)", m["treem_etl_data_as_of_timestamp_seconds"], logged, err)
	}

	// publishedBy is the run whose values the published database holds.
	publishedBy := func() string {
		var run string
		_ = conn.QueryRow(ctx, "SELECT any(run_id) FROM `"+clickhouse.PublishedDatabase(chDB)+"`.indicator_values").Scan(&run)
		return run
	}
	first := publishedBy()

	// A change committed now is in the analytics once data_as_of passes it.
	var committed time.Time
	if err := pool.QueryRow(ctx, `WITH c AS (UPDATE child SET birth_date = birth_date - 1 WHERE id = (SELECT min(id) FROM child) RETURNING 1)
		SELECT now() FROM c`).Scan(&committed); err != nil {
		t.Fatal(err)
	}
	waitFor("a snapshot after the change", func(m map[string]float64) bool {
		return m["treem_etl_data_as_of_timestamp_seconds"] > float64(committed.Unix())
	})
	// Idle runs left the published values as they were; the run that loaded
	// the change publishes again.
	waitFor("the change published", func(map[string]float64) bool { return publishedBy() != first })

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("etl --every after SIGTERM: %v; logs:\n%s", err, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("etl --every did not stop on SIGTERM; logs:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "etl loop stopped") {
		t.Errorf("no stop logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "published values are current") {
		t.Errorf("every idle run published again; logs:\n%s", logs.String())
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Error("the metrics listener outlived the process")
	}
}

package etl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/extract"
)

func TestIncrementalEqualsFullAfterRandomChanges(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 1)
	f.addChildren(t, e.pool, 150)
	if res := e.run(t, e.a, false); res.Mode != "full" {
		t.Fatalf("first run mode = %s, want full (no earlier run)", res.Mode)
	}
	e.assertSameAsFull(t, "first run")
	for round := 1; round <= 4; round++ {
		f.mutate(t, e.pool, 12)
		res := e.run(t, e.a, false)
		if res.Mode != "incremental" {
			t.Fatalf("round %d: mode %s (%s), want incremental", round, res.Mode, res.Reason)
		}
		e.assertSameAsFull(t, "after random changes")
	}
}

func TestIncrementalWithNothingChangedWritesSameWarehouse(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 2)
	f.addChildren(t, e.pool, 40)
	e.run(t, e.a, false)
	before := checksums(t, e.a)
	res := e.run(t, e.a, false)
	if res.Mode != "incremental" || res.Children != 0 || res.Generation != 0 {
		t.Fatalf("second run: mode %s, %d children counted, generation %d; want incremental with none", res.Mode, res.Children, res.Generation)
	}
	if after := checksums(t, e.a); after["fact_child_month"] != before["fact_child_month"] {
		t.Fatalf("an idle incremental run changed fact_child_month: %v → %v", before, after)
	}
}

// TestWatermarkEdges: changes the watermark must not lose.
func TestWatermarkEdges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 3)
	f.addChildren(t, e.pool, 30)
	e.run(t, e.a, false)
	child := f.children[0]
	unit := f.unitAt(f.communes[0], f.today-5)
	insertInjury := `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome, created_at, updated_at)
		SELECT $1, $2, $3, 'fall', 'injured', $4, $4 FROM child WHERE id = $1 AND birth_date < $3`
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	t.Run("rows committed with the same timestamp", func(t *testing.T) {
		if _, err := e.pool.Exec(ctx, insertInjury, child, unit, (f.today - 5).Time(), stamp); err != nil {
			t.Fatal(err)
		}
		e.run(t, e.a, false)
		// Same created_at/updated_at as a row already loaded.
		if _, err := e.pool.Exec(ctx, insertInjury, f.children[1], unit, (f.today - 5).Time(), stamp); err != nil {
			t.Fatal(err)
		}
		e.run(t, e.a, false)
		e.assertSameAsFull(t, "same timestamp")
	})

	t.Run("a transaction that commits after a later one started", func(t *testing.T) {
		slow, err := e.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Rollback(ctx)
		// The slow transaction writes first (it takes the older txid)...
		if _, err := slow.Exec(ctx, insertInjury, f.children[2], f.unitAt(f.communes[1], f.today-3), (f.today - 3).Time(), stamp); err != nil {
			t.Fatal(err)
		}
		// ...a later one commits, and a run loads it while the slow one is open.
		if _, err := e.pool.Exec(ctx, insertInjury, f.children[3], unit, (f.today - 4).Time(), stamp); err != nil {
			t.Fatal(err)
		}
		e.run(t, e.a, false)
		if err := slow.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		e.run(t, e.a, false)
		e.assertSameAsFull(t, "late commit")
	})

	t.Run("deletes", func(t *testing.T) {
		if _, err := e.pool.Exec(ctx, `UPDATE child SET deleted_at = now() WHERE id = ANY($1)`, f.children[4:8]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.pool.Exec(ctx, `UPDATE injury SET deleted_at = now() WHERE child_id = $1`, child); err != nil {
			t.Fatal(err)
		}
		e.run(t, e.a, false)
		e.assertSameAsFull(t, "deletes")
	})
}

func TestSecondRunIsRefusedWhileOneHoldsTheLock(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	held, err := e.src.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	_, err = Run(ctx, e.src, e.a, Options{Log: quiet(), CellKeySecret: testSecret})
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(err.Error(), "another ETL run is in progress") {
		t.Fatalf("run while locked = %v, want CONFLICT 'another ETL run is in progress'", err)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 4)
	f.addChildren(t, e.pool, 20)
	res, err := Run(context.Background(), e.src, e.a, Options{DryRun: true, Log: quiet(), CellKeySecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsWritten["fact_child_month"] == 0 {
		t.Fatalf("dry run reports no rows: %+v", res)
	}
	var runs uint64
	if err := e.a.Conn.QueryRow(context.Background(), "SELECT count() FROM etl_runs").Scan(&runs); err != nil {
		t.Fatal(err)
	}
	for table, sum := range checksums(t, e.a) {
		if sum[0] != 0 {
			t.Errorf("dry run wrote %d rows into %s", sum[0], table)
		}
	}
	if runs != 0 {
		t.Errorf("dry run recorded %d etl_runs rows", runs)
	}
}

// TestNoPersonalDataInTheWarehouse reads every column of the loaded
// warehouse and fails on any that could identify a child.
func TestNoPersonalDataInTheWarehouse(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 5)
	f.addChildren(t, e.pool, 60)
	e.run(t, e.a, false)
	rows, err := e.a.Conn.Query(ctx, "SELECT table, name, type FROM system.columns WHERE database = ?", e.aName)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 40 {
		t.Fatalf("only %d columns found", len(cols))
	}
	for _, c := range cols {
		if IdentifyingColumn(c.table, c.name, c.typ) {
			t.Errorf("column %s.%s (%s) could identify a child", c.table, c.name, c.typ)
		}
		// etl_runs.watermark is a Postgres transaction id, not a person's.
		if c.typ != "String" || (c.table == "etl_runs" && c.name == "watermark") {
			continue
		}
		var values []string
		vr, err := e.a.Conn.Query(ctx, "SELECT DISTINCT toString(`"+c.name+"`) FROM `"+c.table+"` LIMIT 10000")
		if err != nil {
			t.Fatal(err)
		}
		for vr.Next() {
			var v string
			if err := vr.Scan(&v); err != nil {
				t.Fatal(err)
			}
			values = append(values, v)
		}
		vr.Close()
		if n := IDLikeValues(values); n > 0 {
			t.Errorf("column %s.%s holds %d values that look like identifiers", c.table, c.name, n)
		}
		for _, v := range values {
			if strings.Contains(v, "Trẻ thử") {
				t.Errorf("column %s.%s holds a child's name", c.table, c.name)
			}
		}
	}
}

// Killing the ETL at any moment and running it again must leave the
// warehouse as a clean run would. The killed process is this test binary
// re-executed as an ETL run (TestMain), so the real code runs and dies.
func TestSIGKILLAtRandomPointsThenRerunIsIdentical(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 6)
	f.addChildren(t, e.pool, 120)
	e.run(t, e.a, false)
	start := time.Now()
	e.run(t, e.b, true)
	clean := time.Since(start)
	incremental := clean / 4 // until a rerun measures one
	const rounds = 8
	for round := 0; round < rounds; round++ {
		f.mutate(t, e.pool, 8)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TREEM_ETL_CHILD=1", "TREEM_ETL_CHILD_PG="+e.url, "TREEM_ETL_CHILD_CH="+e.aName)
		if round%3 == 0 {
			cmd.Env = append(cmd.Env, "TREEM_ETL_CHILD_FULL=1")
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Odd rounds kill at a random moment after the process starts (lock,
		// snapshot, planning); even rounds once it streams children
		// (aggregation, staging, partition swaps, lineage).
		if round%2 == 0 {
			line := make([]byte, 6)
			_, _ = io.ReadFull(stdout, line)
		}
		// An incremental run is much shorter than a full one: draw the kill
		// within the length of the kind of run under way.
		span := clean
		if round%3 != 0 {
			span = incremental
		}
		delay := time.Duration(f.rng.Int64N(int64(span)))
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		// A child that ended by itself with an error is a failed run, not a kill.
		if err := cmd.Wait(); cmd.ProcessState.Exited() && !cmd.ProcessState.Success() {
			t.Errorf("round %d: the child run failed (%v): %s", round, err, stderr.String())
		}
		e.waitForLock(t)
		rerun := time.Now()
		e.run(t, e.a, false)
		if round%3 != 0 {
			incremental = max(time.Since(rerun), time.Millisecond)
		}
		e.assertSameAsFull(t, fmt.Sprintf("round %d, SIGKILL after %s", round, delay))
	}
	var running, interrupted uint64
	if err := e.a.Conn.QueryRow(context.Background(),
		"SELECT countIf(status = 'running'), countIf(status = 'failed') FROM etl_runs FINAL").Scan(&running, &interrupted); err != nil {
		t.Fatal(err)
	}
	if running != 0 {
		t.Errorf("%d killed runs still marked running", running)
	}
	// At least some kills must have hit a run in progress, or the test proved nothing.
	if interrupted == 0 {
		t.Errorf("no run was interrupted: every kill came before the run started or after it ended")
	}
	t.Logf("%d of %d runs killed while in progress", interrupted, rounds)
}

// waitForLock waits until Postgres has ended the killed process's session,
// which releases its advisory lock.
func (e *env) waitForLock(t *testing.T) {
	t.Helper()
	for i := 0; i < 100; i++ {
		var held bool
		if err := e.pool.QueryRow(context.Background(),
			`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))`).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if !held {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the killed run's advisory lock was never released")
}

// TestMain doubles as the killable ETL process of the SIGKILL test.
func TestMain(m *testing.M) {
	if os.Getenv("TREEM_ETL_CHILD") == "1" {
		os.Exit(childRun())
	}
	os.Exit(m.Run())
}

func childRun() int {
	ctx := context.Background()
	pool, err := pgxpoolNew(ctx, os.Getenv("TREEM_ETL_CHILD_PG"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := Options{Full: os.Getenv("TREEM_ETL_CHILD_FULL") == "1", Log: quiet(), Progress: startSignal{}, CellKeySecret: testSecret}
	var wh Warehouse
	if db := os.Getenv("TREEM_ETL_CHILD_CLUSTER"); db != "" {
		wh, opts.Shards, err = clusterChild(ctx, db)
	} else {
		var conn clickhouse.Conn
		conn, err = clickhouse.Open(ctx, chtest.Writer(os.Getenv("TREEM_ETL_CHILD_CH")))
		wh = clickhouse.NewLoader(conn)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if _, err := Run(ctx, testSource(pool), wh, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestHandComputedCells loads six children whose cells are worked out by hand
// below, for June 2021 in Bửu Hòa (26053, version of 2019).
func TestHandComputedCells(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	buuHoa := buuHoa2021(t, e)
	var bienHoa2025 int32
	if err := e.pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE code = '26068' AND valid_from = '2025-07-01'`).Scan(&bienHoa2025); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	// Households: 1 poor in 2021, 2 near-poor in 2021.
	exec(`INSERT INTO household (unit_id) VALUES ($1), ($1)`, buuHoa)
	exec(`INSERT INTO household_poverty (household_id, year, status) VALUES (1, 2021, 'poor'), (2, 2021, 'near_poor')`)
	// C1 girl 2020-03-10 (1 year old at 30/6/2021, poor); C2 boy 2016-06-15
	// (5, no household); C3 boy 2004-07-01 (16, near-poor); C4 girl
	// 2003-05-01 (18 since 1/5/2021); C5 girl born 2021-06-10 (poor);
	// C6 boy 2015-01-01, deleted.
	exec(`INSERT INTO child (full_name, sex, birth_date, household_id, commune_id, deleted_at) VALUES
		('Một', 'F', '2020-03-10', 1, $1, NULL), ('Hai', 'M', '2016-06-15', NULL, $1, NULL),
		('Ba', 'M', '2004-07-01', 2, $1, NULL), ('Bốn', 'F', '2003-05-01', NULL, $1, NULL),
		('Năm', 'F', '2021-06-10', 1, $1, NULL), ('Sáu', 'M', '2015-01-01', NULL, $1, now())`, buuHoa)
	exec(`INSERT INTO child_residence (child_id, unit_id, valid_from) SELECT id, $1, birth_date FROM child`, buuHoa)
	exec(`INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to) VALUES (1, 'GD4797912345678', '2020-03-10', '2023-03-09')`)
	exec(`INSERT INTO birth_registration (child_id, unit_id, registered_on) VALUES (1, $1, '2020-03-20')`, buuHoa)
	exec(`INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
		VALUES (1, $1, '2021-05-01', 8.1, 75.0, true, false)`, buuHoa)
	exec(`INSERT INTO immunisation (child_id, unit_id, fully_immunised_on) VALUES (1, $1, '2021-02-01')`, buuHoa)
	exec(`INSERT INTO health_checkup (child_id, unit_id, checked_on) VALUES (1, $1, (now() + interval '30 days')::date)`, bienHoa2025)
	exec(`INSERT INTO school_attendance (child_id, unit_id, school_year, level, attending) VALUES (2, $1, 2020, 'preschool', true)`, buuHoa)
	exec(`INSERT INTO child_circumstance (child_id, group_code, started_on) VALUES (2, 'DISABLED', '2019-01-01')`)
	exec(`INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES (2, $1, 'cash', 'UBND', '2021-01-15')`, buuHoa)
	exec(`INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES
		(2, $1, 'children_day', '2021-06-20', 1), (4, $2, 'children_day', '2021-06-01', 1)`, bienHoa2025, buuHoa)
	exec(`INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES
		(3, $1, '2021-06-05', 'traffic', 'injured'), (5, $1, '2021-06-01', 'fall', 'injured')`, buuHoa)
	exec(`INSERT INTO health_checkup (child_id, unit_id, checked_on) VALUES (3, $1, '2020-12-01')`, buuHoa)
	exec(`INSERT INTO protection_case (child_id, unit_id, case_type, received_at, initial_assessed_at, emergency_needed,
		detailed_assessed_at, plan_drafted_at, plan_approved_at, emergency_deadline, plan_deadline, approval_deadline) VALUES
		(3, $1, 'sexual_abuse', '2021-06-10 10:00+07', '2021-06-10 11:00+07', false, '2021-06-11 10:00+07',
		 '2021-06-14 10:00+07', '2021-06-15 10:00+07', '2021-06-10 22:00+07', '2021-06-18 00:00+07', '2021-06-22 00:00+07')`, buuHoa)

	e.run(t, e.a, true)
	got := facts(t, e.a, "measure, sex, age_band, group_code, poverty", `unit_code = '26053' AND unit_valid_from = '2016-01-01'
		AND month IN ('2021-06-01', '2021-03-01', '2021-01-01')
		AND NOT (month != '2021-06-01' AND measure NOT IN ('turned_one', 'turned_one_immunised', 'supported', 'supported_quarter',
			'supported_half', 'supported_year', 'support_events'))`)
	want := map[string]uint64{
		// Stocks at 30/6/2021: C1, C2, C3, C5 (C4 is 18, C6 deleted).
		"children/F/1-4//poor": 1, "children/M/5//unknown": 1, "children/M/16-17//near_poor": 1, "children/F/0//poor": 1,
		"birth_registered/F/1-4//poor": 1,
		"insured/F/1-4//poor":          1,
		"measured_u5/F/1-4//poor":      1, "underweight_u5/F/1-4//poor": 1,
		// C1 was weighed at 13 months: the 0–23-month measures count her too.
		"measured_u2/F/1-4//poor": 1, "underweight_u2/F/1-4//poor": 1,
		"special/M/5//unknown": 1, "special/M/5/DISABLED/unknown": 1,
		"special_supported/M/5//unknown": 1, "special_supported/M/5/DISABLED/unknown": 1,
		"checked_up/M/16-17//near_poor": 1,
		"preschool_5/M/5//unknown":      1,
		// Flows of June 2021: C5's birth, C3's injury and case.
		"births/F/0//poor":                             1,
		"injured/M/16-17//near_poor":                   1,
		"cases_opened/M/16-17//near_poor":              1,
		"cases_opened_sexual_abuse/M/16-17//near_poor": 1,
		"abused/M/16-17//near_poor":                    1,
		// C3's case is the first of its quarter, half year and year.
		"abused_quarter/M/16-17//near_poor": 1, "abused_half/M/16-17//near_poor": 1, "abused_year/M/16-17//near_poor": 1,
		"cases_6_2/M/16-17//near_poor":        1,
		"cases_6_2_timely/M/16-17//near_poor": 1,
		// C1's first birthday (March), fully immunised on 1/2/2021; C2's
		// support on 15/1/2021 at age 4.
		"turned_one/F/1-4//poor": 1, "turned_one_immunised/F/1-4//poor": 1,
		"supported/M/1-4//unknown": 1, "support_events/M/1-4//unknown": 1,
		"supported_quarter/M/1-4//unknown": 1, "supported_half/M/1-4//unknown": 1, "supported_year/M/1-4//unknown": 1,
	}
	sameCells(t, got, want)
	// Rejected: C5's injury before birth, C4's gift at 18, C2's gift on a
	// 2025 unit in 2021, C1's check-up in the future.
	var rejected string
	if err := e.a.Conn.QueryRow(ctx, "SELECT rejected FROM etl_runs FINAL WHERE status = 'succeeded'").Scan(&rejected); err != nil {
		t.Fatal(err)
	}
	var reasons map[string]uint64
	if err := json.Unmarshal([]byte(rejected), &reasons); err != nil {
		t.Fatal(err)
	}
	wantReasons := map[string]uint64{RejectBeforeBirth: 1, RejectAdult: 1, RejectUnitNotValid: 1, RejectFuture: 1}
	for k, v := range wantReasons {
		if reasons[k] != v {
			t.Errorf("rejected[%s] = %d, want %d (all: %s)", k, reasons[k], v, rejected)
		}
	}
}

// facts reads the fact_child_month rows matching where (SQL), keyed by the
// columns of key joined by "/".
func facts(t *testing.T, wh *clickhouse.Loader, key, where string) map[string]uint64 {
	t.Helper()
	rows, err := wh.Conn.Query(context.Background(), "SELECT arrayStringConcat(["+key+"], '/') AS cell, sum(value) AS value FROM fact_child_month WHERE "+
		where+" GROUP BY cell HAVING value != 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]uint64{}
	for rows.Next() {
		var row struct {
			Cell  string `ch:"cell"`
			Value int64  `ch:"value"`
		}
		if err := rows.ScanStruct(&row); err != nil {
			t.Fatal(err)
		}
		got[row.Cell] = uint64(row.Value)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// buuHoa2021 is the id of Bửu Hòa's version of the 2021 list (26053), where the
// hand-worked children live.
func buuHoa2021(t *testing.T, e *env) int32 {
	t.Helper()
	var id int32
	if err := e.pool.QueryRow(context.Background(), `SELECT id FROM org_unit WHERE code = '26053' AND valid_from = '2016-01-01'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestLawDrugCountsEachChildOnce: criterion 4 counts children in conflict
// with the law or drug-addicted. Two boys of Bửu Hòa at 30/6/2021: A (born
// 2010-01-01, 11) in both groups since 2021-01-01, B (born 2008-03-01, 13)
// drug-addicted since 2020-05-01. The group rows hold IN_CONFLICT_LAW 1
// and DRUG_ADDICTED 2, which add up to 3; the children are A and B: 2.
// C (born 2009-06-01), in conflict with the law until 2021-05-31, no longer
// counts at the end of June.
func TestLawDrugCountsEachChildOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	unit := buuHoa2021(t, e)
	if _, err := e.pool.Exec(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES
		('A', 'M', '2010-01-01', $1), ('B', 'M', '2008-03-01', $1), ('C', 'M', '2009-06-01', $1)`, unit); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `INSERT INTO child_circumstance (child_id, group_code, started_on, ended_on)
		SELECT id, g, s::date, e::date FROM child JOIN (VALUES ('A', 'IN_CONFLICT_LAW', '2021-01-01', NULL),
			('A', 'DRUG_ADDICTED', '2021-01-01', NULL), ('B', 'DRUG_ADDICTED', '2020-05-01', NULL),
			('C', 'IN_CONFLICT_LAW', '2020-01-01', '2021-05-31')) v(n, g, s, e) ON v.n = full_name`); err != nil {
		t.Fatal(err)
	}
	e.run(t, e.a, true)
	got := facts(t, e.a, "measure, age_band, group_code", `month = '2021-06-01' AND measure IN ('special', 'special_law_drug')`)
	want := map[string]uint64{
		"special/11-15/": 2, "special/11-15/IN_CONFLICT_LAW": 1, "special/11-15/DRUG_ADDICTED": 2,
		"special_law_drug/11-15/": 2,
	}
	sameCells(t, got, want)
	// At the end of May C still counts: A, B and C.
	if may := facts(t, e.a, "measure", `month = '2021-05-01' AND measure = 'special_law_drug'`); may["special_law_drug"] != 3 {
		t.Errorf("special_law_drug in May 2021 = %d, want 3 (A, B, C)", may["special_law_drug"])
	}
}

// TestDistinctFlowsCountChildrenPerPeriod: abused and supported count
// children, so a quarter, half year or year counts a child once however many
// months hold its cases. G, a girl born 2012-04-01 (band 6-10 all 2021), of
// Bửu Hòa (26053) has cases there on 5 and 20 March and 10 August 2021 and one
// in Tân Phong (26059) on 2 October; support there on 15 January, 20
// February and 1 July. Each variant counts her in the month of her first
// event of its period in the unit:
//
//	abused        26053: March 1 (two cases, one child), August 1 → the year's months add up to 2
//	abused_q/h    26053: March 1 (Q1, H1), August 1 (Q3, H2)
//	abused_year   26053: March 1 → 1 child in 2021
//	all four      26059: October 1 (another unit counts her too)
//	supported     January 1, February 1, July 1
//	supported_q/h January 1 (Q1, H1), July 1 (Q3, H2)
//	supported_yr  January 1
//
// Then both March cases are deleted and an incremental run moves the year,
// Q1 and H1 counts: abused_year August 1, nothing in March.
func TestDistinctFlowsCountChildrenPerPeriod(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	unit := buuHoa2021(t, e)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	exec(`INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('G', 'F', '2012-04-01', $1)`, unit)
	exec(`INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_deadline, plan_deadline,
		  approval_deadline)
		SELECT c.id, u.id, v.t, v.r::timestamptz, v.r::timestamptz + interval '12 hours', v.r::timestamptz + interval '7 days',
		  v.r::timestamptz + interval '9 days'
		FROM child c, (VALUES ('26053', 'violence', '2021-03-05 10:00+07'), ('26053', 'neglect', '2021-03-20 10:00+07'),
			('26053', 'violence', '2021-08-10 10:00+07'), ('26059', 'violence', '2021-10-02 10:00+07')) v(code, t, r)
		JOIN org_unit u ON u.code = v.code AND u.valid_from = '2016-01-01'`)
	exec(`INSERT INTO support (child_id, unit_id, support_type, provider, given_on)
		SELECT id, $1, 'cash', 'UBND', d::date FROM child, unnest(ARRAY['2021-01-15', '2021-02-20', '2021-07-01']) d`, unit)
	check := func(what string, want map[string]uint64) {
		t.Helper()
		got := facts(t, e.a, "toString(month), measure, unit_code, age_band",
			`toYear(month) = 2021 AND (measure LIKE 'abused%' OR measure LIKE 'supported%')`)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %d, want %d", what, k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: unexpected cell %s = %d", what, k, v)
			}
		}
	}
	supported := map[string]uint64{
		"2021-01-01/supported/26053/6-10": 1, "2021-02-01/supported/26053/6-10": 1, "2021-07-01/supported/26053/6-10": 1,
		"2021-01-01/supported_quarter/26053/6-10": 1, "2021-07-01/supported_quarter/26053/6-10": 1,
		"2021-01-01/supported_half/26053/6-10": 1, "2021-07-01/supported_half/26053/6-10": 1,
		"2021-01-01/supported_year/26053/6-10": 1,
	}
	tanPhong := map[string]uint64{
		"2021-10-01/abused/26059/6-10": 1, "2021-10-01/abused_quarter/26059/6-10": 1,
		"2021-10-01/abused_half/26059/6-10": 1, "2021-10-01/abused_year/26059/6-10": 1,
	}
	with := func(parts ...map[string]uint64) map[string]uint64 {
		out := map[string]uint64{}
		for _, m := range parts {
			maps.Copy(out, m)
		}
		return out
	}
	e.run(t, e.a, true)
	check("full run", with(supported, tanPhong, map[string]uint64{
		"2021-03-01/abused/26053/6-10": 1, "2021-08-01/abused/26053/6-10": 1,
		"2021-03-01/abused_quarter/26053/6-10": 1, "2021-08-01/abused_quarter/26053/6-10": 1,
		"2021-03-01/abused_half/26053/6-10": 1, "2021-08-01/abused_half/26053/6-10": 1,
		"2021-03-01/abused_year/26053/6-10": 1,
	}))
	exec(`UPDATE protection_case SET deleted_at = now() WHERE received_at < '2021-04-01'`)
	if res := e.run(t, e.a, false); res.Mode != "incremental" {
		t.Fatalf("second run: %s (%s), want incremental", res.Mode, res.Reason)
	}
	check("after deleting the March cases", with(supported, tanPhong, map[string]uint64{
		"2021-08-01/abused/26053/6-10": 1, "2021-08-01/abused_quarter/26053/6-10": 1,
		"2021-08-01/abused_half/26053/6-10": 1, "2021-08-01/abused_year/26053/6-10": 1,
	}))
	e.assertSameAsFull(t, "after deleting the March cases")
}

// An event dated after the last run's snapshot was rejected as "in the
// future" then; once its day has come, its child must be counted again even
// though no row changed.
func TestEventsComingOfDateAreRecomputed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 7)
	f.addChildren(t, e.pool, 5)
	unit := f.unitAt(f.communes[2], f.today-1)
	if _, err := e.pool.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
		SELECT id, $2, $3, 'fall', 'injured' FROM child WHERE id = $1`, f.children[0], unit, (f.today - 1).Time()); err != nil {
		t.Fatal(err)
	}
	tx, snap, end := e.snapshot(t)
	defer end()
	// The previous run saw every row (same snapshot) but ran three days ago.
	prev := &extract.LedgerState{Mark: extract.Mark{Watermark: snap.Watermark, At: snap.At.Add(-72 * time.Hour), AsOf: snap.AsOf - 3}}
	plan, err := planIncremental(ctx, tx, prev)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Full || !slices.Contains(plan.Children, extract.ChildRows{ID: f.children[0]}) {
		t.Fatalf("plan %+v does not count again child %d, injured yesterday", plan, f.children[0])
	}
	// With the previous run today the injury was already in the past.
	prev.Mark.At, prev.Mark.AsOf = snap.At.Add(-time.Minute), snap.AsOf
	if plan, err = planIncremental(ctx, tx, prev); err != nil {
		t.Fatal(err)
	}
	if len(plan.Children) != 0 {
		t.Fatalf("children %v counted again though nothing changed since the last run", plan.Children)
	}
	// A warehouse last loaded before the change log's retention rebuilds.
	prev.Mark.At = snap.At.Add(-8 * 24 * time.Hour)
	if plan, err = planIncremental(ctx, tx, prev); err != nil || !plan.Full {
		t.Fatalf("plan after 8 days = %+v, %v; want full", plan, err)
	}
}

// TestAnotherCellKeySecretRunsFull: keys made under two secrets must never mix
// in one warehouse, so a run whose secret differs from the ledger's
// recomputes all.
func TestAnotherCellKeySecretRunsFull(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 4)
	f.addChildren(t, e.pool, 10)
	run := func(secret []byte) *Result {
		t.Helper()
		res, err := Run(ctx, e.src, e.a, Options{Log: quiet(), CellKeySecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	other := []byte("another cell-key secret, 32 bytes")
	run(testSecret)
	if res := run(testSecret); res.Mode != "incremental" {
		t.Fatalf("same secret: %s run (%s)", res.Mode, res.Reason)
	}
	if res := run(other); res.Mode != "full" || !strings.Contains(res.Reason, "cell-key secret") {
		t.Fatalf("new secret: %s run (%s)", res.Mode, res.Reason)
	}
	if res := run(testSecret); res.Mode != "full" {
		t.Fatalf("back to the first secret: %s run (%s)", res.Mode, res.Reason)
	}
	if _, err := Run(ctx, e.src, e.a, Options{Log: quiet(), CellKeySecret: []byte("short")}); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("short secret: %v", err)
	}
}

// Criterion 6.2 counts a case as timely when the commune chairman approved
// its plan by the approval deadline (7 working days from receipt,
// provisional); the draft date no longer decides, and an emergency, where
// Art. 28 sets no deadline, is timely once approved.
func TestTimelyMeansApprovedByItsDeadline(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	var buuHoa int32
	if err := e.pool.QueryRow(ctx, `SELECT id FROM org_unit WHERE code = '26053' AND valid_from = '2016-01-01'`).Scan(&buuHoa); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	exec(`INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('Một', 'M', '2010-01-01', $1)`, buuHoa)
	exec(`INSERT INTO child_residence (child_id, unit_id, valid_from) SELECT id, $1, birth_date FROM child`, buuHoa)
	// Received Mon 7/6/2021: Tue 8 (1), Wed 9, Thu 10, Fri 11, Mon 14 (5: plan due by the end of it),
	// Tue 15 (6), Wed 16 (7: approval due by the end of it), Thu 17 (8).
	exec(`INSERT INTO protection_case (child_id, unit_id, case_type, received_at, initial_assessed_at, emergency_needed,
		emergency_measures_at, detailed_assessed_at, plan_drafted_at, plan_approved_at, emergency_deadline, plan_deadline,
		approval_deadline)
		SELECT 1, $1, 'sexual_abuse', '2021-06-07 09:00+07', '2021-06-07 10:00+07', c.emergency,
		       CASE WHEN c.emergency THEN timestamptz '2021-06-07 12:00+07' END, '2021-06-08 10:00+07',
		       c.drafted, c.approved, '2021-06-07 21:00+07', '2021-06-15 00:00+07', '2021-06-17 00:00+07'
		FROM (VALUES
		  (false, timestamptz '2021-06-11 10:00+07', timestamptz '2021-06-15 15:00+07'), -- approved on day 6: timely
		  (false, '2021-06-11 10:00+07', '2021-06-17 09:00+07'),                         -- day 8: late
		  (true,  '2021-06-16 10:00+07', '2021-06-17 09:00+07'),                         -- emergency: timely
		  (false, '2021-06-15 10:00+07', '2021-06-15 15:00+07'),                         -- drafted late, approved in time
		  (false, '2021-06-11 10:00+07', NULL)                                           -- never approved
		) AS c(emergency, drafted, approved)`, buuHoa)

	e.run(t, e.a, true)
	got := map[string]uint64{}
	rows, err := e.a.Conn.Query(ctx, `SELECT measure, sum(value) FROM fact_child_month
		WHERE unit_code = '26053' AND month = '2021-06-01' AND measure IN ('cases_6_2', 'cases_6_2_timely') GROUP BY measure`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m string
		var v int64
		if err := rows.Scan(&m, &v); err != nil {
			t.Fatal(err)
		}
		got[m] = uint64(v)
	}
	rows.Close()
	if got["cases_6_2"] != 5 || got["cases_6_2_timely"] != 3 {
		t.Fatalf("cases_6_2 = %d, timely = %d; want 5 and 3", got["cases_6_2"], got["cases_6_2_timely"])
	}
}

// sameCells reports every cell where got and want differ.
func sameCells(t *testing.T, got, want map[string]uint64) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected cell %s = %d", k, v)
		}
	}
}

package etl

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/extract"
)

// Attacks on the incremental ETL: each test edits Postgres the way an officer
// (or the clock) would, runs warehouse A incrementally and compares it with a
// clean full load of B.

func (e *env) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}

func (e *env) ids(t *testing.T, sql string, args ...any) []int64 {
	t.Helper()
	rows, err := e.pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// incremental runs A and fails unless the run was incremental.
func (e *env) incremental(t *testing.T) *Result {
	t.Helper()
	res := e.run(t, e.a, false)
	if res.Mode != "incremental" {
		t.Fatalf("run mode %s (%s), want incremental", res.Mode, res.Reason)
	}
	return res
}

// step runs A incrementally and compares it with a clean full load.
func (e *env) step(t *testing.T, what string) *Result {
	t.Helper()
	res := e.incremental(t)
	e.assertSameAsFull(t, what)
	return res
}

// warehouseOf is the ledger name of wh, from its live generation marker.
func warehouseOf(t *testing.T, wh *clickhouse.Loader) string {
	t.Helper()
	markers, err := wh.Markers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name := range markers {
		if w, _, _, ok := parseMarker(name); ok {
			return w
		}
	}
	t.Fatalf("no live generation marker in %v", markers)
	return ""
}

// Birth dates corrected across months, age bands, the 18th birthday (past,
// today, later this month), into the future and before the history.
func TestAttackBirthDateCorrections(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 21)
	f.addChildren(t, e.pool, 60)
	e.run(t, e.a, false)
	c, today := f.children, f.today
	set := func(i int, d civil.Day) { e.exec(t, `UPDATE child SET birth_date = $2 WHERE id = $1`, c[i], d.Time()) }
	e.exec(t, `UPDATE child SET birth_date = birth_date + 45 WHERE id = $1`, c[0])
	e.exec(t, `UPDATE child SET birth_date = birth_date - 400 WHERE id = $1`, c[1])
	set(2, today.AddYears(-18)+10)
	set(3, today.AddYears(-18)-1)
	set(4, today.AddYears(-18))
	set(5, today+1)
	set(6, today)
	set(7, civil.DayOf(2001, 6, 30))
	set(8, today-1)
	e.step(t, "birth dates corrected")
	e.exec(t, `UPDATE child SET death_date = birth_date + 200 WHERE id = ANY($1) AND birth_date + 200 < now()`, c[9:14])
	e.exec(t, `UPDATE child SET birth_date = birth_date - 3000 WHERE id = $1`, c[5])
	e.exec(t, `UPDATE child SET death_date = $2 WHERE id = $1`, c[6], (today + 2).Time())
	e.step(t, "deaths and birth dates corrected again")
	e.exec(t, `UPDATE child SET death_date = NULL WHERE id = ANY($1)`, c[6:14])
	e.step(t, "deaths withdrawn")
}

// Residence edits: a move into a 2019 commune version after the 2025 merger
// (resolved through the crosswalk), a first residence row for a child that
// had none (child.commune_id counted before), commune_id changes, a gap, and
// every residence row deleted (back to commune_id).
func TestAttackResidenceMoves(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 22)
	f.addChildren(t, e.pool, 80)
	e.run(t, e.a, false)
	with := e.ids(t, `SELECT c.id FROM child c JOIN child_residence r ON r.child_id = c.id
		WHERE r.valid_to IS NULL AND r.valid_from < '2024-01-01' AND c.deleted_at IS NULL ORDER BY c.id LIMIT 4`)
	without := e.ids(t, `SELECT id FROM child c WHERE NOT EXISTS (SELECT 1 FROM child_residence r WHERE r.child_id = c.id)
		AND birth_date < '2024-01-01' ORDER BY id LIMIT 4`)
	if len(with) < 4 || len(without) < 4 {
		t.Fatalf("fixture: %d children with a residence history, %d without", len(with), len(without))
	}
	move := civil.DayOf(2026, 1, 1)
	// Into the 2019 version of another commune, which ended with the merger.
	e.exec(t, `UPDATE child_residence SET valid_to = $2 WHERE child_id = $1 AND valid_to IS NULL`, with[0], move.Time())
	e.exec(t, `INSERT INTO child_residence (child_id, unit_id, valid_from) VALUES ($1, $2, $3)`, with[0], f.communes[3], move.Time())
	// A gap: resident nowhere after 2024.
	e.exec(t, `UPDATE child_residence SET valid_to = '2024-01-01' WHERE child_id = $1 AND valid_to IS NULL`, with[1])
	// Every residence row deleted: commune_id counts again.
	e.exec(t, `UPDATE child_residence SET deleted_at = now() WHERE child_id = $1`, with[2])
	// A first residence row, in another commune than commune_id.
	e.exec(t, `INSERT INTO child_residence (child_id, unit_id, valid_from, valid_to)
		SELECT id, $2, birth_date, '2024-01-01' FROM child WHERE id = $1`, without[0], f.communes[1])
	e.exec(t, `UPDATE child SET commune_id = $2 WHERE id = $1`, without[1], f.unitAt(f.communes[2], f.today))
	// commune_id set to a 2019 version, valid no more.
	e.exec(t, `UPDATE child SET commune_id = $2 WHERE id = $1`, without[2], f.communes[0])
	e.step(t, "residences moved")
	// Undo half of it.
	e.exec(t, `UPDATE child_residence SET deleted_at = NULL WHERE child_id = $1`, with[2])
	e.exec(t, `DELETE FROM child_residence WHERE child_id = $1`, without[0])
	e.exec(t, `UPDATE child_residence SET unit_id = $2 WHERE child_id = $1 AND valid_from = $3`, with[0], f.communes[1], move.Time())
	e.step(t, "residences moved back")
}

// Household poverty edits reach every child of the household; children move
// between households; a poverty row moves to another household.
func TestAttackHouseholds(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 23)
	f.addChildren(t, e.pool, 60)
	e.run(t, e.a, false)
	hh := e.ids(t, `SELECT household_id FROM child WHERE household_id IS NOT NULL AND deleted_at IS NULL ORDER BY id LIMIT 3`)
	if len(hh) < 3 {
		t.Fatal("fixture: too few households")
	}
	c := f.children
	e.exec(t, `UPDATE child SET household_id = $2 WHERE id = ANY($1)`, c[10:14], hh[0])
	e.step(t, "children joined a household")
	e.exec(t, `INSERT INTO household_poverty (household_id, year, status) SELECT $1, y, 'poor' FROM generate_series(2019, 2026) y
		ON CONFLICT (household_id, year) DO UPDATE SET status = CASE household_poverty.status WHEN 'poor' THEN 'near_poor' ELSE 'poor' END`, hh[0])
	e.step(t, "poverty of a household of five")
	e.exec(t, `UPDATE household_poverty SET deleted_at = now() WHERE household_id = $1 AND year IN (2020, 2026)`, hh[0])
	e.exec(t, `DELETE FROM household_poverty WHERE household_id = $1 AND year = 2021`, hh[0])
	e.exec(t, `UPDATE child SET household_id = $2 WHERE id = $1`, c[10], hh[1])
	e.exec(t, `UPDATE child SET household_id = NULL WHERE id = $1`, c[11])
	e.step(t, "poverty rows deleted, children moved out")
	e.exec(t, `DELETE FROM household_poverty WHERE household_id = $1 AND year = 2022`, hh[2])
	e.exec(t, `UPDATE household_poverty SET household_id = $2 WHERE household_id = $1 AND year = 2022`, hh[0], hh[2])
	e.exec(t, `UPDATE household_poverty SET deleted_at = NULL WHERE household_id = $1`, hh[0])
	e.step(t, "a poverty row moved to another household, deletions undone")
}

// Deleting and undeleting children and events, also both between two runs.
func TestAttackDeleteAndUndelete(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 24)
	f.addChildren(t, e.pool, 50)
	c := f.children
	unit := f.unitAt(f.communes[0], f.today-3)
	e.exec(t, `INSERT INTO support (child_id, unit_id, support_type, provider, given_on)
		SELECT id, $2, 'cash', 'UBND xã', $3 FROM child WHERE id = ANY($1)`, c[:6], unit, (f.today - 3).Time())
	e.run(t, e.a, false)
	e.exec(t, `UPDATE child SET deleted_at = now() WHERE id = ANY($1)`, c[:2])
	e.exec(t, `UPDATE support SET deleted_at = now() WHERE child_id = ANY($1)`, c[2:4])
	e.step(t, "deleted")
	e.exec(t, `UPDATE child SET deleted_at = NULL WHERE id = ANY($1)`, c[:2])
	e.exec(t, `UPDATE support SET deleted_at = NULL WHERE child_id = ANY($1)`, c[2:4])
	e.step(t, "undeleted")
	// Deleted and undeleted between two runs: nothing to change.
	before := checksums(t, e.a)
	e.exec(t, `UPDATE child SET deleted_at = now() WHERE id = ANY($1)`, c[4:6])
	e.exec(t, `UPDATE child SET deleted_at = NULL WHERE id = ANY($1)`, c[4:6])
	e.incremental(t)
	if after := checksums(t, e.a); after["fact_child_month"] != before["fact_child_month"] {
		t.Errorf("a delete undone before the run changed fact_child_month")
	}
	// A child deleted twice in a row, and an event hard-deleted.
	e.exec(t, `UPDATE child SET deleted_at = now() WHERE id = $1`, c[0])
	e.incremental(t)
	e.exec(t, `UPDATE child SET deleted_at = now() WHERE id = $1`, c[0])
	e.exec(t, `DELETE FROM support WHERE child_id = $1`, c[5])
	e.step(t, "deleted twice, hard delete")
	e.exec(t, `UPDATE child SET deleted_at = NULL WHERE id = $1`, c[0])
	e.step(t, "undeleted after two runs")
}

// A swimming class moved to another unit (and to one not valid then),
// soft-deleted and restored, an enrolment moved to another class.
func TestAttackSwimmingClasses(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 25)
	f.addChildren(t, e.pool, 40)
	c := f.children
	d := f.today - 10
	u0, u1 := f.unitAt(f.communes[0], d), f.unitAt(f.communes[2], d)
	var k1, k2 int64
	if err := e.pool.QueryRow(context.Background(), `INSERT INTO swimming_class (unit_id, name, starts_on, ends_on)
		VALUES ($1, 'Lớp A', $2, $2::date + 8) RETURNING id`, u0, d.Time()).Scan(&k1); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(context.Background(), `INSERT INTO swimming_class (unit_id, name, starts_on, ends_on)
		VALUES ($1, 'Lớp B', $2, $2::date + 8) RETURNING id`, u1, d.Time()).Scan(&k2); err != nil {
		t.Fatal(err)
	}
	e.exec(t, `INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on, completed_on)
		SELECT $1, id, $3, CASE WHEN id % 3 = 0 THEN NULL ELSE $3::date + 8 END FROM child WHERE id = ANY($2)`, k1, c[:5], d.Time())
	e.run(t, e.a, false)
	e.exec(t, `UPDATE swimming_class SET unit_id = $2 WHERE id = $1`, k1, u1)
	e.step(t, "class moved")
	e.exec(t, `UPDATE swimming_class SET unit_id = $2 WHERE id = $1`, k1, f.communes[1]) // a 2019 version
	e.step(t, "class moved to a unit not valid then")
	e.exec(t, `UPDATE swimming_class SET unit_id = $2, deleted_at = now() WHERE id = $1`, k1, u0)
	e.step(t, "class deleted")
	e.exec(t, `UPDATE swimming_class SET deleted_at = NULL WHERE id = $1`, k1)
	e.exec(t, `UPDATE swimming_enrolment SET class_id = $2 WHERE class_id = $1 AND child_id = $3`, k1, k2, c[0])
	e.exec(t, `UPDATE swimming_enrolment SET completed_on = NULL WHERE class_id = $1`, k1)
	e.step(t, "class restored, an enrolment moved")
}

// Insurance cards and special circumstances edited, including both law/drug
// groups on one child.
func TestAttackCardsAndCircumstances(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 26)
	f.addChildren(t, e.pool, 40)
	c := f.children
	e.run(t, e.a, false)
	e.exec(t, `UPDATE insurance_card SET valid_to = valid_from + 4000 WHERE child_id = ANY($1)`, c[:3])
	e.exec(t, `UPDATE insurance_card SET deleted_at = now() WHERE child_id = $1`, c[3])
	e.exec(t, `INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to) VALUES ($1, 'GD9999999999999', '2024-01-01', '2030-01-01')`, c[4])
	for _, g := range []string{"IN_CONFLICT_LAW", "DRUG_ADDICTED"} {
		e.exec(t, `INSERT INTO child_circumstance (child_id, group_code, started_on)
			SELECT id, $2, greatest(birth_date, '2023-01-01') FROM child WHERE id = $1`, c[5], g)
	}
	e.step(t, "cards and circumstances")
	e.exec(t, `UPDATE child_circumstance SET ended_on = started_on + 100 WHERE child_id = $1 AND group_code = 'DRUG_ADDICTED'`, c[5])
	e.exec(t, `UPDATE child_circumstance SET group_code = 'EXPLOITED' WHERE child_id = $1 AND group_code = 'IN_CONFLICT_LAW'`, c[5])
	e.exec(t, `UPDATE child_circumstance SET child_id = $2 WHERE child_id = $1`, c[5], c[6])
	e.step(t, "circumstances ended, regrouped, moved to another child")
}

// An emergency deadline passes with time alone: no row changes, the case
// becomes late.
func TestAttackEmergencyDeadlinePassesWithTime(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 27)
	f.addChildren(t, e.pool, 20)
	e.run(t, e.a, false)
	e.exec(t, `INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_needed, emergency_deadline,
		plan_deadline, approval_deadline)
		SELECT $1, $2, 'violence', r, true, r + interval '12 hours', r + interval '7 days', r + interval '9 days'
		FROM (SELECT now() - interval '12 hours' + interval '15 seconds' AS r) x`, f.children[0], f.unitAt(f.communes[1], f.today))
	e.incremental(t)
	var deadline time.Time
	if err := e.pool.QueryRow(context.Background(), `SELECT emergency_deadline FROM protection_case WHERE child_id = $1`,
		f.children[0]).Scan(&deadline); err != nil {
		t.Fatal(err)
	}
	if time.Until(deadline) < time.Second {
		t.Fatal("the run took too long: the deadline passed before it ended")
	}
	time.Sleep(time.Until(deadline) + time.Second)
	if res := e.step(t, "the emergency deadline passed"); res.Children != 1 {
		t.Errorf("the deadline passing counted %d children again, want 1", res.Children)
	}
}

// A deadline exactly at the last run's snapshot: not late then (the run
// asks measures_at > deadline), late now; no row changed in between.
func TestAttackEmergencyDeadlineAtTheSnapshotInstant(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 28)
	f.addChildren(t, e.pool, 20)
	e.exec(t, `INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_needed, emergency_deadline,
		plan_deadline, approval_deadline)
		SELECT $1, $2, 'violence', r, true, r + interval '12 hours', r + interval '7 days', r + interval '9 days'
		FROM (SELECT now() - interval '11 hours' AS r) x`, f.children[0], f.unitAt(f.communes[1], f.today))
	e.run(t, e.a, false)
	// The case had been received exactly 12 hours before the run's snapshot:
	// the run counted it as not late, as it did. The edit is not logged, so
	// that the state is the one the run would have left.
	name := warehouseOf(t, e.a)
	b := &pgx.Batch{}
	b.Queue(`UPDATE protection_case SET received_at = s.snapshot_at - interval '12 hours', emergency_deadline = s.snapshot_at,
			plan_deadline = s.snapshot_at + interval '7 days', approval_deadline = s.snapshot_at + interval '9 days'
		FROM etl_ledger_state s WHERE s.warehouse = $1 AND protection_case.child_id = $2`, name, f.children[0])
	b.Queue(`DELETE FROM etl_change WHERE txid = pg_current_xact_id()`)
	f.exec(t, e.pool, b) // one implicit transaction
	e.step(t, "a deadline at the snapshot instant passed")
}

// rewindLedger rewrites warehouse's ledger as if its last run had read ids
// from today's Postgres but counted them as of asOf.
func rewindLedger(t *testing.T, e *env, warehouse string, ids []int64, asOf civil.Day) {
	t.Helper()
	ctx := context.Background()
	tx, snap, end := e.snapshot(t)
	inputs := map[int64][]byte{}
	reads := make([]extract.ChildRows, len(ids))
	for i, id := range ids {
		reads[i] = extract.ChildRows{ID: id, Rows: extract.AllRows}
	}
	_, err := tx.StreamChildren(ctx, reads, snap.Groups, 1, func(_ int, c *extract.Child) { inputs[c.ID] = encodeChild(nil, c, asOf) })
	end()
	if err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM etl_ledger WHERE warehouse = $1`, warehouse)
	for id, in := range inputs {
		b.Queue(`INSERT INTO etl_ledger (warehouse, child_id, gen, input) SELECT $1, $2, gen, $3 FROM etl_ledger_state WHERE warehouse = $1`,
			warehouse, id, in)
	}
	b.Queue(`UPDATE etl_ledger_state SET as_of = $2 WHERE warehouse = $1`, warehouse, asOf.Time())
	if err := e.pool.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
}

// Rows dated today of every dated kind, and a child born today, were
// written before yesterday's run, which counted them as in the future; today
// their date has come without any row changing.
func TestAttackDatesComeWithoutChanges(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 29)
	f.addChildren(t, e.pool, 40)
	yesterday := f.today - 1
	if MonthIndex(yesterday) != MonthIndex(f.today) {
		t.Skip("the first day of a month: yesterday's ledger would make today's run full")
	}
	e.run(t, e.a, false)
	c := e.ids(t, `SELECT id FROM child c WHERE deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM birth_registration b WHERE b.child_id = c.id)
		AND birth_date > $1::date - 5000 ORDER BY id LIMIT 10`, f.today.Time())
	if len(c) < 10 {
		t.Fatalf("fixture: %d unregistered children", len(c))
	}
	unit := f.unitAt(f.communes[0], f.today)
	today := f.today.Time()
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, 'drowning', 'died')`, c[0], unit, today)
	b.Queue(`INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES ($1, $2, 'cash', 'UBND xã', $3)`, c[1], unit, today)
	b.Queue(`INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES ($1, $2, 'tet', $3, 1)`, c[2], unit, today)
	b.Queue(`INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
		VALUES ($1, $2, $3, 9, 70, true, true)`, c[3], unit, today)
	b.Queue(`INSERT INTO health_checkup (child_id, unit_id, checked_on) VALUES ($1, $2, $3)`, c[4], unit, today)
	b.Queue(`INSERT INTO immunisation (child_id, unit_id, fully_immunised_on) VALUES ($1, $2, $3)`, c[5], unit, today)
	b.Queue(`INSERT INTO birth_registration (child_id, unit_id, registered_on) VALUES ($1, $2, $3)`, c[6], unit, today)
	b.Queue(`INSERT INTO protection_case (child_id, unit_id, case_type, received_at, emergency_needed, emergency_deadline,
		plan_deadline, approval_deadline) SELECT $1, $2, 'sexual_abuse', r, false, r + interval '12 hours', r + interval '7 days',
		r + interval '9 days' FROM (SELECT ($3::date + time '01:00') AT TIME ZONE 'UTC' AS r) x`, c[7], unit, today)
	b.Queue(`WITH k AS (INSERT INTO swimming_class (unit_id, name, starts_on, ends_on) VALUES ($2, 'Lớp bơi', $3, $3::date + 20) RETURNING id)
		INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on) SELECT id, $1, $3 FROM k`, c[8], unit, today)
	b.Queue(`WITH y AS (INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('Trẻ sinh hôm nay', 'F', $2, $1) RETURNING id)
		INSERT INTO child_residence (child_id, unit_id, valid_from) SELECT id, $1, $2 FROM y`, unit, today)
	b.Queue(`DELETE FROM etl_change WHERE txid = pg_current_xact_id()`)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rewindLedger(t, e, warehouseOf(t, e.a), e.ids(t, `SELECT id FROM child WHERE deleted_at IS NULL`), yesterday)
	res := e.step(t, "dates come without changes")
	if res.Children < 10 {
		t.Errorf("%d children counted again, want the 10 whose rows' date came", res.Children)
	}
}

// Dry runs between real ones, also while a generation is pending (a run died
// before or after the attach), change neither the warehouse nor the ledger.
func TestAttackDryRunsBetweenRuns(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 30)
	f.addChildren(t, e.pool, 50)
	dry := func() {
		t.Helper()
		var before, after string
		state := `SELECT coalesce((SELECT string_agg(s::text, ';' ORDER BY s.warehouse) FROM etl_ledger_state s), '') ||
			(SELECT count(*) || ':' || coalesce(sum(gen), 0) FROM etl_ledger)`
		if err := e.pool.QueryRow(ctx, state).Scan(&before); err != nil {
			t.Fatal(err)
		}
		sums := checksums(t, e.a)
		if _, err := Run(ctx, e.src, e.a, Options{DryRun: true, Log: quiet(), CellKeySecret: testSecret}); err != nil {
			t.Fatal(err)
		}
		if err := e.pool.QueryRow(ctx, state).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if before != after {
			t.Errorf("a dry run changed the ledger:\n%s\n%s", before, after)
		}
		if got := checksums(t, e.a); got["fact_child_month"] != sums["fact_child_month"] {
			t.Errorf("a dry run changed fact_child_month")
		}
	}
	dry()
	e.run(t, e.a, false)
	for _, afterSwap := range []bool{false, true} {
		f.mutate(t, e.pool, 10)
		dry()
		e.step(t, "after a dry run")
		f.mutate(t, e.pool, 10)
		if _, err := Run(ctx, e.src, &interrupting{Loader: e.a, afterSwap: afterSwap}, Options{Log: quiet(), CellKeySecret: testSecret}); !errors.Is(err, errInterrupted) {
			t.Fatalf("interrupted run: %v", err)
		}
		dry()
		f.mutate(t, e.pool, 5)
		dry()
		e.step(t, "after an interrupted run and dry runs")
	}
}

// Two warehouses loaded alternately and incrementally from one Postgres,
// with edits between every run, each equal to a clean full load.
func TestAttackTwoWarehousesAlternately(t *testing.T) {
	e := newEnv(t)
	cc, _ := chtest.Database(t)
	other := *e
	other.a = clickhouse.NewLoader(cc)
	f := newFixture(t, e.pool, 31)
	f.addChildren(t, e.pool, 60)
	e.run(t, e.a, false)
	f.mutate(t, e.pool, 8)
	other.run(t, other.a, false)
	for round := 0; round < 3; round++ {
		f.mutate(t, e.pool, 8)
		e.incremental(t)
		f.mutate(t, e.pool, 8)
		other.incremental(t)
		f.mutate(t, e.pool, 8)
		e.incremental(t)
		e.assertSameAsFull(t, "warehouse A")
		other.step(t, "warehouse C")
	}
}

// A warehouse left unloaded past the change log's retention loses its
// ledger (another warehouse's full run compacts it away). Its next run is
// full and starts again at generation 1, the number of the marker the
// warehouse still holds; if that run dies before the replace, the run after
// it must not take the old marker for the new generation's.
func TestAttackGenerationReusedAfterTheLedgerExpired(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 32)
	f.addChildren(t, e.pool, 40)
	e.run(t, e.a, false)
	name := warehouseOf(t, e.a)
	e.exec(t, `UPDATE etl_ledger_state SET updated_at = now() - interval '8 days', snapshot_at = now() - interval '8 days'
		WHERE warehouse = $1`, name)
	e.run(t, e.b, true)
	var n int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM etl_ledger_state WHERE warehouse = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the stale ledger of A was not compacted away (%d rows, %v)", n, err)
	}
	f.mutate(t, e.pool, 15)
	if _, err := Run(ctx, e.src, &interrupting{Loader: e.a}, Options{Log: quiet(), CellKeySecret: testSecret}); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	e.run(t, e.a, false)
	e.assertSameAsFull(t, "after a failed first run on a forgotten ledger")
	f.mutate(t, e.pool, 5)
	e.run(t, e.a, false)
	e.assertSameAsFull(t, "and one more run")
}

// Two measurements of one child on one day that disagree: the cells must
// not depend on the order Postgres returns them in (a list query in
// incremental runs, id ranges in full ones).
func TestAttackSameDayMeasurements(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 33)
	f.addChildren(t, e.pool, 80)
	day := (f.today - 20).Time()
	for _, flag := range []bool{true, false} {
		e.exec(t, `INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
			SELECT id, commune_id, $1, 10, 80, $2, $2 FROM child WHERE birth_date BETWEEN $1::date - 1700 AND $1::date`, day, flag)
	}
	e.run(t, e.a, false)
	e.exec(t, `UPDATE nutrition_measurement SET weight_kg = weight_kg + 0 WHERE measured_on = $1`, day)
	e.step(t, "same-day measurements counted again")
}

// Several rounds of random edits with idle runs, dry runs and a requested
// full run in between.
func TestAttackManyRounds(t *testing.T) {
	e := newEnv(t)
	f := newFixture(t, e.pool, 34)
	f.addChildren(t, e.pool, 120)
	e.run(t, e.a, false)
	for round := 0; round < 6; round++ {
		f.mutate(t, e.pool, 15)
		if round == 3 {
			e.run(t, e.a, true)
			continue
		}
		if _, err := Run(context.Background(), e.src, e.a, Options{DryRun: true, Log: quiet(), CellKeySecret: testSecret}); err != nil {
			t.Fatal(err)
		}
		e.incremental(t)
		e.step(t, "an idle run after the edits")
	}
}

// A test copy of the warehouse (its tables copied, generation markers
// included) is loaded from the same Postgres: both copies carry one ledger
// name. A run of the original dies after its attach; the copy's next run
// forgets that generation and commits its own under the same number, which
// the original then takes for what it holds.
func TestAttackCopiedWarehouseSharesTheLedger(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	cc, _ := chtest.Database(t)
	cp := *e
	cp.a = clickhouse.NewLoader(cc)
	f := newFixture(t, e.pool, 35)
	f.addChildren(t, e.pool, 50)
	e.run(t, e.a, false)
	if err := cc.Exec(ctx, "INSERT INTO fact_child_month SELECT * FROM `"+e.aName+"`.fact_child_month"); err != nil {
		t.Fatal(err)
	}
	f.mutate(t, e.pool, 10)
	if _, err := Run(ctx, e.src, &interrupting{Loader: e.a, afterSwap: true}, Options{Log: quiet(), CellKeySecret: testSecret}); !errors.Is(err, errInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	f.mutate(t, e.pool, 10)
	cp.step(t, "the copy")
	e.run(t, e.a, false)
	e.assertSameAsFull(t, "the original after the copy's run")
}

// Runs that die one after the other, before and after their attach or
// replace, with edits between, and an edit of the org units (a full run).
func TestAttackInterruptionsInARow(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := newFixture(t, e.pool, 36)
	f.addChildren(t, e.pool, 50)
	e.run(t, e.a, false)
	for i, afterSwap := range []bool{true, false, false, true, true, false} {
		f.mutate(t, e.pool, 6)
		if _, err := Run(ctx, e.src, &interrupting{Loader: e.a, afterSwap: afterSwap},
			Options{Full: i == 4, Log: quiet(), CellKeySecret: testSecret}); !errors.Is(err, errInterrupted) {
			t.Fatalf("interrupted run %d: %v", i, err)
		}
	}
	e.step(t, "after six interrupted runs")
	e.exec(t, `UPDATE org_unit SET name = name || ' ' WHERE id = $1`, f.communes[0])
	f.mutate(t, e.pool, 6)
	if res := e.run(t, e.a, false); res.Mode != "full" {
		t.Fatalf("a run after an org unit edit: %s (%s), want full", res.Mode, res.Reason)
	}
	f.mutate(t, e.pool, 6)
	e.step(t, "after the org unit edit")
	if markers, err := e.a.Markers(ctx); err != nil || len(markers) != 1 {
		t.Errorf("live generation markers %v (%v), want only the newest", markers, err)
	}
}

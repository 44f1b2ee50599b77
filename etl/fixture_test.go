package etl

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/extract"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// env is one test's real Postgres database and two warehouse databases: A is
// loaded the way under test (incremental, interrupted), B by a clean full run.
type env struct {
	pool  *pgxpool.Pool
	src   *postgres.ETLSource
	url   string
	a, b  *clickhouse.Loader
	aName string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool, url := testdb.URL(t)
	ca, aName := chtest.Database(t)
	cb, _ := chtest.Database(t)
	return &env{pool: pool, src: testSource(pool), url: url, a: clickhouse.NewLoader(ca), b: clickhouse.NewLoader(cb), aName: aName}
}

// testSource reads through queries of 16 children and shares lists of 4 or
// more between the workers: a small fixture spans many ranges and both.
func testSource(pool *pgxpool.Pool) *postgres.ETLSource {
	src := postgres.NewETLSource(pool)
	src.RangeSize, src.MinSharedList = 16, 4
	return src
}

// snapshot holds the ETL's lock and opens a snapshot, until end is called.
func (e *env) snapshot(t *testing.T) (tx extract.Snapshot, snap *Snapshot, end func()) {
	t.Helper()
	return openSnapshot(t, e.src)
}

// openSnapshot holds src's ETL lock and opens a snapshot, until end is called.
func openSnapshot(t *testing.T, src extract.Source) (tx extract.Snapshot, snap *Snapshot, end func()) {
	t.Helper()
	ctx := context.Background()
	session, err := src.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tx, err = session.BeginSnapshot(ctx); err != nil {
		session.Release()
		t.Fatal(err)
	}
	end = func() { tx.Close(); session.Release() }
	if snap, err = readSnapshot(ctx, tx); err != nil {
		end()
		t.Fatal(err)
	}
	return tx, snap, end
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (e *env) run(t *testing.T, wh *clickhouse.Loader, full bool) *Result {
	t.Helper()
	res, err := Run(context.Background(), e.src, wh, Options{Full: full, Log: quiet(), CellKeySecret: testSecret})
	if err != nil {
		t.Fatalf("etl run (full=%v): %v", full, err)
	}
	return res
}

var warehouseTables = []string{"dim_unit", "dim_unit_edge", "fact_unit_year", "fact_district_year", "fact_child_month"}

// checksums returns count and content hash per table (run_id excluded).
func checksums(t *testing.T, wh *clickhouse.Loader) map[string][2]uint64 {
	t.Helper()
	out := map[string][2]uint64{}
	for _, table := range warehouseTables {
		out[table] = checksum(t, wh, table)
	}
	return out
}

// checksum is table's row count and content hash in wh, run ids aside.
func checksum(t *testing.T, wh *clickhouse.Loader, table string) [2]uint64 {
	t.Helper()
	n, sum, err := wh.Checksum(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return [2]uint64{n, sum}
}

// assertSameAsFull runs a clean full load into B and compares it with A.
func (e *env) assertSameAsFull(t *testing.T, what string) {
	t.Helper()
	e.run(t, e.b, true)
	got, want := checksums(t, e.a), checksums(t, e.b)
	for _, table := range warehouseTables {
		if got[table] != want[table] {
			t.Errorf("%s: %s (count, hash) = %v, a clean full run gives %v", what, table, got[table], want[table])
		}
	}
	if got["fact_child_month"][0] == 0 {
		t.Errorf("%s: fact_child_month is empty: the fixture counts nothing", what)
	}
	// The analytics read the same counts from both.
	var months []time.Time
	for m := 0; m <= MonthIndex(civil.DayFromTime(time.Now())); m++ {
		months = append(months, MonthStart(m).Time())
	}
	q := clickhouse.CountQuery{Reads: []clickhouse.Read{{Measures: indicators.MeasureNames(), Months: months}},
		Dims: []clickhouse.Dim{clickhouse.DimCommune, clickhouse.DimSex}}
	a, err := clickhouse.NewReader(e.a.Conn).Counts(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := clickhouse.NewReader(e.b.Conn).Counts(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) || len(a) == 0 {
		t.Errorf("%s: the analytics read %d sums, %d from a clean full run", what, len(a), len(b))
	}
	sums := map[string]uint64{}
	for _, r := range b {
		sums[fmt.Sprint(r.Measure, r.Month, r.Keys)] = r.Value<<32 | r.CellKey%(1<<32)
	}
	for _, r := range a {
		if k := fmt.Sprint(r.Measure, r.Month, r.Keys); sums[k] != r.Value<<32|r.CellKey%(1<<32) {
			t.Errorf("%s: %s = %d, a clean full run reads %d", what, k, r.Value, sums[k]>>32)
		}
	}
}

// fixture writes random but reproducible children and events through SQL,
// on four 2019 communes of three districts that the 2025 reform merged.
type fixture struct {
	rng      *rand.Rand
	units    *Units
	communes []int32
	children []int64
	today    civil.Day
}

var fixtureCommunes = []string{"26053", "26059", "26089", "26098"}

func newFixture(t *testing.T, pool *pgxpool.Pool, seed uint64) *fixture {
	t.Helper()
	_, snap, end := openSnapshot(t, testSource(pool))
	end()
	units := snap.Units
	f := &fixture{rng: rand.New(rand.NewPCG(seed, 7)), units: units, today: civil.DayFromTime(time.Now().In(domain.Vietnam))}
	for _, code := range fixtureCommunes {
		for _, u := range units.All() {
			if u.Code == code && u.ValidFrom == HistoryStart && u.Level == "commune" {
				f.communes = append(f.communes, u.ID)
			}
		}
	}
	if len(f.communes) != len(fixtureCommunes) {
		t.Fatalf("fixture communes %v not all found in the org units (%d)", fixtureCommunes, len(f.communes))
	}
	return f
}

func (f *fixture) day(from, to civil.Day) civil.Day {
	if to <= from {
		return from
	}
	return from + civil.Day(f.rng.IntN(int(to-from)))
}

func (f *fixture) pick(xs []int32) int32 { return xs[f.rng.IntN(len(xs))] }

func (f *fixture) exec(t *testing.T, pool *pgxpool.Pool, b *pgx.Batch) {
	t.Helper()
	if err := pool.SendBatch(context.Background(), b).Close(); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// addChildren inserts n children with households, residences and events.
func (f *fixture) addChildren(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		home := f.pick(f.communes)
		birth := f.day(civil.DayOf(2005, 1, 1), f.today-30)
		sex := []string{"M", "F"}[f.rng.IntN(2)]
		var hh *int64
		if f.rng.IntN(4) > 0 {
			var id int64
			if err := pool.QueryRow(ctx, `INSERT INTO household (unit_id) VALUES ($1) RETURNING id`, home).Scan(&id); err != nil {
				t.Fatal(err)
			}
			hh = &id
			b := &pgx.Batch{}
			for y := 2019; y <= 2026; y++ {
				if f.rng.IntN(3) > 0 {
					b.Queue(`INSERT INTO household_poverty (household_id, year, status) VALUES ($1, $2, $3)`,
						id, y, []string{"poor", "near_poor", "neither"}[f.rng.IntN(3)])
				}
			}
			f.exec(t, pool, b)
		}
		var child int64
		current := f.units.Resolve(home, f.today)
		if err := pool.QueryRow(ctx, `INSERT INTO child (full_name, sex, birth_date, household_id, commune_id)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, fmt.Sprintf("Trẻ thử %d", i), sex, birth.Time(), hh, current).Scan(&child); err != nil {
			t.Fatal(err)
		}
		f.children = append(f.children, child)
		b := &pgx.Batch{}
		if f.rng.IntN(2) == 0 {
			b.Queue(`INSERT INTO child_residence (child_id, unit_id, valid_from) VALUES ($1, $2, $3)`, child, home, birth.Time())
		}
		b.Queue(`INSERT INTO insurance_card (child_id, card_number, valid_from, valid_to) VALUES ($1, $2, $3, $4)`,
			child, fmt.Sprintf("GD%013d", child), birth.Time(), birth.AddYears(3).Time())
		if f.rng.IntN(3) == 0 {
			b.Queue(`INSERT INTO birth_registration (child_id, unit_id, registered_on) VALUES ($1, $2, $3)`,
				child, f.unitAt(home, birth+20), (birth + 20).Time())
		}
		if f.rng.IntN(5) == 0 {
			group := []string{"ORPHAN_BOTH", "DISABLED", "HIV", "SEXUAL_ABUSE"}[f.rng.IntN(4)]
			b.Queue(`INSERT INTO child_circumstance (child_id, group_code, started_on) VALUES ($1, $2, $3)`,
				child, group, f.day(birth, f.today).Time())
		}
		if birth.AddYears(1) < f.today && f.rng.IntN(2) == 0 {
			d := birth + 300
			b.Queue(`INSERT INTO immunisation (child_id, unit_id, fully_immunised_on) VALUES ($1, $2, $3)`, child, f.unitAt(home, d), d.Time())
		}
		if y, _, _ := birth.AddYears(5).Date(); civil.DayOf(y, 9, 1) < f.today && f.rng.IntN(2) == 0 {
			b.Queue(`INSERT INTO school_attendance (child_id, unit_id, school_year, level, attending) VALUES ($1, $2, $3, 'preschool', true)`,
				child, f.unitAt(home, civil.DayOf(y, 9, 1)), y)
		}
		for k := f.rng.IntN(6); k > 0; k-- {
			f.queueEvent(b, child, home, birth)
		}
		f.exec(t, pool, b)
	}
}

// unitAt is the version holding a 2019 commune's territory on d.
func (f *fixture) unitAt(home int32, d civil.Day) int32 {
	if u := f.units.Resolve(home, d); u != 0 {
		return u
	}
	return home
}

// queueEvent adds one random dated event; about one in twelve is a bad row
// (before birth, or on a unit version not in force that day).
func (f *fixture) queueEvent(b *pgx.Batch, child int64, home int32, birth civil.Day) {
	end := min(birth.AddYears(18), f.today)
	d := f.day(birth, end)
	unit := f.unitAt(home, d)
	switch f.rng.IntN(12) {
	case 0:
		d = birth - 10
	case 1:
		unit = f.unitAt(home, f.today)
	}
	switch f.rng.IntN(7) {
	case 0:
		b.Queue(`INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome) VALUES ($1, $2, $3, $4, $5)`,
			child, unit, d.Time(), []string{"drowning", "traffic", "fall"}[f.rng.IntN(3)], []string{"injured", "injured", "died"}[f.rng.IntN(3)])
	case 1:
		b.Queue(`INSERT INTO support (child_id, unit_id, support_type, provider, given_on) VALUES ($1, $2, 'cash', 'UBND xã', $3)`, child, unit, d.Time())
	case 2:
		// The occasion follows the child, not the generator, whose draws the other tests' data rest on.
		b.Queue(`INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd) VALUES ($1, $2, $3, $4, 500000)`,
			child, unit, indicators.GiftOccasions[child%int64(len(indicators.GiftOccasions))], d.Time())
	case 3:
		b.Queue(`INSERT INTO nutrition_measurement (child_id, unit_id, measured_on, weight_kg, height_cm, underweight, stunted)
			VALUES ($1, $2, $3, 12.5, 85.0, $4, $5)`, child, unit, d.Time(), f.rng.IntN(4) == 0, f.rng.IntN(4) == 0)
	case 4:
		b.Queue(`INSERT INTO health_checkup (child_id, unit_id, checked_on) VALUES ($1, $2, $3)`, child, unit, d.Time())
	case 5:
		received := d.Time().Add(3 * time.Hour) // 10:00 in Vietnam
		approved := f.rng.IntN(2) == 0
		b.Queue(`INSERT INTO protection_case (child_id, unit_id, case_type, received_at, initial_assessed_at, emergency_needed,
			detailed_assessed_at, plan_drafted_at, plan_approved_at, emergency_deadline, plan_deadline, approval_deadline)
			VALUES ($1, $2, $3, $4, $4::timestamptz + interval '1 hour', $5, $4::timestamptz + interval '1 day',
			        $4::timestamptz + interval '2 days', CASE WHEN $6 THEN $4::timestamptz + interval '3 days' END,
			        $4::timestamptz + interval '12 hours', $4::timestamptz + interval '7 days', $4::timestamptz + interval '9 days')`,
			child, unit, []string{"violence", "sexual_abuse", "neglect", "trafficking"}[f.rng.IntN(4)], received, f.rng.IntN(3) == 0, approved)
	case 6:
		b.Queue(`WITH k AS (INSERT INTO swimming_class (unit_id, name, starts_on, ends_on) VALUES ($2, 'Lớp bơi', $3, $3::date + 20) RETURNING id)
			INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on, completed_on) SELECT id, $1, $3, $3::date + 20 FROM k`,
			child, unit, d.Time())
	}
}

// mutate applies n random corrections, moves, deletes and inserts, each in
// its own transaction, the way officers edit records.
func (f *fixture) mutate(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		child := f.children[f.rng.IntN(len(f.children))]
		var err error
		switch f.rng.IntN(8) {
		case 0: // birth date corrected: the child moves to another age band
			_, err = pool.Exec(ctx, `UPDATE child SET birth_date = greatest(birth_date + $2::int, DATE '2005-01-01') WHERE id = $1`,
				child, f.rng.IntN(800)-400)
		case 1: // the child moves commune
			to := f.pick(f.communes)
			d := f.day(civil.DayOf(2020, 1, 1), f.today)
			b := &pgx.Batch{}
			b.Queue(`UPDATE child_residence SET valid_to = $2 WHERE child_id = $1 AND valid_to IS NULL AND valid_from < $2 AND deleted_at IS NULL`, child, d.Time())
			b.Queue(`INSERT INTO child_residence (child_id, unit_id, valid_from)
				SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM child_residence WHERE child_id = $1 AND valid_to = $3)`, child, to, d.Time())
			b.Queue(`UPDATE child SET commune_id = $2 WHERE id = $1`, child, f.unitAt(to, f.today))
			f.exec(t, pool, b)
		case 2:
			_, err = pool.Exec(ctx, `UPDATE child SET deleted_at = now() WHERE id = $1`, child)
		case 3:
			_, err = pool.Exec(ctx, `UPDATE injury SET deleted_at = now() WHERE id = (SELECT min(id) FROM injury WHERE deleted_at IS NULL AND id >= $1)`,
				f.rng.IntN(200))
		case 4:
			var birth time.Time
			if err := pool.QueryRow(ctx, `SELECT birth_date FROM child WHERE id = $1`, child).Scan(&birth); err != nil {
				t.Fatal(err)
			}
			b := &pgx.Batch{}
			f.queueEvent(b, child, f.pick(f.communes), civil.DayFromTime(birth))
			f.exec(t, pool, b)
		case 5:
			_, err = pool.Exec(ctx, `UPDATE household_poverty SET status = CASE status WHEN 'poor' THEN 'neither' ELSE 'poor' END
				WHERE household_id = (SELECT household_id FROM child WHERE id = $1)`, child)
		case 6:
			f.addChildren(t, pool, 1)
		case 7: // a support's date and the child's gift occasions corrected
			b := &pgx.Batch{}
			b.Queue(`UPDATE support SET given_on = given_on + 40 WHERE child_id = $1`, child)
			b.Queue(`UPDATE gift_visit SET occasion = CASE occasion WHEN 'tet' THEN 'children_day' WHEN 'children_day' THEN 'mid_autumn'
				ELSE 'tet' END WHERE child_id = $1`, child)
			f.exec(t, pool, b)
		}
		if err != nil {
			t.Fatalf("mutate: %v", err)
		}
	}
}

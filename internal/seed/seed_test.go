package seed_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/seed"
	"treem/internal/testdb"
)

func options(n int) seed.Options {
	return seed.Options{Children: n, Seed: 3, Today: civil.DayOf(2026, 11, 28)}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// childDigest fingerprints the seeded people and events, timestamps excluded.
const childDigest = `SELECT md5(string_agg(concat_ws('|', c.id, c.full_name, c.sex, c.birth_date, c.ethnicity, c.household_id,
  c.commune_id, c.identity_number, c.address, c.death_date,
  (SELECT string_agg(concat_ws(',', r.unit_id, r.valid_from, r.valid_to), ';' ORDER BY r.id) FROM child_residence r WHERE r.child_id = c.id),
  (SELECT string_agg(concat_ws(',', i.unit_id, i.occurred_on, i.cause), ';' ORDER BY i.id) FROM injury i WHERE i.child_id = c.id)),
  E'\n' ORDER BY c.id)) FROM child c`

func TestSeedIntoFreshDatabase(t *testing.T) {
	ctx := context.Background()
	pool := testdb.Postgres(t)

	// Bad input writes nothing.
	for _, n := range []int{-1, 0} {
		_, err := seed.Run(ctx, pool, options(n), seed.NoProgress{})
		if domain.ErrorCode(err) != domain.CodeInvalidInput {
			t.Errorf("--children %d: %v, want INVALID_INPUT", n, err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM household`); n != 0 {
		t.Fatalf("bad input wrote %d households", n)
	}

	res, err := seed.Run(ctx, pool, options(3000), seed.NoProgress{})
	if err != nil {
		t.Fatal(err)
	}
	// The ETL runs right after a seed: its plans need statistics already.
	if n := count(t, pool, `SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'child' AND last_analyze IS NOT NULL`); n != 1 {
		t.Errorf("child not analyzed after the seed")
	}
	for _, tb := range seed.Tables() {
		name := tb.Name
		n := count(t, pool, `SELECT count(*) FROM `+name)
		if n != res.Rows[name] {
			t.Errorf("%s: %d rows in the table, %d reported", name, n, res.Rows[name])
		}
		if n == 0 && name != "protection_case" {
			t.Errorf("%s: no rows", name)
		}
	}
	digest := count(t, pool, `SELECT count(*) FROM child`)
	if digest != 3000 {
		t.Fatalf("%d children, want 3000", digest)
	}
	var firstDigest string
	if err := pool.QueryRow(ctx, childDigest).Scan(&firstDigest); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		sql    string
		lo, hi float64
	}{
		{"boys per 100 girls", `SELECT 100.0 * count(*) FILTER (WHERE sex = 'M') / count(*) FILTER (WHERE sex = 'F') FROM child`, 100, 126},
		{"birth registration % (born 2020 to mid-2025)", `SELECT 100.0 * count(b.child_id) / count(*) FROM child c
			LEFT JOIN birth_registration b ON b.child_id = c.id WHERE c.birth_date BETWEEN '2020-01-01' AND '2025-06-30'`, 95, 99.9},
		{"poor household-years %", `SELECT 100.0 * count(*) FILTER (WHERE status = 'poor') / count(*) FROM household_poverty`, 1.5, 4.5},
		{"children per household", `SELECT count(*)::float / count(DISTINCT household_id) FROM child`, 1.5, 2.3},
		// Every child lives in a unit in force today (or on the day of death).
		{"children outside a unit in force", `SELECT count(*) FROM child c JOIN org_unit u ON u.id = c.commune_id
			WHERE NOT (u.valid_from <= coalesce(c.death_date, '2026-11-28') AND (u.valid_to IS NULL OR u.valid_to > coalesce(c.death_date, '2026-11-28')))`, 0, 0},
		// child.commune_id is the latest residence.
		{"commune_id not the latest residence", `SELECT count(*) FROM child c WHERE c.commune_id <> (SELECT r.unit_id FROM child_residence r
			WHERE r.child_id = c.id ORDER BY r.valid_from DESC LIMIT 1)`, 0, 0},
		// Bình Phước children only from the merger, and only in its former units.
		{"Bình Phước residences before 2025-07-01", `SELECT count(*) FROM child_residence r
			WHERE r.unit_id IN (SELECT to_unit_id FROM unit_crosswalk WHERE from_province = 'Bình Phước') AND r.valid_from < '2025-07-01'`, 0, 0},
		{"Bình Phước children", `SELECT count(DISTINCT child_id) FROM child_residence
			WHERE unit_id IN (SELECT to_unit_id FROM unit_crosswalk WHERE from_province = 'Bình Phước')`, 200, 1000},
		// A reorganisation gives residents a new row on its day in the successor.
		{"residences ending with their unit without a successor row", `SELECT count(*) FROM child_residence r
			JOIN org_unit u ON u.id = r.unit_id JOIN child c ON c.id = r.child_id
			WHERE r.valid_to = u.valid_to AND (c.death_date IS NULL OR c.death_date >= r.valid_to)
			AND NOT EXISTS (SELECT 1 FROM child_residence n WHERE n.child_id = r.child_id AND n.valid_from = r.valid_to)`, 0, 0},
		{"residences split at 2025-07-01", `SELECT count(*) FROM child_residence WHERE valid_from = '2025-07-01'`, 1500, 3000},
		// Events on the unit version in force at their date (records taken over
		// from before a child's first residence are the documented exception).
		{"events on a unit not in force", `WITH first AS (SELECT child_id, min(valid_from) d FROM child_residence GROUP BY 1),
			ev AS (
			  SELECT child_id, unit_id, occurred_on d FROM injury WHERE occurred_on >= (SELECT birth_date FROM child WHERE id = child_id)
			  UNION ALL SELECT child_id, unit_id, given_on FROM support
			  UNION ALL SELECT child_id, unit_id, visited_on FROM gift_visit
			  UNION ALL SELECT child_id, unit_id, measured_on FROM nutrition_measurement
			  UNION ALL SELECT child_id, unit_id, checked_on FROM health_checkup WHERE checked_on <= '2026-11-28'
			  UNION ALL SELECT child_id, unit_id, make_date(school_year, 9, 5) FROM school_attendance
			  UNION ALL SELECT child_id, unit_id, registered_on FROM birth_registration
			  UNION ALL SELECT child_id, unit_id, fully_immunised_on FROM immunisation
			  UNION ALL SELECT child_id, unit_id, registered_on FROM residence_registration
			  UNION ALL SELECT child_id, unit_id, (received_at AT TIME ZONE '` + domain.VietnamZoneName + `')::date FROM protection_case
			  UNION ALL SELECT child_id, unit_id, valid_from FROM child_residence)
			SELECT count(*) FROM ev JOIN first USING (child_id) JOIN org_unit u ON u.id = ev.unit_id
			WHERE ev.d >= first.d AND NOT (u.valid_from <= ev.d AND (u.valid_to IS NULL OR ev.d < u.valid_to))`, 0, 0},
		{"unit rows on a unit not in force", `SELECT count(*) FROM (
			  SELECT unit_id, starts_on d FROM swimming_class UNION ALL SELECT unit_id, held_on FROM communication_activity
			  UNION ALL SELECT unit_id, due_on FROM plan_activity UNION ALL SELECT unit_id, due_on FROM periodic_report
			  UNION ALL SELECT unit_id, least(make_date(year, 12, 31), DATE '2026-11-28') FROM commune_facts) ev
			JOIN org_unit u ON u.id = ev.unit_id WHERE NOT (u.valid_from <= ev.d AND (u.valid_to IS NULL OR ev.d < u.valid_to))`, 0, 0},
		// The documented bad rows: child index 777 mod 33,333 has an injury
		// before birth, 1777 a check-up after today.
		{"injuries before birth", `SELECT count(*) FROM injury i JOIN child c ON c.id = i.child_id WHERE i.occurred_on < c.birth_date`, 1, 1},
		{"soft-deleted check-ups ‰", `SELECT 1000.0 * count(deleted_at) / count(*) FROM health_checkup`, 0.5, 5},
		{"check-ups in the future", `SELECT count(*) FROM health_checkup WHERE checked_on > '2026-11-28'`, 1, 1},
		{"commune-years passing worker and survey", `SELECT 100.0 * count(*) FILTER (WHERE worker_assigned AND survey_satisfied * 100 >= survey_respondents * 80) / count(*) FROM commune_facts`, 20, 80},
	} {
		var got float64
		if err := pool.QueryRow(ctx, tc.sql).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got < tc.lo || got > tc.hi {
			t.Errorf("%s = %.2f, want in [%.1f, %.1f]", tc.name, got, tc.lo, tc.hi)
		}
	}

	// --if-empty skips a database that has children; a plain run refuses.
	res, err = seed.Run(ctx, pool, seed.Options{Children: 10, Seed: 9, Today: civil.DayOf(2026, 11, 28), IfEmpty: true}, seed.NoProgress{})
	if err != nil || !res.Skipped {
		t.Fatalf("--if-empty on a seeded database: %+v, %v", res, err)
	}
	if _, err := seed.Run(ctx, pool, options(10), seed.NoProgress{}); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("seeding a seeded database: %v, want CONFLICT", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM child`); n != 3000 {
		t.Fatalf("%d children after the refused runs", n)
	}
	// --replace reseeds in one transaction; the same seed gives the same data.
	opts := options(3000)
	opts.Replace = true
	if _, err := seed.Run(ctx, pool, opts, seed.NoProgress{}); err != nil {
		t.Fatal(err)
	}
	var again string
	if err := pool.QueryRow(ctx, childDigest).Scan(&again); err != nil {
		t.Fatal(err)
	}
	if again != firstDigest {
		t.Error("the same seed gave different data")
	}
	// New rows continue after the seeded ids.
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO household (unit_id) SELECT unit_id FROM household LIMIT 1 RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if max := count(t, pool, `SELECT max(id) FROM household WHERE id <> `+strconv.FormatInt(id, 10)); id != max+1 {
		t.Errorf("new household id %d after max %d", id, max)
	}
}

func TestSeedFailureLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pool := testdb.Postgres(t)
	// Cancel as soon as the second table starts: the transaction rolls back.
	_, err := seed.Run(ctx, pool, options(2000), cancelOnTable{"household_poverty", cancel})
	if err == nil {
		t.Fatal("a cancelled seed succeeded")
	}
	if n := count(t, pool, `SELECT count(*) FROM household`); n != 0 {
		t.Fatalf("a failed seed left %d households", n)
	}
}

type cancelOnTable struct {
	table  string
	cancel context.CancelFunc
}

func (c cancelOnTable) Start(table string, _ int) {
	if table == c.table {
		c.cancel()
	}
}
func (cancelOnTable) Add(int)            {}
func (cancelOnTable) Done(string, int64) {}

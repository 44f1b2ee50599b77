package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/postgres"
	"treem/internal/testdb"
)

// count runs a query returning one integer.
func count(t *testing.T, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

const validOn = `valid_from <= $1::date AND (valid_to IS NULL OR valid_to > $1::date)`

// The expected counts come from the sources (dong-nai-units.md §1,
// reorganisation-2025.md §1–2), not from the loader.
func TestRefdataCounts(t *testing.T) {
	pool := testdb.Postgres(t)
	tests := []struct {
		day                            string
		provinces, districts, communes int
		phuong, xa, thiTran            int
	}{
		// Before the 2019 changes six Biên Hòa wards were xã (dong-nai-units.md §3).
		{"2016-01-01", 1, 11, 170, 34, 128, 8},
		{"2019-06-30", 1, 11, 170, 34, 128, 8},
		{"2019-07-01", 1, 11, 170, 40, 122, 8},
		{"2021-06-30", 1, 11, 170, 40, 122, 8}, // Long Giao still a xã
		{"2021-07-01", 1, 11, 170, 40, 121, 9},
		{"2024-10-31", 1, 11, 170, 40, 121, 9},
		{"2024-12-01", 1, 11, 159, -1, -1, -1},
		{"2025-06-30", 1, 11, 159, -1, -1, -1},
		{"2025-07-01", 1, 0, 95, 23, 72, 0},
		{"2026-04-30", 1, 0, 95, 33, 62, 0},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			byLevel := func(level string) int {
				return count(t, pool, `SELECT count(*) FROM org_unit WHERE level = $2 AND `+validOn, tt.day, level)
			}
			if got := byLevel("province"); got != tt.provinces {
				t.Errorf("provinces = %d, want %d", got, tt.provinces)
			}
			if got := byLevel("district"); got != tt.districts {
				t.Errorf("districts = %d, want %d", got, tt.districts)
			}
			if got := byLevel("commune"); got != tt.communes {
				t.Errorf("communes = %d, want %d", got, tt.communes)
			}
			for typ, want := range map[string]int{"Phường": tt.phuong, "Xã": tt.xa, "Thị trấn": tt.thiTran} {
				if want < 0 {
					continue
				}
				got := count(t, pool, `SELECT count(*) FROM org_unit WHERE level = 'commune' AND unit_type = $2 AND `+validOn, tt.day, typ)
				if got != want {
					t.Errorf("%s = %d, want %d", typ, got, want)
				}
			}
			// Every unit in force has exactly one parent in force (none for the province).
			orphans := count(t, pool, `
				SELECT count(*) FROM org_unit c
				LEFT JOIN org_unit p ON p.id = c.parent_id
				  AND p.valid_from <= $1::date AND (p.valid_to IS NULL OR p.valid_to > $1::date)
				WHERE c.level <> 'province' AND c.valid_from <= $1::date AND (c.valid_to IS NULL OR c.valid_to > $1::date)
				  AND p.id IS NULL`, tt.day)
			if orphans != 0 {
				t.Errorf("%d units without a parent in force", orphans)
			}
		})
	}
}

// The merged province's 95 units: 55 from former Đồng Nai, 40 from Bình Phước,
// no unit straddling the old border (reorganisation-2025.md §2).
func TestRefdataOrigins(t *testing.T) {
	pool := testdb.Postgres(t)
	rows, err := pool.Query(context.Background(), `
		SELECT string_agg(DISTINCT x.from_province, ',' ORDER BY x.from_province), count(DISTINCT u.id)
		FROM org_unit u JOIN unit_crosswalk x ON x.to_unit_id = u.id AND x.effective = DATE '2025-07-01'
		WHERE u.level = 'commune' AND u.valid_from = DATE '2025-07-01'
		GROUP BY u.id`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var provinces string
		var n int
		if err := rows.Scan(&provinces, &n); err != nil {
			t.Fatal(err)
		}
		got[provinces]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"Đồng Nai": 55, "Bình Phước": 40}
	if len(got) != len(want) || got["Đồng Nai"] != 55 || got["Bình Phước"] != 40 {
		t.Fatalf("2025 units by origin = %v, want %v", got, want)
	}
	// 283 rows of the mapping, 23 of the 2024 step, 10 from the 2024 versions,
	// 15 + 6 + 1 + 95 cuts without territorial change (Long Khánh's communes and
	// the six Biên Hòa wards in 2019, Long Giao 2021, the 2026 city).
	if n := count(t, pool, `SELECT count(*) FROM unit_crosswalk`); n != 283+23+10+15+6+1+95 {
		t.Errorf("crosswalk rows = %d, want %d", n, 283+23+10+15+6+1+95)
	}
	if n := count(t, pool, `SELECT count(*) FROM unit_crosswalk WHERE from_unit_id IS NULL`); n != 111 {
		t.Errorf("rows from outside the history = %d, want 111 (former Bình Phước)", n)
	}
}

func TestRefdataDistricts(t *testing.T) {
	pool := testdb.Postgres(t)
	want := map[string]string{"731": "Biên Hòa", "732": "Long Khánh", "734": "Tân Phú", "735": "Vĩnh Cửu",
		"736": "Định Quán", "737": "Trảng Bom", "738": "Thống Nhất", "739": "Cẩm Mỹ", "740": "Long Thành",
		"741": "Xuân Lộc", "742": "Nhơn Trạch"}
	rows, err := pool.Query(context.Background(),
		`SELECT code, name, unit_type, valid_from::text, valid_to::text FROM org_unit WHERE level = 'district'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var code, name, typ, from, to string
		if err := rows.Scan(&code, &name, &typ, &from, &to); err != nil {
			t.Fatal(err)
		}
		n++
		// Long Khánh was a thị xã until 2019 (provisional day), then a city.
		wantFrom, wantTo, wantType := "2016-01-01", "2025-07-01", "Huyện"
		switch {
		case code == "731":
			wantType = "Thành phố"
		case code == "732" && from == "2016-01-01":
			wantTo, wantType = "2019-07-01", "Thị xã"
		case code == "732":
			wantFrom, wantType = "2019-07-01", "Thành phố"
		}
		if want[code] != name || from != wantFrom || to != wantTo || typ != wantType {
			t.Errorf("district %s %s %s %s..%s, want %s %s %s..%s", code, name, typ, from, to, want[code], wantType, wantFrom, wantTo)
		}
	}
	if n != 12 {
		t.Errorf("district versions = %d, want 12 (11, Long Khánh twice)", n)
	}
}

func TestRefdataNamesNFCAndProvisional(t *testing.T) {
	pool := testdb.Postgres(t)
	if n := count(t, pool, `SELECT count(*) FROM org_unit WHERE name IS NOT NFC NORMALIZED`); n != 0 {
		t.Errorf("%d names not NFC", n)
	}
	// The ⚠️ facts: the 2019 day of Long Khánh's change (and its 15 communes' versions the
	// change cut) and of the six Biên Hòa wards, Long Giao's 2021 date, the 2026 city and
	// its ten phường (and the versions the city's change cut), Núi Tượng's destination.
	if n := count(t, pool, `SELECT count(*) FROM org_unit WHERE provisional`); n != 1+15+6+1+1+95 {
		t.Errorf("provisional versions = %d, want 119", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM unit_crosswalk WHERE provisional AND relation = 'full-unverified'`); n != 2 {
		t.Errorf("unverified Núi Tượng rows = %d, want 2 (2024 and 2025 steps)", n)
	}
}

func TestRefdataMigrateTwiceIsNoop(t *testing.T) {
	pool := testdb.Postgres(t)
	before := count(t, pool, `SELECT count(*) FROM org_unit`) + count(t, pool, `SELECT count(*) FROM unit_crosswalk`)
	if err := postgres.Migrate(context.Background(), pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	after := count(t, pool, `SELECT count(*) FROM org_unit`) + count(t, pool, `SELECT count(*) FROM unit_crosswalk`)
	if before != after || before != 407+433 {
		t.Fatalf("rows before %d, after a second migrate %d, want %d both", before, after, 407+433)
	}
}

// unit_district_2021 is materialized; a change to the units or the crosswalk
// refreshes it, and the API role reads it.
func TestDistrict2021FollowsChanges(t *testing.T) {
	pool := testdb.Postgres(t)
	approximate := `SELECT count(*) FROM unit_district_2021 d JOIN org_unit u ON u.id = d.unit_id
		WHERE u.code = '26188' AND d.approximate`
	if n := count(t, pool, approximate); n != 2 {
		t.Fatalf("approximate versions of Tân Triều = %d, want 2 (2025 and 2026)", n)
	}
	// Without Tân Phong (Biên Hòa) every predecessor of Tân Triều lay in Vĩnh Cửu.
	if _, err := pool.Exec(context.Background(), `DELETE FROM unit_crosswalk
		WHERE from_code = '25996' AND to_unit_id IN (SELECT id FROM org_unit WHERE code = '26188')`); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, approximate); n != 0 {
		t.Errorf("after the change, approximate versions of Tân Triều = %d, want 0", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM pg_roles WHERE rolname = 'treem_app'
		AND has_table_privilege('treem_app', 'unit_district_2021', 'SELECT')`); n != 1 {
		t.Error("the API role cannot read unit_district_2021")
	}
}

// unitsAndEdges prints every unit version and crosswalk edge by code and day,
// independent of the ids a load gave them.
func unitsAndEdges(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
SELECT concat_ws('|', u.code, u.name, u.unit_type, u.level, p.code, p.valid_from, u.valid_from, u.valid_to, u.provisional, u.source)
FROM org_unit u LEFT JOIN org_unit p ON p.id = u.parent_id
UNION ALL
SELECT concat_ws('|', x.effective, x.from_code, f.valid_from, x.from_name, x.from_district, x.from_province,
                 t.code, t.valid_from, x.relation, x.provisional, x.note)
FROM unit_crosswalk x LEFT JOIN org_unit f ON f.id = x.from_unit_id JOIN org_unit t ON t.id = x.to_unit_id
ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A database whose units were loaded while the history began on 2019-01-01
// with the 2021 types (migration 00004 before 2016) is brought by migration
// 00078 to exactly what a new database loads.
func TestHistory2016UpgradesAnOlderDatabase(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	want := unitsAndEdges(t, pool)
	for _, q := range []string{
		`DELETE FROM unit_crosswalk WHERE effective = '2019-07-01'`,
		`DELETE FROM org_unit WHERE valid_to = '2019-07-01' AND level = 'commune'`,
		`DELETE FROM org_unit WHERE valid_to = '2019-07-01'`,
		`UPDATE org_unit SET valid_from = '2019-01-01', provisional = false,
		        source = 'GSO list of 01/07/2021 (codes of QĐ 124/2004/QĐ-TTg)'
		 WHERE valid_from IN ('2016-01-01', '2019-07-01') AND level <> 'province'`,
		`UPDATE org_unit SET valid_from = '2019-01-01' WHERE valid_from = '2016-01-01'`,
		`ALTER TABLE commune_facts DROP CONSTRAINT commune_facts_year_check`,
		`ALTER TABLE commune_facts ADD CONSTRAINT commune_facts_year_check CHECK (year BETWEEN 2019 AND 2100)`,
		`DELETE FROM goose_db_version WHERE version_id = 78`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM org_unit WHERE valid_from < '2019-01-01'`); n != 0 {
		t.Fatalf("the older shape still has %d versions before 2019", n)
	}
	if err := postgres.Migrate(ctx, pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	got := unitsAndEdges(t, pool)
	if len(got) != len(want) {
		t.Fatalf("after the upgrade %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %s, want %s", i, got[i], want[i])
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO commune_facts (unit_id, year, worker_assigned, villages,
		villages_with_collaborator, board_meetings, funding_vnd, play_venues, children_forums, survey_respondents, survey_satisfied)
		SELECT id, 2016, true, 1, 1, 0, 0, 0, 0, 0, 0 FROM org_unit WHERE code = '26068' AND valid_from = '2016-01-01'`); err != nil {
		t.Fatalf("facts of 2016 refused after the upgrade: %v", err)
	}
}

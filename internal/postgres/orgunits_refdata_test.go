package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

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
	// 1 + 95 cuts without territorial change (Long Giao 2021, the 2026 city).
	if n := count(t, pool, `SELECT count(*) FROM unit_crosswalk`); n != 283+23+10+1+95 {
		t.Errorf("crosswalk rows = %d, want %d", n, 283+23+10+1+95)
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
		if want[code] != name || from != "2019-01-01" || to != "2025-07-01" {
			t.Errorf("district %s %s %s..%s, want %s 2019-01-01..2025-07-01", code, name, from, to, want[code])
		}
		city := code == "731" || code == "732"
		if (typ == "Thành phố") != city || (!city && typ != "Huyện") {
			t.Errorf("district %s has type %s", code, typ)
		}
	}
	if n != 11 {
		t.Errorf("districts = %d, want 11", n)
	}
}

func TestRefdataNamesNFCAndProvisional(t *testing.T) {
	pool := testdb.Postgres(t)
	if n := count(t, pool, `SELECT count(*) FROM org_unit WHERE name IS NOT NFC NORMALIZED`); n != 0 {
		t.Errorf("%d names not NFC", n)
	}
	// The ⚠️ facts: Long Giao's 2021 date, the 2026 city and its ten phường (and
	// the versions the city's change cut), Núi Tượng's destination.
	if n := count(t, pool, `SELECT count(*) FROM org_unit WHERE provisional`); n != 1+1+95 {
		t.Errorf("provisional versions = %d, want 97", n)
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
	if before != after || before != 385+412 {
		t.Fatalf("rows before %d, after a second migrate %d, want %d both", before, after, 385+412)
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

// Package analyticstest loads the hand-worked fixture province
// (testdata/fixture.csv, with its arithmetic in comments) into a fresh
// ClickHouse database, for the analytics, graph and export tests.
package analyticstest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
)

//go:embed testdata/fixture.csv
var fixture []byte

// DistrictRecommendations are lines for WarehouseWith, worked by hand: in
// 2024 Biên Hòa (731) was inspected itself, 3 recommendations due, 2
// resolved on time; its Xã Một 1 of 1; Xã Bốn (734) 0 of 2. 731 = (2 + 1)/(3
// + 1) = 75 %; 734 0 %; the province (2 + 1 + 0)/(3 + 1 + 2) = 50 %; Xã Một
// alone 100 %. Xã Một and Xã Bốn each have one service point: 2 of 2
// communes, whatever the districts.
const DistrictRecommendations = `
unit,2024,90001,731,1,5,5,4,10000000,2,2,100,90,other,1,,,1,1
unit,2024,90004,734,1,10,10,12,200000000,3,4,200,170,other,1,,,2,0
district,2024,731,731,3,2
`

var open = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)

// Warehouse creates a fresh migrated warehouse database loaded with the
// fixture and returns a connection to it.
func Warehouse(t testing.TB) clickhouse.Conn {
	t.Helper()
	return WarehouseWith(t, "")
}

// WarehouseWith is Warehouse with the lines of extra (the fixture's format,
// with its units) loaded after the fixture's: the cells a test works by hand
// beside the fixture's, in a database of its own.
func WarehouseWith(t testing.TB, extra string) clickhouse.Conn {
	t.Helper()
	conn, _ := chtest.Database(t)
	load(t, conn, slices.Concat(fixture, []byte("\n"+extra)))
	return conn
}

func load(t testing.TB, conn clickhouse.Conn, data []byte) {
	t.Helper()
	ctx := context.Background()
	rows := map[string][][]any{}
	from := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	unitFrom := map[string]time.Time{} // each code has one version here
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, ",")
		switch c[0] {
		case "dim_unit":
			// Optional end and start of validity; by default 2019 onwards.
			validFrom, to := from, open
			for i, d := range []*time.Time{&to, &validFrom} {
				if len(c) > 7+i && c[7+i] != "" {
					var err error
					if *d, err = time.Parse(time.DateOnly, c[7+i]); err != nil {
						t.Fatal(err)
					}
				}
			}
			unitFrom[c[1]] = validFrom
			rows["dim_unit"] = append(rows["dim_unit"], []any{c[1], validFrom, to, c[2], c[3], c[3], c[4], c[5], u8(c[6]), uint8(0), "run-1"})
		case "fact":
			m, err := time.Parse("2006-01", c[1])
			if err != nil {
				t.Fatal(err)
			}
			rows["fact_child_month"] = append(rows["fact_child_month"], []any{m, c[2], unitFrom[c[2]], c[3], c[4], c[5], c[6], c[7], c[8], int64(u64(c[9])),
				cellKey(line), "run-1"})
		case "edge":
			rows["dim_unit_edge"] = append(rows["dim_unit_edge"], []any{c[1], day(t, c[2]), c[3], day(t, c[4]), c[5], "run-1"})
		case "unit":
			hasFacts, trained := uint8(1), uint32(0)
			if len(c) > 15 && c[15] != "" {
				hasFacts = u8(c[15])
			}
			if len(c) > 16 && c[16] != "" {
				trained = u32(c[16])
			}
			// Optional: the inspection recommendations due, and resolved on time.
			var due, onTime uint32
			if len(c) > 18 && c[17] != "" {
				due, onTime = u32(c[17]), u32(c[18])
			}
			// Optional: the forum recommendations due, and answered on time.
			var forumDue, forumOnTime uint32
			if len(c) > 20 {
				forumDue, forumOnTime = u32(c[19]), u32(c[20])
			}
			rows["fact_unit_year"] = append(rows["fact_unit_year"], []any{uint16(u64(c[1])), c[2], unitFrom[c[2]], c[3], u8(c[4]), u32(c[5]),
				u32(c[6]), u32(c[7]), u64(c[8]), u32(c[9]), u32(c[10]), u32(c[11]), u32(c[12]), c[13], u32(c[14]), uint32(0), trained, due,
				onTime, forumDue, forumOnTime, hasFacts, "run-1"})
		case "district":
			// district,year,unit,district_2021,recommendations_due,recommendations_resolved_on_time
			rows["fact_district_year"] = append(rows["fact_district_year"], []any{uint16(u64(c[1])), c[2], unitFrom[c[2]], c[3],
				u32(c[4]), u32(c[5]), "run-1"})
		default:
			t.Fatalf("fixture line %q", line)
		}
	}
	columns := map[string][]string{
		"dim_unit": {"code", "valid_from", "valid_to", "name", "unit_type", "level", "parent_code", "district_2021",
			"district_2021_approx", "provisional", "run_id"},
		"dim_unit_edge": {"from_code", "from_valid_from", "to_code", "to_valid_from", "relation", "run_id"},
		"fact_child_month": {"month", "unit_code", "unit_valid_from", "district_2021", "sex", "age_band", "group_code",
			"poverty", "measure", "value", "ckey", "run_id"},
		"fact_unit_year": {"year", "unit_code", "unit_valid_from", "district_2021", "worker_assigned", "villages",
			"villages_with_collaborator", "board_meetings", "funding_vnd", "play_venues", "children_forums",
			"survey_respondents", "survey_satisfied", "category", "service_points", "communication_activities", "trained_commune_officers",
			"recommendations_due", "recommendations_resolved_on_time", "forum_recommendations_due",
			"forum_recommendations_answered_on_time", "has_facts", "run_id"},
		"fact_district_year": {"year", "unit_code", "unit_valid_from", "district_2021", "recommendations_due",
			"recommendations_resolved_on_time", "run_id"},
	}
	ld := &clickhouse.Loader{Conn: conn, BatchRows: 10000}
	for table, rs := range rows {
		if err := ld.Insert(ctx, table, columns[table], len(rs), func(i int) []any { return rs[i] }); err != nil {
			t.Fatal(err)
		}
	}
	// A succeeded run, then a later failed one: answers cite the succeeded one,
	// which loaded the months to December 2025.
	finished := []time.Time{time.Date(2022, 1, 5, 10, 0, 0, 0, time.UTC), time.Date(2022, 1, 6, 10, 0, 0, 0, time.UTC)}
	loadedTo := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	runs := [][]any{
		{"run-1", finished[0].Add(-time.Minute), finished[0], "full", "4242", "succeeded", "{}", "{}", "{}", "", loadedTo},
		{"run-2", finished[1].Add(-time.Minute), finished[1], "full", "4243", "failed", "{}", "{}", "{}", "boom", loadedTo},
	}
	if err := ld.Insert(ctx, "etl_runs", []string{"run_id", "started_at", "finished_at", "mode", "watermark", "status",
		"rows_read", "rows_written", "rejected", "error", "months_to"}, len(runs), func(i int) []any { return runs[i] }); err != nil {
		t.Fatal(err)
	}
}

func day(t testing.TB, s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func u64(s string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return v
}
func u32(s string) uint32 { return uint32(u64(s)) }
func u8(s string) uint8   { return uint8(u64(s)) }

// Reports adds the fixture's periodic reports for 2021-H1 (due 15/5): 731
// submitted on 10/5, 732 on 20/5 (late), 734 none.
func Reports(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	for _, r := range []struct{ code, submitted string }{{"731", "2021-05-10 09:00:00+07"}, {"732", "2021-05-20 09:00:00+07"}} {
		if _, err := pool.Exec(context.Background(), `INSERT INTO periodic_report (unit_id, period, due_on, submitted_at)
SELECT id, '2021-H1', '2021-05-15', $2 FROM org_unit WHERE code = $1 AND level = 'district'
  AND valid_from <= '2021-05-15' AND valid_to > '2021-05-15'`,
			r.code, r.submitted); err != nil {
			t.Fatal(err)
		}
	}
}

// cellKey stands in for the ETL's sum of record keys: a fixed pseudo-random
// key per fixture row, so that rounding goes both ways as on real data.
func cellKey(line string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(line))
	return h.Sum32()
}

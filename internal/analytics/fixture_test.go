package analytics_test

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"treem/internal/analytics"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// fixture is a warehouse loaded with testdata/fixture.csv and a Postgres
// database with three periodic reports for 2021-H1.
type fixture struct {
	svc  *analytics.Service
	conn clickhouse.Conn
}

var open = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	conn, _ := chtest.Database(t)
	loadFixture(t, conn, "testdata/fixture.csv")
	pool := testdb.Postgres(t)
	for _, r := range []struct {
		code, submitted string
	}{{"731", "2021-05-10 09:00:00+07"}, {"732", "2021-05-20 09:00:00+07"}} {
		if _, err := pool.Exec(ctx, `INSERT INTO periodic_report (unit_id, period, due_on, submitted_at)
SELECT id, '2021-H1', '2021-05-15', $2 FROM org_unit WHERE code = $1 AND level = 'district' AND valid_from = '2019-01-01'`,
			r.code, r.submitted); err != nil {
			t.Fatal(err)
		}
	}
	svc := analytics.New(clickhouse.NewReader(conn), postgres.NewAnalyticsStore(pool), indicators.Default(), []byte("fixture secret"))
	return &fixture{svc: svc, conn: conn}
}

func loadFixture(t *testing.T, conn clickhouse.Conn, path string) {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string][][]any{}
	from := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, ",")
		switch c[0] {
		case "dim_unit":
			rows["dim_unit"] = append(rows["dim_unit"], []any{c[1], from, open, c[2], c[3], c[3], c[4], c[5], u8(c[6]), uint8(0), "run-1"})
		case "fact":
			m, err := time.Parse("2006-01", c[1])
			if err != nil {
				t.Fatal(err)
			}
			rows["fact_child_month"] = append(rows["fact_child_month"], []any{m, c[2], from, c[3], c[4], c[5], c[6], c[7], c[8], u64(c[9]), "run-1"})
		case "unit":
			rows["fact_unit_year"] = append(rows["fact_unit_year"], []any{uint16(u64(c[1])), c[2], from, c[3], u8(c[4]), u32(c[5]),
				u32(c[6]), u32(c[7]), u64(c[8]), u32(c[9]), u32(c[10]), u32(c[11]), u32(c[12]), c[13], u32(c[14]), uint32(0), uint8(1), "run-1"})
		default:
			t.Fatalf("fixture line %q", line)
		}
	}
	columns := map[string][]string{
		"dim_unit": {"code", "valid_from", "valid_to", "name", "unit_type", "level", "parent_code", "district_2021",
			"district_2021_approx", "provisional", "run_id"},
		"fact_child_month": {"month", "unit_code", "unit_valid_from", "district_2021", "sex", "age_band", "group_code",
			"poverty", "measure", "value", "run_id"},
		"fact_unit_year": {"year", "unit_code", "unit_valid_from", "district_2021", "worker_assigned", "villages",
			"villages_with_collaborator", "board_meetings", "funding_vnd", "play_venues", "children_forums",
			"survey_respondents", "survey_satisfied", "category", "service_points", "communication_activities", "has_facts", "run_id"},
	}
	ld := &clickhouse.Loader{Conn: conn, BatchRows: 10000}
	for table, rs := range rows {
		if err := ld.Insert(ctx, table, columns[table], len(rs), func(i int) []any { return rs[i] }); err != nil {
			t.Fatal(err)
		}
	}
	// A succeeded run, then a later failed one: answers cite the succeeded one.
	finished := []time.Time{time.Date(2022, 1, 5, 10, 0, 0, 0, time.UTC), time.Date(2022, 1, 6, 10, 0, 0, 0, time.UTC)}
	runs := [][]any{
		{"run-1", finished[0].Add(-time.Minute), finished[0], "full", "4242", "succeeded", "{}", "{}", "{}", ""},
		{"run-2", finished[1].Add(-time.Minute), finished[1], "full", "4243", "failed", "{}", "{}", "{}", "boom"},
	}
	if err := ld.Insert(ctx, "etl_runs", []string{"run_id", "started_at", "finished_at", "mode", "watermark", "status",
		"rows_read", "rows_written", "rejected", "error"}, len(runs), func(i int) []any { return runs[i] }); err != nil {
		t.Fatal(err)
	}
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

func as(role domain.Role) context.Context {
	return domain.WithUser(context.Background(), &domain.User{Subject: "test-" + string(role), Role: role, Area: "75"})
}

func itoa(n int) string         { return strconv.Itoa(n) }
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

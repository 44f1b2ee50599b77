package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"treem/etl"
	"treem/internal/analytics"
	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/seed"
	"treem/internal/testdb"
)

// The analyst's (and the officer's) view of a warehouse loaded by a full run
// then incremental runs must be the view of one full run of the same
// Postgres: every answer of the API, byte for byte once the run's identity
// (run id, finish time) is left out.

var incrementalSecret = []byte("attack-incremental-cell-key-secret")

func etlRun(t *testing.T, pool *pgxpool.Pool, wh *clickhouse.Loader, full bool) *etl.Result {
	t.Helper()
	res, err := etl.Run(context.Background(), postgres.NewETLSource(pool), wh, etl.Options{Full: full, CellKeySecret: incrementalSecret,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("etl run (full=%v): %v", full, err)
	}
	return res
}

func execSQL(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}

func idsOf(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) []int64 {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// editRound is what officers (and data cleaning) do between two ETL runs:
// birth dates corrected (across age bands, months and the 18th birthday),
// children deleted and undeleted, deaths recorded and withdrawn, injuries
// and supports deleted or moved in time, poverty statuses flipped.
func editRound(t *testing.T, pool *pgxpool.Pool, rng *rand.Rand) {
	t.Helper()
	live := idsOf(t, pool, `SELECT id FROM child WHERE deleted_at IS NULL ORDER BY id`)
	deleted := idsOf(t, pool, `SELECT id FROM child WHERE deleted_at IS NOT NULL ORDER BY id`)
	pick := func(xs []int64, n int) []int64 {
		out := make([]int64, 0, n)
		for i := 0; i < n && len(xs) > 0; i++ {
			out = append(out, xs[rng.IntN(len(xs))])
		}
		return out
	}
	for _, c := range pick(live, 25) {
		execSQL(t, pool, `UPDATE child SET birth_date = least(greatest(birth_date + $2::int, DATE '2004-01-01'), current_date - 1)
			WHERE id = $1`, c, rng.IntN(1400)-700)
	}
	// The 18th birthday: exactly today, yesterday, tomorrow.
	for i, c := range pick(live, 3) {
		execSQL(t, pool, `UPDATE child SET birth_date = (current_date - interval '18 years')::date + $2::int WHERE id = $1`, c, i-1)
	}
	execSQL(t, pool, `UPDATE child SET deleted_at = now() WHERE id = ANY($1)`, pick(live, 20))
	execSQL(t, pool, `UPDATE child SET deleted_at = NULL WHERE id = ANY($1)`, pick(deleted, 6))
	execSQL(t, pool, `UPDATE child SET death_date = least(birth_date + 300, current_date - 1)
		WHERE id = ANY($1) AND birth_date + 300 > DATE '2019-01-01'`, pick(live, 4))
	execSQL(t, pool, `UPDATE child SET death_date = NULL WHERE id = ANY($1)`, pick(live, 30))
	for range 10 {
		execSQL(t, pool, `UPDATE injury SET deleted_at = CASE WHEN deleted_at IS NULL THEN now() END
			WHERE id = (SELECT min(id) FROM injury WHERE id >= $1)`, rng.IntN(400))
	}
	execSQL(t, pool, `UPDATE support SET given_on = least(given_on + $2::int, current_date - 1) WHERE child_id = ANY($1)`,
		pick(live, 15), rng.IntN(200)-100)
	execSQL(t, pool, `UPDATE support SET deleted_at = now() WHERE child_id = ANY($1)`, pick(live, 10))
	execSQL(t, pool, `UPDATE household_poverty SET status = CASE status WHEN 'poor' THEN 'neither' WHEN 'neither' THEN 'near_poor' ELSE 'poor' END
		WHERE household_id IN (SELECT household_id FROM child WHERE id = ANY($1))`, pick(live, 15))
}

// incrementalWarehouses seeds Postgres, loads A by a full run and rounds
// incremental runs with edits between them, then B by one full run.
func incrementalWarehouses(t *testing.T, rounds int) (a, b *testServer, connA, connB clickhouse.Conn) {
	t.Helper()
	pool := testdb.Postgres(t)
	if _, err := seed.Run(context.Background(), pool, seed.Options{Children: 2500, Seed: 11,
		Today: civil.DayFromTime(time.Now())}, seed.NoProgress{}); err != nil {
		t.Fatal(err)
	}
	connA, _ = chtest.Database(t)
	connB, _ = chtest.Database(t)
	whA, whB := clickhouse.NewLoader(connA), clickhouse.NewLoader(connB)
	etlRun(t, pool, whA, true)
	rng := rand.New(rand.NewPCG(2026, 12))
	for i := range rounds {
		editRound(t, pool, rng)
		if res := etlRun(t, pool, whA, false); res.Mode != "incremental" {
			t.Fatalf("round %d: run mode %s (%s), want incremental", i, res.Mode, res.Reason)
		} else {
			t.Logf("round %d: %d children counted again, generation %d", i, res.Children, res.Generation)
		}
	}
	etlRun(t, pool, whB, true)
	// The reader really sees signed rows on A: some cells cancel to zero.
	var cancelled uint64
	row := connA.QueryRow(context.Background(), `SELECT count() FROM (SELECT 1 FROM fact_child_month WHERE measure != ''
		GROUP BY month, unit_code, unit_valid_from, district_2021, sex, age_band, group_code, poverty, measure HAVING sum(value) = 0)`)
	if err := row.Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	t.Logf("warehouse A: %d cells cancelled to zero by the incremental runs", cancelled)
	if cancelled == 0 {
		t.Errorf("no cell cancelled to zero: the deletes tested nothing")
	}
	return serveWarehouse(t, pool, connA), serveWarehouse(t, pool, connB), connA, connB
}

var allMeasures = []string{"CHILDREN", "BIRTH_REGISTERED", "INSURED", "SPECIAL", "SPECIAL_SUPPORTED", "SPECIAL_LAW_DRUG",
	"MEASURED_U5", "UNDERWEIGHT_U5", "STUNTED_U5", "MEASURED_U2", "UNDERWEIGHT_U2", "STUNTED_U2", "CHECKED_UP", "PRESCHOOL_5", "SWIM_TRAINED", "BIRTHS", "TURNED_ONE",
	"TURNED_ONE_IMMUNISED", "INJURED", "INJURY_DEATHS", "DROWNED", "CASES_OPENED", "CASES_OPENED_VIOLENCE",
	"CASES_OPENED_SEXUAL_ABUSE", "CASES_OPENED_EXPLOITATION", "CASES_OPENED_ABANDONMENT", "CASES_OPENED_TRAFFICKING",
	"CASES_OPENED_NEGLECT", "CASES_OPENED_OTHER", "ABUSED", "CASES_CLOSED", "CASES_6_2", "CASES_6_2_TIMELY",
	"CASES_EMERGENCY_LATE", "SUPPORTED", "SUPPORT_EVENTS", "SWIM_ENROLLED", "SWIM_COMPLETED", "GIFT_VISITS",
	"GIFT_VISITS_CHILDREN_DAY", "GIFT_VISITS_MID_AUTUMN", "GIFT_VISITS_TET"}

var allIndicators = []string{"abuse_rate", "birth_registration_u5", "checkup", "child_friendly_share", "commune_officer_training", "drowning_deaths",
	"forum_recommendations_on_time", "immunisation_u1", "injury_death_rate", "injury_rate", "inspection_recommendations_on_time", "insurance_u6", "preschool_5",
	"service_point_coverage",
	"special_assisted", "special_share", "stunting_u2", "stunting_u5", "swimming_6_15", "timely_plan", "underweight_u2",
	"underweight_u5"}

const valueFields = `value exactValue numerator denominator status target`

// incrementalQueries are the analyst's questions; none asks for asOf.
func incrementalQueries() []string {
	var qs []string
	ms := strings.Join(allMeasures, ", ")
	year := time.Now().Year()
	for _, dims := range []string{"PERIOD", "DISTRICT", "COMMUNE", "SEX", "AGE_BAND", "GROUP", "POVERTY",
		"PERIOD, DISTRICT", "PERIOD, COMMUNE", "PERIOD, SEX, AGE_BAND", "DISTRICT, AGE_BAND", "COMMUNE, SEX",
		"PERIOD, POVERTY", "PERIOD, GROUP", "COMMUNE, AGE_BAND, POVERTY"} {
		for _, filter := range []string{fmt.Sprintf(`from: "2019", to: "%d", periodType: YEAR`, year),
			`period: "2024", periodType: QUARTER`, `period: "2025-H2", periodType: MONTH`,
			`period: "2023", sex: F, ageBand: "11-15"`, `period: "2024", orgUnit: "731"`} {
			m := ms
			if strings.Contains(dims, "COMMUNE") {
				m = "CHILDREN, BIRTH_REGISTERED, INJURED, DROWNED, ABUSED, CASES_OPENED, SPECIAL, SUPPORTED"
			}
			qs = append(qs, fmt.Sprintf(`{ aggregate(measures: [%s], dimensions: [%s], filter: {%s}) {
				approximate rows { keys { dimension value firstDay lastDay } values { measure value status } } } }`, m, dims, filter))
		}
	}
	// Totals by another phrasing: no dimension, one filter at a time.
	for _, f := range []string{`period: "2024"`, `period: "2024", sex: M`, `period: "2024", sex: F`,
		`period: "2024", poverty: POOR`, `period: "2024", ageBand: "0"`, `period: "2025-Q3", orgUnit: "75"`} {
		qs = append(qs, fmt.Sprintf(`{ aggregate(measures: [%s], dimensions: [], filter: {%s}) {
			rows { values { measure value status } } } }`, ms, f))
	}
	for part := range slices.Chunk(allIndicators, analytics.MaxIndicators) {
		ids := `["` + strings.Join(part, `", "`) + `"]`
		for _, bd := range []string{"", "SEX", "AGE_BAND", "GROUP", "POVERTY", "SEX, AGE_BAND"} {
			for _, where := range []string{`orgUnits: ["75"]`, `level: DISTRICT`, `level: COMMUNE`} {
				qs = append(qs, fmt.Sprintf(`{ indicatorValues(ids: %s, %s, from: "2021", to: "%d", periodType: YEAR, breakdown: [%s]) {
					approximate definitionVersion values { indicator { id } orgUnit { code } period keys { dimension value } %s meetsTarget } } }`,
					ids, where, year, bd, valueFields))
			}
		}
	}
	for _, ind := range allIndicators {
		for _, p := range []string{"2021", "2022", "2023", "2024", "2025-H1", "2025-Q2"} {
			qs = append(qs, fmt.Sprintf(`{ compareDistricts(indicator: "%s", period: "%s") { approximate provinceArea
				province { %s } districts { orgUnit { code } %s rank gap change } } }`, ind, p, valueFields, valueFields))
		}
		for _, p := range []string{"2024", "2025", "2025-H2", "2025-Q4"} {
			for _, lw := range []string{`level: COMMUNE`, `level: COMMUNE, within: "731"`, `level: COMMUNE, within: "70"`} {
				qs = append(qs, fmt.Sprintf(`{ compareUnits(indicator: "%s", period: "%s", %s) { approximate on
					units { orgUnit { code } %s rank } province { %s } formerDongNai { %s } } }`, ind, p, lw, valueFields, valueFields, valueFields))
			}
		}
		qs = append(qs, fmt.Sprintf(`{ compareUnits(indicator: "%s", period: "2024", level: DISTRICT) { approximate
			units { orgUnit { code } %s rank } province { %s } } }`, ind, valueFields, valueFields))
		for _, unit := range []string{"75", "731", "732", "734"} {
			for _, pt := range []string{"YEAR", "QUARTER"} {
				qs = append(qs, fmt.Sprintf(`{ trend(indicator: "%s", orgUnit: "%s", from: "2019", to: "%d", periodType: %s) {
					approximate points { period %s } } }`, ind, unit, year, pt, valueFields))
			}
		}
	}
	for y := 2021; y <= year; y++ {
		for _, d := range []string{"", `, district: "731"`, `, district: "70"`} {
			qs = append(qs, fmt.Sprintf(`{ childFriendlyCommunes(year: %d%s) { approximate provisional scoringVersion
				communes { %s } districts { %s } province { %s } } }`, y, d, "...C", "...R", "...R")+childFriendlyFragments)
		}
	}
	for _, p := range []string{"2023", "2024", "2025-H1", "2025"} {
		qs = append(qs, fmt.Sprintf(`{ report(period: "%s") { level units { orgUnit { code } since items { key value status } } } }`, p))
	}
	return qs
}

// childFriendlyFragments select every field of the child-friendly answer.
const childFriendlyFragments = `
fragment C on CommuneAssessment { commune { code } district category totalScore totalScoreMin totalScoreMax threshold
  recognised failedCriteria provisional status notAssessed missingItems
  criteria { number value band score scoreMin scoreMax provisional items { id value band score scoreMin scoreMax provisional status notAssessed } } }
fragment R on RecognitionSummary { orgUnit { code } communes recognised undetermined notAssessed share target2025 target2030 meets2025 meets2030 }`

// incrementalExports are the exports reachable through /export/.
func incrementalExports() []string {
	year := time.Now().Year()
	out := []string{
		"/export/aggregate.csv?measures=" + strings.Join(allMeasures, ",") + "&dimensions=PERIOD,DISTRICT,AGE_BAND&from=2019&to=" + fmt.Sprint(year) + "&periodType=YEAR",
		"/export/aggregate.xlsx?measures=" + strings.Join(allMeasures, ",") + "&dimensions=DISTRICT,SEX,POVERTY&period=2024",
	}
	for part := range slices.Chunk(allIndicators, analytics.MaxIndicators) {
		out = append(out,
			"/export/indicator-values.csv?ids="+strings.Join(part, ",")+"&level=COMMUNE&from=2021&to="+fmt.Sprint(year)+"&periodType=YEAR",
			"/export/indicator-values.xlsx?ids="+strings.Join(part, ",")+"&orgUnits=75&from=2019&to="+fmt.Sprint(year)+"&periodType=QUARTER")
	}
	for _, ind := range allIndicators {
		out = append(out, "/export/compare-districts.csv?indicator="+ind+"&period=2024",
			"/export/compare-units.csv?indicator="+ind+"&period=2025&level=COMMUNE")
	}
	for y := 2021; y <= year; y++ {
		out = append(out, fmt.Sprintf("/export/child-friendly-communes.csv?year=%d", y), fmt.Sprintf("/export/child-friendly-communes.xlsx?year=%d&district=731", y))
	}
	return append(out, "/export/report.csv?period=2025", "/export/report.xlsx?period=2024",
		"/export/compare-units.xlsx?indicator=immunisation_u1&period=2024&level=COMMUNE&within=731")
}

// exportText is an export's content without the line naming the ETL run.
func exportText(t *testing.T, path, body string) string {
	t.Helper()
	if strings.Contains(path, ".xlsx") {
		f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var b strings.Builder
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				b.WriteString(strings.Join(r, "\t") + "\n")
			}
		}
		body = b.String()
	}
	var keep []string
	for _, l := range strings.Split(body, "\n") {
		if !strings.Contains(l, "lần chạy ETL") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// gap walks an analyst's answer beside the officer's: the largest difference
// of a released value from the exact one, and how many the analyst does not see.
type gapStats struct {
	compared, withheld int
	largest            float64
	where              string
}

func (g *gapStats) walk(q, path string, shown, exact any) {
	switch s := shown.(type) {
	case map[string]any:
		e, _ := exact.(map[string]any)
		for k, v := range s {
			g.walk(q, path+"."+k, v, e[k])
		}
		// A count or rate the analyst is shown (value) against the officer's
		// unrounded value where there is one.
		if v, ok := s["value"].(float64); ok && e != nil {
			want, ok := e["exactValue"].(float64)
			if !ok {
				want, ok = e["value"].(float64)
			}
			if ok {
				g.compared++
				if d := math.Abs(v - want); d > g.largest {
					g.largest, g.where = d, fmt.Sprintf("%s %s: shown %g, exact %g", strings.Fields(q)[1], path, v, want)
				}
			}
		} else if _, has := s["value"]; has && s["value"] == nil && e != nil && e["value"] != nil {
			g.withheld++
		}
	case []any:
		e, _ := exact.([]any)
		byKey := map[string]any{}
		for _, x := range e {
			byKey[identity(x)] = x
		}
		for i := range s {
			if k := identity(s[i]); k != "" {
				g.walk(q, fmt.Sprintf("%s[%s]", path, k), s[i], byKey[k])
			} else if len(e) == len(s) {
				g.walk(q, fmt.Sprintf("%s[%d]", path, i), s[i], e[i])
			}
		}
	}
}

// identity names a list element by the fields that say what it counts
// (units are ordered by rank, which differs between the roles).
func identity(x any) string {
	m, ok := x.(map[string]any)
	if !ok {
		return ""
	}
	var parts []string
	for _, f := range []string{"orgUnit", "commune", "indicator", "period", "keys", "measure", "number", "id", "key"} {
		if v, ok := m[f]; ok {
			b, _ := json.Marshal(v)
			parts = append(parts, f+"="+string(b))
		}
	}
	return strings.Join(parts, " ")
}

func TestAttackIncrementalWarehouseAnswersAsOneFullRun(t *testing.T) {
	a, b, connA, connB := incrementalWarehouses(t, 4)
	readerSums(t, connA, connB)
	analyst := token(t, domain.RoleAnalyst, "75")
	officer := token(t, domain.RoleProvinceOfficer, "75")
	queries := incrementalQueries()
	answers, st := sameAnswers(t, a, b, "incremental", "full", []string{analyst, officer}, queries)
	gaps := map[string]*gapStats{}
	for i, q := range queries {
		if answers[i][0] != nil && answers[i][1] != nil {
			kind, _, _ := strings.Cut(strings.Fields(q)[1], "(")
			if gaps[kind] == nil {
				gaps[kind] = &gapStats{}
			}
			gaps[kind].walk(q, "", answers[i][0], answers[i][1])
		}
	}
	for kind, g := range gaps {
		t.Logf("analyst vs officer, %s: %d values compared, %d withheld; largest gap %g (%s)", kind, g.compared, g.withheld, g.largest, g.where)
	}
	recA, gapA := differencing(t, a, analyst, officer)
	recB, gapB := differencing(t, b, analyst, officer)
	t.Logf("differencing (total minus released parts, one part withheld): incremental %d exact recoveries (largest error %d), full %d (largest error %d)",
		len(recA), gapA, len(recB), gapB)
	for _, r := range recA {
		t.Logf("recovered on both: %s", r)
	}
	if fmt.Sprint(recA) != fmt.Sprint(recB) || gapA != gapB {
		t.Errorf("the incremental warehouse lets the analyst recover %v, one full run %v", recA, recB)
	}
	// Merged: SummingMergeTree folds the signed rows (and drops the rows
	// that sum to zero); the answers stay those of one full run.
	if err := connA.Exec(context.Background(), `OPTIMIZE TABLE fact_child_month FINAL`); err != nil {
		t.Fatal(err)
	}
	readerSums(t, connA, connB)
	for _, q := range queries[:100] {
		for _, tok := range []string{analyst, officer} {
			if ra, rb := a.query(t, tok, q, nil), b.query(t, tok, q, nil); ra.raw != rb.raw {
				t.Errorf("after the merge, answers differ (%s):\nincremental: %.600s\nfull:        %.600s", q, ra.raw, rb.raw)
			}
		}
	}
	if st.errored > len(queries)/4 {
		t.Errorf("%d of %d questions failed: the comparison tested too little", st.errored, 2*len(queries))
	}
}

// answerStats counts what sameAnswers compared.
type answerStats struct{ same, errored, values, exports int }

// sameAnswers asks servers a and b (named nameA and nameB in failures) every
// question and fetches every export of incrementalExports as each token:
// each answer must be the same, byte for byte. It returns a's answers that
// are not errors, by question and token.
func sameAnswers(t *testing.T, a, b *testServer, nameA, nameB string, toks, queries []string) ([][]map[string]any, answerStats) {
	t.Helper()
	var st answerStats
	answers := make([][]map[string]any, len(queries))
	for qi, q := range queries {
		answers[qi] = make([]map[string]any, len(toks))
		for i, tok := range toks {
			ra, rb := a.query(t, tok, q, nil), b.query(t, tok, q, nil)
			if ra.raw != rb.raw {
				t.Errorf("token %d: answers differ (%s):\n%s: %.600s\n%s: %.600s", i, q, nameA, ra.raw, nameB, rb.raw)
				continue
			}
			st.same++
			if len(ra.Errors) > 0 {
				st.errored++
				t.Logf("error on both (%s): %.300s", strings.Fields(q)[1], ra.raw)
				continue
			}
			st.values += strings.Count(ra.raw, `"value":`)
			if err := json.Unmarshal([]byte(ra.raw), &answers[qi][i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, path := range incrementalExports() {
		for _, tok := range toks {
			ba, sa, _ := a.get(t, path, tok)
			bb, sb, _ := b.get(t, path, tok)
			if sa != sb || exportText(t, path, ba) != exportText(t, path, bb) {
				t.Errorf("export %s differs: %s %d %.300s, %s %d %.300s", path, nameA, sa, ba, nameB, sb, bb)
				continue
			}
			if sa != 200 {
				t.Logf("export %s: status %d on both: %.200s", path, sa, ba)
				continue
			}
			st.exports++
		}
	}
	t.Logf("%d questions x %d tokens: %d identical answers (%d errors on both), %d released values; %d exports identical",
		len(queries), len(toks), st.same, st.errored, st.values, st.exports)
	return answers, st
}

// readerSums reads every measure, month and breakdown straight from both
// warehouses: the same sums and cell keys, and no cell that cancelled to zero.
func readerSums(t *testing.T, connA, connB clickhouse.Conn) {
	t.Helper()
	ctx := context.Background()
	rows, err := connB.Query(ctx, `SELECT DISTINCT measure FROM fact_child_month WHERE measure != '' ORDER BY measure`)
	if err != nil {
		t.Fatal(err)
	}
	var measures []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			t.Fatal(err)
		}
		measures = append(measures, m)
	}
	rows.Close()
	var months []time.Time
	for m := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC); m.Before(time.Now()); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
	}
	all := []clickhouse.Dim{clickhouse.DimDistrict, clickhouse.DimCommune, clickhouse.DimSex, clickhouse.DimAgeBand, clickhouse.DimPoverty}
	cells := 0
	for _, q := range []clickhouse.CountQuery{
		{Dims: all}, {Dims: all, ByGroup: true}, {}, {Dims: []clickhouse.Dim{clickhouse.DimCommune}},
		{Dims: []clickhouse.Dim{clickhouse.DimAgeBand, clickhouse.DimSex}, Poverty: []string{"poor"}},
	} {
		q.Reads = []clickhouse.Read{{Measures: measures, Months: months}}
		ra, err := clickhouse.NewReader(connA).Counts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := clickhouse.NewReader(connB).Counts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]uint64{}
		for _, r := range rb {
			want[fmt.Sprint(r.Measure, r.Month, r.Keys)] = [2]uint64{r.Value, r.CellKey % (1 << 32)}
		}
		for _, r := range ra {
			k := fmt.Sprint(r.Measure, r.Month, r.Keys)
			if r.Value == 0 {
				t.Errorf("reader returns a zero cell %s from the incremental warehouse", k)
			}
			if got := [2]uint64{r.Value, r.CellKey % (1 << 32)}; got != want[k] {
				t.Errorf("%v: %s = %v on the incremental warehouse, %v after one full run", q.Dims, k, got, want[k])
			}
		}
		if len(ra) != len(rb) {
			t.Errorf("%v: %d non-empty cells on the incremental warehouse, %d after one full run", q.Dims, len(ra), len(rb))
		}
		cells += len(ra)
	}
	t.Logf("reader: %d measures, %d cells read alike from both warehouses", len(measures), cells)
}

// aggCells are an aggregate's values by measure and keys.
func aggCells(t *testing.T, s *testServer, tok, dims, filter string) map[string]*int {
	t.Helper()
	var d struct {
		Aggregate struct {
			Rows []struct {
				Keys   []struct{ Value string }
				Values []struct {
					Measure string
					Value   *int
				}
			}
		}
	}
	decode(t, s.query(t, tok, fmt.Sprintf(`{ aggregate(measures: [%s], dimensions: [%s], filter: {%s}) {
		rows { keys { value } values { measure value } } } }`, strings.Join(allMeasures, ", "), dims, filter), nil), &d)
	out := map[string]*int{}
	for _, r := range d.Aggregate.Rows {
		var keys []string
		for _, k := range r.Keys {
			keys = append(keys, k.Value)
		}
		for _, v := range r.Values {
			out[v.Measure+"|"+strings.Join(keys, "|")] = v.Value
		}
	}
	return out
}

// differencing is the analyst's total minus the released parts where one
// part is withheld: the parts recovered exactly (by the officer's values)
// and the largest error of such an estimate.
func differencing(t *testing.T, s *testServer, analyst, officer string) ([]string, int) {
	t.Helper()
	var recovered []string
	largest := 0
	for _, filter := range []string{`period: "2023"`, `period: "2024"`, `period: "2025-H2"`, `period: "2024", orgUnit: "731"`,
		`period: "2024", sex: F`} {
		total := aggCells(t, s, analyst, "", filter)
		for _, dim := range []string{"SEX", "AGE_BAND", "POVERTY", "DISTRICT", "COMMUNE"} {
			shown, exact := aggCells(t, s, analyst, dim, filter), aggCells(t, s, officer, dim, filter)
			for _, m := range allMeasures {
				p := total[m+"|"]
				if p == nil {
					continue
				}
				est, withheld := *p, ""
				n := 0
				for k := range exact {
					if !strings.HasPrefix(k, m+"|") {
						continue
					}
					if shown[k] == nil {
						n++
						withheld = k
					} else {
						est -= *shown[k]
					}
				}
				if n != 1 || exact[withheld] == nil {
					continue
				}
				if d := est - *exact[withheld]; d == 0 {
					recovered = append(recovered, fmt.Sprintf("%s by %s: %s = %d", filter, dim, withheld, est))
				} else if d < 0 && -d > largest {
					largest = -d
				} else if d > largest {
					largest = d
				}
			}
		}
	}
	sort.Strings(recovered)
	return recovered, largest
}

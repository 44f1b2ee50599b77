package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"treem/internal/analytics"
	"treem/internal/analytics/analyticstest"
	"treem/internal/auth"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/export"
	"treem/internal/httpserver"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

var secret = []byte("export-test-secret-0123456789abcdef")

// server is the real HTTP edge with the exports mounted, over pool and the
// hand-worked fixture warehouse (none: analytics not connected); GraphQL is
// not under test here.
type server struct {
	h      http.Handler
	tokens map[domain.Role]string
	pool   *pgxpool.Pool
	// svc is the analytics service behind the exports (nil without a
	// warehouse), to ask the GraphQL resolvers' question directly.
	svc *analytics.Service
}

func newServer(t *testing.T, withWarehouse bool, timeout time.Duration) *server {
	t.Helper()
	pool := testdb.Postgres(t)
	var an export.Analytics
	var svc *analytics.Service
	if withWarehouse {
		analyticstest.Reports(t, pool)
		svc = service(t, pool, analyticstest.Warehouse(t))
		an = svc
	}
	verifier, err := auth.NewVerifier(secret, testdb.Areas(t, pool), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := httpserver.Handler(httpserver.Routes{GraphQL: http.NotFoundHandler(), Export: export.Handler(an, log)},
		httpserver.Options{Log: log, Auth: verifier, Postgres: pool, Metrics: httpserver.NewMetrics(), RequestTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{h: h, tokens: map[domain.Role]string{}, pool: pool, svc: svc}
	for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleProvinceOfficer} {
		if s.tokens[role], err = auth.Issue(secret, domain.User{Subject: "t-" + string(role), Role: role, Area: "75"}, time.Hour, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// service is the analytics service as `treem serve` builds it, auditing
// requests below province officer.
func service(t *testing.T, pool *pgxpool.Pool, conn clickhouse.Conn) *analytics.Service {
	api := testdb.API(t, pool)
	return analytics.New(clickhouse.NewReader(conn), postgres.NewAnalyticsStore(api), indicators.Default()).
		WithAuditor(postgres.NewAnalyticsAudit(api))
}

// get asks for path as role ("" anonymous) within ctx.
func (s *server) get(ctx context.Context, path string, role domain.Role) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[role])
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w
}

// errorCode is the extensions.code of an error body.
func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Errors []struct {
			Message    string
			Extensions map[string]string
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("not one error: %d %s", w.Code, w.Body)
	}
	return body.Errors[0].Extensions["code"]
}

// grid is an export read back: its column names (the machine part of each
// header) and its rows, from CSV or from the workbook's data sheet.
type grid struct {
	names []string
	rows  [][]string
}

// col is the column named name, or fails.
func (g grid) col(t *testing.T, name string) int {
	t.Helper()
	i := slices.Index(g.names, name)
	if i < 0 {
		t.Fatalf("no column %s in %q", name, g.names)
	}
	return i
}

// row is the first row whose column key holds value.
func (g grid) row(t *testing.T, key, value string) []string {
	t.Helper()
	k := g.col(t, key)
	for _, r := range g.rows {
		if k < len(r) && r[k] == value {
			return r
		}
	}
	t.Fatalf("no row with %s = %s", key, value)
	return nil
}

// cell is r's cell in column name ("" past the end of an XLSX row).
func (g grid) cell(t *testing.T, r []string, name string) string {
	t.Helper()
	if i := g.col(t, name); i < len(r) {
		return r[i]
	}
	return ""
}

func names(headers []string) []string {
	out := make([]string, len(headers))
	for i, h := range headers {
		_, out[i], _ = strings.Cut(h, " / ")
	}
	return out
}

// readCSV parses a CSV export: exactly one header row, then rows of as many
// fields (encoding/csv refuses a note row of one field).
func readCSV(t *testing.T, body string) grid {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv: %v\n%s", err, body)
	}
	for _, r := range recs[1:] {
		if slices.Equal(r, recs[0]) || strings.Contains(strings.Join(r, ","), "lần chạy ETL") {
			t.Fatalf("csv row %q is a header or a note", r)
		}
	}
	return grid{names: names(recs[0]), rows: recs[1:]}
}

// readXLSX parses an XLSX export's data sheet after checking the workbook:
// header frozen, autofilter, notes sheet, and every non-empty cell of a
// numeric column (as the notes type it) a number.
func readXLSX(t *testing.T, body []byte, columns []notesColumn) grid {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	export.CheckWorkbook(t, f)
	rows, err := f.GetRows("data")
	if err != nil || len(rows) == 0 {
		t.Fatalf("data sheet: %v", err)
	}
	for r := range rows[1:] {
		for c, col := range columns {
			if col.Datatype == "string" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			if typ, _ := f.GetCellType("data", cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Fatalf("%s (%s) has type %v, want a number", cell, col.Name, typ)
			}
		}
	}
	return grid{names: names(rows[0]), rows: rows[1:]}
}

type notesColumn struct{ Name, Title, Datatype string }

// readNotes fetches the notes an export's Link header names.
func (s *server) readNotes(t *testing.T, w *httptest.ResponseRecorder) (cols []notesColumn, notes []string) {
	t.Helper()
	link := w.Header().Get("Link")
	target, rest, ok := strings.Cut(strings.TrimPrefix(link, "<"), ">")
	if !ok || !strings.Contains(rest, `rel="describedby"`) || !strings.Contains(target, ".notes.json?") {
		t.Fatalf("Link %q names no notes", link)
	}
	n := s.get(context.Background(), target, domain.RoleAnalyst)
	if n.Code != http.StatusOK || n.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%s: %d %s", target, n.Code, n.Body)
	}
	var doc struct {
		Columns []notesColumn
		Notes   []string
	}
	if err := json.Unmarshal(n.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Columns, doc.Notes
}

// withheldColumns are the columns that hold a withheld value or one derived from it.
var withheldColumns = []string{"value", "numerator", "rank", "gap_to_target", "change_from_previous", "meets_target"}

// TestExports reads every export back in every format: one header row and
// data only in CSV, the workbook's frozen and filtered data sheet with
// numbers as numbers, the notes beside them; the same columns everywhere;
// a suppressed cell empty in every format, its status SUPPRESSED, and no
// column derived from it filled.
func TestExports(t *testing.T) {
	s := newServer(t, true, 0)
	ctx := context.Background()
	analyst := domain.RoleAnalyst
	exports := map[string]string{
		"compare-districts":       "indicator=birth_registration_u5&period=2021",
		"compare-units":           "indicator=immunisation_u1&period=2025&level=COMMUNE",
		"indicator-values":        "ids=birth_registration_u5,checkup&level=DISTRICT&periods=2021&breakdown=SEX",
		"aggregate":               "measures=CHILDREN,ABUSED&dimensions=DISTRICT,PERIOD,PERIOD&period=2021&periodType=YEAR", // the period repeated: one column
		"child-friendly-communes": "year=2021&district=734",
		"report":                  "period=2021",
		"ministry-statistics":     "period=2021-Q3",
		"summary-report":          "from=2019&to=2021&orgUnit=731",
	}
	grids := map[string]grid{}
	for table, params := range exports {
		t.Run(table, func(t *testing.T) {
			var byFormat []grid
			for _, format := range []string{"csv", "xlsx"} {
				w := s.get(ctx, "/export/"+table+"."+format+"?"+params, analyst)
				if w.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", format, w.Code, w.Body)
				}
				cols, notes := s.readNotes(t, w)
				if !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "lần chạy ETL") }) {
					t.Errorf("%s notes lack the lineage: %q", format, notes)
				}
				var g grid
				if format == "csv" {
					g = readCSV(t, w.Body.String())
				} else {
					g = readXLSX(t, w.Body.Bytes(), cols)
				}
				colNames := make([]string, len(cols))
				for i, c := range cols {
					colNames[i] = c.Name
					if c.Datatype == "string" {
						continue
					}
					for _, r := range g.rows {
						if x := g.cell(t, r, c.Name); x != "" {
							if _, err := strconv.ParseFloat(x, 64); err != nil {
								t.Fatalf("%s %s holds %q, not a number", format, c.Name, x)
							}
						}
					}
				}
				if !slices.Equal(g.names, colNames) {
					t.Fatalf("%s columns %q, notes %q", format, g.names, colNames)
				}
				byFormat = append(byFormat, g)
			}
			if !slices.EqualFunc(byFormat[0].rows, byFormat[1].rows, func(a, b []string) bool {
				return strings.TrimRight(strings.Join(a, "|"), "|") == strings.TrimRight(strings.Join(b, "|"), "|")
			}) {
				t.Fatalf("csv and xlsx differ:\n%q\n%q", byFormat[0].rows, byFormat[1].rows)
			}
			g := byFormat[0]
			grids[table] = g
			if !slices.Contains(g.names, "status") {
				return
			}
			for _, r := range g.rows {
				if g.cell(t, r, "status") != "SUPPRESSED" {
					continue
				}
				for _, c := range withheldColumns {
					if slices.Contains(g.names, c) && g.cell(t, r, c) != "" {
						t.Errorf("suppressed row %q shows %s", r, c)
					}
				}
			}
		})
	}

	cmp := grids["compare-districts"]
	long := cmp.row(t, "unit_code", "732")
	if cmp.cell(t, long, "unit_name") != "Long Khánh" || cmp.cell(t, long, "status") != "SUPPRESSED" {
		t.Errorf("Long Khánh %q: want SUPPRESSED", long)
	}
	tanPhu := cmp.row(t, "unit_code", "734")
	want := map[string]string{"indicator_name": "Tỷ lệ trẻ em dưới 5 tuổi được đăng ký khai sinh", "value_unit": "PERCENT",
		"value": "99.0", "numerator": "990", "denominator": "1000", "rank": "1", "status": "OK", "target": "98.5",
		"gap_to_target": "0.5", "change_from_previous": "4.0"}
	for c, v := range want {
		if got := cmp.cell(t, tanPhu, c); got != v {
			t.Errorf("Tân Phú %s = %q, want %q", c, got, v)
		}
	}

	iv := grids["indicator-values"]
	sexes, gaps := map[string]bool{}, 0
	for _, r := range iv.rows {
		sexes[iv.cell(t, r, "sex")] = true
		if iv.cell(t, r, "gap_to_target") != "" {
			gaps++
		}
		if iv.cell(t, r, "unit_name") == "" {
			t.Errorf("indicator value %q without its unit's name", r)
		}
	}
	if !sexes["F"] || !sexes["M"] || len(sexes) != 2 || gaps == 0 {
		t.Errorf("indicator values: sexes %v, %d gaps to target", sexes, gaps)
	}

	agg := grids["aggregate"]
	suppressed := 0
	for _, r := range agg.rows {
		if agg.cell(t, r, "district_code") == "731" && agg.cell(t, r, "measure") == "CHILDREN" &&
			(agg.cell(t, r, "district_name") != "Biên Hòa" || agg.cell(t, r, "value") != "840" || agg.cell(t, r, "period") != "2021") {
			t.Errorf("aggregate row %q", r)
		}
		if agg.cell(t, r, "status") == "SUPPRESSED" {
			suppressed++
		}
	}
	if suppressed == 0 {
		t.Errorf("no suppressed aggregate cell: the checks compared nothing")
	}

	// The analyst's export shows the ranges of the API (criterion 3: 25–100 points; total 675–975) as numbers.
	cf := grids["child-friendly-communes"]
	c := cf.row(t, "unit_code", "90004")
	for col, v := range map[string]string{"criterion_3_min": "25", "criterion_3_max": "100", "total_min": "675", "total_max": "975",
		"recognition": "UNDETERMINED", "district_code": "734", "district_name": "Tân Phú"} {
		if got := cf.cell(t, c, col); got != v {
			t.Errorf("commune 90004 %s = %q, want %q", col, got, v)
		}
	}

	rep := grids["report"]
	if r := rep.row(t, "item_key", "birth_registration_u5"); rep.cell(t, r, "value_unit") != "PERCENT" || rep.cell(t, r, "unit_name") == "" {
		t.Errorf("report row %q", r)
	}

	// Three years of ten figures; a count's indicator is its measure, with no denominator.
	sum := grids["summary-report"]
	if len(sum.rows) != 3*10 {
		t.Errorf("summary-report rows = %d, want 30", len(sum.rows))
	}
	if r := sum.find(t, map[string]string{"year": "2020", "figure": "children"}); sum.cell(t, r, "indicator_id") != "children" ||
		sum.cell(t, r, "value_unit") != "COUNT" || sum.cell(t, r, "denominator") != "" || sum.cell(t, r, "unit_code") != "731" {
		t.Errorf("summary-report row %q", r)
	}

	tests := []struct {
		name, path string
		role       domain.Role
		status     int
		code       string
	}{
		{"summary year before the history", "/export/summary-report.csv?from=2015&to=2020", analyst, http.StatusBadRequest, "INVALID_INPUT"},
		{"anonymous", "/export/compare-districts.csv?indicator=checkup&period=2021", "", http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"anonymous notes", "/export/compare-districts.notes.json?indicator=checkup&period=2021", "", http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"bad period", "/export/compare-districts.csv?indicator=checkup&period=2021-13", analyst, http.StatusBadRequest, "INVALID_INPUT"},
		{"control character", "/export/report.csv?period=2021%00", analyst, http.StatusBadRequest, "INVALID_INPUT"},
		{"unknown format", "/export/report.pdf?period=2021", analyst, http.StatusNotFound, "NOT_FOUND"},
		{"unknown table", "/export/everything.csv", analyst, http.StatusNotFound, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := s.get(ctx, tt.path, tt.role)
			if w.Code != tt.status || errorCode(t, w) != tt.code {
				t.Fatalf("%d %s, want %d %s", w.Code, w.Body, tt.status, tt.code)
			}
		})
	}
}

func TestExportWithoutWarehouse(t *testing.T) {
	s := newServer(t, false, 0)
	w := s.get(context.Background(), "/export/report.csv?period=2021", domain.RoleAnalyst)
	if w.Code != http.StatusServiceUnavailable || errorCode(t, w) != "UNAVAILABLE" {
		t.Fatalf("export without warehouse: %d %s", w.Code, w.Body)
	}
}

// TestExportOutOfTime: an export that runs out of the request's time limit,
// or whose client goes away, answers with the code GraphQL gives the same
// error (domain.Classify) and that code's status, never INTERNAL.
func TestExportOutOfTime(t *testing.T) {
	const path = "/export/indicator-values.csv?ids=checkup&orgUnits=75&from=2021&to=2021&periodType=YEAR"
	t.Run("past the request's time limit", func(t *testing.T) {
		s := newServer(t, true, time.Microsecond)
		for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleProvinceOfficer} { // audited and not
			w := s.get(context.Background(), path, role)
			if w.Code != http.StatusUnprocessableEntity || errorCode(t, w) != "TOO_COMPLEX" ||
				!strings.Contains(w.Body.String(), "the question took longer than 1e-06 s") {
				t.Fatalf("%s: %d %s", role, w.Code, w.Body)
			}
		}
	})
	t.Run("cancelled by its client", func(t *testing.T) {
		s := newServer(t, true, 0)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleProvinceOfficer} {
			w := s.get(ctx, path, role)
			if w.Code != http.StatusServiceUnavailable || errorCode(t, w) != "UNAVAILABLE" {
				t.Fatalf("%s: %d %s", role, w.Code, w.Body)
			}
		}
	})
}

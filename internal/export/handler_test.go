package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
}

func newServer(t *testing.T, withWarehouse bool, timeout time.Duration) *server {
	t.Helper()
	pool := testdb.Postgres(t)
	var an export.Analytics
	if withWarehouse {
		analyticstest.Reports(t, pool)
		an = service(t, pool, analyticstest.Warehouse(t))
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
	s := &server{h: h, tokens: map[domain.Role]string{}}
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

func TestExports(t *testing.T) {
	s := newServer(t, true, 0)
	ctx := context.Background()
	analyst := domain.RoleAnalyst

	w := s.get(ctx, "/export/compare-districts.csv?indicator=birth_registration_u5&period=2021", analyst)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d %s: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	for _, want := range []string{"\ufeffMã đơn vị,Tên đơn vị,Giá trị", "732,Long Khánh,,,,,Ẩn (số nhỏ)", "734,Tân Phú,99,990,1000,1,,98.5,0.5,4"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Fatalf("csv lacks %q:\n%s", want, w.Body)
		}
	}
	w = s.get(ctx, "/export/child-friendly-communes.xlsx?year=2021&district=734", analyst)
	if w.Code != http.StatusOK {
		t.Fatalf("xlsx status %d: %s", w.Code, w.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	// The analyst's export shows the ranges of the API (criterion 3: 25–100 points; total 675–975).
	if len(rows) < 4 || rows[3][0] != "90004" || rows[3][5] != "25–100" || rows[3][16] != "675–975" ||
		!strings.HasPrefix(rows[3][18], "Chưa xác định") {
		t.Fatalf("xlsx rows %q", rows)
	}
	for _, path := range []string{"/export/aggregate.csv?measures=CHILDREN,ABUSED&dimensions=DISTRICT&period=2021",
		"/export/indicator-values.xlsx?ids=checkup&orgUnits=75&from=2021&to=2021&periodType=YEAR",
		"/export/report.csv?period=2021"} {
		if w := s.get(ctx, path, analyst); w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
	}
	w = s.get(ctx, "/export/aggregate.csv?measures=CHILDREN,ABUSED&dimensions=DISTRICT&period=2021", analyst)
	if !strings.Contains(w.Body.String(), "731,840,,,Ẩn (số nhỏ)") {
		t.Fatalf("aggregate export: %s", w.Body)
	}

	tests := []struct {
		name, path string
		role       domain.Role
		status     int
		code       string
	}{
		{"anonymous", "/export/compare-districts.csv?indicator=checkup&period=2021", "", http.StatusUnauthorized, "UNAUTHENTICATED"},
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

package httpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"treem/internal/auth"
	"treem/internal/domain"
	"treem/internal/testdb"
)

var secret = []byte("httpserver-test-secret-0123456789abcdef")

// echoUser answers with the caller the edge put in the context, or waits for
// the request's deadline when asked to, as a slow query would.
func echoUser(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("slow") != "" {
		<-r.Context().Done()
		writeError(w, domain.CodeUnavailable, r.Context().Err().Error())
		return
	}
	u := domain.UserFrom(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"user": u, "request": domain.RequestFrom(r.Context()).ID})
}

func newEdge(t *testing.T, timeout time.Duration) *httptest.Server {
	t.Helper()
	pool := testdb.Postgres(t)
	v, err := auth.NewVerifier(secret, testdb.Areas(t, pool), nil)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Handler(Routes{
		GraphQL:   http.HandlerFunc(echoUser),
		Dashboard: http.HandlerFunc(echoUser),
		Export:    http.HandlerFunc(echoUser),
	}, Options{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: v, Postgres: pool,
		Metrics: NewMetrics(), RequestTimeout: timeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthorizationHeader(t *testing.T) {
	srv := newEdge(t, time.Second)
	good, err := auth.Issue(secret, domain.User{Subject: "lan", Role: domain.RoleLeader, Area: "75"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, header string
		status             int
		user               string
	}{
		{"no header is anonymous", "/export/x", "", http.StatusOK, "null"},
		{"bearer token", "/export/x", "Bearer " + good, http.StatusOK, `"Subject":"lan"`},
		{"lower-case scheme", "/dashboard", "bearer " + good, http.StatusOK, `"Subject":"lan"`},
		{"basic auth", "/export/x", "Basic dXNlcjpwYXNz", http.StatusUnauthorized, ""},
		{"empty bearer", "/export/x", "Bearer ", http.StatusUnauthorized, ""},
		{"garbage token", "/dashboard/", "Bearer abc.def.ghi", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, b)
			}
			if tt.status == http.StatusUnauthorized {
				if !strings.Contains(string(b), `"code":"UNAUTHENTICATED"`) || res.Header.Get("WWW-Authenticate") == "" {
					t.Fatalf("401 body %s", b)
				}
				return
			}
			if !strings.Contains(string(b), tt.user) {
				t.Fatalf("body %s lacks %s", b, tt.user)
			}
		})
	}
}

func TestRequestIDAndTimeout(t *testing.T) {
	srv := newEdge(t, 200*time.Millisecond)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/export/x", nil)
	req.Header.Set("X-Request-ID", "proxy-42")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Request string }
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if body.Request != "proxy-42" || res.Header.Get("X-Request-ID") != "proxy-42" {
		t.Fatalf("request id %q / header %q, want proxy-42", body.Request, res.Header.Get("X-Request-ID"))
	}
	req.Header.Set("X-Request-ID", "bad id; with spaces and a very long tail "+strings.Repeat("x", 80))
	res, err = srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if id := res.Header.Get("X-Request-ID"); len(id) != 16 {
		t.Fatalf("a malformed request id was kept: %q", id)
	}

	start := time.Now()
	res, err = srv.Client().Get(srv.URL + "/export/x?slow=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if d := time.Since(start); res.StatusCode != http.StatusServiceUnavailable || d > 2*time.Second {
		t.Fatalf("slow request: status %d after %s, want 503 after about 200ms", res.StatusCode, d)
	}
}

func TestRoutes(t *testing.T) {
	srv := newEdge(t, time.Second)
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodGet, "/readyz", http.StatusOK},
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodGet, "/", http.StatusOK},
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodPut, "/graphql", http.StatusMethodNotAllowed},
		{http.MethodGet, "/graphql?query=%7Bme%7Bsubject%7D%7D", http.StatusBadRequest},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, res.StatusCode, tt.status)
		}
	}
}

func TestRouteLabelsAreBounded(t *testing.T) {
	tests := map[string]string{
		"/": "/", "/graphql": "/graphql", "/dashboard": "/dashboard", "/dashboard/app.js": "/dashboard",
		"/dashboardx": "other", "/export/indicators.csv": "/export", "/wp-admin": "other",
	}
	for path, want := range tests {
		if got := routeOf(path); got != want {
			t.Errorf("routeOf(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestOperationLabelsAreBounded(t *testing.T) {
	m := NewMetrics()
	for i := range maxOperationNames + 50 {
		m.ObserveOperation(fmt.Sprintf("Op%d", i), "OK", time.Millisecond)
	}
	m.ObserveOperation("", "OK", time.Millisecond)
	m.ObserveOperation("bad name{}", "OK", time.Millisecond)
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	for _, f := range families {
		if f.GetName() != "treem_graphql_operations_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "operation" {
					labels[l.GetValue()] = true
				}
			}
		}
	}
	// maxOperationNames admitted names, plus "other" and "anonymous".
	if len(labels) != maxOperationNames+2 || !labels["other"] || !labels["anonymous"] || labels["Op250"] {
		t.Fatalf("%d operation labels", len(labels))
	}
}

func TestHandlerNeedsItsDependencies(t *testing.T) {
	if _, err := Handler(Routes{}, Options{}); err == nil {
		t.Fatal("Handler without dependencies succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Serve(ctx, "256.0.0.1:1", http.NotFoundHandler(), time.Second, slog.New(slog.NewTextHandler(io.Discard, nil))); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("Serve on a bad address: %v", err)
	}
}

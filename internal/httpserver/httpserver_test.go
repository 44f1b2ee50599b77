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

// newEdge builds the edge over echoUser, allowing browser scripts from origins.
func newEdge(t *testing.T, timeout time.Duration, origins ...string) *httptest.Server {
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
		Metrics: NewMetrics(), RequestTimeout: timeout, CORSOrigins: origins,
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
		{http.MethodGet, "/graphiql/graphiql.min.js", http.StatusOK},
		{http.MethodGet, "/graphiql/", http.StatusNotFound},
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodPut, "/graphql", http.StatusMethodNotAllowed},
		{http.MethodGet, "/graphql?query=%7Bme%7Bsubject%7D%7D", http.StatusOK},
		{http.MethodGet, "/graphql?extensions=%7B%22persistedQuery%22%3A%7B%7D%7D", http.StatusOK},
		{http.MethodGet, "/graphql", http.StatusBadRequest},
		{http.MethodGet, "/graphql?operationName=Me", http.StatusBadRequest},
		{http.MethodGet, "/graphql?query=%7Bme%7D&variables=%5B7%5D", http.StatusBadRequest},
		{http.MethodGet, "/graphql?query=%7Bme%7D&extensions=nope", http.StatusBadRequest},
		{http.MethodGet, "/graphql?query=%7Bme%7D&x=%zz", http.StatusBadRequest},
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
		"/": "/", "/graphql": "/graphql", "/graphiql/start.js": "/graphiql", "/dashboard": "/dashboard", "/dashboard/app.js": "/dashboard",
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

func TestParseOrigins(t *testing.T) {
	got, err := ParseOrigins(" https://Bao-Cao.DongNai.gov.vn:443/ , http://127.0.0.1:3000,,http://localhost:80")
	want := []string{"https://bao-cao.dongnai.gov.vn", "http://127.0.0.1:3000", "http://localhost"}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ParseOrigins = %q, %v; want %q", got, err, want)
	}
	if got, err := ParseOrigins(""); err != nil || len(got) != 0 {
		t.Fatalf("no origins: %q, %v", got, err)
	}
	for _, bad := range []string{"*", "https://*.gov.vn", "null", "bao-cao.gov.vn", "ftp://x.vn", "https://x.vn/app",
		"https://user@x.vn", "https://x.vn?a=1", "https://"} {
		if _, err := ParseOrigins("https://ok.vn," + bad); domain.ErrorCode(err) != domain.CodeInvalidInput {
			t.Errorf("ParseOrigins accepted %q: %v", bad, err)
		}
	}
}

func TestCORS(t *testing.T) {
	const allowed, other = "https://bao-cao.dongnai.gov.vn", "https://evil.example"
	send := func(t *testing.T, srv *httptest.Server, method, origin string, header map[string]string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/graphql?query=%7Bme%7D", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}
	refused := func(t *testing.T, res *http.Response, body string) {
		t.Helper()
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `"code":"FORBIDDEN"`) || strings.Contains(body, `"user"`) ||
			res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("not refused: %d %v %s", res.StatusCode, res.Header, body)
		}
	}

	t.Run("allowed origin", func(t *testing.T) {
		srv := newEdge(t, time.Second, allowed)
		res, body := send(t, srv, http.MethodOptions, allowed, preflight)
		h := res.Header
		if res.StatusCode != http.StatusNoContent || body != "" || h.Get("Access-Control-Allow-Origin") != allowed ||
			h.Get("Vary") != "Origin" || h.Get("Access-Control-Allow-Methods") != "GET, POST" ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Content-Type") || h.Get("Access-Control-Max-Age") == "" ||
			h.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("preflight: %d %v %q", res.StatusCode, h, body)
		}
		res, body = send(t, srv, http.MethodGet, allowed, nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != allowed ||
			res.Header.Get("Vary") != "Origin" || !strings.Contains(body, `"user"`) {
			t.Fatalf("request: %d %v %s", res.StatusCode, res.Header, body)
		}
		res, body = send(t, srv, http.MethodOptions, other, preflight)
		refused(t, res, body)
		res, body = send(t, srv, http.MethodGet, other, nil)
		refused(t, res, body)
		// Origins are exact: another scheme or port is another origin.
		res, body = send(t, srv, http.MethodGet, "http://bao-cao.dongnai.gov.vn", nil)
		refused(t, res, body)
	})

	t.Run("none configured", func(t *testing.T) {
		srv := newEdge(t, time.Second)
		res, body := send(t, srv, http.MethodOptions, allowed, preflight)
		refused(t, res, body)
		res, body = send(t, srv, http.MethodGet, allowed, nil)
		refused(t, res, body)
		for name, header := range map[string]map[string]string{"no Origin": nil, "own origin": {"Origin": srv.URL},
			"same-origin fetch": {"Origin": "https://treem.example", "Sec-Fetch-Site": "same-origin"}} {
			res, body := send(t, srv, http.MethodGet, "", header)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `"user"`) {
				t.Fatalf("%s: %d %s", name, res.StatusCode, body)
			}
			for k := range res.Header {
				if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
					t.Fatalf("%s: CORS header %s without configured origins", name, k)
				}
			}
		}
	})
}

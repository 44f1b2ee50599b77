package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/graph"
	"treem/internal/auth"
	"treem/internal/domain"
	"treem/internal/httpserver"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

var testSecret = []byte("test-secret-test-secret-test-secret!")

// syncBuffer collects the server's log so tests can check what was logged.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is the real HTTP stack over a fresh database.
type testServer struct {
	*httptest.Server
	log   *syncBuffer
	pool  *pgxpool.Pool
	audit *postgres.AuditLog
}

// setup is what a test may change before the server is built.
type setup struct {
	graph graph.Options
	ready httpserver.Pinger // /readyz's Postgres; the test database by default
	units *pgxpool.Pool     // the org units tokens are checked against; the test database by default
}

type serverOption func(*setup)

func withGraph(f func(*graph.Options)) serverOption {
	return func(s *setup) { f(&s.graph) }
}

func newServer(t testing.TB, opts ...serverOption) *testServer {
	t.Helper()
	// Fixtures are written through the owner's pool; the server reads and
	// writes through the API's login, as 'treem serve' does.
	pool := testdb.Postgres(t)
	api := testdb.API(t, pool)
	buf := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	metrics := httpserver.NewMetrics()
	audit := postgres.NewAuditLog(api)
	st := setup{
		graph: graph.Options{
			Resolver: &graph.Resolver{Auditor: audit,
				Operational: graph.NewOperational(postgres.NewChildStore(api), postgres.NewOrgUnitStore(api))},
			Log: log, Observer: metrics, Introspection: true,
		},
		ready: api,
		units: api,
	}
	for _, f := range opts {
		f(&st)
	}
	gql, err := graph.NewHandler(st.graph)
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpserver.Handler(httpserver.Routes{GraphQL: gql}, httpserver.Options{
		Log: log, Auth: &fixtureVerifier{pool: st.units}, Postgres: st.ready, Metrics: metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, log: buf, pool: pool, audit: audit}
}

// fixtureVerifier checks tokens against the org units as they stand at the
// server's first authenticated request: a test's fixture adds its own units
// (province 99 and its districts and communes) after newServer, and the
// server proper reads the units once, when it starts.
type fixtureVerifier struct {
	pool *pgxpool.Pool
	once sync.Once
	v    *auth.Verifier
	err  error
}

func (f *fixtureVerifier) Verify(token string) (*domain.User, error) {
	f.once.Do(func() {
		levels, err := postgres.NewOrgUnitStore(f.pool).UnitLevels(context.Background())
		if err != nil {
			f.err = err
			return
		}
		areas, err := auth.NewAreas(levels)
		if err != nil {
			f.err = err
			return
		}
		f.v, f.err = auth.NewVerifier(testSecret, areas, nil)
	})
	if f.err != nil {
		return nil, f.err
	}
	return f.v.Verify(token)
}

// response is a GraphQL response as a client sees it.
type response struct {
	status int
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	raw string
}

func (r response) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// send sends one request with the headers given (an empty value: none)
// and returns the response with its body read.
func (s *testServer) send(t testing.TB, method, path string, headers map[string]string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

func (s *testServer) do(t testing.TB, method, path, contentType, token string, body io.Reader) response {
	t.Helper()
	res, b := s.send(t, method, path, map[string]string{"Content-Type": contentType, "Authorization": bearer(token)}, body)
	r := response{status: res.StatusCode, raw: string(b)}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s %s: status %d, body is not JSON: %q", method, path, res.StatusCode, b)
	}
	return r
}

// bearer is the Authorization header of token, empty for none.
func bearer(token string) string {
	if token == "" {
		return ""
	}
	return "Bearer " + token
}

func (s *testServer) query(t testing.TB, token, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return s.do(t, http.MethodPost, "/graphql", "application/json", token, bytes.NewReader(body))
}

// healthy checks the process still answers /healthz after a hostile request.
func (s *testServer) healthy(t *testing.T) {
	t.Helper()
	res, err := s.Client().Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("healthz status = %d", res.StatusCode)
	}
}

func token(t testing.TB, role domain.Role, area string) string {
	t.Helper()
	tok, err := auth.Issue(testSecret, domain.User{Subject: "t-" + string(role), Role: role, Area: area}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func rawToken(t *testing.T, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHostileRequests sends no Accept header, so answers are
// application/graphql-response+json and a refused operation has its status.
func TestHostileRequests(t *testing.T) {
	s := newServer(t)
	deep := "{ orgUnit(code: \"75\") { " + strings.Repeat("parent { ", 50) + "code" + strings.Repeat(" }", 50) + " } }"
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&aliases, " a%d: me { subject }", i)
	}
	aliases.WriteString(" }")
	body := func(q string) io.Reader {
		b, _ := json.Marshal(map[string]string{"query": q})
		return bytes.NewReader(b)
	}
	huge := `{"query":"{ me { subject } }","variables":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`
	now := time.Now()
	claims := jwt.MapClaims{"sub": "x", "role": "province_officer", "area": "75", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	enc := base64.RawURLEncoding.EncodeToString
	none := enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(`{"sub":"x","role":"province_officer","area":"75","exp":9999999999,"iat":1}`)) + "."

	tests := []struct {
		name        string
		contentType string
		token       string
		body        io.Reader
		status      int
		code        string
		message     string
	}{
		{"depth 50", "application/json", "", body(deep), http.StatusBadRequest, "TOO_COMPLEX", "nested deeper than 12"},
		{"1000 aliases", "application/json", "", body(aliases.String()), http.StatusBadRequest, "TOO_COMPLEX", "more than 1000 fields"},
		{"5 MB body", "application/json", "", strings.NewReader(huge), http.StatusRequestEntityTooLarge, "TOO_COMPLEX", "exceeds 1048576 bytes"},
		{"5 MB chunked body", "application/json", "", io.MultiReader(strings.NewReader(huge)), http.StatusRequestEntityTooLarge, "TOO_COMPLEX", "exceeds 1048576 bytes"},
		{"malformed JSON", "application/json", "", strings.NewReader(`{"query": "{ me { subject } }"`), http.StatusBadRequest, "INVALID_INPUT", "not valid JSON"},
		{"query not a string", "application/json", "", strings.NewReader(`{"query": 42}`), http.StatusBadRequest, "INVALID_INPUT", `field "query" must be a JSON string, not a JSON number`},
		{"no query", "application/json", "", strings.NewReader(`{}`), http.StatusBadRequest, "INVALID_INPUT", "no query"},
		{"variables not an object", "application/json", "", strings.NewReader(`{"query":"{ me { subject } }","variables":"Nguyễn"}`),
			http.StatusBadRequest, "INVALID_INPUT", `field "variables" must be a JSON object, not a JSON string`},
		{"batch", "application/json", "", strings.NewReader(`[{"query":"{ me { subject } }"}]`), http.StatusBadRequest, "INVALID_INPUT", "batches are not supported"},
		{"100,000 tokens", "application/json", "", body("{ me { " + strings.Repeat("subject ", 100000) + "} }"), http.StatusBadRequest, "INVALID_INPUT", "token limit"},
		{"wrong content type", "text/plain", "", body("{ me { subject } }"), http.StatusUnsupportedMediaType, "INVALID_INPUT", "application/json"},
		{"syntax error", "application/json", "", body("{ me { subject "), http.StatusBadRequest, "INVALID_INPUT", ""},
		{"unknown field", "application/json", "", body("{ nope }"), http.StatusBadRequest, "INVALID_INPUT", "nope"},
		{"JWT alg none", "application/json", none, body("{ me { subject } }"), http.StatusUnauthorized, "UNAUTHENTICATED", "algorithm"},
		{"JWT wrong key", "application/json", rawToken(t, jwt.SigningMethodHS256, []byte("wrong-secret-wrong-secret-wrong-secret"), claims),
			body("{ me { subject } }"), http.StatusUnauthorized, "UNAUTHENTICATED", "signature"},
		{"JWT expired", "application/json", rawToken(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{
			"sub": "x", "role": "analyst", "area": "75", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()}),
			body("{ me { subject } }"), http.StatusUnauthorized, "UNAUTHENTICATED", "expired"},
		{"JWT unknown role", "application/json", rawToken(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{
			"sub": "x", "role": "superuser", "area": "75", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}),
			body("{ me { subject } }"), http.StatusUnauthorized, "UNAUTHENTICATED", "not a known role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, http.MethodPost, "/graphql", tt.contentType, tt.token, tt.body)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("status %d code %q, want %d %q: %s", r.status, r.code(), tt.status, tt.code, trim(r.raw))
			}
			if !strings.Contains(r.Errors[0].Message, tt.message) {
				t.Fatalf("message %q does not mention %q", r.Errors[0].Message, tt.message)
			}
			if r.Data["me"] != nil || r.Data["orgUnit"] != nil {
				t.Fatalf("data served despite the error: %s", trim(r.raw))
			}
			s.healthy(t)
		})
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func TestMe(t *testing.T) {
	s := newServer(t)
	r := s.query(t, "", "{ me { subject } }", nil)
	if r.code() != "" || string(r.Data["me"]) != "null" {
		t.Fatalf("anonymous me = %s", r.raw)
	}
	r = s.query(t, token(t, domain.RoleCommuneOfficer, "26041"), "{ me { subject role area seesPersonalData } }", nil)
	want := `{"subject":"t-commune_officer","role":"COMMUNE_OFFICER","area":"26041","seesPersonalData":true}`
	if string(r.Data["me"]) != want {
		t.Fatalf("me = %s, want %s", r.Data["me"], want)
	}
}

func TestAuditLogAccess(t *testing.T) {
	s := newServer(t)
	writer := domain.WithRequest(domain.WithUser(context.Background(),
		&domain.User{Subject: "officer-7", Role: domain.RoleDistrictOfficer, Area: "731"}), domain.Request{ID: "r1", Operation: "EditChild"})
	if err := s.audit.RecordWrite(writer, "Child", []int64{42}, []string{"address"}); err != nil {
		t.Fatal(err)
	}
	const q = `query Log($f: AuditFilter) { auditLog(filter: $f, first: 10) {
		edges { node { subject role area action operation entity recordIds fields requestId } }
		pageInfo { hasNextPage } } }`
	tests := []struct {
		name  string
		token string
		code  string
	}{
		{"province officer", token(t, domain.RoleProvinceOfficer, "75"), ""},
		{"district officer", token(t, domain.RoleDistrictOfficer, "731"), "FORBIDDEN"},
		{"analyst", token(t, domain.RoleAnalyst, "75"), "FORBIDDEN"},
		{"leader", token(t, domain.RoleLeader, "75"), "FORBIDDEN"},
		{"anonymous", "", "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.query(t, tt.token, q, map[string]any{"f": map[string]any{"recordId": "42"}})
			if r.code() != tt.code {
				t.Fatalf("code = %q, want %q: %s", r.code(), tt.code, trim(r.raw))
			}
			if tt.code != "" {
				if string(r.Data["auditLog"]) != "" && string(r.Data["auditLog"]) != "null" {
					t.Fatalf("audit log served to %s: %s", tt.name, r.Data["auditLog"])
				}
				return
			}
			want := `{"edges":[{"node":{"subject":"officer-7","role":"DISTRICT_OFFICER","area":"731","action":"WRITE",` +
				`"operation":"EditChild","entity":"Child","recordIds":["42"],"fields":["address"],"requestId":"r1"}}],` +
				`"pageInfo":{"hasNextPage":false}}`
			if string(r.Data["auditLog"]) != want {
				t.Fatalf("auditLog = %s\nwant       %s", r.Data["auditLog"], want)
			}
		})
	}
	r := s.query(t, token(t, domain.RoleProvinceOfficer, "75"), `{ auditLog(after: "garbage") { pageInfo { hasNextPage } } }`, nil)
	if r.code() != "INVALID_INPUT" || r.Errors[0].Extensions["field"] != "after" {
		t.Fatalf("bad cursor: %s", r.raw)
	}
}

// panicking is an audit log whose listing panics, to prove a resolver panic
// reaches the client as INTERNAL with no detail.
type panicking struct{ graph.Auditor }

func (panicking) List(context.Context, domain.AuditFilter, domain.Page[int64]) ([]domain.AuditEntry, bool, error) {
	panic("boom: secret detail 0123456789")
}

func TestResolverPanicIsInternal(t *testing.T) {
	s := newServer(t, withGraph(func(o *graph.Options) { o.Resolver.Auditor = panicking{o.Resolver.Auditor} }))
	r := s.query(t, token(t, domain.RoleProvinceOfficer, "75"), "{ auditLog { pageInfo { hasNextPage } } }", nil)
	if r.code() != "INTERNAL" || r.Errors[0].Message != "internal error" {
		t.Fatalf("panic answered %s", r.raw)
	}
	for _, leak := range []string{"boom", "secret detail", "goroutine", ".go:"} {
		if strings.Contains(r.raw, leak) {
			t.Fatalf("response leaks %q: %s", leak, r.raw)
		}
	}
	if !strings.Contains(s.log.String(), "boom: secret detail") {
		t.Fatalf("the panic was not logged:\n%s", s.log.String())
	}
	s.healthy(t)
}

func TestPersistedQueries(t *testing.T) {
	const q = "query Me { me { subject } }"
	sum := sha256.Sum256([]byte(q))
	hash := hex.EncodeToString(sum[:])
	ext := func(h string) string {
		return `{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}`
	}
	get := func(s *testServer, extensions string, query string) response {
		v := url.Values{"extensions": {extensions}}
		if query != "" {
			v.Set("query", query)
		}
		return s.do(t, http.MethodGet, "/graphql?"+v.Encode(), "", "", nil)
	}

	t.Run("APQ", func(t *testing.T) {
		s := newServer(t)
		if r := get(s, ext(hash), ""); r.status != http.StatusNotFound || r.code() != "NOT_FOUND" || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Fatalf("unknown hash: %s", r.raw)
		}
		body := `{"query":` + mustJSON(q) + `,"extensions":` + ext(hash) + `}`
		if r := s.do(t, http.MethodPost, "/graphql", "application/json", "", strings.NewReader(body)); r.code() != "" {
			t.Fatalf("register: %s", r.raw)
		}
		if r := get(s, ext(hash), ""); r.code() != "" || string(r.Data["me"]) != "null" {
			t.Fatalf("persisted GET: %s", r.raw)
		}
		if r := get(s, "{}", "{ me { subject } }"); r.code() != "" || string(r.Data["me"]) != "null" {
			t.Fatalf("GET with a query text: %s", r.raw)
		}
	})

	t.Run("trusted documents only", func(t *testing.T) {
		docs, err := graph.LoadPersisted(strings.NewReader(`{"` + hash + `":` + mustJSON(q) + `}`))
		if err != nil {
			t.Fatal(err)
		}
		s := newServer(t, withGraph(func(o *graph.Options) { o.Persisted, o.OnlyPersisted = docs, true }))
		if r := get(s, ext(hash), ""); r.code() != "" || string(r.Data["me"]) != "null" {
			t.Fatalf("trusted GET: %s", r.raw)
		}
		if r := s.query(t, "", q, nil); r.code() != "" {
			t.Fatalf("trusted text: %s", r.raw)
		}
		if r := s.query(t, "", "{ me { role } }", nil); r.code() != "FORBIDDEN" {
			t.Fatalf("untrusted query: %s", r.raw)
		}
	})

	t.Run("manifest with a wrong hash", func(t *testing.T) {
		_, err := graph.LoadPersisted(strings.NewReader(`{"` + strings.Repeat("0", 64) + `":` + mustJSON(q) + `}`))
		if domain.ErrorCode(err) != domain.CodeInvalidInput {
			t.Fatalf("LoadPersisted accepted a wrong hash: %v", err)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestIntrospectionSwitch(t *testing.T) {
	const q = "{ __schema { queryType { name } } }"
	on := newServer(t)
	if r := on.query(t, "", q, nil); r.code() != "" {
		t.Fatalf("introspection on: %s", r.raw)
	}
	off := newServer(t, withGraph(func(o *graph.Options) { o.Introspection = false }))
	if r := off.query(t, "", q, nil); r.status != http.StatusForbidden || r.code() != "FORBIDDEN" {
		t.Fatalf("introspection off: %s", r.raw)
	}
	if r := off.query(t, "", "{ me { __typename } }", nil); r.code() != "" {
		t.Fatalf("__typename with introspection off: %s", r.raw)
	}
	if r := off.query(t, "", "{ me { subjec } }", nil); r.code() != "INVALID_INPUT" || strings.Contains(r.raw, "Did you mean") {
		t.Fatalf("a typo with introspection off: %s", r.raw)
	}
	if r := on.query(t, "", "{ me { subjec } }", nil); !strings.Contains(r.raw, "Did you mean") {
		t.Fatalf("a typo with introspection on gets no suggestion: %s", r.raw)
	}
}

func TestComplexityLimit(t *testing.T) {
	s := newServer(t, withGraph(func(o *graph.Options) { o.ComplexityLimit = 100 }))
	// 200 audit entries of 11 fields each is far above 100.
	r := s.query(t, token(t, domain.RoleProvinceOfficer, "75"),
		"{ auditLog(first: 200) { edges { cursor node { id at subject role area action operation entity recordIds fields requestId } } } }", nil)
	if r.code() != "TOO_COMPLEX" {
		t.Fatalf("complexity: %s", r.raw)
	}
	if r := s.query(t, token(t, domain.RoleProvinceOfficer, "75"), "{ auditLog(first: 5) { edges { cursor } } }", nil); r.code() != "" {
		t.Fatalf("small page refused: %s", r.raw)
	}
}

func TestProbesAndMetrics(t *testing.T) {
	s := newServer(t)
	s.query(t, "", "query WhoAmI { me { subject } }", nil)
	res, err := s.Client().Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `"postgres":"ok"`) {
		t.Fatalf("readyz: %d %s", res.StatusCode, b)
	}
	res, err = s.Client().Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `treem_graphql_operations_total{code="OK",operation="WhoAmI"} 1`) {
		t.Fatalf("metrics lack the operation:\n%s", b)
	}
	res, err = s.Client().Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "graphiql") || !strings.Contains(string(b), "/graphql") {
		t.Fatalf("GraphiQL at /: %d", res.StatusCode)
	}
	logged := s.log.String()
	if !strings.Contains(logged, "operation=WhoAmI") || !strings.Contains(logged, "code=OK") {
		t.Fatalf("request log lacks the operation:\n%s", logged)
	}
}

func TestReadyzWithoutPostgres(t *testing.T) {
	// A real pool to a port nobody listens on: pgxpool connects lazily.
	down, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/treem?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(down.Close)
	s := newServer(t, func(s *setup) { s.ready = down })
	res, err := s.Client().Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with Postgres down = %d, want 503", res.StatusCode)
	}
	s.healthy(t)
}

// auditRows returns the audit entries about entity, oldest first.
func (s *testServer) auditRows(t *testing.T, entity string) []domain.AuditEntry {
	t.Helper()
	got, _, err := s.audit.List(context.Background(), domain.AuditFilter{Entity: entity}, domain.Page[int64]{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(got)
	return got
}

// TestPersonalDataIsAuditedEndToEnd registers children through the API, reads
// them back and checks the audit log holds exactly the writes and the personal
// reads, with who, which records and which fields.
func TestPersonalDataIsAuditedEndToEnd(t *testing.T) {
	s := newServer(t)
	var commune string
	if err := s.pool.QueryRow(context.Background(),
		"SELECT code FROM org_unit WHERE level = 'commune' AND valid_to IS NULL ORDER BY code LIMIT 1").Scan(&commune); err != nil {
		t.Fatalf("a commune in force: %v", err)
	}
	officer := token(t, domain.RoleCommuneOfficer, commune)
	const register = `mutation Register($in: RegisterChildInput!) { registerChild(input: $in) { child { id } } }`
	var ids []string
	for _, name := range []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"} {
		r := s.query(t, officer, register, map[string]any{"in": map[string]any{
			"fullName": name, "sex": "M", "birthDate": "2015-03-04", "commune": commune}})
		if r.code() != "" {
			t.Fatalf("registerChild: %s", r.raw)
		}
		var c struct{ Child struct{ ID string } }
		_ = json.Unmarshal(r.Data["registerChild"], &c)
		ids = append(ids, number(t, c.Child.ID))
	}
	writes := s.auditRows(t, "Child")
	if len(writes) != 3 || writes[0].Action != domain.AuditWrite || writes[0].Subject != "t-commune_officer" ||
		writes[0].Operation != "Register" || fmt.Sprint(writes[2].RecordIDs) != "["+ids[2]+"]" {
		t.Fatalf("write entries = %+v", writes)
	}

	// Non-personal fields leave no trace.
	if r := s.query(t, officer, `query Sexes { children(first: 10) { edges { node { id sex } } } }`, nil); r.code() != "" {
		t.Fatalf("children: %s", r.raw)
	}
	if n := len(s.auditRows(t, "Child")); n != 3 {
		t.Fatalf("a read without personal fields was audited: %d entries", n)
	}

	// A page with personal fields: one entry, every child once, the fields read.
	r := s.query(t, officer, `query Page { children(first: 100) { edges { node { id fullName birthDate } } } }`, nil)
	if r.code() != "" || !strings.Contains(string(r.Data["children"]), "Trần Thị Bình") {
		t.Fatalf("children page: %s", r.raw)
	}
	rows := s.auditRows(t, "Child")
	if len(rows) != 4 {
		t.Fatalf("entries after the page = %d, want 4", len(rows))
	}
	read := rows[3]
	slices.Sort(read.RecordIDs)
	if read.Action != domain.AuditRead || read.Operation != "Page" || read.Role != domain.RoleCommuneOfficer ||
		read.Area != commune || fmt.Sprint(read.RecordIDs) != "["+strings.Join(ids, " ")+"]" ||
		!slices.Equal(read.Fields, []string{"birthDate", "fullName"}) || read.RequestID == "" {
		t.Fatalf("read entry = %+v (ids %v)", read, ids)
	}

	// Roles that see aggregates only get neither the data nor an audit entry.
	for _, role := range []domain.Role{domain.RoleAnalyst, domain.RoleLeader} {
		r := s.query(t, token(t, role, "75"), `query Peek($id: ID!) { child(id: $id) { fullName } }`, map[string]any{"id": ids[0]})
		if r.code() != "FORBIDDEN" || strings.Contains(r.raw, "Nguyễn") {
			t.Fatalf("%s reading a child: %s", role, r.raw)
		}
	}
	if r := s.query(t, "", `query Peek($id: ID!) { child(id: $id) { fullName } }`, map[string]any{"id": ids[0]}); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous reading a child: %s", r.raw)
	}
	if n := len(s.auditRows(t, "Child")); n != 4 {
		t.Fatalf("refused reads were audited: %d entries", n)
	}

	// The province officer finds who read the child.
	r = s.query(t, token(t, domain.RoleProvinceOfficer, "75"),
		`query Who($id: ID!) { auditLog(filter: {recordId: $id, action: READ}) { edges { node { subject operation fields } } } }`,
		map[string]any{"id": ids[1]})
	want := `{"edges":[{"node":{"subject":"t-commune_officer","operation":"Page","fields":["birthDate","fullName"]}}]}`
	if string(r.Data["auditLog"]) != want {
		t.Fatalf("who read child %s: %s", ids[1], r.raw)
	}

	// Names travelled in variables and responses; none may reach the log.
	for _, name := range []string{"Nguyễn", "Trần Thị Bình", "2015-03-04"} {
		if strings.Contains(s.log.String(), name) {
			t.Fatalf("the server log contains personal data %q", name)
		}
	}
}

func TestPublicOrgUnitsAndAliasFlood(t *testing.T) {
	s := newServer(t)
	r := s.query(t, "", `{ orgUnits(level: PROVINCE) { code name } }`, nil)
	if r.code() != "" || !strings.Contains(string(r.Data["orgUnits"]), `"code":"75"`) {
		t.Fatalf("anonymous orgUnits: %s", r.raw)
	}
	var q strings.Builder
	q.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&q, " u%d: orgUnits { code }", i)
	}
	q.WriteString(" }")
	start := time.Now()
	r = s.query(t, "", q.String(), nil)
	if r.code() != "TOO_COMPLEX" || len(r.Data["u0"]) > 0 {
		t.Fatalf("1000 aliased orgUnits: %s", trim(r.raw))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("refusing the flood took %s", d)
	}
	s.healthy(t)
}

package httpserver

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/auth"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// signinParams keep the tests quick; the parameters travel in each hash.
var signinParams = auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// sessionEdge is the edge over echoUser with sign-in, on a fresh database
// whose API login serves it.
type sessionEdge struct {
	srv   *httptest.Server
	owner *pgxpool.Pool
	admin *postgres.UserStore
	audit *postgres.AuditLog
}

type edgeSetup struct {
	tls     bool
	secure  bool
	limits  auth.Limits
	ttl     time.Duration
	params  auth.Params
	handler http.Handler
}

func newSessionEdge(t *testing.T, s edgeSetup) *sessionEdge {
	t.Helper()
	owner, dbURL := testdb.URL(t)
	api, err := postgres.Open(context.Background(), testdb.As(t, dbURL, testdb.APIURL), postgres.ProgramServe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	areas := testdb.Areas(t, owner)
	v, err := auth.NewVerifier(secret, areas, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.limits == (auth.Limits{}) {
		s.limits = auth.DefaultLimits
	}
	if s.ttl == 0 {
		s.ttl = time.Hour
	}
	if s.params == (auth.Params{}) {
		s.params = signinParams
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	audit := postgres.NewAuditLog(api)
	sessions, err := auth.NewSessions(postgres.NewUserStore(api), audit, areas,
		auth.SessionConfig{TTL: s.ttl, Idle: 30 * time.Minute, Limits: s.limits, Params: s.params}, log, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := s.handler
	if h == nil {
		h = http.HandlerFunc(echoUser)
	}
	edge, err := Handler(Routes{GraphQL: h, Dashboard: http.HandlerFunc(echoUser), Export: http.HandlerFunc(echoUser)},
		Options{Log: log, Auth: v, Postgres: api, Metrics: NewMetrics(), Sessions: sessions, SecureCookies: s.secure})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(edge)
	if s.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &sessionEdge{srv: srv, owner: owner, admin: postgres.NewUserStore(owner), audit: audit}
}

// addUser stores a user with password under the test's cheap parameters.
func (e *sessionEdge) addUser(t *testing.T, name, password string, role domain.Role, area string) domain.Account {
	t.Helper()
	h, err := auth.HashPassword(password, signinParams)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.admin.AddUser(context.Background(), domain.Account{Username: name, DisplayName: "Người dùng " + name, Role: role, Area: area}, h)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// client is a browser: it keeps cookies.
func (e *sessionEdge) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := e.srv.Client()
	return &http.Client{Transport: c.Transport, Jar: jar}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) code() string {
	var b struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	_ = json.Unmarshal([]byte(a.body), &b)
	if len(b.Errors) == 0 {
		return ""
	}
	return b.Errors[0].Extensions.Code
}

func do(t *testing.T, c *http.Client, method, u, contentType, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

func (e *sessionEdge) signIn(t *testing.T, c *http.Client, name, password string) (answer, sessionAnswer) {
	t.Helper()
	a := do(t, c, http.MethodPost, e.srv.URL+"/auth/login", "application/x-www-form-urlencoded",
		url.Values{"username": {name}, "password": {password}}.Encode())
	var s sessionAnswer
	if a.status == http.StatusOK {
		if err := json.Unmarshal([]byte(a.body), &s); err != nil {
			t.Fatalf("sign-in answer %s: %v", a.body, err)
		}
	}
	return a, s
}

// graphql posts a query as the dashboard does, with the CSRF token when given.
func (e *sessionEdge) graphql(t *testing.T, c *http.Client, csrf string) answer {
	t.Helper()
	var h []string
	if csrf != "" {
		h = []string{CSRFHeader, csrf}
	}
	return do(t, c, http.MethodPost, e.srv.URL+"/graphql", "application/json", `{"query":"{ me { role } }"}`, h...)
}

func (e *sessionEdge) entries(t *testing.T, action domain.AuditAction) []domain.AuditEntry {
	t.Helper()
	got, _, err := e.audit.List(context.Background(), domain.AuditFilter{Entity: "Session", Action: action}, domain.Page[int64]{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSignInSignOut(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{})
	const pw = "mật khẩu đủ dài 123"
	lan := e.addUser(t, "lan", pw, domain.RoleDistrictOfficer, "731")
	c := e.client(t)

	if a := do(t, c, http.MethodGet, e.srv.URL+"/auth/session", "", ""); a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" {
		t.Fatalf("who am I before signing in: %d %s", a.status, a.body)
	}
	a, s := e.signIn(t, c, "  LAN ", pw)
	if a.status != http.StatusOK || s.Username != "lan" || s.DisplayName != "Người dùng lan" || s.Role != "district_officer" ||
		s.Area != "731" || s.CSRFToken == "" || time.Until(s.ExpiresAt) < 59*time.Minute {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	if cc := a.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("sign-in answer Cache-Control %q", cc)
	}
	// The session's user is the one a token of the same role and area makes.
	got := e.graphql(t, c, s.CSRFToken)
	if got.status != http.StatusOK || !strings.Contains(got.body, `"Subject":"lan","Role":"district_officer","Area":"731"`) {
		t.Fatalf("a request with the session: %d %s", got.status, got.body)
	}
	if g := do(t, c, http.MethodGet, e.srv.URL+"/export/x", "", ""); !strings.Contains(g.body, `"Subject":"lan"`) {
		t.Fatalf("a GET with the session, no CSRF token needed: %d %s", g.status, g.body)
	}
	// Same answer by JSON.
	j := do(t, e.client(t), http.MethodPost, e.srv.URL+"/auth/login", "application/json", `{"username":"lan","password":"`+pw+`"}`)
	if j.status != http.StatusOK {
		t.Fatalf("JSON sign-in: %d %s", j.status, j.body)
	}
	who := do(t, c, http.MethodGet, e.srv.URL+"/auth/session", "", "")
	if who.status != http.StatusOK || !strings.Contains(who.body, `"displayName":"Người dùng lan"`) || !strings.Contains(who.body, s.CSRFToken) {
		t.Fatalf("who am I: %d %s", who.status, who.body)
	}

	// Sign-out needs the CSRF token too, then ends the session.
	if out := do(t, c, http.MethodPost, e.srv.URL+"/auth/logout", "", ""); out.status != http.StatusForbidden || out.code() != "FORBIDDEN" {
		t.Fatalf("sign-out without the CSRF token: %d %s", out.status, out.body)
	}
	old := c.Jar.Cookies(mustURL(t, e.srv.URL))
	out := do(t, c, http.MethodPost, e.srv.URL+"/auth/logout", "", "", CSRFHeader, s.CSRFToken)
	if out.status != http.StatusNoContent {
		t.Fatalf("sign-out: %d %s", out.status, out.body)
	}
	if len(c.Jar.Cookies(mustURL(t, e.srv.URL))) != 0 {
		t.Fatal("sign-out leaves the cookie in the browser")
	}
	// The old cookie, replayed, names no session.
	replay := e.client(t)
	replay.Jar.SetCookies(mustURL(t, e.srv.URL), old)
	if a := e.graphql(t, replay, s.CSRFToken); a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" {
		t.Fatalf("a signed-out session: %d %s", a.status, a.body)
	}
	// Signing out of an ended session answers as before, and clears the cookie.
	replay.Jar.SetCookies(mustURL(t, e.srv.URL), old)
	if out := do(t, replay, http.MethodPost, e.srv.URL+"/auth/logout", "", "", CSRFHeader, s.CSRFToken); out.status != http.StatusNoContent {
		t.Fatalf("sign-out of an ended session: %d %s", out.status, out.body)
	}
	ins, outs := e.entries(t, domain.AuditSignIn), e.entries(t, domain.AuditSignOut)
	if len(ins) != 2 || len(outs) != 1 || outs[0].Subject != "lan" || !slices.Equal(outs[0].RecordIDs, []int64{lan.ID}) ||
		ins[0].Role != domain.RoleDistrictOfficer || ins[0].Area != "731" {
		t.Fatalf("audit: sign-ins %+v, sign-outs %+v", ins, outs)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestWrongPasswordAndUnknownUserAnswerAlike: a wrong password, a name no
// user has, a disabled user and a malformed name get one answer, with
// argon2id run for each, and each refusal is audited without the password.
func TestWrongPasswordAndUnknownUserAnswerAlike(t *testing.T) {
	// The default parameters, so that the time of argon2 is what differs if it
	// is skipped.
	e := newSessionEdge(t, edgeSetup{params: auth.DefaultParams, limits: auth.Limits{PerUser: 100, PerAddr: 100, Window: time.Minute}})
	const pw = "correct password 42"
	h, err := auth.HashPassword(pw, auth.DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"hoa", "tuan"} {
		if _, err := e.admin.AddUser(ctx, domain.Account{Username: name, DisplayName: name, Role: domain.RoleLeader, Area: "75"}, h); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.admin.DisableUser(ctx, "tuan"); err != nil {
		t.Fatal(err)
	}
	tries := []struct{ name, user, password, reason string }{
		{"wrong password", "hoa", "wrong password 42", "password"},
		{"unknown user", "nobody", "wrong password 42", "unknown_user"},
		{"disabled user, right password", "tuan", pw, "disabled"},
		{"malformed name", "' OR 1=1 --", "wrong password 42", "malformed"},
	}
	var bodies []string
	took := map[string]time.Duration{}
	for _, tt := range tries {
		best := time.Hour
		for range 3 {
			start := time.Now()
			a, _ := e.signIn(t, e.client(t), tt.user, tt.password)
			best = min(best, time.Since(start))
			if a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" || a.header.Get("Set-Cookie") != "" {
				t.Fatalf("%s: %d %s %v", tt.name, a.status, a.body, a.header)
			}
			bodies = append(bodies, a.body)
		}
		took[tt.name] = best
	}
	for _, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("refusals differ: %q and %q", bodies[0], b)
		}
	}
	if !strings.Contains(bodies[0], "wrong username or password") {
		t.Fatalf("refusal %s", bodies[0])
	}
	// argon2id at the default parameters takes milliseconds; without it an
	// unknown name would answer in well under a third of that.
	for name, d := range took {
		if d < took["wrong password"]/3 {
			t.Errorf("%s answered in %s, a wrong password in %s: the time tells them apart", name, d, took["wrong password"])
		}
	}
	failed := e.entries(t, domain.AuditSignInFailed)
	if len(failed) != 3*len(tries) {
		t.Fatalf("%d refusals audited, want %d", len(failed), 3*len(tries))
	}
	reasons := map[string]bool{}
	for _, f := range failed {
		reasons[f.Fields[0]] = true
		if strings.Contains(f.Subject, "OR 1=1") {
			t.Errorf("a malformed name is recorded as typed: %q", f.Subject)
		}
	}
	for _, tt := range tries {
		if !reasons[tt.reason] {
			t.Errorf("no refusal audited with reason %s: %v", tt.reason, reasons)
		}
	}
	// No password in any column of any audit row.
	var n int
	if err := e.owner.QueryRow(ctx, `SELECT count(*) FROM audit_log a WHERE a::text LIKE '%password 42%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("audit rows holding a password: %d (%v)", n, err)
	}
}

func TestSignInRateLimit(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{limits: auth.Limits{PerUser: 5, PerAddr: 8, Window: 15 * time.Minute}})
	const pw = "the right password"
	e.addUser(t, "minh", pw, domain.RoleAnalyst, "75")
	e.addUser(t, "thu", pw, domain.RoleAnalyst, "75")
	c := e.client(t)
	for i := 1; i <= 5; i++ {
		a, _ := e.signIn(t, c, "minh", "wrong")
		if a.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, a.status)
		}
		if ra := a.header.Get("Retry-After"); (ra != "") != (i == 5) {
			t.Fatalf("failure %d: Retry-After %q", i, ra)
		}
	}
	// Locked out: the right password gets the same refusal, with Retry-After.
	a, _ := e.signIn(t, c, "minh", pw)
	ra, _ := strconv.Atoi(a.header.Get("Retry-After"))
	if a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" || ra < 14*60 || ra > 15*60 {
		t.Fatalf("sign-in while locked out: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	if !strings.Contains(a.body, "wrong username or password") {
		t.Fatalf("a lockout answers otherwise than a wrong password: %s", a.body)
	}
	// The address has 5 failures of its 8 (an attempt refused while locked
	// out is not one): three more under another name lock it.
	if a, _ := e.signIn(t, c, "thu", pw); a.status != http.StatusOK {
		t.Fatalf("another user from the same address before its limit: %d %s", a.status, a.body)
	}
	for range 3 {
		e.signIn(t, c, "somebody", "wrong")
	}
	if a, _ := e.signIn(t, c, "thu", pw); a.status != http.StatusUnauthorized || a.header.Get("Retry-After") == "" {
		t.Fatalf("a locked-out address: %d %s", a.status, a.body)
	}
	locks := e.entries(t, domain.AuditLockout)
	if len(locks) != 2 || locks[1].Subject != "minh" || locks[0].Subject != "somebody" ||
		!strings.HasPrefix(locks[0].Fields[0], "addr:127.0.0.1") {
		t.Fatalf("lockouts audited: %+v", locks)
	}
	locked := 0
	for _, f := range e.entries(t, domain.AuditSignInFailed) {
		if f.Fields[0] == "locked" {
			locked++
		}
	}
	if locked != 2 {
		t.Fatalf("%d refusals while locked out audited, want 2", locked)
	}
}

func TestDisabledUserSessionsEndAtOnce(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{})
	const pw = "a password for an"
	e.addUser(t, "an", pw, domain.RoleCommuneOfficer, someCommune(t, e.owner))
	c := e.client(t)
	_, s := e.signIn(t, c, "an", pw)
	if a := e.graphql(t, c, s.CSRFToken); a.status != http.StatusOK {
		t.Fatalf("before: %d %s", a.status, a.body)
	}
	if _, ended, err := e.admin.DisableUser(context.Background(), "an"); err != nil || ended != 1 {
		t.Fatalf("disable: %d, %v", ended, err)
	}
	a := e.graphql(t, c, s.CSRFToken)
	if a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" {
		t.Fatalf("the disabled user's session still answers: %d %s", a.status, a.body)
	}
	if !strings.Contains(a.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("the ended session's cookie is not cleared: %q", a.header.Get("Set-Cookie"))
	}
	if a, _ := e.signIn(t, c, "an", pw); a.status != http.StatusUnauthorized {
		t.Fatalf("a disabled user signs in: %d", a.status)
	}
}

func TestExpiredSession(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{})
	const pw = "a password for bao"
	e.addUser(t, "bao", pw, domain.RoleLeader, "75")
	ctx := context.Background()
	for _, tt := range []struct{ name, stmt string }{
		{"past its end", "UPDATE app_session SET expires_at = now() - interval '1 second'"},
		{"idle too long", "UPDATE app_session SET last_seen_at = now() - interval '31 minutes'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client(t)
			_, s := e.signIn(t, c, "bao", pw)
			if _, err := e.owner.Exec(ctx, tt.stmt); err != nil {
				t.Fatal(err)
			}
			for _, a := range []answer{e.graphql(t, c, s.CSRFToken), do(t, c, http.MethodGet, e.srv.URL+"/auth/session", "", "")} {
				if a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" {
					t.Fatalf("an ended session: %d %s", a.status, a.body)
				}
			}
			// The page itself still loads, to show the sign-in form.
			if a := do(t, c, http.MethodGet, e.srv.URL+"/dashboard/", "", ""); a.status != http.StatusOK {
				t.Fatalf("the dashboard with an ended session: %d", a.status)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{})
	const pw = "a password for cuc"
	e.addUser(t, "cuc", pw, domain.RoleProvinceOfficer, "75")
	c := e.client(t)
	_, s := e.signIn(t, c, "cuc", pw)
	_, other := e.signIn(t, e.client(t), "cuc", pw)
	for _, tt := range []struct {
		name, csrf string
		status     int
	}{
		{"no token", "", http.StatusForbidden},
		{"another session's token", other.CSRFToken, http.StatusForbidden},
		{"the session token itself", "x" + s.CSRFToken[1:], http.StatusForbidden},
		{"the session's token", s.CSRFToken, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := e.graphql(t, c, tt.csrf)
			if a.status != tt.status {
				t.Fatalf("%d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.status == http.StatusForbidden && a.code() != "FORBIDDEN" {
				t.Fatalf("code %q, want FORBIDDEN", a.code())
			}
		})
	}
	// A bearer token needs no CSRF token, even beside a cookie.
	tok, err := auth.Issue(secret, domain.User{Subject: "api-client", Role: domain.RoleAnalyst, Area: "75"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := do(t, c, http.MethodPost, e.srv.URL+"/graphql", "application/json", `{"query":"{ me { role } }"}`, "Authorization", "Bearer "+tok)
	if a.status != http.StatusOK || !strings.Contains(a.body, `"Subject":"api-client"`) {
		t.Fatalf("bearer beside a cookie: %d %s", a.status, a.body)
	}
}

// TestBearerPathUnchanged: with sign-in on, bearer tokens answer as before.
func TestBearerPathUnchanged(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{})
	good, err := auth.Issue(secret, domain.User{Subject: "lan", Role: domain.RoleLeader, Area: "75"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := e.srv.Client()
	for _, tt := range []struct {
		header string
		status int
		user   string
	}{
		{"", http.StatusOK, `"user":null`},
		{"Bearer " + good, http.StatusOK, `"Subject":"lan","Role":"leader","Area":"75"`},
		{"Bearer abc.def.ghi", http.StatusUnauthorized, ""},
		{"Basic dXNlcjpwYXNz", http.StatusUnauthorized, ""},
	} {
		var h []string
		if tt.header != "" {
			h = []string{"Authorization", tt.header}
		}
		a := do(t, c, http.MethodPost, e.srv.URL+"/graphql", "application/json", `{"query":"{ me { role } }"}`, h...)
		if a.status != tt.status || !strings.Contains(a.body, tt.user) {
			t.Errorf("%q: %d %s", tt.header, a.status, a.body)
		}
		if tt.status == http.StatusUnauthorized && a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", tt.header)
		}
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, tt := range []struct {
		name        string
		setup       edgeSetup
		wantSecure  bool
		cookieCount int
	}{
		{"plain HTTP in development", edgeSetup{}, false, 1},
		{"plain HTTP behind a TLS proxy (production)", edgeSetup{secure: true}, true, 1},
		{"TLS", edgeSetup{tls: true}, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newSessionEdge(t, tt.setup)
			const pw = "a password for dung"
			e.addUser(t, "dung", pw, domain.RoleLeader, "75")
			c := e.srv.Client()
			if tt.setup.tls {
				c.Transport.(*http.Transport).TLSClientConfig.MinVersion = tls.VersionTLS12
			}
			a := do(t, c, http.MethodPost, e.srv.URL+"/auth/login", "application/json", `{"username":"dung","password":"`+pw+`"}`)
			res := http.Response{Header: a.header}
			cookies := res.Cookies()
			if a.status != http.StatusOK || len(cookies) != tt.cookieCount {
				t.Fatalf("%d %s, cookies %v", a.status, a.body, cookies)
			}
			k := cookies[0]
			var s sessionAnswer
			_ = json.Unmarshal([]byte(a.body), &s)
			if k.Name != SessionCookie || !k.HttpOnly || k.SameSite != http.SameSiteStrictMode || k.Path != "/" ||
				k.Secure != tt.wantSecure || k.Domain != "" || len(k.Value) != 43 {
				t.Fatalf("cookie %+v (Secure want %v)", k, tt.wantSecure)
			}
			if strings.Contains(a.body, k.Value) {
				t.Fatal("the answer's body holds the session token: a script could read it")
			}
			if d := k.Expires.Sub(s.ExpiresAt); d < -time.Second || d > time.Second {
				t.Errorf("cookie expires %s, session %s", k.Expires, s.ExpiresAt)
			}
			// Only the hash of the token is stored.
			var stored int
			if err := e.owner.QueryRow(context.Background(), "SELECT count(*) FROM app_session WHERE token_hash = sha256($1::bytea)",
				[]byte(k.Value)).Scan(&stored); err != nil || stored != 1 {
				t.Fatalf("sessions stored by the token's SHA-256: %d (%v)", stored, err)
			}
		})
	}
}

func TestSignInRefusesBadBodies(t *testing.T) {
	e := newSessionEdge(t, edgeSetup{})
	c := e.srv.Client()
	for _, tt := range []struct {
		name, ct, body string
		status         int
	}{
		{"text", "text/plain", "username=a&password=b", http.StatusBadRequest},
		{"not JSON", "application/json", "{", http.StatusBadRequest},
		{"too large", "application/json", `{"username":"a","password":"` + strings.Repeat("x", 10000) + `"}`, http.StatusBadRequest},
		{"empty form", "application/x-www-form-urlencoded", "", http.StatusUnauthorized},
	} {
		a := do(t, c, http.MethodPost, e.srv.URL+"/auth/login", tt.ct, tt.body)
		if a.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.name, a.status, a.body, tt.status)
		}
	}
	if a := do(t, c, http.MethodGet, e.srv.URL+"/auth/login", "", ""); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /auth/login: %d", a.status)
	}
	// Another site's form cannot sign a browser in (login CSRF): its Origin is refused.
	const pw = "a password for em"
	e.addUser(t, "em", pw, domain.RoleLeader, "75")
	a := do(t, c, http.MethodPost, e.srv.URL+"/auth/login", "application/x-www-form-urlencoded",
		url.Values{"username": {"em"}, "password": {pw}}.Encode(), "Origin", "https://evil.example")
	if a.status != http.StatusForbidden || a.code() != "FORBIDDEN" || a.header.Get("Set-Cookie") != "" {
		t.Errorf("a sign-in posted from another origin: %d %s", a.status, a.body)
	}
}

// someCommune is the lowest code of a commune that exists.
func someCommune(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	levels, err := postgres.NewOrgUnitStore(pool).UnitLevels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for code, l := range levels {
		if l == domain.LevelCommune {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes[0]
}

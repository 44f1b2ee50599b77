// Package httpserver is treem's HTTP edge: routing, bearer-token and
// session-cookie authentication (sign-in, sign-out, CSRF), request ids, body and content-type guards, timeouts, access
// logs, CORS, Prometheus metrics, health probes and graceful shutdown, and the one
// error body and code → status map of every plain HTTP answer (WriteError).
// The GraphQL, dashboard and export handlers are built elsewhere and mounted
// here.
package httpserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"treem/internal/domain"
	"treem/internal/httpserver/graphiql"
)

// Authenticator turns a bearer token into a user (auth.Verifier).
type Authenticator interface {
	Verify(token string) (*domain.User, error)
}

// Pinger reports whether a backing service answers (a pgx pool, a ClickHouse conn).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Routes are the application handlers the edge mounts. GraphQL is required;
// the others are mounted when set (the dashboard at /dashboard, the exports
// under /export/).
type Routes struct {
	GraphQL   http.Handler
	Dashboard http.Handler
	Export    http.Handler
}

// Options configure the edge. Zero values take the defaults below.
type Options struct {
	Log            *slog.Logger
	Auth           Authenticator
	Postgres       Pinger // required by /readyz
	ClickHouse     Pinger // reported by /readyz when set, never required
	Metrics        *Metrics
	BodyLimit      int64         // DefaultBodyLimit
	RequestTimeout time.Duration // DefaultRequestTimeout
	// CORSOrigins are the origins (ParseOrigins) whose browser scripts may call
	// the API; none: the server's own pages only.
	CORSOrigins []string
	// Sessions, when set, serves sign-in with a username and a password
	// (/auth/login, /auth/logout, /auth/session) and admits the session
	// cookie beside bearer tokens.
	Sessions Sessions
	// SecureCookies marks the session cookie Secure on plain-HTTP requests
	// too (production, behind a proxy that ends TLS); a TLS request always is.
	SecureCookies bool
}

// Defaults of Options.
const (
	DefaultBodyLimit      = 1 << 20
	DefaultRequestTimeout = 10 * time.Second
)

// Handler returns the whole HTTP surface.
func Handler(r Routes, o Options) (http.Handler, error) {
	if r.GraphQL == nil || o.Log == nil || o.Auth == nil || o.Postgres == nil || o.Metrics == nil {
		return nil, errors.New("httpserver: GraphQL handler, logger, authenticator, Postgres and metrics are required")
	}
	if o.BodyLimit <= 0 {
		o.BodyLimit = DefaultBodyLimit
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	e := &edge{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", e.healthz)
	mux.HandleFunc("GET /readyz", e.readyz)
	mux.Handle("GET /metrics", o.Metrics.Handler())
	gi := graphiql.Handler()
	mux.Handle("GET /{$}", gi)
	mux.Handle("GET "+graphiql.Prefix, gi)
	mux.Handle("/graphql", e.authenticate(e.graphqlGuard(r.GraphQL)))
	if r.Dashboard != nil {
		// The page itself holds no data: a stale session cookie must not keep
		// it (and its sign-in form) from loading, so only a bearer token counts.
		mux.Handle("/dashboard", e.authenticateBearer(r.Dashboard))
		mux.Handle("/dashboard/", e.authenticateBearer(r.Dashboard))
	}
	if r.Export != nil {
		mux.Handle("/export/", e.authenticate(r.Export))
	}
	if o.Sessions != nil {
		mux.HandleFunc("POST /auth/login", e.login)
		mux.HandleFunc("POST /auth/logout", e.logout)
		mux.HandleFunc("GET /auth/session", e.session)
	}
	return e.recover(e.requestID(e.access(e.timeout(e.cors(mux))))), nil
}

type edge struct{ o Options }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (e *edge) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz needs Postgres; ClickHouse is reported so operators see it, but the
// operational API works without the warehouse.
func (e *edge) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	body := map[string]string{"postgres": "ok", "clickhouse": "not configured"}
	status := http.StatusOK
	if err := e.o.Postgres.Ping(ctx); err != nil {
		body["postgres"] = "unreachable"
		status = http.StatusServiceUnavailable
		e.o.Log.WarnContext(ctx, "readyz: postgres unreachable", "err", err)
	}
	if e.o.ClickHouse != nil {
		body["clickhouse"] = "ok"
		if err := e.o.ClickHouse.Ping(ctx); err != nil {
			body["clickhouse"] = "unreachable"
			e.o.Log.WarnContext(ctx, "readyz: clickhouse unreachable", "err", err)
		}
	}
	writeJSON(w, status, body)
}

// recover keeps a panic outside GraphQL (which has its own recover) from
// reaching the client as anything but an INTERNAL error.
func (e *edge) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				e.o.Log.ErrorContext(r.Context(), "panic in handler", "request_id", domain.RequestFrom(r.Context()).ID,
					"path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, domain.CodeInternal, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID keeps a well-formed X-Request-ID from a proxy, else makes one, and
// echoes it so a client can quote it when reporting an error.
func (e *edge) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(domain.WithRequest(r.Context(), domain.Request{ID: id})))
	})
}

// timeout bounds each request; the stores pass the context to Postgres, which
// cancels the statement. The limit goes with the request, so that a question
// that runs out of it is told which limit it hit.
func (e *edge) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), e.o.RequestTimeout)
		defer cancel()
		req := domain.RequestFrom(ctx)
		req.TimeLimit = e.o.RequestTimeout
		next.ServeHTTP(w, r.WithContext(domain.WithRequest(ctx, req)))
	})
}

// statusWriter remembers the status for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// access logs each request (method, route, status, duration, request id; never
// the query string, headers or body) and counts it by route and status.
func (e *edge) access(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := routeOf(r.URL.Path)
		d := time.Since(start)
		e.o.Metrics.observeHTTP(route, sw.status, d)
		level := slog.LevelInfo
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			level = slog.LevelDebug
		}
		e.o.Log.Log(r.Context(), level, "http", "request_id", domain.RequestFrom(r.Context()).ID,
			"method", r.Method, "route", route, "status", sw.status, "duration", d)
	})
}

// routeOf maps a path to one of a fixed set of labels, so that metrics cannot
// be blown up by arbitrary URLs.
func routeOf(path string) string {
	switch {
	case path == "/", path == "/graphql", path == "/healthz", path == "/readyz", path == "/metrics":
		return path
	case strings.HasPrefix(path, graphiql.Prefix):
		return "/graphiql"
	case path == "/dashboard" || strings.HasPrefix(path, "/dashboard/"):
		return "/dashboard"
	case strings.HasPrefix(path, "/export/"):
		return "/export"
	case path == "/auth/login", path == "/auth/logout", path == "/auth/session":
		return path
	}
	return "other"
}

// Serve listens on addr and serves h until ctx ends, then shuts down
// gracefully, letting requests in flight finish.
func Serve(ctx context.Context, addr string, h http.Handler, requestTimeout time.Duration, log *slog.Logger) error {
	if requestTimeout <= 0 {
		requestTimeout = DefaultRequestTimeout
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return domain.Wrap(err, domain.CodeUnavailable, "cannot listen on "+addr)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      requestTimeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), requestTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"treem/graph"
	"treem/internal/analytics"
	"treem/internal/auth"
	"treem/internal/bulletin"
	"treem/internal/clickhouse"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/export"
	"treem/internal/httpserver"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/web/dashboard"
)

// serveConfig is everything `treem serve` reads from flags and environment.
type serveConfig struct {
	addr, databaseURL, clickhouseAddr, clickhouseDB string
	clickhouseCluster                               string
	jwtSecret, cursorKey                            string
	production                                      bool
	dev, introspection, onlyPersisted               bool
	persistedFile, boundariesFile                   string
	statementTimeout, requestTimeout                time.Duration
	sessionTTL, sessionIdle                         time.Duration
	bodyLimit                                       int64
	maxDepth, maxComplexity, maxFields              int
	corsOrigins                                     []string
}

func parseServe(args []string, env config.Env, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	databaseURL := databaseURLFlag(fs, env, apiURLVar, "the API's login")
	fs.StringVar(&c.clickhouseAddr, "clickhouse-addr", env.Get("CLICKHOUSE_ADDR", ""),
		"ClickHouse native address, empty to serve without analytics; default: env CLICKHOUSE_ADDR")
	fs.StringVar(&c.clickhouseDB, "clickhouse-database", env.Get("CLICKHOUSE_DATABASE", clickhouse.DefaultDatabase),
		"ClickHouse database; default: env CLICKHOUSE_DATABASE")
	cluster := clusterFlag(fs, env)
	fs.BoolVar(&c.dev, "dev", false, "development mode: generate a JWT secret when none is set, introspection on")
	fs.BoolVar(&c.introspection, "introspection", false, "allow schema introspection (default on with --dev)")
	fs.StringVar(&c.persistedFile, "persisted-queries", "", "trusted documents: JSON file mapping SHA-256 → query")
	fs.BoolVar(&c.onlyPersisted, "only-persisted", false, "refuse every query not in --persisted-queries")
	fs.StringVar(&c.boundariesFile, "dashboard-boundaries", "",
		"GeoJSON FeatureCollection of unit boundaries (features named by properties.code) for the dashboard's map;\n"+
			"empty: the map is drawn as tiles only")
	fs.DurationVar(&c.statementTimeout, "statement-timeout", 5*time.Second, "Postgres statement_timeout")
	fs.DurationVar(&c.requestTimeout, "request-timeout", httpserver.DefaultRequestTimeout, "time limit of one request")
	fs.DurationVar(&c.sessionTTL, "session-ttl", auth.DefaultSessionTTL, "longest life of a dashboard session, however active")
	fs.DurationVar(&c.sessionIdle, "session-idle", auth.DefaultSessionIdle, "a dashboard session unused this long has ended")
	fs.Int64Var(&c.bodyLimit, "body-limit", httpserver.DefaultBodyLimit, "largest request body in bytes")
	fs.IntVar(&c.maxDepth, "max-depth", graph.DefaultMaxDepth, "deepest selection nesting")
	fs.IntVar(&c.maxComplexity, "max-complexity", graph.DefaultComplexityLimit, "highest operation complexity")
	fs.IntVar(&c.maxFields, "max-fields", graph.DefaultMaxFields, "most fields (aliases included) per operation")
	corsOrigins := fs.String("cors-origins", "",
		"exact origins (comma-separated, e.g. https://app.example.gov.vn) whose browser scripts may call the API;\n"+
			"empty: only treem's own pages")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: treem serve [flags]\n\n%s.\n\n"+
			"Serves GraphQL at /graphql (POST JSON; GET for queries), GraphiQL at / (no CDN),\n"+
			"/healthz, /readyz, /metrics, /dashboard, /export/ and sign-in under /auth/ (users of\n"+
			"'treem user'; a session cookie with a CSRF token). Bearer tokens are HS256 JWTs\n"+
			"signed with TREEM_JWT_SECRET (see 'treem token'), and their area must be an org unit that\n"+
			"fits the role. Pagination cursors are sealed with TREEM_CURSOR_KEY (at least 32 bytes; unset,\n"+
			"outside production, they last as long as the process). Analytics counts are perturbed from\n"+
			"the cell keys the ETL stores (TREEM_CELL_KEY_SECRET, read by 'treem etl' only).\n\n"+
			"TREEM_ENV=production refuses to start on --dev, on a JWT secret or cursor key that is\n"+
			"missing or short, on a secret from the development .data/env, or on a Postgres login that\n"+
			"is a superuser, bypasses row-level security or owns the tables.\n\nflags:\n", commands()["serve"].summary)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\n%s\n", readerHelp)
	}
	if err := parseFlags(fs, args, env); err != nil {
		return c, err
	}
	c.databaseURL, c.clickhouseCluster = databaseURL(), *cluster
	explicit := map[string]bool{} // given as a flag or by its variable
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	if c.dev && !explicit["introspection"] {
		c.introspection = true
	}
	c.jwtSecret = env.Get("TREEM_JWT_SECRET", "")
	c.cursorKey = env.Get("TREEM_CURSOR_KEY", "")
	switch mode := env.Get("TREEM_ENV", envDevelopment); mode {
	case envDevelopment:
	case envProduction:
		c.production = true
	default:
		return c, domain.Errorf(domain.CodeInvalidInput, "TREEM_ENV=%q: want %s or %s", mode, envDevelopment, envProduction)
	}
	if c.databaseURL == "" {
		return c, domain.Errorf(domain.CodeInvalidInput, "DATABASE_URL is not set: run 'make up' or pass --database-url")
	}
	if c.onlyPersisted && c.persistedFile == "" {
		return c, domain.Errorf(domain.CodeInvalidInput, "--only-persisted needs --persisted-queries")
	}
	origins, err := httpserver.ParseOrigins(*corsOrigins)
	if err != nil {
		return c, err
	}
	c.corsOrigins = origins
	if c.statementTimeout <= 0 || c.requestTimeout <= 0 || c.bodyLimit <= 0 || c.sessionTTL <= 0 || c.sessionIdle <= 0 {
		return c, domain.Errorf(domain.CodeInvalidInput, "timeouts, session lifetimes and the body limit must be positive")
	}
	return c, nil
}

func runServe(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	c, err := parseServe(args, env, stderr)
	if err != nil {
		return err
	}
	// A boundary file the map cannot draw stops the server before it opens anything.
	boundaries, err := loadBoundaries(c.boundariesFile)
	if err != nil {
		return err
	}
	if c.production {
		if err := refuseProduction(c, env); err != nil {
			return err
		}
	}
	log := newLogger(stderr, env)
	// A request allocates much and keeps little: collecting less often trades
	// some memory for the CPU a small server lacks. GOGC still overrides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	secret, err := jwtSecret(c, log)
	if err != nil {
		return err
	}

	dbURL, err := withStatementTimeout(c.databaseURL, c.statementTimeout)
	if err != nil {
		return err
	}
	pool, err := openPostgres(ctx, dbURL, apiURLVar, postgres.ProgramServe)
	if err != nil {
		return err
	}
	defer pool.Close()
	if c.production {
		if err := refuseLogin(ctx, pool); err != nil {
			return err
		}
	}
	// The org units live in memory, reloaded when a migration changes them;
	// tokens' areas are checked against the same load.
	units, err := postgres.NewUnitCache(ctx, pool, log)
	if err != nil {
		return err
	}
	areas, err := loadAreas(ctx, units)
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier(secret, areas, nil)
	if err != nil {
		return err
	}

	auditLog := postgres.NewAuditLog(pool)
	// Sign-in with a username and a password (treem user): the session's user
	// is checked against the same org units as a token's.
	users := postgres.NewUserStore(pool)
	sessions, err := auth.NewSessions(users, auditLog, areas, auth.SessionConfig{
		TTL: c.sessionTTL, Idle: c.sessionIdle, Limits: auth.DefaultLimits, Params: auth.DefaultParams,
	}, log, nil)
	if err != nil {
		return err
	}

	routes := httpserver.Routes{Dashboard: dashboard.HandlerWithBoundaries(boundaries)}
	opts := httpserver.Options{
		Log: log, Auth: verifier, Postgres: pool, Metrics: httpserver.NewMetrics(),
		BodyLimit: c.bodyLimit, RequestTimeout: c.requestTimeout, CORSOrigins: c.corsOrigins,
		Sessions: sessions, SecureCookies: c.production,
	}
	// Analytics requests below province officer are recorded before they are answered.
	analyticsAudit := postgres.NewAnalyticsAudit(pool)
	var an graph.Analytics // nil without a warehouse: analytics and exports answer UNAVAILABLE
	// Without a warehouse the bulletin's issues are listed and drafted, not published.
	bulletins := bulletin.New(postgres.NewBulletinStore(pool), nil, nil).WithAuditor(analyticsAudit)
	if c.clickhouseAddr != "" {
		// The warehouse is optional: the operational API serves without it and
		// /readyz reports it.
		chConn, chReader, err := openReader(ctx, env, c.clickhouseAddr, c.clickhouseDB, c.clickhouseCluster)
		if domain.ErrorCode(err) == domain.CodeInvalidInput {
			return err // a misconfigured cluster is a setting to fix, not an outage to ride out
		}
		if err != nil {
			log.Warn("clickhouse unavailable: serving without analytics", "addr", c.clickhouseAddr, "err", err)
			opts.ClickHouse = unopened{err}
		} else {
			defer chConn.Close()
			opts.ClickHouse = chConn
			opts.Metrics.Register(httpserver.NewFreshnessCollector(chReader.Freshness, log))
			svc := analytics.New(chReader, postgres.NewAnalyticsStore(pool), indicators.Default()).
				WithAuditor(analyticsAudit)
			an = svc
			bulletins = bulletin.New(postgres.NewBulletinStore(pool), svc, chReader).WithAuditor(analyticsAudit)
		}
	}
	routes.Export = export.WithBulletins(export.Handler(an, log), bulletins, log)

	persisted, err := loadPersisted(c.persistedFile)
	if err != nil {
		return err
	}
	go units.Listen(ctx)
	op := graph.NewOperational(postgres.NewChildStore(pool), units)
	if op.Cursors, err = cursorsOf(c.cursorKey, op.Cursors, log); err != nil {
		return err
	}
	resolver := &graph.Resolver{Auditor: auditLog, Operational: op, Analytics: an,
		AnalyticsAuditLog: analyticsAudit, Bulletins: bulletins, Accounts: auth.Accounts{Store: users, Areas: areas, Params: auth.DefaultParams}}
	routes.GraphQL, err = graph.NewHandler(graph.Options{
		Resolver: resolver, Log: log, Observer: opts.Metrics,
		ComplexityLimit: c.maxComplexity, MaxDepth: c.maxDepth, MaxFields: c.maxFields,
		Introspection: c.introspection, Persisted: persisted, OnlyPersisted: c.onlyPersisted,
	})
	if err != nil {
		return err
	}
	h, err := httpserver.Handler(routes, opts)
	if err != nil {
		return err
	}
	log.Info("graphql limits", "max_depth", c.maxDepth, "max_complexity", c.maxComplexity, "max_fields", c.maxFields,
		"introspection", c.introspection, "persisted_queries", len(persisted), "only_persisted", c.onlyPersisted,
		"statement_timeout", c.statementTimeout, "request_timeout", c.requestTimeout, "body_limit", c.bodyLimit,
		"cors_origins", c.corsOrigins)
	return httpserver.Serve(ctx, c.addr, h, c.requestTimeout, log)
}

// jwtSecret returns TREEM_JWT_SECRET; without it, serve refuses to start
// unless --dev, which generates a throw-away secret and says so.
func jwtSecret(c serveConfig, log *slog.Logger) ([]byte, error) {
	if c.jwtSecret != "" {
		return []byte(c.jwtSecret), nil
	}
	if !c.dev {
		return nil, domain.Errorf(domain.CodeInvalidInput,
			"TREEM_JWT_SECRET is not set: set it (at least %d bytes) or pass --dev to generate one", auth.MinSecretLen)
	}
	b := make([]byte, auth.MinSecretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate JWT secret: %w", err)
	}
	log.Warn("--dev: generated a random JWT secret for this process; tokens from 'treem token' will not verify " +
		"unless TREEM_JWT_SECRET is set to the same secret")
	return []byte(hex.EncodeToString(b)), nil
}

// withStatementTimeout adds statement_timeout as a connection run-time
// parameter, so that every statement of the pool is bounded by the server.
func withStatementTimeout(dbURL string, d time.Duration) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", domain.Errorf(domain.CodeInvalidInput, "DATABASE_URL must be a postgres:// URL")
	}
	q := u.Query()
	q.Set("statement_timeout", strconv.FormatInt(d.Milliseconds(), 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func loadPersisted(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInvalidInput, "cannot open the persisted-query manifest "+path)
	}
	defer f.Close()
	return graph.LoadPersisted(f)
}

// unopened is a warehouse that could not be opened at startup: /readyz keeps
// reporting it unreachable until a restart connects it.
type unopened struct{ err error }

func (u unopened) Ping(context.Context) error { return u.err }

// loadBoundaries reads the dashboard's boundary file, nil when none is named.
func loadBoundaries(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalidInput, "--dashboard-boundaries: %v", err)
	}
	if err := dashboard.ParseBoundaries(raw); err != nil {
		return nil, domain.Errorf(domain.CodeInvalidInput, "--dashboard-boundaries %s: %v", path, err)
	}
	return raw, nil
}

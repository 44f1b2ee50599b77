package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"treem/internal/auth"
	"treem/internal/clickhouse/chtest"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

const secret = "serve-test-secret-serve-test-secret-0123"

// envOf is a command's environment: kv, the warehouse users of the test
// server (the temporary directory has no .data/env) and a cell-key secret.
func envOf(t *testing.T, kv ...string) config.Env {
	env, err := config.Load(append(append(chtest.UserEnv(), cellKeyEnv), kv...), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// dbEnv is envOf with every program's login to dbURL's database (the API's,
// the ETL's and the owner's), as 'make up' writes them for the real one.
func dbEnv(t *testing.T, dbURL string, kv ...string) config.Env {
	return envOf(t, append(logins(t, dbURL), kv...)...)
}

func logins(t *testing.T, dbURL string) []string {
	var kv []string
	for _, login := range []string{testdb.APIURL, testdb.ETLURL, testdb.OwnerURL} {
		kv = append(kv, login+"="+testdb.As(t, dbURL, login))
	}
	return kv
}

// cellKeyEnv is the cell-key secret of every command a test runs, in process
// or as a child process.
const cellKeyEnv = "TREEM_CELL_KEY_SECRET=cmd test cell-key secret"

func TestTokenCommand(t *testing.T) {
	var out bytes.Buffer
	pool, dbURL := testdb.URL(t)
	env := dbEnv(t, dbURL, "TREEM_JWT_SECRET="+secret)
	if err := run(context.Background(), []string{"token", "--role", "district_officer", "--area", "731", "--sub", "lan"},
		env, &out, io.Discard); err != nil {
		t.Fatalf("token: %v", err)
	}
	v, err := auth.NewVerifier([]byte(secret), testdb.Areas(t, pool), nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := v.Verify(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("printed token does not verify: %v", err)
	}
	if *u != (domain.User{Subject: "lan", Role: domain.RoleDistrictOfficer, Area: "731"}) {
		t.Fatalf("user = %+v", *u)
	}
	err = run(context.Background(), []string{"token", "--role", "root", "--area", "75"}, env, io.Discard, io.Discard)
	if domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("token with an unknown role: %v", err)
	}
	err = run(context.Background(), []string{"token", "--role", "analyst", "--area", "75"}, envOf(t), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TREEM_JWT_SECRET") {
		t.Fatalf("token without a secret: %v", err)
	}
}

func TestServeRefusesToStartWithoutSecret(t *testing.T) {
	_, dbURL := testdb.URL(t)
	err := run(context.Background(), []string{"serve"}, dbEnv(t, dbURL), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TREEM_JWT_SECRET") {
		t.Fatalf("serve without a secret: %v", err)
	}
}

// TestServeRefusesBadBoundaries: a boundary file the dashboard's map cannot
// draw, or none at the path, stops serve at start with the flag named.
func TestServeRefusesBadBoundaries(t *testing.T) {
	dir := t.TempDir()
	point := filepath.Join(dir, "point.geojson")
	if err := os.WriteFile(point, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature",`+
		`"properties":{"code":"731"},"geometry":{"type":"Point","coordinates":[106.8,10.9]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{point, filepath.Join(dir, "missing.geojson")} {
		err := run(context.Background(), []string{"serve", "--dev", "--dashboard-boundaries", path},
			envOf(t, testdb.APIURL+"=postgres://nobody@127.0.0.1:1/none"), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--dashboard-boundaries") {
			t.Errorf("%s: %v", filepath.Base(path), err)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServeAndShutDown runs the real command, probes it and stops it the way a
// SIGTERM does (context cancellation), expecting a clean return.
func TestServeAndShutDown(t *testing.T) {
	_, dbURL := testdb.URL(t)
	_, chDB := chtest.Database(t)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--dev"},
			dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+chtest.Addr(t), "CLICKHOUSE_DATABASE="+chDB), io.Discard, &logs)
	}()
	var res *http.Response
	var err error
	for range 100 {
		if res, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server did not come up: %v\n%s", err, logs.String())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"postgres":"ok"`) ||
		!strings.Contains(string(body), `"clickhouse":"ok"`) {
		t.Fatalf("readyz = %d %s", res.StatusCode, body)
	}
	// The warehouse has no run yet: its freshness is readable and empty.
	m, err := scrape("http://" + addr + "/metrics")
	if err != nil || m["treem_etl_warehouse_up"] != 1 {
		t.Errorf("serve's /metrics: warehouse_up %v (%v)", m["treem_etl_warehouse_up"], err)
	}
	if _, found := m["treem_etl_lag_seconds"]; found {
		t.Error("a lag is exported before any run")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(logs.String(), "generated a random JWT secret") {
		t.Fatalf("--dev did not say it generated a secret:\n%s", logs.String())
	}
}

func TestStatementTimeoutReachesPostgres(t *testing.T) {
	_, dbURL := testdb.URL(t)
	u, err := withStatementTimeout(dbURL, 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := postgres.Open(context.Background(), u, postgres.ProgramServe)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var got string
	if err := pool.QueryRow(context.Background(), "SHOW statement_timeout").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "1500ms" {
		t.Fatalf("statement_timeout = %q, want 1500ms", got)
	}
	_, err = pool.Exec(context.Background(), "SELECT pg_sleep(3)")
	if domain.ErrorCode(postgres.MapError(err)) != domain.CodeTooComplex {
		t.Fatalf("a 3 s statement under a 1.5 s timeout: %v", err)
	}
}

// TestServeCORSOrigins reads the allowlist from TREEM_CORS_ORIGINS, lets
// --cors-origins override it, and refuses a wildcard before serving.
func TestServeCORSOrigins(t *testing.T) {
	const db = "DATABASE_URL=postgres://treem_api@127.0.0.1:1/treem"
	env := envOf(t, db, "TREEM_CORS_ORIGINS=https://bao-cao.dongnai.gov.vn, http://127.0.0.1:3000")
	c, err := parseServe(nil, env, io.Discard)
	if err != nil || strings.Join(c.corsOrigins, " ") != "https://bao-cao.dongnai.gov.vn http://127.0.0.1:3000" {
		t.Fatalf("from the environment: %q, %v", c.corsOrigins, err)
	}
	c, err = parseServe([]string{"--cors-origins", "https://x.gov.vn"}, env, io.Discard)
	if err != nil || strings.Join(c.corsOrigins, " ") != "https://x.gov.vn" {
		t.Fatalf("from the flag: %q, %v", c.corsOrigins, err)
	}
	if c, err := parseServe(nil, envOf(t, db), io.Discard); err != nil || len(c.corsOrigins) != 0 {
		t.Fatalf("unset: %q, %v", c.corsOrigins, err)
	}
	if _, err := parseServe(nil, envOf(t, db, "TREEM_CORS_ORIGINS=*"), io.Discard); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("a wildcard: %v", err)
	}
}

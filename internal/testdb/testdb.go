// Package testdb gives each test package a fresh, migrated Postgres database on
// the real server of DATABASE_OWNER_URL (from the environment, TREEM_ENV_FILE or
// the repository's .data/env), dropped when the tests end. The database
// belongs to the owner role; As and API give the other programs' logins to it,
// so that tests run the API and the ETL with the privileges they run with.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/auth"
	"treem/internal/config"
	"treem/internal/postgres"
)

// Env returns the settings tests use: the environment, then the file named by
// TREEM_ENV_FILE, else the repository root's .data/env. Tests run in their
// package's directory, and treem reads .data/env from the working directory
// only, so the root is found from this file's own place in the module.
func Env() config.Env {
	env, err := config.Load(os.Environ(), repositoryRoot(), "")
	if err != nil {
		panic(fmt.Sprintf("testdb: %v", err)) // no test can reach the services
	}
	return env
}

// repositoryRoot is the module root: two levels above this file.
func repositoryRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// Postgres creates a fresh database, applies every migration and returns the
// owner's pool to it, for fixtures. The database is dropped when tb finishes. Tests fail, never skip, when
// no server answers: the suite runs against the real thing.
func Postgres(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, _ := URL(tb)
	return pool
}

// URL creates a fresh migrated database like Postgres and returns the owner's
// URL too, for tests that run a command against it.
func URL(tb testing.TB) (*pgxpool.Pool, string) {
	tb.Helper()
	pool, u := create(tb)
	if err := postgres.Migrate(context.Background(), pool, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		tb.Fatalf("migrate test database: %v", err)
	}
	return pool, u
}

func create(tb testing.TB) (*pgxpool.Pool, string) {
	tb.Helper()
	base := setting(tb, OwnerURL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", base, err)
	}
	defer admin.Close(context.Background())
	name := "treem_test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", OwnerURL, err)
	}
	u.Path = "/" + name
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Logf("drop test database: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Logf("drop test database: %v", err)
		}
	})
	return pool, u.String()
}

// The settings naming each program's login; the roles are those of
// scripts/sql/roles.sql.
const (
	APIURL   = "DATABASE_URL"       // treem_api
	ETLURL   = "DATABASE_ETL_URL"   // treem_etl
	OwnerURL = "DATABASE_OWNER_URL" // treem_owner
)

func setting(tb testing.TB, name string) string {
	tb.Helper()
	v := Env().Get(name, "")
	if v == "" {
		tb.Fatalf("%s is not set and .data/env is missing: run 'make up'", name)
	}
	return v
}

// As returns the URL of dbURL's database with the login that the setting
// login names (APIURL, ETLURL or OwnerURL) uses.
func As(tb testing.TB, dbURL, login string) string {
	tb.Helper()
	db, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("parse %s: %v", dbURL, err)
	}
	return loginTo(tb, db.Path, login)
}

// loginTo is the URL of login's setting with path (/database) instead of its own.
func loginTo(tb testing.TB, path, login string) string {
	tb.Helper()
	u, err := url.Parse(setting(tb, login))
	if err != nil {
		tb.Fatalf("parse %s: %v", login, err)
	}
	u.Path = path
	return u.String()
}

// API opens a pool to pool's database as the API's login, closed when tb
// finishes (before the database is dropped).
func API(tb testing.TB, pool *pgxpool.Pool) *pgxpool.Pool {
	tb.Helper()
	api, err := pgxpool.New(context.Background(), loginTo(tb, "/"+pool.Config().ConnConfig.Database, APIURL))
	if err != nil {
		tb.Fatalf("open the API's pool: %v", err)
	}
	tb.Cleanup(api.Close)
	return api
}

// Areas returns the org units of pool's database as a token verifier checks
// areas against them.
func Areas(tb testing.TB, pool *pgxpool.Pool) *auth.Areas {
	tb.Helper()
	levels, err := postgres.NewOrgUnitStore(pool).UnitLevels(context.Background())
	if err != nil {
		tb.Fatalf("org units: %v", err)
	}
	areas, err := auth.NewAreas(levels)
	if err != nil {
		tb.Fatal(err)
	}
	return areas
}

func randomSuffix() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

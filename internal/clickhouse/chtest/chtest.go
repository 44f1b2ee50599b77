// Package chtest gives a test package a fresh, migrated ClickHouse database on
// the real server named by CLICKHOUSE_ADDR (or .data/env), dropped when the
// test ends. It works as the writer user (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD),
// the one allowed to create and drop databases. Tests fail, never skip, when
// the server does not answer.
package chtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/testdb"
)

// Addr returns the native-protocol address of the test server.
func Addr(tb testing.TB) string {
	tb.Helper()
	addr := testdb.Env().Get("CLICKHOUSE_ADDR", "")
	if addr == "" {
		tb.Fatal("CLICKHOUSE_ADDR is not set and .data/env is missing: run 'make up'")
	}
	return addr
}

// userVars are the settings naming the warehouse users: the writer and the
// API's reader.
var userVars = []string{"CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_API_USER", "CLICKHOUSE_API_PASSWORD"}

// UserEnv returns the warehouse users' settings as KEY=VALUE pairs, for tests
// that run a command with an environment of their own.
func UserEnv() []string {
	env := testdb.Env()
	var out []string
	for _, k := range userVars {
		if v := env.Get(k, ""); v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// Writer returns the options of the writer user on the test server, for
// database; Open fails when CLICKHOUSE_ADDR is not set.
func Writer(database string) clickhouse.Options {
	env := testdb.Env()
	return clickhouse.Options{
		Addr:     env.Get("CLICKHOUSE_ADDR", ""),
		Database: database,
		User:     env.Get("CLICKHOUSE_USER", ""),
		Password: env.Get("CLICKHOUSE_PASSWORD", ""),
	}
}

// Database creates a fresh database, applies the warehouse migrations and
// returns a connection to it and its name.
func Database(tb testing.TB) (clickhouse.Conn, string) {
	tb.Helper()
	Addr(tb)
	name := "treem_test_" + randomHex(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := clickhouse.Migrate(ctx, Writer(name), quiet()); err != nil {
		tb.Fatalf("migrate warehouse test database: %v", err)
	}
	conn, err := clickhouse.Open(ctx, Writer(name))
	if err != nil {
		tb.Fatalf("open warehouse test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		dropDatabases(ctx, tb, conn, name)
		conn.Close()
	})
	return conn, name
}

// dropDatabases drops a test warehouse and its published database.
func dropDatabases(ctx context.Context, tb testing.TB, conn clickhouse.Conn, name string) {
	for _, db := range []string{clickhouse.PublishedDatabase(name), name} {
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS `"+db+"`"); err != nil {
			tb.Logf("drop test database %s: %v", db, err)
		}
	}
}

func randomHex(tb testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

package main

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"treem/graph"
	"treem/internal/auth"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
)

// Environments of TREEM_ENV: development (the default) accepts the settings
// `make up` writes; production refuses every one of them.
const (
	envDevelopment = "development"
	envProduction  = "production"
)

// productionSecrets are the settings of serve that carry a secret, with the
// shortest length each must have.
var productionSecrets = []struct {
	key string
	min int
}{
	{"TREEM_JWT_SECRET", auth.MinSecretLen},
	{"TREEM_CURSOR_KEY", graph.CursorKeyMinLen},
}

// refuseProduction returns why serve must not start in production with c and
// env, or nil: --dev, a missing or short secret, or a secret (the Postgres URL,
// by its setting or by the flag's variable, and the warehouse password
// included) from the development file `make up` wrote. A production serve started inside a development checkout would
// otherwise take the checkout's throw-away secrets and servers.
func refuseProduction(c serveConfig, env config.Env) error {
	if c.dev {
		return refusal("--dev generates a JWT secret and turns introspection on")
	}
	for _, s := range productionSecrets {
		switch v := env.Get(s.key, ""); {
		case v == "":
			return refusal("%s is not set", s.key)
		case len(v) < s.min:
			return refusal("%s is %d bytes, fewer than %d", s.key, len(v), s.min)
		}
	}
	used := []string{"TREEM_JWT_SECRET", "TREEM_CURSOR_KEY", "CLICKHOUSE_API_PASSWORD"}
	for _, key := range []string{apiURLVar, flagVar("database-url")} {
		if c.databaseURL == env.Get(key, "") { // the URL came from key, not from --database-url
			used = append(used, key)
		}
	}
	for _, key := range used {
		if file := env.DevelopmentFile(key); file != "" {
			return refusal("%s is the development one from %s (written by 'make up'): "+
				"give production its own through the environment or --env-file", key, file)
		}
	}
	return nil
}

// refuseLogin returns why serve must not start in production on pool, or
// nil.
func refuseLogin(ctx context.Context, pool *pgxpool.Pool) error {
	r, err := postgres.Login(ctx, pool)
	if err != nil {
		return err
	}
	return refuseRole(r)
}

// refuseRole: a superuser login can leave the row-level security role every
// request runs under, and alter the audit log; a BYPASSRLS login reads every
// area; the tables' owner is not held by row-level security and may disable
// the audit log's triggers.
func refuseRole(r postgres.LoginRole) error {
	switch {
	case r.Superuser:
		return refusal("%s logs in as %s, a Postgres superuser, which can leave row-level security "+
			"and alter the audit log: connect as treem_api, a role without superuser", apiURLVar, r.Name)
	case r.BypassRLS:
		return refusal("%s logs in as %s, which bypasses row-level security (BYPASSRLS): "+
			"connect as treem_api, a role without it", apiURLVar, r.Name)
	case r.OwnsTables:
		return refusal("%s logs in as %s, which owns the tables (or may become their owner), so row-level "+
			"security does not hold it and it can alter the audit log: connect as treem_api", apiURLVar, r.Name)
	}
	return nil
}

func refusal(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidInput, "TREEM_ENV=production refuses to serve: "+format, args...)
}

// cursorsOf returns the cursor sealer of key; without a key (development
// only) it keeps the per-process one of graph.NewOperational and says that
// open pages will not survive a restart.
func cursorsOf(key string, process *graph.Cursors, log *slog.Logger) (*graph.Cursors, error) {
	if key == "" {
		log.Warn("TREEM_CURSOR_KEY is not set: pagination cursors are sealed with a key of this process, " +
			"so they break on a restart and on another replica")
		return process, nil
	}
	if len(key) < graph.CursorKeyMinLen {
		return nil, domain.Errorf(domain.CodeInvalidInput, "TREEM_CURSOR_KEY is %d bytes, fewer than %d", len(key), graph.CursorKeyMinLen)
	}
	return graph.NewCursors([]byte(key))
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"treem/internal/auth"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
)

// runToken prints a development JWT signed with TREEM_JWT_SECRET, for an area
// that exists and fits the role: the org units are read from Postgres
// (DATABASE_URL), the same reference data 'treem serve' checks tokens against,
// so no token is printed that the server would refuse.
func runToken(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", stderr)
	role := fs.String("role", "", "role: province_officer, district_officer, commune_officer, analyst or leader")
	area := fs.String("area", "", "org-unit code of the area, checked against the org units in DATABASE_URL: "+
		"75 (the province) for province_officer, a 2021 district code for district_officer, a commune code for "+
		"commune_officer, any of them for analyst and leader")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the token")
	sub := fs.String("sub", "", "subject recorded in the audit log (default: dev-<role>)")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	secret := env.Get("TREEM_JWT_SECRET", "")
	if secret == "" {
		return domain.Errorf(domain.CodeInvalidInput, "TREEM_JWT_SECRET is not set (make up writes one to .data/env)")
	}
	if *role == "" || *area == "" {
		return domain.Errorf(domain.CodeInvalidInput, "--role and --area are required")
	}
	dbURL := env.Get(apiURLVar, "")
	r := domain.Role(strings.ToLower(*role))
	subject := *sub
	if subject == "" {
		subject = "dev-" + string(r)
	}
	u := domain.User{Subject: subject, Role: r, Area: *area}
	// Issue checks the claims' form before the org units are read.
	tok, err := auth.Issue([]byte(secret), u, *ttl, time.Now())
	if err != nil {
		return err
	}
	pool, err := openPostgres(ctx, dbURL, apiURLVar, postgres.ProgramToken)
	if err != nil {
		return err
	}
	defer pool.Close()
	areas, err := loadAreas(ctx, postgres.NewOrgUnitStore(pool))
	if err != nil {
		return err
	}
	if err := areas.Fits(u); err != nil {
		return domain.Errorf(domain.CodeInvalidInput, "cannot issue a token: %v", err)
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

// unitLevels is where the org units' levels come from: the store, or the
// units a server holds in memory.
type unitLevels interface {
	UnitLevels(ctx context.Context) (map[string]domain.Level, error)
}

// loadAreas reads the org units a token's area is checked against.
func loadAreas(ctx context.Context, units unitLevels) (*auth.Areas, error) {
	levels, err := units.UnitLevels(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the org units: %w", err)
	}
	return auth.NewAreas(levels)
}

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
)

// runToken prints a development JWT signed with TREEM_JWT_SECRET.
func runToken(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("token", stderr)
	role := fs.String("role", "", "role: province_officer, district_officer, commune_officer, analyst or leader")
	area := fs.String("area", "", "org-unit code of the area: 75 (province), a district or a commune code")
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the token")
	sub := fs.String("sub", "", "subject recorded in the audit log (default: dev-<role>)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	secret := env.Get("TREEM_JWT_SECRET", "")
	if secret == "" {
		return domain.Errorf(domain.CodeInvalidInput, "TREEM_JWT_SECRET is not set (make up writes one to .data/env)")
	}
	if *role == "" || *area == "" {
		return domain.Errorf(domain.CodeInvalidInput, "--role and --area are required")
	}
	r := domain.Role(strings.ToLower(*role))
	subject := *sub
	if subject == "" {
		subject = "dev-" + string(r)
	}
	tok, err := auth.Issue([]byte(secret), domain.User{Subject: subject, Role: r, Area: *area}, *ttl, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

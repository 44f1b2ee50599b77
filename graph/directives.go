package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"treem/graph/model"
	"treem/internal/domain"
)

// Directives returns the implementations of the schema's @auth and @personal.
func Directives() DirectiveRoot {
	return DirectiveRoot{Auth: authDirective, Personal: personalDirective}
}

// authDirective lets a field (or every field returning an @auth type) resolve
// only for a signed-in caller holding one of requires (any role when empty).
func authDirective(ctx context.Context, _ any, next graphql.Resolver, requires []model.Role) (any, error) {
	u := domain.UserFrom(ctx)
	if u == nil {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in: this field needs a bearer token")
	}
	if len(requires) > 0 && !hasRole(requires, u.Role) {
		names := make([]string, len(requires))
		for i, r := range requires {
			names[i] = string(domainRole(r))
		}
		return nil, domain.Errorf(domain.CodeForbidden, "this field needs the role %s", strings.Join(names, " or "))
	}
	return next(ctx)
}

func hasRole(roles []model.Role, r domain.Role) bool {
	for _, m := range roles {
		if domainRole(m) == r {
			return true
		}
	}
	return false
}

// personalDirective serves a personal field only to roles that see personal
// data, and notes the read for the audit log. Which records a caller may see
// (their area) is the stores' and row-level security's business.
func personalDirective(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
	u := domain.UserFrom(ctx)
	if u == nil {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in: personal data needs a bearer token")
	}
	if !u.Role.SeesPersonalData() {
		return nil, domain.Errorf(domain.CodeForbidden, "the role %s does not see personal data", u.Role)
	}
	fc := graphql.GetFieldContext(ctx)
	id, ok := recordID(obj)
	if !ok {
		// Fail closed: a read that cannot be attributed to a record is not served.
		return nil, domain.Errorf(domain.CodeInternal, "personal field %s.%s: the object has no numeric ID to audit",
			fc.Object, fc.Field.Name)
	}
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	if err := recordRead(ctx, fc.Object, id, fc.Field.Name); err != nil {
		return nil, err
	}
	return res, nil
}

// domainRole and roleModel convert between the schema's enum (PROVINCE_OFFICER)
// and the domain's role (province_officer).
func domainRole(r model.Role) domain.Role { return domain.Role(strings.ToLower(string(r))) }

func roleModel(r domain.Role) model.Role { return model.Role(strings.ToUpper(string(r))) }

// me returns the caller, or nil when anonymous.
func me(ctx context.Context) *model.Viewer {
	u := domain.UserFrom(ctx)
	if u == nil {
		return nil
	}
	return &model.Viewer{Subject: u.Subject, Role: roleModel(u.Role), Area: u.Area, SeesPersonalData: u.Role.SeesPersonalData()}
}

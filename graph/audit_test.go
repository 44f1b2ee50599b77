package graph

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

type child struct {
	ID       string
	FullName string
}

type household struct{ ID int64 }

type opaque struct{ ID string }

// fieldCtx is the context gqlgen gives a resolver of object.field.
func fieldCtx(ctx context.Context, object, field string) context.Context {
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: object, Field: graphql.CollectedField{Field: &ast.Field{Name: field}}})
}

func userCtx(role domain.Role, area string) context.Context {
	ctx := domain.WithUser(context.Background(), &domain.User{Subject: "u-" + string(role), Role: role, Area: area})
	return domain.WithRequest(ctx, domain.Request{ID: "req-1", Operation: "Children"})
}

func serve(value any) graphql.Resolver {
	return func(context.Context) (any, error) { return value, nil }
}

func TestPersonalDirective(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		obj  any
		code domain.Code // "" when served
	}{
		{"commune officer", userCtx(domain.RoleCommuneOfficer, "26041"), &child{ID: "7"}, ""},
		{"numeric id", userCtx(domain.RoleProvinceOfficer, "75"), &household{ID: 9}, ""},
		{"anonymous", context.Background(), &child{ID: "7"}, domain.CodeUnauthenticated},
		{"analyst", userCtx(domain.RoleAnalyst, "75"), &child{ID: "7"}, domain.CodeForbidden},
		{"leader", userCtx(domain.RoleLeader, "75"), &child{ID: "7"}, domain.CodeForbidden},
		{"object without a numeric id", userCtx(domain.RoleProvinceOfficer, "75"), &opaque{ID: "Q2hpbGQ6Nw=="}, domain.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &reads{}
			ctx := fieldCtx(withReads(tt.ctx, r), "Child", "fullName")
			got, err := personalDirective(ctx, tt.obj, serve("Nguyễn Văn An"))
			if tt.code != "" {
				if domain.ErrorCode(err) != tt.code || got != nil {
					t.Fatalf("got %v, %v; want nothing and %s", got, err, tt.code)
				}
				if len(r.entries(ctx)) != 0 {
					t.Fatalf("a refused read was recorded")
				}
				return
			}
			if err != nil || got != "Nguyễn Văn An" {
				t.Fatalf("got %v, %v", got, err)
			}
			if e := r.entries(ctx); len(e) != 1 || len(e[0].RecordIDs) != 1 {
				t.Fatalf("entries = %+v", e)
			}
		})
	}
	// Outside an operation set up by the server there is nowhere to record the
	// read, so it is refused.
	ctx := fieldCtx(userCtx(domain.RoleProvinceOfficer, "75"), "Child", "fullName")
	if _, err := personalDirective(ctx, &child{ID: "7"}, serve("x")); domain.ErrorCode(err) != domain.CodeInternal {
		t.Fatalf("read without a collector: %v", err)
	}
}

// TestReadsBatchPerEntity: 3 children × 2 fields and 1 household read in one
// operation become 2 audit entries with each id once and the fields sorted.
func TestReadsBatchPerEntity(t *testing.T) {
	r := &reads{}
	ctx := withReads(userCtx(domain.RoleDistrictOfficer, "731"), r)
	for _, id := range []string{"3", "1", "2", "1"} {
		for _, f := range []string{"fullName", "birthDate"} {
			if _, err := personalDirective(fieldCtx(ctx, "Child", f), &child{ID: id}, serve("x")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := personalDirective(fieldCtx(ctx, "Household", "address"), &household{ID: 5}, serve("x")); err != nil {
		t.Fatal(err)
	}
	got := r.entries(ctx)
	if len(got) != 2 {
		t.Fatalf("entries = %+v", got)
	}
	c, h := got[0], got[1]
	if c.Entity != "Child" || !slices.Equal(c.RecordIDs, []int64{3, 1, 2}) || !slices.Equal(c.Fields, []string{"birthDate", "fullName"}) ||
		c.Action != domain.AuditRead || c.Subject != "u-district_officer" || c.Operation != "Children" || c.RequestID != "req-1" {
		t.Fatalf("child entry = %+v", c)
	}
	if h.Entity != "Household" || !slices.Equal(h.RecordIDs, []int64{5}) || !slices.Equal(h.Fields, []string{"address"}) {
		t.Fatalf("household entry = %+v", h)
	}
}

// TestAuditFailureWithholdsData: when the audit log cannot be written, the
// operation's data (which holds personal fields) is not returned.
func TestAuditFailureWithholdsData(t *testing.T) {
	pool := testdb.Postgres(t)
	log := postgres.NewAuditLog(pool)
	mw := auditReads(slog.New(slog.NewTextHandler(io.Discard, nil)), log)
	operation := func(ctx context.Context) *graphql.Response {
		if _, err := personalDirective(fieldCtx(ctx, "Child", "fullName"), &child{ID: "7"}, serve("x")); err != nil {
			t.Fatal(err)
		}
		return &graphql.Response{Data: []byte(`{"child":{"fullName":"x"}}`)}
	}
	ctx := userCtx(domain.RoleCommuneOfficer, "26041")
	if resp := mw(ctx, operation); string(resp.Data) == "" || len(resp.Errors) != 0 {
		t.Fatalf("audited operation: %+v", resp)
	}
	got, _, err := log.List(ctx, domain.AuditFilter{RecordID: 7}, domain.Page[int64]{First: 10})
	if err != nil || len(got) != 1 || got[0].Subject != "u-commune_officer" {
		t.Fatalf("audit rows = %+v, %v", got, err)
	}

	pool.Close() // the audit log is now unreachable
	resp := mw(ctx, operation)
	if len(resp.Data) != 0 || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != string(domain.CodeUnavailable) {
		t.Fatalf("unaudited operation served: data=%s errors=%v", resp.Data, resp.Errors)
	}
}

// BenchmarkAuditPage100 is the audit cost of serving a page of 100 children
// with 4 personal fields each: 400 directive calls and one batched INSERT.
func BenchmarkAuditPage100(b *testing.B) {
	pool := testdb.Postgres(b)
	mw := auditReads(slog.New(slog.NewTextHandler(io.Discard, nil)), postgres.NewAuditLog(pool))
	children := make([]*child, 100)
	for i := range children {
		children[i] = &child{ID: fmt.Sprint(i + 1)}
	}
	fields := []string{"fullName", "birthDate", "identityNumber", "address"}
	ctx := userCtx(domain.RoleDistrictOfficer, "731")
	operation := func(ctx context.Context) *graphql.Response {
		for _, c := range children {
			for _, f := range fields {
				if _, err := personalDirective(fieldCtx(ctx, "Child", f), c, serve("x")); err != nil {
					b.Fatal(err)
				}
			}
		}
		return &graphql.Response{Data: []byte(`{}`)}
	}
	b.ResetTimer()
	for b.Loop() {
		if resp := mw(ctx, operation); len(resp.Errors) != 0 {
			b.Fatal(resp.Errors)
		}
	}
}

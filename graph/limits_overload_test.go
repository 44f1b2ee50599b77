package graph_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"treem/graph"
	"treem/internal/analytics"
	"treem/internal/domain"
	"treem/internal/export"
	"treem/internal/httpserver"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// stalled is a warehouse that answers nothing before the request's deadline,
// and then fails the way a store may report it: as unavailable.
type stalled struct{ graph.Analytics }

func (stalled) IndicatorValues(ctx context.Context, _ analytics.IndicatorValuesRequest) (*analytics.IndicatorValuesAnswer, error) {
	<-ctx.Done()
	return nil, domain.Wrap(ctx.Err(), domain.CodeUnavailable, "the analytics warehouse is unavailable")
}

// analystAuth signs every bearer in as an analyst.
type analystAuth struct{}

func (analystAuth) Verify(string) (*domain.User, error) {
	return &domain.User{Subject: "a", Role: domain.RoleAnalyst, Area: "75"}, nil
}

func TestOverloadIsTooComplexNamingTheLimit(t *testing.T) {
	pool := testdb.Postgres(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gql, err := graph.NewHandler(graph.Options{Resolver: &graph.Resolver{Auditor: postgres.NewAuditLog(pool), Analytics: stalled{},
		Operational: graph.NewOperational(postgres.NewChildStore(pool), postgres.NewOrgUnitStore(pool))}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpserver.Handler(httpserver.Routes{GraphQL: gql, Export: export.Handler(stalled{}, log)}, httpserver.Options{
		Log: log, Auth: analystAuth{}, Postgres: pool, Metrics: httpserver.NewMetrics(), RequestTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s := &testServer{Server: srv, pool: pool}

	r := s.query(t, "x", `{ indicatorValues(ids: ["checkup"], periods: ["2021"]) { values { value } } }`, nil)
	if r.code() != "TOO_COMPLEX" || r.Errors[0].Message != "the question took longer than 0.3 s: ask for less" {
		t.Fatalf("a question past the request's time limit: %s", r.raw)
	}
	body, status, _ := s.get(t, "/export/indicator-values.csv?ids=checkup&periods=2021", "x")
	if status != 422 || !strings.Contains(body, "TOO_COMPLEX") || !strings.Contains(body, "longer than 0.3 s") {
		t.Fatalf("an export past the request's time limit: %d %s", status, body)
	}
	s.healthy(t)
}

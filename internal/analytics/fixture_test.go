package analytics_test

import (
	"context"
	"strconv"
	"testing"

	"treem/internal/analytics"
	"treem/internal/analytics/analyticstest"
	"treem/internal/clickhouse"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// fixture is the hand-worked warehouse (analyticstest/testdata/fixture.csv)
// and a Postgres database with the fixture's periodic reports.
type fixture struct {
	svc *analytics.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	conn := analyticstest.Warehouse(t)
	pool := testdb.Postgres(t)
	analyticstest.Reports(t, pool)
	return &fixture{svc: analytics.New(clickhouse.NewReader(conn), postgres.NewAnalyticsStore(pool), indicators.Default())}
}

func as(role domain.Role) context.Context {
	return domain.WithUser(context.Background(), &domain.User{Subject: "test-" + string(role), Role: role, Area: "75"})
}

func itoa(n int) string         { return strconv.Itoa(n) }
func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"treem/internal/analytics"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// biTestDatabase is the warehouse of this test: the server lets the bi user
// read its published database (scripts/clickhouse-users.xml), so the test
// reads as a BI tool would.
const biTestDatabase = "treem_bi_test"

// TestPublishedDatabaseForBI: `treem publish` publishes what an analyst receives,
// and a BI tool connected as bi reads that and nothing finer: no raw-grain
// row, no count from 1 to k−1, no zero told apart from a small count; the
// default user reads neither database.
func TestPublishedDatabaseForBI(t *testing.T) {
	ctx := context.Background()
	pool, dbURL := testdb.URL(t)
	addr := chtest.Addr(t)
	published := clickhouse.PublishedDatabase(biTestDatabase)
	admin, err := clickhouse.Open(ctx, chtest.Writer("default"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	drop := func() {
		for _, db := range []string{published, biTestDatabase} {
			if err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
				t.Errorf("drop %s: %v", db, err)
			}
		}
	}
	drop()
	t.Cleanup(drop)
	env := dbEnv(t, dbURL, "CLICKHOUSE_ADDR="+addr, "CLICKHOUSE_DATABASE="+biTestDatabase)
	for _, args := range [][]string{{"migrate"}, {"seed", "--children", "400", "--seed", "7"}, {"etl", "--full"}, {"publish"}} {
		if err := run(ctx, args, env, io.Discard, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	// After a run that changes nothing, publishing leaves the published values
	// as they are; after one that changes a child, it rewrites them.
	etlOut := func() string {
		var out strings.Builder
		for _, cmd := range []string{"etl", "publish"} {
			if err := run(ctx, []string{cmd}, env, &out, io.Discard); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
		}
		return out.String()
	}
	if out := etlOut(); !strings.Contains(out, "published values are current") {
		t.Errorf("an idle run published again: %s", out)
	}
	if _, err := pool.Exec(ctx, `UPDATE child SET birth_date = birth_date - 1 WHERE id = (SELECT min(id) FROM child)`); err != nil {
		t.Fatal(err)
	}
	if out := etlOut(); !strings.Contains(out, "published ") || strings.Contains(out, "values are current") {
		t.Errorf("a run that changed a child did not publish: %s", out)
	}

	biOpts := chtest.Writer(published)
	biOpts.User, biOpts.Password = "bi", testdb.Env().Get("CLICKHOUSE_BI_PASSWORD", "")
	if biOpts.Password == "" {
		t.Fatal("CLICKHOUSE_BI_PASSWORD is not set and not in .data/env: run 'make up'")
	}
	bi, err := clickhouse.Open(ctx, biOpts)
	if err != nil {
		t.Fatalf("open as bi: %v", err)
	}
	defer bi.Close()

	// The raw grain is out of bi's reach, through any database prefix.
	for _, table := range []string{"fact_child_month", "fact_unit_year", "dim_unit", "dim_unit_edge", "etl_runs"} {
		var n uint64
		err := bi.QueryRow(ctx, "SELECT count() FROM "+biTestDatabase+"."+table).Scan(&n)
		var ex *ch.Exception
		if !errors.As(err, &ex) || ex.Code != 291 {
			t.Errorf("bi reads %s.%s: %v", biTestDatabase, table, err)
		}
	}
	// The default user reads neither database.
	def := chtest.Writer("default")
	def.User, def.Password = "default", ""
	dconn, err := clickhouse.Open(ctx, def)
	if err != nil {
		t.Fatalf("open as default: %v", err)
	}
	defer dconn.Close()
	for _, table := range []string{biTestDatabase + ".fact_child_month", published + ".indicator_values"} {
		var n uint64
		if err := dconn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err == nil {
			t.Errorf("default reads %s (%d rows)", table, n)
		}
	}

	// Every published count has passed disclosure control.
	rows, err := bi.Query(ctx, `SELECT indicator_id, unit_code, unit_level, period, value, numerator, denominator, status
		FROM indicator_values`)
	if err != nil {
		t.Fatal(err)
	}
	type pub struct {
		value          *float64
		numerator, den *uint64
		status         string
	}
	got := map[string]pub{}
	small := 0
	for rows.Next() {
		var id, unit, level, per, status string
		var p pub
		if err := rows.Scan(&id, &unit, &level, &per, &p.value, &p.numerator, &p.den, &status); err != nil {
			t.Fatal(err)
		}
		p.status = status
		got[id+"|"+unit+"|"+per] = p
		ind, err := indicators.Default().Get(id)
		if err != nil {
			t.Fatal(err)
		}
		if ind.Source != indicators.FromChildMonth {
			continue // counts of communes (service points, recognition), not of children
		}
		for _, c := range []*uint64{p.numerator, p.den} {
			if c != nil && (*c < disclosure.DefaultK || *c%disclosure.DefaultBase != 0) {
				small++
				t.Errorf("%s %s %s: published count %d", id, unit, per, *c)
			}
		}
		if ind.Factor == 1 && p.value != nil && *p.value < disclosure.DefaultK {
			small++
			t.Errorf("%s %s %s: published count %v", id, unit, per, *p.value)
		}
		if status == string(disclosure.Suppressed) && (p.value != nil || p.numerator != nil) {
			t.Errorf("%s %s %s: withheld yet valued", id, unit, per)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("nothing published")
	}
	t.Logf("bi reads %d published rows, %d of them counts from 1 to k−1", len(got), small)

	// The same numbers the API releases to an analyst.
	reader, err := clickhouse.Open(ctx, chtest.Writer(biTestDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	svc := analytics.New(clickhouse.NewReader(reader), postgres.NewAnalyticsStore(pool), indicators.Default())
	analyst := domain.WithUser(ctx, &domain.User{Subject: "bi-test", Role: domain.RoleAnalyst, Area: "75"})
	year := time.Now().Year() - 1
	ans, err := svc.IndicatorValues(analyst, analytics.IndicatorValuesRequest{IDs: []string{"birth_registration_u5", "abuse_rate"},
		Level: "DISTRICT", Periods: []period.Period{{Kind: period.Year, Year: year, N: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range ans.Values {
		p, ok := got[v.Indicator.ID+"|"+v.OrgUnit.Code+"|"+v.Period]
		if !ok || string(v.Status) != p.status || !sameFloat(v.Value.Value, p.value) || !sameCount(v.Numerator, p.numerator) ||
			!sameCount(v.Denominator, p.den) {
			t.Errorf("%s %s %s: API %v %v/%v %s, published %+v", v.Indicator.ID, v.OrgUnit.Code, v.Period,
				v.Value.Value, v.Numerator, v.Denominator, v.Status, p)
		}
	}
}

func sameFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sameCount(a, b *uint64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

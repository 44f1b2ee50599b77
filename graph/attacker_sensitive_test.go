package graph_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"treem/internal/civil"
	"treem/internal/clickhouse"
	"treem/internal/clickhouse/chtest"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/seed"
	"treem/internal/testdb"
)

// sensitiveCase is one sensitive population asked through aggregate: the API
// measure, the warehouse measure a calendar year reads, whether it is a
// stock (read at the year's last month) and a group filter.
type sensitiveCase struct {
	api, wh string
	stock   bool
	group   string
}

// TestAttackSensitiveHeldToTenEverywhere: over a seeded Postgres and one full
// ETL run, the analyst asks the sensitive populations (sexual abuse and
// trafficking cases, abused children, Decree 56 §6.2 cases, children in
// conflict with the law or drug-addicted, and the special children of the
// sensitive circumstance groups) for one year in several phrasings — the year
// as a period, as from/to with periodType YEAR, and split into quarters and
// months — broken down by district, sex, age band and circumstance group, on
// GraphQL and in the CSV export. Every released value must come from a cell
// whose exact warehouse count (read from ClickHouse) is at least 10, within
// one rounding base of it, and equal on both routes; the groups' breakdown is
// also held to 10 for a measure that is not sensitive by itself.
func TestAttackSensitiveHeldToTenEverywhere(t *testing.T) {
	pool := testdb.Postgres(t)
	if _, err := seed.Run(context.Background(), pool, seed.Options{Children: 2500, Seed: 11,
		Today: civil.DayFromTime(time.Now())}, seed.NoProgress{}); err != nil {
		t.Fatal(err)
	}
	conn, _ := chtest.Database(t)
	etlRun(t, pool, clickhouse.NewLoader(conn), true)
	s := serveWarehouse(t, pool, conn)
	analyst := token(t, domain.RoleAnalyst, "75")
	year := time.Now().Year() - 1

	cases := []sensitiveCase{
		{"CASES_OPENED_SEXUAL_ABUSE", "cases_opened_sexual_abuse", false, ""},
		{"CASES_OPENED_TRAFFICKING", "cases_opened_trafficking", false, ""},
		{"ABUSED", "abused_year", false, ""},
		{"CASES_6_2", "cases_6_2", false, ""},
		{"SPECIAL_LAW_DRUG", "special_law_drug", true, ""},
		{"SPECIAL", "special", true, "SEXUAL_ABUSE"},
		{"SPECIAL", "special", true, "IN_CONFLICT_LAW"},
		{"SPECIAL", "special", true, "HIV"},
	}
	col := map[string]string{"DISTRICT": "if(district_2021 = '', '70', district_2021)", "SEX": "sex", "AGE_BAND": "age_band", "GROUP": "group_code"}
	// exact reads the warehouse's true counts of c by the columns of dims.
	exact := func(c sensitiveCase, dims []string) map[string]int64 {
		var cols []string
		for _, d := range dims {
			cols = append(cols, col[d])
		}
		sel := "''"
		if len(cols) > 0 {
			sel = "arrayStringConcat([" + strings.Join(cols, ", ") + "], '|')"
		}
		where := fmt.Sprintf("measure = '%s' AND toYear(month) = %d", c.wh, year)
		if c.stock {
			where = fmt.Sprintf("measure = '%s' AND month = toDate('%d-12-01')", c.wh, year)
		}
		if c.group != "" {
			where += fmt.Sprintf(" AND group_code = '%s'", c.group)
		} else if c.wh == "special" {
			where += " AND group_code != ''"
		} else {
			where += " AND group_code = ''"
		}
		rows, err := conn.Query(context.Background(), "SELECT "+sel+" AS k, toInt64(sum(value)) FROM fact_child_month WHERE "+where+" GROUP BY k")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var k string
			var v int64
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			out[k] = v
		}
		return out
	}

	released, checked := 0, 0
	check := func(route string, c sensitiveCase, dims []string, keys []string, v *int, truth map[string]int64) {
		checked++
		if v == nil {
			return
		}
		released++
		k := strings.Join(keys, "|")
		want, ok := truth[k]
		// The threshold: 10 for a sensitive measure or group, else 5 (a
		// row of the GROUP breakdown of SPECIAL for a group that is not
		// sensitive).
		threshold := 10
		if c.api == "SPECIAL" && c.group == "" && len(dims) > 0 && dims[0] == "GROUP" && !slices.Contains(indicators.SensitiveGroups(), keys[0]) {
			threshold = 5
		}
		switch {
		case *v < threshold:
			t.Errorf("%s: %s %v released %d below the threshold %d", route, c.api, keys, *v, threshold)
		case !ok:
			t.Errorf("%s: %s %v released %d, no such cell in the warehouse", route, c.api, keys, *v)
		case want < int64(threshold):
			t.Errorf("%s: %s %v released %d from an exact count of %d (k=%d)", route, c.api, keys, *v, want, threshold)
		case int64(*v)-want >= 5 || want-int64(*v) >= 5:
			t.Errorf("%s: %s %v released %d, exact %d", route, c.api, keys, *v, want)
		}
	}

	dimsList := [][]string{{}, {"DISTRICT"}, {"SEX"}, {"AGE_BAND"}, {"DISTRICT", "SEX"}, {"DISTRICT", "AGE_BAND"}}
	for _, c := range cases {
		var grouped [][]string
		grouped = append(grouped, dimsList...)
		if c.api == "SPECIAL" && c.group == "HIV" {
			// The group as a dimension instead of a filter: every group's row.
			grouped = [][]string{{"GROUP"}, {"GROUP", "DISTRICT"}, {"GROUP", "SEX"}}
		}
		for _, dims := range grouped {
			gc := c
			if len(dims) > 0 && dims[0] == "GROUP" {
				gc.group = ""
			}
			truth := exact(gc, dims)
			filter := fmt.Sprintf(`period: "%d"`, year)
			if gc.group != "" {
				filter += fmt.Sprintf(`, group: "%s"`, gc.group)
			}
			phrasings := []string{filter}
			if !c.stock {
				phrasings = append(phrasings, strings.Replace(filter, fmt.Sprintf(`period: "%d"`, year),
					fmt.Sprintf(`from: "%d-01", to: "%d-12", periodType: YEAR`, year, year), 1),
					strings.Replace(filter, fmt.Sprintf(`period: "%d"`, year),
						fmt.Sprintf(`from: "%d-Q1", to: "%d-Q4", periodType: YEAR`, year, year), 1))
			} else {
				phrasings = append(phrasings, strings.Replace(filter, fmt.Sprintf(`period: "%d"`, year),
					fmt.Sprintf(`period: "%d-12"`, year), 1),
					strings.Replace(filter, fmt.Sprintf(`period: "%d"`, year), fmt.Sprintf(`period: "%d-Q4"`, year), 1))
			}
			for _, f := range phrasings {
				route := fmt.Sprintf("aggregate {%s} by %v", f, dims)
				for _, r := range aggregate(t, s, analyst, c.api, strings.Join(dims, ", "), f) {
					check(route, gc, dims, r.Keys, r.Value, truth)
				}
			}
			// The export of the year.
			params := url.Values{"measures": {c.api}, "period": {strconv.Itoa(year)}}
			if len(dims) > 0 {
				params.Set("dimensions", strings.Join(dims, ","))
			}
			if gc.group != "" {
				params.Set("group", gc.group)
			}
			body, status, _ := s.get(t, "/export/aggregate.csv?"+params.Encode(), analyst)
			if status != 200 {
				t.Fatalf("export %s: %d %s", params.Encode(), status, body)
			}
			for _, rec := range exportRows(t, body) {
				keys := make([]string, len(dims))
				for i, d := range dims {
					keys[i] = rec[exportKeyColumn[d]]
				}
				var v *int
				if x, err := strconv.Atoi(rec["value"]); err == nil {
					v = &x
				}
				check("export "+params.Encode(), gc, dims, keys, v, truth)
			}
		}
		// Split phrasings: every quarter and every month of a flow, by district.
		if !c.stock {
			for _, kind := range []string{"QUARTER", "MONTH"} {
				f := fmt.Sprintf(`from: "%d-01", to: "%d-12", periodType: %s`, year, year, kind)
				for _, r := range aggregate(t, s, analyst, c.api, "PERIOD, DISTRICT", f) {
					if r.Value != nil && *r.Value < 10 {
						t.Errorf("aggregate {%s}: %s %v released %d below the sensitive threshold", f, c.api, r.Keys, *r.Value)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d sensitive cells asked, %d released", checked, released)
	if released == 0 {
		t.Errorf("no sensitive cell released at all: the check compared nothing")
	}
}

package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

func TestAnalyticsArgumentsAreDeduplicatedAndCapped(t *testing.T) {
	s := analyticsServer(t, true)
	analyst := token(t, domain.RoleAnalyst, "75")
	audited := func() int {
		t.Helper()
		var n int
		if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM analytics_audit").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	repeat := func(v any, n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	const valuesQ = `query($ids: [ID!]!, $units: [String!], $periods: [String!], $from: String, $to: String, $pt: PeriodType) {
	  indicatorValues(ids: $ids, orgUnits: $units, periods: $periods, from: $from, to: $to, periodType: $pt) {
	    values { indicator { id } orgUnit { code } period value status } } }`
	const trendQ = `query($from: String!, $to: String!) { trend(indicator: "birth_registration_u5", orgUnit: "75", from: $from, to: $to,
	  periodType: MONTH) { points { period } } }`
	const aggregateQ = `query($m: [Measure!]!) { aggregate(measures: $m, dimensions: [DISTRICT], filter: {period: "2021"}) {
	  rows { keys { value } values { measure value status } } } }`
	measures := []any{"CHILDREN", "BIRTH_REGISTERED", "INSURED", "SPECIAL", "SPECIAL_SUPPORTED", "MEASURED_U5", "UNDERWEIGHT_U5"}

	refused := []struct {
		name, query string
		vars        map[string]any
		field, cap  string
	}{
		{"40,000 repeated ids", valuesQ, map[string]any{"ids": repeat("checkup", 40000), "periods": []any{"2021"}}, "ids", "cap of 40"},
		{"201 org units", valuesQ, map[string]any{"ids": []any{"checkup"}, "units": repeat("75", 201), "periods": []any{"2021"}}, "orgUnits", "cap of 200"},
		{"601 periods", valuesQ, map[string]any{"ids": []any{"checkup"}, "periods": repeat("2021", 601)}, "periods", "cap of 600"},
		{"from/to of 1,212 months", valuesQ, map[string]any{"ids": []any{"checkup"}, "from": "2000-01", "to": "2100-12", "pt": "MONTH"},
			"periods", "cap of 600"},
		{"a trend of 1,212 months", trendQ, map[string]any{"from": "2000-01", "to": "2100-12"}, "to", "cap of 600"},
		{"49 measures", aggregateQ, map[string]any{"m": repeat("CHILDREN", 49)}, "measures", "cap of 48"},
	}
	before := audited()
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := s.query(t, analyst, tt.query, tt.vars)
			if r.code() != "TOO_COMPLEX" || !strings.Contains(r.Errors[0].Message, tt.cap) || r.Errors[0].Extensions["field"] != tt.field {
				t.Fatalf("want TOO_COMPLEX on %s naming the %s, got %s", tt.field, tt.cap, trim(r.raw))
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("refusing took %s", d)
			}
			s.healthy(t)
		})
	}
	if n := audited(); n != before {
		t.Fatalf("refused questions were recorded as answered: %d → %d audit rows", before, n)
	}

	t.Run("repeats are asked once", func(t *testing.T) {
		start := time.Now()
		r := s.query(t, analyst, valuesQ, map[string]any{"ids": repeat("checkup", 20), "units": repeat("734", 200),
			"periods": repeat("2021", 40)})
		var got struct {
			IndicatorValues struct{ Values []json.RawMessage }
		}
		if err := json.Unmarshal([]byte(r.raw), &struct{ Data any }{&got}); err != nil || r.code() != "" {
			t.Fatalf("repeated ids, units and periods: %v %s", err, trim(r.raw))
		}
		if len(got.IndicatorValues.Values) != 1 {
			t.Fatalf("%d values for one indicator, unit and period: %s", len(got.IndicatorValues.Values), trim(r.raw))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("answering took %s", d)
		}
		r = s.query(t, analyst, aggregateQ, map[string]any{"m": append(repeat("CHILDREN", 30), measures...)})
		if r.code() != "" || strings.Count(r.raw, `"measure":"CHILDREN"`) != strings.Count(r.raw, `"measure":"INSURED"`) {
			t.Fatalf("repeated measures: %s", trim(r.raw))
		}
		body, status, _ := s.get(t, "/export/aggregate.csv?measures=CHILDREN,CHILDREN,INSURED&dimensions=DISTRICT&period=2021", analyst)
		if status != http.StatusOK {
			t.Fatalf("export with a repeated measure: %d %s", status, body)
		}
		perMeasure := map[string]int{}
		for _, rec := range exportRows(t, body) {
			perMeasure[rec["measure"]]++
		}
		if perMeasure["CHILDREN"] == 0 || perMeasure["CHILDREN"] != perMeasure["INSURED"] || len(perMeasure) != 2 {
			t.Fatalf("export with a repeated measure: rows per measure %v", perMeasure)
		}
	})

	t.Run("control characters in an export", func(t *testing.T) {
		body, status, _ := s.get(t, "/export/compare-districts.csv?indicator=checkup%00&period=2021", analyst)
		if status != http.StatusBadRequest || !strings.Contains(body, "INVALID_INPUT") || !strings.Contains(body, "U+0000") {
			t.Fatalf("NUL in an export parameter: %d %s", status, body)
		}
		s.healthy(t)
	})
}

package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"treem/internal/analytics"
	"treem/internal/childfriendly"
	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// TestWarehouse runs every golden case on one loaded fixture (loading it is
// the slow part). Expected values are worked out by hand in
// testdata/fixture.csv.
func TestWarehouse(t *testing.T) {
	fx := newFixture(t)
	province := as(domain.RoleProvinceOfficer)
	analyst := as(domain.RoleAnalyst)
	y2021, _ := period.Parse("p", "2021")

	t.Run("as of the latest succeeded run", func(t *testing.T) {
		a, err := fx.svc.Trend(province, "birth_registration_u5", "75", "2021", "2021", "YEAR")
		if err != nil {
			t.Fatal(err)
		}
		if a.Meta.AsOf.RunID != "run-1" || a.Meta.AsOf.Watermark != "4242" || a.Meta.CatalogueVersion == "" {
			t.Fatalf("meta %+v", a.Meta)
		}
	})

	t.Run("every indicator at province level, exact", func(t *testing.T) {
		want := map[string]float64{
			"birth_registration_u5":  1288.0 / 1303 * 100,
			"insurance_u6":           1259.0 / 1333 * 100,
			"special_share":          145.0 / 2815 * 100,
			"special_assisted":       137.0 / 145 * 100,
			"abuse_rate":             4.0 / 2815 * 100,
			"injury_rate":            21.0 / 2815 * 100000,
			"injury_death_rate":      1.0 / 2815 * 100000,
			"drowning_deaths":        2,
			"swimming_6_15":          840.0 / 1482 * 100,
			"immunisation_u1":        108.0 / 110 * 100,
			"underweight_u5":         24.0 / 580 * 100,
			"stunting_u5":            53.0 / 580 * 100,
			"underweight_u2":         9.0 / 230 * 100,
			"stunting_u2":            30.0 / 230 * 100,
			"checkup":                2020.0 / 2815 * 100,
			"preschool_5":            29.0 / 30 * 100,
			"child_friendly_share":   1.0 / 4 * 100,
			"timely_plan":            4.0 / 5 * 100,
			"service_point_coverage": 2.0 / 4 * 100,
			// C1 and C3 of the 4 communes assessed (the fixture's 2021 training).
			"commune_officer_training": 2.0 / 4 * 100,
			// Recommendations due in 2021 resolved on time: 3+0+5+1 of 4+2+5+1.
			"inspection_recommendations_on_time": 9.0 / 12 * 100,
			// Forum recommendations due in 2021 answered on time: 2+0+1+0 of 2+3+1+1.
			"forum_recommendations_on_time": 3.0 / 7 * 100,
		}
		var ids []string
		for id := range want {
			ids = append(ids, id)
		}
		if len(ids) != len(indicators.Default().Indicators) {
			t.Fatalf("the golden list has %d indicators, the catalogue %d", len(ids), len(indicators.Default().Indicators))
		}
		// In questions of at most MaxIndicators ids, as a client with a longer catalogue would ask.
		var values []analytics.IndicatorValue
		for part := range slices.Chunk(ids, analytics.MaxIndicators) {
			a, err := fx.svc.IndicatorValues(province, analytics.IndicatorValuesRequest{IDs: part, Level: "PROVINCE",
				Periods: []period.Period{y2021}})
			if err != nil {
				t.Fatal(err)
			}
			values = append(values, a.Values...)
		}
		if len(values) != len(ids) {
			t.Fatalf("%d values for %d indicators", len(values), len(ids))
		}
		for _, v := range values {
			if v.Value.Exact == nil || !near(*v.Value.Exact, want[v.Indicator.ID]) {
				t.Errorf("%s = %v, want %v", v.Indicator.ID, deref(v.Value.Value), want[v.Indicator.ID])
			}
		}
	})

	t.Run("district breakdown and sex breakdown", func(t *testing.T) {
		a, err := fx.svc.IndicatorValues(province, analytics.IndicatorValuesRequest{IDs: []string{"insurance_u6"},
			OrgUnits: []string{"731"}, Periods: []period.Period{y2021}, Breakdown: []analytics.Breakdown{analytics.BySex}})
		if err != nil {
			t.Fatal(err)
		}
		// 731 under-6: M = C1 10+40+20 + C2 10 = 80, insured 10+40+20+9 = 79;
		//              F = C1 50 + C2 200 = 250, insured 50+180 = 230.
		got := map[string]float64{}
		for _, v := range a.Values {
			got[v.Keys[0].Value] = deref(v.Value.Exact)
		}
		if !near(got["M"], 79.0/80*100) || !near(got["F"], 230.0/250*100) {
			t.Fatalf("by sex %v", got)
		}
	})

	t.Run("every district and every commune", func(t *testing.T) {
		a, err := fx.svc.IndicatorValues(province, analytics.IndicatorValuesRequest{IDs: []string{"birth_registration_u5"},
			Level: "DISTRICT", Periods: []period.Period{y2021}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"731": 295.0 / 300 * 100, "732": 100, "734": 99}
		if len(a.Values) != 3 {
			t.Fatalf("%d values", len(a.Values))
		}
		for _, v := range a.Values {
			if !near(deref(v.Value.Exact), want[v.OrgUnit.Code]) {
				t.Errorf("%s = %v", v.OrgUnit.Code, deref(v.Value.Value))
			}
		}
		// Communes by sex: special circumstances ÷ under-16 children of the same sex.
		// C1 F: 15 / (100 + 0 + 50 (1-4 F)) = 15/150 = 10 %; C1 M: 0 / 150; C4 M: 100/1000.
		a, err = fx.svc.IndicatorValues(province, analytics.IndicatorValuesRequest{IDs: []string{"special_share"},
			Level: "COMMUNE", Periods: []period.Period{y2021}, Breakdown: []analytics.Breakdown{analytics.BySex}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, v := range a.Values {
			got[v.OrgUnit.Code+":"+v.Keys[0].Value] = deref(v.Value.Exact)
		}
		if !near(got["90001:F"], 10) || !near(got["90001:M"], 0) || !near(got["90004:M"], 10) || !near(got["90004:F"], 0) {
			t.Errorf("by commune and sex %v", got)
		}
	})

	t.Run("by circumstance group", func(t *testing.T) {
		// special_share by GROUP: children of the group ÷ all children under 16 (2815).
		// DISABLED 10 + 27 + 97 = 134; HIV 3 (sensitive); ORPHAN_BOTH 5.
		for _, tc := range []struct {
			ctx  context.Context
			want map[string]string
		}{
			{province, map[string]string{"DISABLED": fmtFloat(134.0 / 2815 * 100), "HIV": fmtFloat(3.0 / 2815 * 100),
				"ORPHAN_BOTH": fmtFloat(5.0 / 2815 * 100)}},
			// analyst: HIV 3 < 10 withheld; ORPHAN_BOTH 5 released (k = 5), rates over the rounded 2815.
			{analyst, map[string]string{"HIV": "SUPPRESSED"}},
		} {
			a, err := fx.svc.IndicatorValues(tc.ctx, analytics.IndicatorValuesRequest{IDs: []string{"special_share"},
				Periods: []period.Period{y2021}, Breakdown: []analytics.Breakdown{analytics.ByGroup}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, v := range a.Values {
				switch {
				case v.Value.Value == nil:
					got[v.Keys[0].Value] = string(v.Status)
				case v.Value.Exact != nil:
					got[v.Keys[0].Value] = fmtFloat(*v.Value.Exact)
				default:
					got[v.Keys[0].Value] = fmtFloat(*v.Value.Value)
				}
			}
			for g, w := range tc.want {
				if got[g] != w {
					t.Errorf("%s = %s, want %s (all %v)", g, got[g], w, got)
				}
			}
		}
		if _, err := fx.svc.IndicatorValues(analyst, analytics.IndicatorValuesRequest{IDs: []string{"checkup"},
			Periods: []period.Period{y2021}, Breakdown: []analytics.Breakdown{analytics.ByGroup}}); domain.ErrorCode(err) != domain.CodeInvalidInput {
			t.Errorf("group breakdown of check-ups: %v", err)
		}
	})

	t.Run("forum recommendations answered on time: province officer and analyst", func(t *testing.T) {
		// Worked in the fixture: province 3/7, 731 2/5, 732 none due, 734 1/2
		// (Xã Năm's one counted though the commune ended mid-year). Counts of
		// a unit's answers, not of children: the analyst sees what the officer does.
		// The value is rounded to one decimal (42.9); only the officer's
		// answer carries the exact 300/7.
		for _, who := range []struct {
			ctx   context.Context
			exact bool
		}{{province, true}, {analyst, false}} {
			c, err := fx.svc.CompareDistricts(who.ctx, "forum_recommendations_on_time", "2021")
			if err != nil {
				t.Fatal(err)
			}
			p := c.Province
			if deref(p.Numerator) != 3 || deref(p.Denominator) != 7 || deref(p.Value) != 42.9 ||
				(p.Exact != nil) != who.exact || who.exact && !near(*p.Exact, 300.0/7) {
				t.Fatalf("province %v/%v = %v (exact %v), want 3/7 = 42.9", deref(p.Numerator), deref(p.Denominator), deref(p.Value), p.Exact)
			}
			got := map[string]string{}
			for _, d := range c.Districts {
				got[d.Code] = fmt.Sprintf("%v/%v %v %v", deref(d.Value.Numerator), deref(d.Value.Denominator), deref(d.Value.Value), d.Status)
			}
			want := map[string]string{"731": "2/5 40 OK", "732": "0/0 0 UNSTABLE", "734": "1/2 50 OK"}
			if !maps.Equal(got, want) {
				t.Fatalf("districts %v, want %v", got, want)
			}
		}
		u, err := fx.svc.CompareUnits(analyst, "forum_recommendations_on_time", "2021", "COMMUNE", "731")
		if err != nil {
			t.Fatal(err)
		}
		communes := map[string]float64{}
		for _, r := range u.Units {
			communes[r.Code] = deref(r.Value.Value)
		}
		if communes["90001"] != 100 || communes["90002"] != 0 || len(communes) != 2 {
			t.Fatalf("communes of 731 %v, want 90001 100, 90002 0", communes)
		}
	})

	t.Run("recommendations resolved on time: districts, communes, trend", func(t *testing.T) {
		// Worked in the fixture: 731 3/6, 732 none due, 734 6/6 (Xã Năm's one
		// counted though the commune ended mid-year).
		c, err := fx.svc.CompareDistricts(analyst, "inspection_recommendations_on_time", "2021")
		if err != nil {
			t.Fatal(err)
		}
		if deref(c.Province.Value) != 75 {
			t.Fatalf("province %v, want 75", deref(c.Province.Value))
		}
		got := map[string]string{}
		for _, d := range c.Districts {
			got[d.Code] = fmt.Sprintf("%v/%v rank %v", deref(d.Value.Value), d.Status, deref(d.Rank))
		}
		want := map[string]string{"734": "100/OK rank 1", "731": "50/OK rank 2", "732": "0/UNSTABLE rank 0"}
		if !maps.Equal(got, want) {
			t.Fatalf("districts %v, want %v", got, want)
		}
		u, err := fx.svc.CompareUnits(analyst, "inspection_recommendations_on_time", "2021", "COMMUNE", "731")
		if err != nil {
			t.Fatal(err)
		}
		communes := map[string]float64{}
		for _, r := range u.Units {
			communes[r.Code] = deref(r.Value.Value)
		}
		if communes["90001"] != 75 || communes["90002"] != 0 || len(communes) != 2 {
			t.Fatalf("communes of 731 %v, want 90001 75, 90002 0", communes)
		}
		tr, err := fx.svc.Trend(analyst, "inspection_recommendations_on_time", "734", "2021", "2021", "YEAR")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Points) != 1 || deref(tr.Points[0].Value.Value) != 100 || deref(tr.Points[0].Value.Numerator) != 6 {
			t.Fatalf("trend of 734: %+v", tr.Points)
		}
	})

	t.Run("compare districts, province officer", func(t *testing.T) {
		c, err := fx.svc.CompareDistricts(province, "birth_registration_u5", "2021")
		if err != nil {
			t.Fatal(err)
		}
		if !near(deref(c.Province.Exact), 1288.0/1303*100) || deref(c.Province.Value) != 98.8 {
			t.Fatalf("province %v, exact %v; want 98.8 (98.849…)", deref(c.Province.Value), deref(c.Province.Exact))
		}
		want := []struct {
			code       string
			value, gap float64
			change     float64
			rank       int
		}{
			// Best first.
			// Released at one decimal (98.33 → 98.3, 93.33 → 93.3); gaps and changes between released values.
			{"732", 100, 1.5, 0, 1}, // 3/3: exact for this role, UNSTABLE (denominator under 30)
			{"734", 99, 0.5, 4, 2},
			{"731", 98.3, -0.2, 5, 3},
		}
		if len(c.Districts) != len(want) {
			t.Fatalf("%d districts", len(c.Districts))
		}
		for i, w := range want {
			d := c.Districts[i]
			if d.Code != w.code || !near(deref(d.Value.Value), w.value) || !near(deref(d.Gap), w.gap) ||
				!near(deref(d.Change), w.change) || d.Rank == nil || *d.Rank != w.rank || (d.Status != disclosure.OK) != (w.code == "732") {
				t.Errorf("district %s: value %v gap %v change %v rank %v status %s", d.Code, deref(d.Value.Value),
					deref(d.Gap), deref(d.Change), d.Rank, d.Status)
			}
		}
	})

	t.Run("commune officer training by district", func(t *testing.T) {
		// Communes assessed in 2021 and those whose officer was trained (fixture.csv):
		// 731: C1 of C1, C2 = 50 %; 732: C3 of C3 = 100 %; 734: none of C4 = 0 %.
		c, err := fx.svc.CompareDistricts(province, "commune_officer_training", "2021")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"731": 50, "732": 100, "734": 0}
		if len(c.Districts) != len(want) || !near(deref(c.Province.Exact), 50) {
			t.Fatalf("province %v, %d districts", deref(c.Province.Exact), len(c.Districts))
		}
		for _, d := range c.Districts {
			if !near(deref(d.Value.Exact), want[d.Code]) {
				t.Errorf("district %s: %v, want %v", d.Code, deref(d.Value.Exact), want[d.Code])
			}
		}
		// Counts of communes are not about children: an analyst gets the same
		// values, released at one decimal, without the exact ones.
		c, err = fx.svc.CompareDistricts(analyst, "commune_officer_training", "2021")
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range c.Districts {
			if d.Status != disclosure.OK || !near(deref(d.Value.Value), want[d.Code]) || d.Value.Exact != nil {
				t.Errorf("district %s to an analyst: status %s value %v exact %v", d.Code, d.Status, deref(d.Value.Value), d.Value.Exact)
			}
		}
	})

	t.Run("compare districts, analyst", func(t *testing.T) {
		c, err := fx.svc.CompareDistricts(analyst, "birth_registration_u5", "2021")
		if err != nil {
			t.Fatal(err)
		}
		// 731: 295/300 and 734: 990/1000 are multiples of 5, released unchanged;
		// 732: 3/3 is below 5 → suppressed and not ranked. Best first: 734
		// (99 %), 731 (98.3 %), then the unranked.
		d := c.Districts
		var order []string
		for _, r := range d {
			order = append(order, r.Code)
		}
		if strings.Join(order, ",") != "734,731,732" {
			t.Errorf("districts in the order %v, want best first: 734,731,732", order)
		}
		if !near(deref(d[1].Value.Value), 98.3) || d[1].Value.Exact != nil || *d[1].Rank != 2 {
			t.Errorf("731: %v rank %v", deref(d[1].Value.Value), d[1].Rank)
		}
		if d[2].Status != disclosure.Suppressed || d[2].Value.Value != nil || d[2].Rank != nil || d[2].Numerator != nil {
			t.Errorf("732 not suppressed: %+v", d[2])
		}
		if !near(deref(d[0].Value.Value), 99) || *d[0].Rank != 1 {
			t.Errorf("734: %v rank %v", deref(d[0].Value.Value), d[0].Rank)
		}
		// Province 1288/1303: both rounded to a multiple of 5.
		p := deref(c.Province.Value)
		if p < 1285.0/1305*100 || p > 1290.0/1300*100 || *c.Province.Numerator%5 != 0 || *c.Province.Denominator%5 != 0 {
			t.Errorf("province %v (%v/%v)", p, *c.Province.Numerator, *c.Province.Denominator)
		}
		// The same province cell asked another way is released identically.
		tr, err := fx.svc.Trend(analyst, "birth_registration_u5", "75", "2021", "2021", "YEAR")
		if err != nil {
			t.Fatal(err)
		}
		if *tr.Points[0].Numerator != *c.Province.Numerator || *tr.Points[0].Denominator != *c.Province.Denominator {
			t.Errorf("province released %d/%d by trend, %d/%d by comparison", *tr.Points[0].Numerator, *tr.Points[0].Denominator,
				*c.Province.Numerator, *c.Province.Denominator)
		}
	})

	t.Run("nutrition at 0-23 months by district, analyst", func(t *testing.T) {
		a, err := fx.svc.IndicatorValues(analyst, analytics.IndicatorValuesRequest{IDs: []string{"underweight_u2", "stunting_u2"},
			Level: "DISTRICT", Periods: []period.Period{y2021}})
		if err != nil {
			t.Fatal(err)
		}
		// Counts of 5 and more are rounded to a multiple of 5 (30 and 200
		// stay), so each released value is one of two: 731 stunted 6/30 →
		// 5 or 10 of 30; 734 underweight 6/200 → 5 or 10, stunted 24/200 → 20
		// or 25. 731's 3 underweight children and 732's none are withheld.
		released := map[string][2]float64{
			"stunting_u2/731":    {5.0 / 30 * 100, 10.0 / 30 * 100},
			"underweight_u2/734": {5.0 / 200 * 100, 10.0 / 200 * 100},
			"stunting_u2/734":    {20.0 / 200 * 100, 25.0 / 200 * 100},
		}
		if len(a.Values) != 6 {
			t.Fatalf("%d values, want 2 indicators × 3 districts", len(a.Values))
		}
		for _, v := range a.Values {
			key := v.Indicator.ID + "/" + v.OrgUnit.Code
			if v.Value.Exact != nil {
				t.Errorf("%s: an analyst got the exact value %v", key, *v.Value.Exact)
			}
			want, ok := released[key]
			if !ok {
				if v.Status != disclosure.Suppressed || v.Value.Value != nil || v.Numerator != nil {
					t.Errorf("%s not withheld: %+v", key, v.Value)
				}
				continue
			}
			if got := v.Value.Value; got == nil || !(near(*got, v.Indicator.Round(want[0])) || near(*got, v.Indicator.Round(want[1]))) {
				t.Errorf("%s = %v, want %.1f or %.1f", key, deref(got), want[0], want[1])
			}
		}
	})

	t.Run("trend", func(t *testing.T) {
		tr, err := fx.svc.Trend(province, "birth_registration_u5", "734", "2020", "2021", "YEAR")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Points) != 2 || !near(deref(tr.Points[0].Value.Value), 95) || !near(deref(tr.Points[1].Value.Value), 99) ||
			tr.Points[1].Target == nil || tr.Points[1].Target.Value != 98.5 {
			t.Fatalf("trend %+v", tr.Points)
		}
		// Quarterly abuse in commune C1 for an analyst: 2 in Q1, 1 in Q3, none in Q2 and Q4: every
		// count under 10, zero included, is withheld alike.
		tr, err = fx.svc.Trend(analyst, "abuse_rate", "90001", "2021-Q1", "2021-Q4", "QUARTER")
		if err != nil {
			t.Fatal(err)
		}
		var st []disclosure.Status
		for _, p := range tr.Points {
			st = append(st, p.Status)
		}
		for i, p := range tr.Points {
			if p.Status != disclosure.Suppressed || p.Value.Value != nil || p.Numerator != nil {
				t.Fatalf("point %d: %+v (statuses %v)", i, p, st)
			}
		}
	})

	t.Run("aggregate", func(t *testing.T) {
		a, err := fx.svc.Aggregate(analyst, []string{"CHILDREN", "ABUSED"}, []analytics.Breakdown{analytics.ByDistrict},
			analytics.AggregateFilter{Period: "2021"})
		if err != nil {
			t.Fatal(err)
		}
		// children 731 = 330 + 510 = 840, 732 = 5, 734 = 2000 (multiples of 5: unchanged);
		// abused 731 = 3, 734 = 1, 732 none: sensitive, under 10 (zero included) → suppressed.
		want := map[string][2]string{"731": {"840", "S"}, "732": {"5", "S"}, "734": {"2000", "S"}}
		if len(a.Rows) != 3 {
			t.Fatalf("%d rows", len(a.Rows))
		}
		for _, r := range a.Rows {
			w := want[r.Keys[0].Value]
			for i, v := range r.Values {
				if got := show(v); got != w[i] {
					t.Errorf("%s %s = %s, want %s", r.Keys[0].Value, v.Measure, got, w[i])
				}
			}
		}
		exact, err := fx.svc.Aggregate(province, []string{"ABUSED"}, []analytics.Breakdown{analytics.ByPeriod},
			analytics.AggregateFilter{From: "2021-01", To: "2021-12", PeriodType: "QUARTER", OrgUnit: "731"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range exact.Rows {
			got[r.Keys[0].Value] = show(r.Values[0])
		}
		// Every quarter is a row, empty ones too.
		if got["2021-Q1"] != "2" || got["2021-Q2"] != "0" || got["2021-Q3"] != "1" || got["2021-Q4"] != "0" || len(got) != 4 {
			t.Fatalf("quarters %v", got)
		}
		// Months after the load's last (December 2025) have no data: not a small count.
		late, err := fx.svc.Aggregate(province, []string{"ABUSED"}, []analytics.Breakdown{analytics.ByPeriod},
			analytics.AggregateFilter{From: "2025-11", To: "2026-02", PeriodType: "MONTH"})
		if err != nil {
			t.Fatal(err)
		}
		statuses := map[string]disclosure.Status{}
		for _, r := range late.Rows {
			statuses[r.Keys[0].Value] = r.Values[0].Status
			if r.Values[0].Status == disclosure.NoData && r.Values[0].Value != nil {
				t.Errorf("%s: NO_DATA with value %v", r.Keys[0].Value, *r.Values[0].Value)
			}
		}
		if statuses["2025-11"] != disclosure.OK || statuses["2025-12"] != disclosure.OK ||
			statuses["2026-01"] != disclosure.NoData || statuses["2026-02"] != disclosure.NoData {
			t.Errorf("statuses around the load's last month: %v", statuses)
		}
		tr, err := fx.svc.Trend(province, "immunisation_u1", "75", "2024", "2026", "YEAR")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Points) != 3 || tr.Points[0].Status == disclosure.NoData || tr.Points[2].Status != disclosure.NoData || tr.Points[2].Value.Value != nil {
			t.Errorf("trend to 2026: %+v", tr.Points)
		}
		// A range as one period: flows add up February to July (injured in 731: 5 in
		// February in 90002 + 6 in July in 90001 = 11).
		rng, err := fx.svc.Aggregate(province, []string{"INJURED"}, nil, analytics.AggregateFilter{Period: "2021-02..2021-07", OrgUnit: "731"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rng.Rows) != 1 || show(rng.Rows[0].Values[0]) != "11" {
			t.Fatalf("range %+v", rng.Rows)
		}
		// Children over a range that is not one calendar period cannot be counted once
		// each: refused, naming the argument.
		_, err = fx.svc.Aggregate(province, []string{"ABUSED"}, nil, analytics.AggregateFilter{Period: "2021-03..2021-08", OrgUnit: "90001"})
		if domain.ErrorCode(err) != domain.CodeInvalidInput || !strings.Contains(err.Error(), "filter") {
			t.Fatalf("abused over a range: %v, want INVALID_INPUT naming filter", err)
		}
	})

	t.Run("abused counts children per period", func(t *testing.T) {
		// 90004's boy E has cases in May and October 2021 (fixture): each period holding
		// a case counts him once, the year too (1, not 1 + 1).
		want := map[string]map[string]string{
			"MONTH":   {"2021-05": "1", "2021-10": "1"},
			"QUARTER": {"2021-Q1": "0", "2021-Q2": "1", "2021-Q3": "0", "2021-Q4": "1"},
			"HALF":    {"2021-H1": "1", "2021-H2": "1"},
			"YEAR":    {"2021": "1"},
		}
		for kind, w := range want {
			a, err := fx.svc.Aggregate(province, []string{"ABUSED"}, []analytics.Breakdown{analytics.ByPeriod},
				analytics.AggregateFilter{From: "2021-01", To: "2021-12", PeriodType: kind, OrgUnit: "90004"})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range a.Rows {
				if v, ok := w[r.Keys[0].Value]; (ok && show(r.Values[0]) != v) || (!ok && show(r.Values[0]) != "0") {
					t.Errorf("%s %s: abused %s, want %s", kind, r.Keys[0].Value, show(r.Values[0]), v)
				}
			}
		}
		// Asked for 2021 without a breakdown, and by district with 731's three girls.
		a, err := fx.svc.Aggregate(province, []string{"ABUSED"}, []analytics.Breakdown{analytics.ByDistrict},
			analytics.AggregateFilter{Period: "2021"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range a.Rows {
			got[r.Keys[0].Value] = show(r.Values[0])
		}
		if got["731"] != "3" || got["732"] != "0" || got["734"] != "1" {
			t.Errorf("abused children in 2021 by district %v, want 731 3, 732 0, 734 1", got)
		}
		// The abuse rate of 734 over the year and over its last quarter, in one question:
		// 1 child of 2,000 under 16 (December) → 0.05 % each.
		q4, _ := period.Parse("p", "2021-Q4")
		iv, err := fx.svc.IndicatorValues(province, analytics.IndicatorValuesRequest{IDs: []string{"abuse_rate"},
			OrgUnits: []string{"734"}, Periods: []period.Period{y2021, q4}})
		if err != nil {
			t.Fatal(err)
		}
		if len(iv.Values) != 2 {
			t.Fatalf("abuse_rate of 734: %d values, want 2", len(iv.Values))
		}
		for _, v := range iv.Values {
			if v.Value.Exact == nil || !near(*v.Value.Exact, 1.0/2000*100) {
				t.Errorf("abuse_rate of 734 in %s = %v, want 0.05", v.Period, deref(v.Value.Exact))
			}
		}
	})

	t.Run("child-friendly communes", func(t *testing.T) {
		a, err := fx.svc.ChildFriendly(province, 2021, "")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			total      int
			recognised bool
			failed     string
		}{
			"90001": {740, false, "[3]"},         // abuse 10 per 1,000 → criterion 3 at 0
			"90002": {795, false, "[9]"},         // no check-up (8: no measurement, not assessed)
			"90003": {625, false, "[1 9 11 12]"}, // mountain commune, threshold 800; 13: no survey, not assessed
			"90004": {850, true, "[]"},           // exactly on the 850 threshold (abuse: 1 child, 0.5 per 1,000 → 75)
		}
		for _, c := range a.Communes {
			w := want[c.Commune.Code]
			if c.Result.Total != w.total || c.Result.Recognised != w.recognised || fmtInts(c.Result.FailedCriteria) != w.failed {
				t.Errorf("%s: total %d recognised %v failed %v", c.Commune.Code, c.Result.Total, c.Result.Recognised, c.Result.FailedCriteria)
			}
		}
		// Criterion 4 in 90004: 3 children of 2,000 in conflict with the law or drug-addicted, one of
		// them in both groups: 1.5 per 1,000 (50 points), not (3 + 1)/2,000 = 2 (25 points, 825 in all).
		for _, c := range a.Communes {
			if c.Commune.Code == "90004" && (c.Shown["law_drug_per_1000"] == nil || !near(*c.Shown["law_drug_per_1000"], 1.5)) {
				t.Errorf("90004 law and drugs per 1,000 = %v, want 1.5", deref(c.Shown["law_drug_per_1000"]))
			}
		}
		if a.Province.Communes != 4 || a.Province.Recognised != 1 || !near(deref(a.Province.Share), 25) ||
			a.Province.Target2025 != 65 || a.Province.Target2030 != 75 || !a.Provisional {
			t.Errorf("province summary %+v", a.Province)
		}
		if len(a.Districts) != 3 || a.Districts[2].Recognised != 1 || a.Districts[0].Communes != 2 {
			t.Errorf("district summaries %+v", a.Districts)
		}
		// 2025, across the reorganisation (fixture.csv): missing data reads
		// "not assessed"; former Bình Phước is its own group, not a nameless district.
		y25, err := fx.svc.ChildFriendly(province, 2025, "")
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, c := range y25.Communes {
			switch {
			case c.Result.NotAssessed:
				status[c.Commune.Code] = "not assessed"
			case c.Result.Recognised:
				status[c.Commune.Code] = "recognised"
			default:
				status[c.Commune.Code] = "failed " + fmtInts(c.Result.FailedCriteria)
			}
		}
		if !maps.Equal(status, map[string]string{"90003": "not assessed", "90004": "not assessed", "90010": "not assessed",
			"90011": "not assessed", "90020": "failed [7]"}) {
			t.Errorf("2025 communes %v", status)
		}
		if p := y25.Province; p.Communes != 5 || p.NotAssessed != 4 || p.Recognised != 0 || p.Share == nil || *p.Share != 0 {
			t.Errorf("2025 province %+v", p)
		}
		groups := map[string]string{}
		for _, d := range y25.Districts {
			groups[d.Unit.Code] = fmt.Sprintf("%s %d/%d", d.Unit.Name, d.NotAssessed, d.Communes)
		}
		if !maps.Equal(groups, map[string]string{"70": "Bình Phước (cũ) 0/1", "731": "Biên Hòa 2/2", "732": "Long Khánh 1/1",
			"734": "Tân Phú 1/1"}) {
			t.Errorf("2025 groups %v", groups)
		}
		bp, err := fx.svc.ChildFriendly(province, 2025, "70")
		if err != nil || len(bp.Communes) != 1 || bp.Communes[0].Commune.Code != "90020" {
			t.Errorf("the former Bình Phước's communes: %+v, %v", bp, err)
		}
		// The analyst's scores come from released values only. In 90004 four values rest on
		// withheld counts: abuse (1 of 2,000, sensitive: 0–9 of 2,000 → 0–4.5 per 1,000 → 25–100
		// points; exact 0.5 → 75), law and drugs (3 of 2,000 → 25–100; exact 1.5 → 50), timely
		// plans (3 of 4: both withheld → any rate or none → 0–75; exact 75 % → 25) and pre-school
		// (no five-year-olds: withheld denominator → 25–100; exact: no data → 100). Total: 850 −
		// (75 + 50 + 25 + 100) + (25 + 25 + 0 + 25) = 675 to 850 − 250 + (100 + 100 + 75 + 100) = 975,
		// around the threshold 850: recognition is not decided by what the analyst may see.
		b, err := fx.svc.ChildFriendly(analyst, 2021, "734")
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Communes) != 1 {
			t.Fatalf("analyst view %+v", b.Communes)
		}
		// One district's communes, its summary, and the province's: all four communes.
		if len(b.Districts) != 1 || b.Districts[0].Unit.Code != "734" || b.Province.Communes != 4 || b.Province.Unit.Code != "75" {
			t.Errorf("district 734's answer summarises %+v and the province as %+v", b.Districts, b.Province)
		}
		c := b.Communes[0]
		if c.Result.Total != 675 || c.Result.TotalMax != 975 || !c.Result.Undetermined || c.Shown["law_drug_per_1000"] != nil ||
			c.Status["law_drug_per_1000"] != disclosure.Suppressed {
			t.Errorf("analyst view %+v", c.Result)
		}
		for _, cr := range c.Result.Criteria {
			for _, it := range cr.Items {
				withheld := c.Status[it.Reads] == disclosure.Suppressed
				if withheld && it.Band != "" {
					t.Errorf("criterion %s: a withheld value shows band %q", it.ID, it.Band)
				}
				if v := c.Shown[it.Reads]; v != nil && it.Band == "" {
					t.Errorf("criterion %s: released value %v has no band", it.ID, *v)
				}
			}
		}
		if d := b.Districts[0]; d.Undetermined != 1 || d.Recognised != 0 || d.Share != nil {
			t.Errorf("analyst summary of 734 %+v", d)
		}
		// The province summary of a district's answer is the province's own.
		whole, err := fx.svc.ChildFriendly(analyst, 2021, "")
		if err != nil {
			t.Fatal(err)
		}
		if b.Province.Communes != whole.Province.Communes || b.Province.Undetermined != whole.Province.Undetermined ||
			b.Province.Recognised != whole.Province.Recognised || b.Province.Share != nil {
			t.Errorf("analyst province summary %+v in 734's answer, %+v in the province's", b.Province, whole.Province)
		}
	})

	t.Run("report", func(t *testing.T) {
		now := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
		r, err := fx.svc.Report(province, "2021-H1", now)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, u := range r.Units {
			got[u.Unit.Code] = u.Submission
		}
		if r.Level != "district" || got["731"] != "SUBMITTED" || got["732"] != "LATE" || got["734"] != "OVERDUE" {
			t.Fatalf("%s submissions %v", r.Level, got)
		}
		r, err = fx.svc.Report(analyst, "2021", now)
		if err != nil {
			t.Fatal(err)
		}
		items := map[string]string{}
		for _, it := range r.Units[0].Items {
			if it.Value != nil {
				items[it.Key] = ftoa(*it.Value)
			} else {
				items[it.Key] = string(it.Status)
			}
		}
		// 731 in 2021: 840 children, of whom 30 (C1, F 16-17) are not children
		// under the Law on Children: 810; special 45 (15 + 30); HIV 3 →
		// suppressed (sensitive); disabled 37 → 35 or 40; injured 11 → 10 or
		// 15; drowning 1 → suppressed.
		if items["children"] != "810" || items["special"] != "45" || items["special:HIV"] != "SUPPRESSED" ||
			items["drowning_deaths"] != "SUPPRESSED" || r.DueOn.Format("02/01") != "20/11" || r.Units[0].Submission != "PENDING" {
			t.Fatalf("731 items %v due %s", items, r.DueOn)
		}
	})

	// Districts were abolished on 1 July 2025 (the fixture ends them then):
	// a report due before is by district, one due after by the communes and
	// wards in force on its due date, and no abolished district is late.
	t.Run("reporting units follow the calendar", func(t *testing.T) {
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		tests := []struct {
			period, level string
			units         []string
			since         map[string]string
			submission    string
		}{
			{"2025-H1", "district", []string{"731", "732", "734"}, nil, "OVERDUE"},
			// The units that began on 1 July 2025: half of 2025 is their predecessors'.
			{"2025", "commune", []string{"90003", "90004", "90010", "90011", "90020"},
				map[string]string{"90010": "2025-07-01", "90011": "2025-07-01", "90020": "2025-07-01"}, "OVERDUE"},
			{"2026", "commune", []string{"90003", "90004", "90010", "90011", "90020"}, nil, "OVERDUE"},
			{"2027-H1", "commune", []string{"90003", "90004", "90010", "90011", "90020"}, nil, "PENDING"},
		}
		for _, tt := range tests {
			t.Run(tt.period, func(t *testing.T) {
				r, err := fx.svc.Report(analyst, tt.period, now)
				if err != nil {
					t.Fatal(err)
				}
				var codes []string
				for _, u := range r.Units {
					codes = append(codes, u.Unit.Code)
					if u.Submission != tt.submission {
						t.Errorf("%s: %s, want %s", u.Unit.Code, u.Submission, tt.submission)
					}
					since := ""
					if u.Since != nil {
						since = u.Since.Format(time.DateOnly)
					}
					if since != tt.since[u.Unit.Code] {
						t.Errorf("%s since %q, want %q", u.Unit.Code, since, tt.since[u.Unit.Code])
					}
				}
				if r.Level != tt.level || !slices.Equal(codes, tt.units) {
					t.Fatalf("level %s units %v, want %s %v", r.Level, codes, tt.level, tt.units)
				}
			})
		}
	})

	// The fixture's 2025 immunisation story (worked in fixture.csv): each
	// commune of 2025-12-31 is given its predecessors' months.
	t.Run("compare units across the 2025 reorganisation", func(t *testing.T) {
		c, err := fx.svc.CompareUnits(province, "immunisation_u1", "2025", "COMMUNE", "")
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			value  string
			rank   int
			approx bool
		}
		got := map[string]row{}
		var order []string
		for _, u := range c.Units {
			r := row{value: ftoa(*u.Value.Exact), approx: u.Approximate}
			if u.Rank != nil {
				r.rank = *u.Rank
			}
			got[u.Code], order = r, append(order, u.Code)
		}
		want := map[string]row{"90010": {ftoa(86.0 / 90 * 100), 2, true}, "90011": {"90", 3, true},
			"90003": {"100", 1, false}, "90004": {"90", 3, false}, "90020": {"80", 5, false}}
		if !maps.Equal(got, want) || !slices.Equal(order, []string{"90003", "90010", "90004", "90011", "90020"}) {
			t.Fatalf("units %v in order %v, want %v", got, order, want)
		}
		if c.Province.Area != "WHOLE_PROVINCE" || !near(*c.Province.Exact, 172.0/187*100) || c.FormerDongNai == nil ||
			!near(*c.FormerDongNai.Exact, 152.0/162*100) || *c.FormerDongNai.Value.Value != 93.8 || !c.Meta.Approximate {
			t.Fatalf("province %+v, former Đồng Nai %+v", c.Province, c.FormerDongNai)
		}

		within, err := fx.svc.CompareUnits(province, "immunisation_u1", "2025-Q4", "COMMUNE", "731")
		if err != nil {
			t.Fatal(err)
		}
		// In the fourth quarter only 90011 had one-year-olds (10/9); neither
		// history touches the split of July.
		if len(within.Units) != 2 || within.Units[0].Code != "90011" || within.Units[1].Code != "90010" ||
			*within.Units[0].Value.Exact != 90 || within.Units[1].Value.Value != nil || within.Meta.Approximate {
			t.Fatalf("communes of former 731: %+v", within.Units)
		}

		bp, err := fx.svc.CompareUnits(province, "immunisation_u1", "2025", "COMMUNE", "70")
		if err != nil || len(bp.Units) != 1 || bp.Units[0].Code != "90020" || bp.Within.Name != "Bình Phước (cũ)" {
			t.Fatalf("communes of the former Bình Phước: %+v, %v", bp, err)
		}

		// By 2021 district, the former Bình Phước's communes are keyed 70, not "".
		ag, err := fx.svc.Aggregate(province, []string{"TURNED_ONE"}, []analytics.Breakdown{analytics.ByDistrict},
			analytics.AggregateFilter{Period: "2025"})
		if err != nil {
			t.Fatal(err)
		}
		byDistrict := map[string]string{}
		for _, r := range ag.Rows {
			byDistrict[r.Keys[0].Value] = show(r.Values[0])
		}
		if !maps.Equal(byDistrict, map[string]string{"70": "25", "731": "100", "732": "12", "734": "50"}) {
			t.Errorf("2025 one-year-olds by 2021 district %v", byDistrict)
		}

		// The districts of 2025-06-30: 731 = 90001 + 90002 = 46/50; 732 12/12; 734 none.
		d, err := fx.svc.CompareUnits(province, "immunisation_u1", "2025-H1", "DISTRICT", "")
		if err != nil {
			t.Fatal(err)
		}
		dist := map[string]string{}
		for _, u := range d.Units {
			dist[u.Code] = string(u.Status)
			if u.Value.Exact != nil {
				dist[u.Code] = ftoa(*u.Value.Exact)
			}
		}
		if !maps.Equal(dist, map[string]string{"731": "92", "732": "100", "734": "UNSTABLE"}) || d.FormerDongNai != nil {
			t.Fatalf("districts of 2025-H1 %v (former Đồng Nai %+v)", dist, d.FormerDongNai)
		}

		// A whole merge of 2024 (fixture: Xã Sáu into Xã Ba) is exact.
		y24, err := fx.svc.CompareUnits(province, "immunisation_u1", "2024", "COMMUNE", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range y24.Units {
			if u.Code == "90006" || u.Code == "90003" && (!near(*u.Value.Exact, 14.0/15*100) || u.Approximate) {
				t.Errorf("2024: %s %v approximate %v", u.Code, deref(u.Value.Exact), u.Approximate)
			}
		}
		if len(y24.Units) != 4 {
			t.Errorf("2024 communes %+v", y24.Units)
		}

		// The district chart's province line is the 2021 districts' own once
		// the province holds more: in 2025-Q4 former Đồng Nai's 10/9 (90011),
		// not with Xã Hai Mươi's 25/20 (35/29).
		cd, err := fx.svc.CompareDistricts(province, "immunisation_u1", "2025-Q4")
		if err != nil {
			t.Fatal(err)
		}
		old, err := fx.svc.CompareDistricts(province, "immunisation_u1", "2021")
		if err != nil {
			t.Fatal(err)
		}
		if cd.ProvinceArea != "FORMER_DONG_NAI" || *cd.Province.Exact != 90 || old.ProvinceArea != "WHOLE_PROVINCE" {
			t.Errorf("2025-Q4 province %s %v; 2021 %s", cd.ProvinceArea, deref(cd.Province.Exact), old.ProvinceArea)
		}

		// A commune's trend covers its territory of the trend's end throughout:
		// Phường Mười's first half is Xã Một's (Q1 20/19) and Xã Hai's (Q2 30/27).
		trends := map[string]string{}
		for _, code := range []string{"90010", "90011", "90003", "90002"} {
			tr, err := fx.svc.Trend(province, "immunisation_u1", code, "2025-Q1", "2025-Q4", "QUARTER")
			if err != nil {
				t.Fatal(err)
			}
			var pts []string
			for _, p := range tr.Points {
				if p.Value.Exact == nil {
					pts = append(pts, string(p.Status))
				} else {
					pts = append(pts, ftoa(*p.Value.Exact))
				}
			}
			trends[code] = fmt.Sprint(pts, tr.Meta.Approximate)
		}
		if !maps.Equal(trends, map[string]string{"90010": "[95 90 100 UNSTABLE] true", "90011": "[UNSTABLE UNSTABLE UNSTABLE 90] true",
			"90003": "[UNSTABLE 100 UNSTABLE UNSTABLE] false",
			// Xã Hai ended on 1 July: its own history, up to then.
			"90002": "[UNSTABLE 90 UNSTABLE UNSTABLE] false"}) {
			t.Errorf("trends %v", trends)
		}

		for _, bad := range []struct{ name, period, level, within, field string }{
			{"districts after they were abolished", "2025", "DISTRICT", "", "level"},
			{"an unknown level", "2025", "HAMLET", "", "level"},
			{"within a commune", "2025", "COMMUNE", "90003", "within"},
			{"within an unknown unit", "2025", "COMMUNE", "99999", "within"},
			{"a period after the data", "2026", "COMMUNE", "", "period"},
			{"a period before the data", "2015", "COMMUNE", "", "period"},
		} {
			_, err := fx.svc.CompareUnits(analyst, "immunisation_u1", bad.period, bad.level, bad.within)
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.CodeInvalidInput || e.Field != bad.field {
				t.Errorf("%s: %v, want INVALID_INPUT on %s", bad.name, err, bad.field)
			}
		}
	})

	t.Run("bad input", func(t *testing.T) {
		tests := []struct {
			name string
			run  func() error
			want domain.Code
		}{
			{"unknown indicator", func() error { _, err := fx.svc.CompareDistricts(analyst, "nope", "2021"); return err }, domain.CodeNotFound},
			{"quarter 5", func() error { _, err := fx.svc.CompareDistricts(analyst, "checkup", "2021-Q5"); return err }, domain.CodeInvalidInput},
			{"month 13", func() error {
				_, err := fx.svc.Trend(analyst, "checkup", "75", "2021-13", "2021-12", "MONTH")
				return err
			}, domain.CodeInvalidInput},
			{"from after to", func() error {
				_, err := fx.svc.Trend(analyst, "checkup", "75", "2021-06", "2021-01", "MONTH")
				return err
			}, domain.CodeInvalidInput},
			{"unknown org unit", func() error {
				_, err := fx.svc.Trend(analyst, "checkup", "99999", "2021", "2021", "YEAR")
				return err
			}, domain.CodeNotFound},
			{"unknown measure", func() error {
				_, err := fx.svc.Aggregate(analyst, []string{"WIZARDS"}, nil, analytics.AggregateFilter{Period: "2021"})
				return err
			}, domain.CodeInvalidInput},
			{"a distinct flow's variant (read for its period kind only)", func() error {
				_, err := fx.svc.Aggregate(analyst, []string{"ABUSED_YEAR"}, nil, analytics.AggregateFilter{Period: "2021-Q1"})
				return err
			}, domain.CodeInvalidInput},
			{"too many cells", func() error {
				_, err := fx.svc.Aggregate(analyst, []string{"SPECIAL"}, []analytics.Breakdown{analytics.ByCommune, analytics.BySex,
					analytics.ByAgeBand, analytics.ByGroup, analytics.ByPoverty}, analytics.AggregateFilter{Period: "2021"})
				return err
			}, domain.CodeTooComplex},
			{"group breakdown of a plain measure", func() error {
				_, err := fx.svc.Aggregate(analyst, []string{"CHILDREN"}, []analytics.Breakdown{analytics.ByGroup},
					analytics.AggregateFilter{Period: "2021"})
				return err
			}, domain.CodeInvalidInput},
			{"report for a quarter", func() error { _, err := fx.svc.Report(analyst, "2021-Q1", time.Now()); return err }, domain.CodeInvalidInput},
			{"anonymous", func() error { _, err := fx.svc.CompareDistricts(context.Background(), "checkup", "2021"); return err }, domain.CodeUnauthenticated},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.run(); domain.ErrorCode(err) != tt.want {
					t.Fatalf("err = %v, want %s", err, tt.want)
				}
			})
		}
	})

	t.Run("scoring table upload", func(t *testing.T) {
		raised := strings.Replace(string(childfriendly.DefaultJSON()), `"other": 850`, `"other": 860`, 1)
		const reason = "Provincial pilot of a stricter threshold, Board minute 12/2026"
		if _, err := fx.svc.UploadScoringTable(analyst, []byte(raised), reason); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("analyst upload: %v", err)
		}
		broken := strings.Replace(raised, `{"number": 13,`, `{"number": 12,`, 1)
		if _, err := fx.svc.UploadScoringTable(province, []byte(broken), reason); domain.ErrorCode(err) != domain.CodeInvalidInput ||
			!strings.Contains(err.Error(), "criterion 13 missing") {
			t.Fatalf("broken upload: %v", err)
		}
		// 860 departs from Decision 06's 850: refused without a reason, naming it.
		var e *domain.Error
		if _, err := fx.svc.UploadScoringTable(province, []byte(raised), " "); !errors.As(err, &e) || e.Field != "override" ||
			!strings.Contains(e.Message, "threshold for other is 860, Decision 06 sets 850") {
			t.Fatalf("departure without override: %v", err)
		}
		if _, err := fx.svc.UploadScoringTable(province, []byte(raised), "stricter"); !errors.As(err, &e) || e.Field != "override" {
			t.Fatalf("a reason of 8 characters: %v", err)
		}
		if _, err := fx.svc.UploadScoringTable(province, childfriendly.DefaultJSON(), reason); !errors.As(err, &e) || e.Field != "override" {
			t.Fatalf("override of a table without departures: %v", err)
		}
		if _, err := fx.svc.UploadScoringTable(province, []byte(raised), reason); err != nil {
			t.Fatal(err)
		}
		a, err := fx.svc.ChildFriendly(province, 2021, "734")
		if err != nil {
			t.Fatal(err)
		}
		// 850 no longer reaches the uploaded 860 threshold.
		if a.Communes[0].Result.Threshold != 860 || a.Communes[0].Result.Recognised {
			t.Fatalf("after upload %+v", a.Communes[0].Result)
		}
	})
}

// TestWarehouseDown: with ClickHouse unreachable, analytics answer UNAVAILABLE.
func TestWarehouseDown(t *testing.T) {
	conn, err := ch.Open(&ch.Options{Addr: []string{"127.0.0.1:1"}, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc := analytics.New(clickhouse.NewReader(conn), nil, indicators.Default())
	_, err = svc.CompareDistricts(as(domain.RoleAnalyst), "checkup", "2021")
	if domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("err = %v, want UNAVAILABLE", err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func show(v analytics.AggregateValue) string {
	if v.Status == disclosure.Suppressed {
		return "S"
	}
	return ftoa(float64(*v.Value))
}

func ftoa(f float64) string { return fmtFloat(f) }

func fmtInts(v []int) string {
	s := "["
	for i, x := range v {
		if i > 0 {
			s += " "
		}
		s += itoa(x)
	}
	return s + "]"
}

// Package publish writes the warehouse's published database: the indicator
// values an analyst receives from the API, computed by the same analytics
// service under the same disclosure control, with their labels joined in, so
// that a BI tool connected as the read-only bi user sees exactly the numbers
// the API releases and nothing finer. Each ETL run rewrites it whole.
package publish

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"treem/internal/analytics"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// Table is the published table of indicator values.
const Table = "indicator_values"

// Columns are the columns of Table, in the order of Row.values.
var Columns = []string{"indicator_id", "indicator_vi", "indicator_en", "unit_code", "unit_name", "unit_level", "period",
	"period_type", "period_start", "value", "numerator", "denominator", "status", "target", "meets_target", "approximate", "run_id"}

// workers bounds the questions asked of the warehouse at once.
const workers = 4

// Analytics is what publishing reads: the API's own answers.
type Analytics interface {
	Catalogue() *indicators.Catalogue
	IndicatorValues(ctx context.Context, req analytics.IndicatorValuesRequest) (*analytics.IndicatorValuesAnswer, error)
}

// Writer replaces the published table with new rows in one atomic step.
type Writer interface {
	ResetStage(ctx context.Context, table string) (string, error)
	Insert(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error
	ReplacePartition(ctx context.Context, table, stage string) error
	DropStage(ctx context.Context, table string) error
}

// Periods lists the published periods: every year from the start of the
// history to the year of last, and their quarters up to the quarter of last.
func Periods(first, last time.Time) [][]period.Period {
	var out [][]period.Period
	for y := first.Year(); y <= last.Year(); y++ {
		year := []period.Period{{Kind: period.Year, Year: y, N: 1}}
		for q := 1; q <= 4; q++ {
			p := period.Period{Kind: period.Quarter, Year: y, N: q}
			if p.First().After(last) {
				break
			}
			year = append(year, p)
		}
		out = append(out, year)
	}
	return out
}

// Run computes the published rows as an analyst would receive them (every
// indicator, level and period from first to last) and swaps them in. It
// returns the number of rows written.
func Run(ctx context.Context, an Analytics, w Writer, runID string, first, last time.Time, log *slog.Logger) (int, error) {
	// The published values are those of the least privileged reader of
	// aggregates: disclosure control applies in full.
	ctx = domain.WithUser(ctx, &domain.User{Subject: "treem-etl publish", Role: domain.RoleAnalyst, Area: analytics.ProvinceCode})
	started := time.Now()
	// Provinces and districts are the same units in every year: one question
	// covers all periods. Communes are asked year by year, each year's list
	// being the communes in force at its end.
	years := Periods(first, last)
	var all []period.Period
	for _, ps := range years {
		all = append(all, ps...)
	}
	type question struct {
		id, level string
		periods   []period.Period
	}
	var qs []question
	for _, ind := range an.Catalogue().Indicators {
		qs = append(qs, question{ind.ID, "PROVINCE", all}, question{ind.ID, "DISTRICT", all})
		for _, ps := range years {
			qs = append(qs, question{ind.ID, "COMMUNE", ps})
		}
	}
	answers := make([][][]any, len(qs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i, q := range qs {
		g.Go(func() error {
			ans, err := an.IndicatorValues(gctx, analytics.IndicatorValuesRequest{IDs: []string{q.id}, Level: q.level, Periods: q.periods})
			if err != nil {
				return fmt.Errorf("publish %s at %s level from %s: %w", q.id, q.level, q.periods[0], err)
			}
			for _, v := range ans.Values {
				answers[i] = append(answers[i], row(v, q.periods, ans.Meta.Approximate, runID))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	var rows [][]any
	for _, a := range answers {
		rows = append(rows, a...)
	}
	stage, err := w.ResetStage(ctx, Table)
	if err != nil {
		return 0, err
	}
	if err := w.Insert(ctx, stage, Columns, len(rows), func(i int) []any { return rows[i] }); err != nil {
		return 0, err
	}
	if err := w.ReplacePartition(ctx, Table, stage); err != nil {
		return 0, err
	}
	if err := w.DropStage(ctx, Table); err != nil {
		log.Warn("drop published stage", "err", err)
	}
	log.Info("published indicator values", "rows", len(rows), "duration", time.Since(started).Round(time.Millisecond))
	return len(rows), nil
}

// row is the published row of one released value.
func row(v analytics.IndicatorValue, periods []period.Period, approximate bool, runID string) []any {
	p := periods[0]
	for _, q := range periods {
		if q.String() == v.Period {
			p = q
		}
	}
	var target *float64
	var meets *uint8
	if v.Target != nil {
		target = &v.Target.Value
	}
	if v.MeetsTarget != nil {
		m := uint8(0)
		if *v.MeetsTarget {
			m = 1
		}
		meets = &m
	}
	approx := uint8(0)
	if approximate && v.OrgUnit.Level != "commune" {
		approx = 1
	}
	return []any{v.Indicator.ID, v.Indicator.NameVi, v.Indicator.NameEn, v.OrgUnit.Code, v.OrgUnit.Name, v.OrgUnit.Level,
		v.Period, kindName(p.Kind), p.First(), v.Value.Value, v.Numerator, v.Denominator, string(v.Status), target, meets,
		approx, runID}
}

func kindName(k period.Kind) string {
	switch k {
	case period.Month:
		return "MONTH"
	case period.Quarter:
		return "QUARTER"
	case period.Half:
		return "HALF_YEAR"
	}
	return "YEAR"
}

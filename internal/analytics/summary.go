package analytics

import (
	"context"
	"time"

	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// MaxSummaryYears bounds the years of one summary: a plan's summary covers
// five, and each year is a span of every figure's queries.
const MaxSummaryYears = 10

// SummaryFigure is one headline column of the summary: a catalogue
// indicator, or a count of children under 16 (Law on Children 2016, Art. 1).
type SummaryFigure struct {
	Key       string
	Indicator *indicators.Indicator
}

// summaryFigures are the columns, in order. The counts are asked for as the
// periodic report asks for them, so one population releases one value
// whichever of the two asked.
var summaryFigures = []struct{ key, indicator, measure, nameVi, nameEn string }{
	{"children", "", "children", "Số trẻ em dưới 16 tuổi", "Children under 16"},
	{"special", "special_share", "", "", ""},
	{"birth_registration", "birth_registration_u5", "", "", ""},
	{"insurance", "insurance_u6", "", "", ""},
	{"abused", "", "abused", "Số trẻ em bị xâm hại", "Children abused"},
	{"injured", "", "injured", "Số trường hợp trẻ em bị tai nạn thương tích", "Injuries of children"},
	{"drowning_deaths", "drowning_deaths", "", "", ""},
	{"swimming", "swimming_6_15", "", "", ""},
	{"gift_visits", "", "gift_visits", "Số lượt thăm hỏi, tặng quà trẻ em", "Gift visits to children"},
	{"child_friendly", "child_friendly_share", "", "", ""},
}

// SummaryYear is one row of the summary: each figure's value in the year, in
// the order of SummaryReport.Figures.
type SummaryYear struct {
	Year   int
	Values []Value
}

// SummaryReport is the multi-year summary report (báo cáo tổng kết; plan 2021 item 6
// asks for 2016–2020) of the province or one 2021 district: a headline row a
// year.
type SummaryReport struct {
	Unit    Unit
	From    int
	To      int
	Figures []SummaryFigure
	Years   []SummaryYear
	Meta    Meta
}

// countIndicator is a count of children under 16 of measure, read as an
// indicator without a denominator.
func countIndicator(measure, nameVi, nameEn string) (*indicators.Indicator, error) {
	m, ok := indicators.LookupMeasure(measure)
	if !ok {
		return nil, domain.Errorf(domain.CodeInternal, "summary: unknown measure %s", measure)
	}
	zero := 0
	return &indicators.Indicator{ID: measure, NameVi: nameVi, NameEn: nameEn, Source: indicators.FromChildMonth,
		Numerator: indicators.Term{Measure: measure, AgeBands: indicators.ChildAgeBands}, Factor: 1, Decimals: &zero,
		Aggregation: m.Aggregation}, nil
}

// SummaryReport answers the years from..to of orgUnit (the province when
// empty, or a 2021 district). Every value is released by the caller's
// disclosure policy, as the indicator queries release it.
func (s *Service) SummaryReport(ctx context.Context, from, to int, orgUnit string) (*SummaryReport, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkYear("from", from); err != nil {
		return nil, err
	}
	if err := checkYear("to", to); err != nil {
		return nil, err
	}
	if to < from {
		return nil, domain.Invalid("to", "must not be before from (%d)", from)
	}
	if to-from+1 > MaxSummaryYears {
		return nil, tooMany("years", to-from+1, MaxSummaryYears)
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	year := func(y int) period.Period { return period.Period{Kind: period.Year, Year: y, N: 1} }
	if err := ix.inData("from", year(from)); err != nil {
		return nil, err
	}
	if err := ix.inData("to", year(to)); err != nil {
		return nil, err
	}
	var spans []span
	for y := from; y <= to; y++ {
		spans = append(spans, spanOf(year(y)))
	}
	sc, err := ix.resolve("orgUnit", orgUnit, time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	if sc.Commune != "" {
		return nil, domain.Invalid("orgUnit", "the summary covers the province or a 2021 district, not commune %s", orgUnit)
	}
	meta.Approximate = sc.District != "" && ix.approximate(spans[0].first(), spans[len(spans)-1].last())
	out := &SummaryReport{Unit: sc.Unit, From: from, To: to, Meta: meta}
	for y := from; y <= to; y++ {
		out.Years = append(out.Years, SummaryYear{Year: y})
	}
	for _, f := range summaryFigures {
		var ind *indicators.Indicator
		if f.indicator != "" {
			ind, err = s.cat.Get(f.indicator)
		} else {
			ind, err = countIndicator(f.measure, f.nameVi, f.nameEn)
		}
		if err != nil {
			return nil, err
		}
		ev, err := s.evaluate(ctx, pol, ix, ind, spans, sc, nil, filters{})
		if err != nil {
			return nil, err
		}
		out.Meta.Populations = append(out.Meta.Populations, ev.populations()...)
		out.Figures = append(out.Figures, SummaryFigure{Key: f.key, Indicator: ind})
		for i := range out.Years {
			out.Years[i].Values = append(out.Years[i].Values, ev.value(i, nil))
		}
	}
	if err := s.record(ctx, "summaryReport", map[string]any{"from": from, "to": to, "orgUnit": orgUnit}, out.Meta); err != nil {
		return nil, err
	}
	return out, nil
}

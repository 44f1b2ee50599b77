package analytics

import (
	"context"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// ReportItem is one statistic of the periodic report.
type ReportItem struct {
	Key     string // measure, "special:<group>" or an indicator id
	LabelVi string
	Value   *float64
	Status  disclosure.Status
}

// ReportDistrict is one district's column of the report.
type ReportDistrict struct {
	District    Unit
	Items       []ReportItem
	DueOn       time.Time
	SubmittedAt *time.Time
	// Submission is SUBMITTED, LATE (submitted after the due date), OVERDUE
	// (not submitted, past due) or PENDING.
	Submission string
}

// Report is the plan's periodic statistics per 2021 district.
type Report struct {
	Period    string
	DueOn     time.Time
	Districts []ReportDistrict
	Meta      Meta
}

// reportCounts are the counts of the report, in order.
var reportCounts = []struct{ measure, label string }{
	{"children", "Số trẻ em"},
	{"special", "Trẻ em có hoàn cảnh đặc biệt"},
	{"special_supported", "Trẻ em có hoàn cảnh đặc biệt được trợ giúp"},
	{"cases_opened", "Số vụ việc tiếp nhận"},
	{"injured", "Số trường hợp tai nạn thương tích"},
	{"drowning_deaths", "Số trẻ em tử vong do đuối nước"},
	{"swim_enrolled", "Số trẻ em tham gia lớp dạy bơi"},
	{"swim_completed", "Số trẻ em hoàn thành lớp dạy bơi"},
	{"gift_visits", "Số lượt thăm hỏi, tặng quà"},
}

// reportRates are the indicators of the report.
var reportRates = []string{"birth_registration_u5", "insurance_u6"}

// circumstanceGroups are the 14 groups of Law on Children Art. 10(1), as in
// the operational circumstance_group table.
var circumstanceGroups = []struct{ code, label string }{
	{"ORPHAN_BOTH", "Mồ côi cả cha và mẹ"}, {"ABANDONED", "Bị bỏ rơi"}, {"NO_SUPPORT", "Không nơi nương tựa"},
	{"DISABLED", "Khuyết tật"}, {"HIV", "Nhiễm HIV/AIDS"}, {"IN_CONFLICT_LAW", "Vi phạm pháp luật"},
	{"DRUG_ADDICTED", "Nghiện ma túy"}, {"DROPOUT_WORKING", "Bỏ học kiếm sống"},
	{"VIOLENCE_SERIOUS_HARM", "Bị tổn hại nghiêm trọng do bạo lực"}, {"EXPLOITED", "Bị bóc lột"},
	{"SEXUAL_ABUSE", "Bị xâm hại tình dục"}, {"TRAFFICKED", "Bị mua bán"},
	{"SERIOUS_ILLNESS_POOR", "Mắc bệnh hiểm nghèo (hộ nghèo, cận nghèo)"},
	{"MIGRANT_REFUGEE_UNACCOMPANIED", "Di cư, lánh nạn chưa xác định cha mẹ"},
}

// Report builds the 6-month ("2021-H1", due 15/5) or annual ("2021", due
// 20/11) report.
func (s *Service) Report(ctx context.Context, periodStr string, now time.Time) (*Report, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	p, err := period.Parse("period", periodStr)
	if err != nil {
		return nil, err
	}
	var due time.Time
	switch {
	case p.Kind == period.Half && p.N == 1:
		due = time.Date(p.Year, 5, 15, 0, 0, 0, 0, time.UTC)
	case p.Kind == period.Year:
		due = time.Date(p.Year, 11, 20, 0, 0, 0, 0, time.UTC)
	default:
		return nil, domain.Invalid("period", "the report covers the first half (2021-H1) or a year (2021), not %s", p)
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	meta.Approximate = ix.approximate(p.First(), p.LastMonth())
	subs, err := s.store.ReportSubmissions(ctx, p.String())
	if err != nil {
		return nil, err
	}
	byUnit := map[string]domain.ReportSubmission{}
	for _, sb := range subs {
		byUnit[sb.UnitCode] = sb
	}
	spans := []span{spanOf(p)}
	byDistrict := []clickhouse.Dim{clickhouse.DimDistrict}
	items := map[string][]ReportItem{}
	qs := make([]termQuery, len(reportCounts))
	for i, rc := range reportCounts {
		qs[i] = termQuery{Term: indicators.Term{Measure: rc.measure}, Spans: spans, Dims: byDistrict}
	}
	cells, err := s.countsTogether(ctx, qs)
	if err != nil {
		return nil, err
	}
	for i, q := range qs {
		meta.Populations = append(meta.Populations, populations(q, cells[i])...)
	}
	for i, rc := range reportCounts {
		for _, d := range ix.districts {
			items[d.Code] = append(items[d.Code], countItem(pol, qs[i], cells[i], []string{d.Code}, rc.measure, rc.label))
		}
	}
	gq := termQuery{Term: indicators.Term{Measure: "special"}, Spans: spans, ByGroup: true,
		Dims: []clickhouse.Dim{clickhouse.DimDistrict, clickhouse.DimGroup}}
	gcells, err := s.counts(ctx, gq)
	if err != nil {
		return nil, err
	}
	meta.Populations = append(meta.Populations, populations(gq, gcells)...)
	for _, d := range ix.districts {
		for _, g := range circumstanceGroups {
			items[d.Code] = append(items[d.Code], countItem(pol, gq, gcells, []string{d.Code, g.code}, "special:"+g.code,
				"Trẻ em có hoàn cảnh đặc biệt: "+g.label))
		}
	}
	for _, id := range reportRates {
		ind, err := s.cat.Get(id)
		if err != nil {
			return nil, err
		}
		ev, err := s.evaluate(ctx, pol, ix, ind, spans, scope{}, byDistrict, filters{})
		if err != nil {
			return nil, err
		}
		meta.Populations = append(meta.Populations, ev.populations()...)
		for _, d := range ix.districts {
			v := ev.value(0, []string{d.Code})
			items[d.Code] = append(items[d.Code], ReportItem{Key: id, LabelVi: ind.NameVi, Value: v.Value, Status: v.Status})
		}
	}
	r := &Report{Period: p.String(), DueOn: due, Meta: meta}
	for _, d := range ix.districts {
		if d.Code == "" {
			continue
		}
		rd := ReportDistrict{District: d, Items: items[d.Code], DueOn: due}
		if sb, ok := byUnit[d.Code]; ok {
			rd.DueOn, rd.SubmittedAt = sb.DueOn, sb.SubmittedAt
		}
		rd.Submission = submission(rd.DueOn, rd.SubmittedAt, now)
		r.Districts = append(r.Districts, rd)
	}
	if err := s.record(ctx, "report", map[string]any{"period": periodStr}, r.Meta); err != nil {
		return nil, err
	}
	return r, nil
}

func countItem(pol disclosure.Policy, q termQuery, cells map[string]*cell, keys []string, key, label string) ReportItem {
	r := releaseAt(pol, q, cells, 0, keys)
	it := ReportItem{Key: key, LabelVi: label, Status: r.Status}
	if r.Released() {
		it.Value = ptr(float64(r.Value))
	}
	return it
}

// vietnam is the time zone of due dates (UTC+7, no daylight saving).
var vietnam = time.FixedZone("ICT", 7*3600)

// submission classifies a report: a due date is a whole day in Vietnam, so a
// report submitted on the due day is on time.
func submission(due time.Time, submitted *time.Time, now time.Time) string {
	end := time.Date(due.Year(), due.Month(), due.Day()+1, 0, 0, 0, 0, vietnam)
	switch {
	case submitted != nil && submitted.Before(end):
		return "SUBMITTED"
	case submitted != nil:
		return "LATE"
	case !now.Before(end):
		return "OVERDUE"
	}
	return "PENDING"
}

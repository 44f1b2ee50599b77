package analytics

import (
	"context"
	"sort"
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
	// Indicator is the rate's definition (its unit and precision); nil for a count.
	Indicator *indicators.Indicator
	Value     *float64
	Status    disclosure.Status
}

// ReportUnit is one reporting unit's column of the report.
type ReportUnit struct {
	Unit        Unit
	Items       []ReportItem
	DueOn       time.Time
	SubmittedAt *time.Time
	// Submission is SUBMITTED, LATE (submitted after the due date), OVERDUE
	// (not submitted, past due) or PENDING.
	Submission string
	// Since is the day the unit came into force when that is after the
	// period began: its flows before that day are counted under its
	// predecessors, its stocks at the period's end are its own.
	Since *time.Time
}

// Report is the plan's periodic statistics per reporting unit: the districts
// while they exist, then (districts were abolished on 1 July 2025) the
// communes and wards, which report to the province directly
// (shared/domain/plan-2021.md, "Since 2021").
type Report struct {
	Period string
	DueOn  time.Time
	Level  string // "district" or "commune"
	Units  []ReportUnit
	// Departments are the member departments that report beside the
	// units: their reports' state, no statistics.
	Departments []DepartmentReport
	Meta        Meta
}

// DepartmentReport is a member department's report of the period.
type DepartmentReport struct {
	domain.DepartmentSubmission
	// Submission is as ReportUnit's, or DRAFT when content was saved.
	Submission string
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

// Report builds the 6-month ("2021-H1") or annual ("2021") report, due on
// the day the plan's rules give (report_due_rule, read through the store).
func (s *Service) Report(ctx context.Context, periodStr string, now time.Time) (*Report, error) {
	pol, err := s.policy(ctx)
	if err != nil {
		return nil, err
	}
	p, err := period.Parse("period", periodStr)
	if err != nil {
		return nil, err
	}
	due, err := s.store.ReportDue(ctx, p.String())
	if err != nil {
		return nil, err
	}
	meta, ix, err := s.meta(ctx, pol)
	if err != nil {
		return nil, err
	}
	subs, err := s.store.ReportSubmissions(ctx, p.String())
	if err != nil {
		return nil, err
	}
	submitted := map[string]domain.ReportSubmission{}
	for _, sb := range subs {
		submitted[sb.UnitCode] = sb
	}
	depts, err := s.store.DepartmentSubmissions(ctx, p.String(), due)
	if err != nil {
		return nil, err
	}
	st, err := s.statistics(ctx, pol, ix, p, due, false)
	if err != nil {
		return nil, err
	}
	meta.Approximate, meta.Populations = st.approximate, st.populations
	r := &Report{Period: p.String(), DueOn: due, Level: st.level, Meta: meta}
	for _, u := range st.units {
		ru := ReportUnit{Unit: u, Items: st.items[u.Code], DueOn: due}
		if sb, ok := submitted[u.Code]; ok {
			ru.DueOn, ru.SubmittedAt = sb.DueOn, sb.SubmittedAt
		}
		ru.Submission = domain.Submission(ru.DueOn, ru.SubmittedAt, false, now)
		ru.Since = st.since[u.Code]
		r.Units = append(r.Units, ru)
	}
	for _, d := range depts {
		r.Departments = append(r.Departments, DepartmentReport{DepartmentSubmission: d,
			Submission: domain.Submission(d.DueOn, d.SubmittedAt, d.Drafted, now)})
	}
	if err := s.record(ctx, "report", map[string]any{"period": periodStr}, r.Meta); err != nil {
		return nil, err
	}
	return r, nil
}

// statisticsAnswer is the report's statistics over one calendar period: an
// item list per reporting unit and, when asked, for the whole province.
type statisticsAnswer struct {
	level       string
	units       []Unit
	since       map[string]*time.Time
	items       map[string][]ReportItem
	province    []ReportItem
	approximate bool
	populations []string
}

// statistics counts the report's items over p for the units that report on
// day (the due date, or the period's last day), each count and rate released
// under pol; with province, also for the whole province, each total released
// under its own cell key as a province total asked for directly is.
func (s *Service) statistics(ctx context.Context, pol disclosure.Policy, ix *unitIndex, p period.Period, day time.Time,
	province bool) (*statisticsAnswer, error) {
	spans := []span{spanOf(p)}
	st := &statisticsAnswer{items: map[string][]ReportItem{}, since: map[string]*time.Time{}}
	st.level, st.units = ix.reportingUnits(day)
	// A 2021 district's history is approximate where its communes were
	// merged across district lines; a commune's is its own.
	st.approximate = st.level == "district" && ix.approximate(p.First(), p.LastMonth())
	byUnit := []clickhouse.Dim{clickhouse.DimDistrict}
	if st.level == "commune" {
		byUnit = []clickhouse.Dim{clickhouse.DimCommune}
	}
	qs := make([]termQuery, len(reportCounts))
	for i, rc := range reportCounts {
		// Every count is of children: under 16 (Law on Children 2016, Art. 1).
		qs[i] = termQuery{Term: indicators.Term{Measure: rc.measure, AgeBands: indicators.ChildAgeBands}, Spans: spans, Dims: byUnit}
	}
	cells, err := s.countsTogether(ctx, qs)
	if err != nil {
		return nil, err
	}
	// A period after the last month loaded has no counts yet, as it has no
	// rates: NO_DATA, not a zero.
	noData := ix.noData(spans[0])
	item := func(q termQuery, cells map[string]*cell, keys []string, key, label string) ReportItem {
		if noData {
			return ReportItem{Key: key, LabelVi: label, Status: disclosure.NoData}
		}
		return countItem(pol, q, cells, keys, key, label)
	}
	for i, q := range qs {
		st.populations = append(st.populations, populations(q, cells[i])...)
		for _, u := range st.units {
			st.items[u.Code] = append(st.items[u.Code], item(q, cells[i], []string{u.Code}, reportCounts[i].measure, reportCounts[i].label))
		}
		if province {
			fq, fc := provinceCells(q, cells[i])
			st.province = append(st.province, item(fq, fc, []string{}, reportCounts[i].measure, reportCounts[i].label))
		}
	}
	gq := termQuery{Term: indicators.Term{Measure: "special", AgeBands: indicators.ChildAgeBands}, Spans: spans, ByGroup: true,
		Dims: append(byUnit, clickhouse.DimGroup)}
	gcells, err := s.counts(ctx, gq)
	if err != nil {
		return nil, err
	}
	st.populations = append(st.populations, populations(gq, gcells)...)
	fq, fc := provinceCells(gq, gcells)
	for _, g := range circumstanceGroups {
		label := "Trẻ em có hoàn cảnh đặc biệt: " + g.label
		for _, u := range st.units {
			st.items[u.Code] = append(st.items[u.Code], item(gq, gcells, []string{u.Code, g.code}, "special:"+g.code, label))
		}
		if province {
			st.province = append(st.province, item(fq, fc, []string{g.code}, "special:"+g.code, label))
		}
	}
	for _, id := range reportRates {
		ind, err := s.cat.Get(id)
		if err != nil {
			return nil, err
		}
		ev, err := s.evaluate(ctx, pol, ix, ind, spans, scope{}, byUnit, filters{})
		if err != nil {
			return nil, err
		}
		st.populations = append(st.populations, ev.populations()...)
		for _, u := range st.units {
			v := ev.value(0, []string{u.Code})
			st.items[u.Code] = append(st.items[u.Code], ReportItem{Key: id, LabelVi: ind.NameVi, Indicator: ind, Value: v.Value, Status: v.Status})
		}
		if province {
			v := ev.total(0)
			st.province = append(st.province, ReportItem{Key: id, LabelVi: ind.NameVi, Indicator: ind, Value: v.Value, Status: v.Status})
		}
	}
	for _, u := range st.units {
		v, _ := ix.version(u.Code, day)
		if began := ix.began(v); began.After(p.First()) {
			st.since[u.Code] = &began
		}
	}
	return st, nil
}

// provinceCells folds the cells of q, whose first dimension is the reporting
// unit, into the province's: the same query without that dimension, each
// remaining key's cells added up into one population with one cell key.
func provinceCells(q termQuery, cells map[string]*cell) (termQuery, map[string]*cell) {
	fq := q
	fq.Dims = q.Dims[1:]
	out := map[string]*cell{}
	for _, c := range cells {
		keys := c.Keys[1:]
		id := cellID(c.Span, keys)
		f := out[id]
		if f == nil {
			f = &cell{Span: c.Span, Keys: keys}
			out[id] = f
		}
		f.Value += c.Value
		f.CKey += c.CKey
	}
	return fq, out
}

// reportingUnits are the units that report on due: the 2021 districts in
// force that day, else the communes and wards in force that day. A unit that
// no longer exists on its due date is never listed, so never late.
func (ix *unitIndex) reportingUnits(due time.Time) (string, []Unit) {
	var out []Unit
	for _, d := range ix.districts {
		if v, ok := ix.version(d.Code, due); ok && d.Code != "" && inForce(v, due) {
			out = append(out, d)
		}
	}
	if len(out) > 0 {
		return "district", out
	}
	for code := range ix.versions {
		if v, ok := ix.version(code, due); ok && v.Level == "commune" && inForce(v, due) {
			out = append(out, Unit{Code: code, Name: v.Name, Level: "commune"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return "commune", out
}

func countItem(pol disclosure.Policy, q termQuery, cells map[string]*cell, keys []string, key, label string) ReportItem {
	r := releaseAt(pol, q, cells, 0, keys)
	it := ReportItem{Key: key, LabelVi: label, Status: r.Status}
	if r.Released() {
		it.Value = ptr(float64(r.Value))
	}
	return it
}

package graph

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/analytics"
	"treem/internal/childfriendly"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// Analytics answers the aggregate questions from the warehouse
// (internal/analytics.Service implements it).
type Analytics interface {
	Catalogue() *indicators.Catalogue
	IndicatorValues(ctx context.Context, req analytics.IndicatorValuesRequest) (*analytics.IndicatorValuesAnswer, error)
	CompareDistricts(ctx context.Context, indicator, period string) (*analytics.Comparison, error)
	CompareUnits(ctx context.Context, indicator, period, level, within string) (*analytics.UnitComparison, error)
	Trend(ctx context.Context, indicator, orgUnit, from, to, kind string) (*analytics.Trend, error)
	Aggregate(ctx context.Context, measures []string, dims []analytics.Breakdown, f analytics.AggregateFilter) (*analytics.AggregateAnswer, error)
	ChildFriendly(ctx context.Context, year int, district string) (*analytics.ChildFriendlyAnswer, error)
	ScoringTable(ctx context.Context) (*childfriendly.Table, error)
	UploadScoringTable(ctx context.Context, table []byte, override string) (*childfriendly.Table, error)
	Report(ctx context.Context, period string, now time.Time) (*analytics.Report, error)
	MinistryStatistics(ctx context.Context, period string) (*analytics.Statistics, error)
	CommunicationByChannel(ctx context.Context, year, quarter int, district, level, within string) (*analytics.ChannelAnswer, error)
	SummaryReport(ctx context.Context, from, to int, orgUnit string) (*analytics.SummaryReport, error)
}

func (r *Resolver) analytics() (Analytics, error) {
	if r.Analytics == nil {
		return nil, analytics.ErrNotConnected
	}
	return r.Analytics, nil
}

// indicatorList needs no warehouse: without one it lists the embedded catalogue.
func (r *Resolver) indicatorList() ([]*model.Indicator, error) {
	cat := indicators.Default()
	if r.Analytics != nil {
		cat = r.Analytics.Catalogue()
	}
	out := make([]*model.Indicator, 0, len(cat.Indicators))
	for _, in := range cat.Indicators {
		out = append(out, toIndicator(in))
	}
	return out, nil
}

func (r *Resolver) indicatorValues(ctx context.Context, ids, orgUnits []string, level *model.OrgLevel, periods []string,
	from, to *string, periodType *model.PeriodType, breakdown []model.Breakdown) (*model.IndicatorValues, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	req := analytics.IndicatorValuesRequest{IDs: ids, OrgUnits: orgUnits}
	if level != nil {
		req.Level = string(*level)
	}
	if req.Periods, err = period.List(periods, deref(from), deref(to), deref(periodType)); err != nil {
		return nil, err
	}
	for _, b := range breakdown {
		req.Breakdown = append(req.Breakdown, analytics.Breakdown(b))
	}
	ans, err := a.IndicatorValues(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &model.IndicatorValues{AsOf: toAsOf(ans.Meta.AsOf), DefinitionVersion: ans.Meta.CatalogueVersion,
		Approximate: ans.Meta.Approximate, Values: []*model.IndicatorValue{}}
	for _, v := range ans.Values {
		iv := &model.IndicatorValue{Indicator: toIndicator(v.Indicator), OrgUnit: toUnit(v.OrgUnit), Period: v.Period,
			Keys: toKeys(v.Keys)}
		if iv.PeriodFirstDay, iv.PeriodLastDay, err = periodDays(v.Period); err != nil {
			return nil, err
		}
		iv.Value, iv.Numerator, iv.Denominator, iv.Status, iv.Target, iv.MeetsTarget = values(v.Value)
		iv.ExactValue = v.Value.Exact
		out.Values = append(out.Values, iv)
	}
	return out, nil
}

func (r *Resolver) compareDistricts(ctx context.Context, indicator, p string) (*model.DistrictComparison, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	c, err := a.CompareDistricts(ctx, indicator, p)
	if err != nil {
		return nil, err
	}
	out := &model.DistrictComparison{Indicator: toIndicator(c.Indicator), Period: c.Period, Province: &model.ComparisonValue{},
		ProvinceArea: model.ProvinceArea(c.ProvinceArea),
		Districts:    []*model.DistrictValue{}, AsOf: toAsOf(c.Meta.AsOf), DefinitionVersion: c.Meta.CatalogueVersion,
		Approximate: c.Meta.Approximate}
	if out.PeriodFirstDay, out.PeriodLastDay, err = periodDays(c.Period); err != nil {
		return nil, err
	}
	pv := out.Province
	pv.Value, pv.Numerator, pv.Denominator, pv.Status, pv.Target, _ = values(c.Province)
	pv.ExactValue = c.Province.Exact
	for _, d := range c.Districts {
		dv := &model.DistrictValue{OrgUnit: toUnit(d.Unit), Rank: d.Rank, Gap: d.Gap, Change: d.Change}
		dv.Value, dv.Numerator, dv.Denominator, dv.Status, dv.Target, dv.MeetsTarget = values(d.Value)
		dv.ExactValue = d.Value.Exact
		out.Districts = append(out.Districts, dv)
	}
	return out, nil
}

func (r *Resolver) compareUnits(ctx context.Context, indicator, p string, level model.OrgLevel, within string) (*model.UnitComparison, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	c, err := a.CompareUnits(ctx, indicator, p, string(level), within)
	if err != nil {
		return nil, err
	}
	out := &model.UnitComparison{Indicator: toIndicator(c.Indicator), Period: c.Period, Level: level,
		On: scalar.Date{Time: c.On}, Within: toUnit(c.Within), Units: []*model.UnitValue{}, Province: toArea(c.Province),
		AsOf: toAsOf(c.Meta.AsOf), DefinitionVersion: c.Meta.CatalogueVersion, Approximate: c.Meta.Approximate}
	if c.FormerDongNai != nil {
		out.FormerDongNai = toArea(*c.FormerDongNai)
	}
	if out.PeriodFirstDay, out.PeriodLastDay, err = periodDays(c.Period); err != nil {
		return nil, err
	}
	for _, u := range c.Units {
		uv := &model.UnitValue{OrgUnit: toUnit(u.Unit), Rank: u.Rank, Gap: u.Gap, Change: u.Change, Approximate: u.Approximate,
			ExactValue: u.Value.Exact}
		uv.Value, uv.Numerator, uv.Denominator, uv.Status, uv.Target, uv.MeetsTarget = values(u.Value)
		out.Units = append(out.Units, uv)
	}
	return out, nil
}

func toArea(a analytics.AreaValue) *model.AreaValue {
	out := &model.AreaValue{Area: model.ProvinceArea(a.Area), ExactValue: a.Value.Exact, Change: a.Change}
	out.Value, out.Numerator, out.Denominator, out.Status, out.Target, out.MeetsTarget = values(a.Value)
	return out
}

func (r *Resolver) trend(ctx context.Context, indicator, orgUnit, from, to string, kind model.PeriodType) (*model.Trend, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	t, err := a.Trend(ctx, indicator, orgUnit, from, to, string(kind))
	if err != nil {
		return nil, err
	}
	out := &model.Trend{Indicator: toIndicator(t.Indicator), OrgUnit: toUnit(t.OrgUnit), Points: []*model.TrendPoint{},
		AsOf: toAsOf(t.Meta.AsOf), DefinitionVersion: t.Meta.CatalogueVersion, Approximate: t.Meta.Approximate}
	for _, p := range t.Points {
		tp := &model.TrendPoint{Period: p.Period}
		if tp.PeriodFirstDay, tp.PeriodLastDay, err = periodDays(p.Period); err != nil {
			return nil, err
		}
		tp.Value, tp.Numerator, tp.Denominator, tp.Status, tp.Target, _ = values(p.Value)
		tp.ExactValue = p.Value.Exact
		out.Points = append(out.Points, tp)
	}
	return out, nil
}

func (r *Resolver) aggregate(ctx context.Context, measures []model.Measure, dims []model.Dimension, f model.AggregateFilter) (*model.Aggregate, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(measures))
	for i, m := range measures {
		names[i] = string(m)
	}
	bs := make([]analytics.Breakdown, len(dims))
	for i, d := range dims {
		bs[i] = analytics.Breakdown(d)
	}
	flt := analytics.AggregateFilter{Period: deref(f.Period), From: deref(f.From), To: deref(f.To), OrgUnit: deref(f.OrgUnit),
		Sex: optCode(f.Sex, indicators.Sexes), AgeBand: deref(f.AgeBand), Group: deref(f.Group),
		Poverty: optCode(f.Poverty, indicators.Poverty), PeriodType: deref(f.PeriodType)}
	ans, err := a.Aggregate(ctx, names, bs, flt)
	if err != nil {
		return nil, err
	}
	out := &model.Aggregate{Rows: []*model.AggregateRow{}, AsOf: toAsOf(ans.Meta.AsOf), Approximate: ans.Meta.Approximate}
	for _, row := range ans.Rows {
		mr := &model.AggregateRow{Keys: toKeys(row.Keys)}
		for _, v := range row.Values {
			mv := &model.MeasureValue{Measure: model.Measure(v.Measure), Status: model.CellStatus(v.Status)}
			if v.Value != nil {
				n := int(*v.Value)
				mv.Value = &n
			}
			mr.Values = append(mr.Values, mv)
		}
		out.Rows = append(out.Rows, mr)
	}
	return out, nil
}

func (r *Resolver) childFriendlyCommunes(ctx context.Context, year int, district *string) (*model.ChildFriendlyCommunes, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	ans, err := a.ChildFriendly(ctx, year, deref(district))
	if err != nil {
		return nil, err
	}
	out := &model.ChildFriendlyCommunes{Year: ans.Year, Communes: []*model.CommuneAssessment{}, Districts: []*model.RecognitionSummary{},
		Province: toSummary(ans.Province), ScoringVersion: ans.TableVersion, Provisional: ans.Provisional,
		AsOf: toAsOf(ans.Meta.AsOf), Approximate: ans.Meta.Approximate}
	for _, c := range ans.Communes {
		ca := &model.CommuneAssessment{Commune: toUnit(c.Commune), District: c.District,
			Category:      enumOf[model.CommuneCategory](c.Category),
			TotalScoreMin: c.Result.Total, TotalScoreMax: c.Result.TotalMax, Threshold: c.Result.Threshold,
			FailedCriteria: append([]int{}, c.Result.FailedCriteria...), Provisional: c.Result.Provisional, Status: model.CellStatusOk}
		if c.Result.Total == c.Result.TotalMax {
			ca.TotalScore = ptr(c.Result.Total)
		}
		ca.NotAssessed, ca.MissingItems = c.Result.NotAssessed, append([]string{}, c.Result.Missing...)
		switch {
		case c.Result.NotAssessed:
			ca.Status = model.CellStatusNoData
		case c.Result.Undetermined:
			ca.Status = model.CellStatusSuppressed
		default:
			ca.Recognised = ptr(c.Result.Recognised)
		}
		for _, cr := range c.Result.Criteria {
			cs := &model.CriterionScore{Number: cr.Number, Name: cr.NameVi, NameEn: cr.NameEn, ScoreMin: cr.Score,
				ScoreMax: cr.ScoreMax, MaxScore: cr.MaxScore, Provisional: cr.Provisional}
			if cr.Score == cr.ScoreMax {
				cs.Score = ptr(cr.Score)
			}
			bands := make([]string, 0, len(cr.Items))
			for _, it := range cr.Items {
				ci := &model.CriterionItem{ID: it.ID, ScoreMin: it.Score, ScoreMax: it.ScoreMax, Provisional: it.Provisional,
					Value: c.Shown[it.Reads], Status: model.CellStatus(c.Status[it.Reads]), NotAssessed: it.NotAssessed}
				if it.Determined() {
					ci.Score = ptr(it.Score)
				}
				if it.Band != "" {
					ci.Band = ptr(it.Band)
					bands = append(bands, it.ID+": "+it.Band)
				}
				cs.Items = append(cs.Items, ci)
			}
			switch {
			case len(cs.Items) == 1:
				cs.Value, cs.Band = cs.Items[0].Value, cs.Items[0].Band
			case len(bands) == len(cs.Items):
				cs.Band = ptr(strings.Join(bands, "; "))
			}
			ca.Criteria = append(ca.Criteria, cs)
		}
		out.Communes = append(out.Communes, ca)
	}
	for _, d := range ans.Districts {
		out.Districts = append(out.Districts, toSummary(d))
	}
	return out, nil
}

func (r *Resolver) communicationByChannel(ctx context.Context, year int, quarter *int, district *string, level *model.OrgLevel,
	within *string) (*model.CommunicationByChannel, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	q := 0
	if quarter != nil {
		q = *quarter
	}
	ans, err := a.CommunicationByChannel(ctx, year, q, deref(district), deref(level), deref(within))
	if err != nil {
		return nil, err
	}
	return &model.CommunicationByChannel{Year: ans.Year, Quarter: quarter, Province: channelCounts(ans.Province),
		Districts: channelCounts(ans.Districts), Units: channelCounts(ans.Units), AsOf: toAsOf(ans.Meta.AsOf), ExactForThisRole: ans.Meta.ExactForThisRole}, nil
}

func channelCounts(cs []analytics.ChannelCount) []*model.ChannelQuarterCount {
	out := make([]*model.ChannelQuarterCount, len(cs))
	for i, c := range cs {
		m := &model.ChannelQuarterCount{Area: toUnit(c.Area), Quarter: c.Quarter, Channel: enumOf[model.CommunicationChannel](c.Channel),
			Status: model.CellStatus(c.Activities.Status), ReachStatus: model.CellStatus(c.Reach.Status)}
		if v, ok := hasValue(c.Activities); ok {
			m.Activities = ptr(int(v))
		}
		if v, ok := hasValue(c.Reach); ok {
			m.Reach = ptr(int64(v))
		}
		if v, ok := hasValue(c.ReachReported); ok {
			m.ReachReported = ptr(int(v))
		}
		out[i] = m
	}
	return out
}

// hasValue is a count's value when it has one: neither withheld nor beyond
// the warehouse's months.
func hasValue(c disclosure.Count) (uint64, bool) {
	return c.Value, c.Released() && c.Status != disclosure.NoData
}

func (r *Resolver) childFriendlyScoring(ctx context.Context) (*model.ScoringTable, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	t, err := a.ScoringTable(ctx)
	if err != nil {
		return nil, err
	}
	return toScoring(t)
}

func (r *Resolver) uploadChildFriendlyScoring(ctx context.Context, table string, override *string) (*model.UploadChildFriendlyScoringPayload, error) {
	t, err := r.storeScoring(ctx, table, override)
	return answer(ctx, "", t, err, scoringPayload)
}

func (r *Resolver) storeScoring(ctx context.Context, table string, override *string) (*model.ScoringTable, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	t, err := a.UploadScoringTable(ctx, []byte(table), deref(override))
	if err != nil {
		return nil, err
	}
	return toScoring(t)
}

func (r *Resolver) report(ctx context.Context, p string) (*model.PeriodicReport, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	rep, err := a.Report(ctx, p, time.Now())
	if err != nil {
		return nil, err
	}
	out := &model.PeriodicReport{Period: rep.Period, DueOn: scalar.Date{Time: rep.DueOn}, Units: []*model.ReportUnit{},
		Departments: []*model.ReportDepartment{},
		Level:       model.ReportLevel(strings.ToUpper(rep.Level)), AsOf: toAsOf(rep.Meta.AsOf), Approximate: rep.Meta.Approximate}
	if out.PeriodFirstDay, out.PeriodLastDay, err = periodDays(rep.Period); err != nil {
		return nil, err
	}
	for _, u := range rep.Units {
		ru := &model.ReportUnit{OrgUnit: toUnit(u.Unit), DueOn: scalar.Date{Time: u.DueOn},
			Submission: model.SubmissionStatus(u.Submission)}
		ru.SubmittedAt = scalar.DateTimePtr(u.SubmittedAt)
		if u.Since != nil {
			ru.Since = &scalar.Date{Time: *u.Since}
		}
		ru.Items = reportItems(u.Items)
		out.Units = append(out.Units, ru)
	}
	for _, d := range rep.Departments {
		out.Departments = append(out.Departments, &model.ReportDepartment{Department: departmentModel(d.Department),
			DueOn: scalar.Date{Time: d.DueOn}, SubmittedAt: scalar.DateTimePtr(d.SubmittedAt), Submission: model.SubmissionStatus(d.Submission)})
	}
	return out, nil
}

func reportItems(items []analytics.ReportItem) []*model.ReportItem {
	out := make([]*model.ReportItem, len(items))
	for i, it := range items {
		out[i] = &model.ReportItem{Key: it.Key, Label: it.LabelVi, Value: it.Value, Status: model.CellStatus(it.Status)}
	}
	return out
}

func (r *Resolver) summaryReport(ctx context.Context, from, to int, orgUnit *string) (*model.SummaryReport, error) {
	a, err := r.analytics()
	if err != nil {
		return nil, err
	}
	s, err := a.SummaryReport(ctx, from, to, deref(orgUnit))
	if err != nil {
		return nil, err
	}
	out := &model.SummaryReport{OrgUnit: toUnit(s.Unit), From: s.From, To: s.To, Years: []*model.SummaryYear{},
		AsOf: toAsOf(s.Meta.AsOf), ExactForThisRole: s.Meta.ExactForThisRole, Approximate: s.Meta.Approximate}
	for _, y := range s.Years {
		my := &model.SummaryYear{Year: y.Year}
		field := map[string]**model.SummaryValue{"children": &my.Children, "special": &my.SpecialCircumstances,
			"birth_registration": &my.BirthRegistration, "insurance": &my.HealthInsurance, "abused": &my.Abused,
			"injured": &my.Injuries, "drowning_deaths": &my.DrowningDeaths, "swimming": &my.SwimmingTrained,
			"gift_visits": &my.GiftVisits, "child_friendly": &my.ChildFriendlyCommunes}
		for i, f := range s.Figures {
			dst, ok := field[f.Key]
			if !ok {
				return nil, domain.Errorf(domain.CodeInternal, "summary figure %s has no field", f.Key)
			}
			v := &model.SummaryValue{ExactValue: y.Values[i].Exact}
			v.Value, v.Numerator, v.Denominator, v.Status, v.Target, v.MeetsTarget = values(y.Values[i])
			*dst = v
		}
		out.Years = append(out.Years, my)
	}
	return out, nil
}

func toIndicator(in *indicators.Indicator) *model.Indicator {
	m := &model.Indicator{ID: in.ID, NameVi: in.NameVi, NameEn: in.NameEn, Factor: in.Factor,
		Unit: model.IndicatorUnit(in.Unit()), Decimals: *in.Decimals,
		Direction: model.DirectionLower, Aggregation: enumOf[model.Aggregation](string(in.Aggregation)), LegalSource: in.LegalSource,
		Version: in.Version, EffectiveFrom: in.EffectiveFrom, Targets: []*model.Target{}}
	if in.HigherIsBetter() {
		m.Direction = model.DirectionHigher
	}
	for _, t := range in.Targets {
		m.Targets = append(m.Targets, &model.Target{Year: t.Year, Value: t.Value, Provisional: t.Provisional})
	}
	m.Sensitive = in.Source == indicators.FromChildMonth && indicators.Sensitive(in.Numerator.Measure, "")
	m.SuppressionThreshold = disclosure.DefaultK
	if m.Sensitive {
		m.SuppressionThreshold = disclosure.DefaultKSensitive
	}
	return m
}

func toUnit(u analytics.Unit) *model.AnalyticsUnit {
	level := model.OrgLevelCommune
	switch u.Level {
	case "province":
		level = model.OrgLevelProvince
	case "district":
		level = model.OrgLevelDistrict
	}
	return &model.AnalyticsUnit{Code: u.Code, Name: u.Name, Level: level}
}

func toAsOf(a analytics.AsOf) *model.AsOf {
	if a.RunID == "" {
		return &model.AsOf{}
	}
	return &model.AsOf{RunID: &a.RunID, FinishedAt: &scalar.DateTime{Time: a.FinishedAt}, Watermark: &a.Watermark}
}

func toKeys(ks []analytics.Key) []*model.Key {
	out := make([]*model.Key, 0, len(ks))
	for _, k := range ks {
		mk := &model.Key{Dimension: model.Dimension(k.Dimension), Value: k.Value}
		if mk.Dimension == model.DimensionPoverty || mk.Dimension == model.DimensionSex {
			mk.Value = enumOf[string](k.Value) // as PovertyKey and Sex spell it
		}
		if mk.Dimension == model.DimensionPeriod {
			if first, last, err := periodDays(k.Value); err == nil {
				mk.FirstDay, mk.LastDay = &first, &last
			}
		}
		out = append(out, mk)
	}
	return out
}

// periodDays is the first and last day of a period label of an answer.
func periodDays(label string) (first, last scalar.Date, err error) {
	f, l, err := period.Days(label)
	if err != nil {
		return first, last, domain.Wrap(err, domain.CodeInternal, "unreadable period label "+label)
	}
	return scalar.Date{Time: f}, scalar.Date{Time: l}, nil
}

func toSummary(s analytics.Summary) *model.RecognitionSummary {
	out := &model.RecognitionSummary{OrgUnit: toUnit(s.Unit), Communes: s.Communes, Recognised: s.Recognised,
		Undetermined: s.Undetermined, NotAssessed: s.NotAssessed, Share: s.Share, Target2025: s.Target2025, Target2030: s.Target2030}
	out.Meets2025, out.Meets2030 = meets(s, s.Target2025), meets(s, s.Target2030)
	return out
}

// meets decides a recognition target when the undetermined communes cannot
// change the answer: met by the certain ones alone, or missed even if all of
// the undetermined were recognised.
func meets(s analytics.Summary, target float64) *bool {
	assessed := s.Communes - s.NotAssessed
	if assessed == 0 {
		return nil
	}
	lo := float64(s.Recognised) / float64(assessed) * 100
	hi := float64(s.Recognised+s.Undetermined) / float64(assessed) * 100
	switch {
	case lo >= target:
		return ptr(true)
	case hi < target:
		return ptr(false)
	}
	return nil
}

func toScoring(t *childfriendly.Table) (*model.ScoringTable, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeInternal, "cannot encode the scoring table")
	}
	n := 0
	for _, c := range t.Criteria {
		for _, it := range c.Items {
			for _, b := range it.Bands {
				if b.Provisional {
					n++
				}
			}
			if it.NoDataProvisional {
				n++
			}
		}
	}
	return &model.ScoringTable{Version: t.Version, JSON: string(raw), ProvisionalBands: n}, nil
}

// values converts a released indicator value to the model's fields.
func values(v analytics.Value) (value *float64, num, den *int, st model.CellStatus, target *float64, meets *bool) {
	value, st, meets = v.Value, model.CellStatus(v.Status), v.MeetsTarget
	if v.Numerator != nil {
		n := int(*v.Numerator)
		num = &n
	}
	if v.Denominator != nil {
		d := int(*v.Denominator)
		den = &d
	}
	if v.Target != nil {
		t := v.Target.Value
		target = &t
	}
	return
}

// deref reads an optional string argument, or an optional enum as its
// name; absent is "".
func deref[T ~string](s *T) string {
	if s == nil {
		return ""
	}
	return string(*s)
}

func ptr[T any](v T) *T { return &v }

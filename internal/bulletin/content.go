package bulletin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"treem/internal/analytics"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// comparedIndicator is the indicator the unit comparison ranks: the plan's
// first target, which every commune reports.
const comparedIndicator = "birth_registration_u5"

// reorganised is the day the districts were abolished: later quarters
// compare the communes and wards.
var reorganised = time.Date(2025, 7, 1, 0, 0, 0, 0, domain.Vietnam)

// content draws a quarter's numbers as the analytics service releases them to
// an analyst. The caller stays the subject of the analytics audit; only the
// role is lowered, so that the issue, read by leaders and every other role,
// holds no number that disclosure control withholds from them.
func (s *Service) content(ctx context.Context, year, quarter int) (*domain.BulletinContent, error) {
	u := domain.UserFrom(ctx)
	if u == nil {
		return nil, domain.Errorf(domain.CodeUnauthenticated, "sign in to draw the bulletin")
	}
	ctx = domain.WithUser(ctx, &domain.User{Subject: u.Subject, Role: domain.RoleAnalyst, Area: analytics.ProvinceCode})
	d := &drawing{Service: s, year: year, quarter: quarter, period: domain.QuarterPeriod(year, quarter)}
	for _, section := range []func(context.Context) (domain.BulletinSection, error){
		d.keyIndicators, d.comparison, d.giftVisits, d.swimming, d.channels, d.trainingInspections, d.forums, d.childFriendly,
	} {
		sec, err := section(ctx)
		if err != nil {
			return nil, fmt.Errorf("bulletin %s: %w", d.period, err)
		}
		d.c.Sections = append(d.c.Sections, sec)
	}
	d.c.Period = d.period
	return &d.c, nil
}

// drawing is one issue's content being drawn; every answer must cite the
// same run.
type drawing struct {
	*Service
	year, quarter int
	period        string
	c             domain.BulletinContent
}

// cite records the run an answer came from; answers from two runs are CONFLICT.
func (d *drawing) cite(m analytics.Meta) error {
	switch {
	case d.c.RunID == "":
		d.c.RunID = m.AsOf.RunID
		d.c.MonthsTo = m.AsOf.MonthsTo.Format("2006-01")
	case d.c.RunID != m.AsOf.RunID:
		return domain.Errorf(domain.CodeConflict, "an ETL run landed while the bulletin was drawn: try again")
	}
	return nil
}

// valueRow is an indicator value as a row.
func valueRow(label string, ind *indicators.Indicator, v analytics.Value) domain.BulletinRow {
	r := domain.BulletinRow{Label: label, Value: v.Value, Decimals: *ind.Decimals, Unit: ind.Unit(), Status: string(v.Status)}
	if v.Target != nil {
		t := v.Target.Value
		r.Target, r.Meets = &t, v.MeetsTarget
	}
	return r
}

// countRow is a released count as a row.
func countRow(label string, c *uint64, st disclosure.Status) domain.BulletinRow {
	r := domain.BulletinRow{Label: label, Unit: indicators.UnitCount, Status: string(st)}
	if c != nil {
		v := float64(*c)
		r.Value = &v
	}
	return r
}

// keyIndicators are the province's values for the quarter of every indicator
// counted from children's months that has a target for the year.
func (d *drawing) keyIndicators(ctx context.Context) (domain.BulletinSection, error) {
	sec := domain.BulletinSection{Key: "indicators", Title: "Các chỉ tiêu chính so với mục tiêu",
		Note: "Toàn tỉnh, quý " + d.period + "; mục tiêu quốc gia áp dụng cho năm."}
	var ids []string
	for _, ind := range d.an.Catalogue().Indicators {
		if (ind.Source == "" || ind.Source == indicators.FromChildMonth) && ind.TargetFor(d.year) != nil {
			ids = append(ids, ind.ID)
		}
	}
	p, err := periodOf(d.period)
	if err != nil {
		return sec, err
	}
	a, err := d.an.IndicatorValues(ctx, analytics.IndicatorValuesRequest{IDs: ids, OrgUnits: []string{analytics.ProvinceCode},
		Periods: p})
	if err != nil {
		return sec, err
	}
	for _, v := range a.Values {
		sec.Rows = append(sec.Rows, valueRow(v.Indicator.NameVi, v.Indicator, v.Value))
	}
	return sec, d.cite(a.Meta)
}

// comparison ranks the 2021 districts on the compared indicator, or from
// July 2025, when the districts were abolished, the communes and wards.
func (d *drawing) comparison(ctx context.Context) (domain.BulletinSection, error) {
	if !domain.QuarterEnd(d.year, d.quarter).After(reorganised) {
		a, err := d.an.CompareDistricts(ctx, comparedIndicator, d.period)
		if err != nil {
			return domain.BulletinSection{}, err
		}
		sec := domain.BulletinSection{Key: "comparison", Title: "So sánh các huyện, thành phố: " + a.Indicator.NameVi}
		sec.Rows = append(sec.Rows, valueRow("Toàn tỉnh", a.Indicator, a.Province))
		for _, u := range a.Districts {
			sec.Rows = append(sec.Rows, valueRow(u.Name, a.Indicator, u.Value))
		}
		return sec, d.cite(a.Meta)
	}
	a, err := d.an.CompareUnits(ctx, comparedIndicator, d.period, "COMMUNE", "")
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "comparison", Title: "So sánh các xã, phường: " + a.Indicator.NameVi}
	sec.Rows = append(sec.Rows, valueRow("Toàn tỉnh", a.Indicator, a.Province.Value))
	for _, u := range a.Units {
		sec.Rows = append(sec.Rows, valueRow(u.Name, a.Indicator, u.Value))
	}
	return sec, d.cite(a.Meta)
}

// occasionNames are the gift-visit occasions (indicators.GiftOccasions) in Vietnamese.
var occasionNames = map[string]string{
	"children_day": "Ngày Quốc tế Thiếu nhi 1/6", "mid_autumn": "Tết Trung thu", "tet": "Tết Nguyên đán",
}

// giftVisits are the quarter's visits with gifts by occasion, then all of
// them. Every occasion has its row, visits or not: which occasions had visits
// would otherwise tell a withheld 0 from a withheld 4.
func (d *drawing) giftVisits(ctx context.Context) (domain.BulletinSection, error) {
	measures := make([]string, 0, len(indicators.GiftOccasions)+1)
	for _, o := range indicators.GiftOccasions {
		m, _ := indicators.GiftVisitsOf(o)
		measures = append(measures, strings.ToUpper(m.Name()))
	}
	a, err := d.an.Aggregate(ctx, append(measures, "GIFT_VISITS"), nil, analytics.AggregateFilter{Period: d.period})
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "gift_visits", Title: "Thăm hỏi, tặng quà trẻ em",
		Note: "Lượt thăm hỏi, tặng quà trong quý theo dịp, toàn tỉnh."}
	for _, row := range a.Rows {
		for _, v := range row.Values {
			label := "Tất cả các dịp"
			if o, ok := strings.CutPrefix(strings.ToLower(v.Measure), "gift_visits_"); ok {
				label = occasionNames[o]
			}
			sec.Rows = append(sec.Rows, countRow(label, v.Value, v.Status))
		}
	}
	return sec, d.cite(a.Meta)
}

// swimming counts the quarter's enrolments in and completions of safe-swimming classes.
func (d *drawing) swimming(ctx context.Context) (domain.BulletinSection, error) {
	a, err := d.an.Aggregate(ctx, []string{"SWIM_ENROLLED", "SWIM_COMPLETED"}, nil, analytics.AggregateFilter{Period: d.period})
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "swimming", Title: "Lớp dạy bơi an toàn", Note: "Lượt trẻ em trong quý, toàn tỉnh."}
	labels := map[string]string{"swim_enrolled": "Trẻ em đăng ký học bơi", "swim_completed": "Trẻ em hoàn thành lớp bơi"}
	for _, row := range a.Rows {
		for _, v := range row.Values {
			sec.Rows = append(sec.Rows, countRow(labels[strings.ToLower(v.Measure)], v.Value, v.Status))
		}
	}
	return sec, d.cite(a.Meta)
}

// channelNames are the plan's communication channels (domain.CommunicationChannels) in Vietnamese.
var channelNames = map[string]string{
	"campaign": "Chiến dịch, sự kiện", "tv_dn1": "Truyền hình ĐN1", "tv_dn2": "Truyền hình ĐN2",
	"broadcaster_website": "Trang thông tin Đài PT-TH", "broadcaster_fanpage": "Fanpage Đài PT-TH",
	"loudspeaker": "Loa truyền thanh xã", "led_screen": "Màn hình LED", "bulletin": "Bản tin",
	"panel_poster": "Pa nô, áp phích", "printed_leaflet_booklet": "Tờ rơi, sổ tay", "other": "Khác",
}

// channels are the quarter's communication activities per channel, province-wide.
func (d *drawing) channels(ctx context.Context) (domain.BulletinSection, error) {
	a, err := d.an.CommunicationByChannel(ctx, d.year, d.quarter, "", "", "")
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "channels", Title: "Truyền thông theo kênh", Note: "Số hoạt động trong quý, toàn tỉnh."}
	for _, c := range a.Province {
		var v *uint64
		if c.Activities.Released() {
			v = &c.Activities.Value
		}
		name := channelNames[c.Channel]
		if name == "" {
			name = c.Channel
		}
		sec.Rows = append(sec.Rows, countRow(name, v, c.Activities.Status))
	}
	return sec, d.cite(a.Meta)
}

// trainingInspections are the year's training and inspection indicators:
// both are counted per commune and year.
func (d *drawing) trainingInspections(ctx context.Context) (domain.BulletinSection, error) {
	p, err := periodOf(fmt.Sprint(d.year))
	if err != nil {
		return domain.BulletinSection{}, err
	}
	a, err := d.an.IndicatorValues(ctx, analytics.IndicatorValuesRequest{
		IDs: []string{"commune_officer_training", "inspection_recommendations_on_time"}, OrgUnits: []string{analytics.ProvinceCode},
		Periods: p})
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "training_inspections", Title: "Tập huấn và kiểm tra chuyên đề",
		Note: fmt.Sprintf("Cả năm %d, theo dữ liệu đến tháng %s.", d.year, d.c.MonthsTo)}
	for _, v := range a.Values {
		sec.Rows = append(sec.Rows, valueRow(v.Indicator.NameVi, v.Indicator, v.Value))
	}
	return sec, d.cite(a.Meta)
}

// forums are the year's children's forums: the communes that declared one
// (commune_facts.children_forums, which the child-friendly scoring reads) and
// the share of the forums' recommendations answered on time, from the
// recorded forums. Both are counted per commune and year.
func (d *drawing) forums(ctx context.Context) (domain.BulletinSection, error) {
	a, err := d.an.ChildFriendly(ctx, d.year, "")
	if err != nil {
		return domain.BulletinSection{}, err
	}
	var held, declared uint64
	for _, c := range a.Communes {
		if !c.HasFacts {
			continue
		}
		declared++
		if v := c.Shown["children_forums"]; v != nil && *v > 0 {
			held++
		}
	}
	p, err := periodOf(fmt.Sprint(d.year))
	if err != nil {
		return domain.BulletinSection{}, err
	}
	answered, err := d.an.IndicatorValues(ctx, analytics.IndicatorValuesRequest{
		IDs: []string{"forum_recommendations_on_time"}, OrgUnits: []string{analytics.ProvinceCode}, Periods: p})
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "forums", Title: "Diễn đàn trẻ em",
		Note: fmt.Sprintf("Năm %d: số xã, phường theo số liệu tự khai; kiến nghị của trẻ em theo các diễn đàn đã ghi nhận.", d.year),
		Rows: []domain.BulletinRow{
			countRow("Xã, phường đã khai số liệu", &declared, disclosure.OK),
			countRow("Xã, phường tổ chức diễn đàn trẻ em", &held, disclosure.OK),
		}}
	for _, v := range answered.Values {
		sec.Rows = append(sec.Rows, valueRow(v.Indicator.NameVi, v.Indicator, v.Value))
	}
	if err := d.cite(a.Meta); err != nil {
		return domain.BulletinSection{}, err
	}
	return sec, d.cite(answered.Meta)
}

// childFriendly is the latest complete assessment of the child-friendly
// communes: the year before the issue's.
func (d *drawing) childFriendly(ctx context.Context) (domain.BulletinSection, error) {
	a, err := d.an.ChildFriendly(ctx, d.year-1, "")
	if err != nil {
		return domain.BulletinSection{}, err
	}
	sec := domain.BulletinSection{Key: "child_friendly", Title: "Xã, phường phù hợp với trẻ em",
		Note: fmt.Sprintf("Kết quả đánh giá năm %d: tỷ lệ xã, phường đạt chuẩn.", a.Year)}
	row := func(sm analytics.Summary) domain.BulletinRow {
		st := disclosure.OK
		if sm.Share == nil {
			st = disclosure.Suppressed
		}
		r := domain.BulletinRow{Label: sm.Unit.Name, Value: sm.Share, Decimals: 1, Unit: indicators.UnitPercent, Status: string(st)}
		if sm.Target2025 > 0 {
			t := sm.Target2025
			r.Target = &t
		}
		return r
	}
	sec.Rows = append(sec.Rows, row(a.Province))
	for _, sm := range a.Districts {
		sec.Rows = append(sec.Rows, row(sm))
	}
	return sec, d.cite(a.Meta)
}

// periodOf is one period as the indicator requests take it.
func periodOf(s string) ([]period.Period, error) {
	p, err := period.Parse("period", s)
	if err != nil {
		return nil, err
	}
	return []period.Period{p}, nil
}

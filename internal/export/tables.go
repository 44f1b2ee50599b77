package export

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"treem/internal/analytics"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/indicators"
	"treem/internal/period"
)

// The columns that more than one export holds, named once so that a name
// means one thing everywhere: "Chỉ tiêu" is the indicator, "Mục tiêu" its
// national target.
var (
	colIndicatorID   = Column{"indicator_id", "Mã chỉ tiêu", Text}
	colIndicatorName = Column{"indicator_name", "Chỉ tiêu", Text}
	colValueUnit     = Column{"value_unit", "Đơn vị tính", Text}
	colPeriod        = Column{"period", "Kỳ", Text}
	colUnitCode      = Column{"unit_code", "Mã đơn vị", Text}
	colUnitName      = Column{"unit_name", "Tên đơn vị", Text}
	colValue         = Column{"value", "Giá trị", Decimal}
	colNumerator     = Column{"numerator", "Tử số", Integer}
	colDenominator   = Column{"denominator", "Mẫu số", Integer}
	colStatus        = Column{"status", "Trạng thái", Text}
	colTarget        = Column{"target", "Mục tiêu", Decimal}
	colGap           = Column{"gap_to_target", "Chênh lệch so với mục tiêu", Decimal}
	colRank          = Column{"rank", "Xếp hạng", Integer}
	colChange        = Column{"change_from_previous", "Thay đổi so với kỳ trước", Decimal}
	colChangeStatus  = Column{"change_status", "Trạng thái của thay đổi", Text}
	colDistrictCode  = Column{"district_code", "Mã huyện (2021)", Text}
	colDistrictName  = Column{"district_name", "Tên huyện (2021)", Text}
	colMeetsTarget   = Column{"meets_target", "Đạt mục tiêu", Text}
)

// valueColumns are the columns of an indicator's value (valueCells).
var valueColumns = []Column{colValue, colNumerator, colDenominator, colStatus, colTarget, colGap}

// keyColumns are the columns of each breakdown: a unit by code and name.
var keyColumns = map[analytics.Breakdown][]Column{
	analytics.ByPeriod:   {colPeriod},
	analytics.ByDistrict: {colDistrictCode, colDistrictName},
	analytics.ByCommune:  {{"commune_code", "Mã xã", Text}, {"commune_name", "Tên xã", Text}},
	analytics.BySex:      {{"sex", "Giới tính", Text}},
	analytics.ByAgeBand:  {{"age_band", "Nhóm tuổi", Text}},
	analytics.ByGroup:    {{"group", "Nhóm hoàn cảnh đặc biệt", Text}},
	analytics.ByPoverty:  {{"poverty", "Tình trạng nghèo", Text}},
}

// answer asks a the question of the table named and lays its answer out.
func answer(r *http.Request, a Analytics, table string) (Table, error) {
	ctx, q := r.Context(), r.URL.Query()
	switch table {
	case "compare-districts":
		c, err := a.CompareDistricts(ctx, q.Get("indicator"), q.Get("period"))
		if err != nil {
			return Table{}, err
		}
		t := Table{Title: "So sánh các huyện: " + c.Indicator.NameVi + " — " + c.Period,
			Columns: slices.Concat([]Column{colIndicatorID, colIndicatorName, colValueUnit, colPeriod, colUnitCode, colUnitName},
				valueColumns, []Column{colRank, colChange})}
		row := func(code, name string, v analytics.Value, gap *float64, rank *int, change *float64) []any {
			cells := slices.Concat(indicatorCells(c.Indicator), []any{c.Period, code, name}, valueCells(c.Indicator, v, gap))
			if !released(v) {
				rank, change = nil, nil
			}
			return append(cells, integer(rank), decimal(c.Indicator, change))
		}
		t.Rows = append(t.Rows, row(analytics.ProvinceCode, provinceName[c.ProvinceArea], c.Province, nil, nil, nil))
		for _, d := range c.Districts {
			t.Rows = append(t.Rows, row(d.Code, d.Name, d.Value, d.Gap, d.Rank, d.Change))
		}
		t.Notes = notes(c.Meta)
		return t, nil
	case "compare-units":
		return compareUnits(r, a)
	case "indicator-values":
		req := analytics.IndicatorValuesRequest{IDs: list(q, "ids"), OrgUnits: list(q, "orgUnits"), Level: q.Get("level")}
		ps, err := period.List(list(q, "periods"), q.Get("from"), q.Get("to"), q.Get("periodType"))
		if err != nil {
			return Table{}, err
		}
		req.Periods = ps
		req.Breakdown = breakdowns(list(q, "breakdown"))
		req.Compare = true
		ans, err := a.IndicatorValues(ctx, req)
		if err != nil {
			return Table{}, err
		}
		t := Table{Title: "Giá trị chỉ tiêu",
			Columns: slices.Concat([]Column{colIndicatorID, colIndicatorName, colValueUnit, colPeriod, colUnitCode, colUnitName},
				breakdownColumns(req.Breakdown), valueColumns, []Column{colRank, colChange, colChangeStatus})}
		for _, v := range ans.Values {
			rank, change := v.Rank, v.Change
			if !released(v.Value) {
				rank, change = nil, nil
			}
			t.Rows = append(t.Rows, slices.Concat(indicatorCells(v.Indicator), []any{v.Period, v.OrgUnit.Code, v.OrgUnit.Name},
				keyCells(v.Keys), valueCells(v.Indicator, v.Value, v.Gap),
				[]any{integer(rank), decimal(v.Indicator, change), string(v.ChangeStatus)}))
		}
		t.Notes = append(notes(ans.Meta), "Xếp hạng / rank: thứ hạng trong các đơn vị cùng cấp của bảng, cùng kỳ và cùng nhóm phân tổ "+
			"(tốt nhất là 1; giá trị bị ẩn không được xếp hạng). Thay đổi / change_from_previous: giá trị trừ giá trị kỳ trước cùng loại; "+
			"change_status cho biết vì sao ô để trống (SUPPRESSED — một trong hai giá trị bị ẩn; NO_DATA — kỳ trước không có số liệu).")
		return t, nil
	case "child-friendly-communes":
		return childFriendly(r, a)
	case "aggregate":
		dims := breakdowns(list(q, "dimensions"))
		ans, err := a.Aggregate(ctx, list(q, "measures"), dims, analytics.AggregateFilter{
			Period: q.Get("period"), From: q.Get("from"), To: q.Get("to"), PeriodType: q.Get("periodType"),
			OrgUnit: q.Get("orgUnit"), Sex: q.Get("sex"), AgeBand: q.Get("ageBand"), Group: q.Get("group"), Poverty: q.Get("poverty")})
		if err != nil {
			return Table{}, err
		}
		// The answer's keys give the period (once, however often asked)
		// first, then the other dimensions in the order asked.
		if slices.Contains(dims, analytics.ByPeriod) {
			dims = append([]analytics.Breakdown{analytics.ByPeriod},
				slices.DeleteFunc(dims, func(b analytics.Breakdown) bool { return b == analytics.ByPeriod })...)
		}
		t := Table{Title: "Tổng hợp số liệu", Columns: slices.Concat(breakdownColumns(dims),
			[]Column{{"measure", "Số liệu", Text}, {"value", "Giá trị", Integer}, colStatus})}
		// One row per measure and combination of keys: a tidy table.
		for _, row := range ans.Rows {
			keys := keyCells(row.Keys)
			for _, v := range row.Values {
				var val any
				if v.Value != nil && v.Status != disclosure.Suppressed {
					val = int(*v.Value)
				}
				t.Rows = append(t.Rows, slices.Concat(keys, []any{v.Measure, val, string(v.Status)}))
			}
		}
		t.Notes = notes(ans.Meta)
		return t, nil
	case "report":
		return report(r, a)
	case "ministry-statistics":
		return ministryStatistics(r, a)
	case "summary-report":
		return summaryReport(r, a)
	}
	return Table{}, domain.Errorf(domain.CodeNotFound, "unknown export table %q", table)
}

// provinceName names the province line of a comparison by the territory it covers.
var provinceName = map[string]string{
	"WHOLE_PROVINCE":  "Toàn tỉnh",
	"FORMER_DONG_NAI": "Toàn tỉnh (địa giới 11 huyện năm 2021)",
}

// compareUnits lays out a comparison by the units in force on the period's
// last day: the province lines first (the whole province, then the former
// Đồng Nai when the answer holds it), then the units best first, as the
// answer orders them.
func compareUnits(r *http.Request, a Analytics) (Table, error) {
	q := r.URL.Query()
	c, err := a.CompareUnits(r.Context(), q.Get("indicator"), q.Get("period"), q.Get("level"), q.Get("within"))
	if err != nil {
		return Table{}, err
	}
	t := Table{Title: "So sánh theo đơn vị hành chính ngày " + c.On.Format("02/01/2006") + ": " + c.Indicator.NameVi + " — " +
		c.Period + " (" + c.Within.Name + ")",
		Columns: slices.Concat([]Column{colIndicatorID, colIndicatorName, colValueUnit, colPeriod,
			{"on", "Đơn vị hành chính tại ngày", Text}, {"level", "Cấp đơn vị", Text},
			{"province_area", "Địa bàn của dòng toàn tỉnh", Text}, colUnitCode, colUnitName},
			valueColumns, []Column{colRank, colChange, colMeetsTarget, {"approximate", "Gần đúng", Text}})}
	row := func(area, code, name string, v analytics.Value, gap *float64, rank *int, change *float64, approx string) []any {
		cells := slices.Concat(indicatorCells(c.Indicator), []any{c.Period, c.On.Format(time.DateOnly), c.Level, area, code, name},
			valueCells(c.Indicator, v, gap))
		// meets_target is judged on the released value: a withheld value
		// has none, as it has no rank and no change.
		meets := any(nil)
		if !released(v) {
			rank, change = nil, nil
		} else if v.MeetsTarget != nil {
			meets = strconv.FormatBool(*v.MeetsTarget)
		}
		return append(cells, integer(rank), decimal(c.Indicator, change), meets, approx)
	}
	areas := []analytics.AreaValue{c.Province}
	if c.FormerDongNai != nil {
		areas = append(areas, *c.FormerDongNai)
	}
	for _, p := range areas {
		t.Rows = append(t.Rows, row(p.Area, analytics.ProvinceCode, provinceName[p.Area], p.Value, nil, nil, p.Change, ""))
	}
	for _, u := range c.Units {
		t.Rows = append(t.Rows, row("", u.Code, u.Name, u.Value, u.Gap, u.Rank, u.Change, strconv.FormatBool(u.Approximate)))
	}
	t.Notes = append(notes(c.Meta), "Dòng toàn tỉnh / province_area: WHOLE_PROVINCE — toàn tỉnh tại ngày "+c.On.Format("02/01/2006")+
		"; FORMER_DONG_NAI — riêng địa giới tỉnh Đồng Nai năm 2021 (11 huyện), so sánh được với các năm trước. "+
		"Mỗi đơn vị mang số liệu của các đơn vị mà nó thay thế; approximate = true khi lịch sử đó qua một lần chia tách hoặc một thay đổi chưa xác nhận.",
		"Đạt mục tiêu / meets_target: so giá trị đã công bố (đã làm tròn, sau kiểm soát công bố) với mục tiêu theo chiều của chỉ tiêu; "+
			"để trống khi không có giá trị hoặc không có mục tiêu. Xếp hạng / rank: 1 là tốt nhất, giá trị bị ẩn không được xếp hạng.")
	return t, nil
}

// summaryReport lays out the summary report tidily: one row per year and
// figure, the figure as an indicator (a count has no denominator).
func summaryReport(r *http.Request, a Analytics) (Table, error) {
	q := r.URL.Query()
	var years [2]int
	for i, name := range []string{"from", "to"} {
		y, err := strconv.Atoi(q.Get(name))
		if err != nil {
			return Table{}, domain.Invalid(name, "a year is a whole number, got %q", q.Get(name))
		}
		years[i] = y
	}
	s, err := a.SummaryReport(r.Context(), years[0], years[1], q.Get("orgUnit"))
	if err != nil {
		return Table{}, err
	}
	t := Table{Title: fmt.Sprintf("Báo cáo tổng kết %d–%d: %s", s.From, s.To, s.Unit.Name),
		Columns: slices.Concat([]Column{{"year", "Năm", Integer}, colUnitCode, colUnitName, {"figure", "Nội dung", Text},
			colIndicatorID, colIndicatorName, colValueUnit}, valueColumns)}
	for _, y := range s.Years {
		for i, f := range s.Figures {
			t.Rows = append(t.Rows, slices.Concat([]any{y.Year, s.Unit.Code, s.Unit.Name, f.Key}, indicatorCells(f.Indicator),
				valueCells(f.Indicator, y.Values[i], nil)))
		}
	}
	t.Notes = append(notes(s.Meta), "Số trẻ em là trẻ em dưới 16 tuổi (Luật Trẻ em 2016, Điều 1); số liệu tồn (số trẻ em, tỷ lệ) tính tại cuối năm, "+
		"số liệu phát sinh (xâm hại, tai nạn, đuối nước, thăm hỏi) trong năm.")
	return t, nil
}

func indicatorCells(ind *indicators.Indicator) []any {
	return []any{ind.ID, ind.NameVi, ind.Unit()}
}

// released reports whether v has a value to show: anything derived from a
// withheld value is withheld too.
func released(v analytics.Value) bool {
	return v.Value != nil && v.Status != disclosure.Suppressed && v.Status != disclosure.NoData
}

// valueCells are the cells of valueColumns: the numbers at the indicator's
// precision, empty where withheld, the status saying why.
func valueCells(ind *indicators.Indicator, v analytics.Value, gap *float64) []any {
	value, num := v.Value, v.Numerator
	if !released(v) {
		value, num, gap = nil, nil, nil
	}
	var target *float64
	if v.Target != nil {
		target = &v.Target.Value
	}
	return []any{decimal(ind, value), count(num), count(v.Denominator), string(v.Status), decimal(ind, target), decimal(ind, gap)}
}

// decimal is x at the indicator's precision, or an empty cell.
func decimal(ind *indicators.Indicator, x *float64) any {
	if x == nil {
		return nil
	}
	return Number{Value: ind.Round(*x), Places: *ind.Decimals}
}

func count(x *uint64) any {
	if x == nil {
		return nil
	}
	return int(*x)
}

func integer(x *int) any {
	if x == nil {
		return nil
	}
	return *x
}

func breakdowns(names []string) []analytics.Breakdown {
	out := make([]analytics.Breakdown, len(names))
	for i, n := range names {
		out[i] = analytics.Breakdown(n)
	}
	return out
}

// breakdownColumns are the columns of the keys of dims (known: the analytics
// service refused the rest).
func breakdownColumns(dims []analytics.Breakdown) []Column {
	var out []Column
	for _, d := range dims {
		out = append(out, keyColumns[d]...)
	}
	return out
}

func keyCells(keys []analytics.Key) []any {
	var out []any
	for _, k := range keys {
		out = append(out, k.Value)
		if len(keyColumns[k.Dimension]) == 2 {
			out = append(out, k.Name)
		}
	}
	return out
}

func childFriendly(r *http.Request, a Analytics) (Table, error) {
	q := r.URL.Query()
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil {
		return Table{}, domain.Invalid("year", "year must be a number")
	}
	ans, err := a.ChildFriendly(r.Context(), year, q.Get("district"))
	if err != nil {
		return Table{}, err
	}
	t := Table{Title: fmt.Sprintf("Xã, phường, thị trấn phù hợp với trẻ em — năm %d (bảng điểm %s)", year, ans.TableVersion)}
	t.Columns = []Column{{"year", "Năm", Integer}, colUnitCode, colUnitName, colDistrictCode, colDistrictName}
	if len(ans.Communes) > 0 {
		// Below province officer a criterion resting on withheld counts is a
		// range of points: its least and its most, both numbers.
		for _, cr := range ans.Communes[0].Result.Criteria {
			t.Columns = append(t.Columns,
				Column{fmt.Sprintf("criterion_%d_min", cr.Number), fmt.Sprintf("Tiêu chí %d — điểm thấp nhất", cr.Number), Integer},
				Column{fmt.Sprintf("criterion_%d_max", cr.Number), fmt.Sprintf("Tiêu chí %d — điểm cao nhất", cr.Number), Integer})
		}
	}
	t.Columns = append(t.Columns, Column{"total_min", "Tổng điểm thấp nhất", Integer}, Column{"total_max", "Tổng điểm cao nhất", Integer},
		Column{"threshold", "Ngưỡng đạt chuẩn", Integer}, Column{"recognition", "Kết quả", Text},
		Column{"failed_criteria", "Tiêu chí 0 điểm", Text}, Column{"missing_items", "Nội dung thiếu số liệu", Text},
		Column{"provisional", "Tạm tính", Text})
	districts := map[string]string{}
	for _, s := range ans.Districts {
		districts[s.Unit.Code] = s.Unit.Name
	}
	for _, c := range ans.Communes {
		res := c.Result
		row := []any{year, c.Commune.Code, c.Commune.Name, c.District, districts[c.District]}
		for _, cr := range res.Criteria {
			row = append(row, cr.Score, cr.ScoreMax)
		}
		failed := make([]string, len(res.FailedCriteria))
		for i, f := range res.FailedCriteria {
			failed[i] = strconv.Itoa(f)
		}
		row = append(row, res.Total, res.TotalMax, res.Threshold, recognition(res.Recognised, res.Undetermined, res.NotAssessed),
			strings.Join(failed, ", "), strings.Join(res.Missing, ", "), strconv.FormatBool(res.Provisional))
		t.Rows = append(t.Rows, row)
	}
	for _, s := range append(ans.Districts, ans.Province) {
		share := "—"
		if s.Share != nil {
			share = strconv.FormatFloat(*s.Share, 'f', 1, 64)
		}
		note := fmt.Sprintf("%s: %d/%d xã được đánh giá đạt chuẩn (%s%%; mục tiêu 2025: %g%%, 2030: %g%%)",
			s.Unit.Name, s.Recognised, s.Communes-s.NotAssessed, share, s.Target2025, s.Target2030)
		if s.NotAssessed > 0 {
			note += fmt.Sprintf("; %d xã chưa đánh giá (thiếu số liệu)", s.NotAssessed)
		}
		if s.Undetermined > 0 {
			note += fmt.Sprintf("; %d xã chưa xác định (dựa trên số bị ẩn)", s.Undetermined)
		}
		t.Notes = append(t.Notes, note)
	}
	t.Notes = append(t.Notes, "Kết quả / recognition: RECOGNISED — đạt chuẩn; NOT_RECOGNISED — chưa đạt chuẩn; "+
		"UNDETERMINED — chưa xác định (dựa trên số bị ẩn); NOT_ASSESSED — chưa đánh giá (thiếu số liệu).")
	t.Notes = append(t.Notes, notes(ans.Meta)...)
	return t, nil
}

// recognition is a commune's result as a code (legend in the notes).
func recognition(recognised, undetermined, notAssessed bool) string {
	switch {
	case notAssessed:
		return "NOT_ASSESSED"
	case undetermined:
		return "UNDETERMINED"
	case recognised:
		return "RECOGNISED"
	}
	return "NOT_RECOGNISED"
}

func report(r *http.Request, a Analytics) (Table, error) {
	rep, err := a.Report(r.Context(), r.URL.Query().Get("period"), time.Now())
	if err != nil {
		return Table{}, err
	}
	t := Table{Title: "Báo cáo định kỳ " + rep.Period + " — hạn " + rep.DueOn.Format("02/01/2006"),
		Columns: []Column{colPeriod, colUnitCode, colUnitName, {"in_force_since", "Có hiệu lực từ", Text},
			{"due_on", "Hạn nộp", Text}, {"submission", "Tình trạng nộp báo cáo", Text},
			{"item_key", "Mã nội dung", Text}, {"item_name", "Nội dung", Text}, colValueUnit, colValue, colStatus}}
	for _, u := range rep.Units {
		since := ""
		if u.Since != nil { // its events before that day are its predecessors'
			since = u.Since.Format(time.DateOnly)
		}
		for _, it := range u.Items {
			unit, val := itemValue(it)
			t.Rows = append(t.Rows, []any{rep.Period, u.Unit.Code, u.Unit.Name, since, u.DueOn.Format(time.DateOnly), u.Submission,
				it.Key, it.LabelVi, unit, val, string(it.Status)})
		}
	}
	t.Notes = append(t.Notes, "Tình trạng nộp báo cáo / submission: SUBMITTED — đã nộp đúng hạn; LATE — nộp trễ hạn; "+
		"OVERDUE — quá hạn, chưa nộp; PENDING — chưa đến hạn.")
	t.Notes = append(t.Notes, notes(rep.Meta)...)
	return t, nil
}

// notes are what every export says about its data: lineage, the disclosure
// rule and the status legend.
func notes(m analytics.Meta) []string {
	out := []string{}
	if m.AsOf.RunID != "" {
		out = append(out, fmt.Sprintf("Dữ liệu tính đến lần chạy ETL %s (hoàn thành %s, watermark %s); bộ chỉ tiêu phiên bản %s.",
			m.AsOf.RunID, m.AsOf.FinishedAt.UTC().Format(time.RFC3339), m.AsOf.Watermark, m.CatalogueVersion))
	}
	if !m.ExactForThisRole {
		out = append(out, fmt.Sprintf("Kiểm soát công bố: số từ 0 đến %d (%d với nội dung nhạy cảm) bị ẩn; các số khác được làm tròn bội số của 5.",
			m.SuppressionK-1, m.SuppressionKSens-1))
	}
	out = append(out, fmt.Sprintf("Trạng thái / status: %s — công bố; %s — ẩn (số nhỏ), các ô số và các cột suy ra từ nó để trống; "+
		"%s — độ tin cậy thấp (mẫu số dưới %d); %s — chưa có số liệu cho kỳ này.",
		disclosure.OK, disclosure.Suppressed, disclosure.Unstable, disclosure.DefaultMinDenominator, disclosure.NoData))
	if m.Approximate {
		out = append(out, "Số liệu theo huyện 2021 sau 07/2025 là gần đúng (quy tắc giữ mã).")
	}
	return out
}

package export

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"treem/internal/analytics"
	"treem/internal/disclosure"
	"treem/internal/domain"
	"treem/internal/period"
)

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
			Headers: []string{"Mã đơn vị", "Tên đơn vị", "Giá trị", "Tử số", "Mẫu số", "Xếp hạng", "Trạng thái", "Chỉ tiêu", "Chênh lệch so với chỉ tiêu", "Thay đổi so với kỳ trước"}}
		t.Rows = append(t.Rows, append([]any{"75", "Toàn tỉnh"}, valueCells(c.Province, nil, nil, nil)...))
		for _, d := range c.Districts {
			t.Rows = append(t.Rows, append([]any{d.Code, d.Name}, valueCells(d.Value, d.Rank, d.Gap, d.Change)...))
		}
		t.Notes = notes(c.Meta)
		return t, nil
	case "indicator-values":
		req := analytics.IndicatorValuesRequest{IDs: list(q, "ids"), OrgUnits: list(q, "orgUnits"), Level: q.Get("level")}
		ps, err := period.List(list(q, "periods"), q.Get("from"), q.Get("to"), q.Get("periodType"))
		if err != nil {
			return Table{}, err
		}
		req.Periods = ps
		for _, b := range list(q, "breakdown") {
			req.Breakdown = append(req.Breakdown, analytics.Breakdown(b))
		}
		ans, err := a.IndicatorValues(ctx, req)
		if err != nil {
			return Table{}, err
		}
		t := Table{Title: "Giá trị chỉ tiêu", Headers: []string{"Chỉ tiêu", "Mã đơn vị", "Tên đơn vị", "Kỳ", "Phân tổ",
			"Giá trị", "Tử số", "Mẫu số", "Xếp hạng", "Trạng thái", "Chỉ tiêu quốc gia", "Chênh lệch", "Thay đổi"}}
		for _, v := range ans.Values {
			var keys []string
			for _, k := range v.Keys {
				keys = append(keys, string(k.Dimension)+"="+k.Value)
			}
			t.Rows = append(t.Rows, append([]any{v.Indicator.NameVi, v.OrgUnit.Code, v.OrgUnit.Name, v.Period,
				strings.Join(keys, "; ")}, valueCells(v.Value, nil, nil, nil)...))
		}
		t.Notes = notes(ans.Meta)
		return t, nil
	case "child-friendly-communes":
		year, err := strconv.Atoi(q.Get("year"))
		if err != nil {
			return Table{}, domain.Invalid("year", "year must be a number")
		}
		ans, err := a.ChildFriendly(ctx, year, q.Get("district"))
		if err != nil {
			return Table{}, err
		}
		t := Table{Title: fmt.Sprintf("Xã, phường, thị trấn phù hợp với trẻ em — năm %d (bảng điểm %s)", year, ans.TableVersion)}
		t.Headers = []string{"Mã xã", "Tên xã", "Huyện (2021)"}
		for n := 1; n <= 13; n++ {
			t.Headers = append(t.Headers, fmt.Sprintf("Tiêu chí %d", n))
		}
		t.Headers = append(t.Headers, "Tổng điểm", "Ngưỡng", "Đạt chuẩn", "Tiêu chí 0 điểm", "Tạm tính")
		for _, c := range ans.Communes {
			row := []any{c.Commune.Code, c.Commune.Name, c.District}
			for _, cr := range c.Result.Criteria {
				row = append(row, points(cr.Score, cr.ScoreMax))
			}
			failed := make([]string, len(c.Result.FailedCriteria))
			for i, f := range c.Result.FailedCriteria {
				failed[i] = strconv.Itoa(f)
			}
			recognised := yesNo(c.Result.Recognised)
			switch {
			case c.Result.NotAssessed:
				recognised = "Chưa đánh giá (thiếu số liệu: " + strings.Join(c.Result.Missing, ", ") + ")"
			case c.Result.Undetermined:
				recognised = "Chưa xác định (dựa trên số bị ẩn)"
			}
			row = append(row, points(c.Result.Total, c.Result.TotalMax), c.Result.Threshold, recognised, strings.Join(failed, ", "),
				yesNo(c.Result.Provisional))
			t.Rows = append(t.Rows, row)
		}
		for _, s := range append(ans.Districts, ans.Province) {
			var share any
			if s.Share != nil {
				share = *s.Share
			}
			note := fmt.Sprintf("%s: %d/%d xã được đánh giá đạt chuẩn (%s%%; chỉ tiêu 2025: %g%%, 2030: %g%%)",
				s.Unit.Name, s.Recognised, s.Communes-s.NotAssessed, cellText(share), s.Target2025, s.Target2030)
			if s.NotAssessed > 0 {
				note += fmt.Sprintf("; %d xã chưa đánh giá (thiếu số liệu)", s.NotAssessed)
			}
			if s.Undetermined > 0 {
				note += fmt.Sprintf("; %d xã chưa xác định (dựa trên số bị ẩn)", s.Undetermined)
			}
			t.Notes = append(t.Notes, note)
		}
		t.Notes = append(t.Notes, notes(ans.Meta)...)
		return t, nil
	case "aggregate":
		ans, err := a.Aggregate(ctx, list(q, "measures"), breakdowns(list(q, "dimensions")), analytics.AggregateFilter{
			Period: q.Get("period"), From: q.Get("from"), To: q.Get("to"), PeriodType: q.Get("periodType"),
			OrgUnit: q.Get("orgUnit"), Sex: q.Get("sex"), AgeBand: q.Get("ageBand"), Group: q.Get("group"), Poverty: q.Get("poverty")})
		if err != nil {
			return Table{}, err
		}
		t := Table{Title: "Tổng hợp số liệu"}
		for _, d := range list(q, "dimensions") {
			t.Headers = append(t.Headers, dimensionVi[d])
		}
		// The answer holds each measure once, however often it was asked for.
		for _, m := range analytics.Distinct(list(q, "measures")) {
			t.Headers = append(t.Headers, m, m+" — trạng thái")
		}
		for _, row := range ans.Rows {
			var cells []any
			for _, k := range row.Keys {
				cells = append(cells, k.Value)
			}
			for _, v := range row.Values {
				var val any
				if v.Value != nil {
					val = int(*v.Value)
				}
				cells = append(cells, val, statusVi[v.Status])
			}
			t.Rows = append(t.Rows, cells)
		}
		t.Notes = notes(ans.Meta)
		return t, nil
	case "report":
		rep, err := a.Report(ctx, q.Get("period"), time.Now())
		if err != nil {
			return Table{}, err
		}
		t := Table{Title: "Báo cáo định kỳ " + rep.Period + " — hạn " + rep.DueOn.Format("02/01/2006"),
			Headers: []string{"Nội dung"}}
		for _, u := range rep.Units {
			h := u.Unit.Name
			if u.Since != nil { // its events before that day are its predecessors'
				h += " (từ " + u.Since.Format("02/01/2006") + ")"
			}
			t.Headers = append(t.Headers, h)
		}
		if len(rep.Units) > 0 {
			for i, it := range rep.Units[0].Items {
				row := []any{it.LabelVi}
				for _, u := range rep.Units {
					row = append(row, itemCell(u.Items[i]))
				}
				t.Rows = append(t.Rows, row)
			}
			status := []any{"Tình trạng nộp báo cáo"}
			for _, u := range rep.Units {
				status = append(status, submissionVi[u.Submission])
			}
			t.Rows = append(t.Rows, status)
		}
		t.Notes = notes(rep.Meta)
		return t, nil
	}
	return Table{}, domain.Errorf(domain.CodeNotFound, "unknown export table %q", table)
}

// valueCells are the value columns of compare-districts and indicator-values.
func valueCells(v analytics.Value, rank *int, gap, change *float64) []any {
	out := []any{nil, nil, nil, nil, statusVi[v.Status], nil, nil, nil}
	if v.Value != nil {
		out[0] = *v.Value
	}
	if v.Numerator != nil {
		out[1] = int(*v.Numerator)
	}
	if v.Denominator != nil {
		out[2] = int(*v.Denominator)
	}
	if rank != nil {
		out[3] = *rank
	}
	if v.Target != nil {
		out[5] = v.Target.Value
	}
	if gap != nil {
		out[6] = *gap
	}
	if change != nil {
		out[7] = *change
	}
	return out
}

func itemCell(it analytics.ReportItem) any {
	if it.Value == nil {
		return statusVi[it.Status]
	}
	return *it.Value
}

var statusVi = map[disclosure.Status]string{
	disclosure.OK: "", disclosure.Suppressed: "Ẩn (số nhỏ)", disclosure.Unstable: "Không ổn định (mẫu số nhỏ)",
}

var submissionVi = map[string]string{
	"SUBMITTED": "Đã nộp đúng hạn", "LATE": "Nộp trễ hạn", "OVERDUE": "Quá hạn, chưa nộp", "PENDING": "Chưa đến hạn",
}

var dimensionVi = map[string]string{
	"PERIOD": "Kỳ", "DISTRICT": "Huyện (2021)", "COMMUNE": "Xã", "SEX": "Giới tính", "AGE_BAND": "Nhóm tuổi",
	"GROUP": "Nhóm hoàn cảnh đặc biệt", "POVERTY": "Tình trạng nghèo",
}

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
	if m.Approximate {
		out = append(out, "Số liệu theo huyện 2021 sau 07/2025 là gần đúng (quy tắc giữ mã).")
	}
	return out
}

func breakdowns(names []string) []analytics.Breakdown {
	out := make([]analytics.Breakdown, len(names))
	for i, n := range names {
		out[i] = analytics.Breakdown(n)
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "Có"
	}
	return "Không"
}

func cellText(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return "—"
}

// points is a score, or "lo–hi" when the released values allow a range.
func points(lo, hi int) any {
	if lo == hi {
		return lo
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

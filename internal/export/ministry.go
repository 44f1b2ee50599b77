package export

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"treem/internal/analytics"
	"treem/internal/disclosure"
	"treem/internal/indicators"
	"treem/internal/period"
)

// periodTypes name the Ministry's four reporting periods (plan 2021, item
// 11): a code for scripts, a Vietnamese label for the title.
var periodTypes = map[period.Kind]struct{ code, label string }{
	period.Month:   {"MONTH", "tháng"},
	period.Quarter: {"QUARTER", "quý"},
	period.Half:    {"HALF_YEAR", "6 tháng"},
	period.Year:    {"YEAR", "năm"},
}

// ministryTemplateNote says which layout the export follows. No public text
// of the Ministry's statistical reporting forms on children could be read, so
// the layout is treem's own and provisional (README, "Exports").
const ministryTemplateNote = "Mẫu biểu tạm thời (provisional): chưa đối chiếu được thông tư của Bộ quy định chế độ báo cáo thống kê về trẻ em " +
	"(biểu mẫu và mã chỉ tiêu) từ nguồn công khai. Bảng theo các nội dung của báo cáo định kỳ (Kế hoạch 40/KH-BDH, mục 11: " +
	"thống kê tháng, quý, 6 tháng, năm về trẻ em và trẻ em có hoàn cảnh đặc biệt): mỗi chỉ tiêu một số thứ tự (line), " +
	"dòng toàn tỉnh trước, rồi từng đơn vị báo cáo. Nơi nhận: Bộ Lao động - Thương binh và Xã hội đến năm 2025, " +
	"Bộ Y tế sau khi sắp xếp bộ máy năm 2025 (theo tin báo chí, chưa đối chiếu nghị định)."

// ministryStatistics lays out the Ministry's statistics of one period: each
// item (line, in the report's order), the province first, then each unit
// that reports on the period's last day.
func ministryStatistics(r *http.Request, a Analytics) (Table, error) {
	st, err := a.MinistryStatistics(r.Context(), r.URL.Query().Get("period"))
	if err != nil {
		return Table{}, err
	}
	pt := periodTypes[st.Period.Kind]
	t := Table{Title: fmt.Sprintf("Thống kê trẻ em gửi Bộ — kỳ %s %s (đơn vị hành chính ngày %s)", pt.label, st.Period,
		st.LastDay.Format("02/01/2006")),
		Columns: []Column{colPeriod, {"period_type", "Loại kỳ", Text}, {"line", "STT", Integer},
			{"item_key", "Mã nội dung", Text}, {"item_name", "Nội dung", Text}, colValueUnit,
			{"level", "Cấp đơn vị", Text}, colUnitCode, colUnitName, {"in_force_since", "Có hiệu lực từ", Text}, colValue, colStatus}}
	for i, it := range st.Province {
		row := func(level, code, name, since string, it analytics.ReportItem) []any {
			return append([]any{st.Period.String(), pt.code, i + 1, it.Key, it.LabelVi}, itemCells(level, code, name, since, it)...)
		}
		t.Rows = append(t.Rows, row("PROVINCE", analytics.ProvinceCode, provinceName["WHOLE_PROVINCE"], "", it))
		for _, u := range st.Units {
			since := ""
			if u.Since != nil {
				since = u.Since.Format(time.DateOnly)
			}
			t.Rows = append(t.Rows, row(strings.ToUpper(st.Level), u.Unit.Code, u.Unit.Name, since, u.Items[i]))
		}
	}
	t.Notes = append([]string{ministryTemplateNote,
		"Loại kỳ / period_type: MONTH — tháng; QUARTER — quý; HALF_YEAR — 6 tháng; YEAR — năm. Số trẻ em là trẻ dưới 16 tuổi " +
			"(Luật Trẻ em 2016, Điều 1); số lượt và số vụ cộng dồn trong kỳ, số trẻ em tính tại tháng cuối kỳ.",
		"Cấp đơn vị / level: DISTRICT — huyện (đến 30/6/2025); COMMUNE — xã, phường (từ 01/7/2025). in_force_since: ngày đơn vị " +
			"có hiệu lực khi sau ngày đầu kỳ; các sự việc trước ngày đó được tính cho các đơn vị cũ."}, notes(st.Meta)...)
	return t, nil
}

// itemCells are a report item's cells from value_unit on.
func itemCells(level, code, name, since string, it analytics.ReportItem) []any {
	unit, val := itemValue(it)
	return []any{unit, level, code, name, since, val, string(it.Status)}
}

// itemValue is a report item's unit and value at its precision (a count as
// an integer), empty where withheld.
func itemValue(it analytics.ReportItem) (string, any) {
	unit, val := indicators.UnitCount, any(nil)
	if it.Indicator != nil {
		unit = it.Indicator.Unit()
	}
	if it.Value != nil && it.Status != disclosure.Suppressed {
		val = int(*it.Value)
		if it.Indicator != nil {
			val = decimal(it.Indicator, it.Value)
		}
	}
	return unit, val
}

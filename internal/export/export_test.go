package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"treem/internal/analytics"
	"treem/internal/disclosure"
	"treem/internal/indicators"
)

var table = Table{
	Title: "So sánh huyện",
	Columns: []Column{{"unit_code", "Mã đơn vị", Text}, {"unit_name", "Tên đơn vị", Text}, {"value", "Giá trị", Decimal},
		{"rank", "Xếp hạng", Integer}},
	Rows:  [][]any{{"731", "Biên Hòa", Number{98.5, 2}, 2}, {"732", "Long Khánh, \"cũ\"", nil, nil}, {"733", "Cẩm Mỹ", Number{1.0 / 3, 1}, 3}},
	Notes: []string{"Dữ liệu tính đến run-1"},
}

// TestCSV: one header row, the data at its precision, and no note.
func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, CSV, table); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffMã đơn vị / unit_code,Tên đơn vị / unit_name,Giá trị / value,Xếp hạng / rank\n" +
		"731,Biên Hòa,98.50,2\n732,\"Long Khánh, \"\"cũ\"\"\",,\n733,Cẩm Mỹ,0.3,3\n"
	if b.String() != want {
		t.Fatalf("csv:\n%q\nwant\n%q", b.String(), want)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 1+len(table.Rows) {
		t.Fatalf("csv reads as %d records (%v), want a header and %d rows", len(recs), err, len(table.Rows))
	}
}

// TestXLSX: a data sheet with the header frozen and filtered, numbers as
// numbers in their format, withheld cells empty; the notes on a sheet of
// their own.
func TestXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, XLSX, table); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"data", "notes"}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows("data")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range rows {
		got = append(got, strings.Join(r, "|"))
	}
	want := []string{"Mã đơn vị / unit_code|Tên đơn vị / unit_name|Giá trị / value|Xếp hạng / rank", "731|Biên Hòa|98.50|2",
		"732|Long Khánh, \"cũ\"", "733|Cẩm Mỹ|0.3|3"}
	if !slices.Equal(got, want) {
		t.Fatalf("data rows %q, want %q", got, want)
	}
	for _, cell := range []string{"C2", "D2", "C4", "D4"} {
		if typ, _ := f.GetCellType("data", cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s has type %v, want a number", cell, typ)
		}
		if v, _ := f.GetCellValue("data", cell, excelize.Options{RawCellValue: true}); strings.ContainsAny(v, "|–") {
			t.Errorf("%s holds %q", cell, v)
		}
	}
	for cell, want := range map[string]string{"C2": "0.00", "C4": "0.0", "D2": "0"} {
		if got := numberFormat(t, f, cell); got != want {
			t.Errorf("%s has the number format %q, want %q", cell, got, want)
		}
	}
	for _, cell := range []string{"C3", "D3"} {
		if v, _ := f.GetCellValue("data", cell); v != "" {
			t.Errorf("withheld %s holds %q", cell, v)
		}
	}
	checkWorkbook(t, f)
	notes, _ := f.GetRows("notes")
	if len(notes) < 2 || notes[0][0] != table.Title || notes[1][0] != table.Notes[0] {
		t.Errorf("notes sheet %q", notes)
	}
}

// numberFormat is the custom number format of a cell of the data sheet.
func numberFormat(t *testing.T, f *excelize.File, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle("data", cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil || st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// checkWorkbook checks what every exported workbook has: a frozen header
// row, an autofilter over the data, columns as wide as their headers (within
// bounds), a landscape page one page wide, and a notes sheet.
func checkWorkbook(t *testing.T, f *excelize.File) {
	t.Helper()
	panes, err := f.GetPanes("data")
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v (%v): want the header row frozen", panes, err)
	}
	filtered := false
	for _, d := range f.GetDefinedName() {
		filtered = filtered || (d.Name == "_xlnm._FilterDatabase" && strings.HasPrefix(d.RefersTo, "'data'!$A$1:"))
	}
	if !filtered {
		t.Errorf("no autofilter on the data sheet: %+v", f.GetDefinedName())
	}
	header, err := f.GetCellValue("data", "A1")
	if err != nil {
		t.Fatal(err)
	}
	if w, err := f.GetColWidth("data", "A"); err != nil || w < float64(min(len([]rune(header)), 48)) {
		t.Errorf("column A is %.0f wide (%v), narrower than its header %q", w, err, header)
	}
	layout, err := f.GetPageLayout("data")
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 {
		t.Errorf("page layout %+v (%v): want landscape, one page wide", layout, err)
	}
	if props, err := f.GetSheetProps("data"); err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("sheet properties %+v (%v): want fit to page", props, err)
	}
	if idx, err := f.GetSheetIndex("notes"); err != nil || idx < 0 {
		t.Errorf("no notes sheet")
	}
}

// TestNotes: the sidecar names every column and carries the notes.
func TestNotes(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, Notes, table); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Title   string
		Columns []struct{ Name, Title, Datatype string }
		Notes   []string
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != table.Title || len(doc.Columns) != 4 || doc.Columns[2].Name != "value" || doc.Columns[2].Datatype != "number" ||
		doc.Columns[3].Datatype != "integer" || !slices.Equal(doc.Notes, table.Notes) {
		t.Fatalf("notes %+v", doc)
	}
}

// TestWithheldValueLeavesDerivedCellsEmpty: whatever a suppressed value
// arrives with, its value, numerator and gap are empty cells and its status
// says why; a released value is shown at its indicator's precision.
func TestWithheldValueLeavesDerivedCellsEmpty(t *testing.T) {
	ind, err := indicators.Default().Get("birth_registration_u5")
	if err != nil {
		t.Fatal(err)
	}
	x, num, den, gap := 97.04999, uint64(3), uint64(40), -1.45
	target := &indicators.Target{Year: 2025, Value: 98.5}
	suppressed := valueCells(ind, analytics.Value{Value: &x, Numerator: &num, Denominator: &den, Status: disclosure.Suppressed,
		Target: target}, &gap)
	if want := []any{nil, nil, 40, "SUPPRESSED", Number{98.5, 1}, nil}; !slices.Equal(suppressed, want) {
		t.Errorf("suppressed cells %v, want %v", suppressed, want)
	}
	shown := valueCells(ind, analytics.Value{Value: &x, Numerator: &num, Denominator: &den, Status: disclosure.Unstable,
		Target: target}, &gap)
	if want := []any{Number{97, 1}, 3, 40, "UNSTABLE", Number{98.5, 1}, Number{-1.5, 1}}; !slices.Equal(shown, want) {
		t.Errorf("unstable cells %v, want %v", shown, want)
	}
}

// CheckWorkbook is checkWorkbook for the handler's tests.
var CheckWorkbook = checkWorkbook

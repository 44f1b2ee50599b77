// Package export serves /export/: an analytics answer, already under
// disclosure control, as a tidy table in CSV (UTF-8 with a byte-order mark, so
// spreadsheet programs read the Vietnamese headers) or an XLSX workbook, with
// its notes (data as of, disclosure rule, column dictionary) beside the data
// rather than under it, so that pandas, Power Query and BI tools read the
// data as it comes. It sits beside graph, asks the same analytics service, and
// answers errors through the HTTP edge's one error body and status map.
package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Kind is what a column holds.
type Kind int

// The kinds of column.
const (
	Text    Kind = iota
	Integer      // whole numbers (counts, ranks, points)
	Decimal      // numbers at a precision (rates, values of indicators)
)

func (k Kind) datatype() string {
	switch k {
	case Integer:
		return "integer"
	case Decimal:
		return "number"
	}
	return "string"
}

// Column is one column of every format: Name is its stable machine name,
// Label its Vietnamese title.
type Column struct {
	Name  string
	Label string
	Kind  Kind
}

// Header is the column's title in every format: one header row that people
// read and scripts key on.
func (c Column) Header() string { return c.Label + " / " + c.Name }

// Number is a decimal cell at Places decimals (its indicator's precision).
type Number struct {
	Value  float64
	Places int
}

// Table is a tidy grid: one header row, one observation per row. A cell is
// nil (empty: a withheld or missing value), a string, an int or a Number.
type Table struct {
	Title   string
	Columns []Column
	Rows    [][]any
	// Notes describe the data (data as of, disclosure rule, legends); they
	// are served beside it, never among its rows.
	Notes []string
}

// Format is an export file format.
type Format string

// The formats: the data, and the notes of a CSV or XLSX export as JSON.
const (
	CSV   Format = "csv"
	XLSX  Format = "xlsx"
	Notes Format = "notes.json"
)

// ContentType is the MIME type of f.
func (f Format) ContentType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case Notes:
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

// Write writes t to w in format f.
func Write(w io.Writer, f Format, t Table) error {
	switch f {
	case CSV:
		return writeCSV(w, t)
	case XLSX:
		return writeXLSX(w, t)
	case Notes:
		return writeNotes(w, t)
	}
	return fmt.Errorf("export: unknown format %q", f)
}

func writeCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	rec := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		rec[i] = c.Header()
	}
	if err := cw.Write(rec); err != nil {
		return fmt.Errorf("export csv header: %w", err)
	}
	for _, row := range t.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(row) {
				rec[i] = text(row[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("export csv row: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// text spells a cell for CSV: numbers with a dot, at their precision.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case Number:
		return strconv.FormatFloat(x.Value, 'f', x.Places, 64)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

// The workbook's sheets.
const (
	dataSheet  = "data"
	notesSheet = "notes"
)

func writeXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := fillData(f, t); err != nil {
		return fmt.Errorf("export xlsx sheet %s: %w", dataSheet, err)
	}
	if err := fillNotes(f, t); err != nil {
		return fmt.Errorf("export xlsx sheet %s: %w", notesSheet, err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

// fillData writes the data sheet: the header row frozen and filtered, numbers
// stored as numbers with a format at their precision.
func fillData(f *excelize.File, t Table) error {
	if err := f.SetSheetName(f.GetSheetName(0), dataSheet); err != nil {
		return err
	}
	headers := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		headers[i] = c.Header()
	}
	if err := f.SetSheetRow(dataSheet, "A1", &headers); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(max(len(t.Columns), 1), 1)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(dataSheet, "A1", last, bold); err != nil {
		return err
	}
	styles := numberStyles{f: f, ids: map[int]int{}}
	for r, row := range t.Rows {
		for c, v := range row {
			if v == nil { // an empty cell, not an empty string
				continue
			}
			cell, err := excelize.CoordinatesToCellName(c+1, r+2)
			if err != nil {
				return err
			}
			places := -1
			switch x := v.(type) {
			case Number:
				v, places = x.Value, x.Places
			case int:
				places = 0
			}
			if err := f.SetCellValue(dataSheet, cell, v); err != nil {
				return err
			}
			if places < 0 {
				continue
			}
			id, err := styles.get(places)
			if err != nil {
				return err
			}
			if err := f.SetCellStyle(dataSheet, cell, cell, id); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(dataSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	end, err := excelize.CoordinatesToCellName(max(len(t.Columns), 1), len(t.Rows)+1)
	if err != nil {
		return err
	}
	if err := f.AutoFilter(dataSheet, "A1:"+end, nil); err != nil {
		return err
	}
	for c, col := range t.Columns {
		name, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(dataSheet, name, name, columnWidth(col.Header(), t.Rows, c)); err != nil {
			return err
		}
	}
	// Printed, the table fits the width of a landscape page: a brief, not a
	// column per page.
	landscape, wide, tall, fit := "landscape", 1, 0, true
	if err := f.SetPageLayout(dataSheet, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	return f.SetSheetProps(dataSheet, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// columnWidth is column c's width in characters: its header's or its
// longest value's, within bounds that keep a long name from filling the
// screen.
func columnWidth(header string, rows [][]any, c int) float64 {
	n := utf8.RuneCountInString(header)
	for _, row := range rows {
		if c < len(row) && row[c] != nil {
			n = max(n, utf8.RuneCountInString(text(row[c])))
		}
	}
	return float64(min(max(n, 8), 48)) + 2
}

// numberStyles are the workbook's number formats by decimal places, made once each.
type numberStyles struct {
	f   *excelize.File
	ids map[int]int
}

func (s numberStyles) get(places int) (int, error) {
	if id, ok := s.ids[places]; ok {
		return id, nil
	}
	format := "0"
	if places > 0 {
		format += "." + fmt.Sprintf("%0*d", places, 0)
	}
	id, err := s.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return 0, err
	}
	s.ids[places] = id
	return id, nil
}

// fillNotes writes the notes sheet: the title, the notes, then the column
// dictionary.
func fillNotes(f *excelize.File, t Table) error {
	if _, err := f.NewSheet(notesSheet); err != nil {
		return err
	}
	rows := [][]any{{t.Title}}
	for _, n := range t.Notes {
		rows = append(rows, []any{n})
	}
	rows = append(rows, nil, []any{"Cột / column", "Tên / name", "Kiểu / datatype"})
	for _, c := range t.Columns {
		rows = append(rows, []any{c.Label, c.Name, c.Kind.datatype()})
	}
	for i, row := range rows {
		if row == nil {
			continue
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(notesSheet, cell, &row); err != nil {
			return err
		}
	}
	return nil
}

// notesDoc is the JSON sidecar of an export.
type notesDoc struct {
	Title   string        `json:"title"`
	Columns []notesColumn `json:"columns"`
	Notes   []string      `json:"notes"`
}

type notesColumn struct {
	Name     string `json:"name"`
	Title    string `json:"title"`
	Datatype string `json:"datatype"`
}

func writeNotes(w io.Writer, t Table) error {
	doc := notesDoc{Title: t.Title, Notes: t.Notes, Columns: make([]notesColumn, len(t.Columns))}
	if doc.Notes == nil {
		doc.Notes = []string{}
	}
	for i, c := range t.Columns {
		doc.Columns[i] = notesColumn{Name: c.Name, Title: c.Label, Datatype: c.Kind.datatype()}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("export notes: %w", err)
	}
	return nil
}

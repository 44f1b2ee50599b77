// Package export serves /export/: an analytics answer, already under
// disclosure control, as CSV (UTF-8 with a byte-order mark, so spreadsheet
// programs read the Vietnamese headers) or as an XLSX workbook. It sits beside
// graph, asks the same analytics service, and answers errors through the HTTP
// edge's one error body and status map.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Table is a titled grid. A cell is a string, a float64, an int or nil (an
// empty cell: a withheld or missing value).
type Table struct {
	Title   string
	Headers []string
	Rows    [][]any
	// Notes are printed under the grid (data as of, disclosure rules).
	Notes []string
}

// Format is an export file format.
type Format string

// The two formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// ContentType is the MIME type of f.
func (f Format) ContentType() string {
	if f == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
	}
	return fmt.Errorf("export: unknown format %q", f)
}

func writeCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Headers); err != nil {
		return err
	}
	rec := make([]string, len(t.Headers))
	for _, row := range t.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(row) {
				rec[i] = text(row[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	for _, n := range t.Notes {
		if err := cw.Write([]string{n}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// text spells a cell for CSV: numbers with a dot and no exponent.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	return fmt.Sprint(v)
}

func writeXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	if err := f.SetCellValue(sheet, "A1", t.Title); err != nil {
		return err
	}
	put := func(row int, vals []any) error {
		for i, v := range vals {
			if v == nil {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
		}
		return nil
	}
	headers := make([]any, len(t.Headers))
	for i, h := range t.Headers {
		headers[i] = h
	}
	if err := put(3, headers); err != nil {
		return err
	}
	for i, row := range t.Rows {
		if err := put(4+i, row); err != nil {
			return err
		}
	}
	for i, n := range t.Notes {
		if err := put(5+len(t.Rows)+i, []any{n}); err != nil {
			return err
		}
	}
	return f.Write(w)
}

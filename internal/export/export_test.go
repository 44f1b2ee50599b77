package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var table = Table{
	Title:   "So sánh huyện",
	Headers: []string{"Mã", "Tên đơn vị", "Giá trị", "Xếp hạng"},
	Rows:    [][]any{{"731", "Biên Hòa", 98.5, 2}, {"732", "Long Khánh, \"cũ\"", nil, nil}},
	Notes:   []string{"Dữ liệu tính đến run-1"},
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, CSV, table); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffMã,Tên đơn vị,Giá trị,Xếp hạng\n731,Biên Hòa,98.5,2\n732,\"Long Khánh, \"\"cũ\"\"\",,\nDữ liệu tính đến run-1\n"
	if b.String() != want {
		t.Fatalf("csv:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, XLSX, table); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, r := range rows {
		got = append(got, strings.Join(r, "|"))
	}
	want := []string{"So sánh huyện", "", "Mã|Tên đơn vị|Giá trị|Xếp hạng", "731|Biên Hòa|98.5|2", "732|Long Khánh, \"cũ\"", "", "Dữ liệu tính đến run-1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("xlsx rows %q", got)
	}
	v, _ := f.GetCellType("Sheet1", "C4")
	if v != excelize.CellTypeNumber && v != excelize.CellTypeUnset {
		t.Errorf("C4 type %v", v)
	}
}

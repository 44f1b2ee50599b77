package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseHolidayCSV(t *testing.T) {
	const header = "day,kind,name,provisional,source\n"
	got, err := ParseHolidayCSV(2025, "\ufeff"+header+
		"2025-05-02,holiday,Nghỉ hoán đổi,false,Thông báo 2025\n"+
		"2025-04-26,working_day,\"Làm bù, thứ Bảy\",false,Thông báo 2025\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Kind != DayHoliday || got[1].Name != "Làm bù, thứ Bảy" || got[1].Day.Day() != 26 {
		t.Fatalf("parsed %+v", got)
	}

	for _, tt := range []struct {
		name, csv, want string
	}{
		{"bad header", "date,kind,name,provisional,source\n2025-05-02,holiday,x,false,s\n", "line 1"},
		{"no rows", header, "no days"},
		{"bad date", header + "2025-02-30,holiday,x,false,s\n", `line 2, day: "2025-02-30" is not a date`},
		{"other year", header + "2025-05-02,holiday,x,false,s\n2026-01-01,holiday,x,false,s\n", "line 3, day: 2026-01-01 is not in 2025"},
		{"twice", header + "2025-05-02,holiday,x,false,s\n2025-05-02,holiday,y,false,s\n", "line 3, day: 2025-05-02 is already on line 2"},
		{"weekend holiday", header + "2025-05-03,holiday,x,false,s\n", "line 2, day: 2025-05-03 is a Saturday"},
		{"weekday working day", header + "2025-05-02,working_day,x,false,s\n", "line 2, day: 2025-05-02 is a Friday, already a working day"},
		{"bad kind", header + "2025-05-02,bridge,x,false,s\n", "line 2, kind"},
		{"bad flag", header + "2025-05-02,holiday,x,maybe,s\n", "line 2, provisional"},
		{"no source", header + "2025-05-02,holiday,x,false, \n", "line 2, source"},
		{"short line", header + "2025-05-02,holiday,x,false\n", "line 2"},
	} {
		_, err := ParseHolidayCSV(2025, tt.csv)
		var de *Error
		if !errors.As(err, &de) || de.Code != CodeInvalidInput || de.Field != "csv" || !strings.Contains(de.Message, tt.want) {
			t.Errorf("%s: %v, want INVALID_INPUT on csv saying %q", tt.name, err, tt.want)
		}
	}
	if _, err := ParseHolidayCSV(1999, header); err == nil || err.(*Error).Field != "year" {
		t.Errorf("year 1999: %v", err)
	}
	if err := (PublicHoliday{Day: time.Date(2205, 5, 2, 0, 0, 0, 0, time.UTC), Kind: DayHoliday, Name: "n",
		Source: "s"}).Validate(); err == nil || err.(*Error).Field != "day" {
		t.Errorf("a day in 2205: %v", err)
	}
}

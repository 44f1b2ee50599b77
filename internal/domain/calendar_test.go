package domain

import (
	"errors"
	"slices"
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

	// Every problem of the upload comes back, each on csv.<line>.<column>
	// (csv.<line> for a whole line, csv for the upload), its message naming the
	// line and column too.
	for _, tt := range []struct {
		name, csv string
		want      []string // field:code of every problem, in order
		message   string   // in the first problem's message
	}{
		{"bad header", "date,kind,name,provisional,source\n2025-05-02,holiday,x,false,s\n", []string{"csv.1:INVALID_INPUT"}, "line 1"},
		{"empty", "", []string{"csv.1:INVALID_INPUT", "csv:INVALID_INPUT"}, "line 1"},
		{"no rows", header, []string{"csv:INVALID_INPUT"}, "no days"},
		{"bad date", header + "2025-02-30,holiday,x,false,s\n", []string{"csv.2.day:INVALID_INPUT"}, `line 2, day: "2025-02-30" is not a date`},
		{"other year", header + "2025-05-02,holiday,x,false,s\n2026-01-01,holiday,x,false,s\n", []string{"csv.3.day:INVALID_INPUT"},
			"line 3, day: 2026-01-01 is not in 2025"},
		{"twice", header + "2025-05-02,holiday,x,false,s\n2025-05-02,holiday,y,false,s\n", []string{"csv.3.day:INVALID_INPUT"},
			"line 3, day: 2025-05-02 is already on line 2"},
		{"weekend holiday", header + "2025-05-03,holiday,x,false,s\n", []string{"csv.2.day:INVALID_INPUT"}, "line 2, day: 2025-05-03 is a Saturday"},
		{"weekday working day", header + "2025-05-02,working_day,x,false,s\n", []string{"csv.2.day:INVALID_INPUT"},
			"line 2, day: 2025-05-02 is a Friday, already a working day"},
		{"bad kind", header + "2025-05-02,bridge,x,false,s\n", []string{"csv.2.kind:INVALID_INPUT"}, "line 2, kind"},
		{"bad flag", header + "2025-05-02,holiday,x,maybe,s\n", []string{"csv.2.provisional:INVALID_INPUT"}, "line 2, provisional"},
		{"no source", header + "2025-05-02,holiday,x,false, \n", []string{"csv.2.source:INVALID_INPUT"}, "line 2, source"},
		{"short line", header + "2025-05-02,holiday,x,false\n", []string{"csv.2:INVALID_INPUT"}, "line 2: 4 columns, want 5"},
		{"every column of a line", header + "2025-02-30,bridge, ,maybe,\n",
			[]string{"csv.2.day:INVALID_INPUT", "csv.2.kind:INVALID_INPUT", "csv.2.name:INVALID_INPUT",
				"csv.2.provisional:INVALID_INPUT", "csv.2.source:INVALID_INPUT"}, `line 2, day: "2025-02-30"`},
		{"every bad line", header + "2025-05-03,holiday,x,false,s\n2025-05-02,holiday,ok,false,s\n2025-05-02,holiday,x,false,s\n" +
			"2025-05-05,holiday,x\n2026-01-01,holiday,,false,s\n",
			[]string{"csv.2.day:INVALID_INPUT", "csv.4.day:INVALID_INPUT", "csv.5:INVALID_INPUT", "csv.6.day:INVALID_INPUT",
				"csv.6.name:INVALID_INPUT"}, "line 2, day"},
		{"a bad header and a bad line", "day,kind\n2025-05-03,holiday,x,false,s\n",
			[]string{"csv.1:INVALID_INPUT", "csv.2.day:INVALID_INPUT"}, "line 1"},
		{"a quote that does not close stops the reading", header + "2025-05-03,holiday,x,false,s\n2025-05-06,\"holiday,x,false,s\n2025-05-07,x,x,x,x\n",
			[]string{"csv.2.day:INVALID_INPUT", "csv.3:INVALID_INPUT"}, "line 2, day"},
		{"year out of range with a bad line", header + "2025-05-02,bridge,x,false,s\n", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			year := 2025
			if tt.want == nil {
				year, tt.want, tt.message = 1999, []string{"year:INVALID_INPUT", "csv.2.kind:INVALID_INPUT"}, "must be in 2000 to 2099"
			}
			days, err := ParseHolidayCSV(year, tt.csv)
			if got := problemFields(t, err); !slices.Equal(got, tt.want) || days != nil {
				t.Fatalf("got %v (%v), want %v", got, err, tt.want)
			}
			var first *Error
			if !errors.As(err, &first) || !strings.Contains(first.Message, tt.message) {
				t.Fatalf("first problem %v, want it saying %q", first, tt.message)
			}
		})
	}
}

// TestPublicHolidayValidateCollectsEveryProblem: a calendar day reports every
// field at fault at once; whether the day suits its kind is told only for a
// known kind on a day the calendar may hold.
func TestPublicHolidayValidateCollectsEveryProblem(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		name string
		h    PublicHoliday
		want []string
	}{
		{"valid", PublicHoliday{Day: day("2025-05-02"), Kind: DayHoliday, Name: "n", Source: "s"}, nil},
		{"a Saturday off, no name, no source", PublicHoliday{Day: day("2025-05-03"), Kind: DayHoliday},
			[]string{"day:INVALID_INPUT", "name:INVALID_INPUT", "source:INVALID_INPUT"}},
		{"every field", PublicHoliday{Day: day("2205-05-02"), Kind: "bridge"},
			[]string{"day:INVALID_INPUT", "kind:INVALID_INPUT", "name:INVALID_INPUT", "source:INVALID_INPUT"}},
		{"unknown kind on a Saturday", PublicHoliday{Day: day("2025-05-03"), Kind: "bridge", Name: "n", Source: "s"},
			[]string{"kind:INVALID_INPUT"}},
		{"a day in 2205", PublicHoliday{Day: day("2205-05-02"), Kind: DayHoliday, Name: "n", Source: "s"}, []string{"day:INVALID_INPUT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := problemFields(t, tt.h.Validate()); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCalendarDay: the calendar holds the years 2000 to 2099.
func TestCalendarDay(t *testing.T) {
	for _, tt := range []struct {
		day  time.Time
		want bool
	}{
		{time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), false},
		{time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		err := CalendarDay("day", tt.day)
		if (err == nil) != tt.want || err != nil && err.(*Error).Field != "day" {
			t.Errorf("%s: %v", tt.day.Format(time.DateOnly), err)
		}
	}
}

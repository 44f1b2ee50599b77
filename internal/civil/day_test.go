package civil

import (
	"testing"
	"time"
)

// TestDayNumbers holds the day numbers against dates counted by hand:
// 2000-01-01 is 30 years and 7 leap days after 1970-01-01, 2019-01-01 49
// years and 12 leap days, and 1 July 2025 is 181 days into 2025 (20,089).
func TestDayNumbers(t *testing.T) {
	tests := []struct {
		y    int
		m    time.Month
		d    int
		want Day
		str  string
	}{
		{1970, 1, 1, 0, "1970-01-01"},
		{1970, 1, 2, 1, "1970-01-02"},
		{1969, 12, 31, -1, "1969-12-31"},
		{2000, 1, 1, 10957, "2000-01-01"},
		{2019, 1, 1, 17897, "2019-01-01"},
		{2025, 7, 1, 20270, "2025-07-01"},
		{2021, 2, 29, 18687, "2021-03-01"}, // normalised, as time.Date does
	}
	for _, tt := range tests {
		got := DayOf(tt.y, tt.m, tt.d)
		if got != tt.want || got.String() != tt.str {
			t.Errorf("DayOf(%d, %d, %d) = %d %s, want %d %s", tt.y, tt.m, tt.d, got, got, tt.want, tt.str)
		}
		if back := DayFromTime(got.Time()); back != got {
			t.Errorf("DayFromTime(%d.Time()) = %d", got, back)
		}
	}
	// The date fields count, not the instant: 06:00 on 1 July in Vietnam is
	// 23:00 on 30 June in UTC.
	vn := time.Date(2025, 7, 1, 6, 0, 0, 0, time.FixedZone("", 7*3600))
	if got := DayFromTime(vn); got != 20270 {
		t.Errorf("DayFromTime(%s) = %s, want 2025-07-01", vn, got)
	}
}

// TestNoDay holds the "no date" value the seed and the ETL share: the
// largest Day, so an open end is after every date, printed as "open".
func TestNoDay(t *testing.T) {
	if NoDay != 2147483647 {
		t.Fatalf("NoDay = %d, want 2^31-1", int32(NoDay))
	}
	for _, d := range []Day{0, DayOf(2026, 11, 28), DayOf(9999, 12, 31)} {
		if !(d < NoDay) {
			t.Errorf("%s is not before NoDay", d)
		}
	}
	if NoDay.String() != "open" {
		t.Errorf("NoDay.String() = %q, want open", NoDay.String())
	}
	var zero Day
	if zero == NoDay || zero.String() != "1970-01-01" {
		t.Errorf("the zero Day is %s; it must be a date, not NoDay", zero)
	}
}

func TestYear(t *testing.T) {
	tests := []struct {
		d    Day
		want int
	}{
		{-1, 1969}, {0, 1970}, {364, 1970}, {365, 1971},
		{DayOf(2024, 12, 31), 2024}, {DayOf(2025, 1, 1), 2025},
		{DayOf(2269, 12, 31), 2269}, {DayOf(2300, 6, 1), 2300}, // past the table of year starts
	}
	for _, tt := range tests {
		if got := tt.d.Year(); got != tt.want {
			t.Errorf("%s.Year() = %d, want %d", tt.d, got, tt.want)
		}
	}
	if YearStart(2025) != DayOf(2025, 1, 1) || YearStart(1960) != DayOf(1960, 1, 1) {
		t.Errorf("YearStart(2025) = %s, YearStart(1960) = %s", YearStart(2025), YearStart(1960))
	}
}

// TestAgeOn counts a leap-day birthday by hand: the birthday is 1 March in
// common years, so 16 on 29 February 2024 and 17 on 1 March 2025, not 28 February.
func TestAgeOn(t *testing.T) {
	birth := DayOf(2008, 2, 29)
	tests := []struct {
		on   Day
		want int
	}{
		{birth, 0},
		{DayOf(2009, 2, 28), 0},
		{DayOf(2009, 3, 1), 1},
		{DayOf(2024, 2, 28), 15},
		{DayOf(2024, 2, 29), 16},
		{DayOf(2025, 2, 28), 16},
		{DayOf(2025, 3, 1), 17},
	}
	for _, tt := range tests {
		if got := AgeOn(birth, tt.on); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", birth, tt.on, got, tt.want)
		}
	}
	if got := birth.AddYears(1); got != DayOf(2009, 3, 1) {
		t.Errorf("AddYears(1) = %s, want 2009-03-01", got)
	}
	if got := birth.AddYears(16); got != DayOf(2024, 2, 29) {
		t.Errorf("AddYears(16) = %s, want 2024-02-29", got)
	}
}

// TestMonthsOn counts completed months by hand at the 0–23-month band's
// edges: a child born mid-month completes a month on the 15th, and the 24th
// month on the second birthday, the day AgeOn turns 2.
func TestMonthsOn(t *testing.T) {
	tests := []struct {
		birth, on Day
		want      int
	}{
		{DayOf(2022, 3, 15), DayOf(2022, 3, 15), 0},
		{DayOf(2022, 3, 15), DayOf(2022, 4, 14), 0},
		{DayOf(2022, 3, 15), DayOf(2022, 4, 15), 1},
		{DayOf(2022, 3, 15), DayOf(2024, 3, 14), 23}, // 23 months and 28 days
		{DayOf(2022, 3, 15), DayOf(2024, 3, 15), 24}, // the second birthday
		{DayOf(2022, 1, 31), DayOf(2022, 2, 28), 0},  // February has no 31st...
		{DayOf(2022, 1, 31), DayOf(2022, 3, 1), 1},   // ...so the month ends on 1 March
		{DayOf(2022, 1, 31), DayOf(2024, 1, 30), 23}, // 23 months and 30 days
		{DayOf(2022, 1, 31), DayOf(2024, 1, 31), 24},
		{DayOf(2008, 2, 29), DayOf(2010, 2, 28), 23}, // a leap-day child is 2 on 1 March
		{DayOf(2008, 2, 29), DayOf(2010, 3, 1), 24},
		{DayOf(2022, 3, 15), DayOf(2022, 3, 14), -1}, // before birth
	}
	for _, tt := range tests {
		got := MonthsOn(tt.birth, tt.on)
		if got != tt.want {
			t.Errorf("MonthsOn(%s, %s) = %d, want %d", tt.birth, tt.on, got, tt.want)
		}
		if years := AgeOn(tt.birth, tt.on); (got >= 24) != (years >= 2) {
			t.Errorf("on %s (born %s): %d months but %d years", tt.on, tt.birth, got, years)
		}
	}
	if got := AgeOn(DayOf(2022, 3, 15), DayOf(2020, 3, 15)); got != -2 {
		t.Errorf("AgeOn two years before birth = %d, want -2", got)
	}
}

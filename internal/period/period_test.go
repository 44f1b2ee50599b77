package period

import (
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		want      string
		first     string
		lastMonth string
		months    int
	}{
		{"2021-03", "2021-03", "2021-03-01", "2021-03-01", 1},
		{"2021-12", "2021-12", "2021-12-01", "2021-12-01", 1},
		{"2021-Q1", "2021-Q1", "2021-01-01", "2021-03-01", 3},
		{"2021-Q4", "2021-Q4", "2021-10-01", "2021-12-01", 3},
		{"2021-H1", "2021-H1", "2021-01-01", "2021-06-01", 6},
		{"2021-H2", "2021-H2", "2021-07-01", "2021-12-01", 6},
		{"2021", "2021", "2021-01-01", "2021-12-01", 12},
		{" 2025 ", "2025", "2025-01-01", "2025-12-01", 12},
		// DHIS2's period codes.
		{"202401", "2024-01", "2024-01-01", "2024-01-01", 1},
		{"2024Q1", "2024-Q1", "2024-01-01", "2024-03-01", 3},
		{"2024S2", "2024-H2", "2024-07-01", "2024-12-01", 6},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse("period", tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tt.want || day(p.First()) != tt.first || day(p.LastMonth()) != tt.lastMonth || len(p.Months()) != tt.months {
				t.Fatalf("got %s first %s last %s months %d", p, day(p.First()), day(p.LastMonth()), len(p.Months()))
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "2021-Q5", "2021-Q0", "2021-13", "2021-00", "2021-H3", "21", "2021-1", "2021-+1",
		"2021-03-01", "1999", "abcd", "2021-q1", "2021-W01",
		"202113", "202400", "2024Q5", "2024S3", "2024q1", "2024W1", "20241", "2024011", "2024-S1"} {
		t.Run(in, func(t *testing.T) {
			_, err := Parse("period", in)
			if domain.ErrorCode(err) != domain.CodeInvalidInput {
				t.Fatalf("Parse(%q) err = %v, want INVALID_INPUT", in, err)
			}
		})
	}
}

func TestSeries(t *testing.T) {
	tests := []struct {
		from, to string
		kind     Kind
		want     []string
	}{
		{"2021-02", "2021-05", Month, []string{"2021-02", "2021-03", "2021-04", "2021-05"}},
		{"2021-02", "2021-07", Quarter, []string{"2021-Q1", "2021-Q2", "2021-Q3"}},
		{"2021", "2022", Half, []string{"2021-H1", "2021-H2", "2022-H1", "2022-H2"}},
		{"2020-Q4", "2021-Q1", Year, []string{"2020", "2021"}},
		{"2021-03", "2021-03", Month, []string{"2021-03"}},
	}
	for _, tt := range tests {
		from, _ := Parse("from", tt.from)
		to, _ := Parse("to", tt.to)
		got, err := Series(from, to, tt.kind)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("Series(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
		for i := range got {
			if got[i].String() != tt.want[i] {
				t.Fatalf("Series(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		}
	}
	from, _ := Parse("from", "2021-06")
	to, _ := Parse("to", "2021-05")
	if _, err := Series(from, to, Month); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("from after to: err = %v", err)
	}
}

func TestParseRange(t *testing.T) {
	from, to, err := ParseRange("period", "2021-Q1..2021-05")
	if err != nil || from.String() != "2021-Q1" || to.String() != "2021-05" {
		t.Fatalf("got %s..%s, %v", from, to, err)
	}
	if _, _, err := ParseRange("period", "2021-05..2021-Q1"); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("reversed range: err = %v", err)
	}
}

func TestDays(t *testing.T) {
	for label, want := range map[string]string{
		"2024": "2024-01-01..2024-12-31", "2024-Q1": "2024-01-01..2024-03-31", "2024-02": "2024-02-01..2024-02-29",
		"2025-H2": "2025-07-01..2025-12-31", "2021-03..2021-Q3": "2021-03-01..2021-09-30",
	} {
		first, last, err := Days(label)
		if got := day(first) + ".." + day(last); err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", label, got, err, want)
		}
	}
}

func TestOf(t *testing.T) {
	m := time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC)
	if got := Of(Quarter, m).String(); got != "2021-Q3" {
		t.Fatalf("Of quarter = %s", got)
	}
	if got := Of(Half, m).String(); got != "2021-H2" {
		t.Fatalf("Of half = %s", got)
	}
}

func day(t time.Time) string { return t.Format("2006-01-02") }

// TestParseFromTo holds the from/to reading that indicatorValues, trend and
// aggregate share: each end is read alone, and a reversed range is refused on
// from whatever the kinds of its ends.
func TestParseFromTo(t *testing.T) {
	tests := []struct {
		from, to string
		want     string // "from..to" as read, or the field of the refusal
	}{
		{"2021-03", "2021-08", "2021-03..2021-08"},
		{"2021-Q1", "2021-05", "2021-Q1..2021-05"},
		{"202103", "2021S2", "2021-03..2021-H2"},
		{"2021-05", "2021-05", "2021-05..2021-05"},
		{"2021-04", "2021-Q1", "from"}, // April starts after January
		{"2022", "2021-12", "from"},
		{"2021-13", "2021-12", "from"},
		{"2021-01", "2021-Q5", "to"},
		{"", "2021", "from"},
		{"2021", "", "to"},
	}
	for _, tt := range tests {
		f, to, err := ParseFromTo(tt.from, tt.to)
		got := f.String() + ".." + to.String()
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalidInput {
				t.Fatalf("ParseFromTo(%q, %q): %v, want INVALID_INPUT", tt.from, tt.to, err)
			}
			got = err.(*domain.Error).Field
		}
		if got != tt.want {
			t.Errorf("ParseFromTo(%q, %q) = %s, want %s", tt.from, tt.to, got, tt.want)
		}
	}
}

// TestSplit holds the kind a range is split by: the named one, or from's own.
func TestSplit(t *testing.T) {
	tests := []struct {
		from, to, kind string
		want           []string
	}{
		{"2021-11", "2022-02", "", []string{"2021-11", "2021-12", "2022-01", "2022-02"}},
		{"2021-Q4", "2022-03", "", []string{"2021-Q4", "2022-Q1"}},
		{"2021-H2", "2022-H1", "", []string{"2021-H2", "2022-H1"}},
		{"2021-05", "2021-11", "quarter", []string{"2021-Q2", "2021-Q3", "2021-Q4"}},
		{"2021-05", "2021-11", "HALF_YEAR", []string{"2021-H1", "2021-H2"}},
		{"2021-Q2", "2021-Q2", "MONTH", []string{"2021-04", "2021-05", "2021-06"}},
		{"2020-12", "2021-01", "YEAR", []string{"2020", "2021"}},
	}
	for _, tt := range tests {
		from, to, err := ParseFromTo(tt.from, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := Split(from, to, tt.kind)
		if err != nil {
			t.Fatalf("Split(%s, %s, %q): %v", tt.from, tt.to, tt.kind, err)
		}
		got := make([]string, len(ps))
		for i, p := range ps {
			got[i] = p.String()
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Split(%s, %s, %q) = %v, want %v", tt.from, tt.to, tt.kind, got, tt.want)
		}
	}
	from, to, _ := ParseFromTo("2021", "2021")
	if _, err := Split(from, to, "WEEK"); domain.ErrorCode(err) != domain.CodeInvalidInput {
		t.Fatalf("Split by WEEK: err = %v, want INVALID_INPUT", err)
	}
}

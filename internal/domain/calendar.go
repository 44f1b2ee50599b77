package domain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The kinds of public_holiday row: a weekday off, or a weekend day worked in
// exchange for a day off (Saturday 26/04/2025 for Friday 02/05/2025).
const (
	DayHoliday    = "holiday"
	DayWorkingDay = "working_day"
)

// PublicHoliday is one day of the working-day calendar that differs from its
// weekday. Provisional marks a day not yet announced by the Government.
type PublicHoliday struct {
	ID          int64
	Day         time.Time // a civil date at midnight UTC, like every stored date
	Kind        string
	Name        string
	Provisional bool
	Source      string
}

// Validate checks a calendar day: in 2000–2099 (a typo's year is refused), a
// holiday on a weekday, a working day on a weekend (anything else would
// change nothing), a name and a source.
func (h PublicHoliday) Validate() error {
	if y := h.Day.Year(); y < minCalendarYear || y > maxCalendarYear {
		return Invalid("day", "must be in the years %d to %d", minCalendarYear, maxCalendarYear)
	}
	weekend := isWeekend(h.Day)
	switch h.Kind {
	case DayHoliday:
		if weekend {
			return Invalid("day", "%s is a %s, already a day off: list the weekday it moves to",
				h.Day.Format(time.DateOnly), h.Day.Weekday())
		}
	case DayWorkingDay:
		if !weekend {
			return Invalid("day", "%s is a %s, already a working day", h.Day.Format(time.DateOnly), h.Day.Weekday())
		}
	default:
		return Invalid("kind", "must be %s or %s", DayHoliday, DayWorkingDay)
	}
	if h.Name == "" {
		return Invalid("name", "must not be empty")
	}
	if h.Source == "" {
		return Invalid("source", "must say which decision or rule gives the day")
	}
	return nil
}

// The years the calendar may hold.
const (
	minCalendarYear = 2000
	maxCalendarYear = 2099
)

func isWeekend(day time.Time) bool {
	wd := day.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// Calendar tells Vietnamese working days: Monday to Friday, less the listed
// holidays, plus the listed weekend days worked by a swap.
type Calendar struct {
	kinds map[string]string // by date: DayHoliday or DayWorkingDay
}

// NewCalendar returns the calendar of the listed days.
func NewCalendar(days []PublicHoliday) Calendar {
	c := Calendar{kinds: make(map[string]string, len(days))}
	for _, d := range days {
		c.kinds[d.Day.Format(time.DateOnly)] = d.Kind
	}
	return c
}

// WorkingDay reports whether the civil date of day (its year, month and day
// fields) is a working day.
func (c Calendar) WorkingDay(day time.Time) bool {
	switch c.kinds[day.Format(time.DateOnly)] {
	case DayHoliday:
		return false
	case DayWorkingDay:
		return true
	}
	return !isWeekend(day)
}

// AddWorkingDays returns the civil date (midnight UTC) n working days after
// the civil date of day.
func (c Calendar) AddWorkingDays(day time.Time, n int) time.Time {
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.WorkingDay(d) {
			n--
		}
	}
	return d
}

// Deadline is the end (midnight, Vietnam time) of the n-th working day after
// the Vietnamese day of t.
func (c Calendar) Deadline(t time.Time, n int) time.Time {
	local := t.In(Vietnam)
	d := c.AddWorkingDays(local, n)
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, Vietnam)
}

// The steps of case_deadline.
const (
	StepPlanDraft    = "plan_draft"
	StepPlanApproval = "plan_approval"
)

// CaseDeadline is one row of case_deadline: the working days a step of
// Decree 56/2017 Chapter III may take from receipt.
type CaseDeadline struct {
	Step        string
	WorkingDays int
	Provisional bool
	Source      string
}

// CaseRules fix a case's deadlines at receipt: the calendar and the working
// days of each step, both read from the database so that no Go constant can
// disagree with the table.
type CaseRules struct {
	Calendar         Calendar
	PlanDraftDays    int
	PlanApprovalDays int
}

// NewCaseRules reads the working days of the plan steps from rows; a missing
// step is an error, never a default.
func NewCaseRules(cal Calendar, rows []CaseDeadline) (CaseRules, error) {
	r := CaseRules{Calendar: cal}
	for _, row := range rows {
		switch row.Step {
		case StepPlanDraft:
			r.PlanDraftDays = row.WorkingDays
		case StepPlanApproval:
			r.PlanApprovalDays = row.WorkingDays
		}
	}
	if r.PlanDraftDays <= 0 || r.PlanApprovalDays <= 0 {
		return r, fmt.Errorf("case_deadline lacks %s or %s", StepPlanDraft, StepPlanApproval)
	}
	return r, nil
}

// PlanDeadline is the Art. 28(1) deadline of a case received at t.
func (r CaseRules) PlanDeadline(t time.Time) time.Time {
	return r.Calendar.Deadline(t, r.PlanDraftDays)
}

// ApprovalDeadline is the (provisional) deadline for the commune chairman's
// approval of the plan of a case received at t.
func (r CaseRules) ApprovalDeadline(t time.Time) time.Time {
	return r.Calendar.Deadline(t, r.PlanApprovalDays)
}

// holidayCSVHeader is the first line of a calendar upload.
var holidayCSVHeader = []string{"day", "kind", "name", "provisional", "source"}

// ParseHolidayCSV reads the calendar of year from an upload: the header
// day,kind,name,provisional,source, then one valid day of that year per line,
// each date once. An error is INVALID_INPUT on field "csv" and names the line
// and the column at fault.
func ParseHolidayCSV(year int, text string) ([]PublicHoliday, error) {
	if year < minCalendarYear || year > maxCalendarYear {
		return nil, Invalid("year", "must be in %d to %d", minCalendarYear, maxCalendarYear)
	}
	// A spreadsheet may save UTF-8 with a byte-order mark.
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff")))
	r.FieldsPerRecord = len(holidayCSVHeader)
	r.TrimLeadingSpace = true
	records, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, Invalid("csv", "line %d: %v", pe.Line, pe.Err)
		}
		return nil, Invalid("csv", "%v", err)
	}
	if len(records) == 0 || !slices.Equal(records[0], holidayCSVHeader) {
		return nil, Invalid("csv", "line 1: the header must be %s", strings.Join(holidayCSVHeader, ","))
	}
	if len(records) == 1 {
		return nil, Invalid("csv", "no days: an upload replaces the whole year")
	}
	seen := map[string]int{}
	out := make([]PublicHoliday, 0, len(records)-1)
	for i, rec := range records[1:] {
		line := i + 2
		bad := func(column, format string, args ...any) error {
			return Invalid("csv", "line %d, %s: %s", line, column, fmt.Sprintf(format, args...))
		}
		day, err := time.Parse(time.DateOnly, rec[0])
		if err != nil {
			return nil, bad("day", "%q is not a date YYYY-MM-DD", rec[0])
		}
		if day.Year() != year {
			return nil, bad("day", "%s is not in %d", rec[0], year)
		}
		if prev, ok := seen[rec[0]]; ok {
			return nil, bad("day", "%s is already on line %d", rec[0], prev)
		}
		seen[rec[0]] = line
		provisional, err := strconv.ParseBool(rec[3])
		if err != nil {
			return nil, bad("provisional", "%q is not true or false", rec[3])
		}
		h := PublicHoliday{Day: day, Kind: rec[1], Name: strings.TrimSpace(rec[2]), Provisional: provisional,
			Source: strings.TrimSpace(rec[4])}
		if err := h.Validate(); err != nil {
			var de *Error
			if errors.As(err, &de) {
				return nil, bad(de.Field, "%s", de.Message)
			}
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

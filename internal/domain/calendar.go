package domain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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
// change nothing), a name and a source. It returns every problem found.
func (h PublicHoliday) Validate() error {
	day, kind, name, source := h.problems()
	return Collect(day, kind, name, source)
}

// problems checks each field of h: Validate gathers them, and
// ParseHolidayCSV puts them among the problems of a line's columns. Whether
// the day suits its kind is told only for a known kind, on a day the calendar
// may hold.
func (h PublicHoliday) problems() (day, kind, name, source error) {
	day = CalendarDay("day", h.Day)
	switch h.Kind {
	case DayHoliday, DayWorkingDay:
		if day == nil {
			day = h.suitsKind()
		}
	default:
		kind = Invalid("kind", "must be %s or %s", DayHoliday, DayWorkingDay)
	}
	if h.Name == "" {
		name = Invalid("name", "must not be empty")
	}
	if h.Source == "" {
		source = Invalid("source", "must say which decision or rule gives the day")
	}
	return day, kind, name, source
}

// suitsKind refuses a holiday on a weekend (already a day off) and a working
// day on a weekday (already a working day).
func (h PublicHoliday) suitsKind() error {
	weekend := isWeekend(h.Day)
	switch {
	case h.Kind == DayHoliday && weekend:
		return Invalid("day", "%s is a %s, already a day off: list the weekday it moves to",
			h.Day.Format(time.DateOnly), h.Day.Weekday())
	case h.Kind == DayWorkingDay && !weekend:
		return Invalid("day", "%s is a %s, already a working day", h.Day.Format(time.DateOnly), h.Day.Weekday())
	}
	return nil
}

// CalendarDay refuses, on field, a day outside the years the calendar may
// hold: setting or removing one is a typo.
func CalendarDay(field string, day time.Time) error {
	if y := day.Year(); y < minCalendarYear || y > maxCalendarYear {
		return Invalid(field, "must be in the years %d to %d", minCalendarYear, maxCalendarYear)
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
// each date once. It returns every problem found, each INVALID_INPUT on the
// field "csv.<line>.<column>" (path ["csv", "3", "day"]), its message naming
// the line and the column too; a problem of a whole line is on "csv.<line>",
// of the whole upload on "csv", of the year on "year". A line the CSV syntax
// cannot read (an unclosed quote) ends the reading: what follows it cannot be
// told apart into lines.
func ParseHolidayCSV(year int, text string) ([]PublicHoliday, error) {
	// A year out of range comes back with the lines' problems; only the check
	// that each day is in the year needs a valid one.
	var yearErr error
	if year < minCalendarYear || year > maxCalendarYear {
		yearErr = Invalid("year", "must be in %d to %d", minCalendarYear, maxCalendarYear)
	}
	problems := []error{yearErr}
	// A spreadsheet may save UTF-8 with a byte-order mark.
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff")))
	r.FieldsPerRecord = -1 // a line of the wrong length is one problem among the others
	r.TrimLeadingSpace = true
	seen := map[string]int{}
	var out []PublicHoliday
	lines := 0 // the lines after the header
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			if first {
				problems = append(problems, Invalid("csv.1", "line 1: the header must be %s", strings.Join(holidayCSVHeader, ",")))
			}
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, Invalid(fmt.Sprintf("csv.%d", pe.StartLine), "line %d: %v", pe.StartLine, pe.Err))
			} else {
				problems = append(problems, Invalid("csv", "%v", err))
			}
			break
		}
		line, _ := r.FieldPos(0)
		if first {
			if !slices.Equal(rec, holidayCSVHeader) {
				problems = append(problems, Invalid(fmt.Sprintf("csv.%d", line), "line %d: the header must be %s", line,
					strings.Join(holidayCSVHeader, ",")))
			}
			continue
		}
		lines++
		if len(rec) != len(holidayCSVHeader) {
			problems = append(problems, Invalid(fmt.Sprintf("csv.%d", line), "line %d: %d columns, want %d", line, len(rec),
				len(holidayCSVHeader)))
			continue
		}
		h, err := holidayLine(rec, line, year, yearErr == nil, seen)
		problems = append(problems, err)
		out = append(out, h)
	}
	if lines == 0 {
		problems = append(problems, Invalid("csv", "no days: an upload replaces the whole year"))
	}
	if err := Collect(problems...); err != nil {
		return nil, err
	}
	return out, nil
}

// holidayLine reads one line of a calendar upload and returns every problem
// of its columns, each on "csv.<line>.<column>". The day's checks against the
// year (when it is valid, inYear), the lines before it and its kind run only
// on a date that reads; seen maps the dates read so far to their lines.
func holidayLine(rec []string, line, year int, inYear bool, seen map[string]int) (PublicHoliday, error) {
	var dayErr, provisionalErr error
	day, err := time.Parse(time.DateOnly, rec[0])
	switch prev, twice := seen[rec[0]]; {
	case err != nil:
		dayErr = Invalid("day", "%q is not a date YYYY-MM-DD", rec[0])
	case inYear && day.Year() != year:
		dayErr = Invalid("day", "%s is not in %d", rec[0], year)
	case twice:
		dayErr = Invalid("day", "%s is already on line %d", rec[0], prev)
	default:
		seen[rec[0]] = line
	}
	provisional, err := strconv.ParseBool(rec[3])
	if err != nil {
		provisionalErr = Invalid("provisional", "%q is not true or false", rec[3])
	}
	h := PublicHoliday{Day: day, Kind: rec[1], Name: strings.TrimSpace(rec[2]), Provisional: provisional,
		Source: strings.TrimSpace(rec[4])}
	d, kind, name, source := h.problems()
	if dayErr == nil {
		dayErr = d
	}
	// The columns' problems, in the order of the columns, each on its line.
	errs := []error{dayErr, kind, name, provisionalErr, source}
	for i, e := range errs {
		if de, ok := e.(*Error); ok {
			errs[i] = Invalid(fmt.Sprintf("csv.%d.%s", line, de.Field), "line %d, %s: %s", line, de.Field, de.Message)
		}
	}
	return h, Collect(errs...)
}

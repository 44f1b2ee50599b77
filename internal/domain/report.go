package domain

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ReportSubmission is the state of a unit's periodic report (the 6-month
// report due 15/5, the annual one due 20/11).
type ReportSubmission struct {
	UnitCode    string
	Period      string
	DueOn       time.Time
	SubmittedAt *time.Time
}

// Department is a member department of the provincial Board (sở, ban,
// ngành), which reports beside the units. The member list is data
// (migration 00077), provisional until checked against the Board's decision.
type Department struct {
	ID          int
	Code        string
	NameVi      string
	NameEn      string
	ValidFrom   time.Time
	ValidTo     *time.Time
	Provisional bool
	Source      string
}

// DepartmentSubmission is the state of a member department's report of a
// period: its due date, when it was submitted, and whether content was saved.
type DepartmentSubmission struct {
	Department  Department
	DueOn       time.Time
	SubmittedAt *time.Time
	Drafted     bool
}

// InForce reports whether the department is a member on day.
func (d Department) InForce(day time.Time) bool {
	return !day.Before(d.ValidFrom) && (d.ValidTo == nil || day.Before(*d.ValidTo))
}

// ReportKind is what a report period's due-date rule is keyed by: "half" for
// the first half of a year (2025-H1), "year" for a year (2025). Any other
// period has no report: INVALID_INPUT on field.
func ReportKind(field, period string) (kind string, year int, err error) {
	y, rest, half := strings.Cut(period, "-")
	year, convErr := strconv.Atoi(y)
	switch {
	case len(y) != 4 || convErr != nil || year < 2000 || year > 2100 || (half && rest != "H1"):
		return "", 0, Invalid(field, "no report period %q: a report covers the first half of a year (2025-H1) or a year (2025)", period)
	case half:
		return "half", year, nil
	}
	return "year", year, nil
}

// The bounds of a report's content.
const (
	MaxReportFigures   = 200
	MaxReportNarrative = 20000
	// MaxReportFigure bounds a figure: a count or an amount of the province,
	// never near it, and a float64 holds every integer below it exactly.
	MaxReportFigure = 1e12
)

// ReportFigure is one number a report states, under a key such as
// "children" or "special:DISABLED" (the periodic report's item keys) or a
// department's own.
type ReportFigure struct {
	Key   string
	Value float64
}

// ReportContent is what a report says: its figures and its narrative.
type ReportContent struct {
	Figures   []ReportFigure
	Narrative *string
}

var reportKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}(:[A-Z0-9_]{1,40})?$`)

// Validate checks the content's sizes, keys and values and returns every
// problem found; each figure's fields are named by index (figures.3.key).
func (c ReportContent) Validate() error {
	var errs []error
	if len(c.Figures) > MaxReportFigures {
		errs = append(errs, Invalid("figures", "must be at most %d", MaxReportFigures))
	}
	seen := map[string]bool{}
	for i, f := range c.Figures {
		field := fmt.Sprintf("figures.%d.", i)
		switch {
		case !reportKey.MatchString(f.Key):
			errs = append(errs, Invalid(field+"key", "must be a key such as children or special:DISABLED"))
		case seen[f.Key]:
			errs = append(errs, Invalid(field+"key", "names a key given before"))
		}
		seen[f.Key] = true
		if math.IsNaN(f.Value) || f.Value < 0 || f.Value > MaxReportFigure {
			errs = append(errs, Invalid(field+"value", "must be from 0 to %.0f", MaxReportFigure))
		}
	}
	if c.Narrative != nil {
		errs = append(errs, validMultiline("narrative", *c.Narrative, MaxReportNarrative))
	}
	return Collect(errs...)
}

// validMultiline is ValidText for free text of several lines: tabs and line
// breaks are allowed.
func validMultiline(field, s string, max int) error {
	return ValidText(field, strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s), max)
}

// The states of a periodic report.
const (
	SubmissionSubmitted = "SUBMITTED"
	SubmissionLate      = "LATE"
	SubmissionOverdue   = "OVERDUE"
	SubmissionDraft     = "DRAFT"
	SubmissionPending   = "PENDING"
)

// Submission classifies a report on now: SUBMITTED by the end of the due
// day (a due date is a whole day in Vietnam), LATE after it; unsubmitted,
// OVERDUE once the due day has passed, else DRAFT when content was saved,
// else PENDING.
func Submission(due time.Time, submitted *time.Time, drafted bool, now time.Time) string {
	end := time.Date(due.Year(), due.Month(), due.Day()+1, 0, 0, 0, 0, Vietnam)
	switch {
	case submitted != nil && submitted.Before(end):
		return SubmissionSubmitted
	case submitted != nil:
		return SubmissionLate
	case !now.Before(end):
		return SubmissionOverdue
	case drafted:
		return SubmissionDraft
	}
	return SubmissionPending
}

// ReportInput is a report saved through the API: a unit's (UnitID) or a
// department's (DepartmentCode), with its content, submitted or kept as a
// draft.
type ReportInput struct {
	Period         string
	UnitID         int
	DepartmentCode string
	Content        ReportContent
	Draft          bool
}

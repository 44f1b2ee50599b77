package domain

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// BulletinStatus is where a bulletin issue stands.
type BulletinStatus string

// A draft is edited by province officers; a published issue is frozen.
const (
	BulletinDraft     BulletinStatus = "draft"
	BulletinPublished BulletinStatus = "published"
)

// BulletinStatuses lists every BulletinStatus; the CHECK on bulletin.status
// names the same (a test compares them).
var BulletinStatuses = []BulletinStatus{BulletinDraft, BulletinPublished}

// BulletinEditorialMax bounds the officer's editorial text, in characters.
const BulletinEditorialMax = 10000

// Bulletin is one quarterly issue of "Trẻ em như búp trên cành" (plan 2021,
// item 9). Content is set once, on publishing: the released numbers as they
// stood in run RunID, frozen.
type Bulletin struct {
	ID          int64
	Year        int
	Quarter     int
	Status      BulletinStatus
	Editorial   string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedBy string
	PublishedAt *time.Time
	RunID       string
	Content     *BulletinContent
}

// Period names the quarter as the analytics periods do: 2024-Q2.
func (b Bulletin) Period() string { return QuarterPeriod(b.Year, b.Quarter) }

// QuarterPeriod names a quarter as the analytics periods do: 2024-Q2.
func QuarterPeriod(year, quarter int) string { return fmt.Sprintf("%d-Q%d", year, quarter) }

// QuarterEnd is the first instant after the quarter, Vietnam time: a run that
// finished before it cannot hold the quarter's last days.
func QuarterEnd(year, quarter int) time.Time {
	return time.Date(year, time.Month(3*quarter+1), 1, 0, 0, 0, 0, Vietnam)
}

// ValidateBulletin checks a new issue's quarter and editorial text, every
// problem at once.
func ValidateBulletin(year, quarter int, editorial string) error {
	var problems []error
	if year < 2019 || year > 2100 {
		problems = append(problems, Invalid("year", "year %d is outside 2019 to 2100", year))
	}
	if quarter < 1 || quarter > 4 {
		problems = append(problems, Invalid("quarter", "quarter %d is not 1 to 4", quarter))
	}
	problems = append(problems, ValidateEditorial(editorial))
	return Collect(problems...)
}

// ValidateEditorial checks the editorial text: 1 to BulletinEditorialMax
// characters, with no control character but line breaks and tabs.
func ValidateEditorial(editorial string) error {
	if n := utf8.RuneCountInString(editorial); n < 1 || n > BulletinEditorialMax {
		return Invalid("editorial", "the editorial has %d characters: 1 to %d", n, BulletinEditorialMax)
	}
	if r, bad := ControlChar(editorial, true); bad {
		return Invalid("editorial", "the editorial holds the control character U+%04X", r)
	}
	return nil
}

// BulletinContent is an issue's released numbers, in sections. Every number
// is as the analytics service releases it to an analyst: Value is nil where
// disclosure control withheld it.
type BulletinContent struct {
	Period   string            `json:"period"`
	RunID    string            `json:"runId"`
	MonthsTo string            `json:"monthsTo"`
	Sections []BulletinSection `json:"sections"`
}

// BulletinSection is one table (and chart) of the issue.
type BulletinSection struct {
	Key   string        `json:"key"`
	Title string        `json:"title"`
	Note  string        `json:"note,omitempty"`
	Rows  []BulletinRow `json:"rows"`
}

// BulletinRow is one released number with its label; Target and Meets for
// the key indicators.
type BulletinRow struct {
	Label    string   `json:"label"`
	Value    *float64 `json:"value"`
	Decimals int      `json:"decimals"`
	Unit     string   `json:"unit,omitempty"`
	Status   string   `json:"status"`
	Target   *float64 `json:"target,omitempty"`
	Meets    *bool    `json:"meets,omitempty"`
}

package domain

import "time"

// ReportSubmission is the state of a district's periodic report (the 6-month
// report due 15/5, the annual one due 20/11).
type ReportSubmission struct {
	UnitCode    string
	Period      string
	DueOn       time.Time
	SubmittedAt *time.Time
}

package domain

import (
	"testing"
	"time"
)

// TestSubmission: a due date is a whole day in Vietnam (UTC+7), so a report
// in by 23:59 on the due day is on time, and an unsubmitted one turns
// OVERDUE at midnight; a draft is DRAFT until then.
func TestSubmission(t *testing.T) {
	due := time.Date(2021, 5, 15, 0, 0, 0, 0, time.UTC)
	at := func(s string) *time.Time {
		x, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &x
	}
	for _, tt := range []struct {
		submitted *time.Time
		drafted   bool
		now       string
		want      string
	}{
		{at("2021-05-15T23:59:59+07:00"), false, "2021-06-01T00:00:00+07:00", SubmissionSubmitted},
		{at("2021-05-15T17:30:00Z"), false, "2021-06-01T00:00:00+07:00", SubmissionLate}, // 00:30 on 16/5 in Vietnam
		{nil, false, "2021-05-15T23:59:59+07:00", SubmissionPending},
		{nil, true, "2021-05-15T23:59:59+07:00", SubmissionDraft},
		{nil, true, "2021-05-16T00:00:00+07:00", SubmissionOverdue},
		{nil, false, "2021-05-15T17:00:00Z", SubmissionOverdue}, // midnight in Vietnam
	} {
		if got := Submission(due, tt.submitted, tt.drafted, *at(tt.now)); got != tt.want {
			t.Errorf("submitted %v, drafted %v, now %s: %s, want %s", tt.submitted, tt.drafted, tt.now, got, tt.want)
		}
	}
}

// TestReportKind: only the first half of a year and a year have a report.
func TestReportKind(t *testing.T) {
	for period, want := range map[string]string{"2025-H1": "half", "2025": "year", "2025-H2": "", "2025-Q1": "", "2025-03": "",
		"25": "", "1999": "", "2025-h1": ""} {
		kind, _, err := ReportKind("period", period)
		if kind != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q %v, want %q", period, kind, err, want)
		}
	}
}

package domain

import (
	"errors"
	"testing"
	"time"
)

func TestPlanDeadline(t *testing.T) {
	// Holidays of 2026 from the public_holiday table that these cases cross.
	holidays := map[string]bool{"2026-04-27": true, "2026-04-30": true, "2026-05-01": true,
		"2026-02-16": true, "2026-02-17": true, "2026-02-18": true, "2026-02-19": true, "2026-02-20": true}
	isHoliday := func(d time.Time) bool { return holidays[d.Format("2006-01-02")] }
	ict := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, Vietnam)
		if err != nil {
			panic(err)
		}
		return t
	}
	// Worked out by hand on a calendar; each deadline is midnight after the fifth working day.
	tests := []struct {
		name, received, want string
	}{
		// Tue 3 Nov: Wed 4, Thu 5, Fri 6, Mon 9, Tue 10 -> end of Tue 10.
		{"plain week", "2026-11-03 09:00", "2026-11-11 00:00"},
		// Fri 24 Apr: Sat/Sun skipped, Mon 27 Hùng Kings, Tue 28 (1), Wed 29 (2), Thu 30 and Fri 1 May
		// holidays, Sat/Sun, Mon 4 (3), Tue 5 (4), Wed 6 (5) -> end of Wed 6 May.
		{"weekend and holidays", "2026-04-24 10:00", "2026-05-07 00:00"},
		// Received late Friday evening Vietnam time (still Friday): same as a Friday receipt.
		{"Tết", "2026-02-13 23:30", "2026-02-28 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanDeadline(ict(tt.received), isHoliday)
			if want := ict(tt.want); !got.Equal(want) {
				t.Fatalf("PlanDeadline(%s) = %s, want %s", tt.received, got.In(Vietnam), want)
			}
		})
	}
}

func TestCaseAdvance(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	now := t0.Add(30 * 24 * time.Hour)
	yes, no := true, false
	base := Case{Status: CaseReceived, ReceivedAt: t0, EmergencyDeadline: t0.Add(EmergencyWindow)}
	tests := []struct {
		name  string
		steps []CaseStep
		code  Code // of the last step; "" means every step succeeds
	}{
		{"full path without emergency", []CaseStep{
			{To: CaseInitialAssessed, At: t0.Add(time.Hour), EmergencyNeeded: &no},
			{To: CaseDetailedAssessed, At: t0.Add(2 * time.Hour)},
			{To: CasePlanDrafted, At: t0.Add(3 * time.Hour)},
			{To: CasePlanApproved, At: t0.Add(4 * time.Hour)},
			{To: CaseInProgress, At: t0.Add(5 * time.Hour)},
			{To: CaseReviewed, At: t0.Add(6 * time.Hour)},
			{To: CaseClosed, At: t0.Add(7 * time.Hour)},
		}, ""},
		{"skip initial assessment", []CaseStep{{To: CaseDetailedAssessed, At: t0.Add(time.Hour)}}, CodeConflict},
		{"skip emergency when needed", []CaseStep{
			{To: CaseInitialAssessed, At: t0.Add(time.Hour), EmergencyNeeded: &yes},
			{To: CaseDetailedAssessed, At: t0.Add(2 * time.Hour)},
		}, CodeConflict},
		{"emergency when not needed", []CaseStep{
			{To: CaseInitialAssessed, At: t0.Add(time.Hour), EmergencyNeeded: &no},
			{To: CaseEmergencyMeasures, At: t0.Add(2 * time.Hour)},
		}, CodeConflict},
		{"step before the previous", []CaseStep{
			{To: CaseInitialAssessed, At: t0.Add(time.Hour), EmergencyNeeded: &no},
			{To: CaseDetailedAssessed, At: t0.Add(time.Minute)},
		}, CodeInvalidInput},
		{"future step", []CaseStep{{To: CaseInitialAssessed, At: now.Add(time.Hour), EmergencyNeeded: &no}}, CodeInvalidInput},
		{"assessment without emergency answer", []CaseStep{{To: CaseInitialAssessed, At: t0.Add(time.Hour)}}, CodeInvalidInput},
		{"after closing", []CaseStep{
			{To: CaseInitialAssessed, At: t0.Add(time.Hour), EmergencyNeeded: &no},
			{To: CaseDetailedAssessed, At: t0.Add(2 * time.Hour)},
			{To: CasePlanDrafted, At: t0.Add(3 * time.Hour)},
			{To: CasePlanApproved, At: t0.Add(4 * time.Hour)},
			{To: CaseInProgress, At: t0.Add(5 * time.Hour)},
			{To: CaseReviewed, At: t0.Add(6 * time.Hour)},
			{To: CaseReplanned, At: t0.Add(7 * time.Hour)},
			{To: CaseReviewed, At: t0.Add(8 * time.Hour)},
		}, CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			var err error
			for i, s := range tt.steps {
				c, err = c.Advance(s, now)
				last := i == len(tt.steps)-1
				if err != nil && (!last || tt.code == "") {
					t.Fatalf("step %d (%s): %v", i, s.To, err)
				}
			}
			if tt.code == "" {
				if err != nil || c.Status != tt.steps[len(tt.steps)-1].To {
					t.Fatalf("status %s, err %v", c.Status, err)
				}
				return
			}
			var de *Error
			if !errors.As(err, &de) || de.Code != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestCaseLateness(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	yes := true
	at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
	c := Case{ReceivedAt: t0, EmergencyNeeded: &yes, EmergencyDeadline: t0.Add(12 * time.Hour),
		PlanDeadline: t0.Add(7 * 24 * time.Hour)}
	if !c.EmergencyLate(t0.Add(13 * time.Hour)) {
		t.Fatal("no emergency measures 13h after receipt must be late")
	}
	if c.EmergencyLate(t0.Add(11 * time.Hour)) {
		t.Fatal("11h after receipt is not late yet")
	}
	c.EmergencyMeasuresAt = at(12)
	if c.EmergencyLate(t0.Add(100 * time.Hour)) {
		t.Fatal("measures at exactly 12h are on time")
	}
	c.EmergencyMeasuresAt = at(13)
	if !c.EmergencyLate(t0.Add(100 * time.Hour)) {
		t.Fatal("measures at 13h are late")
	}
	if c.PlanLate(t0.Add(6 * 24 * time.Hour)) {
		t.Fatal("plan not late before its deadline")
	}
	if !c.PlanLate(t0.Add(8 * 24 * time.Hour)) {
		t.Fatal("missing plan after its deadline is late")
	}
	c.PlanDraftedAt = at(24 * 7)
	if c.PlanLate(t0.Add(30 * 24 * time.Hour)) {
		t.Fatal("plan drafted at the deadline is on time")
	}
}

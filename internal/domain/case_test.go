package domain

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// ict parses a Vietnamese wall-clock time.
func ict(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Vietnam)
	if err != nil {
		panic(err)
	}
	return t
}

// testRules are the case_deadline counts (5 and 7) over the public_holiday
// rows that these cases cross, as migrations 00002 and 00063 load them.
func testRules(t *testing.T) CaseRules {
	t.Helper()
	var days []PublicHoliday
	for _, d := range []string{"2026-04-27", "2026-04-30", "2026-05-01",
		"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
		// 2025: Friday 2 May swapped with Saturday 26 April.
		"2025-04-30", "2025-05-01", "2025-05-02", "2025-04-26",
		// Provisional Tết 2027 (migration 00063).
		"2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"} {
		day, _ := time.Parse(time.DateOnly, d)
		kind := DayHoliday
		if isWeekend(day) {
			kind = DayWorkingDay
		}
		h := PublicHoliday{Day: day, Kind: kind, Name: "x", Source: "test"}
		if err := h.Validate(); err != nil {
			t.Fatal(err)
		}
		days = append(days, h)
	}
	r, err := NewCaseRules(NewCalendar(days), []CaseDeadline{{Step: StepPlanDraft, WorkingDays: 5},
		{Step: StepPlanApproval, WorkingDays: 7, Provisional: true}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCaseDeadlines(t *testing.T) {
	r := testRules(t)
	// Worked out by hand on a calendar; each deadline is midnight after the
	// fifth (plan) or seventh (approval) working day after the day of receipt.
	tests := []struct {
		name, received, plan, approval string
	}{
		// Tue 3 Nov: Wed 4, Thu 5, Fri 6, Mon 9, Tue 10 (5), Wed 11, Thu 12 (7).
		{"plain week", "2026-11-03 09:00", "2026-11-11 00:00", "2026-11-13 00:00"},
		// Fri 24 Apr: Sat/Sun skipped, Mon 27 Hùng Kings, Tue 28 (1), Wed 29 (2), Thu 30 and Fri 1 May
		// holidays, Sat/Sun, Mon 4 (3), Tue 5 (4), Wed 6 (5), Thu 7, Fri 8 (7).
		{"weekend and holidays", "2026-04-24 10:00", "2026-05-07 00:00", "2026-05-09 00:00"},
		// Late Friday evening Vietnam time (still Friday): Mon 16 to Fri 20 Tết, Mon 23 (1) ... Fri 27 (5),
		// Mon 2 Mar, Tue 3 (7).
		{"Tết 2026", "2026-02-13 23:30", "2026-02-28 00:00", "2026-03-04 00:00"},
		// Wed 3 Feb 2027: Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 provisional Tết; Thu 11 (1), Fri 12 (2),
		// Mon 15 (3), Tue 16 (4), Wed 17 (5), Thu 18, Fri 19 (7).
		{"provisional Tết 2027", "2027-02-03 10:00", "2027-02-18 00:00", "2027-02-20 00:00"},
		// Wed 23 Apr 2025: Thu 24 (1), Fri 25 (2), Sat 26 worked (3), Mon 28 (4), Tue 29 (5); Wed 30,
		// Thu 1 and Fri 2 May off, Mon 5 (6), Tue 6 (7).
		{"Saturday 26/04/2025 worked", "2025-04-23 09:00", "2025-04-30 00:00", "2025-05-07 00:00"},
		// Mon 28 Apr 2025: Tue 29 (1); Wed 30, Thu 1, Fri 2 off; Mon 5 (2), Tue 6 (3), Wed 7 (4),
		// Thu 8 (5), Fri 9, Mon 12 (7).
		{"Friday 02/05/2025 off", "2025-04-28 09:00", "2025-05-09 00:00", "2025-05-13 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := ict(tt.received)
			if got, want := r.PlanDeadline(rec), ict(tt.plan); !got.Equal(want) {
				t.Errorf("plan deadline = %s, want %s", got.In(Vietnam), want)
			}
			if got, want := r.ApprovalDeadline(rec), ict(tt.approval); !got.Equal(want) {
				t.Errorf("approval deadline = %s, want %s", got.In(Vietnam), want)
			}
		})
	}
}

func TestNewCaseRulesNeedsBothSteps(t *testing.T) {
	if _, err := NewCaseRules(Calendar{}, []CaseDeadline{{Step: StepPlanDraft, WorkingDays: 5}}); err == nil {
		t.Fatal("rules without the approval step must be refused")
	}
}

func TestPublicHolidayValidate(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		name  string
		h     PublicHoliday
		field string
	}{
		{"holiday on a weekday", PublicHoliday{Day: day("2025-05-02"), Kind: DayHoliday, Name: "n", Source: "s"}, ""},
		{"worked Saturday", PublicHoliday{Day: day("2025-04-26"), Kind: DayWorkingDay, Name: "n", Source: "s"}, ""},
		{"holiday on a Sunday", PublicHoliday{Day: day("2026-04-26"), Kind: DayHoliday, Name: "n", Source: "s"}, "day"},
		{"working day on a Friday", PublicHoliday{Day: day("2025-05-02"), Kind: DayWorkingDay, Name: "n", Source: "s"}, "day"},
		{"unknown kind", PublicHoliday{Day: day("2025-05-02"), Kind: "bridge", Name: "n", Source: "s"}, "kind"},
		{"no name", PublicHoliday{Day: day("2025-05-02"), Kind: DayHoliday, Source: "s"}, "name"},
		{"no source", PublicHoliday{Day: day("2025-05-02"), Kind: DayHoliday, Name: "n"}, "source"},
	} {
		err := tt.h.Validate()
		var de *Error
		if tt.field == "" && err != nil || tt.field != "" && (!errors.As(err, &de) || de.Field != tt.field) {
			t.Errorf("%s: %v, want an error on %q", tt.name, err, tt.field)
		}
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
	yes, no := true, false
	at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
	c := Case{ReceivedAt: t0, EmergencyNeeded: &yes, EmergencyDeadline: t0.Add(12 * time.Hour),
		PlanDeadline: t0.Add(7 * 24 * time.Hour), ApprovalDeadline: t0.Add(9 * 24 * time.Hour)}
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
	// Art. 28(1): the working-day deadlines do not apply to an emergency.
	if c.PlanLate(t0.Add(30*24*time.Hour)) || c.ApprovalLate(t0.Add(30*24*time.Hour)) {
		t.Fatal("an emergency case is never plan- or approval-late")
	}
	c.PlanDraftedAt, c.PlanApprovedAt = at(24*20), at(24*21)
	if c.PlanLate(t0.Add(30*24*time.Hour)) || c.ApprovalLate(t0.Add(30*24*time.Hour)) {
		t.Fatal("an emergency case's plan drafted and approved weeks later is not late")
	}

	c = Case{ReceivedAt: t0, EmergencyNeeded: &no, EmergencyDeadline: t0.Add(12 * time.Hour),
		PlanDeadline: t0.Add(7 * 24 * time.Hour), ApprovalDeadline: t0.Add(9 * 24 * time.Hour)}
	if c.EmergencyLate(t0.Add(100 * time.Hour)) {
		t.Fatal("no emergency needed: never emergency-late")
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
	if c.ApprovalLate(t0.Add(8*24*time.Hour)) || !c.ApprovalLate(t0.Add(10*24*time.Hour)) {
		t.Fatal("a missing approval is late only after its deadline")
	}
	c.PlanApprovedAt = at(24*9 + 1)
	if !c.ApprovalLate(t0.Add(30 * 24 * time.Hour)) {
		t.Fatal("approval after its deadline is late")
	}
	c.PlanApprovedAt, c.ClosedAt = nil, at(24*8)
	if c.ApprovalLate(t0.Add(30 * 24 * time.Hour)) {
		t.Fatal("a case closed before approval is not overdue")
	}
}

func TestApprovalOnWorkingDaySixAndEight(t *testing.T) {
	r := testRules(t)
	// Received Mon 2 Nov 2026: Tue 3 (1), Wed 4, Thu 5, Fri 6, Mon 9 (5), Tue 10 (6), Wed 11 (7), Thu 12 (8).
	rec := ict("2026-11-02 09:00")
	no := false
	c := Case{ReceivedAt: rec, EmergencyNeeded: &no, PlanDeadline: r.PlanDeadline(rec), ApprovalDeadline: r.ApprovalDeadline(rec)}
	now := ict("2026-12-01 00:00")
	day6, day8 := ict("2026-11-10 15:00"), ict("2026-11-12 09:00")
	c.PlanApprovedAt = &day6
	if c.ApprovalLate(now) {
		t.Errorf("approved on working day 6 (deadline %s) is timely", c.ApprovalDeadline.In(Vietnam))
	}
	c.PlanApprovedAt = &day8
	if !c.ApprovalLate(now) {
		t.Errorf("approved on working day 8 (deadline %s) is late", c.ApprovalDeadline.In(Vietnam))
	}
}

// TestCaseStepProblemsComeTogether: a step's own problems (a time in the
// future, an initial assessment without the emergency answer) come back
// together, and with a time before the previous step; a step that may not
// follow the case's status is a CONFLICT told alone.
func TestCaseStepProblemsComeTogether(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	now := t0.Add(30 * 24 * time.Hour)
	no := false
	received := Case{Status: CaseReceived, ReceivedAt: t0}
	for _, tt := range []struct {
		name string
		step CaseStep
		want []string // field:code from Advance, in order; nil: the step is recorded
		own  []string // from Validate, without the case
	}{
		{"valid", CaseStep{To: CaseInitialAssessed, At: t0.Add(time.Hour), EmergencyNeeded: &no}, nil, nil},
		{"future, no emergency answer", CaseStep{To: CaseInitialAssessed, At: now.Add(time.Hour)},
			[]string{"at:INVALID_INPUT", "emergencyNeeded:INVALID_INPUT"}, []string{"at:INVALID_INPUT", "emergencyNeeded:INVALID_INPUT"}},
		{"before receipt, no emergency answer", CaseStep{To: CaseInitialAssessed, At: t0.Add(-time.Hour)},
			[]string{"emergencyNeeded:INVALID_INPUT", "at:INVALID_INPUT"}, []string{"emergencyNeeded:INVALID_INPUT"}},
		{"skipped, in the future", CaseStep{To: CasePlanDrafted, At: now.Add(time.Hour)}, []string{"to:CONFLICT"},
			[]string{"at:INVALID_INPUT"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := received.Advance(tt.step, now)
			var got []string
			var p Problems
			var e *Error
			switch {
			case errors.As(err, &p):
				got = problemFields(t, err)
			case errors.As(err, &e):
				got = []string{e.Field + ":" + string(e.Code)}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v (%v), want %v", got, err, tt.want)
			}
			// Without its case, a step tells only its own problems.
			if got := problemFields(t, tt.step.Validate(now)); !slices.Equal(got, tt.own) {
				t.Fatalf("Validate: got %v, want %v", got, tt.own)
			}
		})
	}
}

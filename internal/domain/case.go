package domain

import (
	"slices"
	"time"
)

// CaseStatus is the step a protection case has reached (Decree 56/2017 Chapter III).
type CaseStatus string

// The steps, in order. Emergency measures happen only when the initial
// assessment found them needed; closed and replanned end a case.
const (
	CaseReceived          CaseStatus = "received"
	CaseInitialAssessed   CaseStatus = "initial_assessed"
	CaseEmergencyMeasures CaseStatus = "emergency_measures"
	CaseDetailedAssessed  CaseStatus = "detailed_assessed"
	CasePlanDrafted       CaseStatus = "plan_drafted"
	CasePlanApproved      CaseStatus = "plan_approved"
	CaseInProgress        CaseStatus = "in_progress"
	CaseReviewed          CaseStatus = "reviewed"
	CaseClosed            CaseStatus = "closed"
	CaseReplanned         CaseStatus = "replanned"
)

// CaseTypes are the kinds of protection case the schema accepts.
var CaseTypes = []string{"violence", "sexual_abuse", "exploitation", "abandonment", "trafficking", "neglect", "other"}

// Vietnam is the time zone of every civil date and deadline: working days,
// due dates and the dates the Board records are Vietnamese days. UTC+7 with
// no daylight saving, fixed so that it needs no time zone database.
var Vietnam = time.FixedZone("ICT", 7*60*60)

// HistoryStart is the first day of treem's history: the warehouse counts
// months from it, the seed records from it, and analytics refuse periods
// that end before it.
var HistoryStart = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)

// VietnamZoneName is Vietnam by its IANA name, for SQL that converts a
// timestamp to a Vietnamese date (AT TIME ZONE); a test holds it to Vietnam.
const VietnamZoneName = "Asia/Ho_Chi_Minh"

// EmergencyWindow is the Art. 26(3) limit for emergency measures after receipt.
const EmergencyWindow = 12 * time.Hour

// Case is a protection case with the time of each step reached.
type Case struct {
	ID                  int64
	ChildID             int64
	UnitID              int
	Type                string
	Status              CaseStatus
	ReceivedAt          time.Time
	InitialAssessedAt   *time.Time
	EmergencyNeeded     *bool
	EmergencyMeasuresAt *time.Time
	DetailedAssessedAt  *time.Time
	PlanDraftedAt       *time.Time
	PlanApprovedAt      *time.Time
	InProgressAt        *time.Time
	ReviewedAt          *time.Time
	ClosedAt            *time.Time
	Outcome             *string
	EmergencyDeadline   time.Time
	PlanDeadline        time.Time
	PreviousCaseID      *int64
	ApprovalDeadline    time.Time
}

// EmergencyLate reports whether emergency measures were needed and came (or,
// still missing, are now) later than the 12-hour deadline.
func (c Case) EmergencyLate(now time.Time) bool {
	if !c.Emergency() {
		return false
	}
	if c.EmergencyMeasuresAt != nil {
		return c.EmergencyMeasuresAt.After(c.EmergencyDeadline)
	}
	return now.After(c.EmergencyDeadline)
}

// Emergency reports whether the initial assessment found emergency measures
// needed: the plan deadlines of Art. 28 do not apply then ("trừ trường hợp
// khẩn cấp", Art. 28(1)).
func (c Case) Emergency() bool { return c.EmergencyNeeded != nil && *c.EmergencyNeeded }

// PlanLate reports whether the plan was drafted (or, still missing, is now)
// later than the Art. 28(1) deadline; never for an emergency.
func (c Case) PlanLate(now time.Time) bool {
	return !c.Emergency() && c.lateFor(c.PlanDraftedAt, c.PlanDeadline, now)
}

// ApprovalLate reports whether the plan was approved (or, still unapproved,
// is now) later than the approval deadline; never for an emergency.
func (c Case) ApprovalLate(now time.Time) bool {
	return !c.Emergency() && c.lateFor(c.PlanApprovedAt, c.ApprovalDeadline, now)
}

// lateFor tells whether a step came after its deadline or, still missing
// from an open case, is overdue at now.
func (c Case) lateFor(done *time.Time, deadline, now time.Time) bool {
	if done != nil {
		return done.After(deadline)
	}
	if c.ClosedAt != nil {
		return false
	}
	return now.After(deadline)
}

// CaseStep is one advance of a case: the step reached and when.
type CaseStep struct {
	To CaseStatus
	At time.Time
	// EmergencyNeeded is required with the initial assessment.
	EmergencyNeeded *bool
}

// stepFields names, as the schema's ProtectionCase does, the time field each
// step sets beside the status.
var stepFields = map[CaseStatus][]string{
	CaseInitialAssessed:   {"initialAssessedAt", "emergencyNeeded"},
	CaseEmergencyMeasures: {"emergencyMeasuresAt"},
	CaseDetailedAssessed:  {"detailedAssessedAt"},
	CasePlanDrafted:       {"planDraftedAt"},
	CasePlanApproved:      {"planApprovedAt"},
	CaseInProgress:        {"inProgressAt"},
	CaseReviewed:          {"reviewedAt"},
	CaseClosed:            {"closedAt"},
	CaseReplanned:         {"closedAt"},
}

// Fields names the fields recording step writes, for its audit entry.
func (s CaseStep) Fields() []string {
	return append([]string{"status"}, stepFields[s.To]...)
}

// Validate checks what a step says by itself, without its case: a time not
// in the future, and whether emergency measures are needed given with the
// initial assessment. It returns every problem found.
func (s CaseStep) Validate(now time.Time) error {
	var at, emergency error
	if s.At.After(now) {
		at = Invalid("at", "must not be in the future")
	}
	if s.To == CaseInitialAssessed && s.EmergencyNeeded == nil {
		emergency = Invalid("emergencyNeeded", "is required with the initial assessment")
	}
	return Collect(at, emergency)
}

// Advance checks that step follows the case's current status and returns the
// case with the step recorded. A skipped or repeated step is a CONFLICT, told
// alone; otherwise the step's own problems (Validate) and a time before the
// previous step come back together as INVALID_INPUT.
func (c Case) Advance(step CaseStep, now time.Time) (Case, error) {
	next := c.allowedNext()
	var conflict, order error
	if !slices.Contains(next, step.To) {
		conflict = &Error{Code: CodeConflict, Field: "to",
			Message: "a case at step " + string(c.Status) + " cannot go to " + string(step.To) + allowedText(next)}
	}
	if prev := c.lastStepAt(); step.At.Before(prev) {
		order = Invalid("at", "must not be before the previous step (%s)", prev.Format(time.RFC3339))
	}
	if err := Collect(conflict, step.Validate(now), order); err != nil {
		return c, err
	}
	at := step.At
	switch step.To {
	case CaseInitialAssessed:
		c.InitialAssessedAt, c.EmergencyNeeded = &at, step.EmergencyNeeded
	case CaseEmergencyMeasures:
		c.EmergencyMeasuresAt = &at
	case CaseDetailedAssessed:
		c.DetailedAssessedAt = &at
	case CasePlanDrafted:
		c.PlanDraftedAt = &at
	case CasePlanApproved:
		c.PlanApprovedAt = &at
	case CaseInProgress:
		c.InProgressAt = &at
	case CaseReviewed:
		c.ReviewedAt = &at
	case CaseClosed, CaseReplanned:
		outcome := string(step.To)
		c.ClosedAt, c.Outcome = &at, &outcome
	}
	c.Status = step.To
	return c, nil
}

func (c Case) allowedNext() []CaseStatus {
	switch c.Status {
	case CaseReceived:
		return []CaseStatus{CaseInitialAssessed}
	case CaseInitialAssessed:
		if c.EmergencyNeeded != nil && *c.EmergencyNeeded {
			return []CaseStatus{CaseEmergencyMeasures}
		}
		return []CaseStatus{CaseDetailedAssessed}
	case CaseEmergencyMeasures:
		return []CaseStatus{CaseDetailedAssessed}
	case CaseDetailedAssessed:
		return []CaseStatus{CasePlanDrafted}
	case CasePlanDrafted:
		return []CaseStatus{CasePlanApproved}
	case CasePlanApproved:
		return []CaseStatus{CaseInProgress}
	case CaseInProgress:
		return []CaseStatus{CaseReviewed}
	case CaseReviewed:
		return []CaseStatus{CaseClosed, CaseReplanned}
	}
	return nil
}

func allowedText(next []CaseStatus) string {
	if len(next) == 0 {
		return " (the case is finished)"
	}
	s := " (next: "
	for i, n := range next {
		if i > 0 {
			s += " or "
		}
		s += string(n)
	}
	return s + ")"
}

// lastStepAt is the time of the latest step recorded.
func (c Case) lastStepAt() time.Time {
	last := c.ReceivedAt
	for _, t := range []*time.Time{c.InitialAssessedAt, c.EmergencyMeasuresAt, c.DetailedAssessedAt,
		c.PlanDraftedAt, c.PlanApprovedAt, c.InProgressAt, c.ReviewedAt, c.ClosedAt} {
		if t != nil && t.After(last) {
			last = *t
		}
	}
	return last
}

// CaseFilter narrows a case list; zero fields do not filter.
type CaseFilter struct {
	UnitIDs        []int
	ChildID        int64
	Types          []string     // any of these types; empty means any
	Statuses       []CaseStatus // at any of these steps; empty means any
	ReceivedFrom   *time.Time
	ReceivedBefore *time.Time
	OpenOnly       bool
	// Each of And must match too, and at least one of Or.
	And, Or []CaseFilter
}

// NewCase opens a protection case.
type NewCase struct {
	ChildID        int64
	Type           string
	ReceivedAt     time.Time
	PreviousCaseID *int64
}

// Validate checks a new case.
func (n NewCase) Validate(now time.Time) error {
	if !oneOf(n.Type, CaseTypes) {
		return Invalid("type", "must be one of %v", CaseTypes)
	}
	if n.ReceivedAt.After(now) {
		return Invalid("receivedAt", "must not be in the future")
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

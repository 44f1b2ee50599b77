package domain

import (
	"fmt"
	"time"
)

// InspectionTopics are the themes of the plan's thematic inspections (plan
// 2021, item 5): birth registration, residence registration, health-insurance
// cards for children, how the law on preventing child abuse is applied, and
// anything else.
var InspectionTopics = []string{"birth_registration", "residence_registration", "health_insurance",
	"abuse_prevention_law", "other"}

// UnitsReorganised is the first day of the two-level local government: the
// districts were abolished, and inspections target communes and wards.
var UnitsReorganised = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// The sizes of an inspection's texts and plan.
const (
	MaxFindingSummary     = 2000
	MaxRecommendationText = 1000
	MaxInspectionTargets  = 200
	MaxRecommendations    = 50
)

// Inspection is a thematic inspection of one unit (the inspected), planned by
// an inspecting unit for a span of days.
type Inspection struct {
	ID               int64
	UnitID           int
	InspectingUnitID int
	Topic            string
	PlannedFrom      time.Time
	PlannedTo        time.Time
}

// TargetLevel is the level an inspection planned from day targets: districts
// while they exist, communes and wards after.
func TargetLevel(day time.Time) Level {
	if day.Before(UnitsReorganised) {
		return LevelDistrict
	}
	return LevelCommune
}

// InspectionPlan is an inspection of several target units; it is recorded as
// one Inspection per unit.
type InspectionPlan struct {
	Topic            string
	InspectingUnitID int
	UnitIDs          []int
	PlannedFrom      time.Time
	PlannedTo        time.Time
}

// Validate checks a plan's topic, dates and number of targets and returns
// every problem found; the units' levels, force and area are checked where
// they are known.
func (p InspectionPlan) Validate() error {
	var to, units error
	if p.PlannedTo.Before(p.PlannedFrom) {
		to = Invalid("plannedTo", "must not be before plannedFrom")
	}
	switch {
	case len(p.UnitIDs) == 0:
		units = Invalid("units", "must name at least one unit")
	case len(p.UnitIDs) > MaxInspectionTargets:
		units = Invalid("units", "must name at most %d units", MaxInspectionTargets)
	}
	return Collect(oneOfField("topic", p.Topic, InspectionTopics), to, units)
}

// InspectionFinding is what an inspection found in its unit on a day.
type InspectionFinding struct {
	ID           int64
	InspectionID int64
	UnitID       int
	FoundOn      time.Time
	Summary      string
}

// Recommendation is what a finding asks of the inspected unit, by a due date,
// and when it was resolved (nil while open).
type Recommendation struct {
	ID         int64
	FindingID  int64
	UnitID     int
	IssuedOn   time.Time // the finding's date
	Text       string
	DueOn      time.Time
	ResolvedOn *time.Time
}

// RecommendationStatus is a recommendation's follow-up.
type RecommendationStatus string

// The follow-up of a recommendation.
const (
	RecommendationOpen     RecommendationStatus = "open"
	RecommendationResolved RecommendationStatus = "resolved"
	RecommendationOverdue  RecommendationStatus = "overdue"
)

// Status is derived on the day asked rather than stored: an open
// recommendation becomes overdue the day after its due date with no write.
func (r Recommendation) Status(today time.Time) RecommendationStatus {
	switch {
	case r.ResolvedOn != nil:
		return RecommendationResolved
	case today.After(r.DueOn):
		return RecommendationOverdue
	}
	return RecommendationOpen
}

// Validate checks a finding and its recommendations and returns every
// problem found; each recommendation's fields are named by their index
// (recommendations.0.dueOn).
func (f InspectionFinding) Validate(recs []Recommendation, today time.Time) error {
	errs := []error{NotFuture("foundOn", f.FoundOn, today), ValidText("summary", f.Summary, MaxFindingSummary)}
	if len(recs) > MaxRecommendations {
		errs = append(errs, Invalid("recommendations", "must be at most %d", MaxRecommendations))
	}
	for i, r := range recs {
		field := fmt.Sprintf("recommendations.%d.", i)
		errs = append(errs, ValidText(field+"text", r.Text, MaxRecommendationText))
		if !r.DueOn.After(f.FoundOn) {
			errs = append(errs, Invalid(field+"dueOn", "must be after the finding (foundOn)"))
		}
	}
	return Collect(errs...)
}

// ValidateResolution checks the day a recommendation was resolved against its
// finding's day and today.
func (r Recommendation) ValidateResolution(on, today time.Time) error {
	var before error
	if on.Before(r.IssuedOn) {
		before = Invalid("resolvedOn", "must not be before the recommendation (%s)", r.IssuedOn.Format(time.DateOnly))
	}
	return Collect(NotFuture("resolvedOn", on, today), before)
}

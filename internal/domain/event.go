package domain

import (
	"regexp"
	"time"
)

// Circumstance is a child's membership of one of the 14 special-circumstance
// groups (Law on Children 2016 Art. 10(1)) over a period.
type Circumstance struct {
	ID        int64
	ChildID   int64
	GroupCode string
	StartedOn time.Time
	EndedOn   *time.Time
}

// Validate checks a new membership's start date and returns every problem
// found; whether the group exists is the store's to check.
func (c Circumstance) Validate(today time.Time) error {
	return Collect(NotFuture("startedOn", c.StartedOn, today))
}

// CircumstanceEnd checks the date a membership ends on and returns every
// problem found; whether the child is in the group then is the store's to
// check.
func CircumstanceEnd(ended, today time.Time) error {
	return Collect(NotFuture("endedOn", ended, today))
}

// Household is a child's household; poverty status is recorded per year.
type Household struct {
	ID      int64
	UnitID  int
	Poverty []Poverty
}

// Poverty is a household's status in one year: poor, near_poor or neither.
type Poverty struct {
	Year   int
	Status string
}

// PovertyStatuses are the statuses a household can have in a year.
var PovertyStatuses = []string{"poor", "near_poor", "neither"}

// BirthRegistration records that a child's birth was registered.
type BirthRegistration struct {
	ChildID           int64
	UnitID            int
	RegisteredOn      time.Time
	CertificateNumber *string
}

// Validate checks a birth registration's date and returns every problem found.
func (r BirthRegistration) Validate(today time.Time) error {
	return Collect(NotFuture("registeredOn", r.RegisteredOn, today))
}

// ResidenceKinds are the kinds of residence registration.
var ResidenceKinds = []string{"permanent", "temporary"}

// ResidenceRegistration is a permanent or temporary residence registration.
type ResidenceRegistration struct {
	ID           int64
	ChildID      int64
	UnitID       int
	Kind         string
	RegisteredOn time.Time
	EndedOn      *time.Time
}

// Validate checks a residence registration's kind and date and returns every
// problem found.
func (r ResidenceRegistration) Validate(today time.Time) error {
	var kind error
	if !oneOf(r.Kind, ResidenceKinds) {
		kind = Invalid("kind", "must be permanent or temporary")
	}
	return Collect(kind, NotFuture("registeredOn", r.RegisteredOn, today))
}

// InsuranceCard is a child's health-insurance card over its validity.
type InsuranceCard struct {
	ID         int64
	ChildID    int64
	CardNumber string
	ValidFrom  time.Time
	ValidTo    time.Time
}

// cardNumber is the shape of a health-insurance card number.
var cardNumber = regexp.MustCompile(`^[A-Z]{2}[0-9]{13}$`)

// Validate checks a card's number and validity and returns every problem found.
func (c InsuranceCard) Validate() error {
	var number, period error
	if !cardNumber.MatchString(c.CardNumber) {
		number = Invalid("cardNumber", "must be two capital letters and 13 digits")
	}
	if !c.ValidTo.After(c.ValidFrom) {
		period = Invalid("validTo", "must be after validFrom")
	}
	return Collect(number, period)
}

// Injury is an accident or injury of a child.
type Injury struct {
	ID         int64
	ChildID    int64
	UnitID     int
	OccurredOn time.Time
	Cause      string
	Outcome    string
}

// InjuryCauses and InjuryOutcomes are the schema's vocabularies.
var (
	InjuryCauses   = []string{"drowning", "traffic", "fall", "burn", "poisoning", "animal", "other"}
	InjuryOutcomes = []string{"injured", "died"}
)

// Validate checks an injury's vocabularies and date and returns every problem
// found.
func (in Injury) Validate(today time.Time) error {
	return Collect(oneOfField("cause", in.Cause, InjuryCauses), oneOfField("outcome", in.Outcome, InjuryOutcomes),
		NotFuture("occurredOn", in.OccurredOn, today))
}

// Support is help given to a child.
type Support struct {
	ID        int64
	ChildID   int64
	UnitID    int
	Type      string
	Provider  string
	AmountVND int64
	GivenOn   time.Time
}

// SupportTypes is the schema's vocabulary of support.
var SupportTypes = []string{"cash", "in_kind", "health", "education", "psychological", "legal", "alternative_care", "other"}

// Validate checks a support's type, provider, amount and date and returns
// every problem found.
func (in Support) Validate(today time.Time) error {
	return Collect(oneOfField("type", in.Type, SupportTypes), ValidText("provider", in.Provider, 200),
		notNegative("amountVnd", in.AmountVND), NotFuture("givenOn", in.GivenOn, today))
}

// GiftVisit is a visit with a gift on an occasion.
type GiftVisit struct {
	ID        int64
	ChildID   int64
	UnitID    int
	Occasion  string
	VisitedOn time.Time
	ValueVND  int64
}

// GiftOccasions is the schema's vocabulary of occasions.
var GiftOccasions = []string{"children_day", "mid_autumn", "tet"}

// Validate checks a gift visit's occasion, value and date and returns every
// problem found.
func (in GiftVisit) Validate(today time.Time) error {
	return Collect(oneOfField("occasion", in.Occasion, GiftOccasions), notNegative("valueVnd", in.ValueVND),
		NotFuture("visitedOn", in.VisitedOn, today))
}

// oneOfField refuses a value outside its vocabulary set.
func oneOfField(field, v string, set []string) error {
	if !oneOf(v, set) {
		return Invalid(field, "must be one of %v", set)
	}
	return nil
}

// notNegative refuses an amount below zero.
func notNegative(field string, n int64) error {
	if n < 0 {
		return Invalid(field, "must not be negative")
	}
	return nil
}

// SwimmingClass is a safe-swimming class held in a unit.
type SwimmingClass struct {
	ID       int64
	UnitID   int
	Name     string
	StartsOn time.Time
	EndsOn   time.Time
}

// Validate checks a class's name and dates and returns every problem found.
func (c SwimmingClass) Validate(today time.Time) error {
	var ends error
	if c.EndsOn.Before(c.StartsOn) {
		ends = Invalid("endsOn", "must not be before startsOn")
	}
	return Collect(ValidText("name", c.Name, 200), NotFuture("startsOn", c.StartsOn, today), ends)
}

// Enrolment is a child's place in a swimming class.
type Enrolment struct {
	ID          int64
	ClassID     int64
	ChildID     int64
	EnrolledOn  time.Time
	CompletedOn *time.Time
}

// EnrolmentDate checks the date of an enrolment or of its completion (the
// input's field "on") and returns every problem found; whether the class or
// the enrolment exists is the store's to check.
func EnrolmentDate(on, today time.Time) error {
	return Collect(NotFuture("on", on, today))
}

// ServicePoint is a child-protection service point of a unit.
type ServicePoint struct {
	ID       int64
	UnitID   int
	Name     string
	OpenedOn time.Time
	ClosedOn *time.Time
}

// CommunicationActivity is an awareness event held in a unit, or a message
// put out on one of the plan's channels; Reach is how many it reached (what
// is counted depends on the channel), nil when unknown.
type CommunicationActivity struct {
	ID           int64
	UnitID       int
	HeldOn       time.Time
	Topic        string
	Participants int
	Channel      string
	Reach        *int
}

// CommunicationChannels are the channels of the 2021 plan (item 10): visual
// and mobile campaigns, the provincial broadcaster's ĐN1 and ĐN2, its website
// and its fan page, commune loudspeakers, LED screens, bulletins, panels and
// posters, printed leaflets, folders and booklets; other for the rest.
var CommunicationChannels = []string{"campaign", "tv_dn1", "tv_dn2", "broadcaster_website", "broadcaster_fanpage",
	"loudspeaker", "led_screen", "bulletin", "panel_poster", "printed_leaflet_booklet", "other"}

// MaxReach bounds an activity's reach: several times the province's
// population, so that only a slip of the keyboard passes it.
const MaxReach = 50_000_000

// Validate checks an activity's date, topic, participants, channel and reach
// and returns every problem found.
func (a CommunicationActivity) Validate(today time.Time) error {
	var reach error
	if a.Reach != nil && (*a.Reach < 0 || *a.Reach > MaxReach) {
		reach = Invalid("reach", "must be between 0 and %d", MaxReach)
	}
	return Collect(NotFuture("heldOn", a.HeldOn, today), ValidText("topic", a.Topic, 300),
		notNegative("participants", int64(a.Participants)), oneOfField("channel", a.Channel, CommunicationChannels), reach)
}

// PlanActivity is an activity of a unit's yearly plan.
type PlanActivity struct {
	ID     int64
	UnitID int
	Year   int
	Title  string
	DueOn  time.Time
	DoneOn *time.Time
}

// Report is a periodic report (6-month or annual) of a unit, or of a member
// department (DepartmentID set; UnitID is then the province's), with the
// content saved so far (nil while none was).
type Report struct {
	ID           int64
	UnitID       int
	DepartmentID *int
	Period       string
	DueOn        time.Time
	SubmittedAt  *time.Time
	Content      *ReportContent
}

// CommuneFacts is what a commune declares in a year for the child-friendly
// criteria that are not counts of children.
type CommuneFacts struct {
	UnitID                   int
	Year                     int
	WorkerAssigned           bool
	Villages                 int
	VillagesWithCollaborator int
	BoardMeetings            int
	FundingVND               int64
	PlayVenues               int
	ChildrenForums           int
	SurveyRespondents        int
	SurveySatisfied          int
	Category                 string
}

// CommuneCategories decide the recognition threshold of the child-friendly score.
var CommuneCategories = []string{"other", "mountain_island_dbkk", "ward_central_city"}

// Validate checks the facts' internal consistency and returns every problem
// found.
func (f CommuneFacts) Validate(today time.Time) error {
	var year, villages, collaborators, satisfied error
	if f.Year < HistoryStart.Year() || f.Year > today.Year() {
		year = Invalid("year", "must be between %d and %d", HistoryStart.Year(), today.Year())
	}
	if f.Villages <= 0 {
		villages = Invalid("villages", "must be positive")
	}
	if f.VillagesWithCollaborator < 0 || f.VillagesWithCollaborator > f.Villages {
		collaborators = Invalid("villagesWithCollaborator", "must be between 0 and villages")
	}
	if f.SurveySatisfied < 0 || f.SurveySatisfied > f.SurveyRespondents {
		satisfied = Invalid("surveySatisfied", "must be between 0 and surveyRespondents")
	}
	return Collect(year, villages, collaborators, notNegative("boardMeetings", int64(f.BoardMeetings)),
		notNegative("fundingVnd", f.FundingVND), notNegative("playVenues", int64(f.PlayVenues)),
		notNegative("childrenForums", int64(f.ChildrenForums)), notNegative("surveyRespondents", int64(f.SurveyRespondents)),
		satisfied, oneOfField("category", f.Category, CommuneCategories))
}

// EventFilter narrows a list of dated records (injuries, supports, classes, …).
type EventFilter struct {
	UnitIDs []int
	From    *time.Time // inclusive, on the record's date
	To      *time.Time // inclusive
	Kinds   []string   // any of these causes, support types, occasions … depending on the list
	// Any of these channels; only communication activities have one.
	Channels []string
	// Each of And must match too, and at least one of Or.
	And, Or []EventFilter
}

// OneOf reports whether s is in set; for vocabulary checks at the edges.
func OneOf(s string, set []string) bool { return oneOf(s, set) }

// EventKind names a list of dated records.
type EventKind string

// The lists of dated records.
const (
	EventInjury                EventKind = "injury"
	EventSupport               EventKind = "support"
	EventGiftVisit             EventKind = "gift_visit"
	EventSwimmingClass         EventKind = "swimming_class"
	EventServicePoint          EventKind = "service_point"
	EventCommunicationActivity EventKind = "communication_activity"
	EventPlanActivity          EventKind = "plan_activity"
	EventReport                EventKind = "report"
	EventTrainingCourse        EventKind = "training_course"
	EventInspection            EventKind = "inspection"
	EventInspectionFinding     EventKind = "inspection_finding"
	EventRecommendation        EventKind = "inspection_recommendation"
	EventChildrenEvent         EventKind = "children_event"
	EventForumRecommendation   EventKind = "forum_recommendation"
)

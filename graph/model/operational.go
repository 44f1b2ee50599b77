// Package model holds the GraphQL models: generated ones in models_gen.go and,
// here, hand-written ones that carry the ids their edges load through
// dataloaders (fields the schema does not show).
package model

import (
	"context"
	"strconv"
	"time"

	"treem/graph/scalar"
)

// Counter computes a connection's totalCount; it runs only when the field is selected.
type Counter func(ctx context.Context) (int, error)

// TotalCount resolves the connection's totalCount field.
func (c Counter) TotalCount(ctx context.Context) (int, error) { return c(ctx) }

// ID formats a numeric id as a GraphQL ID.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// OrgUnit is one version of an administrative unit.
type OrgUnit struct {
	UnitID      int
	ParentID    int
	AsOf        time.Time // the query date its children are taken on
	Code        string
	Name        string
	Type        string
	Level       OrgLevel
	ValidFrom   scalar.Date
	ValidTo     *scalar.Date
	Provisional bool
}

// Child is a child; ID is its global id, ChildID the number the audit log records.
type Child struct {
	ID             string
	FullName       string
	BirthDate      scalar.Date
	Sex            Sex
	Ethnicity      string
	IdentityNumber *string
	Address        *string
	DeathDate      *scalar.Date
	ChildID        int64
	CommuneID      int
	HouseholdID    *int64
}

// IsNode marks Child as a Node.
func (Child) IsNode() {}

// AuditID is the record id the audit log keeps for a read of a personal field.
func (c *Child) AuditID() int64 { return c.ChildID }

// ChildConnection is a page of Child records; Counter answers totalCount.
type ChildConnection struct {
	Edges    []*ChildEdge
	PageInfo *PageInfo
	Counter
}

// ChildEdge is one Child with its cursor.
type ChildEdge struct {
	Cursor string
	Node   *Child
}

// BirthRegistration is the GraphQL BirthRegistration; the ids after the schema fields feed its edges.
type BirthRegistration struct {
	RegisteredOn      scalar.Date
	CertificateNumber *string
	UnitID            int
	ChildID           int64
}

// AuditID is the record id the audit log keeps for a read of certificateNumber:
// a child has one registration, keyed by the child, as its writes are audited.
func (b *BirthRegistration) AuditID() int64 { return b.ChildID }

// ResidenceRegistration is the GraphQL ResidenceRegistration; the ids after the schema fields feed its edges.
type ResidenceRegistration struct {
	ID           string
	Kind         string
	RegisteredOn scalar.Date
	EndedOn      *scalar.Date
	UnitID       int
}

// ProtectionCase is a case; the lateness flags are computed when read.
type ProtectionCase struct {
	ID                  string
	Type                CaseType
	Status              CaseStatus
	ReceivedAt          scalar.DateTime
	InitialAssessedAt   *scalar.DateTime
	EmergencyNeeded     *bool
	EmergencyMeasuresAt *scalar.DateTime
	DetailedAssessedAt  *scalar.DateTime
	PlanDraftedAt       *scalar.DateTime
	PlanApprovedAt      *scalar.DateTime
	InProgressAt        *scalar.DateTime
	ReviewedAt          *scalar.DateTime
	ClosedAt            *scalar.DateTime
	EmergencyDeadline   scalar.DateTime
	PlanDeadline        scalar.DateTime
	ApprovalDeadline    scalar.DateTime
	EmergencyLate       bool
	PlanLate            bool
	ApprovalLate        bool
	PreviousCaseID      *string
	CaseID              int64
	ChildID             int64
	UnitID              int
}

// IsNode marks ProtectionCase as a Node.
func (ProtectionCase) IsNode() {}

// AuditID is the record id the audit log keeps for a read of a personal field.
func (c *ProtectionCase) AuditID() int64 { return c.CaseID }

// ProtectionCaseConnection is a page of ProtectionCase records; Counter answers totalCount.
type ProtectionCaseConnection struct {
	Edges    []*ProtectionCaseEdge
	PageInfo *PageInfo
	Counter
}

// ProtectionCaseEdge is one ProtectionCase with its cursor.
type ProtectionCaseEdge struct {
	Cursor string
	Node   *ProtectionCase
}

// Injury is the GraphQL Injury; the ids after the schema fields feed its edges.
type Injury struct {
	ID         string
	OccurredOn scalar.Date
	Cause      InjuryCause
	Outcome    InjuryOutcome
	ChildID    int64
	UnitID     int
}

// IsNode marks Injury as a Node.
func (Injury) IsNode() {}

// InjuryConnection is a page of Injury records; Counter answers totalCount.
type InjuryConnection struct {
	Edges    []*InjuryEdge
	PageInfo *PageInfo
	Counter
}

// InjuryEdge is one Injury with its cursor.
type InjuryEdge struct {
	Cursor string
	Node   *Injury
}

// Support is the GraphQL Support; the ids after the schema fields feed its edges.
type Support struct {
	ID        string
	Type      SupportType
	Provider  string
	AmountVnd int64
	GivenOn   scalar.Date
	ChildID   int64
	UnitID    int
}

// IsNode marks Support as a Node.
func (Support) IsNode() {}

// SupportConnection is a page of Support records; Counter answers totalCount.
type SupportConnection struct {
	Edges    []*SupportEdge
	PageInfo *PageInfo
	Counter
}

// SupportEdge is one Support with its cursor.
type SupportEdge struct {
	Cursor string
	Node   *Support
}

// GiftVisit is the GraphQL GiftVisit; the ids after the schema fields feed its edges.
type GiftVisit struct {
	ID        string
	Occasion  GiftOccasion
	VisitedOn scalar.Date
	ValueVnd  int64
	ChildID   int64
	UnitID    int
}

// IsNode marks GiftVisit as a Node.
func (GiftVisit) IsNode() {}

// GiftVisitConnection is a page of GiftVisit records; Counter answers totalCount.
type GiftVisitConnection struct {
	Edges    []*GiftVisitEdge
	PageInfo *PageInfo
	Counter
}

// GiftVisitEdge is one GiftVisit with its cursor.
type GiftVisitEdge struct {
	Cursor string
	Node   *GiftVisit
}

// SwimmingClass is the GraphQL SwimmingClass; the ids after the schema fields feed its edges.
type SwimmingClass struct {
	ID       string
	Name     string
	StartsOn scalar.Date
	EndsOn   scalar.Date
	UnitID   int
}

// IsNode marks SwimmingClass as a Node.
func (SwimmingClass) IsNode() {}

// SwimmingClassConnection is a page of SwimmingClass records; Counter answers totalCount.
type SwimmingClassConnection struct {
	Edges    []*SwimmingClassEdge
	PageInfo *PageInfo
	Counter
}

// SwimmingClassEdge is one SwimmingClass with its cursor.
type SwimmingClassEdge struct {
	Cursor string
	Node   *SwimmingClass
}

// Enrolment is the GraphQL Enrolment; the ids after the schema fields feed its edges.
type Enrolment struct {
	ID          string
	ClassID     string
	EnrolledOn  scalar.Date
	CompletedOn *scalar.Date
	ChildID     int64
}

// ServicePoint is the GraphQL ServicePoint; the ids after the schema fields feed its edges.
type ServicePoint struct {
	ID       string
	Name     string
	OpenedOn scalar.Date
	ClosedOn *scalar.Date
	UnitID   int
}

// IsNode marks ServicePoint as a Node.
func (ServicePoint) IsNode() {}

// ServicePointConnection is a page of ServicePoint records; Counter answers totalCount.
type ServicePointConnection struct {
	Edges    []*ServicePointEdge
	PageInfo *PageInfo
	Counter
}

// ServicePointEdge is one ServicePoint with its cursor.
type ServicePointEdge struct {
	Cursor string
	Node   *ServicePoint
}

// CommunicationActivity is the GraphQL CommunicationActivity; the ids after the schema fields feed its edges.
type CommunicationActivity struct {
	ID           string
	HeldOn       scalar.Date
	Topic        string
	Participants int
	Channel      CommunicationChannel
	Reach        *int
	UnitID       int
}

// IsNode marks CommunicationActivity as a Node.
func (CommunicationActivity) IsNode() {}

// CommunicationActivityConnection is a page of CommunicationActivity records; Counter answers totalCount.
type CommunicationActivityConnection struct {
	Edges    []*CommunicationActivityEdge
	PageInfo *PageInfo
	Counter
}

// CommunicationActivityEdge is one CommunicationActivity with its cursor.
type CommunicationActivityEdge struct {
	Cursor string
	Node   *CommunicationActivity
}

// TrainingCourse is the GraphQL TrainingCourse; the ids after the schema fields feed its edges.
type TrainingCourse struct {
	ID           string
	Level        TrainingLevel
	StartsOn     scalar.Date
	EndsOn       scalar.Date
	Topic        string
	Hours        int
	Trainer      string
	Participants []*TrainingParticipants
	UnitID       int
}

// IsNode marks TrainingCourse as a Node.
func (TrainingCourse) IsNode() {}

// TrainingCourseConnection is a page of TrainingCourse records; Counter answers totalCount.
type TrainingCourseConnection struct {
	Edges    []*TrainingCourseEdge
	PageInfo *PageInfo
	Counter
}

// TrainingCourseEdge is one TrainingCourse with its cursor.
type TrainingCourseEdge struct {
	Cursor string
	Node   *TrainingCourse
}

// TrainingParticipants is the GraphQL TrainingParticipants; UnitID and AsOf
// feed its unit, the unit as it was on the course's first day.
type TrainingParticipants struct {
	Role   OfficerRole
	Female int
	Male   int
	UnitID int
	AsOf   scalar.Date
}

// Total is female + male.
func (p TrainingParticipants) Total() int { return p.Female + p.Male }

// PlanActivity is the GraphQL PlanActivity; the ids after the schema fields feed its edges.
type PlanActivity struct {
	ID     string
	Year   int
	Title  string
	DueOn  scalar.Date
	DoneOn *scalar.Date
	UnitID int
}

// IsNode marks PlanActivity as a Node.
func (PlanActivity) IsNode() {}

// PlanActivityConnection is a page of PlanActivity records; Counter answers totalCount.
type PlanActivityConnection struct {
	Edges    []*PlanActivityEdge
	PageInfo *PageInfo
	Counter
}

// PlanActivityEdge is one PlanActivity with its cursor.
type PlanActivityEdge struct {
	Cursor string
	Node   *PlanActivity
}

// Report is the GraphQL Report; the ids after the schema fields feed its edges.
type Report struct {
	ID           string
	Period       string
	DueOn        scalar.Date
	SubmittedAt  *scalar.DateTime
	Status       SubmissionStatus
	Figures      []*ReportFigure
	Narrative    *string
	UnitID       int
	DepartmentID *int
	RowID        int64
}

// AuditID is the report's row id, for the audit of its narrative's reads.
func (r *Report) AuditID() int64 { return r.RowID }

// IsNode marks Report as a Node.
func (Report) IsNode() {}

// ReportConnection is a page of Report records; Counter answers totalCount.
type ReportConnection struct {
	Edges    []*ReportEdge
	PageInfo *PageInfo
	Counter
}

// ReportEdge is one Report with its cursor.
type ReportEdge struct {
	Cursor string
	Node   *Report
}

// CommuneFacts is the GraphQL CommuneFacts; the ids after the schema fields feed its edges.
type CommuneFacts struct {
	Year                     int
	WorkerAssigned           bool
	Villages                 int
	VillagesWithCollaborator int
	BoardMeetings            int
	FundingVnd               int64
	PlayVenues               int
	ChildrenForums           int
	SurveyRespondents        int
	SurveySatisfied          int
	Category                 CommuneCategory
	UnitID                   int
}

// ChildPayload is the answer of every mutation that answers a child
// (RegisterChildPayload, RecordBirthRegistrationPayload, …): the schema names
// one payload per mutation, as Relay clients expect, but their fields are the
// same.
type ChildPayload struct {
	Child  *Child
	Errors []*UserError
}

// CasePayload is the answer of openCase and advanceCase (OpenCasePayload,
// AdvanceCasePayload), as ChildPayload is of the mutations that answer a child.
type CasePayload struct {
	Case   *ProtectionCase
	Errors []*UserError
}

// EnrolmentPayload is the answer of enrolInSwimmingClass and
// completeSwimmingClass.
type EnrolmentPayload struct {
	Enrolment *Enrolment
	Errors    []*UserError
}

// PublicHolidayPayload is the answer of setPublicHoliday and removePublicHoliday.
type PublicHolidayPayload struct {
	PublicHoliday *PublicHoliday
	Errors        []*UserError
}

// Inspection is the GraphQL Inspection; the ids after the schema fields feed its edges.
type Inspection struct {
	ID               string
	Topic            InspectionTopic
	PlannedFrom      scalar.Date
	PlannedTo        scalar.Date
	RowID            int64
	UnitID           int
	InspectingUnitID int
}

// IsNode marks Inspection as a Node.
func (Inspection) IsNode() {}

// InspectionConnection is a page of Inspection records; Counter answers totalCount.
type InspectionConnection struct {
	Edges    []*InspectionEdge
	PageInfo *PageInfo
	Counter
}

// InspectionEdge is one Inspection with its cursor.
type InspectionEdge struct {
	Cursor string
	Node   *Inspection
}

// InspectionFinding is the GraphQL InspectionFinding; the ids after the schema fields feed its edges.
type InspectionFinding struct {
	ID           string
	FoundOn      scalar.Date
	Summary      string
	RowID        int64
	InspectionID int64
}

// IsNode marks InspectionFinding as a Node.
func (InspectionFinding) IsNode() {}

// InspectionRecommendation is the GraphQL InspectionRecommendation; the ids after the schema fields feed its edges.
type InspectionRecommendation struct {
	ID         string
	Text       string
	DueOn      scalar.Date
	ResolvedOn *scalar.Date
	Status     RecommendationStatus
	FindingID  int64
}

// IsNode marks InspectionRecommendation as a Node.
func (InspectionRecommendation) IsNode() {}

// ChildrenEvent is the GraphQL ChildrenEvent; the ids after the schema fields feed its edges.
type ChildrenEvent struct {
	ID           string
	Kind         ChildrenEventKind
	StartsOn     scalar.Date
	EndsOn       scalar.Date
	Title        string
	Theme        string
	Officials    int
	Participants []*ChildrenEventParticipants
	Children     int
	ReportDueOn  scalar.Date
	RowID        int64
	UnitID       int
}

// IsNode marks ChildrenEvent as a Node.
func (ChildrenEvent) IsNode() {}

// ChildrenEventParticipants is the GraphQL ChildrenEventParticipants.
type ChildrenEventParticipants struct {
	AgeBand string
	Female  int
	Male    int
}

// ChildrenEventConnection is a page of ChildrenEvent records; Counter answers totalCount.
type ChildrenEventConnection struct {
	Edges    []*ChildrenEventEdge
	PageInfo *PageInfo
	Counter
}

// ChildrenEventEdge is one ChildrenEvent with its cursor.
type ChildrenEventEdge struct {
	Cursor string
	Node   *ChildrenEvent
}

// ForumRecommendation is the GraphQL ForumRecommendation; the ids after the schema fields feed its edges.
type ForumRecommendation struct {
	ID               string
	RowID            int64
	Text             string
	DueOn            scalar.Date
	Answer           *string
	AnsweredOn       *scalar.Date
	Status           ForumRecommendationStatus
	EventID          int64
	RespondingUnitID *int
}

// AuditID is the record id the audit log keeps for a read of the text or the answer.
func (r *ForumRecommendation) AuditID() int64 { return r.RowID }

// IsNode marks ForumRecommendation as a Node.
func (ForumRecommendation) IsNode() {}

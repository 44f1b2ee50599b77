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

// Child is a child; ID is the decimal id the audit log records.
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

type ChildConnection struct {
	Edges    []*ChildEdge
	PageInfo *PageInfo
	Counter
}

type ChildEdge struct {
	Cursor string
	Node   *Child
}

type BirthRegistration struct {
	RegisteredOn      scalar.Date
	CertificateNumber *string
	UnitID            int
}

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
	ReceivedAt          string
	InitialAssessedAt   *string
	EmergencyNeeded     *bool
	EmergencyMeasuresAt *string
	DetailedAssessedAt  *string
	PlanDraftedAt       *string
	PlanApprovedAt      *string
	InProgressAt        *string
	ReviewedAt          *string
	ClosedAt            *string
	EmergencyDeadline   string
	PlanDeadline        string
	EmergencyLate       bool
	PlanLate            bool
	PreviousCaseID      *string
	ChildID             int64
	UnitID              int
}

type ProtectionCaseConnection struct {
	Edges    []*ProtectionCaseEdge
	PageInfo *PageInfo
	Counter
}

type ProtectionCaseEdge struct {
	Cursor string
	Node   *ProtectionCase
}

type Injury struct {
	ID         string
	OccurredOn scalar.Date
	Cause      string
	Outcome    string
	ChildID    int64
	UnitID     int
}

type InjuryConnection struct {
	Edges    []*InjuryEdge
	PageInfo *PageInfo
	Counter
}

type InjuryEdge struct {
	Cursor string
	Node   *Injury
}

type Support struct {
	ID        string
	Type      string
	Provider  string
	AmountVnd int64
	GivenOn   scalar.Date
	ChildID   int64
	UnitID    int
}

type SupportConnection struct {
	Edges    []*SupportEdge
	PageInfo *PageInfo
	Counter
}

type SupportEdge struct {
	Cursor string
	Node   *Support
}

type GiftVisit struct {
	ID        string
	Occasion  string
	VisitedOn scalar.Date
	ValueVnd  int64
	ChildID   int64
	UnitID    int
}

type GiftVisitConnection struct {
	Edges    []*GiftVisitEdge
	PageInfo *PageInfo
	Counter
}

type GiftVisitEdge struct {
	Cursor string
	Node   *GiftVisit
}

type SwimmingClass struct {
	ID       string
	Name     string
	StartsOn scalar.Date
	EndsOn   scalar.Date
	UnitID   int
}

type SwimmingClassConnection struct {
	Edges    []*SwimmingClassEdge
	PageInfo *PageInfo
	Counter
}

type SwimmingClassEdge struct {
	Cursor string
	Node   *SwimmingClass
}

type Enrolment struct {
	ID          string
	ClassID     string
	EnrolledOn  scalar.Date
	CompletedOn *scalar.Date
	ChildID     int64
}

type ServicePoint struct {
	ID       string
	Name     string
	OpenedOn scalar.Date
	ClosedOn *scalar.Date
	UnitID   int
}

type ServicePointConnection struct {
	Edges    []*ServicePointEdge
	PageInfo *PageInfo
	Counter
}

type ServicePointEdge struct {
	Cursor string
	Node   *ServicePoint
}

type CommunicationActivity struct {
	ID           string
	HeldOn       scalar.Date
	Topic        string
	Participants int
	UnitID       int
}

type CommunicationActivityConnection struct {
	Edges    []*CommunicationActivityEdge
	PageInfo *PageInfo
	Counter
}

type CommunicationActivityEdge struct {
	Cursor string
	Node   *CommunicationActivity
}

type PlanActivity struct {
	ID     string
	Year   int
	Title  string
	DueOn  scalar.Date
	DoneOn *scalar.Date
	UnitID int
}

type PlanActivityConnection struct {
	Edges    []*PlanActivityEdge
	PageInfo *PageInfo
	Counter
}

type PlanActivityEdge struct {
	Cursor string
	Node   *PlanActivity
}

type Report struct {
	ID          string
	Period      string
	DueOn       scalar.Date
	SubmittedAt *string
	UnitID      int
}

type ReportConnection struct {
	Edges    []*ReportEdge
	PageInfo *PageInfo
	Counter
}

type ReportEdge struct {
	Cursor string
	Node   *Report
}

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
	Category                 string
	UnitID                   int
}

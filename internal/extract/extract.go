// Package extract holds what the ETL reads from the operational store, as
// plain values: one child's rows, the org units and their crosswalk, the
// commune years, the change log and the contribution ledger. internal/postgres
// fills them and etl counts them; neither of the two imports the other.
package extract

import (
	"time"

	"treem/internal/civil"
)

// Mark is one snapshot of the operational store: the snapshot itself as
// Postgres spells it (a run's watermark: the next run reads the changes it
// does not see), the store's time then, and that time's civil date in Vietnam.
type Mark struct {
	Watermark string
	At        time.Time
	AsOf      civil.Day
}

// Unit is one org unit version as the warehouse knows it (dim_unit), plus the
// Postgres id that the operational rows point at.
type Unit struct {
	ID           int32
	Code         string
	ValidFrom    civil.Day
	ValidTo      civil.Day // exclusive; NoDay when still in force
	Name         string
	UnitType     string
	Level        string
	ParentCode   string
	District2021 string
	Approx       bool
	Provisional  bool
}

// ValidOn reports whether the version is in force on d.
func (u *Unit) ValidOn(d civil.Day) bool { return u.ValidFrom <= d && d < u.ValidTo }

// Edge is a crosswalk edge: the territory of From went (wholly or partly) to To on Effective.
type Edge struct {
	From, To  int32
	Effective civil.Day
	Relation  string
}

// UnitYear is one row of fact_unit_year: what a commune version declared
// for a year, the counts of its service points and communication activities,
// and of the inspection recommendations due that year and resolved by then.
type UnitYear struct {
	Year                     uint16
	UnitID                   int32
	WorkerAssigned           bool
	Villages                 uint32
	VillagesWithCollaborator uint32
	BoardMeetings            uint32
	FundingVND               uint64
	PlayVenues               uint32
	ChildrenForums           uint32
	SurveyRespondents        uint32
	SurveySatisfied          uint32
	Category                 string
	ServicePoints            uint32
	CommunicationActivities  uint32
	TrainedCommuneOfficers   uint32
	RecommendationsDue       uint32
	RecommendationsOnTime    uint32
	// The Action Months and forums the commune held, their children, and
	// its forums' recommendations: raised, due, answered by their due day.
	ActionMonthEvents      uint32
	ChildrenForumsHeld     uint32
	EventChildParticipants uint32
	ForumRecsRaised        uint32
	ForumRecsDue           uint32
	ForumRecsOnTime        uint32
	HasFacts               bool
}

// DistrictYear is one row of fact_district_year: the inspection
// recommendations made to a district version that fell due in a year, and
// those of them resolved by their due date.
type DistrictYear struct {
	Year                  uint16
	UnitID                int32
	RecommendationsDue    uint32
	RecommendationsOnTime uint32
}

// CommunicationActivity is one communication activity as the warehouse's
// channel counts need it: its id only to derive its cell key, never loaded.
type CommunicationActivity struct {
	ID      int64
	UnitID  int32
	HeldOn  civil.Day
	Channel string
	Reach   *uint32 // nil when not known
}

// Change is one row of the change log: the table a transaction changed and
// the unit, child or household the row named (none of them: a bulk load or
// a truncation).
type Change struct {
	Table string
	// Rows are the kinds of rows of the named child (or of the household's
	// children) the change may have altered, besides the child's own row.
	Rows      Rows
	Unit      *int32
	Child     *int64
	Household *int64
}

// Affected asks for the children an incremental run counts again besides
// those the change log names: of changed households, of the swimming classes
// and the other rows of changed units, of emergency deadlines that passed in
// [DeadlinesFrom, DeadlinesTo), and of births and events dated in
// (MaturedAfter, MaturedBy] (none when MaturedAfter is not before MaturedBy).
type Affected struct {
	Households                 []int64
	ClassUnits                 []int32
	Units                      []int32
	DeadlinesFrom, DeadlinesTo time.Time
	MaturedAfter, MaturedBy    civil.Day
}

// LedgerState is one warehouse's state in the contribution ledger: the
// generation it holds, and the one a run began and has not committed.
type LedgerState struct {
	Warehouse   string
	Gen         int64 // the generation the warehouse holds; 0 before any commit
	BaseGen     int64 // the last full run: ledger rows of older generations are garbage
	Fingerprint string
	Mark        Mark   // the snapshot the committed generation was counted from
	Tag         string // the committed generation's, as in its marker
	PendingGen  int64  // 0: none
	PendingTag  string
	PendingFull bool
}

// Generation is what a run records as pending before it writes the warehouse.
type Generation struct {
	Warehouse   string
	Number      int64
	Tag         string
	Full        bool
	Fingerprint string
	Mark        Mark
}

// LedgerEntry is one child's committed input (nil: the child no longer counts).
type LedgerEntry struct {
	ChildID int64
	Input   []byte
}

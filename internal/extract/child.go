package extract

import "treem/internal/civil"

// EventKind tells what an operational row records about a child.
type EventKind uint8

// The event kinds the aggregation reads. Each carries its unit and date.
const (
	EvBirthRegistration EventKind = iota
	EvCase
	EvInjury
	EvSupport
	EvSwim
	EvGift
	EvImmunisation
	EvNutrition
	EvCheckup
	EvPreschool // attending preschool; Day is 1 September of the school year

	eventKinds // the number of kinds, not a kind
)

// Rows is a set of the kinds of rows a child has besides its own row (which
// carries its household's poverty): one bit per event kind, and one each for
// residences, insurance cards and circumstances. An incremental run reads
// again only the kinds a change may have altered and takes the others from
// the ledger.
type Rows uint32

// The kinds of rows that are not events.
const (
	ResidenceRows Rows = 1 << (16 + iota)
	CardRows
	CircumstanceRows
)

// AllRows is every kind: a child read whole.
const AllRows = ^Rows(0)

// EventRows is the kind of the events of kind k.
func EventRows(k EventKind) Rows { return 1 << k }

// ChildRows names a child and the kinds of its rows to read.
type ChildRows struct {
	ID   int64
	Rows Rows
}

// Located reports whether events of kind k are counted in their own unit (a
// flow in the month of the event). The other kinds record a status of the
// child — registered, immunised, measured, checked, attending — counted where
// the child lives; their unit is not used, so a status acquired before the
// platform's history began (a 2010 birth registration) or in the former Bình
// Phước before the merger is still the child's status, not a bad row.
func (k EventKind) Located() bool {
	switch k {
	case EvCase, EvInjury, EvSupport, EvSwim, EvGift:
		return true
	}
	return false
}

// Event is one dated row about a child. Day2 and the flags depend on the kind:
// a case has its closing day in Day2, Flag1 = emergency late, Flag2 = plan
// timely (criterion 6.2: approved by the chairman by the approval deadline, or
// approved at all in an emergency, where Art. 28 sets no deadline) and Code =
// case type; an injury has Code = cause and Flag1 = died; a gift visit has
// Code = occasion; a swimming enrolment has its completion in Day2; a
// nutrition measurement has Flag1 = underweight and Flag2 = stunted.
type Event struct {
	Kind  EventKind
	Unit  int32
	Day   civil.Day
	Day2  civil.Day
	Code  string
	Flag1 bool
	Flag2 bool
}

// Period is a residence, an insurance card or a special circumstance.
type Period struct {
	Unit  int32 // residence only
	Group uint8 // circumstance only: 1 + index in the group list
	// LawDrug marks a circumstance in a group of the special_law_drug stock.
	LawDrug bool
	From    civil.Day
	To      civil.Day // NoDay when open
}

// YearStatus is a household's poverty status for a year.
type YearStatus struct {
	Year   int
	Status uint8 // one of the Poverty statuses
}

// Poverty statuses; unknown when the household has no status for the year.
const (
	PovertyUnknown uint8 = iota
	PovertyPoor
	PovertyNearPoor
	PovertyNeither
)

// Child is everything the aggregation needs about one child, read from
// Postgres in child order. It lives only in memory for the time of one child:
// nothing of it is written anywhere except through counts.
type Child struct {
	ID            int64     // the operational id: it only seeds the child's cell key
	Sex           byte      // 'M' or 'F'
	Birth, Death  civil.Day // Death is NoDay when alive
	Commune       int32
	Poverty       []YearStatus
	Residences    []Period // valid_to exclusive
	Cards         []Period // valid_to inclusive (the card's last valid day)
	Circumstances []Period // ended_on inclusive
	Events        []Event
}

// Reset empties c for reuse by the next child.
func (c *Child) Reset() {
	*c = Child{Poverty: c.Poverty[:0], Residences: c.Residences[:0], Cards: c.Cards[:0],
		Circumstances: c.Circumstances[:0], Events: c.Events[:0]}
}

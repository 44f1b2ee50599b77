package domain

import (
	"context"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Sex is recorded as on the birth certificate.
type Sex string

// The two recorded sexes.
const (
	SexMale   Sex = "M"
	SexFemale Sex = "F"
)

// Child is a person under 18 known to the Board: personal data, kept only in Postgres.
type Child struct {
	ID             int64
	FullName       string
	Sex            Sex
	BirthDate      time.Time
	Ethnicity      string
	HouseholdID    *int64
	CommuneID      int
	IdentityNumber *string
	Address        *string
	DeathDate      *time.Time
}

// Scope is the part of the province a caller may see: All, or the org units
// listed (unit versions, as stored in commune_id and unit_id columns).
type Scope struct {
	All     bool
	UnitIDs []int
}

// Contains reports whether unit id lies in the scope.
func (s Scope) Contains(id int) bool {
	if s.All {
		return true
	}
	for _, u := range s.UnitIDs {
		if u == id {
			return true
		}
	}
	return false
}

// ChildOrderField is a stable sort key for child lists; every order ends with id.
type ChildOrderField string

// The orders a child list can take.
const (
	ChildOrderID        ChildOrderField = "id"
	ChildOrderBirthDate ChildOrderField = "birth_date"
	ChildOrderFullName  ChildOrderField = "full_name"
)

// ChildOrder is a sort key and direction.
type ChildOrder struct {
	Field ChildOrderField
	Desc  bool
}

// ChildKey is the keyset position of a child in a list: the values of the
// order's columns for the last row seen.
type ChildKey struct {
	ID        int64
	BirthDate time.Time
	FullName  string
}

// ChildFilter narrows a child list; zero fields do not filter.
type ChildFilter struct {
	// UnitIDs, when non-nil, keeps children whose commune is listed (a filter
	// on an org unit at any level, already expanded to communes).
	UnitIDs []int
	// Sexes, when non-empty, keeps children of any sex listed.
	Sexes           []Sex
	BornFrom        *time.Time // inclusive
	BornTo          *time.Time // inclusive
	NameContains    string
	Circumstances   []string // group codes, any of them active on AsOf
	PovertyStatus   string   // poor, near_poor or neither, in the year of AsOf
	BirthRegistered *bool
	Insured         *bool // a card valid on AsOf
	// CaseTypes and CaseStatuses keep children with a case of any type listed
	// at any step listed; empty means any.
	CaseTypes    []string
	CaseStatuses []string
	AsOf         time.Time // reference date for ages, circumstances, poverty, insurance, in the whole tree
	// And and Or are sub-filters: each of And must match too, and at least
	// one of Or. Their AsOf is unused: one date holds for the whole tree.
	And, Or []ChildFilter
}

// AreaOnly reports whether f keeps children by their commune alone (or not
// at all), so that a count needs only the children per commune.
func (f ChildFilter) AreaOnly() bool {
	// Every other field, including one added later, is a filter.
	f.UnitIDs, f.AsOf = nil, time.Time{}
	return reflect.DeepEqual(f, ChildFilter{})
}

// ChildPage is one page of children, whether more follow, and the count of
// every child the page's filter keeps when it was asked for.
type ChildPage struct {
	Children []Child
	More     bool
	Total    *int
	// Next is the id of the row read past the page to learn More (0 when
	// none): hasNextPage tells whether it matched the filter.
	Next int64
}

// Page asks for First rows of a list, in the list's order: those after the
// keyset position After (nil: from the start) or, Backward, those just before
// the position Before (nil: the list's last rows).
type Page[K any] struct {
	First    int
	After    *K
	Backward bool
	Before   *K
}

// From is the keyset position the page is read from, in its direction.
func (p Page[K]) From() *K {
	if p.Backward {
		return p.Before
	}
	return p.After
}

// DatedKey is the keyset position of a record in a list that may be ordered
// by its date: the last row's date and id.
type DatedKey struct {
	ID   int64
	Date time.Time
}

// DatedOrder orders a list of dated records (cases, injuries, visits …) by
// id, the default, or by date with ties broken by id; Desc reverses both.
type DatedOrder struct {
	ByDate, Desc bool
}

// PageMax and PageDefault bound a list page.
const (
	PageDefault = 20
	PageMax     = 100
)

// NewChild is what registering a child needs.
type NewChild struct {
	FullName       string
	Sex            Sex
	BirthDate      time.Time
	Ethnicity      string
	CommuneID      int
	HouseholdID    *int64
	IdentityNumber *string
	Address        *string
}

// Fields names, as the schema's Child does, the fields registering c writes:
// its audit entry lists them all (ethnicity has a default, so it is always written).
func (c NewChild) Fields() []string {
	fields := []string{"fullName", "sex", "birthDate", "ethnicity", "commune"}
	if c.HouseholdID != nil {
		fields = append(fields, "household")
	}
	if c.IdentityNumber != nil {
		fields = append(fields, "identityNumber")
	}
	if c.Address != nil {
		fields = append(fields, "address")
	}
	return fields
}

// ChildPatch changes some fields of a child; nil fields stay.
type ChildPatch struct {
	FullName       *string
	Sex            *Sex
	BirthDate      *time.Time
	Ethnicity      *string
	CommuneID      *int
	HouseholdID    *int64
	IdentityNumber *string
	Address        *string
	DeathDate      *time.Time
}

// earliestBirth is the schema's lower bound on birth dates.
var earliestBirth = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// Validate checks a new child against the data rules and returns every
// problem found (Problems), not only the first.
func (c NewChild) Validate(today time.Time) error {
	checks := []error{validName("fullName", c.FullName, 200), validSex("sex", c.Sex), validBirth("birthDate", c.BirthDate, today)}
	if c.Ethnicity != "" {
		checks = append(checks, validName("ethnicity", c.Ethnicity, 50))
	}
	if c.IdentityNumber != nil {
		checks = append(checks, validIdentity("identityNumber", *c.IdentityNumber))
	}
	return Collect(append(checks, validAddress("address", c.Address))...)
}

// Validate checks the fields a patch sets and returns every problem found.
func (p ChildPatch) Validate(today time.Time) error {
	var checks []error
	if p.FullName != nil {
		checks = append(checks, validName("fullName", *p.FullName, 200))
	}
	if p.Sex != nil {
		checks = append(checks, validSex("sex", *p.Sex))
	}
	if p.BirthDate != nil {
		checks = append(checks, validBirth("birthDate", *p.BirthDate, today))
	}
	if p.Ethnicity != nil {
		checks = append(checks, validName("ethnicity", *p.Ethnicity, 50))
	}
	if p.IdentityNumber != nil {
		checks = append(checks, validIdentity("identityNumber", *p.IdentityNumber))
	}
	if p.DeathDate != nil {
		checks = append(checks, NotFuture("deathDate", *p.DeathDate, today))
	}
	return Collect(append(checks, validAddress("address", p.Address))...)
}

func validAddress(field string, s *string) error {
	if s != nil && utf8.RuneCountInString(*s) > 500 {
		return Invalid(field, "must be at most 500 characters")
	}
	return nil
}

// ValidText checks a free-text field: not blank, at most max characters, no
// control characters.
func ValidText(field, s string, max int) error { return validName(field, s, max) }

func validName(field, s string, max int) error {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return Invalid(field, "must not be empty")
	case utf8.RuneCountInString(s) > max:
		return Invalid(field, "must be at most %d characters", max)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return Invalid(field, "must not contain control characters")
	}
	return nil
}

// ControlChar returns the first control character of s that a client's string
// (a GraphQL argument, an export parameter) may not hold: any of U+0000–U+001F and U+007F, except tab, line
// feed and carriage return in free text.
func ControlChar(s string, free bool) (rune, bool) {
	for _, r := range s {
		if r >= 0x20 && r != 0x7f {
			continue
		}
		if free && (r == '\t' || r == '\n' || r == '\r') {
			continue
		}
		return r, true
	}
	return 0, false
}

func validSex(field string, s Sex) error {
	if s != SexMale && s != SexFemale {
		return Invalid(field, "must be M or F")
	}
	return nil
}

func validBirth(field string, d, today time.Time) error {
	if d.Before(earliestBirth) {
		return Invalid(field, "must be on or after 1990-01-01")
	}
	return NotFuture(field, d, today)
}

func validIdentity(field, s string) error {
	if len(s) != 12 || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return Invalid(field, "must be 12 digits")
	}
	return nil
}

// NotFuture refuses a date after today.
func NotFuture(field string, d, today time.Time) error {
	if d.After(today) {
		return Invalid(field, "must not be in the future")
	}
	return nil
}

// NotBeforeBirth refuses an event dated before the birth of child id. The
// refusal tells of the birth date, so it is audited as a read of it, and only a
// caller whose role may read birth dates is told the reason; anyone else gets a
// message that names no personal field.
func NotBeforeBirth(ctx context.Context, field string, d, birth time.Time, childID int64) error {
	if !d.Before(birth) {
		return nil
	}
	msg := "is not a valid date for this record"
	if u := UserFrom(ctx); u != nil && u.Role.SeesPersonalData() {
		msg = "must not be before the child's birth date"
	}
	return &Error{Code: CodeInvalidInput, Field: field, Message: msg,
		Reveals: &Reveal{Entity: "Child", ID: childID, Field: "birthDate"}}
}

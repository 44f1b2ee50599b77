package domain

import "time"

// Level is the tier of an administrative unit. The district tier existed until
// the 2025 reorganisation; since then communes hang directly under the province.
type Level string

// The three tiers, top down.
const (
	LevelProvince Level = "province"
	LevelDistrict Level = "district"
	LevelCommune  Level = "commune" // phường, xã or thị trấn
)

// Valid reports whether l is one of the known levels.
func (l Level) Valid() bool {
	return l == LevelProvince || l == LevelDistrict || l == LevelCommune
}

// OrgUnit is one version of an administrative unit: a code names different
// territories at different times, so a unit is identified by ID (a version), or
// by code together with a date.
type OrgUnit struct {
	ID          int
	Code        string // national code: 2 digits province, 3 district, 5 commune
	Name        string // without the type word, NFC
	Type        string // Tỉnh, Thành phố, Huyện, Phường, Xã, Thị trấn …
	Level       Level
	ParentID    int // 0 = none (the province)
	ValidFrom   time.Time
	ValidTo     *time.Time // exclusive; nil = still in force
	Provisional bool       // the sources did not confirm this version's dates or existence
}

// ValidOn reports whether the version is in force on day.
func (u OrgUnit) ValidOn(day time.Time) bool {
	return !day.Before(u.ValidFrom) && (u.ValidTo == nil || day.Before(*u.ValidTo))
}

// UnitLink is one edge of a reorganisation seen from the other end: the unit a
// territory went to (successor) or came from (predecessor).
type UnitLink struct {
	UnitID       int // 0 = a unit outside the platform's history (former Bình Phước)
	Code         string
	Name         string
	DistrictName string // "" when the unit had no district (after 2025)
	ProvinceName string
	Relation     string // full, partial, partial-main, partial-minor, full-unverified
	Effective    time.Time
	Provisional  bool
}

// District2021 is the 2021 district a unit's data is counted under (the
// code-keeper rule); Approximate when the unit's predecessors spanned several
// districts.
type District2021 struct {
	DistrictID  int
	Approximate bool
}

// CrosswalkRelations are the relations an edge of the unit crosswalk can
// have; unit_crosswalk's CHECK constraint copies them (a test compares).
var CrosswalkRelations = []string{"full", "partial", "partial-main", "partial-minor", "full-unverified"}

// CrosswalkRank orders the crosswalk relations by how much of an old unit's
// territory an edge carries: the whole first, then the larger part of a split.
// A history followed forward takes the best edge.
func CrosswalkRank(relation string) int {
	switch relation {
	case "full":
		return 0
	case "partial-main":
		return 1
	case "full-unverified":
		return 2
	case "partial":
		return 3
	}
	return 4 // partial-minor
}

// CrosswalkExact reports whether an edge carries a whole, confirmed territory:
// a history followed through any other edge is approximate.
func CrosswalkExact(relation string) bool { return relation == "full" }

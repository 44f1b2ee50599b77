package etl

import (
	"sort"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/extract"
)

// Units indexes the unit versions by Postgres id.
type Units struct {
	byID  map[int32]*version
	list  []*extract.Unit
	edges []extract.Edge // between known versions, in the order read
}

// version is a unit version with the crosswalk edges leaving it, best first.
type version struct {
	extract.Unit
	successors []extract.Edge
}

// NewUnits builds the index; edges give each version its successors.
func NewUnits(units []extract.Unit, edges []extract.Edge) *Units {
	us := &Units{byID: make(map[int32]*version, len(units))}
	for i := range units {
		v := &version{Unit: units[i]}
		us.byID[v.ID] = v
		us.list = append(us.list, &v.Unit)
	}
	sorted := append([]extract.Edge(nil), edges...)
	// A residence whose unit version ended follows the best edge.
	sort.SliceStable(sorted, func(i, j int) bool {
		return domain.CrosswalkRank(sorted[i].Relation) < domain.CrosswalkRank(sorted[j].Relation)
	})
	for _, e := range edges {
		if us.byID[e.From] != nil && us.byID[e.To] != nil {
			us.edges = append(us.edges, e)
		}
	}
	for _, e := range sorted {
		if v := us.byID[e.From]; v != nil {
			v.successors = append(v.successors, e)
		}
	}
	sort.Slice(us.list, func(i, j int) bool {
		if us.list[i].Code != us.list[j].Code {
			return us.list[i].Code < us.list[j].Code
		}
		return us.list[i].ValidFrom < us.list[j].ValidFrom
	})
	return us
}

// Communes returns the number of commune versions.
func (us *Units) Communes() int {
	n := 0
	for _, u := range us.list {
		if u.Level == "commune" {
			n++
		}
	}
	return n
}

// Edges returns the crosswalk edges between known versions.
func (us *Units) Edges() []extract.Edge { return us.edges }

// Get returns the version with Postgres id id, or nil.
func (us *Units) Get(id int32) *extract.Unit {
	if v := us.byID[id]; v != nil {
		return &v.Unit
	}
	return nil
}

// All returns every version ordered by code and valid_from.
func (us *Units) All() []*extract.Unit { return us.list }

// ValidOn reports whether unit id exists and is in force on d. A version that
// begins with the platform's history (2016) is taken as in force before it
// too: the platform knows no earlier version, so an injury or case recorded
// there in 2015 is an old record, not a bad one (it falls before the first
// month and adds to no total).
func (us *Units) ValidOn(id int32, d civil.Day) bool {
	u := us.byID[id]
	return u != nil && (u.ValidOn(d) || (u.ValidFrom <= HistoryStart && d < u.ValidFrom))
}

// Resolve returns the version in force on d that holds the territory of unit
// id: id itself while valid, else its successor through the crosswalk (a child
// whose residence row still names a merged commune lives in the new one).
// It returns 0 when there is none (d before the version, or no successor).
func (us *Units) Resolve(id int32, d civil.Day) int32 {
	for hops := 0; hops < 8; hops++ {
		u := us.byID[id]
		if u == nil || d < u.ValidFrom {
			return 0
		}
		if d < u.ValidTo {
			return id
		}
		next := int32(0)
		for _, e := range u.successors {
			if e.Effective <= d {
				next = e.To
				break
			}
		}
		if next == 0 {
			return 0
		}
		id = next
	}
	return 0
}

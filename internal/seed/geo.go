package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"treem/internal/civil"
	"treem/internal/domain"
)

// Unit is one version of an organisation unit as stored in org_unit.
type Unit struct {
	ID       int32
	Code     string
	Name     string
	Type     string // Phường, Xã, Thị trấn, …
	Level    string // province, district, commune
	ParentID int32
	From, To civil.Day // To is exclusive; NoDay when still in force
	// BinhPhuoc marks a commune formed in 2025 from former Bình Phước units,
	// and its later versions.
	BinhPhuoc bool
}

// ValidOn reports whether the version is in force on d.
func (u *Unit) ValidOn(d civil.Day) bool { return u.From <= d && (u.To == civil.NoDay || d < u.To) }

// Edge is one crosswalk row: on Effective, (part of) From became To.
type Edge struct {
	Effective civil.Day
	From, To  int32
	Relation  string
}

// Geography is the unit history the generator places children in: every unit
// version, the crosswalk, and the population weights of the starting units.
type Geography struct {
	Units []Unit
	byID  map[int32]int
	next  map[int32][]Edge
	// sameCode lists, per code, the commune versions in time order (a type
	// change keeps the code and starts a new version without a crosswalk edge).
	sameCode map[string][]int

	// origins are the former Đồng Nai communes a household can start in, with
	// cumulative weights; bp are the units formed from Bình Phước.
	origins, bp      []int
	originCum, bpCum []float64
}

// LoadGeography reads org_unit and unit_crosswalk.
func LoadGeography(ctx context.Context, q pgxQuerier) (*Geography, error) {
	rows, err := q.Query(ctx, `
		SELECT u.id, u.code, u.name, u.unit_type, u.level::text, coalesce(u.parent_id, 0),
		       u.valid_from, u.valid_to
		FROM org_unit u ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("read org units: %w", err)
	}
	var units []Unit
	for rows.Next() {
		var u Unit
		var from, to pgtype.Date
		if err := rows.Scan(&u.ID, &u.Code, &u.Name, &u.Type, &u.Level, &u.ParentID, &from, &to); err != nil {
			return nil, fmt.Errorf("read org units: %w", err)
		}
		u.From, u.To = dayOfPg(from), dayOfPg(to)
		units = append(units, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read org units: %w", err)
	}
	rows, err = q.Query(ctx, `
		SELECT effective, coalesce(from_unit_id, 0), to_unit_id, relation, from_province
		FROM unit_crosswalk ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read unit crosswalk: %w", err)
	}
	var edges []Edge
	bp := map[int32]bool{}
	for rows.Next() {
		var e Edge
		var eff pgtype.Date
		var province string
		if err := rows.Scan(&eff, &e.From, &e.To, &e.Relation, &province); err != nil {
			return nil, fmt.Errorf("read unit crosswalk: %w", err)
		}
		e.Effective = dayOfPg(eff)
		if province == "Bình Phước" {
			bp[e.To] = true
		}
		edges = append(edges, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read unit crosswalk: %w", err)
	}
	for i := range units {
		units[i].BinhPhuoc = bp[units[i].ID]
	}
	return NewGeography(units, edges)
}

// NewGeography indexes units and edges and picks the starting units: former
// Đồng Nai communes in force at the start of the history (2016-01-01, or
// their first version when that is later) and the units formed from Bình Phước.
func NewGeography(units []Unit, edges []Edge) (*Geography, error) {
	g := &Geography{Units: units, byID: map[int32]int{}, next: map[int32][]Edge{}, sameCode: map[string][]int{}}
	for i, u := range units {
		g.byID[u.ID] = i
		if u.Level == "commune" {
			g.sameCode[u.Code] = append(g.sameCode[u.Code], i)
		}
	}
	for _, list := range g.sameCode {
		sort.Slice(list, func(a, b int) bool { return units[list[a]].From < units[list[b]].From })
	}
	hasPredecessor := map[int32]bool{}
	for _, e := range edges {
		if e.From != 0 {
			g.next[e.From] = append(g.next[e.From], e)
			hasPredecessor[e.To] = true
		}
	}
	// A starting unit is the first version of a former Đồng Nai commune line:
	// in force on the history start, or the earliest version of its code.
	for _, list := range g.sameCode {
		for _, i := range list {
			u := &units[i]
			if u.BinhPhuoc {
				break
			}
			if u.ValidOn(HistoryStart) || (u.From > HistoryStart && list[0] == i && !hasPredecessor[u.ID]) {
				g.origins = append(g.origins, i)
				break
			}
		}
	}
	for i, u := range units {
		if u.BinhPhuoc && u.Level == "commune" {
			g.bp = append(g.bp, i)
		}
	}
	// Later versions of the units formed from Bình Phước (the 2026 type
	// changes) are Bình Phước territory too.
	byDate := append([]Edge(nil), edges...)
	sort.SliceStable(byDate, func(a, b int) bool { return byDate[a].Effective < byDate[b].Effective })
	for _, e := range byDate {
		if from, ok := g.byID[e.From]; ok && units[from].BinhPhuoc {
			units[g.byID[e.To]].BinhPhuoc = true
		}
	}
	for _, list := range g.sameCode {
		for k := 1; k < len(list); k++ {
			if units[list[k-1]].BinhPhuoc && units[list[k-1]].To == units[list[k]].From {
				units[list[k]].BinhPhuoc = true
			}
		}
	}
	sort.Slice(g.origins, func(a, b int) bool { return units[g.origins[a]].Code < units[g.origins[b]].Code })
	sort.Slice(g.bp, func(a, b int) bool { return units[g.bp[a]].Code < units[g.bp[b]].Code })
	if len(g.origins) == 0 {
		return nil, fmt.Errorf("no commune units in org_unit: load the administrative units (treem migrate) before seeding")
	}
	g.originCum = cumulative(g.origins, func(i int) float64 { return originWeight(&units[i], g.districtCode(i)) })
	g.bpCum = cumulative(g.bp, func(i int) float64 { return bpWeight(&units[i]) })
	return g, nil
}

func cumulative(idx []int, w func(int) float64) []float64 {
	cum := make([]float64, len(idx))
	total := 0.0
	for k, i := range idx {
		total += w(i)
		cum[k] = total
	}
	return cum
}

func pick(r *rand.Rand, idx []int, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	return idx[sort.SearchFloat64s(cum, x)]
}

// districtCode is the code of the unit's parent when that is a district.
func (g *Geography) districtCode(i int) string {
	if p, ok := g.byID[g.Units[i].ParentID]; ok && g.Units[p].Level == "district" {
		return g.Units[p].Code
	}
	return ""
}

// Unit returns the version with id.
func (g *Geography) Unit(id int32) *Unit { return &g.Units[g.byID[id]] }

// successor returns the unit a resident of u lives in from u.To on: by the
// crosswalk (a split sends most residents to the partial-main part), else the
// next version of the same code. ok is false when the line ends.
func (g *Geography) successor(r *rand.Rand, u *Unit) (*Unit, bool) {
	// Only the edges effective when u ends: the crosswalk also keeps direct
	// 2021 → 2025 edges of units already absorbed in 2024.
	var edges []Edge
	for _, e := range g.next[u.ID] {
		if e.Effective == u.To {
			edges = append(edges, e)
		}
	}
	if len(edges) > 0 {
		total := 0.0
		for _, e := range edges {
			total += relationWeight(e.Relation)
		}
		x := r.Float64() * total
		for _, e := range edges {
			if x -= relationWeight(e.Relation); x < 0 {
				return g.Unit(e.To), true
			}
		}
		return g.Unit(edges[len(edges)-1].To), true
	}
	for _, i := range g.sameCode[u.Code] {
		if g.Units[i].From == u.To {
			return &g.Units[i], true
		}
	}
	return nil, false
}

// relationWeight is the share of a unit's residents following one edge.
func relationWeight(rel string) float64 {
	switch rel {
	case "partial-main":
		return 0.85
	case "partial-minor":
		// Tân Phong lost about 4,600 of its people to two minor parts in 2024.
		return 0.05
	case "partial":
		return 0.5
	}
	return 1
}

// walk follows u through the reorganisations up to day d and returns the
// version in force on d (nil when the line ended before d).
func (g *Geography) walk(r *rand.Rand, u *Unit, d civil.Day) *Unit {
	for u.To != civil.NoDay && u.To <= d {
		next, ok := g.successor(r, u)
		if !ok {
			return nil
		}
		u = next
	}
	return u
}

// HistoryStart is domain.HistoryStart as a day: the generated history's first.
var HistoryStart = civil.DayFromTime(domain.HistoryStart)

// MergerDay is when the former Bình Phước communes joined Đồng Nai.
var MergerDay = civil.DayOf(2025, 7, 1)

// pgxQuerier is what LoadGeography needs from a connection or transaction.
type pgxQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// dayOfPg converts a nullable date; NULL becomes NoDay.
func dayOfPg(d pgtype.Date) civil.Day {
	if !d.Valid {
		return civil.NoDay
	}
	return civil.DayFromTime(d.Time)
}

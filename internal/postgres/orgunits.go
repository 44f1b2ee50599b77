package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// OrgUnitStore reads the dated org-unit hierarchy and the reorganisation
// crosswalk. Org units are public reference data: no area filter, no audit.
type OrgUnitStore struct {
	pool *pgxpool.Pool
}

// NewOrgUnitStore returns the store over pool's database.
func NewOrgUnitStore(pool *pgxpool.Pool) *OrgUnitStore { return &OrgUnitStore{pool: pool} }

const unitColumns = `u.id, u.code, u.name, u.unit_type, u.level::text, coalesce(u.parent_id, 0),
  u.valid_from, u.valid_to, u.provisional`

// A version is in force on a day when valid_from <= day < valid_to.
const (
	unitsAsOf = `SELECT ` + unitColumns + ` FROM org_unit u
WHERE u.valid_from <= $1::date AND (u.valid_to IS NULL OR u.valid_to > $1::date)
  AND ($2::org_level IS NULL OR u.level = $2::org_level)
  AND ($3::int IS NULL OR u.parent_id = $3::int)
ORDER BY u.level, u.code`

	unitByCode = `SELECT ` + unitColumns + ` FROM org_unit u
WHERE u.code = $1 AND u.valid_from <= $2::date AND (u.valid_to IS NULL OR u.valid_to > $2::date)
  AND ($3::org_level IS NULL OR u.level = $3::org_level)`

	unitsByID = `SELECT ` + unitColumns + ` FROM org_unit u WHERE u.id = ANY($1::int[]) ORDER BY u.id`

	childUnits = `SELECT ` + unitColumns + ` FROM org_unit u
WHERE u.parent_id = ANY($1::int[]) AND u.valid_from <= $2::date AND (u.valid_to IS NULL OR u.valid_to > $2::date)
ORDER BY u.parent_id, u.code`

	// The successor's district and province are its parent and grandparent, or
	// its parent alone once districts were abolished.
	successors = `SELECT x.from_unit_id, t.id, t.code, t.name,
  CASE WHEN p.level = 'district' THEN p.name ELSE '' END,
  CASE WHEN p.level = 'province' THEN p.name ELSE coalesce(g.name, '') END,
  x.relation, x.effective, x.provisional
FROM unit_crosswalk x
JOIN org_unit t ON t.id = x.to_unit_id
LEFT JOIN org_unit p ON p.id = t.parent_id
LEFT JOIN org_unit g ON g.id = p.parent_id
WHERE x.from_unit_id = ANY($1::int[])
ORDER BY x.from_unit_id, x.effective, t.code, t.id`

	predecessors = `SELECT x.to_unit_id, coalesce(x.from_unit_id, 0), x.from_code, x.from_name,
  x.from_district, x.from_province, x.relation, x.effective, x.provisional
FROM unit_crosswalk x
LEFT JOIN org_unit f ON f.id = x.from_unit_id
WHERE x.to_unit_id = ANY($1::int[])
ORDER BY x.to_unit_id, x.effective, x.from_code, f.valid_from`

	districts2021 = `SELECT unit_id, district_unit_id, approximate FROM unit_district_2021
WHERE unit_id = ANY($1::int[])`

	// areaUnits answers whether the area code names anything, and its commune
	// versions in force: the unit itself, the communes under it (one or two
	// levels down), or, for a district abolished before that day, the communes
	// counted under it by the code-keeper rule.
	areaUnits = `WITH here AS (
  SELECT id, level FROM org_unit
  WHERE code = $1 AND valid_from <= $2::date AND (valid_to IS NULL OR valid_to > $2::date)
), former AS (
  SELECT id FROM org_unit
  WHERE code = $1 AND level = 'district' AND valid_to <= $2::date AND NOT EXISTS (SELECT 1 FROM here)
), communes AS (
  SELECT c.id, c.parent_id, p.parent_id AS grandparent_id
  FROM org_unit c JOIN org_unit p ON p.id = c.parent_id
  WHERE c.level = 'commune' AND c.valid_from <= $2::date AND (c.valid_to IS NULL OR c.valid_to > $2::date)
)
SELECT EXISTS (SELECT 1 FROM here) OR EXISTS (SELECT 1 FROM former), ARRAY(
  SELECT h.id FROM here h WHERE h.level = 'commune'
  UNION
  SELECT c.id FROM communes c JOIN here h ON h.id IN (c.parent_id, c.grandparent_id)
  UNION
  SELECT c.id FROM communes c JOIN unit_district_2021 d ON d.unit_id = c.id JOIN former f ON f.id = d.district_unit_id
  ORDER BY 1)`
)

// UnitsAsOf returns the units in force on asOf, optionally of one level and
// optionally only the direct children of the unit with parentCode on asOf
// (NOT_FOUND when there is none), ordered by level then code.
func (s *OrgUnitStore) UnitsAsOf(ctx context.Context, asOf time.Time, level *domain.Level, parentCode string) ([]domain.OrgUnit, error) {
	var lvl *string
	if level != nil {
		if !level.Valid() {
			return nil, domain.Invalid("level", "unknown level %q", *level)
		}
		lvl = (*string)(level)
	}
	var parentID *int
	if parentCode != "" {
		parent, err := s.UnitByCode(ctx, parentCode, asOf)
		if err != nil {
			return nil, err
		}
		parentID = &parent.ID
	}
	units, err := s.list(ctx, unitsAsOf, asOf, lvl, parentID)
	if err != nil {
		return nil, fmt.Errorf("units as of %s: %w", asOf.Format(time.DateOnly), err)
	}
	return units, nil
}

// UnitByCode returns the unit version with code in force on asOf.
func (s *OrgUnitStore) UnitByCode(ctx context.Context, code string, asOf time.Time) (domain.OrgUnit, error) {
	return s.byCode(ctx, code, asOf, nil)
}

// CommuneAt returns the commune-level unit with code in force on day on;
// NOT_FOUND when the code names no commune that day.
func (s *OrgUnitStore) CommuneAt(ctx context.Context, code string, on time.Time) (domain.OrgUnit, error) {
	commune := domain.LevelCommune
	return s.byCode(ctx, code, on, &commune)
}

func (s *OrgUnitStore) byCode(ctx context.Context, code string, asOf time.Time, level *domain.Level) (domain.OrgUnit, error) {
	if err := validUnitCode(code); err != nil {
		return domain.OrgUnit{}, err
	}
	u, err := scanUnit(s.pool.QueryRow(ctx, unitByCode, code, asOf, (*string)(level)))
	if errors.Is(err, pgx.ErrNoRows) {
		what := "unit"
		if level != nil {
			what = string(*level)
		}
		return domain.OrgUnit{}, domain.Errorf(domain.CodeNotFound, "no %s with code %s on %s", what, code, asOf.Format(time.DateOnly))
	}
	if err != nil {
		return domain.OrgUnit{}, fmt.Errorf("unit %s on %s: %w", code, asOf.Format(time.DateOnly), MapError(err))
	}
	return u, nil
}

// UnitsByID returns the versions with the given ids, ordered by id; unknown ids
// are left out.
func (s *OrgUnitStore) UnitsByID(ctx context.Context, ids []int) ([]domain.OrgUnit, error) {
	units, err := s.list(ctx, unitsByID, ids)
	if err != nil {
		return nil, fmt.Errorf("units by id: %w", err)
	}
	return units, nil
}

// ChildUnits returns, per parent id, its children in force on asOf ordered by
// code; parents without children are absent from the map.
func (s *OrgUnitStore) ChildUnits(ctx context.Context, parentIDs []int, asOf time.Time) (map[int][]domain.OrgUnit, error) {
	units, err := s.list(ctx, childUnits, parentIDs, asOf)
	if err != nil {
		return nil, fmt.Errorf("child units: %w", err)
	}
	out := make(map[int][]domain.OrgUnit, len(parentIDs))
	for _, u := range units {
		out[u.ParentID] = append(out[u.ParentID], u)
	}
	return out, nil
}

// Successors returns, per unit version, where its territory went (the
// crosswalk edges leaving it), oldest step first.
func (s *OrgUnitStore) Successors(ctx context.Context, ids []int) (map[int][]domain.UnitLink, error) {
	return s.links(ctx, successors, ids)
}

// Predecessors returns, per unit version, where its territory came from. A
// predecessor outside the platform's history (former Bình Phước) has UnitID 0.
func (s *OrgUnitStore) Predecessors(ctx context.Context, ids []int) (map[int][]domain.UnitLink, error) {
	return s.links(ctx, predecessors, ids)
}

func (s *OrgUnitStore) links(ctx context.Context, query string, ids []int) (map[int][]domain.UnitLink, error) {
	rows, err := s.pool.Query(ctx, query, ids)
	if err != nil {
		return nil, fmt.Errorf("unit links: %w", MapError(err))
	}
	out := make(map[int][]domain.UnitLink, len(ids))
	var key int
	var l domain.UnitLink
	_, err = pgx.ForEachRow(rows, []any{&key, &l.UnitID, &l.Code, &l.Name, &l.DistrictName, &l.ProvinceName,
		&l.Relation, &l.Effective, &l.Provisional}, func() error {
		out[key] = append(out[key], l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unit links: %w", MapError(err))
	}
	return out, nil
}

// Districts2021 returns the 2021 district each unit version is counted under
// (the code-keeper rule, view unit_district_2021). Units with no such district
// (the province, districts, former Bình Phước communes) are absent.
func (s *OrgUnitStore) Districts2021(ctx context.Context, ids []int) (map[int]domain.District2021, error) {
	rows, err := s.pool.Query(ctx, districts2021, ids)
	if err != nil {
		return nil, fmt.Errorf("2021 districts: %w", MapError(err))
	}
	out := make(map[int]domain.District2021, len(ids))
	var id int
	var d domain.District2021
	_, err = pgx.ForEachRow(rows, []any{&id, &d.DistrictID, &d.Approximate}, func() error {
		out[id] = d
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("2021 districts: %w", MapError(err))
	}
	return out, nil
}

// AreaUnitIDs returns the commune-level unit versions in force on asOf that a
// user whose area is areaCode sees: the commune itself, every commune under the
// district or province, or, for a 2021 district abolished by asOf, the communes
// counted under it by the code-keeper rule. NOT_FOUND when the code names
// none of these on asOf.
func (s *OrgUnitStore) AreaUnitIDs(ctx context.Context, areaCode string, asOf time.Time) ([]int, error) {
	if err := validUnitCode(areaCode); err != nil {
		return nil, err
	}
	var found bool
	var ids []int
	if err := s.pool.QueryRow(ctx, areaUnits, areaCode, asOf).Scan(&found, &ids); err != nil {
		return nil, fmt.Errorf("area %s on %s: %w", areaCode, asOf.Format(time.DateOnly), MapError(err))
	}
	if !found {
		return nil, domain.Errorf(domain.CodeNotFound, "no area with code %s on %s", areaCode, asOf.Format(time.DateOnly))
	}
	return ids, nil
}

func (s *OrgUnitStore) list(ctx context.Context, query string, args ...any) ([]domain.OrgUnit, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, MapError(err)
	}
	units, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.OrgUnit, error) { return scanUnit(row) })
	if err != nil {
		return nil, MapError(err)
	}
	return units, nil
}

func scanUnit(row pgx.Row) (domain.OrgUnit, error) {
	var u domain.OrgUnit
	var level string
	err := row.Scan(&u.ID, &u.Code, &u.Name, &u.Type, &level, &u.ParentID, &u.ValidFrom, &u.ValidTo, &u.Provisional)
	u.Level = domain.Level(level)
	return u, err
}

// validUnitCode accepts the national code shapes: 2 digits (province), 3
// (district) or 5 (commune).
func validUnitCode(code string) error {
	if n := len(code); n != 2 && n != 3 && n != 5 {
		return domain.Invalid("code", "a unit code has 2, 3 or 5 digits")
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return domain.Invalid("code", "a unit code has only digits")
		}
	}
	return nil
}

// unitLevels lists every code any version of a unit had, with its level: a
// code names one level only (the table's check ties the level to the length).
const unitLevels = `SELECT DISTINCT code, level::text FROM org_unit`

// UnitLevels returns every org-unit code that exists, in force or not, with
// its level: the reference data a token's area is checked against.
func (s *OrgUnitStore) UnitLevels(ctx context.Context) (map[string]domain.Level, error) {
	rows, err := s.pool.Query(ctx, unitLevels)
	if err != nil {
		return nil, fmt.Errorf("unit levels: %w", MapError(err))
	}
	levels := map[string]domain.Level{}
	var code, level string
	_, err = pgx.ForEachRow(rows, []any{&code, &level}, func() error {
		levels[code] = domain.Level(level)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unit levels: %w", MapError(err))
	}
	return levels, nil
}

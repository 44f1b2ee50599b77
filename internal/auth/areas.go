package auth

import (
	"fmt"

	"treem/internal/domain"
)

// Areas is the reference data a token's area is checked against: every
// org-unit code that exists, with its level. Codes change only with
// migrations, so a server reads them once at start and each check is a map
// lookup.
type Areas struct {
	levels map[string]domain.Level
}

// NewAreas returns the areas of levels, a unit code → level map read from the
// org units (postgres.OrgUnitStore.UnitLevels). Without a province there is no
// reference data to check against, and no token could be accepted.
func NewAreas(levels map[string]domain.Level) (*Areas, error) {
	for _, l := range levels {
		if l == domain.LevelProvince {
			return &Areas{levels: levels}, nil
		}
	}
	return nil, domain.Errorf(domain.CodeUnavailable, "the org units hold no province: run 'treem migrate'")
}

// roleLevel is the level of the unit each officer role works in; analysts and
// leaders may be given any unit that exists.
var roleLevel = map[domain.Role]domain.Level{
	domain.RoleProvinceOfficer: domain.LevelProvince,
	domain.RoleDistrictOfficer: domain.LevelDistrict,
	domain.RoleCommuneOfficer:  domain.LevelCommune,
}

// Fits returns why u's area is not a unit that exists and fits u's role, or
// nil: the province for a province officer, a (2021) district for a district
// officer, a commune for a commune officer, any unit for an analyst or leader.
func (a *Areas) Fits(u domain.User) error {
	level, ok := a.levels[u.Area]
	if !ok {
		return fmt.Errorf("area %q is not an org unit", u.Area)
	}
	if want, ok := roleLevel[u.Role]; ok && level != want {
		return fmt.Errorf("a %s's area must be a %s, and %q is a %s", u.Role, want, u.Area, level)
	}
	return nil
}

package domain

import "context"

// Role is what a user may do; the area says where.
type Role string

// The roles of the Board's users.
const (
	RoleProvinceOfficer Role = "province_officer" // the whole province, personal data included
	RoleDistrictOfficer Role = "district_officer" // the communes of one district
	RoleCommuneOfficer  Role = "commune_officer"  // one commune
	RoleAnalyst         Role = "analyst"          // aggregates only
	RoleLeader          Role = "leader"           // aggregates and comparisons
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleProvinceOfficer, RoleDistrictOfficer, RoleCommuneOfficer, RoleAnalyst, RoleLeader:
		return true
	}
	return false
}

// SeesPersonalData reports whether the role may read children's personal data
// (within its area).
func (r Role) SeesPersonalData() bool {
	return r == RoleProvinceOfficer || r == RoleDistrictOfficer || r == RoleCommuneOfficer
}

// SeesExactCounts reports whether analytics answers skip disclosure control for
// the role: only province officers see small counts.
func (r Role) SeesExactCounts() bool { return r == RoleProvinceOfficer }

// User is the authenticated caller.
type User struct {
	Subject string // who, as named in the token; recorded in the audit log
	Role    Role
	Area    string // org-unit code: "75" for the province, a district or a commune code
}

type userKey struct{}

// WithUser returns a context carrying u.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user in ctx, or nil for an anonymous request.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

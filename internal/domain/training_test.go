package domain

import (
	"slices"
	"testing"
)

// TestOfficerRoleLevelsNameRoles: every role given a level is a role, so a
// renamed role cannot silently lose its unit check.
func TestOfficerRoleLevelsNameRoles(t *testing.T) {
	for role := range OfficerRoleLevels {
		if !slices.Contains(OfficerRoles, role) {
			t.Errorf("OfficerRoleLevels names %q, not an officer role", role)
		}
	}
}

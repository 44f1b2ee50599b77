package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"treem/internal/domain"
)

// TestTokenAreaMustFitRole sends tokens, correctly signed, whose area is
// checked against the org units of the real database: a unit that does not
// exist, or one of another level than the role works at, is UNAUTHENTICATED
// with the reason; area 99 once saw every child of the province.
func TestTokenAreaMustFitRole(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		role   domain.Role
		area   string
		reason string // "" when the token is accepted
	}{
		{domain.RoleProvinceOfficer, "75", ""},
		{domain.RoleProvinceOfficer, "99", `area "99" is not an org unit`},
		{domain.RoleProvinceOfficer, "00", `area "00" is not an org unit`},
		{domain.RoleDistrictOfficer, "731", ""},
		{domain.RoleDistrictOfficer, "742", ""},
		{domain.RoleDistrictOfficer, "743", `area "743" is not an org unit`},
		{domain.RoleDistrictOfficer, "26041", "3-digit"},
		{domain.RoleCommuneOfficer, "26041", ""},
		{domain.RoleCommuneOfficer, "99999", `area "99999" is not an org unit`},
		{domain.RoleCommuneOfficer, "731", "5-digit"},
		{domain.RoleAnalyst, "75", ""},
		{domain.RoleAnalyst, "731", ""},
		{domain.RoleLeader, "26041", ""},
		{domain.RoleAnalyst, "99", `area "99" is not an org unit`},
		{domain.RoleLeader, "00", `area "00" is not an org unit`},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+"/"+tt.area, func(t *testing.T) {
			// Signed directly: Issue itself refuses a code of the wrong length.
			tok := rawToken(t, jwt.SigningMethodHS256, testSecret, jwt.MapClaims{"sub": "t", "role": string(tt.role),
				"area": tt.area, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
			r := s.query(t, tok, `{ me { subject area } }`, nil)
			if tt.reason == "" {
				if r.status != http.StatusOK || len(r.Errors) != 0 || !strings.Contains(string(r.Data["me"]), `"area":"`+tt.area+`"`) {
					t.Fatalf("token refused: %d %s", r.status, r.raw)
				}
				return
			}
			if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, tt.reason) {
				t.Fatalf("status %d code %q, want 401 UNAUTHENTICATED naming %q: %s", r.status, r.code(), tt.reason, r.raw)
			}
			if r.Data["me"] != nil {
				t.Fatalf("a refused token was answered: %s", r.raw)
			}
		})
	}
}

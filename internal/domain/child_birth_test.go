package domain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestNotBeforeBirthTellsOnlyReaders: a date before a birth date is refused for
// everyone and marked as disclosing that birth date, but only a role that may
// read birth dates is told the reason.
func TestNotBeforeBirthTellsOnlyReaders(t *testing.T) {
	birth := time.Date(2015, 3, 1, 0, 0, 0, 0, time.UTC)
	early, onTime := birth.AddDate(0, 0, -1), birth
	for _, tt := range []struct {
		user   *User
		reason bool
	}{
		{&User{Subject: "c", Role: RoleCommuneOfficer, Area: "26041"}, true},
		{&User{Subject: "a", Role: RoleAnalyst, Area: "75"}, false},
		{&User{Subject: "l", Role: RoleLeader, Area: "75"}, false},
		{nil, false},
	} {
		ctx := context.Background()
		if tt.user != nil {
			ctx = WithUser(ctx, tt.user)
		}
		if err := NotBeforeBirth(ctx, "startedOn", onTime, birth, 7); err != nil {
			t.Fatalf("%v: the birth date itself refused: %v", tt.user, err)
		}
		var e *Error
		if err := NotBeforeBirth(ctx, "startedOn", early, birth, 7); !errors.As(err, &e) {
			t.Fatalf("%v: %v, want a refusal", tt.user, err)
		}
		if e.Code != CodeInvalidInput || e.Field != "startedOn" || e.Reveals == nil ||
			*e.Reveals != (Reveal{Entity: "Child", ID: 7, Field: "birthDate"}) {
			t.Fatalf("%v: %+v", tt.user, e)
		}
		if told := strings.Contains(e.Message, "birth"); told != tt.reason {
			t.Fatalf("%v: message %q, want the reason told: %v", tt.user, e.Message, tt.reason)
		}
	}
}

package graph_test

import (
	"context"
	"testing"

	"treem/internal/domain"
)

// TestAuditLogListsSignInEvents: the sign-in events of the dashboard stand in
// the audit log beside reads and writes, filtered by their action; a refusal
// under a name no user holds has no role.
func TestAuditLogListsSignInEvents(t *testing.T) {
	s := newServer(t)
	ctx := domain.WithRequest(context.Background(), domain.Request{ID: "r-signin"})
	entries := []domain.AuditEntry{
		{Subject: "nobody", Action: domain.AuditSignInFailed, Entity: "Session", RecordIDs: []int64{}, Fields: []string{"unknown_user"}, RequestID: "r1"},
		{Subject: "lan", Role: domain.RoleDistrictOfficer, Area: "731", Action: domain.AuditSignIn, Entity: "Session", RecordIDs: []int64{7}, Fields: []string{}, RequestID: "r2"},
		{Subject: "lan", Role: domain.RoleDistrictOfficer, Area: "731", Action: domain.AuditLockout, Entity: "Session", RecordIDs: []int64{7}, Fields: []string{"addr:10.0.0.1"}, RequestID: "r3"},
		{Subject: "lan", Role: domain.RoleDistrictOfficer, Area: "731", Action: domain.AuditSignOut, Entity: "Session", RecordIDs: []int64{7}, Fields: []string{}, RequestID: "r4"},
	}
	if err := s.audit.Append(ctx, entries...); err != nil {
		t.Fatal(err)
	}
	const q = `query Log($f: AuditFilter) { auditLog(filter: $f, first: 10) {
		totalCount edges { node { subject role area action entity recordIds fields } } } }`
	officer := token(t, domain.RoleProvinceOfficer, "75")
	tests := []struct {
		action string
		want   string
	}{
		{"SIGN_IN_FAILED", `{"totalCount":1,"edges":[{"node":{"subject":"nobody","role":null,"area":"","action":"SIGN_IN_FAILED","entity":"Session","recordIds":[],"fields":["unknown_user"]}}]}`},
		{"SIGN_IN", `{"totalCount":1,"edges":[{"node":{"subject":"lan","role":"DISTRICT_OFFICER","area":"731","action":"SIGN_IN","entity":"Session","recordIds":["7"],"fields":[]}}]}`},
		{"LOCKOUT", `{"totalCount":1,"edges":[{"node":{"subject":"lan","role":"DISTRICT_OFFICER","area":"731","action":"LOCKOUT","entity":"Session","recordIds":["7"],"fields":["addr:10.0.0.1"]}}]}`},
		{"SIGN_OUT", `{"totalCount":1,"edges":[{"node":{"subject":"lan","role":"DISTRICT_OFFICER","area":"731","action":"SIGN_OUT","entity":"Session","recordIds":["7"],"fields":[]}}]}`},
	}
	for _, tt := range tests {
		r := s.query(t, officer, q, map[string]any{"f": map[string]any{"entity": "Session", "action": tt.action}})
		if r.code() != "" || string(r.Data["auditLog"]) != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.action, trim(r.raw), tt.want)
		}
	}
}

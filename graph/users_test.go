package graph_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"treem/internal/auth"
	"treem/internal/domain"
	"treem/internal/postgres"
)

// withAccounts gives the server the dashboard's users, on the API's login as
// `treem serve` does.
func withAccounts(t *testing.T) serverOption {
	return func(st *setup) {
		levels, err := postgres.NewOrgUnitStore(st.units).UnitLevels(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		areas, err := auth.NewAreas(levels)
		if err != nil {
			t.Fatal(err)
		}
		st.graph.Resolver.Accounts = auth.Accounts{Store: postgres.NewUserStore(st.units), Areas: areas, Params: auth.DefaultParams}
	}
}

// TestProvinceOfficersManageUsers: a province officer adds, lists, gives a
// new password to and disables users, each change audited as a write of the
// User (never with the password), ending the user's sessions where it
// matters; every problem of a new user comes back at once; a name in use is
// CONFLICT, an unknown one NOT_FOUND; every other role is refused.
func TestProvinceOfficersManageUsers(t *testing.T) {
	s := newServer(t, withAccounts(t))
	officer := token(t, domain.RoleProvinceOfficer, "75")
	const add = `mutation Add($in: AddUserInput!) { addUser(input: $in) {
		user { username displayName role area active } sessionsEnded errors { field code } } }`
	const users = `{ users { username role area active } }`
	const reset = `mutation Reset($in: ResetUserPasswordInput!) { resetUserPassword(input: $in) {
		user { username active } sessionsEnded errors { field code } } }`
	const disable = `mutation Disable($u: String!) { disableUser(username: $u) { user { username active } sessionsEnded errors { field code } } }`
	lan := map[string]any{"username": "Lan.Nguyen", "displayName": " Nguyễn Thị Lan ", "role": "DISTRICT_OFFICER", "area": "731",
		"password": "một mật khẩu dài"}

	for _, role := range []domain.Role{domain.RoleDistrictOfficer, domain.RoleCommuneOfficer, domain.RoleAnalyst, domain.RoleLeader} {
		tok := token(t, role, map[domain.Role]string{domain.RoleDistrictOfficer: "731", domain.RoleCommuneOfficer: "25993",
			domain.RoleAnalyst: "75", domain.RoleLeader: "75"}[role])
		for name, r := range map[string]response{
			"addUser": s.query(t, tok, add, map[string]any{"in": lan}), "users": s.query(t, tok, users, nil),
			"disableUser":       s.query(t, tok, disable, map[string]any{"u": "x"}),
			"resetUserPassword": s.query(t, tok, reset, map[string]any{"in": map[string]any{"username": "x", "password": "mười hai ký tự"}}),
		} {
			if r.code() != "FORBIDDEN" {
				t.Errorf("%s as %s: %s, want FORBIDDEN", name, role, trim(r.raw))
			}
		}
	}

	// Every problem at once: the name, the area of the role's level, the password.
	r := s.query(t, officer, add, map[string]any{"in": map[string]any{"username": "x", "role": "COMMUNE_OFFICER", "area": "731",
		"password": "ngắn"}})
	if got := string(r.Data["addUser"]); got != `{"user":null,"sessionsEnded":0,"errors":[`+
		`{"field":["input","username"],"code":"INVALID_INPUT"},{"field":["input","area"],"code":"INVALID_INPUT"},`+
		`{"field":["input","password"],"code":"INVALID_INPUT"}]}` {
		t.Fatalf("a bad user: %s", trim(r.raw))
	}

	r = s.query(t, officer, add, map[string]any{"in": lan})
	if got := string(r.Data["addUser"]); got != `{"user":{"username":"lan.nguyen","displayName":"Nguyễn Thị Lan",`+
		`"role":"DISTRICT_OFFICER","area":"731","active":true},"sessionsEnded":0,"errors":[]}` {
		t.Fatalf("addUser: %s", trim(r.raw))
	}
	if r := s.query(t, officer, add, map[string]any{"in": lan}); r.code() != "CONFLICT" {
		t.Fatalf("the same name again: %s, want CONFLICT", trim(r.raw))
	}
	if r := s.query(t, officer, users, nil); string(r.Data["users"]) !=
		`[{"username":"lan.nguyen","role":"DISTRICT_OFFICER","area":"731","active":true}]` {
		t.Fatalf("users: %s", trim(r.raw))
	}

	// The stored password signs in; a new one ends the session it opened.
	store := postgres.NewUserStore(s.pool)
	acct, hash, err := store.Credentials(context.Background(), "lan.nguyen")
	if ok, _ := auth.VerifyPassword(hash, "một mật khẩu dài"); err != nil || !ok {
		t.Fatalf("the stored hash does not check the password: %v", err)
	}
	if err := store.StartSession(context.Background(), acct.ID, make([]byte, 32), time.Now().Add(time.Hour), time.Hour); err != nil {
		t.Fatal(err)
	}
	r = s.query(t, officer, reset, map[string]any{"in": map[string]any{"username": "LAN.NGUYEN", "password": "một mật khẩu mới dài"}})
	if got := string(r.Data["resetUserPassword"]); got != `{"user":{"username":"lan.nguyen","active":true},"sessionsEnded":1,"errors":[]}` {
		t.Fatalf("resetUserPassword: %s", trim(r.raw))
	}
	if r := s.query(t, officer, reset, map[string]any{"in": map[string]any{"username": "lan.nguyen", "password": "ngắn"}}); string(r.Data["resetUserPassword"]) !=
		`{"user":null,"sessionsEnded":0,"errors":[{"field":["input","password"],"code":"INVALID_INPUT"}]}` {
		t.Fatalf("a short password: %s", trim(r.raw))
	}
	r = s.query(t, officer, disable, map[string]any{"u": "lan.nguyen"})
	if got := string(r.Data["disableUser"]); got != `{"user":{"username":"lan.nguyen","active":false},"sessionsEnded":0,"errors":[]}` {
		t.Fatalf("disableUser: %s", trim(r.raw))
	}
	if r := s.query(t, officer, disable, map[string]any{"u": "nobody"}); r.code() != "NOT_FOUND" {
		t.Fatalf("disable nobody: %s, want NOT_FOUND", trim(r.raw))
	}

	// Audited: three writes of the User by the officer; no password anywhere.
	r = s.query(t, officer, `{ auditLog(filter: {entity: "User"}, first: 10) { edges { node { subject action recordIds fields operation } } } }`, nil)
	want := `{"edges":[` +
		`{"node":{"subject":"t-province_officer","action":"WRITE","recordIds":["` + strconv.FormatInt(acct.ID, 10) + `"],"fields":["active"],"operation":"Disable"}},` +
		`{"node":{"subject":"t-province_officer","action":"WRITE","recordIds":["` + strconv.FormatInt(acct.ID, 10) + `"],"fields":["password"],"operation":"Reset"}},` +
		`{"node":{"subject":"t-province_officer","action":"WRITE","recordIds":["` + strconv.FormatInt(acct.ID, 10) + `"],` +
		`"fields":["username","displayName","role","area","password"],"operation":"Add"}}]}`
	if got := string(r.Data["auditLog"]); got != want {
		t.Fatalf("audit:\n%s\nwant\n%s", r.Data["auditLog"], want)
	}
	if strings.Contains(s.log.String(), "mật khẩu") {
		t.Fatal("a password reached the server's log")
	}
}

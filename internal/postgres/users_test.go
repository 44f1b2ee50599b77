package postgres_test

import (
	"context"
	"testing"
	"time"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// A stored hash needs only the PHC form here; internal/auth checks passwords.
const someHash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"

// TestAPILoginCannotReadPasswordHashes: the API's login reads the users'
// names and roles, and one named user's credentials through
// treem_user_credentials, but no statement of its own reads or writes a
// password hash, or any user: it changes users only through the three
// functions of migration 00074, which return no hash and cannot change a
// role or an area, or delete anyone. The ETL's login reads neither.
func TestAPILoginCannotReadPasswordHashes(t *testing.T) {
	owner, dbURL := testdb.URL(t)
	ctx := context.Background()
	admin := postgres.NewUserStore(owner)
	lan, err := admin.AddUser(ctx, domain.Account{Username: "lan", DisplayName: "Nguyễn Thị Lan",
		Role: domain.RoleDistrictOfficer, Area: "731"}, someHash)
	if err != nil {
		t.Fatal(err)
	}
	api := login(t, dbURL, testdb.APIURL, postgres.ProgramServe)
	etl := login(t, dbURL, testdb.ETLURL, postgres.ProgramETL)
	for _, stmt := range []string{
		"SELECT password_hash FROM app_user",
		"SELECT * FROM app_user",
		"SELECT count(*) FROM app_user WHERE password_hash LIKE '$argon2id$%'",
		"SELECT app_user FROM app_user",
		"UPDATE app_user SET password_hash = 'x'",
		"UPDATE app_user SET active = true",
		"UPDATE app_user SET role = 'province_officer'",
		"INSERT INTO app_user (username, display_name, role, area, password_hash) VALUES ('x1', 'x', 'analyst', '75', '$argon2id$x')",
		"DELETE FROM app_user",
		"COPY app_user TO STDOUT",
		"ALTER FUNCTION treem_user_credentials(text) SECURITY INVOKER",
		"UPDATE app_session SET expires_at = now() + interval '1 year'",
		"ALTER FUNCTION treem_user_add(text, text, text, text, text) SECURITY INVOKER",
		"CREATE OR REPLACE FUNCTION treem_user_disable(name text) RETURNS TABLE (id bigint) LANGUAGE sql AS 'SELECT 1::bigint'",
		// Only through the two that call it: not a role change, a password kept.
		"SELECT * FROM treem_user_change('lan', false, NULL)",
	} {
		if code := attempt(t, api, stmt); code != "42501" {
			t.Errorf("treem_api: %s answered %q, want 42501", stmt, code)
		}
	}
	for _, stmt := range []string{"SELECT id FROM app_user", "SELECT * FROM treem_user_credentials('lan')",
		"SELECT count(*) FROM app_session", "SELECT * FROM treem_user_disable('lan')",
		"SELECT * FROM treem_user_set_password('lan', '$argon2id$x')"} {
		if code := attempt(t, etl, stmt); code != "42501" {
			t.Errorf("treem_etl: %s answered %q, want 42501", stmt, code)
		}
	}
	// What the API may do: the columns without the hash, and one named user.
	var name string
	if err := api.QueryRow(ctx, "SELECT display_name FROM app_user WHERE id = $1", lan.ID).Scan(&name); err != nil || name != "Nguyễn Thị Lan" {
		t.Fatalf("treem_api reads display_name: %q, %v", name, err)
	}
	store := postgres.NewUserStore(api)
	got, hash, err := store.Credentials(ctx, "LAN")
	if err != nil || hash != someHash || got.ID != lan.ID || got.Role != domain.RoleDistrictOfficer || got.Area != "731" || !got.Active {
		t.Fatalf("Credentials(LAN) = %+v, %q, %v", got, hash, err)
	}
	if _, _, err := store.Credentials(ctx, "lan%"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("Credentials with a pattern = %v, want NOT_FOUND", err)
	}
	// Through the functions it adds a user, sets a password and disables
	// one; what they answer holds no hash.
	x2, err := store.AddUser(ctx, domain.Account{Username: "X2", DisplayName: "x", Role: domain.RoleAnalyst, Area: "75"}, someHash)
	if err != nil || x2.Username != "x2" || !x2.Active {
		t.Fatalf("AddUser as treem_api = %+v, %v", x2, err)
	}
	if _, _, err := store.SetPassword(ctx, "x2", someHash); err != nil {
		t.Fatal(err)
	}
	if got, _, err := store.DisableUser(ctx, "X2"); err != nil || got.Active {
		t.Fatalf("DisableUser as treem_api = %+v, %v", got, err)
	}
	if _, _, err := store.DisableUser(ctx, "nobody"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("DisableUser(nobody) = %v, want NOT_FOUND", err)
	}
	for _, fn := range []string{"treem_user_add", "treem_user_disable", "treem_user_set_password"} {
		var returnsHash bool
		if err := owner.QueryRow(ctx, `SELECT pg_get_function_result(p.oid) LIKE '%password%' FROM pg_proc p WHERE proname = $1`,
			fn).Scan(&returnsHash); err != nil || returnsHash {
			t.Errorf("%s returns a password column: %v", fn, err)
		}
	}
}

func TestUserStoreSessions(t *testing.T) {
	owner, dbURL := testdb.URL(t)
	ctx := context.Background()
	admin := postgres.NewUserStore(owner)
	a, err := admin.AddUser(ctx, domain.Account{Username: "binh", DisplayName: "Trần Văn Bình", Role: domain.RoleLeader, Area: "75"}, someHash)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddUser(ctx, domain.Account{Username: "BINH", DisplayName: "x", Role: domain.RoleLeader, Area: "75"}, someHash); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("a second user named BINH = %v, want CONFLICT (names are case-insensitive)", err)
	}
	store := postgres.NewUserStore(login(t, dbURL, testdb.APIURL, postgres.ProgramServe))
	hash := func(b byte) []byte { h := make([]byte, 32); h[0] = b; return h }
	idle := 30 * time.Minute
	for _, b := range []byte{1, 2, 3} {
		if err := store.StartSession(ctx, a.ID, hash(b), time.Now().Add(time.Hour), idle); err != nil {
			t.Fatal(err)
		}
	}
	got, expires, err := store.SessionAccount(ctx, hash(1), idle)
	if err != nil || got.ID != a.ID || got.DisplayName != "Trần Văn Bình" || time.Until(expires) < 59*time.Minute {
		t.Fatalf("SessionAccount = %+v, %s, %v", got, expires, err)
	}
	// Idle too long, or past its end: ended.
	if _, err := owner.Exec(ctx, "UPDATE app_session SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = $1", hash(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(ctx, "UPDATE app_session SET expires_at = now() - interval '1 second' WHERE token_hash = $1", hash(3)); err != nil {
		t.Fatal(err)
	}
	for _, b := range []byte{2, 3, 9} {
		if _, _, err := store.SessionAccount(ctx, hash(b), idle); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("session %d: %v, want NOT_FOUND", b, err)
		}
	}
	// A sign-in sweeps the ended sessions.
	if err := store.StartSession(ctx, a.ID, hash(4), time.Now().Add(time.Hour), idle); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := owner.QueryRow(ctx, "SELECT count(*) FROM app_session").Scan(&n); err != nil || n != 2 {
		t.Fatalf("sessions after a sign-in = %d (%v), want the 2 live ones", n, err)
	}
	// Disabling ends every session at once.
	_, ended, err := admin.DisableUser(ctx, "Binh")
	if err != nil || ended != 2 {
		t.Fatalf("DisableUser = %d sessions ended, %v; want 2", ended, err)
	}
	if _, _, err := store.SessionAccount(ctx, hash(1), idle); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a disabled user's session: %v, want NOT_FOUND", err)
	}
	if _, _, err := admin.DisableUser(ctx, "nobody"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("DisableUser(nobody) = %v, want NOT_FOUND", err)
	}
	if _, err := store.EndSession(ctx, hash(1)); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("EndSession of an ended session = %v, want NOT_FOUND", err)
	}
}

package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// area is a small fixture province outside Đồng Nai's codes: province 99,
// district 991 with communes 99101 and 99102, district 992 with commune 99201.
type area struct {
	province, d1, d2, c1, c2, c3 int
	children                     map[string]int64 // by name
}

func fixture(t *testing.T, pool *pgxpool.Pool) area {
	t.Helper()
	ctx := context.Background()
	var a area
	unit := func(code, name, typ, level string, parent *int) int {
		var id int
		err := pool.QueryRow(ctx, `INSERT INTO org_unit (code, name, unit_type, level, parent_id, valid_from, source)
		  VALUES ($1, $2, $3, $4, $5, '2000-01-01', 'test') RETURNING id`, code, name, typ, level, parent).Scan(&id)
		if err != nil {
			t.Fatalf("unit %s: %v", code, err)
		}
		return id
	}
	a.province = unit("99", "Thử", "Tỉnh", "province", nil)
	a.d1 = unit("991", "Một", "Huyện", "district", &a.province)
	a.d2 = unit("992", "Hai", "Huyện", "district", &a.province)
	a.c1 = unit("99101", "Xã Một", "Xã", "commune", &a.d1)
	a.c2 = unit("99102", "Xã Hai", "Xã", "commune", &a.d1)
	a.c3 = unit("99201", "Xã Ba", "Xã", "commune", &a.d2)
	a.children = map[string]int64{}
	for _, c := range []struct {
		name, sex, birth string
		commune          int
	}{
		{"Nguyễn Văn An", "M", "2015-03-01", a.c1},
		{"Trần Thị Bình", "F", "2012-07-15", a.c1},
		{"Lê Văn Cường", "M", "2018-01-20", a.c2},
		{"Phạm Thị Dung", "F", "2010-11-30", a.c3},
		{"Hoàng 100% _x_", "F", "2016-05-05", a.c3},
	} {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ($1, $2, $3, $4)
		  RETURNING id`, c.name, c.sex, c.birth, c.commune).Scan(&id); err != nil {
			t.Fatalf("child %s: %v", c.name, err)
		}
		a.children[c.name] = id
	}
	return a
}

func names(cs []domain.Child) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.FullName
	}
	return out
}

func TestListChildrenScopeAndRowSecurity(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	s := postgres.NewChildStore(pool)
	ctx := context.Background()
	page := domain.Page[domain.ChildKey]{First: 10}
	byID := domain.ChildOrder{Field: domain.ChildOrderID}
	tests := []struct {
		name  string
		scope domain.Scope
		want  int
	}{
		{"province", domain.Scope{All: true}, 5},
		{"district 991", domain.Scope{UnitIDs: []int{a.c1, a.c2}}, 3},
		{"commune 99101", domain.Scope{UnitIDs: []int{a.c1}}, 2},
		{"commune 99201", domain.Scope{UnitIDs: []int{a.c3}}, 2},
		{"no unit", domain.Scope{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.ListChildren(ctx, tt.scope, domain.ChildFilter{}, byID, page)
			if err != nil || len(got) != tt.want {
				t.Fatalf("ListChildren = %v, %v; want %d rows", names(got), err, tt.want)
			}
			n, err := s.CountChildren(ctx, tt.scope, domain.ChildFilter{})
			if err != nil || n != tt.want {
				t.Fatalf("CountChildren = %d, %v; want %d", n, err, tt.want)
			}
			// Without the Go-side filter, row-level security alone keeps other areas out.
			got, _, err = s.ListChildrenWithoutAreaFilter(ctx, tt.scope, domain.ChildFilter{}, byID, page)
			if err != nil || len(got) != tt.want {
				t.Fatalf("listChildren without Go filter = %v, %v; want %d rows", names(got), err, tt.want)
			}
			for _, c := range got {
				if !tt.scope.Contains(c.CommuneID) {
					t.Fatalf("child %s of unit %d is outside the scope", c.FullName, c.CommuneID)
				}
			}
		})
	}
	// A filter asking for another area's commune still only sees the caller's rows.
	got, _, err := s.ListChildrenWithoutAreaFilter(ctx, domain.Scope{UnitIDs: []int{a.c1}}, domain.ChildFilter{UnitIDs: []int{a.c3}}, byID, page)
	if err != nil || len(got) != 0 {
		t.Fatalf("other commune through the filter = %v, %v; want nothing", names(got), err)
	}
	// Another commune's child by id is NOT_FOUND.
	_, err = s.Child(ctx, domain.Scope{UnitIDs: []int{a.c1}}, a.children["Phạm Thị Dung"])
	if domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("Child of another commune: err %v, want NOT_FOUND", err)
	}
}

func TestRowSecurityOnPerChildTables(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	ctx := context.Background()
	dung := a.children["Phạm Thị Dung"]
	if _, err := pool.Exec(ctx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
	  VALUES ($1, $2, '2020-01-01', 'fall', 'injured')`, dung, a.c3); err != nil {
		t.Fatal(err)
	}
	// A raw query as the API role, with no WHERE at all, sees only the area's rows.
	count := func(scope domain.Scope, table string) int {
		var n int
		err := postgres.InArea(ctx, pool, scope, true, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(domain.Scope{UnitIDs: []int{a.c1}}, "injury"); n != 0 {
		t.Fatalf("commune 99101 sees %d injuries of 99201", n)
	}
	if n := count(domain.Scope{UnitIDs: []int{a.c3}}, "injury"); n != 1 {
		t.Fatalf("commune 99201 sees %d injuries, want 1", n)
	}
	if n := count(domain.Scope{All: true}, "child"); n != 5 {
		t.Fatalf("province sees %d children, want 5", n)
	}
	// Writing a child into another commune is refused by the policy itself.
	err := postgres.InArea(ctx, pool, domain.Scope{UnitIDs: []int{a.c1}}, false, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO child (full_name, sex, birth_date, commune_id) VALUES ('X', 'M', '2015-01-01', $1)`, a.c3)
		return err
	})
	if domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("insert into another commune: %v, want FORBIDDEN", err)
	}
}

func TestListChildrenFiltersAndKeyset(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	s := postgres.NewChildStore(pool)
	ctx := context.Background()
	all := domain.Scope{All: true}
	d := func(s string) *time.Time { v, _ := time.Parse(time.DateOnly, s); return &v }
	tests := []struct {
		name string
		f    domain.ChildFilter
		want int
	}{
		{"sex", domain.ChildFilter{Sexes: []domain.Sex{domain.SexFemale}}, 3},
		{"sex in both", domain.ChildFilter{Sexes: []domain.Sex{domain.SexFemale, domain.SexMale}}, 5}, // 3 girls + 2 boys in the fixture
		{"sex in hostile", domain.ChildFilter{Sexes: []domain.Sex{"F", "F' OR '1'='1", "M); DROP TABLE child; --"}}, 3},
		{"district as units", domain.ChildFilter{UnitIDs: []int{a.c1, a.c2}}, 3},
		{"born range", domain.ChildFilter{BornFrom: d("2012-01-01"), BornTo: d("2016-12-31")}, 3},
		{"name", domain.ChildFilter{NameContains: "văn"}, 2},
		{"percent literal", domain.ChildFilter{NameContains: "100%"}, 1},
		{"underscore literal", domain.ChildFilter{NameContains: "_x_"}, 1},
		{"quote", domain.ChildFilter{NameContains: "'; DROP TABLE child; --"}, 0},
		{"backslash", domain.ChildFilter{NameContains: `\`}, 0},
		{"circumstance", domain.ChildFilter{Circumstances: []string{"DISABLED"}, AsOf: *d("2024-01-01")}, 0},
		{"not registered", domain.ChildFilter{BirthRegistered: new(false)}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.CountChildren(ctx, all, tt.f)
			if err != nil || n != tt.want {
				t.Fatalf("CountChildren = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
	// Walking pages of 2 in each order visits every child once, in order.
	for _, o := range []domain.ChildOrder{{Field: domain.ChildOrderID}, {Field: domain.ChildOrderBirthDate},
		{Field: domain.ChildOrderFullName, Desc: true}} {
		var seen []domain.Child
		p := domain.Page[domain.ChildKey]{First: 2}
		for {
			got, more, err := s.ListChildren(ctx, all, domain.ChildFilter{}, o, p)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, got...)
			if !more {
				break
			}
			last := got[len(got)-1]
			p.After = &domain.ChildKey{ID: last.ID, BirthDate: last.BirthDate, FullName: last.FullName}
		}
		if len(seen) != 5 {
			t.Fatalf("order %v: walked %v", o, names(seen))
		}
		for i := 1; i < len(seen); i++ {
			x, y := seen[i-1], seen[i]
			ok := map[domain.ChildOrderField]bool{
				domain.ChildOrderID:        x.ID < y.ID,
				domain.ChildOrderBirthDate: x.BirthDate.Before(y.BirthDate),
				domain.ChildOrderFullName:  x.FullName > y.FullName,
			}[o.Field]
			if !ok {
				t.Fatalf("order %v broken at %s, %s", o, x.FullName, y.FullName)
			}
		}
	}
}

func TestCaseWorkflowStore(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	s := postgres.NewChildStore(pool)
	// Freeze the clock after the fixture dates.
	s.SetClock(func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) })
	ctx := domain.WithUser(context.Background(), &domain.User{Subject: "tester", Role: domain.RoleCommuneOfficer, Area: "99101"})
	scope := domain.Scope{UnitIDs: []int{a.c1}}
	// Received Friday 24 April 2026, 10:00 in Vietnam; see domain.TestCaseDeadlines for the count.
	received := time.Date(2026, 4, 24, 10, 0, 0, 0, domain.Vietnam)
	c, err := s.OpenCase(ctx, scope, domain.NewCase{ChildID: a.children["Nguyễn Văn An"], Type: "violence", ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 5, 7, 0, 0, 0, 0, domain.Vietnam); !c.PlanDeadline.Equal(want) {
		t.Fatalf("plan deadline %s, want %s", c.PlanDeadline.In(domain.Vietnam), want)
	}
	if want := time.Date(2026, 5, 9, 0, 0, 0, 0, domain.Vietnam); !c.ApprovalDeadline.Equal(want) {
		t.Fatalf("approval deadline %s, want %s", c.ApprovalDeadline.In(domain.Vietnam), want)
	}
	if want := received.Add(12 * time.Hour); !c.EmergencyDeadline.Equal(want) {
		t.Fatalf("emergency deadline %s, want %s", c.EmergencyDeadline, want)
	}
	// Skipping the initial assessment is refused.
	_, err = s.AdvanceCase(ctx, scope, c.ID, domain.CaseStep{To: domain.CaseDetailedAssessed, At: received.Add(time.Hour)})
	if domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("skip: %v, want CONFLICT", err)
	}
	yes := true
	if c, err = s.AdvanceCase(ctx, scope, c.ID, domain.CaseStep{To: domain.CaseInitialAssessed, At: received.Add(time.Hour),
		EmergencyNeeded: &yes}); err != nil {
		t.Fatal(err)
	}
	if c, err = s.AdvanceCase(ctx, scope, c.ID, domain.CaseStep{To: domain.CaseEmergencyMeasures, At: received.Add(13 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if !c.EmergencyLate(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("measures 13 hours after receipt must be late")
	}
	// Another commune cannot see or advance the case.
	_, err = s.AdvanceCase(ctx, domain.Scope{UnitIDs: []int{a.c3}}, c.ID, domain.CaseStep{To: domain.CaseDetailedAssessed, At: received.Add(14 * time.Hour)})
	if domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("other commune: %v, want NOT_FOUND", err)
	}
	var audited int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity = 'ProtectionCase' AND $1 = ANY(record_ids)`,
		c.ID).Scan(&audited); err != nil || audited != 3 {
		t.Fatalf("audit rows %d, %v; want 3 (open + 2 steps)", audited, err)
	}
}

// TestEveryPersonalTableHasRowSecurity guards future migrations: a table with
// a child_id (or the child table itself) without row-level security would be
// readable across areas by the API role.
func TestEveryPersonalTableHasRowSecurity(t *testing.T) {
	pool := testdb.Postgres(t)
	rows, err := pool.Query(context.Background(), `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	  WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity
	    AND has_table_privilege('treem_app', c.oid, 'SELECT')
	    AND (c.relname IN ('child', 'household', 'household_poverty')
	         OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'child_id' AND NOT a.attisdropped))`)
	if err != nil {
		t.Fatal(err)
	}
	open, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(open) > 0 {
		t.Fatalf("tables with personal rows readable by treem_app without row-level security: %v", open)
	}
}

// TestAreaSettingsEndWithTheTransaction checks that a pooled connection does
// not carry one request's role and area into the next.
func TestAreaSettingsEndWithTheTransaction(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	if err := postgres.InArea(ctx, pool, domain.Scope{UnitIDs: []int{1, 2}}, true, func(tx pgx.Tx) error {
		var user, units string
		if err := tx.QueryRow(ctx, `SELECT current_user, current_setting('treem.unit_ids', true)`).Scan(&user, &units); err != nil {
			return err
		}
		if user != "treem_app" || units != "1,2" {
			t.Errorf("inside: user %s, units %q", user, units)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for range 4 { // every connection of the pool
		var user, units string
		if err := pool.QueryRow(ctx, `SELECT current_user, coalesce(current_setting('treem.unit_ids', true), '')`).Scan(&user, &units); err != nil {
			t.Fatal(err)
		}
		if user == "treem_app" || units != "" {
			t.Fatalf("after the transaction: user %s, units %q", user, units)
		}
	}
}

package postgres_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/testdb"
)

// TestCalendarMovesDeadlines: a case received just before the provisional Tết
// of 2027 skips it; a province officer's change of the calendar moves the
// deadlines of that open case in the same transaction, and both writes are
// audited.
func TestCalendarMovesDeadlines(t *testing.T) {
	pool := testdb.Postgres(t)
	a := fixture(t, pool)
	s := postgres.NewChildStore(pool)
	s.SetClock(func() time.Time { return time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) })
	commune := domain.WithUser(context.Background(), &domain.User{Subject: "commune", Role: domain.RoleCommuneOfficer, Area: "99101"})
	province := domain.WithUser(context.Background(), &domain.User{Subject: "province", Role: domain.RoleProvinceOfficer, Area: "99"})
	all := domain.Scope{All: true}
	ict := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, domain.Vietnam) }

	// Wed 3 Feb 2027: Thu 4, Fri 5, Mon 8, Tue 9, Wed 10 provisional Tết; Thu 11 (1), Fri 12, Mon 15, Tue 16,
	// Wed 17 (5), Thu 18, Fri 19 (7).
	c, err := s.OpenCase(commune, domain.Scope{UnitIDs: []int{a.c1}}, domain.NewCase{ChildID: a.children["Nguyễn Văn An"],
		Type: "sexual_abuse", ReceivedAt: time.Date(2027, 2, 3, 10, 0, 0, 0, domain.Vietnam)})
	if err != nil {
		t.Fatal(err)
	}
	deadlines := func(plan, approval time.Time) {
		t.Helper()
		got, err := s.Case(province, all, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.PlanDeadline.Equal(plan) || !got.ApprovalDeadline.Equal(approval) {
			t.Fatalf("deadlines %s and %s, want %s and %s", got.PlanDeadline.In(domain.Vietnam),
				got.ApprovalDeadline.In(domain.Vietnam), plan, approval)
		}
	}
	deadlines(ict(2027, 2, 18), ict(2027, 2, 20))

	lastAudit := func(n int) [][]any {
		t.Helper()
		rows, err := pool.Query(context.Background(), `SELECT entity, record_ids, fields FROM audit_log
		  WHERE action = 'write' ORDER BY id DESC LIMIT $1`, n)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			var entity string
			var ids []int64
			var fields []string
			if err := rows.Scan(&entity, &ids, &fields); err != nil {
				t.Fatal(err)
			}
			out = append([][]any{{entity, ids, fields}}, out...)
		}
		return out
	}

	// Thursday 11 Feb off too: Fri 12 (1) ... Thu 18 (5), Fri 19, Mon 22 (7).
	eleventh := time.Date(2027, 2, 11, 0, 0, 0, 0, time.UTC)
	h, err := s.SetPublicHoliday(province, all, domain.PublicHoliday{Day: eleventh, Kind: domain.DayHoliday,
		Name: "Tết Nguyên đán", Provisional: true, Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	deadlines(ict(2027, 2, 19), ict(2027, 2, 23))
	audit := lastAudit(2)
	if audit[0][0] != "PublicHoliday" || !slices.Equal(audit[0][1].([]int64), []int64{h.ID}) ||
		audit[1][0] != "ProtectionCase" || !slices.Equal(audit[1][1].([]int64), []int64{c.ID}) ||
		!slices.Equal(audit[1][2].([]string), []string{"planDeadline", "approvalDeadline"}) {
		t.Fatalf("audit rows %v", audit)
	}

	if _, err := s.RemovePublicHoliday(province, all, eleventh); err != nil {
		t.Fatal(err)
	}
	deadlines(ict(2027, 2, 18), ict(2027, 2, 20))
	if _, err := s.RemovePublicHoliday(province, all, eleventh); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("removing a day not listed: %v, want NOT_FOUND", err)
	}

	// The year replaced by 1 January alone: Thu 4 (1) ... Wed 10 (5), Thu 11, Fri 12 (7).
	days, err := domain.ParseHolidayCSV(2027, "day,kind,name,provisional,source\n2027-01-01,holiday,Tết Dương lịch,true,test\n")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplacePublicHolidays(province, all, 2027, days); err != nil {
		t.Fatal(err)
	}
	deadlines(ict(2027, 2, 11), ict(2027, 2, 13))
	listed, err := s.PublicHolidays(province, 2027)
	if err != nil || len(listed) != 1 || listed[0].Name != "Tết Dương lịch" || !listed[0].Provisional {
		t.Fatalf("2027 after the upload: %+v, %v", listed, err)
	}

	// Only a province officer changes the calendar.
	_, err = s.SetPublicHoliday(commune, domain.Scope{UnitIDs: []int{a.c1}}, domain.PublicHoliday{Day: eleventh,
		Kind: domain.DayHoliday, Name: "x", Source: "x"})
	if domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("a commune officer setting a holiday: %v, want FORBIDDEN", err)
	}
}

// TestShippedCalendar pins the rows the issue asked for: 2 May 2025 off and
// 26 April 2025 worked, and 2027–2030 present and provisional.
func TestShippedCalendar(t *testing.T) {
	pool := testdb.Postgres(t)
	s := postgres.NewChildStore(pool)
	ctx := context.Background()
	y2025, err := s.PublicHolidays(ctx, 2025)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, h := range y2025 {
		kinds[h.Day.Format(time.DateOnly)] = h.Kind
	}
	if kinds["2025-05-02"] != domain.DayHoliday || kinds["2025-04-26"] != domain.DayWorkingDay {
		t.Fatalf("2025: %v", kinds)
	}
	for year := 2027; year <= 2030; year++ {
		days, err := s.PublicHolidays(ctx, year)
		if err != nil {
			t.Fatal(err)
		}
		// 1/1, five of Tết, Giỗ Tổ, 30/4, 1/5 and two of 2/9, each on a weekday.
		if len(days) != 11 {
			t.Errorf("%d: %d days, want 11", year, len(days))
		}
		for _, h := range days {
			if !h.Provisional || h.Source == "" || h.Validate() != nil {
				t.Errorf("%d: %+v should be a valid provisional day with a source", year, h)
			}
		}
	}
}

// TestMigrationDeadlinesMatchDomain: migration 00063 computed the deadlines of
// the cases then recorded with a SQL copy of the working-day rule (dropped at
// the end of the migration). Recreated here from the migration's text, it
// must agree with domain.CaseRules on every day of 2019–2030.
func TestMigrationDeadlinesMatchDomain(t *testing.T) {
	pool := testdb.Postgres(t)
	ctx := context.Background()
	text, err := os.ReadFile("migrations/00063_holidays_as_data.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, fn, _ := strings.Cut(string(text), "-- +goose StatementBegin\n")
	fn, _, ok := strings.Cut(fn, "-- +goose StatementEnd")
	if !ok {
		t.Fatal("no function in migration 00063")
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // the function must not outlive the test
	if _, err := tx.Exec(ctx, fn); err != nil {
		t.Fatal(err)
	}
	rules, err := postgres.LoadCaseRules(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `SELECT r AS received, migration_00063_deadline(r, 'plan_draft') AS plan,
	    migration_00063_deadline(r, 'plan_approval') AS approval
	  FROM generate_series(timestamptz '2019-01-01 10:00+07', '2030-12-31 10:00+07', interval '1 day') r`)
	if err != nil {
		t.Fatal(err)
	}
	type deadlines struct {
		Received, Plan, Approval time.Time
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[deadlines])
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 4000 {
		t.Fatalf("%d days", len(all))
	}
	for _, d := range all {
		if !d.Plan.Equal(rules.PlanDeadline(d.Received)) || !d.Approval.Equal(rules.ApprovalDeadline(d.Received)) {
			t.Errorf("received %s: migration %s and %s, domain %s and %s", d.Received.In(domain.Vietnam), d.Plan, d.Approval,
				rules.PlanDeadline(d.Received), rules.ApprovalDeadline(d.Received))
		}
	}
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

const holidayColumns = `id, day, kind, name, provisional, source`

type holidayRow struct {
	ID          int64     `db:"id"`
	Day         time.Time `db:"day"`
	Kind        string    `db:"kind"`
	Name        string    `db:"name"`
	Provisional bool      `db:"provisional"`
	Source      string    `db:"source"`
}

func (r holidayRow) toDomain() domain.PublicHoliday {
	return domain.PublicHoliday{ID: r.ID, Day: r.Day, Kind: r.Kind, Name: r.Name, Provisional: r.Provisional, Source: r.Source}
}

const caseDeadlineColumns = `step, working_days, provisional, source`

type caseDeadlineRow struct {
	Step        string `db:"step"`
	WorkingDays int    `db:"working_days"`
	Provisional bool   `db:"provisional"`
	Source      string `db:"source"`
}

func (r caseDeadlineRow) toDomain() domain.CaseDeadline {
	return domain.CaseDeadline{Step: r.Step, WorkingDays: r.WorkingDays, Provisional: r.Provisional, Source: r.Source}
}

var (
	scanHoliday      = byName(holidayRow.toDomain)
	scanCaseDeadline = byName(caseDeadlineRow.toDomain)
)

// LoadCaseRules reads the working-day calendar (every public_holiday row: a
// few hundred at most) and the case_deadline counts that fix a case's
// deadlines.
func LoadCaseRules(ctx context.Context, tx pgx.Tx) (domain.CaseRules, error) {
	rows, err := tx.Query(ctx, `SELECT `+holidayColumns+` FROM public_holiday`)
	if err != nil {
		return domain.CaseRules{}, fmt.Errorf("read public holidays: %w", err)
	}
	days, err := pgx.CollectRows(rows, scanHoliday)
	if err != nil {
		return domain.CaseRules{}, fmt.Errorf("read public holidays: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT `+caseDeadlineColumns+` FROM case_deadline`)
	if err != nil {
		return domain.CaseRules{}, fmt.Errorf("read case deadlines: %w", err)
	}
	steps, err := pgx.CollectRows(rows, scanCaseDeadline)
	if err != nil {
		return domain.CaseRules{}, fmt.Errorf("read case deadlines: %w", err)
	}
	return domain.NewCaseRules(domain.NewCalendar(days), steps)
}

// PublicHolidays lists the calendar days of a year, by day: reference data
// for any signed-in user.
func (s *ChildStore) PublicHolidays(ctx context.Context, year int) ([]domain.PublicHoliday, error) {
	out, err := readProvince(ctx, s.pool, scanHoliday,
		`SELECT `+holidayColumns+` FROM public_holiday WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1)
		 ORDER BY day`, []any{year})
	if err != nil {
		return nil, fmt.Errorf("public holidays of %d: %w", year, err)
	}
	return out, nil
}

// holidayFields are the fields a calendar write sets (or, removing, clears).
var holidayFields = []string{"day", "kind", "name", "provisional", "source"}

// SetPublicHoliday adds a calendar day or replaces the one of the same date,
// and moves the deadlines it changes.
func (s *ChildStore) SetPublicHoliday(ctx context.Context, scope domain.Scope, h domain.PublicHoliday) (domain.PublicHoliday, error) {
	if err := h.Validate(); err != nil {
		return h, err
	}
	var out domain.PublicHoliday
	err := inCalendar(ctx, s, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO public_holiday (day, kind, name, provisional, source)
		  VALUES ($1, $2, $3, $4, $5)
		  ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name,
		    provisional = excluded.provisional, source = excluded.source
		  RETURNING `+holidayColumns, h.Day, h.Kind, h.Name, h.Provisional, h.Source)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanHoliday); err != nil {
			return err
		}
		if err := RecordWriteTx(ctx, tx, "PublicHoliday", []int64{out.ID}, holidayFields); err != nil {
			return err
		}
		return recomputeDeadlines(ctx, tx, out.Day, out.Day)
	})
	if err != nil {
		return out, fmt.Errorf("set public holiday %s: %w", h.Day.Format(time.DateOnly), err)
	}
	return out, nil
}

// RemovePublicHoliday deletes the calendar entry of a day (NOT_FOUND when
// there is none) and moves the deadlines it changes. A day in no year the
// calendar may hold is INVALID_INPUT on "day", the only problem a day alone
// can have.
func (s *ChildStore) RemovePublicHoliday(ctx context.Context, scope domain.Scope, day time.Time) (domain.PublicHoliday, error) {
	var out domain.PublicHoliday
	if err := domain.CalendarDay("day", day); err != nil {
		return out, err
	}
	err := inCalendar(ctx, s, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM public_holiday WHERE day = $1 RETURNING `+holidayColumns, day)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanHoliday)
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no calendar entry on %s", day.Format(time.DateOnly))
		}
		if err != nil {
			return err
		}
		if err := RecordWriteTx(ctx, tx, "PublicHoliday", []int64{out.ID}, holidayFields); err != nil {
			return err
		}
		return recomputeDeadlines(ctx, tx, day, day)
	})
	if err != nil {
		return out, fmt.Errorf("remove public holiday %s: %w", day.Format(time.DateOnly), err)
	}
	return out, nil
}

// ReplacePublicHolidays makes days (already checked by
// domain.ParseHolidayCSV) the calendar of year, and moves the deadlines of
// the cases received from 60 days before the year to its end. The audit row
// names the removed rows and the new ones.
func (s *ChildStore) ReplacePublicHolidays(ctx context.Context, scope domain.Scope, year int, days []domain.PublicHoliday) ([]domain.PublicHoliday, error) {
	var out []domain.PublicHoliday
	err := inCalendar(ctx, s, scope, func(tx pgx.Tx) error {
		first := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		next := first.AddDate(1, 0, 0)
		rows, err := tx.Query(ctx, `DELETE FROM public_holiday WHERE day >= $1 AND day < $2 RETURNING id`, first, next)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		cols := [5][]any{}
		for _, d := range days {
			for i, v := range []any{d.Day, d.Kind, d.Name, d.Provisional, d.Source} {
				cols[i] = append(cols[i], v)
			}
		}
		rows, err = tx.Query(ctx, `INSERT INTO public_holiday (day, kind, name, provisional, source)
		  SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bool[], $5::text[])
		  RETURNING `+holidayColumns, cols[0], cols[1], cols[2], cols[3], cols[4])
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, scanHoliday); err != nil {
			return err
		}
		for _, h := range out {
			ids = append(ids, h.ID)
		}
		if err := RecordWriteTx(ctx, tx, "PublicHoliday", ids, holidayFields); err != nil {
			return err
		}
		return recomputeDeadlines(ctx, tx, first, next.AddDate(0, 0, -1))
	})
	if err != nil {
		return nil, fmt.Errorf("upload public holidays of %d: %w", year, err)
	}
	return out, nil
}

// inCalendar runs a calendar write as a province officer: the calendar is the
// province's, and the deadlines it moves are those of every commune.
func inCalendar(ctx context.Context, s *ChildStore, scope domain.Scope, fn func(tx pgx.Tx) error) error {
	if !scope.All {
		return domain.Errorf(domain.CodeForbidden, "only a province officer changes the working-day calendar")
	}
	return inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		// One calendar writer at a time, and none while a case is being opened
		// over the calendar (lockCalendar): the recomputation then sees every
		// case whose deadlines were fixed over the calendar it replaces.
		if _, err := tx.Exec(ctx, `LOCK TABLE public_holiday IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// lockCalendar keeps the calendar as it is until tx ends, for a write that
// fixes deadlines over it; such writes do not wait for one another.
func lockCalendar(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `LOCK TABLE public_holiday IN SHARE MODE`)
	return err
}

// deadlineWindow is how far before a changed day a case may have been
// received and still have a deadline after it: 7 working days never span 60
// calendar days, even across Tết.
const deadlineWindow = 60

// recomputeDeadlines fixes again, over the calendar as tx now sees it, the
// plan and approval deadlines of the cases received from deadlineWindow days
// before from to the end of to (civil dates), and audits those it moved as
// one write of ProtectionCase.
func recomputeDeadlines(ctx context.Context, tx pgx.Tx, from, to time.Time) error {
	rules, err := LoadCaseRules(ctx, tx)
	if err != nil {
		return err
	}
	start := time.Date(from.Year(), from.Month(), from.Day()-deadlineWindow, 0, 0, 0, 0, domain.Vietnam)
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, domain.Vietnam)
	rows, err := tx.Query(ctx, `SELECT id, received_at, plan_deadline, approval_deadline FROM protection_case
	  WHERE deleted_at IS NULL AND received_at >= $1 AND received_at < $2 ORDER BY id FOR UPDATE`, start, end)
	if err != nil {
		return fmt.Errorf("read deadlines: %w", err)
	}
	type caseDeadlines struct {
		ID               int64     `db:"id"`
		ReceivedAt       time.Time `db:"received_at"`
		PlanDeadline     time.Time `db:"plan_deadline"`
		ApprovalDeadline time.Time `db:"approval_deadline"`
	}
	cases, err := pgx.CollectRows(rows, pgx.RowToStructByName[caseDeadlines])
	if err != nil {
		return fmt.Errorf("read deadlines: %w", err)
	}
	var ids []int64
	var plans, approvals []time.Time
	for _, c := range cases {
		plan, approval := rules.PlanDeadline(c.ReceivedAt), rules.ApprovalDeadline(c.ReceivedAt)
		if !plan.Equal(c.PlanDeadline) || !approval.Equal(c.ApprovalDeadline) {
			ids, plans, approvals = append(ids, c.ID), append(plans, plan), append(approvals, approval)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE protection_case x SET plan_deadline = u.plan, approval_deadline = u.approval
	  FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS u(id, plan, approval) WHERE x.id = u.id`,
		ids, plans, approvals); err != nil {
		return fmt.Errorf("move deadlines: %w", err)
	}
	return RecordWriteTx(ctx, tx, "ProtectionCase", ids, []string{"planDeadline", "approvalDeadline"})
}

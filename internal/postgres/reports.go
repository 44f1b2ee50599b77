package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

const departmentColumns = "d.id, d.code, d.name_vi, d.name_en, d.valid_from, d.valid_to, d.provisional, d.source"

type departmentRow struct {
	ID          int        `db:"id"`
	Code        string     `db:"code"`
	NameVi      string     `db:"name_vi"`
	NameEn      string     `db:"name_en"`
	ValidFrom   time.Time  `db:"valid_from"`
	ValidTo     *time.Time `db:"valid_to"`
	Provisional bool       `db:"provisional"`
	Source      string     `db:"source"`
}

func (r departmentRow) toDomain() domain.Department {
	return domain.Department{ID: r.ID, Code: r.Code, NameVi: r.NameVi, NameEn: r.NameEn, ValidFrom: r.ValidFrom,
		ValidTo: r.ValidTo, Provisional: r.Provisional, Source: r.Source}
}

var scanDepartment = byName(departmentRow.toDomain)

type departmentSubmissionRow struct {
	departmentRow
	DueOn       time.Time  `db:"due_on"`
	SubmittedAt *time.Time `db:"submitted_at"`
	Drafted     bool       `db:"drafted"`
}

func (r departmentSubmissionRow) toDomain() domain.DepartmentSubmission {
	return domain.DepartmentSubmission{Department: r.departmentRow.toDomain(), DueOn: r.DueOn, SubmittedAt: r.SubmittedAt,
		Drafted: r.Drafted}
}

var scanDepartmentSubmission = byName(departmentSubmissionRow.toDomain)

// DepartmentSubmissions returns the report of period of each department that
// is a member on due, by code: a department that saved nothing yet has due
// as its due date. Read in the province's scope, whoever asks, as
// ReportSubmissions is.
func (s *AnalyticsStore) DepartmentSubmissions(ctx context.Context, period string, due time.Time) ([]domain.DepartmentSubmission, error) {
	const q = `SELECT ` + departmentColumns + `, coalesce(r.due_on, $2) AS due_on, r.submitted_at,
  coalesce(r.figures IS NOT NULL OR r.narrative IS NOT NULL, false) AS drafted
FROM department d LEFT JOIN periodic_report r ON r.department_id = d.id AND r.period = $1 AND r.deleted_at IS NULL
WHERE d.valid_from <= $2 AND (d.valid_to IS NULL OR d.valid_to > $2) ORDER BY d.code`
	subs, err := readProvince(ctx, s.pool, scanDepartmentSubmission, q, []any{period, due})
	if err != nil {
		return nil, fmt.Errorf("read the departments' reports: %w", err)
	}
	return subs, nil
}

// Departments lists the Board's member departments (reference data, the same
// for every area), by code.
func (s *ChildStore) Departments(ctx context.Context, scope domain.Scope) ([]domain.Department, error) {
	ds, err := readInArea(ctx, s.pool, scope, scanDepartment, `SELECT `+departmentColumns+` FROM department d ORDER BY d.code`, nil)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	return ds, nil
}

// DepartmentsByID returns the departments among ids.
func (s *ChildStore) DepartmentsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Department, error) {
	ds, err := readInArea(ctx, s.pool, scope, scanDepartment,
		`SELECT `+departmentColumns+` FROM department d WHERE d.id = ANY ($1::bigint[])`, []any{ids})
	if err != nil {
		return nil, fmt.Errorf("read departments: %w", err)
	}
	return ds, nil
}

// reportDue is the due date of period's report under the rules of
// report_due_rule; a period with no rule is INVALID_INPUT on field.
func reportDue(ctx context.Context, tx pgx.Tx, field, period string) (time.Time, error) {
	kind, year, err := domain.ReportKind(field, period)
	if err != nil {
		return time.Time{}, err
	}
	var due time.Time
	err = tx.QueryRow(ctx, `SELECT make_date($2, due_month, due_day) FROM report_due_rule WHERE kind = $1`, kind, year).Scan(&due)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, domain.Invalid(field, "no due-date rule for the %s report %s", kind, period)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read the due-date rule of %s: %w", period, MapError(err))
	}
	return due, nil
}

// reportDueIn reads a due date in a read-only transaction of scope (the rules
// are the same for every area).
func reportDueIn(ctx context.Context, pool *pgxpool.Pool, scope domain.Scope, period string) (time.Time, error) {
	var due time.Time
	err := inArea(ctx, pool, scope, true, func(tx pgx.Tx) (err error) {
		due, err = reportDue(ctx, tx, "period", period)
		return err
	})
	return due, err
}

// ReportDue is the due date of period's report ("2025-H1" or "2025").
func (s *ChildStore) ReportDue(ctx context.Context, scope domain.Scope, period string) (time.Time, error) {
	return reportDueIn(ctx, s.pool, scope, period)
}

// ReportDue is the due date of period's report, for the periodic statistics.
func (s *AnalyticsStore) ReportDue(ctx context.Context, period string) (time.Time, error) {
	return reportDueIn(ctx, s.pool, domain.Scope{All: true}, period)
}

// SubmitReport saves the content of a unit's or a department's report (whose
// UnitID is the province's) for in.Period, creating the report with the due date of its rule when it has
// none yet, and submits it unless in.Draft. A unit outside scope, or a
// department's report for an area short of the province, is FORBIDDEN; a
// department that is not a member on the due date is INVALID_INPUT; a report
// already submitted is CONFLICT. The write is audited in its transaction.
func (s *ChildStore) SubmitReport(ctx context.Context, scope domain.Scope, in domain.ReportInput) (domain.Report, error) {
	dept := in.DepartmentCode != ""
	if (dept && !scope.All) || (!dept && !scope.Contains(in.UnitID)) {
		field := "unit"
		if dept {
			field = "department"
		}
		return domain.Report{}, &domain.Error{Code: domain.CodeForbidden, Field: field,
			Message: "this report is not one of your area's"}
	}
	var out domain.Report
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		due, err := reportDue(ctx, tx, "period", in.Period)
		if err != nil {
			return domain.Collect(err, in.Content.Validate())
		}
		unitID, deptID := in.UnitID, (*int)(nil)
		if dept {
			d, err := departmentOn(ctx, tx, in.DepartmentCode, due)
			if err != nil {
				return domain.Collect(err, in.Content.Validate())
			}
			deptID = &d
		}
		if err := in.Content.Validate(); err != nil {
			return err
		}
		figures := make([]reportFigure, len(in.Content.Figures))
		for i, f := range in.Content.Figures {
			figures[i] = reportFigure{Key: f.Key, Value: f.Value}
		}
		doc, err := json.Marshal(figures)
		if err != nil {
			return fmt.Errorf("encode figures: %w", err)
		}
		var submitted *time.Time
		if !in.Draft {
			now := time.Now()
			submitted = &now
		}
		var id int64
		var was *time.Time
		err = tx.QueryRow(ctx, `SELECT id, submitted_at FROM periodic_report
		  WHERE period = $1 AND deleted_at IS NULL AND (department_id = $2 OR ($2 IS NULL AND department_id IS NULL AND unit_id = $3))
		  FOR UPDATE`, in.Period, deptID, unitID).Scan(&id, &was)
		fields := []string{"figures", "narrative"}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			err = tx.QueryRow(ctx, `INSERT INTO periodic_report (unit_id, department_id, period, due_on, figures, narrative, submitted_at)
			  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				unitID, deptID, in.Period, due, doc, in.Content.Narrative, submitted).Scan(&id)
			if err != nil {
				return err
			}
			fields = append([]string{"unit", "department", "period", "dueOn"}, fields...)
		case err != nil:
			return err
		case was != nil:
			return domain.Errorf(domain.CodeConflict, "the report of %s was submitted on %s and cannot change",
				in.Period, was.In(domain.Vietnam).Format(time.DateOnly))
		default:
			if _, err := tx.Exec(ctx, `UPDATE periodic_report SET figures = $2, narrative = $3, submitted_at = $4 WHERE id = $1`,
				id, doc, in.Content.Narrative, submitted); err != nil {
				return err
			}
		}
		if submitted != nil {
			fields = append(fields, "submittedAt")
		}
		rows, err := tx.Query(ctx, `SELECT `+reportColumns+` FROM periodic_report x WHERE x.id = $1`, id)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanReport); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "Report", []int64{id}, fields)
	})
	if err != nil {
		return domain.Report{}, fmt.Errorf("submit report: %w", err)
	}
	return out, nil
}

// departmentOn resolves a department's code to one that is a member on day.
func departmentOn(ctx context.Context, tx pgx.Tx, code string, day time.Time) (int, error) {
	var id int
	var inForce bool
	err := tx.QueryRow(ctx, `SELECT id, valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2) FROM department WHERE code = $1`,
		code, day).Scan(&id, &inForce)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, domain.Invalid("department", "no member department with this code")
	case err != nil:
		return 0, fmt.Errorf("read department: %w", err)
	case !inForce:
		return 0, domain.Invalid("department", "not a member department on the due date %s", day.Format(time.DateOnly))
	}
	return id, nil
}

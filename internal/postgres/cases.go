package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// caseColumns lists the columns of caseRow.
const caseColumns = `x.id, x.child_id, x.unit_id, x.case_type, x.status, x.received_at, x.initial_assessed_at,
  x.emergency_needed, x.emergency_measures_at, x.detailed_assessed_at, x.plan_drafted_at, x.plan_approved_at,
  x.in_progress_at, x.reviewed_at, x.closed_at, x.outcome, x.emergency_deadline, x.plan_deadline, x.previous_case_id,
  x.approval_deadline`

// caseRow is a protection_case row as caseColumns selects it.
type caseRow struct {
	ID                  int64             `db:"id"`
	ChildID             int64             `db:"child_id"`
	UnitID              int               `db:"unit_id"`
	Type                string            `db:"case_type"`
	Status              domain.CaseStatus `db:"status"`
	ReceivedAt          time.Time         `db:"received_at"`
	InitialAssessedAt   *time.Time        `db:"initial_assessed_at"`
	EmergencyNeeded     *bool             `db:"emergency_needed"`
	EmergencyMeasuresAt *time.Time        `db:"emergency_measures_at"`
	DetailedAssessedAt  *time.Time        `db:"detailed_assessed_at"`
	PlanDraftedAt       *time.Time        `db:"plan_drafted_at"`
	PlanApprovedAt      *time.Time        `db:"plan_approved_at"`
	InProgressAt        *time.Time        `db:"in_progress_at"`
	ReviewedAt          *time.Time        `db:"reviewed_at"`
	ClosedAt            *time.Time        `db:"closed_at"`
	Outcome             *string           `db:"outcome"`
	EmergencyDeadline   time.Time         `db:"emergency_deadline"`
	PlanDeadline        time.Time         `db:"plan_deadline"`
	PreviousCaseID      *int64            `db:"previous_case_id"`
	ApprovalDeadline    time.Time         `db:"approval_deadline"`
}

func (r caseRow) toDomain() domain.Case {
	return domain.Case{
		ID:                  r.ID,
		ChildID:             r.ChildID,
		UnitID:              r.UnitID,
		Type:                r.Type,
		Status:              r.Status,
		ReceivedAt:          r.ReceivedAt,
		InitialAssessedAt:   r.InitialAssessedAt,
		EmergencyNeeded:     r.EmergencyNeeded,
		EmergencyMeasuresAt: r.EmergencyMeasuresAt,
		DetailedAssessedAt:  r.DetailedAssessedAt,
		PlanDraftedAt:       r.PlanDraftedAt,
		PlanApprovedAt:      r.PlanApprovedAt,
		InProgressAt:        r.InProgressAt,
		ReviewedAt:          r.ReviewedAt,
		ClosedAt:            r.ClosedAt,
		Outcome:             r.Outcome,
		EmergencyDeadline:   r.EmergencyDeadline,
		PlanDeadline:        r.PlanDeadline,
		PreviousCaseID:      r.PreviousCaseID,
		ApprovalDeadline:    r.ApprovalDeadline,
	}
}

var scanCase = byName(caseRow.toDomain)

// ListCases returns a page p of the protection cases of children in scope,
// in order o (by date: when received).
func (s *ChildStore) ListCases(ctx context.Context, scope domain.Scope, f domain.CaseFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.Case, bool, error) {
	q := caseWhere(scope, f)
	order, limit := datedPageTail(q, "x.received_at", "timestamptz", o, p)
	sql := "SELECT " + caseColumns + " FROM protection_case x JOIN child c ON c.id = x.child_id" + q.whereSQL() +
		" ORDER BY " + order + " LIMIT " + limit
	out, err := readInArea(ctx, s.pool, scope, scanCase, sql, q.args)
	if err != nil {
		return nil, false, fmt.Errorf("list cases: %w", err)
	}
	out, more := pageRows(out, p)
	return out, more, nil
}

// CountCases counts the cases ListCases would list.
func (s *ChildStore) CountCases(ctx context.Context, scope domain.Scope, f domain.CaseFilter) (int, error) {
	q := caseWhere(scope, f)
	var n int
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*) FROM protection_case x JOIN child c ON c.id = x.child_id"+q.whereSQL(),
			q.args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count cases: %w", err)
	}
	return n, nil
}

func caseWhere(scope domain.Scope, f domain.CaseFilter) *query {
	q := &query{}
	q.and("x.deleted_at IS NULL AND c.deleted_at IS NULL")
	q.inUnits("c.commune_id", scope)
	caseConditions(q, f)
	return q
}

// caseConditions adds the conditions of f and its sub-filters to q.
func caseConditions(q *query, f domain.CaseFilter) {
	if f.UnitIDs != nil {
		q.and("c.commune_id = ANY($?)", unitArray(f.UnitIDs))
	}
	if f.ChildID != 0 {
		q.and("x.child_id = $?", f.ChildID)
	}
	if len(f.Types) > 0 {
		q.and("x.case_type = ANY($?)", f.Types)
	}
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			statuses[i] = string(st)
		}
		q.and("x.status = ANY($?)", statuses)
	}
	if f.ReceivedFrom != nil {
		q.and("x.received_at >= $?", *f.ReceivedFrom)
	}
	if f.ReceivedBefore != nil {
		q.and("x.received_at < $?", *f.ReceivedBefore)
	}
	if f.OpenOnly {
		q.and("x.closed_at IS NULL")
	}
	for _, sub := range f.And {
		caseConditions(q, sub)
	}
	anyOf(q, f.Or, func(b domain.CaseFilter) { caseConditions(q, b) })
}

// Case returns one case of a child in scope, or NOT_FOUND.
func (s *ChildStore) Case(ctx context.Context, scope domain.Scope, id int64) (domain.Case, error) {
	var c domain.Case
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		var err error
		c, err = caseByID(ctx, tx, scope, id, false)
		return err
	})
	return c, err
}

// CasesByID returns the protection cases among ids of children in scope.
func (s *ChildStore) CasesByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Case, error) {
	q := caseWhere(scope, domain.CaseFilter{})
	q.and("x.id = ANY($?)", ids)
	sql := "SELECT " + caseColumns + " FROM protection_case x JOIN child c ON c.id = x.child_id" + q.whereSQL() + " ORDER BY x.id"
	out, err := readInArea(ctx, s.pool, scope, scanCase, sql, q.args)
	if err != nil {
		return nil, fmt.Errorf("load cases: %w", err)
	}
	return out, nil
}

func caseByID(ctx context.Context, tx pgx.Tx, scope domain.Scope, id int64, lock bool) (domain.Case, error) {
	q := caseWhere(scope, domain.CaseFilter{})
	q.and("x.id = $?", id)
	sql := "SELECT " + caseColumns + " FROM protection_case x JOIN child c ON c.id = x.child_id" + q.whereSQL()
	if lock {
		sql += " FOR UPDATE OF x"
	}
	rows, err := tx.Query(ctx, sql, q.args...)
	if err != nil {
		return domain.Case{}, err
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	if err == pgx.ErrNoRows {
		return c, domain.Errorf(domain.CodeNotFound, "no case %d", id)
	}
	return c, err
}

// OpenCase records the receipt of a case about a child in scope, fixing its
// deadlines: 12 hours for emergency measures, and the working days of
// case_deadline for drafting and approving the plan (over public_holiday).
func (s *ChildStore) OpenCase(ctx context.Context, scope domain.Scope, n domain.NewCase) (domain.Case, error) {
	now := s.now()
	if err := n.Validate(now); err != nil {
		return domain.Case{}, err
	}
	var c domain.Case
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		child, err := childForWrite(ctx, tx, scope, n.ChildID)
		if err != nil {
			return err
		}
		if err := domain.NotBeforeBirth(ctx, "receivedAt", n.ReceivedAt.In(domain.Vietnam), child.BirthDate, child.ID); err != nil {
			return err
		}
		if n.PreviousCaseID != nil {
			// Only a finished case of the same child, in the caller's area, can be restarted.
			prev, err := caseByID(ctx, tx, scope, *n.PreviousCaseID, false)
			if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
				return err
			}
			if err != nil || prev.ChildID != n.ChildID || prev.Status != domain.CaseReplanned {
				return domain.Invalid("previousCaseId", "must be a replanned case of the same child")
			}
		}
		if err := unitValidOn(ctx, tx, child.CommuneID, n.ReceivedAt.In(domain.Vietnam), "receivedAt"); err != nil {
			return err
		}
		if err := lockCalendar(ctx, tx); err != nil {
			return err
		}
		rules, err := LoadCaseRules(ctx, tx)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO protection_case AS x (child_id, unit_id, case_type, received_at,
		    emergency_deadline, plan_deadline, approval_deadline, previous_case_id)
		  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+caseColumns,
			n.ChildID, child.CommuneID, n.Type, n.ReceivedAt, n.ReceivedAt.Add(domain.EmergencyWindow),
			rules.PlanDeadline(n.ReceivedAt), rules.ApprovalDeadline(n.ReceivedAt), n.PreviousCaseID)
		if err != nil {
			return err
		}
		if c, err = pgx.CollectExactlyOneRow(rows, scanCase); err != nil {
			return err
		}
		fields := []string{"child", "commune", "type", "receivedAt", "emergencyDeadline", "planDeadline", "approvalDeadline"}
		if n.PreviousCaseID != nil {
			fields = append(fields, "previousCaseId")
		}
		return RecordWriteTx(ctx, tx, "ProtectionCase", []int64{c.ID}, fields)
	})
	if err != nil {
		return domain.Case{}, fmt.Errorf("open case: %w", err)
	}
	return c, nil
}

// AdvanceCase records the next Decree 56 step of a case in scope; a skipped,
// repeated or out-of-order step is refused by domain.Case.Advance.
func (s *ChildStore) AdvanceCase(ctx context.Context, scope domain.Scope, id int64, step domain.CaseStep) (domain.Case, error) {
	var c domain.Case
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		cur, err := caseByID(ctx, tx, scope, id, true)
		if err != nil {
			return err
		}
		if c, err = cur.Advance(step, s.now()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE protection_case SET status = $2, initial_assessed_at = $3, emergency_needed = $4,
		    emergency_measures_at = $5, detailed_assessed_at = $6, plan_drafted_at = $7, plan_approved_at = $8,
		    in_progress_at = $9, reviewed_at = $10, closed_at = $11, outcome = $12
		  WHERE id = $1`, id, string(c.Status), c.InitialAssessedAt, c.EmergencyNeeded, c.EmergencyMeasuresAt,
			c.DetailedAssessedAt, c.PlanDraftedAt, c.PlanApprovedAt, c.InProgressAt, c.ReviewedAt, c.ClosedAt, c.Outcome)
		if err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "ProtectionCase", []int64{id}, step.Fields())
	})
	if err != nil {
		return domain.Case{}, fmt.Errorf("advance case %d: %w", id, err)
	}
	return c, nil
}

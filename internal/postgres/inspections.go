package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// The columns of an inspection's records, for the generic lists (eventLists).
const (
	inspectionColumns     = "x.id, x.unit_id, x.inspecting_unit_id, x.topic, x.planned_from, x.planned_to"
	findingColumns        = "x.id, x.inspection_id, x.unit_id, x.found_on, x.summary"
	recommendationColumns = "x.id, x.finding_id, x.unit_id, x.issued_on, x.text, x.due_on, x.resolved_on"
)

type inspectionRow struct {
	ID               int64     `db:"id"`
	UnitID           int       `db:"unit_id"`
	InspectingUnitID int       `db:"inspecting_unit_id"`
	Topic            string    `db:"topic"`
	PlannedFrom      time.Time `db:"planned_from"`
	PlannedTo        time.Time `db:"planned_to"`
}

func (r inspectionRow) toDomain() domain.Inspection {
	return domain.Inspection{ID: r.ID, UnitID: r.UnitID, InspectingUnitID: r.InspectingUnitID, Topic: r.Topic,
		PlannedFrom: r.PlannedFrom, PlannedTo: r.PlannedTo}
}

type findingRow struct {
	ID           int64     `db:"id"`
	InspectionID int64     `db:"inspection_id"`
	UnitID       int       `db:"unit_id"`
	FoundOn      time.Time `db:"found_on"`
	Summary      string    `db:"summary"`
}

func (r findingRow) toDomain() domain.InspectionFinding {
	return domain.InspectionFinding{ID: r.ID, InspectionID: r.InspectionID, UnitID: r.UnitID, FoundOn: r.FoundOn, Summary: r.Summary}
}

type recommendationRow struct {
	ID         int64      `db:"id"`
	FindingID  int64      `db:"finding_id"`
	UnitID     int        `db:"unit_id"`
	IssuedOn   time.Time  `db:"issued_on"`
	Text       string     `db:"text"`
	DueOn      time.Time  `db:"due_on"`
	ResolvedOn *time.Time `db:"resolved_on"`
}

func (r recommendationRow) toDomain() domain.Recommendation {
	return domain.Recommendation{ID: r.ID, FindingID: r.FindingID, UnitID: r.UnitID, IssuedOn: r.IssuedOn, Text: r.Text,
		DueOn: r.DueOn, ResolvedOn: r.ResolvedOn}
}

var (
	scanInspection     = byName(inspectionRow.toDomain)
	scanFinding        = byName(findingRow.toDomain)
	scanRecommendation = byName(recommendationRow.toDomain)
)

// ListInspections lists the inspections of units in scope, by planned start.
func (s *ChildStore) ListInspections(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.Inspection, bool, error) {
	return listEvents(ctx, s, domain.EventInspection, scanInspection, scope, f, o, p)
}

// InspectionsByID returns the inspections among ids that ListInspections shows in scope.
func (s *ChildStore) InspectionsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Inspection, error) {
	return eventsByID(ctx, s, domain.EventInspection, scanInspection, scope, ids)
}

// FindingsByID returns the findings among ids of inspections in scope.
func (s *ChildStore) FindingsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.InspectionFinding, error) {
	return eventsByID(ctx, s, domain.EventInspectionFinding, scanFinding, scope, ids)
}

// RecommendationsByID returns the recommendations among ids of inspections in scope.
func (s *ChildStore) RecommendationsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Recommendation, error) {
	return eventsByID(ctx, s, domain.EventRecommendation, scanRecommendation, scope, ids)
}

// FindingsByInspection returns the findings of the inspections ids in scope.
func (s *ChildStore) FindingsByInspection(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.InspectionFinding, error) {
	return eventsByParent(ctx, s, domain.EventInspectionFinding, "inspection_id", scanFinding, scope, ids)
}

// RecommendationsByFinding returns the recommendations of the findings ids in scope.
func (s *ChildStore) RecommendationsByFinding(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Recommendation, error) {
	return eventsByParent(ctx, s, domain.EventRecommendation, "finding_id", scanRecommendation, scope, ids)
}

// PlanInspection records one inspection per target unit of p, all in the
// caller's area. A target outside the area is refused alone, before any
// problem is told; the plan's own problems come back together with the
// units' (not in force on the planned days).
func (s *ChildStore) PlanInspection(ctx context.Context, scope domain.Scope, p domain.InspectionPlan) ([]domain.Inspection, error) {
	for _, u := range p.UnitIDs {
		if !scope.Contains(u) {
			return nil, &domain.Error{Code: domain.CodeForbidden, Field: "units", Message: "a unit is outside your area"}
		}
	}
	var out []domain.Inspection
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		checks := []error{p.Validate(), unitValidOn(ctx, tx, p.InspectingUnitID, p.PlannedFrom, "inspectingUnit")}
		for _, u := range p.UnitIDs {
			checks = append(checks, unitValidOn(ctx, tx, u, p.PlannedFrom, "units"), unitValidOn(ctx, tx, u, p.PlannedTo, "units"))
		}
		if err := domain.Collect(checks...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO inspection (unit_id, inspecting_unit_id, topic, planned_from, planned_to)
		  SELECT u, $2, $3, $4, $5 FROM unnest($1::int[]) WITH ORDINALITY AS t(u, n) ORDER BY n
		  RETURNING id, unit_id, inspecting_unit_id, topic, planned_from, planned_to`,
			unitArray(p.UnitIDs), p.InspectingUnitID, p.Topic, p.PlannedFrom, p.PlannedTo)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, scanInspection); err != nil {
			return err
		}
		ids := make([]int64, len(out))
		for i, x := range out {
			ids[i] = x.ID
		}
		return RecordWriteTx(ctx, tx, "Inspection", ids, []string{"unit", "inspectingUnit", "topic", "plannedFrom", "plannedTo"})
	})
	if err != nil {
		return nil, fmt.Errorf("plan inspection: %w", err)
	}
	return out, nil
}

// RecordFinding records a finding of an inspection in scope with its
// recommendations, in one transaction: an inspection the caller does not see
// is NOT_FOUND; the finding's problems come back together with the check
// that it falls on or after the planned start.
func (s *ChildStore) RecordFinding(ctx context.Context, scope domain.Scope, f domain.InspectionFinding,
	recs []domain.Recommendation) (domain.InspectionFinding, []domain.Recommendation, error) {
	var out []domain.Recommendation
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		var in domain.Inspection
		rows, err := tx.Query(ctx, "SELECT "+inspectionColumns+" FROM inspection x WHERE x.id = $1 AND x.deleted_at IS NULL", f.InspectionID)
		if err != nil {
			return err
		}
		if in, err = pgx.CollectExactlyOneRow(rows, scanInspection); err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such inspection in your area")
		} else if err != nil {
			return err
		}
		var early error
		if f.FoundOn.Before(in.PlannedFrom) {
			early = domain.Invalid("foundOn", "must not be before the inspection's planned start (%s)", in.PlannedFrom.Format(time.DateOnly))
		}
		if err := domain.Collect(f.Validate(recs, s.today()), early); err != nil {
			return err
		}
		f.UnitID = in.UnitID
		if f.ID, err = insertID(ctx, tx, `INSERT INTO inspection_finding (inspection_id, unit_id, found_on, summary)
		  VALUES ($1, $2, $3, $4) RETURNING id`, f.InspectionID, f.UnitID, f.FoundOn, f.Summary); err != nil {
			return err
		}
		texts, dues := make([]string, len(recs)), make([]time.Time, len(recs))
		for i, r := range recs {
			texts[i], dues[i] = r.Text, r.DueOn
		}
		rows, err = tx.Query(ctx, `INSERT INTO inspection_recommendation (finding_id, unit_id, issued_on, text, due_on)
		  SELECT $1, $2, $3, t, d FROM unnest($4::text[], $5::date[]) WITH ORDINALITY AS r(t, d, n) ORDER BY n
		  RETURNING id, finding_id, unit_id, issued_on, text, due_on, resolved_on`, f.ID, f.UnitID, f.FoundOn, texts, dues)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, scanRecommendation); err != nil {
			return err
		}
		if err := RecordWriteTx(ctx, tx, "InspectionFinding", []int64{f.ID}, []string{"inspection", "foundOn", "summary"}); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		ids := make([]int64, len(out))
		for i, r := range out {
			ids[i] = r.ID
		}
		return RecordWriteTx(ctx, tx, "InspectionRecommendation", ids, []string{"finding", "text", "dueOn"})
	})
	if err != nil {
		return f, nil, fmt.Errorf("record finding: %w", err)
	}
	return f, out, nil
}

// ResolveRecommendation records the day a recommendation in scope was
// resolved; a recommendation the caller does not see is NOT_FOUND.
func (s *ChildStore) ResolveRecommendation(ctx context.Context, scope domain.Scope, id int64, on time.Time) (domain.Recommendation, error) {
	var r domain.Recommendation
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+recommendationColumns+` FROM inspection_recommendation x
		  WHERE x.id = $1 AND x.deleted_at IS NULL FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if r, err = pgx.CollectExactlyOneRow(rows, scanRecommendation); err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such recommendation in your area")
		} else if err != nil {
			return err
		}
		if err := r.ValidateResolution(on, s.today()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE inspection_recommendation SET resolved_on = $2 WHERE id = $1`, id, on); err != nil {
			return err
		}
		r.ResolvedOn = &on
		return RecordWriteTx(ctx, tx, "InspectionRecommendation", []int64{id}, []string{"resolvedOn"})
	})
	if err != nil {
		return r, fmt.Errorf("resolve recommendation: %w", err)
	}
	return r, nil
}

package graph

import (
	"context"
	"strings"
	"time"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Cases is what the case queries and mutations need of the case store.
type Cases interface {
	ListCases(ctx context.Context, s domain.Scope, f domain.CaseFilter, p domain.Page[int64]) ([]domain.Case, bool, error)
	CountCases(ctx context.Context, s domain.Scope, f domain.CaseFilter) (int, error)
	Case(ctx context.Context, s domain.Scope, id int64) (domain.Case, error)
	OpenCase(ctx context.Context, s domain.Scope, n domain.NewCase) (domain.Case, error)
	AdvanceCase(ctx context.Context, s domain.Scope, id int64, step domain.CaseStep) (domain.Case, error)
}

// timeOr is an optional DateTime input, defaulting to now.
func timeOr(t *scalar.DateTime, now time.Time) time.Time {
	if t == nil {
		return now
	}
	return t.Time
}

// caseModel converts a case; the lateness flags are computed as of now.
func caseModel(c domain.Case, now time.Time) *model.ProtectionCase {
	m := &model.ProtectionCase{ID: globalID(nodeCase, c.ID), CaseID: c.ID, Type: model.CaseType(strings.ToUpper(c.Type)),
		Status: model.CaseStatus(strings.ToUpper(string(c.Status))), ReceivedAt: scalar.DateTime{Time: c.ReceivedAt},
		InitialAssessedAt: scalar.DateTimePtr(c.InitialAssessedAt), EmergencyNeeded: c.EmergencyNeeded,
		EmergencyMeasuresAt: scalar.DateTimePtr(c.EmergencyMeasuresAt), DetailedAssessedAt: scalar.DateTimePtr(c.DetailedAssessedAt),
		PlanDraftedAt: scalar.DateTimePtr(c.PlanDraftedAt), PlanApprovedAt: scalar.DateTimePtr(c.PlanApprovedAt),
		InProgressAt: scalar.DateTimePtr(c.InProgressAt), ReviewedAt: scalar.DateTimePtr(c.ReviewedAt), ClosedAt: scalar.DateTimePtr(c.ClosedAt),
		EmergencyDeadline: scalar.DateTime{Time: c.EmergencyDeadline}, PlanDeadline: scalar.DateTime{Time: c.PlanDeadline},
		ApprovalDeadline: scalar.DateTime{Time: c.ApprovalDeadline}, EmergencyLate: c.EmergencyLate(now), PlanLate: c.PlanLate(now),
		ApprovalLate: c.ApprovalLate(now), ChildID: c.ChildID, UnitID: c.UnitID}
	if c.PreviousCaseID != nil {
		id := globalID(nodeCase, *c.PreviousCaseID)
		m.PreviousCaseID = &id
	}
	return m
}

func (r *Resolver) caseFilter(ctx context.Context, in *model.CaseFilter) (domain.CaseFilter, error) {
	var f domain.CaseFilter
	if in == nil {
		return f, nil
	}
	if in.OrgUnit != nil {
		ids, err := r.areaOf(ctx, "filter.orgUnit", *in.OrgUnit, r.today())
		if err != nil {
			return f, err
		}
		f.UnitIDs = ids
	}
	if in.Type != nil {
		f.Type = strings.ToLower(string(*in.Type))
	}
	if in.Status != nil {
		f.Status = domain.CaseStatus(strings.ToLower(string(*in.Status)))
	}
	f.OpenOnly = in.Open != nil && *in.Open
	if in.ReceivedFrom != nil {
		t := vietnamMidnight(in.ReceivedFrom.Time)
		f.ReceivedFrom = &t
	}
	if in.ReceivedTo != nil {
		t := vietnamMidnight(in.ReceivedTo.Time.AddDate(0, 0, 1))
		f.ReceivedBefore = &t
	}
	return f, nil
}

// vietnamMidnight is the start of date d in Vietnam.
func vietnamMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, domain.Vietnam)
}

// areaOf expands an org-unit code of any level to its communes in force on day.
func (r *Resolver) areaOf(ctx context.Context, field, code string, day time.Time) ([]int, error) {
	ids, err := r.Units.AreaUnitIDs(ctx, nfc(code), day)
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeNotFound || c == domain.CodeInvalidInput {
			return nil, domain.Invalid(field, "no org unit with this code on %s", day.Format(time.DateOnly))
		}
		return nil, err
	}
	return ids, nil
}

func (r *Resolver) cases(ctx context.Context, page pageArgs, filter *model.CaseFilter) (*model.ProtectionCaseConnection, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.caseFilter(ctx, filter)
	if err != nil {
		return nil, err
	}
	p, err := r.Cursors.idPage("cases", page)
	if err != nil {
		return nil, err
	}
	cs, more, err := r.Cases.ListCases(ctx, scope, f, p)
	if err != nil {
		return nil, err
	}
	now := r.now()
	edges, info := connect(r.Cursors, "cases", p, cs, more, func(c domain.Case) int64 { return c.ID },
		func(cursor string, c domain.Case) *model.ProtectionCaseEdge {
			return &model.ProtectionCaseEdge{Cursor: cursor, Node: caseModel(c, now)}
		})
	return &model.ProtectionCaseConnection{Edges: edges, PageInfo: info,
		Counter: func(ctx context.Context) (int, error) { return r.Cases.CountCases(ctx, scope, f) }}, nil
}

func (r *Resolver) protectionCase(ctx context.Context, id string) (*model.ProtectionCase, error) {
	scope, cid, err := r.scopedID(ctx, "id", nodeCase, id)
	if err != nil {
		return nil, err
	}
	return r.caseResult(r.Cases.Case(ctx, scope, cid))
}

// caseResult turns a store's answer about one case into the model, its
// lateness judged now.
func (r *Resolver) caseResult(c domain.Case, err error) (*model.ProtectionCase, error) {
	if err != nil {
		return nil, err
	}
	return caseModel(c, r.now()), nil
}

// connect builds a connection's edges and page info from one page of rows
// ordered by id.
func connect[D, E any](c *Cursors, list string, p domain.Page[int64], rows []D, more bool, id func(D) int64,
	edge func(string, D) E) ([]E, *model.PageInfo) {
	edges := make([]E, len(rows))
	cursors := make([]string, len(rows))
	for i, row := range rows {
		cursors[i] = c.seal(keyset{Order: list, ID: id(row)})
		edges[i] = edge(cursors[i], row)
	}
	return edges, pageInfo(cursors, p.Backward, more)
}

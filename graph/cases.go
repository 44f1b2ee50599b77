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
	ListCases(ctx context.Context, s domain.Scope, f domain.CaseFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.Case, bool, error)
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
	if in == nil {
		return domain.CaseFilter{}, nil
	}
	if err := checkFilterTree("filter", in, func(f *model.CaseFilter) ([]*model.CaseFilter, []*model.CaseFilter) {
		return f.And, f.Or
	}); err != nil {
		return domain.CaseFilter{}, err
	}
	return r.caseFilterAt(ctx, "filter", in)
}

// caseFilterAt converts the filter at path, and its sub-filters.
func (r *Resolver) caseFilterAt(ctx context.Context, path string, in *model.CaseFilter) (domain.CaseFilter, error) {
	var f domain.CaseFilter
	var err error
	if f.UnitIDs, err = r.areasOf(ctx, path, in.OrgUnit, in.OrgUnitIn, r.today()); err != nil {
		return f, err
	}
	types, err := oneOrIn(path, "type", in.Type, in.TypeIn)
	if err != nil {
		return f, err
	}
	f.Types = lowerCodes(types)
	statuses, err := oneOrIn(path, "status", in.Status, in.StatusIn)
	if err != nil {
		return f, err
	}
	for _, st := range lowerCodes(statuses) {
		f.Statuses = append(f.Statuses, domain.CaseStatus(st))
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
	f.And, f.Or, err = subFilters(path, in.And, in.Or, func(p string, sub *model.CaseFilter) (domain.CaseFilter, error) {
		return r.caseFilterAt(ctx, p, sub)
	})
	return f, err
}

// vietnamMidnight is the start of date d in Vietnam.
func vietnamMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, domain.Vietnam)
}

// areasOf expands the org units a filter at path gives, as orgUnit or
// orgUnitIn, to their communes in force on day: nil when it gives none.
func (r *Resolver) areasOf(ctx context.Context, path string, one *string, list []string, day time.Time) ([]int, error) {
	codes, err := oneOrIn(path, "orgUnit", one, list)
	if codes == nil || err != nil {
		return nil, err
	}
	field := path + ".orgUnit"
	if list != nil {
		field += "In"
	}
	ids := []int{}
	for _, code := range codes {
		area, err := r.areaOf(ctx, field, code, day)
		if err != nil {
			return nil, err
		}
		ids = append(ids, area...)
	}
	return ids, nil
}

// areaOf expands an org-unit code of any level to its communes in force on
// day, once per request for each code and day.
func (r *Resolver) areaOf(ctx context.Context, field, code string, day time.Time) ([]int, error) {
	key := areaKey{nfc(code), day}
	lookup := func() ([]int, error) { return r.Units.AreaUnitIDs(ctx, key.code, day) }
	var ids []int
	var err error
	if l, lerr := loadersFrom(ctx); lerr == nil {
		ids, err = l.area(key, lookup)
	} else {
		ids, err = lookup()
	}
	if err != nil {
		if c := domain.ErrorCode(err); c == domain.CodeNotFound || c == domain.CodeInvalidInput {
			return nil, domain.Invalid(field, "no org unit with this code on %s", day.Format(time.DateOnly))
		}
		return nil, err
	}
	return ids, nil
}

// caseOrder reads the case list's orderBy.
func caseOrder(in *model.CaseOrder) domain.DatedOrder {
	if in == nil {
		return domain.DatedOrder{}
	}
	return domain.DatedOrder{ByDate: in.Field == model.CaseOrderFieldReceivedAt, Desc: in.Direction == model.OrderDirectionDesc}
}

func (r *Resolver) cases(ctx context.Context, page pageArgs, filter *model.CaseFilter,
	orderBy *model.CaseOrder) (*model.ProtectionCaseConnection, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	f, err := r.caseFilter(ctx, filter)
	if err != nil {
		return nil, err
	}
	o := caseOrder(orderBy)
	list, p, err := r.Cursors.datedPage("cases", o, page)
	if err != nil {
		return nil, err
	}
	cs, more, err := r.Cases.ListCases(ctx, scope, f, o, p)
	if err != nil {
		return nil, err
	}
	now := r.now()
	edges, info := connect(r.Cursors, list, p, cs, more, func(c domain.Case) domain.DatedKey {
		return domain.DatedKey{ID: c.ID, Date: c.ReceivedAt}
	},
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

// connect builds a connection's edges and page info from one page of rows of
// a dated list; key gives each row's keyset.
func connect[D, E any](c *Cursors, list string, p domain.Page[domain.DatedKey], rows []D, more bool,
	key func(D) domain.DatedKey, edge func(string, D) E) ([]E, *model.PageInfo) {
	edges := make([]E, len(rows))
	cursors := make([]string, len(rows))
	for i, row := range rows {
		k := key(row)
		cursors[i] = c.seal(keyset{Order: list, ID: k.ID, Date: k.Date})
		edges[i] = edge(cursors[i], row)
	}
	return edges, pageInfo(cursors, p.Backward, more)
}

package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vikstrous/dataloadgen"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Inspections is what the mutations need to plan inspections, record their
// findings and the follow-up of their recommendations.
type Inspections interface {
	PlanInspection(ctx context.Context, s domain.Scope, p domain.InspectionPlan) ([]domain.Inspection, error)
	RecordFinding(ctx context.Context, s domain.Scope, f domain.InspectionFinding,
		recs []domain.Recommendation) (domain.InspectionFinding, []domain.Recommendation, error)
	ResolveRecommendation(ctx context.Context, s domain.Scope, id int64, on time.Time) (domain.Recommendation, error)
}

func inspectionModel(x domain.Inspection) *model.Inspection {
	return &model.Inspection{ID: globalID(nodeInspection, x.ID), Topic: enumOf[model.InspectionTopic](x.Topic),
		PlannedFrom: scalar.Date{Time: x.PlannedFrom}, PlannedTo: scalar.Date{Time: x.PlannedTo}, RowID: x.ID,
		UnitID: x.UnitID, InspectingUnitID: x.InspectingUnitID}
}

func findingModel(x domain.InspectionFinding) *model.InspectionFinding {
	return &model.InspectionFinding{ID: globalID(nodeFinding, x.ID), FoundOn: scalar.Date{Time: x.FoundOn}, Summary: x.Summary,
		RowID: x.ID, InspectionID: x.InspectionID}
}

// recommendationModel answers the status on the server's today.
func (r *Resolver) recommendationModel(x domain.Recommendation) *model.InspectionRecommendation {
	return &model.InspectionRecommendation{ID: globalID(nodeRecommendation, x.ID), Text: x.Text, DueOn: scalar.Date{Time: x.DueOn},
		ResolvedOn: datePtr(x.ResolvedOn), Status: enumOf[model.RecommendationStatus](string(x.Status(r.today()))),
		FindingID: x.FindingID}
}

func (r *Resolver) inspections(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.InspectionConnection, error) {
	edges, info, count, err := eventList(ctx, r, "inspections", domain.EventInspection, page, f, o, r.Events.ListInspections,
		func(x domain.Inspection) (int64, time.Time) { return x.ID, x.PlannedFrom }, inspectionModel,
		func(c string, n *model.Inspection) *model.InspectionEdge {
			return &model.InspectionEdge{Cursor: c, Node: n}
		})
	return &model.InspectionConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

// inspectionUnit shows a unit of an inspection as it was on the first planned
// day: a district inspected in 2024 has been abolished since.
func (r *Resolver) inspectionUnit(ctx context.Context, x *model.Inspection, id int) (*model.OrgUnit, error) {
	return r.unitByID(ctx, id, x.PlannedFrom.Time)
}

func (r *Resolver) inspectionFindings(ctx context.Context, x *model.Inspection) ([]*model.InspectionFinding, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.InspectionFinding] { return l.findings },
		x.RowID, findingModel)
}

func (r *Resolver) findingRecommendations(ctx context.Context, x *model.InspectionFinding) ([]*model.InspectionRecommendation, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.Recommendation] { return l.recommendations },
		x.RowID, r.recommendationModel)
}

// findingInspection and recommendationFinding go up an edge: the parent shares
// its child's unit, so the caller's area shows it whenever it shows the child.
func (r *Resolver) findingInspection(ctx context.Context, x *model.InspectionFinding) (*model.Inspection, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	d, err := l.inspectionsByID.Load(ctx, x.InspectionID)
	return parentOf(d, err, inspectionModel, "inspection", x.InspectionID)
}

func (r *Resolver) recommendationFinding(ctx context.Context, x *model.InspectionRecommendation) (*model.InspectionFinding, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	d, err := l.findingsByID.Load(ctx, x.FindingID)
	return parentOf(d, err, findingModel, "finding", x.FindingID)
}

// parentOf converts a parent loaded for an edge; a parent the loader does not
// find is NOT_FOUND (deleted under its child).
func parentOf[D, M any](d D, err error, conv func(D) M, what string, id int64) (M, error) {
	var zero M
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return zero, domain.Errorf(domain.CodeNotFound, "no %s %d", what, id)
	}
	if err != nil {
		return zero, err
	}
	return conv(d), nil
}

func (r *Resolver) planInspection(ctx context.Context, in model.PlanInspectionInput) (*model.PlanInspectionPayload, error) {
	xs, err := r.newInspections(ctx, in)
	return answer(ctx, "input", xs, err, func(xs []*model.Inspection, errs []*model.UserError) *model.PlanInspectionPayload {
		return &model.PlanInspectionPayload{Inspections: xs, Errors: errs}
	})
}

// newInspections resolves every unit code of the plan, so that unknown codes,
// targets of the wrong level and the plan's own problems come back together.
func (r *Resolver) newInspections(ctx context.Context, in model.PlanInspectionInput) ([]*model.Inspection, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	from := in.PlannedFrom.Time
	p := domain.InspectionPlan{Topic: mustCodeOf(in.Topic, domain.InspectionTopics), PlannedFrom: from, PlannedTo: in.PlannedTo.Time}
	inspecting, inspectingErr := r.unitAtLevel(ctx, "inspectingUnit", in.InspectingUnit, from, "")
	p.InspectingUnitID = inspecting
	errs := []error{inspectingErr}
	level := domain.TargetLevel(from)
	seen := map[int]bool{}
	for i, code := range in.Units {
		id, err := r.unitAtLevel(ctx, fmt.Sprintf("units.%d", i), code, from, level)
		if err == nil && seen[id] {
			err = domain.Invalid(fmt.Sprintf("units.%d", i), "names a unit given before")
		}
		seen[id] = true
		errs = append(errs, err)
		// An unresolved code (id 0) still counts toward the plan's size; the
		// store is not called then.
		p.UnitIDs = append(p.UnitIDs, id)
	}
	if err := domain.Collect(errs...); err != nil {
		// The plan's own problems come back with the units'.
		return nil, domain.Collect(err, p.Validate())
	}
	xs, err := r.Inspections.PlanInspection(ctx, scope, p)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Inspection, len(xs))
	for i, x := range xs {
		out[i] = inspectionModel(x)
	}
	return out, nil
}

func (r *Resolver) recordInspectionFinding(ctx context.Context, in model.InspectionFindingInput) (*model.RecordInspectionFindingPayload, error) {
	f, err := r.newFinding(ctx, in)
	return answer(ctx, "input", f, err, func(f *model.InspectionFinding, errs []*model.UserError) *model.RecordInspectionFindingPayload {
		return &model.RecordInspectionFindingPayload{Finding: f, Errors: errs}
	})
}

func (r *Resolver) newFinding(ctx context.Context, in model.InspectionFindingInput) (*model.InspectionFinding, error) {
	f := domain.InspectionFinding{FoundOn: in.FoundOn.Time, Summary: nfc(in.Summary)}
	recs := make([]domain.Recommendation, len(in.Recommendations))
	for i, x := range in.Recommendations {
		recs[i] = domain.Recommendation{Text: nfc(x.Text), DueOn: x.DueOn.Time}
	}
	id, idErr := nodeID("inspectionId", nodeInspection, in.InspectionID)
	if idErr != nil {
		return nil, domain.Collect(idErr, f.Validate(recs, r.today()))
	}
	f.InspectionID = id
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	if f, _, err = r.Inspections.RecordFinding(ctx, scope, f, recs); err != nil {
		return nil, err
	}
	return findingModel(f), nil
}

func (r *Resolver) resolveInspectionRecommendation(ctx context.Context, in model.ResolveRecommendationInput) (*model.ResolveInspectionRecommendationPayload, error) {
	x, err := r.resolveRecommendation(ctx, in)
	return answer(ctx, "input", x, err, func(x *model.InspectionRecommendation, errs []*model.UserError) *model.ResolveInspectionRecommendationPayload {
		return &model.ResolveInspectionRecommendationPayload{Recommendation: x, Errors: errs}
	})
}

func (r *Resolver) resolveRecommendation(ctx context.Context, in model.ResolveRecommendationInput) (*model.InspectionRecommendation, error) {
	id, idErr := nodeID("recommendationId", nodeRecommendation, in.RecommendationID)
	if idErr != nil {
		return nil, domain.Collect(idErr, domain.NotFuture("resolvedOn", in.ResolvedOn.Time, r.today()))
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	x, err := r.Inspections.ResolveRecommendation(ctx, scope, id, in.ResolvedOn.Time)
	if err != nil {
		return nil, err
	}
	return r.recommendationModel(x), nil
}

package graph

import (
	"context"
	"time"

	"github.com/vikstrous/dataloadgen"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// ChildrenEvents is what the mutations need to record the Action Months and
// children's forums, and the children's recommendations with their answers.
type ChildrenEvents interface {
	RecordChildrenEvent(ctx context.Context, s domain.Scope, e domain.ChildrenEvent) (int64, error)
	DeleteChildrenEvent(ctx context.Context, s domain.Scope, id int64) (domain.ChildrenEvent, error)
	AddForumRecommendation(ctx context.Context, s domain.Scope, r domain.ForumRecommendation) (domain.ForumRecommendation, error)
	RespondToForumRecommendation(ctx context.Context, s domain.Scope, id int64, unit int, answer string,
		on time.Time) (domain.ForumRecommendation, error)
}

func childrenEventModel(x domain.ChildrenEvent) *model.ChildrenEvent {
	e := &model.ChildrenEvent{ID: globalID(nodeChildrenEvent, x.ID), Kind: enumOf[model.ChildrenEventKind](x.Kind),
		StartsOn: scalar.Date{Time: x.StartsOn}, EndsOn: scalar.Date{Time: x.EndsOn}, Title: x.Title, Theme: x.Theme,
		Officials: x.Officials, Children: x.Children(), ReportDueOn: scalar.Date{Time: x.ReportDueOn()}, RowID: x.ID,
		UnitID: x.UnitID, Participants: make([]*model.ChildrenEventParticipants, len(x.Participants))}
	for i, p := range x.Participants {
		e.Participants[i] = &model.ChildrenEventParticipants{AgeBand: p.AgeBand, Female: p.Female, Male: p.Male}
	}
	return e
}

func forumRecommendationModel(x domain.ForumRecommendation) *model.ForumRecommendation {
	return &model.ForumRecommendation{ID: globalID(nodeForumRecommendation, x.ID), RowID: x.ID, Text: x.Text, DueOn: scalar.Date{Time: x.DueOn},
		Answer: x.Answer, AnsweredOn: datePtr(x.AnsweredOn), Status: enumOf[model.ForumRecommendationStatus](string(x.Status())),
		EventID: x.EventID, RespondingUnitID: x.RespondingUnitID}
}

func childrenEventPayload(x *model.ChildrenEvent, errs []*model.UserError) *model.RecordChildrenEventPayload {
	return &model.RecordChildrenEventPayload{ChildrenEvent: x, Errors: errs}
}

func forumRecommendationPayload(x *model.ForumRecommendation, errs []*model.UserError) *model.ForumRecommendationPayload {
	return &model.ForumRecommendationPayload{Recommendation: x, Errors: errs}
}

func (r *Resolver) childrenEvents(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.ChildrenEventConnection, error) {
	edges, info, count, err := eventList(ctx, r, "childrenEvents", domain.EventChildrenEvent, page, f, o, r.Events.ListChildrenEvents,
		func(x domain.ChildrenEvent) (int64, time.Time) { return x.ID, x.StartsOn }, childrenEventModel,
		func(c string, n *model.ChildrenEvent) *model.ChildrenEventEdge {
			return &model.ChildrenEventEdge{Cursor: c, Node: n}
		})
	return &model.ChildrenEventConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) childrenEventRecommendations(ctx context.Context, x *model.ChildrenEvent) ([]*model.ForumRecommendation, error) {
	return loadList(ctx, func(l *loaders) *dataloadgen.Loader[int64, []domain.ForumRecommendation] {
		return l.forumRecommendations
	},
		x.RowID, forumRecommendationModel)
}

// recommendationEvent goes up an edge: the event shares its recommendation's
// unit, so the caller's area shows it whenever it shows the recommendation.
func (r *Resolver) recommendationEvent(ctx context.Context, x *model.ForumRecommendation) (*model.ChildrenEvent, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return nil, err
	}
	d, err := l.childrenEventsByID.Load(ctx, x.EventID)
	return parentOf(d, err, childrenEventModel, "children's event", x.EventID)
}

// respondingUnit shows the answering unit as it was on the day it answered.
func (r *Resolver) respondingUnit(ctx context.Context, x *model.ForumRecommendation) (*model.OrgUnit, error) {
	if x.RespondingUnitID == nil || x.AnsweredOn == nil {
		return nil, nil
	}
	return r.unitByID(ctx, *x.RespondingUnitID, x.AnsweredOn.Time)
}

func (r *Resolver) recordChildrenEvent(ctx context.Context, in model.ChildrenEventInput) (*model.RecordChildrenEventPayload, error) {
	e, err := r.newChildrenEvent(ctx, in)
	return answer(ctx, "input", e, err, childrenEventPayload)
}

// newChildrenEvent resolves the unit on the first day and checks the event's
// rules with it, so that every problem of the input comes back at once; a
// unit outside the area is the store's FORBIDDEN.
func (r *Resolver) newChildrenEvent(ctx context.Context, in model.ChildrenEventInput) (*model.ChildrenEvent, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	e := domain.ChildrenEvent{Kind: mustCodeOf(in.Kind, domain.ChildrenEventKinds), StartsOn: in.StartsOn.Time, EndsOn: in.EndsOn.Time,
		Title: nfc(in.Title), Theme: nfc(in.Theme), Officials: in.Officials,
		Participants: make([]domain.EventParticipants, len(in.Participants))}
	for i, p := range in.Participants {
		e.Participants[i] = domain.EventParticipants{AgeBand: p.AgeBand, Female: p.Female, Male: p.Male}
	}
	unit, unitErr := r.unitAtLevel(ctx, "unit", in.Unit, e.StartsOn, "")
	if unitErr != nil {
		return nil, domain.Collect(unitErr, e.Validate(r.today()))
	}
	e.UnitID = unit
	if e.ID, err = r.ChildrenEvents.RecordChildrenEvent(ctx, scope, e); err != nil {
		return nil, err
	}
	return childrenEventModel(e), nil
}

func (r *Resolver) deleteChildrenEvent(ctx context.Context, id string) (*model.RecordChildrenEventPayload, error) {
	e, err := r.removeChildrenEvent(ctx, id)
	return answer(ctx, "", e, err, childrenEventPayload)
}

func (r *Resolver) removeChildrenEvent(ctx context.Context, gid string) (*model.ChildrenEvent, error) {
	id, err := nodeID("id", nodeChildrenEvent, gid)
	if err != nil {
		return nil, err
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	e, err := r.ChildrenEvents.DeleteChildrenEvent(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	return childrenEventModel(e), nil
}

func (r *Resolver) addForumRecommendation(ctx context.Context, in model.ForumRecommendationInput) (*model.ForumRecommendationPayload, error) {
	x, err := r.newForumRecommendation(ctx, in)
	return answer(ctx, "input", x, err, forumRecommendationPayload)
}

func (r *Resolver) newForumRecommendation(ctx context.Context, in model.ForumRecommendationInput) (*model.ForumRecommendation, error) {
	rec := domain.ForumRecommendation{Text: nfc(in.Text)}
	id, idErr := nodeID("eventId", nodeChildrenEvent, in.EventID)
	if idErr != nil {
		return nil, domain.Collect(idErr, rec.ValidateText())
	}
	rec.EventID = id
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	if rec, err = r.ChildrenEvents.AddForumRecommendation(ctx, scope, rec); err != nil {
		return nil, err
	}
	return forumRecommendationModel(rec), nil
}

func (r *Resolver) respondToForumRecommendation(ctx context.Context, in model.ForumResponseInput) (*model.ForumRecommendationPayload, error) {
	x, err := r.forumResponse(ctx, in)
	return answer(ctx, "input", x, err, forumRecommendationPayload)
}

// forumResponse resolves the responding unit on the answer's day; its
// problems come back with the answer's own and the id's.
func (r *Resolver) forumResponse(ctx context.Context, in model.ForumResponseInput) (*model.ForumRecommendation, error) {
	on, answerText := in.AnsweredOn.Time, nfc(in.Answer)
	id, idErr := nodeID("recommendationId", nodeForumRecommendation, in.RecommendationID)
	unit, unitErr := r.unitAtLevel(ctx, "respondingUnit", in.RespondingUnit, on, "")
	if idErr != nil || unitErr != nil {
		// The forum's last day is not known here: the answer's day is checked against today only.
		return nil, domain.Collect(idErr, unitErr, domain.ForumRecommendation{}.ValidateAnswer(answerText, on, r.today()))
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	x, err := r.ChildrenEvents.RespondToForumRecommendation(ctx, scope, id, unit, answerText, on)
	if err != nil {
		return nil, err
	}
	return forumRecommendationModel(x), nil
}

package graph

import (
	"context"
	"time"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Events is what the lists of dated records need: one page of a kind, and
// its count on demand.
type Events interface {
	ListInjuries(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.Injury, bool, error)
	ListSupports(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.Support, bool, error)
	ListGiftVisits(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.GiftVisit, bool, error)
	ListSwimmingClasses(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.SwimmingClass, bool, error)
	ListServicePoints(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.ServicePoint, bool, error)
	ListCommunicationActivities(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.CommunicationActivity, bool, error)
	ListPlanActivities(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.PlanActivity, bool, error)
	ListReports(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.Report, bool, error)
	ListTrainingCourses(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.TrainingCourse, bool, error)
	ListInspections(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.Inspection, bool, error)
	ListChildrenEvents(ctx context.Context, s domain.Scope, f domain.EventFilter, o domain.DatedOrder,
		p domain.Page[domain.DatedKey]) ([]domain.ChildrenEvent, bool, error)
	CountEvents(ctx context.Context, kind domain.EventKind, s domain.Scope, f domain.EventFilter) (int, error)
}

// CommuneRecords reads and writes a commune's yearly facts.
type CommuneRecords interface {
	CommuneFacts(ctx context.Context, s domain.Scope, unit, year int) (domain.CommuneFacts, error)
	SetCommuneFacts(ctx context.Context, s domain.Scope, f domain.CommuneFacts) error
}

func injuryModel(x domain.Injury) *model.Injury {
	return &model.Injury{ID: globalID(nodeInjury, x.ID), OccurredOn: scalar.Date{Time: x.OccurredOn}, Cause: enumOf[model.InjuryCause](x.Cause),
		Outcome: enumOf[model.InjuryOutcome](x.Outcome), ChildID: x.ChildID, UnitID: x.UnitID}
}

func supportModel(x domain.Support) *model.Support {
	return &model.Support{ID: globalID(nodeSupport, x.ID), Type: enumOf[model.SupportType](x.Type), Provider: x.Provider, AmountVnd: x.AmountVND,
		GivenOn: scalar.Date{Time: x.GivenOn}, ChildID: x.ChildID, UnitID: x.UnitID}
}

func giftVisitModel(x domain.GiftVisit) *model.GiftVisit {
	return &model.GiftVisit{ID: globalID(nodeGiftVisit, x.ID), Occasion: enumOf[model.GiftOccasion](x.Occasion), VisitedOn: scalar.Date{Time: x.VisitedOn},
		ValueVnd: x.ValueVND, ChildID: x.ChildID, UnitID: x.UnitID}
}

func swimmingClassModel(x domain.SwimmingClass) *model.SwimmingClass {
	return &model.SwimmingClass{ID: globalID(nodeSwimmingClass, x.ID), Name: x.Name, StartsOn: scalar.Date{Time: x.StartsOn},
		EndsOn: scalar.Date{Time: x.EndsOn}, UnitID: x.UnitID}
}

func enrolmentModel(x domain.Enrolment) *model.Enrolment {
	return &model.Enrolment{ID: model.ID(x.ID), ClassID: globalID(nodeSwimmingClass, x.ClassID), EnrolledOn: scalar.Date{Time: x.EnrolledOn},
		CompletedOn: datePtr(x.CompletedOn), ChildID: x.ChildID}
}

func servicePointModel(x domain.ServicePoint) *model.ServicePoint {
	return &model.ServicePoint{ID: globalID(nodeServicePoint, x.ID), Name: x.Name, OpenedOn: scalar.Date{Time: x.OpenedOn},
		ClosedOn: datePtr(x.ClosedOn), UnitID: x.UnitID}
}

func communicationModel(x domain.CommunicationActivity) *model.CommunicationActivity {
	return &model.CommunicationActivity{ID: globalID(nodeCommunicationActivity, x.ID), HeldOn: scalar.Date{Time: x.HeldOn}, Topic: x.Topic,
		Participants: x.Participants, Channel: enumOf[model.CommunicationChannel](x.Channel), Reach: x.Reach, UnitID: x.UnitID}
}

func planActivityModel(x domain.PlanActivity) *model.PlanActivity {
	return &model.PlanActivity{ID: globalID(nodePlanActivity, x.ID), Year: x.Year, Title: x.Title, DueOn: scalar.Date{Time: x.DueOn},
		DoneOn: datePtr(x.DoneOn), UnitID: x.UnitID}
}

func communeFactsModel(f domain.CommuneFacts) *model.CommuneFacts {
	return &model.CommuneFacts{Year: f.Year, WorkerAssigned: f.WorkerAssigned, Villages: f.Villages, VillagesWithCollaborator: f.VillagesWithCollaborator,
		BoardMeetings: f.BoardMeetings, FundingVnd: f.FundingVND, PlayVenues: f.PlayVenues,
		ChildrenForums: f.ChildrenForums, SurveyRespondents: f.SurveyRespondents, SurveySatisfied: f.SurveySatisfied,
		Category: enumOf[model.CommuneCategory](f.Category), UnitID: f.UnitID}
}

// eventQuery is the parsed arguments of one list of dated records.
type eventQuery struct {
	scope  domain.Scope
	filter domain.EventFilter
	order  domain.DatedOrder
	list   string // the list's name in its order, for cursors
	page   domain.Page[domain.DatedKey]
}

// kindVocabularies are the codes a list's filter.kind takes, spelt as the
// list's enum spells them; a list absent here takes free text.
var kindVocabularies = map[domain.EventKind][]string{
	domain.EventInjury:         domain.InjuryCauses,
	domain.EventSupport:        domain.SupportTypes,
	domain.EventGiftVisit:      domain.GiftOccasions,
	domain.EventTrainingCourse: domain.TrainingLevels,
	domain.EventChildrenEvent:  domain.ChildrenEventKinds,
	domain.EventInspection:     domain.InspectionTopics,
}

func (r *Resolver) eventArgs(ctx context.Context, list string, kind domain.EventKind, page pageArgs,
	in *model.EventFilter, orderBy *model.EventOrder) (eventQuery, error) {
	var q eventQuery
	var err error
	if q.scope, err = r.scope(ctx); err != nil {
		return q, err
	}
	if orderBy != nil {
		q.order = domain.DatedOrder{ByDate: orderBy.Field == model.EventOrderFieldDate, Desc: orderBy.Direction == model.OrderDirectionDesc}
	}
	if q.list, q.page, err = r.Cursors.datedPage(list, q.order, page); err != nil {
		return q, err
	}
	if in == nil {
		return q, nil
	}
	if err := checkFilterTree("filter", in, func(f *model.EventFilter) ([]*model.EventFilter, []*model.EventFilter) {
		return f.And, f.Or
	}); err != nil {
		return q, err
	}
	q.filter, err = r.eventFilterAt(ctx, "filter", kindVocabularies[kind], in)
	return q, err
}

// eventFilterAt converts the filter at path, and its sub-filters; kinds are
// the codes of the list's kind, nil for free text.
func (r *Resolver) eventFilterAt(ctx context.Context, path string, kinds []string, in *model.EventFilter) (domain.EventFilter, error) {
	var f domain.EventFilter
	var err error
	if f.UnitIDs, err = r.areasOf(ctx, path, in.OrgUnit, in.OrgUnitIn, r.today()); err != nil {
		return f, err
	}
	f.From, f.To = dateOf(in.From), dateOf(in.To)
	given, err := oneOrIn(path, "kind", in.Kind, in.KindIn)
	if err != nil {
		return f, err
	}
	field := path + ".kind"
	if in.KindIn != nil {
		field += "In"
	}
	if f.Kinds, err = mapEach(given, func(text string) (string, error) {
		text, err := searchText(field, text)
		if err != nil {
			return "", err
		}
		return kindCode(field, text, kinds)
	}); err != nil {
		return f, err
	}
	channels, err := oneOrIn(path, "channel", in.Channel, in.ChannelIn)
	if err != nil {
		return f, err
	}
	for _, c := range channels {
		f.Channels = append(f.Channels, mustCodeOf(c, domain.CommunicationChannels))
	}
	f.And, f.Or, err = subFilters(path, in.And, in.Or, func(p string, sub *model.EventFilter) (domain.EventFilter, error) {
		return r.eventFilterAt(ctx, p, kinds, sub)
	})
	return f, err
}

// eventList runs one list query and builds its connection parts.
func eventList[D, N, E any](ctx context.Context, r *Resolver, list string, kind domain.EventKind, page pageArgs,
	in *model.EventFilter, orderBy *model.EventOrder,
	fetch func(context.Context, domain.Scope, domain.EventFilter, domain.DatedOrder, domain.Page[domain.DatedKey]) ([]D, bool, error),
	key func(D) (int64, time.Time), node func(D) N, edge func(string, N) E) ([]E, *model.PageInfo, model.Counter, error) {
	q, err := r.eventArgs(ctx, list, kind, page, in, orderBy)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, more, err := fetch(ctx, q.scope, q.filter, q.order, q.page)
	if err != nil {
		return nil, nil, nil, err
	}
	edges, info := connect(r.Cursors, q.list, q.page, rows, more, func(d D) domain.DatedKey {
		id, date := key(d)
		return domain.DatedKey{ID: id, Date: date}
	}, func(c string, d D) E { return edge(c, node(d)) })
	count := func(ctx context.Context) (int, error) { return r.Events.CountEvents(ctx, kind, q.scope, q.filter) }
	return edges, info, count, nil
}

func (r *Resolver) injuries(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.InjuryConnection, error) {
	edges, info, count, err := eventList(ctx, r, "injuries", domain.EventInjury, page, f, o, r.Events.ListInjuries,
		func(x domain.Injury) (int64, time.Time) { return x.ID, x.OccurredOn }, injuryModel,
		func(c string, n *model.Injury) *model.InjuryEdge { return &model.InjuryEdge{Cursor: c, Node: n} })
	return &model.InjuryConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) supports(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.SupportConnection, error) {
	edges, info, count, err := eventList(ctx, r, "supports", domain.EventSupport, page, f, o, r.Events.ListSupports,
		func(x domain.Support) (int64, time.Time) { return x.ID, x.GivenOn }, supportModel,
		func(c string, n *model.Support) *model.SupportEdge { return &model.SupportEdge{Cursor: c, Node: n} })
	return &model.SupportConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) giftVisits(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.GiftVisitConnection, error) {
	edges, info, count, err := eventList(ctx, r, "giftVisits", domain.EventGiftVisit, page, f, o, r.Events.ListGiftVisits,
		func(x domain.GiftVisit) (int64, time.Time) { return x.ID, x.VisitedOn }, giftVisitModel,
		func(c string, n *model.GiftVisit) *model.GiftVisitEdge {
			return &model.GiftVisitEdge{Cursor: c, Node: n}
		})
	return &model.GiftVisitConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) swimmingClasses(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.SwimmingClassConnection, error) {
	edges, info, count, err := eventList(ctx, r, "swimmingClasses", domain.EventSwimmingClass, page, f, o,
		r.Events.ListSwimmingClasses, func(x domain.SwimmingClass) (int64, time.Time) { return x.ID, x.StartsOn }, swimmingClassModel,
		func(c string, n *model.SwimmingClass) *model.SwimmingClassEdge {
			return &model.SwimmingClassEdge{Cursor: c, Node: n}
		})
	return &model.SwimmingClassConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) servicePoints(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.ServicePointConnection, error) {
	edges, info, count, err := eventList(ctx, r, "servicePoints", domain.EventServicePoint, page, f, o,
		r.Events.ListServicePoints, func(x domain.ServicePoint) (int64, time.Time) { return x.ID, x.OpenedOn }, servicePointModel,
		func(c string, n *model.ServicePoint) *model.ServicePointEdge {
			return &model.ServicePointEdge{Cursor: c, Node: n}
		})
	return &model.ServicePointConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) communicationActivities(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.CommunicationActivityConnection, error) {
	edges, info, count, err := eventList(ctx, r, "communicationActivities", domain.EventCommunicationActivity, page, f, o,
		r.Events.ListCommunicationActivities, func(x domain.CommunicationActivity) (int64, time.Time) { return x.ID, x.HeldOn }, communicationModel,
		func(c string, n *model.CommunicationActivity) *model.CommunicationActivityEdge {
			return &model.CommunicationActivityEdge{Cursor: c, Node: n}
		})
	return &model.CommunicationActivityConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) planActivities(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.PlanActivityConnection, error) {
	edges, info, count, err := eventList(ctx, r, "planActivities", domain.EventPlanActivity, page, f, o,
		r.Events.ListPlanActivities, func(x domain.PlanActivity) (int64, time.Time) { return x.ID, x.DueOn }, planActivityModel,
		func(c string, n *model.PlanActivity) *model.PlanActivityEdge {
			return &model.PlanActivityEdge{Cursor: c, Node: n}
		})
	return &model.PlanActivityConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) reports(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.ReportConnection, error) {
	edges, info, count, err := eventList(ctx, r, "reports", domain.EventReport, page, f, o, r.Events.ListReports,
		func(x domain.Report) (int64, time.Time) { return x.ID, x.DueOn }, r.reportModel,
		func(c string, n *model.Report) *model.ReportEdge { return &model.ReportEdge{Cursor: c, Node: n} })
	return &model.ReportConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) communeFacts(ctx context.Context, commune string, year int) (*model.CommuneFacts, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	u, err := r.unitAt(ctx, "commune", commune, r.today(), true)
	if err != nil {
		return nil, err
	}
	f, err := r.CommuneRecords.CommuneFacts(ctx, scope, u, year)
	if err != nil {
		return nil, err
	}
	return communeFactsModel(f), nil
}

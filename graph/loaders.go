package graph

import (
	"context"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"treem/internal/analytics"
	"treem/internal/domain"
)

// Batches is what the per-request dataloaders need: each reads the rows of
// many parents in one statement. Every method takes the caller's scope and
// sees only it.
type Batches interface {
	ChildrenByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Child, error)
	HouseholdsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Household, error)
	CircumstancesByChild(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Circumstance, error)
	BirthRegistrationsByChild(ctx context.Context, s domain.Scope, ids []int64) ([]domain.BirthRegistration, error)
	ResidenceRegistrationsByChild(ctx context.Context, s domain.Scope, ids []int64) ([]domain.ResidenceRegistration, error)
	InsuranceCardsByChild(ctx context.Context, s domain.Scope, ids []int64) ([]domain.InsuranceCard, error)
	InjuriesByChild(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Injury, error)
	SupportsByChild(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Support, error)
	CasesByChild(ctx context.Context, s domain.Scope, ids []int64, openOnly bool) ([]domain.Case, error)
	CasesByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Case, error)
}

// EventBatches is what node and nodes need of the lists of dated records: the
// records among ids that each list shows in scope, in one statement.
type EventBatches interface {
	InjuriesByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Injury, error)
	SupportsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Support, error)
	GiftVisitsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.GiftVisit, error)
	SwimmingClassesByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.SwimmingClass, error)
	ServicePointsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.ServicePoint, error)
	CommunicationActivitiesByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.CommunicationActivity, error)
	TrainingCoursesByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.TrainingCourse, error)
	PlanActivitiesByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.PlanActivity, error)
	ReportsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Report, error)
	InspectionsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Inspection, error)
	FindingsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.InspectionFinding, error)
	RecommendationsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Recommendation, error)
	FindingsByInspection(ctx context.Context, s domain.Scope, ids []int64) ([]domain.InspectionFinding, error)
	RecommendationsByFinding(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Recommendation, error)
	ChildrenEventsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.ChildrenEvent, error)
	ForumRecommendationsByID(ctx context.Context, s domain.Scope, ids []int64) ([]domain.ForumRecommendation, error)
	ForumRecommendationsByEvent(ctx context.Context, s domain.Scope, ids []int64) ([]domain.ForumRecommendation, error)
}

// Districts is what the caller's scope needs beyond the unit hierarchy: a
// district officer also sees the records hung on its own versions.
type Districts interface {
	DistrictVersions(ctx context.Context, code string) ([]int, error)
}

// UnitStore is what the resolvers need of the org-unit hierarchy
// (postgres.OrgUnitStore): public reference data, and the caller's area.
type UnitStore interface {
	UnitsAsOf(ctx context.Context, asOf time.Time, level *domain.Level, parentCode string) ([]domain.OrgUnit, error)
	UnitByCode(ctx context.Context, code string, asOf time.Time) (domain.OrgUnit, error)
	UnitsByID(ctx context.Context, ids []int) ([]domain.OrgUnit, error)
	ChildUnits(ctx context.Context, parentIDs []int, asOf time.Time) (map[int][]domain.OrgUnit, error)
	Successors(ctx context.Context, ids []int) (map[int][]domain.UnitLink, error)
	Predecessors(ctx context.Context, ids []int) (map[int][]domain.UnitLink, error)
	Districts2021(ctx context.Context, ids []int) (map[int]domain.District2021, error)
	AreaUnitIDs(ctx context.Context, areaCode string, asOf time.Time) ([]int, error)
}

// Operational holds the dependencies of the operational resolvers, one small
// store per group of resolvers; it is embedded in Resolver.
type Operational struct {
	Children       Children
	ChildRegistry  ChildRegistry
	Cases          Cases
	Events         Events
	EventRecorder  EventRecorder
	CommuneRecords CommuneRecords
	Inspections    Inspections
	ChildrenEvents ChildrenEvents
	Reports        Reports
	Calendar       Calendar
	Batches        Batches
	EventBatches   EventBatches
	Districts      Districts
	Units          UnitStore
	// Cursors seals pagination cursors; NewCursors makes one.
	Cursors *Cursors
}

// NewOperational returns the operational dependencies with every record
// store served by records (postgres.ChildStore serves them all), and cursors
// sealed under a key of this process; a server replaces Cursors with those of
// its configured key.
func NewOperational[R interface {
	Children
	ChildRegistry
	Cases
	Events
	EventRecorder
	CommuneRecords
	Inspections
	ChildrenEvents
	Reports
	Calendar
	Batches
	EventBatches
	Districts
}](records R, units UnitStore) Operational {
	return Operational{Children: records, ChildRegistry: records, Cases: records, Events: records,
		EventRecorder: records, CommuneRecords: records, Inspections: records, ChildrenEvents: records, Reports: records,
		Calendar: records, Batches: records, EventBatches: records,
		Districts: records, Units: units, Cursors: processCursors()}
}

func (o *Operational) now() time.Time { return time.Now() }

// today is the current date in Vietnam, as a UTC midnight like stored dates.
func (o *Operational) today() time.Time {
	n := o.now().In(domain.Vietnam)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// loaderWait is how long a loader gathers keys before its one query: long
// enough for the concurrent field resolvers of a page to all ask.
const loaderWait = 5 * time.Millisecond

// childUnitsKey asks for a unit's children in force on a day.
type childUnitsKey struct {
	parent int
	asOf   time.Time
}

// loaders are one request's dataloaders: every parent→child edge goes through
// one, so a page costs a fixed number of statements whatever its size.
type loaders struct {
	scopeOnce sync.Once
	scope     domain.Scope
	scopeErr  error

	units         *dataloadgen.Loader[int, domain.OrgUnit]
	childUnits    *dataloadgen.Loader[childUnitsKey, []domain.OrgUnit]
	successors    *dataloadgen.Loader[int, []domain.UnitLink]
	predecessors  *dataloadgen.Loader[int, []domain.UnitLink]
	districts2021 *dataloadgen.Loader[int, domain.District2021]

	children      *dataloadgen.Loader[int64, domain.Child]
	households    *dataloadgen.Loader[int64, domain.Household]
	circumstances *dataloadgen.Loader[int64, []domain.Circumstance]
	birthRegs     *dataloadgen.Loader[int64, []domain.BirthRegistration]
	residences    *dataloadgen.Loader[int64, []domain.ResidenceRegistration]
	cards         *dataloadgen.Loader[int64, []domain.InsuranceCard]
	injuries      *dataloadgen.Loader[int64, []domain.Injury]
	supports      *dataloadgen.Loader[int64, []domain.Support]
	cases         *dataloadgen.Loader[int64, []domain.Case]
	openCases     *dataloadgen.Loader[int64, []domain.Case]
	casesByID     *dataloadgen.Loader[int64, domain.Case]

	// The dated records by their own id, for node and nodes.
	injuriesByID        *dataloadgen.Loader[int64, domain.Injury]
	supportsByID        *dataloadgen.Loader[int64, domain.Support]
	giftVisitsByID      *dataloadgen.Loader[int64, domain.GiftVisit]
	classesByID         *dataloadgen.Loader[int64, domain.SwimmingClass]
	servicePointsByID   *dataloadgen.Loader[int64, domain.ServicePoint]
	communicationsByID  *dataloadgen.Loader[int64, domain.CommunicationActivity]
	trainingCoursesByID *dataloadgen.Loader[int64, domain.TrainingCourse]
	bulletinsByID       *dataloadgen.Loader[int64, domain.Bulletin] // nil without the bulletin
	planActivitiesByID  *dataloadgen.Loader[int64, domain.PlanActivity]
	reportsByID         *dataloadgen.Loader[int64, domain.Report]
	inspectionsByID     *dataloadgen.Loader[int64, domain.Inspection]
	findingsByID        *dataloadgen.Loader[int64, domain.InspectionFinding]
	recommendationsByID *dataloadgen.Loader[int64, domain.Recommendation]
	departmentsByID     *dataloadgen.Loader[int64, domain.Department]

	// An inspection's findings, and a finding's recommendations.
	findings        *dataloadgen.Loader[int64, []domain.InspectionFinding]
	recommendations *dataloadgen.Loader[int64, []domain.Recommendation]

	childrenEventsByID       *dataloadgen.Loader[int64, domain.ChildrenEvent]
	forumRecommendationsByID *dataloadgen.Loader[int64, domain.ForumRecommendation]
	// An event's recommendations.
	forumRecommendations *dataloadgen.Loader[int64, []domain.ForumRecommendation]

	// areas memoises the expansion of org-unit codes by the filters of one
	// request: a tree of 20 filters with 50 codes each, aliased, named the
	// same few units thousands of times, one statement each.
	areasMu sync.Mutex
	areas   map[areaKey]areaAnswer
}

// areaKey is an org-unit code on a day; areaAnswer its communes or error.
type areaKey struct {
	code string
	day  time.Time
}

type areaAnswer struct {
	ids []int
	err error
}

// area answers key from the request's memo, asking lookup the first time.
func (l *loaders) area(key areaKey, lookup func() ([]int, error)) ([]int, error) {
	l.areasMu.Lock()
	a, ok := l.areas[key]
	l.areasMu.Unlock()
	if ok {
		return a.ids, a.err
	}
	ids, err := lookup()
	l.areasMu.Lock()
	if l.areas == nil {
		l.areas = map[areaKey]areaAnswer{}
	}
	l.areas[key] = areaAnswer{ids, err}
	l.areasMu.Unlock()
	return ids, err
}

type loadersKey struct{}

// WithLoaders returns ctx carrying a fresh set of dataloaders for one request.
func (r *Resolver) WithLoaders(ctx context.Context) context.Context {
	l := &loaders{}
	o := &r.Operational
	wait := dataloadgen.WithWait(loaderWait)
	l.units = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int) (map[int]domain.OrgUnit, error) {
		us, err := o.Units.UnitsByID(ctx, ids)
		return byKey(us, func(u domain.OrgUnit) int { return u.ID }), err
	}, wait)
	l.childUnits = dataloadgen.NewLoader(func(ctx context.Context, keys []childUnitsKey) ([][]domain.OrgUnit, []error) {
		// Keys of one request share their date almost always; group by it.
		byDate := map[time.Time][]int{}
		for _, k := range keys {
			byDate[k.asOf] = append(byDate[k.asOf], k.parent)
		}
		found := map[childUnitsKey][]domain.OrgUnit{}
		for day, parents := range byDate {
			m, err := o.Units.ChildUnits(ctx, parents, day)
			if err != nil {
				return nil, []error{err}
			}
			for p, us := range m {
				found[childUnitsKey{p, day}] = us
			}
		}
		return aligned(keys, found), nil
	}, wait)
	l.successors = dataloadgen.NewLoader(mapFetch(o.Units.Successors), wait)
	l.predecessors = dataloadgen.NewLoader(mapFetch(o.Units.Predecessors), wait)
	l.districts2021 = dataloadgen.NewMappedLoader(o.Units.Districts2021, wait)

	l.children = byIDLoader(l, o, o.Batches.ChildrenByID, func(c domain.Child) int64 { return c.ID })
	l.casesByID = byIDLoader(l, o, o.Batches.CasesByID, func(c domain.Case) int64 { return c.ID })
	l.households = byIDLoader(l, o, o.Batches.HouseholdsByID, func(h domain.Household) int64 { return h.ID })
	e := o.EventBatches
	l.injuriesByID = byIDLoader(l, o, e.InjuriesByID, func(x domain.Injury) int64 { return x.ID })
	l.supportsByID = byIDLoader(l, o, e.SupportsByID, func(x domain.Support) int64 { return x.ID })
	l.giftVisitsByID = byIDLoader(l, o, e.GiftVisitsByID, func(x domain.GiftVisit) int64 { return x.ID })
	l.classesByID = byIDLoader(l, o, e.SwimmingClassesByID, func(x domain.SwimmingClass) int64 { return x.ID })
	l.servicePointsByID = byIDLoader(l, o, e.ServicePointsByID, func(x domain.ServicePoint) int64 { return x.ID })
	l.communicationsByID = byIDLoader(l, o, e.CommunicationActivitiesByID, func(x domain.CommunicationActivity) int64 { return x.ID })
	l.trainingCoursesByID = byIDLoader(l, o, e.TrainingCoursesByID, func(x domain.TrainingCourse) int64 { return x.ID })
	l.planActivitiesByID = byIDLoader(l, o, e.PlanActivitiesByID, func(x domain.PlanActivity) int64 { return x.ID })
	l.reportsByID = byIDLoader(l, o, e.ReportsByID, func(x domain.Report) int64 { return x.ID })
	l.inspectionsByID = byIDLoader(l, o, e.InspectionsByID, func(x domain.Inspection) int64 { return x.ID })
	l.findingsByID = byIDLoader(l, o, e.FindingsByID, func(x domain.InspectionFinding) int64 { return x.ID })
	l.recommendationsByID = byIDLoader(l, o, e.RecommendationsByID, func(x domain.Recommendation) int64 { return x.ID })
	if r.Bulletins != nil {
		// The bulletin applies the caller's role itself: drafts for province officers only.
		l.bulletinsByID = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]domain.Bulletin, error) {
			bs, err := r.Bulletins.ByID(ctx, ids)
			return byKey(bs, func(b domain.Bulletin) int64 { return b.ID }), err
		}, wait)
	}
	l.departmentsByID = byIDLoader(l, o, o.Reports.DepartmentsByID, func(x domain.Department) int64 { return int64(x.ID) })
	l.findings = perChildLoader(l, o, e.FindingsByInspection, func(x domain.InspectionFinding) int64 { return x.InspectionID })
	l.recommendations = perChildLoader(l, o, e.RecommendationsByFinding, func(x domain.Recommendation) int64 { return x.FindingID })
	l.childrenEventsByID = byIDLoader(l, o, e.ChildrenEventsByID, func(x domain.ChildrenEvent) int64 { return x.ID })
	l.forumRecommendationsByID = byIDLoader(l, o, e.ForumRecommendationsByID, func(x domain.ForumRecommendation) int64 { return x.ID })
	l.forumRecommendations = perChildLoader(l, o, e.ForumRecommendationsByEvent,
		func(x domain.ForumRecommendation) int64 { return x.EventID })
	l.circumstances = perChildLoader(l, o, o.Batches.CircumstancesByChild, func(c domain.Circumstance) int64 { return c.ChildID })
	l.birthRegs = perChildLoader(l, o, o.Batches.BirthRegistrationsByChild, func(b domain.BirthRegistration) int64 { return b.ChildID })
	l.residences = perChildLoader(l, o, o.Batches.ResidenceRegistrationsByChild, func(r domain.ResidenceRegistration) int64 { return r.ChildID })
	l.cards = perChildLoader(l, o, o.Batches.InsuranceCardsByChild, func(c domain.InsuranceCard) int64 { return c.ChildID })
	l.injuries = perChildLoader(l, o, o.Batches.InjuriesByChild, func(i domain.Injury) int64 { return i.ChildID })
	l.supports = perChildLoader(l, o, o.Batches.SupportsByChild, func(s domain.Support) int64 { return s.ChildID })
	caseChild := func(c domain.Case) int64 { return c.ChildID }
	l.cases = perChildLoader(l, o, func(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Case, error) {
		return o.Batches.CasesByChild(ctx, s, ids, false)
	}, caseChild)
	l.openCases = perChildLoader(l, o, func(ctx context.Context, s domain.Scope, ids []int64) ([]domain.Case, error) {
		return o.Batches.CasesByChild(ctx, s, ids, true)
	}, caseChild)
	return context.WithValue(ctx, loadersKey{}, l)
}

// withLoaders is the response middleware that gives each operation its loaders
// and its one reading of the warehouse's latest load.
func (r *Resolver) withLoaders(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	return next(analytics.WithRequest(r.WithLoaders(ctx)))
}

// loadersFrom returns the request's loaders; their absence is a wiring bug.
func loadersFrom(ctx context.Context) (*loaders, error) {
	l, ok := ctx.Value(loadersKey{}).(*loaders)
	if !ok {
		return nil, domain.Errorf(domain.CodeInternal, "dataloaders are not installed on this request")
	}
	return l, nil
}

// scopeOf resolves the caller's area once per request.
func (l *loaders) scopeOf(ctx context.Context, o *Operational) (domain.Scope, error) {
	l.scopeOnce.Do(func() { l.scope, l.scopeErr = o.scopeFor(ctx) })
	return l.scope, l.scopeErr
}

// scope returns the caller's area for this request: officers see their area,
// other roles no personal data at all.
func (r *Resolver) scope(ctx context.Context) (domain.Scope, error) {
	l, err := loadersFrom(ctx)
	if err != nil {
		return domain.Scope{}, err
	}
	return l.scopeOf(ctx, &r.Operational)
}

func (o *Operational) scopeFor(ctx context.Context) (domain.Scope, error) {
	u := domain.UserFrom(ctx)
	switch {
	case u == nil:
		return domain.Scope{}, domain.Errorf(domain.CodeUnauthenticated, "sign in: children's records need a bearer token")
	case !u.Role.SeesPersonalData():
		return domain.Scope{}, domain.Errorf(domain.CodeForbidden, "the role %s does not see children's records", u.Role)
	case u.Role == domain.RoleProvinceOfficer:
		return domain.Scope{All: true}, nil
	}
	ids, err := o.Units.AreaUnitIDs(ctx, u.Area, o.today())
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			// A token naming no unit in force sees nothing rather than failing.
			return domain.Scope{UnitIDs: []int{}}, nil
		}
		return domain.Scope{}, err
	}
	if u.Role == domain.RoleDistrictOfficer {
		// The district's own records hang on its versions, abolished ones too.
		own, err := o.Districts.DistrictVersions(ctx, u.Area)
		if err != nil {
			return domain.Scope{}, err
		}
		ids = append(ids, own...)
	}
	return domain.Scope{UnitIDs: ids}, nil
}

// byIDLoader batches the records of one type by their own id: one statement
// for all the ids of a request, in the caller's scope; an id the store does
// not answer (outside the area, deleted, nonexistent) is dataloadgen.ErrNotFound.
func byIDLoader[T any](l *loaders, o *Operational, fetch func(context.Context, domain.Scope, []int64) ([]T, error),
	idOf func(T) int64) *dataloadgen.Loader[int64, T] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]T, error) {
		s, err := l.scopeOf(ctx, o)
		if err != nil {
			return nil, err
		}
		rows, err := fetch(ctx, s, ids)
		return byKey(rows, idOf), err
	}, dataloadgen.WithWait(loaderWait))
}

// perChildLoader batches a per-child list: one statement for all the children
// of a page; a child without rows gets an empty list. Any per-parent list
// (an inspection's findings) batches the same way.
func perChildLoader[T any](l *loaders, o *Operational, fetch func(context.Context, domain.Scope, []int64) ([]T, error),
	childOf func(T) int64) *dataloadgen.Loader[int64, []T] {
	return dataloadgen.NewLoader(func(ctx context.Context, ids []int64) ([][]T, []error) {
		s, err := l.scopeOf(ctx, o)
		if err != nil {
			return nil, []error{err}
		}
		rows, err := fetch(ctx, s, ids)
		if err != nil {
			return nil, []error{err}
		}
		m := make(map[int64][]T, len(ids))
		for _, row := range rows {
			m[childOf(row)] = append(m[childOf(row)], row)
		}
		return aligned(ids, m), nil
	}, dataloadgen.WithWait(loaderWait))
}

// mapFetch adapts a store method returning a map of lists to a loader fetch.
func mapFetch[K comparable, V any](f func(context.Context, []K) (map[K][]V, error)) func(context.Context, []K) ([][]V, []error) {
	return func(ctx context.Context, keys []K) ([][]V, []error) {
		m, err := f(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		return aligned(keys, m), nil
	}
}

// aligned lists m's values in the order of keys (nil where absent).
func aligned[K comparable, V any](keys []K, m map[K]V) []V {
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func byKey[K comparable, V any](vs []V, key func(V) K) map[K]V {
	m := make(map[K]V, len(vs))
	for _, v := range vs {
		m[key(v)] = v
	}
	return m
}

// primeChildEdges registers, in one go, the keys of every child edge the
// operation selects under edges.node, before the field resolvers ask one by
// one: a page's keys then always land in the same batch, however slowly the
// resolvers of a large page get scheduled. Later loads hit the loaders' cache.
func primeChildEdges(ctx context.Context, children []domain.Child) {
	l, err := loadersFrom(ctx)
	if err != nil || len(children) == 0 {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	for _, node := range nodeFields(ctx) {
		for _, c := range children {
			switch node.Name {
			case "commune":
				l.units.LoadThunk(ctx, c.CommuneID)
			case "household":
				if c.HouseholdID != nil {
					l.households.LoadThunk(ctx, *c.HouseholdID)
				}
			case "circumstances":
				l.circumstances.LoadThunk(ctx, c.ID)
			case "cases":
				if open, _ := node.ArgumentMap(oc.Variables)["open"].(bool); open {
					l.openCases.LoadThunk(ctx, c.ID)
				} else {
					l.cases.LoadThunk(ctx, c.ID)
				}
			case "birthRegistration":
				l.birthRegs.LoadThunk(ctx, c.ID)
			case "residenceRegistrations":
				l.residences.LoadThunk(ctx, c.ID)
			case "insuranceCards":
				l.cards.LoadThunk(ctx, c.ID)
			case "injuries":
				l.injuries.LoadThunk(ctx, c.ID)
			case "supports":
				l.supports.LoadThunk(ctx, c.ID)
			}
		}
	}
}

// nodeFields returns the fields a connection resolver's query selects under
// edges { node { … } }.
func nodeFields(ctx context.Context) []graphql.CollectedField {
	oc := graphql.GetOperationContext(ctx)
	var out []graphql.CollectedField
	for _, edges := range graphql.CollectFieldsCtx(ctx, nil) {
		if edges.Name != "edges" {
			continue
		}
		for _, node := range graphql.CollectFields(oc, edges.Selections, nil) {
			if node.Name == "node" {
				out = append(out, graphql.CollectFields(oc, node.Selections, nil)...)
			}
		}
	}
	return out
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// The columns of the dated records, and the rows they fill.
const (
	injuryColumns        = "x.id, x.child_id, x.unit_id, x.occurred_on, x.cause, x.outcome"
	supportColumns       = "x.id, x.child_id, x.unit_id, x.support_type, x.provider, x.amount_vnd, x.given_on"
	giftColumns          = "x.id, x.child_id, x.unit_id, x.occasion, x.visited_on, x.value_vnd"
	classColumns         = "x.id, x.unit_id, x.name, x.starts_on, x.ends_on"
	servicePointColumns  = "x.id, x.unit_id, x.name, x.opened_on, x.closed_on"
	communicationColumns = "x.id, x.unit_id, x.held_on, x.topic, x.participants, x.channel, x.reach"
	planActivityColumns  = "x.id, x.unit_id, x.year, x.title, x.due_on, x.done_on"
	reportColumns        = "x.id, x.unit_id, x.department_id, x.period, x.due_on, x.submitted_at, x.figures, x.narrative"
)

type injuryRow struct {
	ID         int64     `db:"id"`
	ChildID    int64     `db:"child_id"`
	UnitID     int       `db:"unit_id"`
	OccurredOn time.Time `db:"occurred_on"`
	Cause      string    `db:"cause"`
	Outcome    string    `db:"outcome"`
}

func (r injuryRow) toDomain() domain.Injury {
	return domain.Injury{ID: r.ID, ChildID: r.ChildID, UnitID: r.UnitID, OccurredOn: r.OccurredOn, Cause: r.Cause,
		Outcome: r.Outcome}
}

type supportRow struct {
	ID        int64     `db:"id"`
	ChildID   int64     `db:"child_id"`
	UnitID    int       `db:"unit_id"`
	Type      string    `db:"support_type"`
	Provider  string    `db:"provider"`
	AmountVND int64     `db:"amount_vnd"`
	GivenOn   time.Time `db:"given_on"`
}

func (r supportRow) toDomain() domain.Support {
	return domain.Support{ID: r.ID, ChildID: r.ChildID, UnitID: r.UnitID, Type: r.Type, Provider: r.Provider,
		AmountVND: r.AmountVND, GivenOn: r.GivenOn}
}

type giftVisitRow struct {
	ID        int64     `db:"id"`
	ChildID   int64     `db:"child_id"`
	UnitID    int       `db:"unit_id"`
	Occasion  string    `db:"occasion"`
	VisitedOn time.Time `db:"visited_on"`
	ValueVND  int64     `db:"value_vnd"`
}

func (r giftVisitRow) toDomain() domain.GiftVisit {
	return domain.GiftVisit{ID: r.ID, ChildID: r.ChildID, UnitID: r.UnitID, Occasion: r.Occasion,
		VisitedOn: r.VisitedOn, ValueVND: r.ValueVND}
}

type swimmingClassRow struct {
	ID       int64     `db:"id"`
	UnitID   int       `db:"unit_id"`
	Name     string    `db:"name"`
	StartsOn time.Time `db:"starts_on"`
	EndsOn   time.Time `db:"ends_on"`
}

func (r swimmingClassRow) toDomain() domain.SwimmingClass {
	return domain.SwimmingClass{ID: r.ID, UnitID: r.UnitID, Name: r.Name, StartsOn: r.StartsOn, EndsOn: r.EndsOn}
}

type servicePointRow struct {
	ID       int64      `db:"id"`
	UnitID   int        `db:"unit_id"`
	Name     string     `db:"name"`
	OpenedOn time.Time  `db:"opened_on"`
	ClosedOn *time.Time `db:"closed_on"`
}

func (r servicePointRow) toDomain() domain.ServicePoint {
	return domain.ServicePoint{ID: r.ID, UnitID: r.UnitID, Name: r.Name, OpenedOn: r.OpenedOn, ClosedOn: r.ClosedOn}
}

type communicationActivityRow struct {
	ID           int64     `db:"id"`
	UnitID       int       `db:"unit_id"`
	HeldOn       time.Time `db:"held_on"`
	Topic        string    `db:"topic"`
	Participants int       `db:"participants"`
	Channel      string    `db:"channel"`
	Reach        *int      `db:"reach"`
}

func (r communicationActivityRow) toDomain() domain.CommunicationActivity {
	return domain.CommunicationActivity{ID: r.ID, UnitID: r.UnitID, HeldOn: r.HeldOn, Topic: r.Topic,
		Participants: r.Participants, Channel: r.Channel, Reach: r.Reach}
}

type planActivityRow struct {
	ID     int64      `db:"id"`
	UnitID int        `db:"unit_id"`
	Year   int        `db:"year"`
	Title  string     `db:"title"`
	DueOn  time.Time  `db:"due_on"`
	DoneOn *time.Time `db:"done_on"`
}

func (r planActivityRow) toDomain() domain.PlanActivity {
	return domain.PlanActivity{ID: r.ID, UnitID: r.UnitID, Year: r.Year, Title: r.Title, DueOn: r.DueOn, DoneOn: r.DoneOn}
}

type reportRow struct {
	ID           int64          `db:"id"`
	UnitID       int            `db:"unit_id"`
	DepartmentID *int           `db:"department_id"`
	Period       string         `db:"period"`
	DueOn        time.Time      `db:"due_on"`
	SubmittedAt  *time.Time     `db:"submitted_at"`
	Figures      []reportFigure `db:"figures"`
	Narrative    *string        `db:"narrative"`
}

// reportFigure is a figure as periodic_report.figures stores it.
type reportFigure struct {
	Key   string  `json:"key"`
	Value float64 `json:"value"`
}

func (r reportRow) toDomain() domain.Report {
	x := domain.Report{ID: r.ID, UnitID: r.UnitID, DepartmentID: r.DepartmentID, Period: r.Period, DueOn: r.DueOn,
		SubmittedAt: r.SubmittedAt}
	if r.Figures != nil || r.Narrative != nil {
		x.Content = &domain.ReportContent{Figures: make([]domain.ReportFigure, len(r.Figures)), Narrative: r.Narrative}
		for i, f := range r.Figures {
			x.Content.Figures[i] = domain.ReportFigure{Key: f.Key, Value: f.Value}
		}
	}
	return x
}

var (
	scanInjury                = byName(injuryRow.toDomain)
	scanSupport               = byName(supportRow.toDomain)
	scanGiftVisit             = byName(giftVisitRow.toDomain)
	scanSwimmingClass         = byName(swimmingClassRow.toDomain)
	scanServicePoint          = byName(servicePointRow.toDomain)
	scanCommunicationActivity = byName(communicationActivityRow.toDomain)
	scanPlanActivity          = byName(planActivityRow.toDomain)
	scanReport                = byName(reportRow.toDomain)
)

// eventList describes one list of dated records: its table, columns, date
// column, the columns EventFilter.Kinds and EventFilter.Channels compare, and
// whether rows belong to a child (then the area is the child's, as in the
// row-level security policies) or to a unit.
type eventList struct {
	table, cols, dateCol, kindCol, channelCol string
	perChild                                  bool
}

var eventLists = map[domain.EventKind]eventList{
	domain.EventInjury:                {"injury", injuryColumns, "occurred_on", "cause", "", true},
	domain.EventSupport:               {"support", supportColumns, "given_on", "support_type", "", true},
	domain.EventGiftVisit:             {"gift_visit", giftColumns, "visited_on", "occasion", "", true},
	domain.EventSwimmingClass:         {"swimming_class", classColumns, "starts_on", "", "", false},
	domain.EventServicePoint:          {"service_point", servicePointColumns, "opened_on", "", "", false},
	domain.EventCommunicationActivity: {"communication_activity", communicationColumns, "held_on", "", "channel", false},
	domain.EventPlanActivity:          {"plan_activity", planActivityColumns, "due_on", "", "", false},
	domain.EventReport:                {"periodic_report", reportColumns, "due_on", "period", "", false},
	domain.EventTrainingCourse:        {"training_course", trainingColumns, "starts_on", "level", "", false},
	domain.EventInspection:            {"inspection", inspectionColumns, "planned_from", "topic", "", false},
	domain.EventInspectionFinding:     {"inspection_finding", findingColumns, "found_on", "", "", false},
	domain.EventRecommendation:        {"inspection_recommendation", recommendationColumns, "due_on", "", "", false},
	domain.EventChildrenEvent:         {"children_event", childrenEventColumns, "starts_on", "kind", "", false},
	domain.EventForumRecommendation:   {"forum_recommendation", forumRecColumns, "due_on", "", "", false},
}

func (l eventList) where(scope domain.Scope, f domain.EventFilter) (*query, string) {
	q := &query{}
	from := " FROM " + l.table + " x"
	q.and("x.deleted_at IS NULL")
	if l.perChild {
		from += " JOIN child c ON c.id = x.child_id AND c.deleted_at IS NULL"
		q.inUnits("c.commune_id", scope)
	} else {
		q.inUnits("x.unit_id", scope)
	}
	l.conditions(q, f)
	return q, from
}

// conditions adds the conditions of f and its sub-filters to q.
func (l eventList) conditions(q *query, f domain.EventFilter) {
	if f.UnitIDs != nil {
		q.and("x.unit_id = ANY($?)", unitArray(f.UnitIDs))
	}
	if f.From != nil {
		q.and("x."+l.dateCol+" >= $?", *f.From)
	}
	if f.To != nil {
		q.and("x."+l.dateCol+" <= $?", *f.To)
	}
	if len(f.Kinds) > 0 && l.kindCol != "" {
		q.and("x."+l.kindCol+" = ANY($?)", f.Kinds)
	}
	if len(f.Channels) > 0 && l.channelCol != "" {
		q.and("x."+l.channelCol+" = ANY($?)", f.Channels)
	}
	for _, sub := range f.And {
		l.conditions(q, sub)
	}
	anyOf(q, f.Or, func(b domain.EventFilter) { l.conditions(q, b) })
}

// listEvents returns a page p of the list kind in scope, in order o (by
// date: the list's date column), read with scan.
func listEvents[T any](ctx context.Context, s *ChildStore, kind domain.EventKind, scan pgx.RowToFunc[T], scope domain.Scope,
	f domain.EventFilter, o domain.DatedOrder, p domain.Page[domain.DatedKey]) ([]T, bool, error) {
	l := eventLists[kind]
	q, from := l.where(scope, f)
	order, limit := datedPageTail(q, "x."+l.dateCol, "date", o, p)
	sql := "SELECT " + l.cols + from + q.whereSQL() + " ORDER BY " + order + " LIMIT " + limit
	out, err := readInArea(ctx, s.pool, scope, scan, sql, q.args)
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", l.table, err)
	}
	out, more := pageRows(out, p)
	return out, more, nil
}

// eventsByID returns the records of the list kind among ids that the list
// shows in scope (the same area, neither they nor their child deleted), read
// with scan, in one statement however many ids; the others are simply absent.
func eventsByID[T any](ctx context.Context, s *ChildStore, kind domain.EventKind, scan pgx.RowToFunc[T], scope domain.Scope,
	ids []int64) ([]T, error) {
	l := eventLists[kind]
	q, from := l.where(scope, domain.EventFilter{})
	q.and("x.id = ANY($?)", ids)
	out, err := readInArea(ctx, s.pool, scope, scan, "SELECT "+l.cols+from+q.whereSQL()+" ORDER BY x.id", q.args)
	if err != nil {
		return nil, fmt.Errorf("%s by id: %w", l.table, err)
	}
	return out, nil
}

// eventsByParent returns the records of the list kind whose parentCol is
// among ids, in scope, by id, in one statement however many parents.
func eventsByParent[T any](ctx context.Context, s *ChildStore, kind domain.EventKind, parentCol string, scan pgx.RowToFunc[T],
	scope domain.Scope, ids []int64) ([]T, error) {
	l := eventLists[kind]
	q, from := l.where(scope, domain.EventFilter{})
	q.and("x."+parentCol+" = ANY($?)", ids)
	out, err := readInArea(ctx, s.pool, scope, scan, "SELECT "+l.cols+from+q.whereSQL()+" ORDER BY x.id", q.args)
	if err != nil {
		return nil, fmt.Errorf("%s by %s: %w", l.table, parentCol, err)
	}
	return out, nil
}

// CountEvents counts the rows of the list kind in scope matching f.
func (s *ChildStore) CountEvents(ctx context.Context, kind domain.EventKind, scope domain.Scope, f domain.EventFilter) (int, error) {
	l, ok := eventLists[kind]
	if !ok {
		return 0, domain.Errorf(domain.CodeInternal, "unknown list %q", kind)
	}
	q, from := l.where(scope, f)
	var n int
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, "SELECT count(*)"+from+q.whereSQL(), q.args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", l.table, err)
	}
	return n, nil
}

// ListInjuries lists the injuries of children in scope.
func (s *ChildStore) ListInjuries(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.Injury, bool, error) {
	return listEvents(ctx, s, domain.EventInjury, scanInjury, scope, f, o, p)
}

// ListSupports lists the support given to children in scope.
func (s *ChildStore) ListSupports(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.Support, bool, error) {
	return listEvents(ctx, s, domain.EventSupport, scanSupport, scope, f, o, p)
}

// ListGiftVisits lists the gift visits to children in scope.
func (s *ChildStore) ListGiftVisits(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.GiftVisit, bool, error) {
	return listEvents(ctx, s, domain.EventGiftVisit, scanGiftVisit, scope, f, o, p)
}

// ListSwimmingClasses lists the swimming classes of units in scope.
func (s *ChildStore) ListSwimmingClasses(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.SwimmingClass, bool, error) {
	return listEvents(ctx, s, domain.EventSwimmingClass, scanSwimmingClass, scope, f, o, p)
}

// ListServicePoints lists the service points of units in scope.
func (s *ChildStore) ListServicePoints(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.ServicePoint, bool, error) {
	return listEvents(ctx, s, domain.EventServicePoint, scanServicePoint, scope, f, o, p)
}

// ListCommunicationActivities lists the awareness events of units in scope.
func (s *ChildStore) ListCommunicationActivities(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.CommunicationActivity, bool, error) {
	return listEvents(ctx, s, domain.EventCommunicationActivity, scanCommunicationActivity, scope, f, o, p)
}

// ListPlanActivities lists the plan activities of units in scope.
func (s *ChildStore) ListPlanActivities(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.PlanActivity, bool, error) {
	return listEvents(ctx, s, domain.EventPlanActivity, scanPlanActivity, scope, f, o, p)
}

// ListReports lists the periodic reports of units in scope.
func (s *ChildStore) ListReports(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.Report, bool, error) {
	return listEvents(ctx, s, domain.EventReport, scanReport, scope, f, o, p)
}

// InjuriesByID returns the injuries among ids that ListInjuries shows in scope.
func (s *ChildStore) InjuriesByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Injury, error) {
	return eventsByID(ctx, s, domain.EventInjury, scanInjury, scope, ids)
}

// SupportsByID returns the support records among ids that ListSupports shows in scope.
func (s *ChildStore) SupportsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Support, error) {
	return eventsByID(ctx, s, domain.EventSupport, scanSupport, scope, ids)
}

// GiftVisitsByID returns the gift visits among ids that ListGiftVisits shows in scope.
func (s *ChildStore) GiftVisitsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.GiftVisit, error) {
	return eventsByID(ctx, s, domain.EventGiftVisit, scanGiftVisit, scope, ids)
}

// SwimmingClassesByID returns the swimming classes among ids that ListSwimmingClasses shows in scope.
func (s *ChildStore) SwimmingClassesByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.SwimmingClass, error) {
	return eventsByID(ctx, s, domain.EventSwimmingClass, scanSwimmingClass, scope, ids)
}

// ServicePointsByID returns the service points among ids that ListServicePoints shows in scope.
func (s *ChildStore) ServicePointsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.ServicePoint, error) {
	return eventsByID(ctx, s, domain.EventServicePoint, scanServicePoint, scope, ids)
}

// CommunicationActivitiesByID returns the awareness events among ids that
// ListCommunicationActivities shows in scope.
func (s *ChildStore) CommunicationActivitiesByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.CommunicationActivity, error) {
	return eventsByID(ctx, s, domain.EventCommunicationActivity, scanCommunicationActivity, scope, ids)
}

// PlanActivitiesByID returns the plan activities among ids that ListPlanActivities shows in scope.
func (s *ChildStore) PlanActivitiesByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.PlanActivity, error) {
	return eventsByID(ctx, s, domain.EventPlanActivity, scanPlanActivity, scope, ids)
}

// ReportsByID returns the periodic reports among ids that ListReports shows in scope.
func (s *ChildStore) ReportsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Report, error) {
	return eventsByID(ctx, s, domain.EventReport, scanReport, scope, ids)
}

// RecordInjury records an injury of a child in scope. Its input problems and
// the store's come back together.
func (s *ChildStore) RecordInjury(ctx context.Context, scope domain.Scope, in domain.Injury, unit *int) (int64, error) {
	return s.checkedChildEvent(ctx, scope, in.ChildID, unit, in.OccurredOn, "occurredOn", "Injury",
		[]string{"child", "unit", "occurredOn", "cause", "outcome"}, in.Validate(s.today()), func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
			  VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.ChildID, u, in.OccurredOn, in.Cause, in.Outcome)
		})
}

// RecordSupport records support given to a child in scope. Its input problems
// and the store's come back together.
func (s *ChildStore) RecordSupport(ctx context.Context, scope domain.Scope, in domain.Support, unit *int) (int64, error) {
	return s.checkedChildEvent(ctx, scope, in.ChildID, unit, in.GivenOn, "givenOn", "Support",
		[]string{"child", "unit", "type", "provider", "amountVnd", "givenOn"}, in.Validate(s.today()), func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO support (child_id, unit_id, support_type, provider, amount_vnd, given_on)
			  VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, in.ChildID, u, in.Type, in.Provider, in.AmountVND, in.GivenOn)
		})
}

// RecordGiftVisit records a gift visit to a child in scope. Its input problems
// and the store's come back together.
func (s *ChildStore) RecordGiftVisit(ctx context.Context, scope domain.Scope, in domain.GiftVisit, unit *int) (int64, error) {
	return s.checkedChildEvent(ctx, scope, in.ChildID, unit, in.VisitedOn, "visitedOn", "GiftVisit",
		[]string{"child", "unit", "occasion", "visitedOn", "valueVnd"}, in.Validate(s.today()), func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd)
			  VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.ChildID, u, in.Occasion, in.VisitedOn, in.ValueVND)
		})
}

// unitEvent runs a write about a unit of the caller's area (a class, an
// activity, facts). problems is the record's Validate result (nil when none):
// it joins the store's check that the unit was in force on day in one list,
// so a client fixes them all in one round. A unit outside the area is refused
// alone, before any problem is told. write returns the record's id; the write
// is audited under entity with fields.
func (s *ChildStore) unitEvent(ctx context.Context, scope domain.Scope, unit int, day time.Time, entity string,
	fields []string, problems error, write func(tx pgx.Tx) (int64, error)) (int64, error) {
	if !scope.Contains(unit) {
		return 0, &domain.Error{Code: domain.CodeForbidden, Field: "unit", Message: "the unit is outside your area"}
	}
	var id int64
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		if err := domain.Collect(problems, unitValidOn(ctx, tx, unit, day, "unit")); err != nil {
			return err
		}
		var err error
		if id, err = write(tx); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, entity, []int64{id}, fields)
	})
	return id, err
}

// CreateSwimmingClass records a safe-swimming class held in a unit of the area.
func (s *ChildStore) CreateSwimmingClass(ctx context.Context, scope domain.Scope, c domain.SwimmingClass) (int64, error) {
	return s.unitEvent(ctx, scope, c.UnitID, c.StartsOn, "SwimmingClass", []string{"unit", "name", "startsOn", "endsOn"},
		c.Validate(s.today()), func(tx pgx.Tx) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO swimming_class (unit_id, name, starts_on, ends_on) VALUES ($1, $2, $3, $4)
		  RETURNING id`, c.UnitID, c.Name, c.StartsOn, c.EndsOn)
		})
}

const enrolmentColumns = "id, class_id, child_id, enrolled_on, completed_on"

type enrolmentRow struct {
	ID          int64      `db:"id"`
	ClassID     int64      `db:"class_id"`
	ChildID     int64      `db:"child_id"`
	EnrolledOn  time.Time  `db:"enrolled_on"`
	CompletedOn *time.Time `db:"completed_on"`
}

func (r enrolmentRow) toDomain() domain.Enrolment {
	return domain.Enrolment{ID: r.ID, ClassID: r.ClassID, ChildID: r.ChildID, EnrolledOn: r.EnrolledOn,
		CompletedOn: r.CompletedOn}
}

var scanEnrolment = byName(enrolmentRow.toDomain)

// Enrol puts a child in scope into a swimming class visible in scope.
func (s *ChildStore) Enrol(ctx context.Context, scope domain.Scope, classID, childID int64, on time.Time) (domain.Enrolment, error) {
	return s.enrolment(ctx, scope, childID, on, []string{"class", "child", "enrolledOn"}, func(tx pgx.Tx) error {
		return found(ctx, tx, "no such class in your area",
			`SELECT EXISTS (SELECT 1 FROM swimming_class WHERE id = $1 AND deleted_at IS NULL)`, classID)
	}, `INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on)
		  SELECT id, $2, $3 FROM swimming_class WHERE id = $1 AND deleted_at IS NULL RETURNING `+enrolmentColumns,
		classID, childID, on)
}

// CompleteSwimming records that a child completed a class they were enrolled in.
func (s *ChildStore) CompleteSwimming(ctx context.Context, scope domain.Scope, classID, childID int64, on time.Time) (domain.Enrolment, error) {
	return s.enrolment(ctx, scope, childID, on, []string{"completedOn"}, func(tx pgx.Tx) error {
		var enrolled time.Time
		err := tx.QueryRow(ctx, `SELECT enrolled_on FROM swimming_enrolment WHERE class_id = $1 AND child_id = $2 AND deleted_at IS NULL`,
			classID, childID).Scan(&enrolled)
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such enrolment in your area")
		}
		if err != nil {
			return err
		}
		if on.Before(enrolled) {
			return domain.Invalid("on", "must not be before the enrolment (%s)", enrolled.Format(time.DateOnly))
		}
		return nil
	}, `UPDATE swimming_enrolment SET completed_on = $3
		  WHERE class_id = $1 AND child_id = $2 AND deleted_at IS NULL RETURNING `+enrolmentColumns,
		classID, childID, on)
}

// enrolment runs an enrolment's write about a child in scope, dated on (the
// input's field "on"): the date's problems come back together with the
// store's (before the child's birth, the commune not in force). exists
// refuses a class (or an enrolment) the write needs and scope does not see as
// NOT_FOUND, told alone like a child outside the area; it may also check the
// date against the record it finds.
func (s *ChildStore) enrolment(ctx context.Context, scope domain.Scope, childID int64, on time.Time, fields []string,
	exists func(tx pgx.Tx) error, sql string, args ...any) (domain.Enrolment, error) {
	var e domain.Enrolment
	_, err := s.checkedChildEvent(ctx, scope, childID, nil, on, "on", "SwimmingEnrolment", fields,
		domain.EnrolmentDate(on, s.today()), func(tx pgx.Tx, _ int) (int64, error) {
			rows, err := tx.Query(ctx, sql, args...)
			if err != nil {
				return 0, err
			}
			e, err = pgx.CollectExactlyOneRow(rows, scanEnrolment)
			if err == pgx.ErrNoRows {
				return 0, domain.Errorf(domain.CodeNotFound, "no such class or enrolment in your area")
			}
			return e.ID, err
		}, exists)
	return e, err
}

// found runs sql, a SELECT EXISTS, and refuses a false answer as NOT_FOUND
// with message.
func found(ctx context.Context, tx pgx.Tx, message, sql string, args ...any) error {
	var ok bool
	if err := tx.QueryRow(ctx, sql, args...).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.CodeNotFound, "%s", message)
	}
	return nil
}

// RecordCommunicationActivity records an awareness event in a unit of the area.
func (s *ChildStore) RecordCommunicationActivity(ctx context.Context, scope domain.Scope, a domain.CommunicationActivity) (int64, error) {
	return s.unitEvent(ctx, scope, a.UnitID, a.HeldOn, "CommunicationActivity", []string{"unit", "heldOn", "topic", "participants",
		"channel", "reach"}, a.Validate(s.today()), func(tx pgx.Tx) (int64, error) {
		return insertID(ctx, tx, `INSERT INTO communication_activity (unit_id, held_on, topic, participants, channel, reach)
		  VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, a.UnitID, a.HeldOn, a.Topic, a.Participants, a.Channel, a.Reach)
	})
}

// SetCommuneFacts records (or replaces) a commune's facts for a year.
func (s *ChildStore) SetCommuneFacts(ctx context.Context, scope domain.Scope, f domain.CommuneFacts) error {
	// The facts describe a year: the commune must be in force on some day of it.
	day := time.Date(f.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	if t := s.today(); day.After(t) {
		day = t
	}
	_, err := s.unitEvent(ctx, scope, f.UnitID, day, "CommuneFacts", []string{"year", "workerAssigned", "villages",
		"villagesWithCollaborator", "boardMeetings", "fundingVnd", "playVenues", "childrenForums", "surveyRespondents",
		"surveySatisfied", "category"}, f.Validate(s.today()), func(tx pgx.Tx) (int64, error) {
		_, err := tx.Exec(ctx, `INSERT INTO commune_facts (unit_id, year, worker_assigned, villages, villages_with_collaborator,
		    board_meetings, funding_vnd, play_venues, children_forums, survey_respondents, survey_satisfied, category)
		  VALUES ($1, $2, $12, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		  ON CONFLICT (unit_id, year) DO UPDATE SET worker_assigned = EXCLUDED.worker_assigned, villages = EXCLUDED.villages,
		    villages_with_collaborator = EXCLUDED.villages_with_collaborator, board_meetings = EXCLUDED.board_meetings,
		    funding_vnd = EXCLUDED.funding_vnd, play_venues = EXCLUDED.play_venues, children_forums = EXCLUDED.children_forums,
		    survey_respondents = EXCLUDED.survey_respondents, survey_satisfied = EXCLUDED.survey_satisfied,
		    category = EXCLUDED.category, deleted_at = NULL`,
			f.UnitID, f.Year, f.Villages, f.VillagesWithCollaborator, f.BoardMeetings, f.FundingVND, f.PlayVenues,
			f.ChildrenForums, f.SurveyRespondents, f.SurveySatisfied, f.Category, f.WorkerAssigned)
		// Facts are keyed by commune and year: the audit names the commune.
		return int64(f.UnitID), err
	})
	if err != nil {
		return fmt.Errorf("set commune facts: %w", err)
	}
	return nil
}

const communeFactsColumns = `x.unit_id, x.year, x.worker_assigned, x.villages, x.villages_with_collaborator,
  x.board_meetings, x.funding_vnd, x.play_venues, x.children_forums, x.survey_respondents, x.survey_satisfied, x.category`

type communeFactsRow struct {
	UnitID                   int    `db:"unit_id"`
	Year                     int    `db:"year"`
	WorkerAssigned           bool   `db:"worker_assigned"`
	Villages                 int    `db:"villages"`
	VillagesWithCollaborator int    `db:"villages_with_collaborator"`
	BoardMeetings            int    `db:"board_meetings"`
	FundingVND               int64  `db:"funding_vnd"`
	PlayVenues               int    `db:"play_venues"`
	ChildrenForums           int    `db:"children_forums"`
	SurveyRespondents        int    `db:"survey_respondents"`
	SurveySatisfied          int    `db:"survey_satisfied"`
	Category                 string `db:"category"`
}

func (r communeFactsRow) toDomain() domain.CommuneFacts {
	return domain.CommuneFacts{
		UnitID:                   r.UnitID,
		Year:                     r.Year,
		WorkerAssigned:           r.WorkerAssigned,
		Villages:                 r.Villages,
		VillagesWithCollaborator: r.VillagesWithCollaborator,
		BoardMeetings:            r.BoardMeetings,
		FundingVND:               r.FundingVND,
		PlayVenues:               r.PlayVenues,
		ChildrenForums:           r.ChildrenForums,
		SurveyRespondents:        r.SurveyRespondents,
		SurveySatisfied:          r.SurveySatisfied,
		Category:                 r.Category,
	}
}

var scanCommuneFacts = byName(communeFactsRow.toDomain)

// CommuneFacts returns a commune's facts for a year, or NOT_FOUND.
func (s *ChildStore) CommuneFacts(ctx context.Context, scope domain.Scope, unit, year int) (domain.CommuneFacts, error) {
	var f domain.CommuneFacts
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		var q query
		q.and("x.unit_id = $?", unit)
		q.and("x.year = $?", year)
		q.and("x.deleted_at IS NULL")
		q.inUnits("x.unit_id", scope)
		rows, err := tx.Query(ctx, "SELECT "+communeFactsColumns+" FROM commune_facts x"+q.whereSQL(), q.args...)
		if err != nil {
			return err
		}
		f, err = pgx.CollectExactlyOneRow(rows, scanCommuneFacts)
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no facts for that commune and year")
		}
		return err
	})
	return f, err
}

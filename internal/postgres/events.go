package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// Column lists in the order of the domain structs' fields.
const (
	injuryColumns        = "x.id, x.child_id, x.unit_id, x.occurred_on, x.cause, x.outcome"
	supportColumns       = "x.id, x.child_id, x.unit_id, x.support_type, x.provider, x.amount_vnd, x.given_on"
	giftColumns          = "x.id, x.child_id, x.unit_id, x.occasion, x.visited_on, x.value_vnd"
	classColumns         = "x.id, x.unit_id, x.name, x.starts_on, x.ends_on"
	servicePointColumns  = "x.id, x.unit_id, x.name, x.opened_on, x.closed_on"
	communicationColumns = "x.id, x.unit_id, x.held_on, x.topic, x.participants"
	planActivityColumns  = "x.id, x.unit_id, x.year, x.title, x.due_on, x.done_on"
	reportColumns        = "x.id, x.unit_id, x.period, x.due_on, x.submitted_at"
)

// eventList describes one list of dated records: its table, columns, date
// column, the column EventFilter.Kind compares, and whether rows belong to a
// child (then the area is the child's, as in the row-level security policies)
// or to a unit.
type eventList struct {
	table, cols, dateCol, kindCol string
	perChild                      bool
}

var eventLists = map[domain.EventKind]eventList{
	domain.EventInjury:                {"injury", injuryColumns, "occurred_on", "cause", true},
	domain.EventSupport:               {"support", supportColumns, "given_on", "support_type", true},
	domain.EventGiftVisit:             {"gift_visit", giftColumns, "visited_on", "occasion", true},
	domain.EventSwimmingClass:         {"swimming_class", classColumns, "starts_on", "", false},
	domain.EventServicePoint:          {"service_point", servicePointColumns, "opened_on", "", false},
	domain.EventCommunicationActivity: {"communication_activity", communicationColumns, "held_on", "", false},
	domain.EventPlanActivity:          {"plan_activity", planActivityColumns, "due_on", "", false},
	domain.EventReport:                {"periodic_report", reportColumns, "due_on", "period", false},
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
	if f.UnitIDs != nil {
		q.and("x.unit_id = ANY($?)", unitArray(f.UnitIDs))
	}
	if f.From != nil {
		q.and("x."+l.dateCol+" >= $?", *f.From)
	}
	if f.To != nil {
		q.and("x."+l.dateCol+" <= $?", *f.To)
	}
	if f.Kind != "" && l.kindCol != "" {
		q.and("x."+l.kindCol+" = $?", f.Kind)
	}
	return q, from
}

// listEvents returns a page of the list kind in scope, by id, after p.After.
func listEvents[T any](ctx context.Context, s *ChildStore, kind domain.EventKind, scope domain.Scope, f domain.EventFilter,
	p domain.Page[int64]) ([]T, bool, error) {
	l := eventLists[kind]
	q, from := l.where(scope, f)
	if p.After != nil {
		q.and("x.id > $?", *p.After)
	}
	sql := "SELECT " + l.cols + from + q.whereSQL() + " ORDER BY x.id LIMIT " + q.arg(p.First+1)
	out, err := readInArea(ctx, s.pool, scope, pgx.RowToStructByPos[T], sql, q.args)
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", l.table, err)
	}
	out, more := trimPage(out, p.First)
	return out, more, nil
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
func (s *ChildStore) ListInjuries(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.Injury, bool, error) {
	return listEvents[domain.Injury](ctx, s, domain.EventInjury, scope, f, p)
}

// ListSupports lists the support given to children in scope.
func (s *ChildStore) ListSupports(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.Support, bool, error) {
	return listEvents[domain.Support](ctx, s, domain.EventSupport, scope, f, p)
}

// ListGiftVisits lists the gift visits to children in scope.
func (s *ChildStore) ListGiftVisits(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.GiftVisit, bool, error) {
	return listEvents[domain.GiftVisit](ctx, s, domain.EventGiftVisit, scope, f, p)
}

// ListSwimmingClasses lists the swimming classes of units in scope.
func (s *ChildStore) ListSwimmingClasses(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.SwimmingClass, bool, error) {
	return listEvents[domain.SwimmingClass](ctx, s, domain.EventSwimmingClass, scope, f, p)
}

// ListServicePoints lists the service points of units in scope.
func (s *ChildStore) ListServicePoints(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.ServicePoint, bool, error) {
	return listEvents[domain.ServicePoint](ctx, s, domain.EventServicePoint, scope, f, p)
}

// ListCommunicationActivities lists the awareness events of units in scope.
func (s *ChildStore) ListCommunicationActivities(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.CommunicationActivity, bool, error) {
	return listEvents[domain.CommunicationActivity](ctx, s, domain.EventCommunicationActivity, scope, f, p)
}

// ListPlanActivities lists the plan activities of units in scope.
func (s *ChildStore) ListPlanActivities(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.PlanActivity, bool, error) {
	return listEvents[domain.PlanActivity](ctx, s, domain.EventPlanActivity, scope, f, p)
}

// ListReports lists the periodic reports of units in scope.
func (s *ChildStore) ListReports(ctx context.Context, scope domain.Scope, f domain.EventFilter, p domain.Page[int64]) ([]domain.Report, bool, error) {
	return listEvents[domain.Report](ctx, s, domain.EventReport, scope, f, p)
}

// RecordInjury records an injury of a child in scope.
func (s *ChildStore) RecordInjury(ctx context.Context, scope domain.Scope, in domain.Injury, unit *int) (int64, error) {
	if !domain.OneOf(in.Cause, domain.InjuryCauses) {
		return 0, domain.Invalid("cause", "must be one of %v", domain.InjuryCauses)
	}
	if !domain.OneOf(in.Outcome, domain.InjuryOutcomes) {
		return 0, domain.Invalid("outcome", "must be one of %v", domain.InjuryOutcomes)
	}
	return s.childEvent(ctx, scope, in.ChildID, unit, in.OccurredOn, "occurredOn", "Injury",
		[]string{"child", "unit", "occurredOn", "cause", "outcome"}, func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO injury (child_id, unit_id, occurred_on, cause, outcome)
			  VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.ChildID, u, in.OccurredOn, in.Cause, in.Outcome)
		})
}

// RecordSupport records support given to a child in scope.
func (s *ChildStore) RecordSupport(ctx context.Context, scope domain.Scope, in domain.Support, unit *int) (int64, error) {
	if !domain.OneOf(in.Type, domain.SupportTypes) {
		return 0, domain.Invalid("type", "must be one of %v", domain.SupportTypes)
	}
	if in.AmountVND < 0 {
		return 0, domain.Invalid("amountVnd", "must not be negative")
	}
	if err := domain.ValidText("provider", in.Provider, 200); err != nil {
		return 0, err
	}
	return s.childEvent(ctx, scope, in.ChildID, unit, in.GivenOn, "givenOn", "Support",
		[]string{"child", "unit", "type", "provider", "amountVnd", "givenOn"}, func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO support (child_id, unit_id, support_type, provider, amount_vnd, given_on)
			  VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, in.ChildID, u, in.Type, in.Provider, in.AmountVND, in.GivenOn)
		})
}

// RecordGiftVisit records a gift visit to a child in scope.
func (s *ChildStore) RecordGiftVisit(ctx context.Context, scope domain.Scope, in domain.GiftVisit, unit *int) (int64, error) {
	if !domain.OneOf(in.Occasion, domain.GiftOccasions) {
		return 0, domain.Invalid("occasion", "must be one of %v", domain.GiftOccasions)
	}
	if in.ValueVND < 0 {
		return 0, domain.Invalid("valueVnd", "must not be negative")
	}
	return s.childEvent(ctx, scope, in.ChildID, unit, in.VisitedOn, "visitedOn", "GiftVisit",
		[]string{"child", "unit", "occasion", "visitedOn", "valueVnd"}, func(tx pgx.Tx, u int) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO gift_visit (child_id, unit_id, occasion, visited_on, value_vnd)
			  VALUES ($1, $2, $3, $4, $5) RETURNING id`, in.ChildID, u, in.Occasion, in.VisitedOn, in.ValueVND)
		})
}

// unitEvent runs a write about a unit of the caller's area (a class, an
// activity, facts): the unit must be in force on day, which must not be in the
// future. write returns the record's id; the write is audited under entity with fields.
func (s *ChildStore) unitEvent(ctx context.Context, scope domain.Scope, unit int, day time.Time, dateField, entity string,
	fields []string, write func(tx pgx.Tx) (int64, error)) (int64, error) {
	if err := domain.NotFuture(dateField, day, s.today()); err != nil {
		return 0, err
	}
	if !scope.Contains(unit) {
		return 0, &domain.Error{Code: domain.CodeForbidden, Field: "unit", Message: "the unit is outside your area"}
	}
	var id int64
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		if err := unitValidOn(ctx, tx, unit, day, "unit"); err != nil {
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
	if err := domain.ValidText("name", c.Name, 200); err != nil {
		return 0, err
	}
	if c.EndsOn.Before(c.StartsOn) {
		return 0, domain.Invalid("endsOn", "must not be before startsOn")
	}
	return s.unitEvent(ctx, scope, c.UnitID, c.StartsOn, "startsOn", "SwimmingClass",
		[]string{"unit", "name", "startsOn", "endsOn"}, func(tx pgx.Tx) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO swimming_class (unit_id, name, starts_on, ends_on) VALUES ($1, $2, $3, $4)
		  RETURNING id`, c.UnitID, c.Name, c.StartsOn, c.EndsOn)
		})
}

const enrolmentColumns = "id, class_id, child_id, enrolled_on, completed_on"

// Enrol puts a child in scope into a swimming class visible in scope.
func (s *ChildStore) Enrol(ctx context.Context, scope domain.Scope, classID, childID int64, on time.Time) (domain.Enrolment, error) {
	return s.enrolment(ctx, scope, childID, on, "enrolledOn", []string{"class", "child", "enrolledOn"},
		`INSERT INTO swimming_enrolment (class_id, child_id, enrolled_on)
		  SELECT id, $2, $3 FROM swimming_class WHERE id = $1 AND deleted_at IS NULL RETURNING `+enrolmentColumns,
		classID, childID, on)
}

// CompleteSwimming records that a child completed a class they were enrolled in.
func (s *ChildStore) CompleteSwimming(ctx context.Context, scope domain.Scope, classID, childID int64, on time.Time) (domain.Enrolment, error) {
	return s.enrolment(ctx, scope, childID, on, "completedOn", []string{"completedOn"},
		`UPDATE swimming_enrolment SET completed_on = $3
		  WHERE class_id = $1 AND child_id = $2 AND deleted_at IS NULL RETURNING `+enrolmentColumns,
		classID, childID, on)
}

func (s *ChildStore) enrolment(ctx context.Context, scope domain.Scope, childID int64, on time.Time, dateField string,
	fields []string, sql string, args ...any) (domain.Enrolment, error) {
	var e domain.Enrolment
	_, err := s.childEvent(ctx, scope, childID, nil, on, dateField, "SwimmingEnrolment", fields,
		func(tx pgx.Tx, _ int) (int64, error) {
			rows, err := tx.Query(ctx, sql, args...)
			if err != nil {
				return 0, err
			}
			e, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[domain.Enrolment])
			if err == pgx.ErrNoRows {
				return 0, domain.Errorf(domain.CodeNotFound, "no such class or enrolment in your area")
			}
			return e.ID, err
		})
	return e, err
}

// RecordCommunicationActivity records an awareness event in a unit of the area.
func (s *ChildStore) RecordCommunicationActivity(ctx context.Context, scope domain.Scope, a domain.CommunicationActivity) (int64, error) {
	if err := domain.ValidText("topic", a.Topic, 300); err != nil {
		return 0, err
	}
	if a.Participants < 0 {
		return 0, domain.Invalid("participants", "must not be negative")
	}
	return s.unitEvent(ctx, scope, a.UnitID, a.HeldOn, "heldOn", "CommunicationActivity",
		[]string{"unit", "heldOn", "topic", "participants"}, func(tx pgx.Tx) (int64, error) {
			return insertID(ctx, tx, `INSERT INTO communication_activity (unit_id, held_on, topic, participants)
		  VALUES ($1, $2, $3, $4) RETURNING id`, a.UnitID, a.HeldOn, a.Topic, a.Participants)
		})
}

// SetCommuneFacts records (or replaces) a commune's facts for a year.
func (s *ChildStore) SetCommuneFacts(ctx context.Context, scope domain.Scope, f domain.CommuneFacts) error {
	if err := f.Validate(s.today()); err != nil {
		return err
	}
	// The facts describe a year: the commune must be in force on some day of it.
	day := time.Date(f.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	if t := s.today(); day.After(t) {
		day = t
	}
	_, err := s.unitEvent(ctx, scope, f.UnitID, day, "year", "CommuneFacts", []string{"year", "workerAssigned", "villages",
		"villagesWithCollaborator", "boardMeetings", "fundingVnd", "playVenues", "childrenForums", "surveyRespondents",
		"surveySatisfied", "category"}, func(tx pgx.Tx) (int64, error) {
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

// CommuneFacts returns a commune's facts for a year, or NOT_FOUND.
func (s *ChildStore) CommuneFacts(ctx context.Context, scope domain.Scope, unit, year int) (domain.CommuneFacts, error) {
	var f domain.CommuneFacts
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		var q query
		q.and("x.unit_id = $?", unit)
		q.and("x.year = $?", year)
		q.and("x.deleted_at IS NULL")
		q.inUnits("x.unit_id", scope)
		rows, err := tx.Query(ctx, `SELECT x.unit_id, x.year, x.worker_assigned, x.villages, x.villages_with_collaborator, x.board_meetings,
		    x.funding_vnd, x.play_venues, x.children_forums, x.survey_respondents, x.survey_satisfied, x.category
		  FROM commune_facts x`+q.whereSQL(), q.args...)
		if err != nil {
			return err
		}
		f, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[domain.CommuneFacts])
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no facts for that commune and year")
		}
		return err
	})
	return f, err
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// The columns of the children's events and their recommendations, for the
// generic lists (eventLists); an event reads its participants as one JSON
// array built under the event's row-level security.
const (
	childrenEventColumns = "x.id, x.unit_id, x.kind, x.starts_on, x.ends_on, x.title, x.theme, x.officials, " +
		"children_event_participants(x.id) AS participants"
	forumRecColumns = "x.id, x.event_id, x.unit_id, x.raised_on, x.due_on, x.text, x.responding_unit_id, x.answer, x.answered_on"
)

type eventParticipantRow struct {
	Band   string `json:"band"`
	Female int    `json:"female"`
	Male   int    `json:"male"`
}

type childrenEventRow struct {
	ID           int64                 `db:"id"`
	UnitID       int                   `db:"unit_id"`
	Kind         string                `db:"kind"`
	StartsOn     time.Time             `db:"starts_on"`
	EndsOn       time.Time             `db:"ends_on"`
	Title        string                `db:"title"`
	Theme        string                `db:"theme"`
	Officials    int                   `db:"officials"`
	Participants []eventParticipantRow `db:"participants"`
}

func (r childrenEventRow) toDomain() domain.ChildrenEvent {
	e := domain.ChildrenEvent{ID: r.ID, UnitID: r.UnitID, Kind: r.Kind, StartsOn: r.StartsOn, EndsOn: r.EndsOn, Title: r.Title,
		Theme: r.Theme, Officials: r.Officials, Participants: make([]domain.EventParticipants, len(r.Participants))}
	for i, p := range r.Participants {
		e.Participants[i] = domain.EventParticipants{AgeBand: p.Band, Female: p.Female, Male: p.Male}
	}
	return e
}

type forumRecRow struct {
	ID               int64      `db:"id"`
	EventID          int64      `db:"event_id"`
	UnitID           int        `db:"unit_id"`
	RaisedOn         time.Time  `db:"raised_on"`
	DueOn            time.Time  `db:"due_on"`
	Text             string     `db:"text"`
	RespondingUnitID *int       `db:"responding_unit_id"`
	Answer           *string    `db:"answer"`
	AnsweredOn       *time.Time `db:"answered_on"`
}

func (r forumRecRow) toDomain() domain.ForumRecommendation {
	return domain.ForumRecommendation{ID: r.ID, EventID: r.EventID, UnitID: r.UnitID, RaisedOn: r.RaisedOn, DueOn: r.DueOn,
		Text: r.Text, RespondingUnitID: r.RespondingUnitID, Answer: r.Answer, AnsweredOn: r.AnsweredOn}
}

var (
	scanChildrenEvent = byName(childrenEventRow.toDomain)
	scanForumRec      = byName(forumRecRow.toDomain)
)

// ListChildrenEvents lists the Action Months and forums held by units in scope.
func (s *ChildStore) ListChildrenEvents(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.ChildrenEvent, bool, error) {
	return listEvents(ctx, s, domain.EventChildrenEvent, scanChildrenEvent, scope, f, o, p)
}

// ChildrenEventsByID returns the events among ids that ListChildrenEvents shows in scope.
func (s *ChildStore) ChildrenEventsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.ChildrenEvent, error) {
	return eventsByID(ctx, s, domain.EventChildrenEvent, scanChildrenEvent, scope, ids)
}

// ForumRecommendationsByID returns the recommendations among ids of events in scope.
func (s *ChildStore) ForumRecommendationsByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.ForumRecommendation, error) {
	return eventsByID(ctx, s, domain.EventForumRecommendation, scanForumRec, scope, ids)
}

// ForumRecommendationsByEvent returns the recommendations of the events ids in scope.
func (s *ChildStore) ForumRecommendationsByEvent(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.ForumRecommendation, error) {
	return eventsByParent(ctx, s, domain.EventForumRecommendation, "event_id", scanForumRec, scope, ids)
}

// RecordChildrenEvent records an event held by a unit of the area with its
// participants; the unit must be in force on the first and the last day.
func (s *ChildStore) RecordChildrenEvent(ctx context.Context, scope domain.Scope, e domain.ChildrenEvent) (int64, error) {
	id, err := s.unitEvent(ctx, scope, e.UnitID, e.StartsOn, "ChildrenEvent",
		[]string{"unit", "kind", "startsOn", "endsOn", "title", "theme", "officials", "participants"},
		e.Validate(s.today()), func(tx pgx.Tx) (int64, error) {
			if err := unitValidOn(ctx, tx, e.UnitID, e.EndsOn, "unit"); err != nil {
				return 0, err
			}
			id, err := insertID(ctx, tx, `INSERT INTO children_event (unit_id, kind, starts_on, ends_on, title, theme, officials)
			  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, e.UnitID, e.Kind, e.StartsOn, e.EndsOn, e.Title, e.Theme, e.Officials)
			if err != nil {
				return 0, err
			}
			bands, female, male := make([]string, len(e.Participants)), make([]int32, len(e.Participants)), make([]int32, len(e.Participants))
			for i, p := range e.Participants {
				bands[i], female[i], male[i] = p.AgeBand, int32(p.Female), int32(p.Male)
			}
			_, err = tx.Exec(ctx, `INSERT INTO children_event_participant (event_id, age_band, female, male)
			  SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[])`, id, bands, female, male)
			return id, err
		})
	if err != nil {
		return 0, fmt.Errorf("record children event: %w", err)
	}
	return id, nil
}

// DeleteChildrenEvent marks an event of the area recorded in error deleted,
// with its recommendations, and returns it as it was; NOT_FOUND when the area
// has no such event. Its participants go with it: every reader joins them
// through the event.
func (s *ChildStore) DeleteChildrenEvent(ctx context.Context, scope domain.Scope, id int64) (domain.ChildrenEvent, error) {
	var e domain.ChildrenEvent
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		var q query
		q.and("x.id = $?", id)
		q.and("x.deleted_at IS NULL")
		q.inUnits("x.unit_id", scope)
		rows, err := tx.Query(ctx, "UPDATE children_event x SET deleted_at = now()"+q.whereSQL()+" RETURNING "+childrenEventColumns, q.args...)
		if err != nil {
			return err
		}
		if e, err = pgx.CollectExactlyOneRow(rows, scanChildrenEvent); err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such children's event in your area")
		} else if err != nil {
			return err
		}
		if err := RecordWriteTx(ctx, tx, "ChildrenEvent", []int64{id}, []string{"deletedAt"}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `UPDATE forum_recommendation SET deleted_at = now() WHERE event_id = $1 AND deleted_at IS NULL
		  RETURNING id`, id)
		if err != nil {
			return err
		}
		recs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(recs) == 0 {
			return err
		}
		return RecordWriteTx(ctx, tx, "ForumRecommendation", recs, []string{"deletedAt"})
	})
	if err != nil {
		return e, fmt.Errorf("delete children event: %w", err)
	}
	return e, nil
}

// AddForumRecommendation records a recommendation raised by the children at a
// forum in scope: an event the caller does not see is NOT_FOUND, an Action
// Month is INVALID_INPUT. Its due day follows from the forum's last day.
func (s *ChildStore) AddForumRecommendation(ctx context.Context, scope domain.Scope, r domain.ForumRecommendation) (domain.ForumRecommendation, error) {
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+childrenEventColumns+" FROM children_event x WHERE x.id = $1 AND x.deleted_at IS NULL", r.EventID)
		if err != nil {
			return err
		}
		e, err := pgx.CollectExactlyOneRow(rows, scanChildrenEvent)
		if err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such children's event in your area")
		} else if err != nil {
			return err
		}
		var notForum error
		if e.Kind != domain.KindChildrenForum {
			notForum = domain.Invalid("eventId", "recommendations are recorded for a children's forum")
		}
		if err := domain.Collect(notForum, r.ValidateText()); err != nil {
			return err
		}
		r.UnitID, r.RaisedOn, r.DueOn = e.UnitID, e.EndsOn, domain.ForumAnswerDue(e.EndsOn)
		if r.ID, err = insertID(ctx, tx, `INSERT INTO forum_recommendation (event_id, unit_id, raised_on, due_on, text)
		  VALUES ($1, $2, $3, $4, $5) RETURNING id`, r.EventID, r.UnitID, r.RaisedOn, r.DueOn, r.Text); err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "ForumRecommendation", []int64{r.ID}, []string{"event", "text"})
	})
	if err != nil {
		return r, fmt.Errorf("add forum recommendation: %w", err)
	}
	return r, nil
}

// RespondToForumRecommendation records the answer to a recommendation in
// scope (a recommendation the caller does not see is NOT_FOUND); the
// responding unit, of any level and area, must be in force on the day. An
// answer given before may be corrected.
func (s *ChildStore) RespondToForumRecommendation(ctx context.Context, scope domain.Scope, id int64, unit int, answer string,
	on time.Time) (domain.ForumRecommendation, error) {
	var r domain.ForumRecommendation
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+forumRecColumns+` FROM forum_recommendation x
		  WHERE x.id = $1 AND x.deleted_at IS NULL FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if r, err = pgx.CollectExactlyOneRow(rows, scanForumRec); err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such forum recommendation in your area")
		} else if err != nil {
			return err
		}
		if err := domain.Collect(r.ValidateAnswer(answer, on, s.today()), unitValidOn(ctx, tx, unit, on, "respondingUnit")); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE forum_recommendation SET responding_unit_id = $2, answer = $3, answered_on = $4
		  WHERE id = $1`, id, unit, answer, on); err != nil {
			return err
		}
		r.RespondingUnitID, r.Answer, r.AnsweredOn = &unit, &answer, &on
		return RecordWriteTx(ctx, tx, "ForumRecommendation", []int64{id}, []string{"respondingUnit", "answer", "answeredOn"})
	})
	if err != nil {
		return r, fmt.Errorf("respond to forum recommendation: %w", err)
	}
	return r, nil
}

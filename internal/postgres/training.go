package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// trainingColumns reads a course with its participants (a JSON array that
// the migration's function builds under the course's row-level security).
const trainingColumns = "x.id, x.unit_id, x.level, x.starts_on, x.ends_on, x.topic, x.hours, x.trainer, " +
	"training_participants(x.id) AS participants"

type trainingParticipantRow struct {
	Role   string `json:"role"`
	UnitID int    `json:"unit"`
	Female int    `json:"female"`
	Male   int    `json:"male"`
}

type trainingCourseRow struct {
	ID           int64                    `db:"id"`
	UnitID       int                      `db:"unit_id"`
	Level        string                   `db:"level"`
	StartsOn     time.Time                `db:"starts_on"`
	EndsOn       time.Time                `db:"ends_on"`
	Topic        string                   `db:"topic"`
	Hours        int                      `db:"hours"`
	Trainer      string                   `db:"trainer"`
	Participants []trainingParticipantRow `db:"participants"`
}

func (r trainingCourseRow) toDomain() domain.TrainingCourse {
	c := domain.TrainingCourse{ID: r.ID, UnitID: r.UnitID, Level: r.Level, StartsOn: r.StartsOn, EndsOn: r.EndsOn,
		Topic: r.Topic, Hours: r.Hours, Trainer: r.Trainer, Participants: make([]domain.TrainingParticipants, len(r.Participants))}
	for i, p := range r.Participants {
		c.Participants[i] = domain.TrainingParticipants{OfficerRole: p.Role, UnitID: p.UnitID, Female: p.Female, Male: p.Male}
	}
	return c
}

var scanTrainingCourse = byName(trainingCourseRow.toDomain)

// ListTrainingCourses lists the training courses organised by units in scope.
func (s *ChildStore) ListTrainingCourses(ctx context.Context, scope domain.Scope, f domain.EventFilter, o domain.DatedOrder,
	p domain.Page[domain.DatedKey]) ([]domain.TrainingCourse, bool, error) {
	return listEvents(ctx, s, domain.EventTrainingCourse, scanTrainingCourse, scope, f, o, p)
}

// TrainingCoursesByID returns the courses among ids that ListTrainingCourses shows in scope.
func (s *ChildStore) TrainingCoursesByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.TrainingCourse, error) {
	return eventsByID(ctx, s, domain.EventTrainingCourse, scanTrainingCourse, scope, ids)
}

// DeleteTrainingCourse marks a course of the area deleted and returns it as
// it was; NOT_FOUND when the area has no such course. Its participants go
// with it: every reader joins them through the course.
func (s *ChildStore) DeleteTrainingCourse(ctx context.Context, scope domain.Scope, id int64) (domain.TrainingCourse, error) {
	var c domain.TrainingCourse
	err := inArea(ctx, s.pool, scope, false, func(tx pgx.Tx) error {
		var q query
		q.and("x.id = $?", id)
		q.and("x.deleted_at IS NULL")
		q.inUnits("x.unit_id", scope)
		rows, err := tx.Query(ctx, "UPDATE training_course x SET deleted_at = now()"+q.whereSQL()+" RETURNING "+trainingColumns, q.args...)
		if err != nil {
			return err
		}
		if c, err = pgx.CollectExactlyOneRow(rows, scanTrainingCourse); err == pgx.ErrNoRows {
			return domain.Errorf(domain.CodeNotFound, "no such training course in your area")
		} else if err != nil {
			return err
		}
		return RecordWriteTx(ctx, tx, "TrainingCourse", []int64{id}, []string{"deletedAt"})
	})
	if err != nil {
		return c, fmt.Errorf("delete training course: %w", err)
	}
	return c, nil
}

// RecordTrainingCourse records a course organised by a unit of the area, with
// its participants. Every unit, the organiser's and the trainees', must be in
// force on the first day.
// Trainees may come from outside the organiser's area (a province course
// trains every district's officers): they are counts, not records of theirs.
func (s *ChildStore) RecordTrainingCourse(ctx context.Context, scope domain.Scope, c domain.TrainingCourse) (int64, error) {
	id, err := s.unitEvent(ctx, scope, c.UnitID, c.StartsOn, "TrainingCourse",
		[]string{"unit", "level", "startsOn", "endsOn", "topic", "hours", "trainer", "participants"},
		c.Validate(s.today()), func(tx pgx.Tx) (int64, error) {
			var problems []error
			for i, p := range c.Participants {
				problems = append(problems, unitValidOn(ctx, tx, p.UnitID, c.StartsOn, fmt.Sprintf("participants.%d.unit", i)))
			}
			if err := domain.Collect(problems...); err != nil {
				return 0, err
			}
			id, err := insertID(ctx, tx, `INSERT INTO training_course (unit_id, level, starts_on, ends_on, topic, hours, trainer)
			  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, c.UnitID, c.Level, c.StartsOn, c.EndsOn, c.Topic, c.Hours, c.Trainer)
			if err != nil {
				return 0, err
			}
			// One statement for every row; COPY is refused under row-level security.
			roles, units, female, male := make([]string, len(c.Participants)), make([]int32, len(c.Participants)),
				make([]int32, len(c.Participants)), make([]int32, len(c.Participants))
			for i, p := range c.Participants {
				roles[i], units[i], female[i], male[i] = p.OfficerRole, int32(p.UnitID), int32(p.Female), int32(p.Male)
			}
			_, err = tx.Exec(ctx, `INSERT INTO training_participant (course_id, officer_role, unit_id, female, male)
			  SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[], $5::int[])`, id, roles, units, female, male)
			return id, err
		})
	if err != nil {
		return 0, fmt.Errorf("record training course: %w", err)
	}
	return id, nil
}

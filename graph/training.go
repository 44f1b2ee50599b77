package graph

import (
	"context"
	"fmt"
	"time"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

func trainingCourseModel(x domain.TrainingCourse) *model.TrainingCourse {
	c := &model.TrainingCourse{ID: globalID(nodeTrainingCourse, x.ID), Level: enumOf[model.TrainingLevel](x.Level),
		StartsOn: scalar.Date{Time: x.StartsOn}, EndsOn: scalar.Date{Time: x.EndsOn}, Topic: x.Topic, Hours: x.Hours,
		Trainer: x.Trainer, UnitID: x.UnitID, Participants: make([]*model.TrainingParticipants, len(x.Participants))}
	for i, p := range x.Participants {
		c.Participants[i] = &model.TrainingParticipants{Role: enumOf[model.OfficerRole](p.OfficerRole), Female: p.Female,
			Male: p.Male, UnitID: p.UnitID, AsOf: c.StartsOn}
	}
	return c
}

func (r *Resolver) trainingCourses(ctx context.Context, page pageArgs, f *model.EventFilter, o *model.EventOrder) (*model.TrainingCourseConnection, error) {
	edges, info, count, err := eventList(ctx, r, "trainingCourses", domain.EventTrainingCourse, page, f, o,
		r.Events.ListTrainingCourses, func(x domain.TrainingCourse) (int64, time.Time) { return x.ID, x.StartsOn }, trainingCourseModel,
		func(c string, n *model.TrainingCourse) *model.TrainingCourseEdge {
			return &model.TrainingCourseEdge{Cursor: c, Node: n}
		})
	return &model.TrainingCourseConnection{Edges: edges, PageInfo: info, Counter: count}, err
}

func (r *Resolver) recordTrainingCourse(ctx context.Context, in model.TrainingCourseInput) (*model.RecordTrainingCoursePayload, error) {
	c, err := r.newTrainingCourse(ctx, in)
	return answer(ctx, "input", c, err, trainingCoursePayload)
}

// newTrainingCourse resolves every unit code on the first day and checks the
// course's rules together, so that every problem of the input comes back at
// once; the organising unit outside the area is the store's FORBIDDEN.
func (r *Resolver) newTrainingCourse(ctx context.Context, in model.TrainingCourseInput) (*model.TrainingCourse, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	day := in.StartsOn.Time
	c := domain.TrainingCourse{Level: mustCodeOf(in.Level, domain.TrainingLevels), StartsOn: day, EndsOn: day,
		Topic: nfc(in.Topic), Hours: in.Hours, Trainer: nfc(in.Trainer),
		Participants: make([]domain.TrainingParticipants, len(in.Participants))}
	if in.EndsOn != nil {
		c.EndsOn = in.EndsOn.Time
	}
	unit, unitErr := r.unitAt(ctx, "unit", in.Unit, day, false)
	c.UnitID = unit
	problems := []error{unitErr}
	// Rows past the limit are not resolved: Validate refuses their number alone.
	if len(in.Participants) <= domain.TrainingMaxParticipants {
		for i, p := range in.Participants {
			role := mustCodeOf(p.Role, domain.OfficerRoles)
			id, err := r.unitAtLevel(ctx, fmt.Sprintf("participants.%d.unit", i), p.Unit, day, domain.OfficerRoleLevels[role])
			problems = append(problems, err)
			c.Participants[i] = domain.TrainingParticipants{OfficerRole: role, UnitID: id, Female: p.Female, Male: p.Male}
		}
	}
	if err := domain.Collect(problems...); err != nil {
		return nil, domain.Collect(err, c.Validate(r.today()))
	}
	if c.ID, err = r.EventRecorder.RecordTrainingCourse(ctx, scope, c); err != nil {
		return nil, err
	}
	return trainingCourseModel(c), nil
}

func (r *Resolver) deleteTrainingCourse(ctx context.Context, id string) (*model.RecordTrainingCoursePayload, error) {
	c, err := r.removeTrainingCourse(ctx, id)
	return answer(ctx, "", c, err, trainingCoursePayload)
}

func (r *Resolver) removeTrainingCourse(ctx context.Context, gid string) (*model.TrainingCourse, error) {
	id, err := nodeID("id", nodeTrainingCourse, gid)
	if err != nil {
		return nil, err
	}
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	c, err := r.EventRecorder.DeleteTrainingCourse(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	return trainingCourseModel(c), nil
}

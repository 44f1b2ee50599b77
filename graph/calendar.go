package graph

import (
	"context"
	"strings"
	"time"

	"treem/graph/model"
	"treem/graph/scalar"
	"treem/internal/domain"
)

// Calendar is the working-day calendar: read by anyone signed in, written by
// province officers, each write moving the deadlines it changes.
type Calendar interface {
	PublicHolidays(ctx context.Context, year int) ([]domain.PublicHoliday, error)
	SetPublicHoliday(ctx context.Context, s domain.Scope, h domain.PublicHoliday) (domain.PublicHoliday, error)
	RemovePublicHoliday(ctx context.Context, s domain.Scope, day time.Time) (domain.PublicHoliday, error)
	ReplacePublicHolidays(ctx context.Context, s domain.Scope, year int, days []domain.PublicHoliday) ([]domain.PublicHoliday, error)
}

func publicHolidayModel(h domain.PublicHoliday) *model.PublicHoliday {
	return &model.PublicHoliday{ID: model.ID(h.ID), Day: scalar.Date{Time: h.Day},
		Kind: model.CalendarDayKind(strings.ToUpper(h.Kind)), Name: h.Name, Provisional: h.Provisional, Source: h.Source}
}

func publicHolidayModels(days []domain.PublicHoliday) []*model.PublicHoliday {
	out := make([]*model.PublicHoliday, len(days))
	for i, h := range days {
		out[i] = publicHolidayModel(h)
	}
	return out
}

func (r *Resolver) publicHolidays(ctx context.Context, year int) ([]*model.PublicHoliday, error) {
	days, err := r.Calendar.PublicHolidays(ctx, year)
	if err != nil {
		return nil, err
	}
	return publicHolidayModels(days), nil
}

func (r *Resolver) setPublicHoliday(ctx context.Context, in model.PublicHolidayInput) (*model.PublicHolidayPayload, error) {
	h, err := r.storePublicHoliday(ctx, in)
	return answer(ctx, "input", h, err, publicHolidayPayload)
}

func (r *Resolver) storePublicHoliday(ctx context.Context, in model.PublicHolidayInput) (*model.PublicHoliday, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	h, err := r.Calendar.SetPublicHoliday(ctx, scope, domain.PublicHoliday{Day: in.Day.Time,
		Kind: strings.ToLower(string(in.Kind)), Name: strings.TrimSpace(nfc(in.Name)), Provisional: in.Provisional,
		Source: strings.TrimSpace(nfc(in.Source))})
	if err != nil {
		return nil, err
	}
	return publicHolidayModel(h), nil
}

func (r *Resolver) removePublicHoliday(ctx context.Context, day scalar.Date) (*model.PublicHolidayPayload, error) {
	h, err := r.deletePublicHoliday(ctx, day)
	return answer(ctx, "", h, err, publicHolidayPayload)
}

func (r *Resolver) deletePublicHoliday(ctx context.Context, day scalar.Date) (*model.PublicHoliday, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	h, err := r.Calendar.RemovePublicHoliday(ctx, scope, day.Time)
	if err != nil {
		return nil, err
	}
	return publicHolidayModel(h), nil
}

func (r *Resolver) uploadPublicHolidays(ctx context.Context, year int, csv string) (*model.UploadPublicHolidaysPayload, error) {
	days, err := r.replacePublicHolidays(ctx, year, csv)
	return answer(ctx, "", days, err, publicHolidaysPayload)
}

func (r *Resolver) replacePublicHolidays(ctx context.Context, year int, csv string) ([]*model.PublicHoliday, error) {
	scope, err := r.scope(ctx)
	if err != nil {
		return nil, err
	}
	days, err := domain.ParseHolidayCSV(year, nfc(csv))
	if err != nil {
		return nil, err
	}
	out, err := r.Calendar.ReplacePublicHolidays(ctx, scope, year, days)
	if err != nil {
		return nil, err
	}
	return publicHolidayModels(out), nil
}

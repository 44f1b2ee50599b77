package graph

import (
	"context"
	"errors"
	"strings"

	"treem/graph/model"
	"treem/internal/domain"
)

// answer builds a mutation's payload with build, the payload type's
// constructor, from what the mutation's work returned. Input problems
// (INVALID_INPUT, one or domain.Problems) become the payload's errors with the
// object null; the write they stopped wrote nothing. Anything else stays a
// GraphQL error for the error presenter, as before payloads: a refusal
// (UNAUTHENTICATED, FORBIDDEN, a record outside the area as NOT_FOUND), a
// CONFLICT, an overload or a failure. Without a problem errors is empty,
// never null. Problems name fields of the argument arg ("input"), or with arg
// "" the arguments themselves ("csv").
//
// A problem that tells of a personal field (domain.Reveal) is audited as a read
// of it, as auditDisclosures does for a refusal that is a GraphQL error.
func answer[T, P any](ctx context.Context, arg string, v T, err error, build func(T, []*model.UserError) P) (P, error) {
	var zero T
	if err == nil {
		return build(v, []*model.UserError{}), nil
	}
	de := domain.Classify(ctx, err)
	if de == nil || de.Code != domain.CodeInvalidInput {
		var none P
		return none, err
	}
	problems := domain.Problems{de}
	errors.As(err, &problems)
	out := make([]*model.UserError, len(problems))
	for i, p := range problems {
		if aerr := auditReveal(ctx, p); aerr != nil {
			var none P
			return none, aerr
		}
		out[i] = &model.UserError{Field: argumentFieldPath(arg, p.Field), Code: model.ErrorCode(p.Code), Message: p.Message}
	}
	return build(zero, out), nil
}

// argumentFieldPath is the path of a problem's field from the mutation's
// arguments: domain problems name fields of the argument arg ("birthDate" of
// "input", or a nested "period.from"), and a problem of no field is of arg as
// a whole.
func argumentFieldPath(arg, field string) []string {
	path := []string{}
	if arg != "" {
		path = append(path, arg)
	}
	if field == "" {
		return path
	}
	return append(path, strings.Split(field, ".")...)
}

// The constructors of the payloads, one per Go payload type, for answer.

func childPayload(c *model.Child, errs []*model.UserError) *model.ChildPayload {
	return &model.ChildPayload{Child: c, Errors: errs}
}

func casePayload(c *model.ProtectionCase, errs []*model.UserError) *model.CasePayload {
	return &model.CasePayload{Case: c, Errors: errs}
}

func injuryPayload(x *model.Injury, errs []*model.UserError) *model.RecordInjuryPayload {
	return &model.RecordInjuryPayload{Injury: x, Errors: errs}
}

func supportPayload(x *model.Support, errs []*model.UserError) *model.RecordSupportPayload {
	return &model.RecordSupportPayload{Support: x, Errors: errs}
}

func giftVisitPayload(x *model.GiftVisit, errs []*model.UserError) *model.RecordGiftVisitPayload {
	return &model.RecordGiftVisitPayload{GiftVisit: x, Errors: errs}
}

func swimmingClassPayload(x *model.SwimmingClass, errs []*model.UserError) *model.CreateSwimmingClassPayload {
	return &model.CreateSwimmingClassPayload{SwimmingClass: x, Errors: errs}
}

func enrolmentPayload(x *model.Enrolment, errs []*model.UserError) *model.EnrolmentPayload {
	return &model.EnrolmentPayload{Enrolment: x, Errors: errs}
}

func communicationPayload(x *model.CommunicationActivity, errs []*model.UserError) *model.RecordCommunicationActivityPayload {
	return &model.RecordCommunicationActivityPayload{CommunicationActivity: x, Errors: errs}
}

func trainingCoursePayload(x *model.TrainingCourse, errs []*model.UserError) *model.RecordTrainingCoursePayload {
	return &model.RecordTrainingCoursePayload{TrainingCourse: x, Errors: errs}
}

func communeFactsPayload(x *model.CommuneFacts, errs []*model.UserError) *model.SetCommuneFactsPayload {
	return &model.SetCommuneFactsPayload{CommuneFacts: x, Errors: errs}
}

func scoringPayload(x *model.ScoringTable, errs []*model.UserError) *model.UploadChildFriendlyScoringPayload {
	return &model.UploadChildFriendlyScoringPayload{ScoringTable: x, Errors: errs}
}

func publicHolidayPayload(x *model.PublicHoliday, errs []*model.UserError) *model.PublicHolidayPayload {
	return &model.PublicHolidayPayload{PublicHoliday: x, Errors: errs}
}

func publicHolidaysPayload(x []*model.PublicHoliday, errs []*model.UserError) *model.UploadPublicHolidaysPayload {
	return &model.UploadPublicHolidaysPayload{PublicHolidays: x, Errors: errs}
}

package graph

import (
	"context"
	"errors"
	"strings"

	"treem/graph/model"
	"treem/internal/domain"
)

// outcome splits what a mutation's work returned into the parts of its
// payload. Input problems (INVALID_INPUT, one or domain.Problems) become the
// payload's errors with the object null; the write they stopped wrote
// nothing. Anything else stays a GraphQL error for the error presenter, as
// before payloads: a refusal (UNAUTHENTICATED, FORBIDDEN, a record outside the
// area as NOT_FOUND), a CONFLICT, an overload or a failure. Without a problem
// errors is empty, never null.
//
// A problem that tells of a personal field (domain.Reveal) is audited as a read
// of it, as auditDisclosures does for a refusal that is a GraphQL error.
func outcome[T any](ctx context.Context, v T, err error) (T, []*model.UserError, error) {
	var zero T
	if err == nil {
		return v, []*model.UserError{}, nil
	}
	de := domain.Classify(ctx, err)
	if de == nil || de.Code != domain.CodeInvalidInput {
		return zero, nil, err
	}
	problems := domain.Problems{de}
	errors.As(err, &problems)
	out := make([]*model.UserError, len(problems))
	for i, p := range problems {
		if aerr := auditReveal(ctx, p); aerr != nil {
			return zero, nil, aerr
		}
		out[i] = &model.UserError{Field: inputPath(p.Field), Code: model.ErrorCode(p.Code), Message: p.Message}
	}
	return zero, out, nil
}

// inputPath is the path of a problem's field from the mutation's arguments:
// domain problems name fields of the input argument ("birthDate", or a nested
// "period.from"), and a problem of no field is of the input as a whole.
func inputPath(field string) []string {
	if field == "" {
		return []string{"input"}
	}
	return append([]string{"input"}, strings.Split(field, ".")...)
}

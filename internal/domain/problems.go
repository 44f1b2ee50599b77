package domain

import (
	"errors"
	"strings"
)

// Problems is every problem found in one input, each an INVALID_INPUT *Error
// naming its field, so that a client fixes them all in one round instead of
// one per request. errors.As finds it, and finds its first *Error too, so a
// caller that knows only *Error still sees INVALID_INPUT on a field.
type Problems []*Error

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is and errors.As look at every problem.
func (p Problems) Unwrap() []error {
	out := make([]error, len(p))
	for i, e := range p {
		out[i] = e
	}
	return out
}

// Collect gathers the outcome of several checks. Nil when every check passed;
// else the first error that is not an input problem (a refusal, a conflict or
// a failure is told alone: it says more than any input problem and must not
// come with details of the input checked against data the caller may not
// know); else every input problem, flattened, in the order given.
func Collect(errs ...error) error {
	var out Problems
	for _, err := range errs {
		if err == nil {
			continue
		}
		var p Problems
		if errors.As(err, &p) {
			out = append(out, p...)
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidInput {
			return err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

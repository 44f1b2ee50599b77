package domain

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code is a stable error class. The GraphQL error presenter and the HTTP
// edge's error body turn it into extensions.code; nothing else does.
type Code string

// The fixed set of error codes clients may rely on.
const (
	CodeInvalidInput    Code = "INVALID_INPUT"
	CodeNotFound        Code = "NOT_FOUND"
	CodeConflict        Code = "CONFLICT"
	CodeUnauthenticated Code = "UNAUTHENTICATED"
	CodeForbidden       Code = "FORBIDDEN"
	CodeTooComplex      Code = "TOO_COMPLEX"
	CodeUnavailable     Code = "UNAVAILABLE"
	CodeInternal        Code = "INTERNAL"
)

// Error is treem's one error type: a code, a message safe to show a client, and
// optionally the field at fault and the underlying cause (logged, never shown).
type Error struct {
	Code    Code
	Message string
	Field   string
	Err     error
	// Reveals names the personal field the refusal discloses something of;
	// the server audits it as a read of that field.
	Reveals *Reveal
}

// Reveal is a personal field of a record that an answer discloses without
// serving it: a date refused as before a birth date tells of that birth date,
// a refused identity number that some child holds it. ID is 0 when the record
// is not one the caller may know.
type Reveal struct {
	Entity string
	ID     int64
	Field  string
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input on one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a code and a client-safe message to a cause.
func Wrap(err error, code Code, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, or INTERNAL.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// TooSlow is the error of a question that ran out of its time limit (zero: a
// limit not known where the time ran out). It is TOO_COMPLEX, never
// UNAVAILABLE: the caller asked for more than the server answers in time, and
// sending the same question again would only load the server again.
func TooSlow(err error, limit time.Duration) *Error {
	if limit <= 0 {
		return Wrap(err, CodeTooComplex, "the question took longer than its time limit: ask for less")
	}
	return Wrap(err, CodeTooComplex, fmt.Sprintf("the question took longer than %g s: ask for less", limit.Seconds()))
}

// Overload is TOO_COMPLEX naming the request's time limit when the request's
// deadline caused err, whatever wrapped it on the way (a store may have called
// it UNAVAILABLE).
func Overload(ctx context.Context, err error) (*Error, bool) {
	if !errors.Is(err, context.DeadlineExceeded) {
		return nil, false
	}
	return TooSlow(err, RequestFrom(ctx).TimeLimit), true
}

// Classify is err as its client is told of it, the same through GraphQL and
// plain HTTP: an overload (see Overload), else the first *Error in its chain,
// else UNAVAILABLE for a request its client cancelled. It is nil for an error
// nobody classified, which the client sees as INTERNAL.
func Classify(ctx context.Context, err error) *Error {
	if o, ok := Overload(ctx, err); ok {
		return o
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) {
		return Wrap(err, CodeUnavailable, "the request was cancelled")
	}
	return nil
}

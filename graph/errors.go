package graph

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"treem/internal/domain"
)

// errorPresenter is the one place that turns errors into extensions.code in
// GraphQL answers; it classifies errors by domain.Classify, as the HTTP edge
// does for plain HTTP answers. Domain errors keep their client-safe message
// and code (and field for field-level validation; our scalars' errors get the
// argument path); gqlparser and gqlgen errors are classified by their own
// code; anything else is logged in full and shown as "internal error".
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		out := &gqlerror.Error{Path: gqlErr.Path, Locations: gqlErr.Locations}

		if de := domain.Classify(ctx, err); de != nil {
			out.Message = de.Message
			out.Extensions = map[string]any{"code": string(de.Code)}
			if de.Field != "" {
				out.Extensions["field"] = de.Field
			} else if f := argumentPath(ctx, gqlErr); f != "" {
				// A scalar (Date) refusing an argument cannot name it; the path does.
				out.Extensions["field"] = f
			}
			if de == errPanic {
				return out // logged with its stack by recoverFunc
			}
			if de.Code != domain.CodeInternal {
				if de.Err != nil {
					log.DebugContext(ctx, "request error", "request_id", domain.RequestFrom(ctx).ID,
						"code", de.Code, "err", de.Err)
				}
				return out
			}
		} else if gqlErr.Err == nil {
			// Raised by the parser, the validator or an extension: its message
			// describes the query, never the data.
			out.Message = gqlErr.Message
			out.Extensions = map[string]any{"code": string(protocolCode(gqlErr))}
			if f, ok := gqlErr.Extensions["field"].(string); ok {
				out.Extensions["field"] = f
			} else if f := variablePath(gqlErr.Path); f != "" {
				out.Extensions["field"] = f
			}
			return out
		}
		if f := argumentPath(ctx, gqlErr); f != "" {
			// Raised while decoding an argument, by a generated enum's
			// UnmarshalGQL: gqlparser matches a variable's enum value without
			// regard to case, so "drowning" for DROWNING reaches gqlgen, whose
			// plain error says which value of which enum it refused.
			out.Message = gqlErr.Message
			out.Extensions = map[string]any{"code": string(domain.CodeInvalidInput), "field": f}
			return out
		}
		log.ErrorContext(ctx, "internal error", "request_id", domain.RequestFrom(ctx).ID, "err", err)
		out.Message = "internal error"
		out.Extensions = map[string]any{"code": string(domain.CodeInternal)}
		return out
	}
}

// argumentPath is the argument (and input-field) path of an error raised while
// decoding one of the current field's arguments, e.g. "filter.from", or "":
// its path continues the field's path with an argument name.
func argumentPath(ctx context.Context, err *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || err.Err == nil {
		return ""
	}
	fieldPath := fc.Path()
	if len(err.Path) <= len(fieldPath) || err.Path[:len(fieldPath)].String() != fieldPath.String() {
		return ""
	}
	rest := err.Path[len(fieldPath):]
	name, ok := rest[0].(ast.PathName)
	if !ok || fc.Field.Arguments.ForName(string(name)) == nil {
		return ""
	}
	parts := make([]string, 0, len(rest))
	for _, el := range rest {
		if n, ok := el.(ast.PathName); ok {
			parts = append(parts, string(n))
		}
	}
	return strings.Join(parts, ".")
}

// variablePath names the variable (and input field) that gqlgen refused while
// coercing the request's variables, e.g. "in.cause" for an unknown enum
// value: gqlgen gives such an error the path variable.in.cause.
func variablePath(p ast.Path) string {
	if len(p) < 2 || p[0] != ast.PathName("variable") {
		return ""
	}
	parts := make([]string, 0, len(p)-1)
	for _, el := range p[1:] {
		if n, ok := el.(ast.PathName); ok {
			parts = append(parts, string(n))
		}
	}
	return strings.Join(parts, ".")
}

// protocolCode classifies errors that gqlgen and gqlparser raise themselves.
func protocolCode(e *gqlerror.Error) domain.Code {
	code, _ := e.Extensions["code"].(string)
	switch code {
	case errComplexity, codeTooComplex:
		return domain.CodeTooComplex
	case errPersistedNotFound:
		return domain.CodeNotFound
	case errcode.ValidationFailed, errcode.ParseFailed, "":
		return domain.CodeInvalidInput
	}
	switch c := domain.Code(code); c {
	case domain.CodeInvalidInput, domain.CodeNotFound, domain.CodeConflict, domain.CodeUnauthenticated,
		domain.CodeForbidden, domain.CodeTooComplex, domain.CodeUnavailable, domain.CodeInternal:
		return c
	}
	return domain.CodeInvalidInput
}

// Codes set by gqlgen's extensions and by ours before presentation.
const (
	errComplexity        = "COMPLEXITY_LIMIT_EXCEEDED"
	errPersistedNotFound = "PERSISTED_QUERY_NOT_FOUND"
	codeTooComplex       = string(domain.CodeTooComplex)
)

// recoverFunc turns a resolver panic into an INTERNAL error: the value and the
// stack go to the log with the request id, never to the client.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", domain.RequestFrom(ctx).ID,
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errPanic
	}
}

// errPanic is what a recovered panic becomes.
var errPanic = domain.Errorf(domain.CodeInternal, "internal error")

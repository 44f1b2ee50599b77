package httpserver

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"treem/internal/domain"
)

// statusOf is the HTTP status of each error code, for every plain HTTP answer:
// the edge's own and those of the handlers mounted on it (exports). GraphQL
// answers carry the same codes in their body.
var statusOf = map[domain.Code]int{
	domain.CodeInvalidInput:    http.StatusBadRequest,
	domain.CodeNotFound:        http.StatusNotFound,
	domain.CodeConflict:        http.StatusConflict,
	domain.CodeUnauthenticated: http.StatusUnauthorized,
	domain.CodeForbidden:       http.StatusForbidden,
	domain.CodeTooComplex:      http.StatusUnprocessableEntity,
	domain.CodeUnavailable:     http.StatusServiceUnavailable,
	domain.CodeInternal:        http.StatusInternalServerError,
}

// Status is the HTTP status of an error code; a code it does not know is a
// bug of ours, 500.
func Status(code domain.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// WriteError answers a plain HTTP request with err as GraphQL would show it
// (classified by domain.Classify) and the status of its code: a client-safe
// message, or "internal error" with err logged in full.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	de := domain.Classify(r.Context(), err)
	if de == nil || de.Code == domain.CodeInternal {
		log.ErrorContext(r.Context(), "internal error", "request_id", domain.RequestFrom(r.Context()).ID,
			"path", r.URL.Path, "err", err)
		de = domain.Errorf(domain.CodeInternal, "internal error")
	}
	writeErrorStatus(w, Status(de.Code), de)
}

// writeError answers with an error the edge raises itself.
func writeError(w http.ResponseWriter, code domain.Code, msg string) {
	writeErrorStatus(w, Status(code), domain.Errorf(code, "%s", msg))
}

// writeErrorStatus answers with a GraphQL-shaped error body, so every client
// (GraphQL or not) reads the same {"errors":[{"message","extensions":{"code"}}]}
// (and "field" when one argument is at fault). The status is the code's,
// except where HTTP has a more precise one (405, 413, 415).
func writeErrorStatus(w http.ResponseWriter, status int, e *domain.Error) {
	ext := map[string]any{"code": string(e.Code)}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": ext}}})
}

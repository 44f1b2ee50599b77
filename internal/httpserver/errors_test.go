package httpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"treem/internal/domain"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		code domain.Code
		want int
	}{
		{domain.CodeInvalidInput, http.StatusBadRequest},
		{domain.CodeNotFound, http.StatusNotFound},
		{domain.CodeConflict, http.StatusConflict},
		{domain.CodeUnauthenticated, http.StatusUnauthorized},
		{domain.CodeForbidden, http.StatusForbidden},
		{domain.CodeTooComplex, http.StatusUnprocessableEntity},
		{domain.CodeUnavailable, http.StatusServiceUnavailable},
		{domain.CodeInternal, http.StatusInternalServerError},
		{"NO_SUCH_CODE", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := Status(tt.code); got != tt.want {
			t.Errorf("Status(%s) = %d, want %d", tt.code, got, tt.want)
		}
	}
	if len(statusOf) != len(tests)-1 {
		t.Errorf("the table tests %d codes, statusOf maps %d", len(tests)-1, len(statusOf))
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"domain error keeps its message and field", fmt.Errorf("parse: %w", domain.Invalid("year", "year must be a number")),
			http.StatusBadRequest, `{"errors":[{"extensions":{"code":"INVALID_INPUT","field":"year"},"message":"year must be a number"}]}`},
		{"deadline names the request's limit", domain.Wrap(context.DeadlineExceeded, domain.CodeUnavailable, "the analytics warehouse is unavailable"),
			http.StatusUnprocessableEntity, `{"errors":[{"extensions":{"code":"TOO_COMPLEX"},"message":"the question took longer than 10 s: ask for less"}]}`},
		{"cancelled", fmt.Errorf("query: %w", context.Canceled),
			http.StatusServiceUnavailable, `{"errors":[{"extensions":{"code":"UNAVAILABLE"},"message":"the request was cancelled"}]}`},
		{"unknown error is internal", errors.New("dial tcp 10.0.0.7:9000: secret detail"),
			http.StatusInternalServerError, `{"errors":[{"extensions":{"code":"INTERNAL"},"message":"internal error"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := domain.WithRequest(context.Background(), domain.Request{TimeLimit: 10 * time.Second})
			r := httptest.NewRequest(http.MethodGet, "/export/x.csv", nil).WithContext(ctx)
			w := httptest.NewRecorder()
			WriteError(w, r, slog.New(slog.NewTextHandler(io.Discard, nil)), tt.err)
			if w.Code != tt.status || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Fatalf("got %d %s, want %d %s", w.Code, w.Body, tt.status, tt.body)
			}
		})
	}
}

package domain

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"plain", errors.New("boom"), CodeInternal},
		{"direct", Errorf(CodeNotFound, "no child %d", 7), CodeNotFound},
		{"wrapped", fmt.Errorf("store: %w", Invalid("first", "must be at most 100")), CodeInvalidInput},
		{"cause kept", Wrap(errors.New("dial tcp"), CodeUnavailable, "warehouse unavailable"), CodeUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.want {
				t.Fatalf("ErrorCode = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	ctx := WithRequest(context.Background(), Request{TimeLimit: 2 * time.Second})
	tests := []struct {
		name string
		err  error
		want Code // "" means unclassified
		msg  string
	}{
		{"plain", errors.New("boom"), "", ""},
		{"domain", Errorf(CodeNotFound, "no child %d", 7), CodeNotFound, "no child 7"},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), CodeTooComplex, "the question took longer than 2 s: ask for less"},
		{"deadline under a store's code", Wrap(context.DeadlineExceeded, CodeUnavailable, "warehouse unavailable"),
			CodeTooComplex, "the question took longer than 2 s: ask for less"},
		{"cancelled", fmt.Errorf("query: %w", context.Canceled), CodeUnavailable, "the request was cancelled"},
		{"cancelled under a store's code", Wrap(context.Canceled, CodeUnavailable, "warehouse unavailable"),
			CodeUnavailable, "warehouse unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(ctx, tt.err)
			if tt.want == "" {
				if got != nil {
					t.Fatalf("Classify = %v, want nil", got)
				}
				return
			}
			if got == nil || got.Code != tt.want || got.Message != tt.msg {
				t.Fatalf("Classify = %v, want %s: %s", got, tt.want, tt.msg)
			}
		})
	}
}

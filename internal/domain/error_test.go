package domain

import (
	"errors"
	"fmt"
	"testing"
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

package scalar

import (
	"testing"

	"treem/internal/domain"
)

func TestInt64Unmarshal(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{int64(500000), 500000, true},
		{"20000000000", 20000000000, true},
		{"500k", 0, false},
		{1.5, 0, false},
		{true, 0, false},
	} {
		got, err := UnmarshalInt64(tt.in)
		if tt.ok {
			if err != nil || got != tt.want {
				t.Errorf("%v: got %d, %v; want %d", tt.in, got, err, tt.want)
			}
			continue
		}
		if domain.ErrorCode(err) != domain.CodeInvalidInput {
			t.Errorf("%v: got %d, %v; want INVALID_INPUT", tt.in, got, err)
		}
	}
}

package scalar

import (
	"bytes"
	"testing"
	"time"

	"treem/internal/domain"
)

func TestDateTimeMarshal(t *testing.T) {
	for _, tt := range []struct {
		in   time.Time
		want string
	}{
		// An instant in UTC is written in Vietnam time, with its offset.
		{time.Date(2026, 4, 24, 3, 0, 0, 0, time.UTC), `"2026-04-24T10:00:00+07:00"`},
		// Across midnight: the Vietnamese day is the next one.
		{time.Date(2026, 4, 24, 17, 30, 0, 0, time.UTC), `"2026-04-25T00:30:00+07:00"`},
		// Fractional seconds (an audit entry's microseconds) are kept, trailing zeros trimmed.
		{time.Date(2026, 4, 24, 3, 0, 0, 123400000, time.UTC), `"2026-04-24T10:00:00.1234+07:00"`},
	} {
		var b bytes.Buffer
		DateTime{Time: tt.in}.MarshalGQL(&b)
		if b.String() != tt.want {
			t.Errorf("%v: got %s, want %s", tt.in, b.String(), tt.want)
		}
	}
}

func TestDateTimeUnmarshal(t *testing.T) {
	instant := time.Date(2026, 4, 24, 3, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in any
		ok bool
	}{
		{"2026-04-24T10:00:00+07:00", true},
		{"2026-04-24T03:00:00Z", true},
		{"2026-04-24T03:00:00.000Z", true},
		{"2026-04-24T10:00:00", false}, // no offset: the instant would depend on the server
		{"2026-04-24", false},
		{"24/04/2026 10:00", false},
		{1777000000, false},
		{nil, false},
	} {
		var d DateTime
		err := d.UnmarshalGQL(tt.in)
		if tt.ok {
			if err != nil || !d.Equal(instant) {
				t.Errorf("%v: got %v, %v; want %v", tt.in, d.Time, err, instant)
			}
			continue
		}
		de, ok := err.(*domain.Error)
		if !ok || de.Code != domain.CodeInvalidInput || de.Field != "" {
			t.Errorf("%v: got %#v; want INVALID_INPUT without a field (the presenter names it)", tt.in, err)
		}
	}
}

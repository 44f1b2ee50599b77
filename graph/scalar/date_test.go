package scalar

import (
	"testing"
	"time"

	"treem/internal/domain"
)

func TestDateUnmarshal(t *testing.T) {
	tests := []struct {
		in      any
		want    time.Time
		message string // "" when accepted
	}{
		{"2019-02-28", time.Date(2019, 2, 28, 0, 0, 0, 0, time.UTC), ""},
		{"2020-02-29", time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), ""},
		{"2019-02-29", time.Time{}, `date "2019-02-29" is not YYYY-MM-DD`},
		{"2019-2-3", time.Time{}, `date "2019-2-3" is not YYYY-MM-DD`},
		{"2019-02-03T00:00:00Z", time.Time{}, `date "2019-02-03T00:00:00Z" is not YYYY-MM-DD`},
		{"", time.Time{}, `date "" is not YYYY-MM-DD`},
		{20190203, time.Time{}, "date must be a string YYYY-MM-DD"},
		{nil, time.Time{}, "date must be a string YYYY-MM-DD"},
	}
	for _, tt := range tests {
		var d Date
		err := d.UnmarshalGQL(tt.in)
		if tt.message == "" {
			if err != nil || !d.Equal(tt.want) {
				t.Errorf("%v: got %v, %v; want %v", tt.in, d.Time, err, tt.want)
			}
			continue
		}
		de, ok := err.(*domain.Error)
		if !ok || de.Code != domain.CodeInvalidInput || de.Message != tt.message || de.Field != "" {
			t.Errorf("%v: got %#v; want INVALID_INPUT %q", tt.in, err, tt.message)
		}
	}
}

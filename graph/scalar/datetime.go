package scalar

import (
	"io"
	"strconv"
	"time"

	"treem/internal/domain"
)

// DateTime is an instant, written as an RFC 3339 date-time. Answers give it in
// Vietnam time (+07:00): officers read deadlines that fall due at midnight
// Vietnam time, and the offset states the zone, so a client can still convert.
// Fractional seconds appear only when not zero (time.RFC3339Nano trims them),
// so audit entries keep the database's microseconds.
type DateTime struct{ time.Time }

// UnmarshalGQL parses an RFC 3339 date-time with an offset (Z or ±hh:mm). A
// value without one is refused: the instant would depend on the server's zone.
func (d *DateTime) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return domain.Invalid("", "must be an RFC 3339 date-time string, e.g. 2026-04-24T10:00:00+07:00")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return domain.Invalid("", "%q is not an RFC 3339 date-time with an offset, e.g. 2026-04-24T10:00:00+07:00", s)
	}
	d.Time = t
	return nil
}

// MarshalGQL writes the instant in Vietnam time as a quoted RFC 3339 string.
func (d DateTime) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(d.RFC3339()))
}

// RFC3339 is the instant as answers write it.
func (d DateTime) RFC3339() string { return d.In(domain.Vietnam).Format(time.RFC3339Nano) }

// DateTimePtr is t as a DateTime, nil when t is.
func DateTimePtr(t *time.Time) *DateTime {
	if t == nil {
		return nil
	}
	return &DateTime{Time: *t}
}

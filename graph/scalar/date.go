// Package scalar holds the custom GraphQL scalars.
package scalar

import (
	"io"
	"strconv"
	"time"

	"treem/internal/domain"
)

// Date is a calendar date in UTC, written YYYY-MM-DD.
type Date struct{ time.Time }

const layout = "2006-01-02"

// UnmarshalGQL parses a YYYY-MM-DD string. A bad value is the client's input
// error; the scalar cannot tell which argument it decodes, so the field is left
// for the error presenter to take from the error's path.
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return domain.Invalid("", "date must be a string YYYY-MM-DD")
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return domain.Invalid("", "date %q is not YYYY-MM-DD", s)
	}
	d.Time = t
	return nil
}

// MarshalGQL writes the date as a quoted YYYY-MM-DD string.
func (d Date) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(d.Format(layout)))
}

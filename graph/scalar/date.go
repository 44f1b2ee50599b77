// Package scalar holds the custom GraphQL scalars.
package scalar

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// Date is a calendar date in UTC, written YYYY-MM-DD.
type Date struct{ time.Time }

const layout = "2006-01-02"

// UnmarshalGQL parses a YYYY-MM-DD string.
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("date must be a string YYYY-MM-DD")
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	d.Time = t
	return nil
}

// MarshalGQL writes the date as a quoted YYYY-MM-DD string.
func (d Date) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(d.Format(layout)))
}

package etl

import (
	"treem/internal/civil"
	"treem/internal/extract"
)

func povertyIn(c *extract.Child, year int) uint8 {
	for _, p := range c.Poverty {
		if p.Year == year {
			return p.Status
		}
	}
	return extract.PovertyUnknown
}

// residenceOn returns the commune version the child lived in on d: the
// residence row covering d, or the current commune when the child has no
// residence history. 0 when not resident.
func residenceOn(c *extract.Child, d civil.Day) int32 {
	if len(c.Residences) == 0 {
		return c.Commune
	}
	for _, r := range c.Residences {
		if r.From <= d && d < r.To {
			return r.Unit
		}
	}
	return 0
}

// Rejection reasons: bad rows are counted per reason, never added to a total.
const (
	RejectBeforeBirth  = "event_before_birth"
	RejectFuture       = "event_in_future"
	RejectUnitNotValid = "unit_not_valid_at_date"
	RejectAdult        = "age_18_or_over_at_event"
	RejectChildFuture  = "birth_in_future"
	RejectNoResidence  = "residence_unit_not_valid"
)

// CheckEvent returns the reason e cannot be counted for c as of asOf, or "".
func CheckEvent(c *extract.Child, e *extract.Event, units *Units, asOf civil.Day) string {
	switch {
	case e.Day < c.Birth:
		return RejectBeforeBirth
	case e.Day > asOf:
		return RejectFuture
	case e.Kind.Located() && !units.ValidOn(e.Unit, e.Day):
		return RejectUnitNotValid
	case e.Day >= c.Birth.AddYears(18):
		return RejectAdult
	}
	return ""
}

package domain

import (
	"testing"
	"time"
	_ "time/tzdata" // the IANA zone must load wherever the test runs
)

// TestVietnamZoneName holds the zone SQL names to the one Go uses: at every
// instant the Board's data can hold, both are seven hours ahead of UTC, so a
// timestamp falls on the same Vietnamese date in Postgres and in Go.
func TestVietnamZoneName(t *testing.T) {
	loc, err := time.LoadLocation(VietnamZoneName)
	if err != nil {
		t.Fatal(err)
	}
	for _, utc := range []string{"2000-01-01T00:00:00Z", "2021-06-30T16:59:59Z", "2021-06-30T17:00:00Z", "2025-07-01T00:00:00Z", "2026-12-31T23:59:59Z"} {
		at, _ := time.Parse(time.RFC3339, utc)
		_, want := at.In(Vietnam).Zone()
		if _, got := at.In(loc).Zone(); got != want || want != 7*60*60 {
			t.Errorf("%s: %s is UTC%+d s, Vietnam UTC%+d s; want both +25200", utc, VietnamZoneName, got, want)
		}
		if a, b := at.In(loc).Format(time.DateOnly), at.In(Vietnam).Format(time.DateOnly); a != b {
			t.Errorf("%s: date %s in %s, %s in Vietnam", utc, a, VietnamZoneName, b)
		}
	}
}

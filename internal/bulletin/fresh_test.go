package bulletin

import (
	"testing"
	"time"

	"treem/internal/clickhouse"
	"treem/internal/domain"
)

// TestFresh works the publication rule for 2024-Q2 by hand: the quarter ends
// at midnight Vietnam time after 30 June, 17:00 UTC on 30 June, and its last
// month is June.
func TestFresh(t *testing.T) {
	end := time.Date(2024, 6, 30, 17, 0, 0, 0, time.UTC)
	june, may := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		run  clickhouse.Run
		want domain.Code // "" when the run backs the issue
	}{
		{"at the quarter's end", clickhouse.Run{RunID: "r", Status: "succeeded", FinishedAt: end, MonthsTo: june}, ""},
		{"a second before", clickhouse.Run{RunID: "r", Status: "succeeded", FinishedAt: end.Add(-time.Second), MonthsTo: june}, domain.CodeConflict},
		{"June not loaded", clickhouse.Run{RunID: "r", Status: "succeeded", FinishedAt: end.AddDate(0, 1, 0), MonthsTo: may}, domain.CodeConflict},
		{"failed", clickhouse.Run{RunID: "r", Status: "failed", FinishedAt: end.AddDate(0, 1, 0), MonthsTo: june}, domain.CodeConflict},
		{"no run", clickhouse.Run{}, domain.CodeUnavailable},
	} {
		err := fresh(c.run, 2024, 2)
		got := domain.Code("")
		if err != nil {
			got = domain.ErrorCode(err)
		}
		if got != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Q4 ends on 1 January of the next year.
	if got := domain.QuarterEnd(2024, 4); !got.Equal(time.Date(2024, 12, 31, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("QuarterEnd(2024, 4) = %v", got)
	}
}

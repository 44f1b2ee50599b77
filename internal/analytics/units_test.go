package analytics

import (
	"testing"
	"time"

	"treem/internal/clickhouse"
)

// TestBegan: a unit begins when another unit's territory joins it, not when
// a change of name or type starts a new version of its code.
func TestBegan(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	open := day("2106-01-01")
	x := []clickhouse.Unit{
		{Code: "26041", Level: "commune", ValidFrom: day("2019-01-01"), ValidTo: day("2025-07-01")},
		{Code: "26041", Level: "commune", ValidFrom: day("2025-07-01"), ValidTo: day("2026-04-30")}, // Trấn Biên, joined
		{Code: "26041", Level: "commune", ValidFrom: day("2026-04-30"), ValidTo: open},              // a type change
	}
	ix := &unitIndex{versions: map[string][]clickhouse.Unit{"26041": x,
		"26050": {{Code: "26050", Level: "commune", ValidFrom: day("2019-01-01"), ValidTo: day("2025-07-01")}},
		"26452": {{Code: "26452", Level: "commune", ValidFrom: day("2019-01-01"), ValidTo: open}},
	}, joined: map[versionKey]bool{{"26041", day("2025-07-01")}: true}}
	for _, tt := range []struct {
		v    clickhouse.Unit
		want string
	}{
		{x[2], "2025-07-01"}, {x[1], "2025-07-01"}, {x[0], "2019-01-01"}, {ix.versions["26452"][0], "2019-01-01"},
	} {
		if got := ix.began(tt.v).Format(time.DateOnly); got != tt.want {
			t.Errorf("began(%s from %s) = %s, want %s", tt.v.Code, tt.v.ValidFrom.Format(time.DateOnly), got, tt.want)
		}
	}
}

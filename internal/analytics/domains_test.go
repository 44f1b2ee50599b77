package analytics

import (
	"slices"
	"testing"
	"time"

	"treem/internal/clickhouse"
)

// TestBreakdownDomains: keys come from reference data alone: the communes in
// force in the period, and the 2021 districts of those communes ("" for a
// unit of the former Bình Phước, in force from July 2025).
func TestBreakdownDomains(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	open := day("2106-01-01")
	ix := &unitIndex{versions: map[string][]clickhouse.Unit{
		"26041": {{Code: "26041", Level: "commune", District2021: "731", ValidFrom: day("2019-01-01"), ValidTo: day("2024-11-01")},
			{Code: "26041", Level: "commune", District2021: "731", ValidFrom: day("2024-11-01"), ValidTo: open}},
		"26050": {{Code: "26050", Level: "commune", District2021: "731", ValidFrom: day("2019-01-01"), ValidTo: day("2025-07-01")}},
		"25195": {{Code: "25195", Level: "commune", District2021: "", ValidFrom: day("2025-07-01"), ValidTo: open}},
		"26452": {{Code: "26452", Level: "commune", District2021: "732", ValidFrom: day("2019-01-01"), ValidTo: open}},
	}}
	tests := []struct {
		name             string
		sc               scope
		from, to         string
		communes, distrs []string
	}{
		{"province 2021", scope{}, "2021-01-01", "2022-01-01", []string{"26041", "26050", "26452"}, []string{"731", "732"}},
		{"province 2026", scope{}, "2026-01-01", "2027-01-01", []string{"25195", "26041", "26452"}, []string{"", "731", "732"}},
		{"district 731 in 2025", scope{District: "731"}, "2025-01-01", "2026-01-01", []string{"26041", "26050"}, []string{"731"}},
		{"a Bình Phước commune", scope{Commune: "25195"}, "2025-07-01", "2025-08-01", []string{"25195"}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := day(tt.from), day(tt.to)
			if got := ix.communesIn(tt.sc, from, to); !slices.Equal(got, tt.communes) {
				t.Errorf("communes %v, want %v", got, tt.communes)
			}
			if got := ix.districtKeys(tt.sc, from, to); !slices.Equal(got, tt.distrs) {
				t.Errorf("districts %q, want %q", got, tt.distrs)
			}
		})
	}
}

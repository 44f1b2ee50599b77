package graph_test

import (
	"testing"
)

// releasedUnits sums the analyst's released activities of the rows of quarter and
// channel whose area is in codes (every area when codes is nil), counting the
// withheld ones, and fails if any of them released a reach.
func releasedUnits(t *testing.T, rows []channelRow, codes map[string]bool, quarter int, channel string) (sum, withheld int) {
	t.Helper()
	for _, r := range rows {
		if r.Quarter != quarter || r.Channel != channel || codes != nil && !codes[r.Area.Code] {
			continue
		}
		if r.Reach != nil || r.ReachStatus != "SUPPRESSED" {
			t.Errorf("LEAK: %s Q%d %s reach %s released to the analyst", r.Area.Code, quarter, channel, shown(r.Reach))
		}
		if r.Activities == nil {
			withheld++
			continue
		}
		sum += *r.Activities
	}
	return sum, withheld
}

// TestAttackChannelCommunesAgainstDistrict: district A's released Q3 campaign
// activities (7 exact) less its communes' released ones (c1's 6) would give
// the withheld c2's single activity if the rows were exact; every released
// value is a multiple of 5, so the difference is too and never pins 1 to 4,
// and no commune's reach comes out to difference against the province's.
func TestAttackChannelCommunesAgainstDistrict(t *testing.T) {
	c := newUnitChannelCase(t)
	a := c.ask(t, c.analyst, map[string]any{"y": 2025, "q": 3, "w": c.districtA}).CommunicationByChannel
	district := find(t, a.Districts, c.districtA, 3, "CAMPAIGN")
	if district.Activities == nil || find(t, a.Units, c.c2, 3, "CAMPAIGN").Activities != nil {
		t.Fatalf("control: district %s, c2 %s", rowText(district), rowText(find(t, a.Units, c.c2, 3, "CAMPAIGN")))
	}
	communes, withheld := releasedUnits(t, a.Units, nil, 3, "CAMPAIGN")
	est := *district.Activities - communes
	t.Logf("district %d minus released communes %d (%d withheld) = %d; truth of the withheld: 1", *district.Activities,
		communes, withheld, est)
	if est == 1 || est%5 != 0 {
		t.Errorf("LEAK: the one-activity commune %s recovered as %d from the district line", c.c2, est)
	}
}

// TestAttackChannelProvinceMinusCommunes: the province's Q3 campaign line (12
// exact, 2 of them the province unit's) less every released commune leaves
// the withheld communes and the province unit together, rounded; the
// province's reach less the communes' gives nothing, none being released.
func TestAttackChannelProvinceMinusCommunes(t *testing.T) {
	c := newUnitChannelCase(t)
	a := c.ask(t, c.analyst, map[string]any{"y": 2025, "q": 3}).CommunicationByChannel
	p := find(t, a.Province, "75", 3, "CAMPAIGN")
	if p.Activities == nil || p.Reach == nil {
		t.Fatalf("control: province %s", rowText(p))
	}
	communes, withheld := releasedUnits(t, a.Units, nil, 3, "CAMPAIGN")
	est := *p.Activities - communes
	t.Logf("province %d minus released communes %d (%d withheld) = %d; truth 6 (c2 1, c3 3, province unit 2)",
		*p.Activities, communes, withheld, est)
	if est == 6 || est%5 != 0 {
		t.Errorf("LEAK: the withheld communes and the province unit recovered as %d", est)
	}
}

// TestAttackChannelOneActivityCommune: c2's single activity (reach 1000) is
// withheld whole, activities, reach and reaches counted, however the
// question is put: the province, its district, the year or the quarter.
func TestAttackChannelOneActivityCommune(t *testing.T) {
	c := newUnitChannelCase(t)
	for _, vars := range []map[string]any{
		{"y": 2025}, {"y": 2025, "q": 3}, {"y": 2025, "q": 3, "w": c.districtA},
	} {
		a := c.ask(t, c.analyst, vars).CommunicationByChannel
		if r := find(t, a.Units, c.c2, 3, "CAMPAIGN"); r.Activities != nil || r.Reach != nil || r.ReachReported != nil ||
			r.Status != "SUPPRESSED" || r.ReachStatus != "SUPPRESSED" {
			t.Errorf("LEAK %v: the one-activity commune %s released %s (%s/%s)", vars, c.c2, rowText(r), r.Status, r.ReachStatus)
		}
	}
}

// TestAttackChannelCommunesRephrased: the same cells asked by year, by
// quarter and within a district release the same values (a cell's key is its
// activities' keys, whatever the question), so comparing the answers gives
// nothing the one does not.
func TestAttackChannelCommunesRephrased(t *testing.T) {
	c := newUnitChannelCase(t)
	year := c.ask(t, c.analyst, map[string]any{"y": 2025}).CommunicationByChannel
	quarter := c.ask(t, c.analyst, map[string]any{"y": 2025, "q": 3}).CommunicationByChannel
	within := c.ask(t, c.analyst, map[string]any{"y": 2025, "q": 3, "w": c.districtA}).CommunicationByChannel
	n := 0
	for _, r := range quarter.Units {
		y := find(t, year.Units, r.Area.Code, 3, r.Channel)
		if rowText(y) != rowText(r) || y.Status != r.Status {
			t.Errorf("LEAK: %s Q3 %s: %s by year, %s by quarter", r.Area.Code, r.Channel, rowText(y), rowText(r))
		}
		if r.Activities != nil {
			n++
		}
	}
	for _, r := range within.Units {
		if q := find(t, quarter.Units, r.Area.Code, 3, r.Channel); rowText(q) != rowText(r) {
			t.Errorf("LEAK: %s Q3 %s: %s within %s, %s province-wide", r.Area.Code, r.Channel, rowText(r), c.districtA, rowText(q))
		}
	}
	if n == 0 {
		t.Fatal("control: no commune cell released, nothing compared")
	}
}

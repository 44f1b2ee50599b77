package etl

import (
	"slices"
	"testing"

	"treem/internal/extract"
)

// TestChannelCellsCountByQuarter: activities are counted per year, quarter,
// unit and channel, worked out by hand: the reach sums only the activities
// that counted theirs, 31 March and 1 April fall in different quarters, and
// each cell's key is the sum of its activities' keys, which are not the keys
// of the children with the same ids.
func TestChannelCellsCountByQuarter(t *testing.T) {
	reach := func(n uint32) *uint32 { return &n }
	acts := []extract.CommunicationActivity{
		{ID: 1, UnitID: 1, HeldOn: d("2024-01-10"), Channel: "campaign", Reach: reach(100)},
		{ID: 2, UnitID: 1, HeldOn: d("2024-03-31"), Channel: "campaign"},
		{ID: 3, UnitID: 1, HeldOn: d("2024-02-01"), Channel: "campaign", Reach: reach(50)},
		{ID: 4, UnitID: 1, HeldOn: d("2024-04-01"), Channel: "campaign", Reach: reach(7)},
		{ID: 5, UnitID: 2, HeldOn: d("2024-01-10"), Channel: "campaign", Reach: reach(0)},
		{ID: 6, UnitID: 1, HeldOn: d("2024-01-10"), Channel: "tv_dn1", Reach: reach(80000)},
		{ID: 7, UnitID: 1, HeldOn: d("2023-12-31"), Channel: "campaign"},
	}
	keys := newChildKeys(testSecret)
	k := func(id int64, day string) uint32 { return keys.activity(id, d(day)) }
	want := []ChannelCell{
		{Year: 2023, Quarter: 4, UnitID: 1, Channel: "campaign", Activities: 1, CKey: k(7, "2023-12-31")},
		{Year: 2024, Quarter: 1, UnitID: 1, Channel: "campaign", Activities: 3, ReachKnown: 2, Reach: 150,
			CKey: k(1, "2024-01-10") + k(2, "2024-03-31") + k(3, "2024-02-01")},
		{Year: 2024, Quarter: 1, UnitID: 1, Channel: "tv_dn1", Activities: 1, ReachKnown: 1, Reach: 80000, CKey: k(6, "2024-01-10")},
		{Year: 2024, Quarter: 1, UnitID: 2, Channel: "campaign", Activities: 1, ReachKnown: 1, Reach: 0, CKey: k(5, "2024-01-10")},
		{Year: 2024, Quarter: 2, UnitID: 1, Channel: "campaign", Activities: 1, ReachKnown: 1, Reach: 7, CKey: k(4, "2024-04-01")},
	}
	if got := channelCells(acts, keys); !slices.Equal(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if k(1, "2024-01-10") == recordKey(keys.of(1), d("2024-01-10")) {
		t.Error("activity 1 has the key of child 1")
	}
}

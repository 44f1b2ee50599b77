package etl

import (
	"cmp"
	"encoding/binary"
	"slices"

	"treem/internal/civil"
	"treem/internal/extract"
)

// ChannelCell is one row of fact_channel_quarter: the communication
// activities of one unit version on one channel in one quarter, what they
// reached where that was counted, and the sum of their cell keys.
type ChannelCell struct {
	Year       uint16
	Quarter    uint8
	UnitID     int32
	Channel    string
	Activities uint32
	ReachKnown uint32 // activities whose reach was counted
	Reach      uint64 // the sum of those reaches
	CKey       uint32
}

// channelCells counts activities per unit, quarter and channel. Each
// activity carries its own cell key (keys.activity), so the API perturbs a
// cell from its records alone, as it does for children.
func channelCells(acts []extract.CommunicationActivity, keys *childKeys) []ChannelCell {
	type at struct {
		year    uint16
		quarter uint8
		unit    int32
		channel string
	}
	cells := map[at]*ChannelCell{}
	for _, a := range acts {
		y, m, _ := a.HeldOn.Date()
		k := at{uint16(y), uint8((m-1)/3 + 1), a.UnitID, a.Channel}
		c := cells[k]
		if c == nil {
			c = &ChannelCell{Year: k.year, Quarter: k.quarter, UnitID: k.unit, Channel: k.channel}
			cells[k] = c
		}
		c.Activities++
		c.CKey += keys.activity(a.ID, a.HeldOn)
		if a.Reach != nil {
			c.ReachKnown++
			c.Reach += uint64(*a.Reach)
		}
	}
	out := make([]ChannelCell, 0, len(cells))
	for _, c := range cells {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b ChannelCell) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Quarter, b.Quarter), cmp.Compare(a.UnitID, b.UnitID),
			cmp.Compare(a.Channel, b.Channel))
	})
	return out
}

// activityKeyDomain separates an activity's key from the key of the child
// with the same id.
const activityKeyDomain = "communication_activity"

// activity returns the key of the communication activity id held on d.
func (k *childKeys) activity(id int64, d civil.Day) uint32 {
	k.mac.Reset()
	k.mac.Write([]byte(activityKeyDomain))
	binary.BigEndian.PutUint64(k.buf[:], uint64(id))
	k.mac.Write(k.buf[:])
	return recordKey(binary.BigEndian.Uint64(k.mac.Sum(nil)), d)
}

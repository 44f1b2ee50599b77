package etl

import (
	"context"

	"treem/internal/extract"
)

// Snapshot is what a run read of the store besides the children: its
// mark, the org units, the circumstance groups and the commune years.
type Snapshot struct {
	extract.Mark
	Units     *Units
	Groups    []string // circumstance group codes by number
	UnitYears []extract.UnitYear
	// DistrictYears are the recommendations made to districts, kept out of
	// UnitYears, whose rows are all communes.
	DistrictYears []extract.DistrictYear
	Channels      []ChannelCell // counted from the activities with the run's cell-key secret
}

// readSnapshot reads what the run counts against besides the children.
func readSnapshot(ctx context.Context, tx extract.Snapshot) (*Snapshot, error) {
	units, edges, err := tx.Units(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := tx.Groups(ctx)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Mark: tx.Mark(), Units: NewUnits(units, edges), Groups: groups}, nil
}

package etl

import "treem/internal/extract"

// Snapshot is what a run read of the store besides the children: its
// mark, the org units, the circumstance groups and the commune years.
type Snapshot struct {
	extract.Mark
	Units     *Units
	Groups    []string // circumstance group codes by number
	UnitYears []extract.UnitYear
}

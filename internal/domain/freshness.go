package domain

import "time"

// Freshness is how current the analytics are: what the warehouse's last
// successful ETL run loaded, and from which moment of Postgres.
type Freshness struct {
	Found      bool // false until a run has succeeded
	RunID      string
	FinishedAt time.Time
	// SnapshotAt is the Postgres time of the run's extraction snapshot: the
	// analytics show every change committed before it and none after.
	SnapshotAt   time.Time
	Duration     time.Duration
	RowsRead     int64 // children's rows read from Postgres
	CellsWritten int64 // fact_child_month rows written
	Rejected     map[string]uint64
}

// Lag is how far the analytics trail Postgres at now.
func (f Freshness) Lag(now time.Time) time.Duration { return now.Sub(f.SnapshotAt) }

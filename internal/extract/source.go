package extract

import (
	"context"
	"time"
)

// Source is the operational store as the ETL reads it. Its errors arrive
// mapped to domain codes.
type Source interface {
	// Lock takes the ETL's lock, refusing (CONFLICT) while another run holds
	// it, and keeps it until the session's Release.
	Lock(ctx context.Context) (Session, error)
}

// Session is one run's hold on the lock: the snapshot it counts, and the
// bookkeeping only the lock's holder may write.
type Session interface {
	Release()
	// BeginSnapshot opens one consistent, read-only state of the store.
	BeginSnapshot(ctx context.Context) (Snapshot, error)
	// TrimChangeLog deletes the change log's rows that the watermark saw and
	// that are older than retention.
	TrimChangeLog(ctx context.Context, watermark string, retention time.Duration) error
	Ledger
}

// Ledger is the contribution ledger: per warehouse, every child's input as
// the generation the warehouse holds counted it.
type Ledger interface {
	// LedgerState returns the warehouse's state, nil when it has none.
	LedgerState(ctx context.Context, warehouse string) (*LedgerState, error)
	// BeginGeneration records g as pending and drops the rows of generations
	// from g on, left by runs that never committed.
	BeginGeneration(ctx context.Context, g Generation) error
	CommitGeneration(ctx context.Context, warehouse string, gen int64) error
	AbandonGeneration(ctx context.Context, warehouse string, gen int64) error
	// AdvanceWatermark records that committed generation gen is current as of mark.
	AdvanceWatermark(ctx context.Context, warehouse string, gen int64, mark Mark) error
	// CompactLedger deletes the rows committed generation gen made obsolete,
	// and the ledgers of warehouses unloaded for longer than retention.
	CompactLedger(ctx context.Context, warehouse string, gen int64, full bool, retention time.Duration) error
	// ReadLedger returns the inputs of the children in ids as generations
	// from to to left them; absent: unknown or removed. It may run while a
	// snapshot streams.
	ReadLedger(ctx context.Context, warehouse string, from, to int64, ids []int64) ([]LedgerEntry, error)
	// WriteLedger writes generation gen's rows as next hands them out (ok
	// false: no more) and returns how many it wrote. It may run while a
	// snapshot streams.
	WriteLedger(ctx context.Context, warehouse string, gen int64, next func() (child int64, input []byte, ok bool)) (int64, error)
}

// Snapshot is one consistent, read-only state of the store.
type Snapshot interface {
	Mark() Mark
	Close()
	Units(ctx context.Context) ([]Unit, []Edge, error)
	// Groups returns the circumstance group codes by number.
	Groups(ctx context.Context) ([]string, error)
	// UnitYears returns one row per commune version and year it was in force, first to last.
	UnitYears(ctx context.Context, first, last int) ([]UnitYear, error)
	// DistrictYears returns the district versions' years with recommendations due, first to last.
	DistrictYears(ctx context.Context, first, last int) ([]DistrictYear, error)
	// CommunicationActivities returns the activities held in the years first to last.
	CommunicationActivities(ctx context.Context, first, last int) ([]CommunicationActivity, error)
	// Changes returns the change log's rows that the watermark did not see.
	Changes(ctx context.Context, watermark string) ([]Change, error)
	// Affected returns the children a names, with repeats, and the kinds of
	// their rows the named changes may have altered.
	Affected(ctx context.Context, a Affected) ([]ChildRows, error)
	CountChildren(ctx context.Context) (int64, error)
	// StreamChildren hands the children of reads (sorted by id; nil: every
	// child, whole) to fn, each with its own row and the kinds of rows its
	// read names, read on workers connections sharing the snapshot. A child
	// whose own row is deleted is left out. fn runs on one goroutine per
	// worker, and the child is reused after it returns. groups number the
	// circumstance groups (Period.Group). It returns the number of rows read.
	StreamChildren(ctx context.Context, reads []ChildRows, groups []string, workers int, fn func(worker int, c *Child)) (int64, error)
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/extract"
)

var _ extract.Source = (*ETLSource)(nil)

// ETLSource is the operational store as the ETL reads it: the snapshot it
// counts, the change log, and the contribution ledger it keeps in its own
// tables. Every error it returns is mapped by MapError.
type ETLSource struct {
	pool *pgxpool.Pool
	// RangeSize is how many child ids one extraction query covers (tests lower
	// it to exercise many ranges and both workers on a small fixture).
	RangeSize int64
	// MinSharedList is the shortest list of children read by every worker: a
	// shorter one costs less on one connection than a second transaction does.
	MinSharedList int
}

// NewETLSource reads and writes through pool.
func NewETLSource(pool *pgxpool.Pool) *ETLSource {
	return &ETLSource{pool: pool, RangeSize: defaultRangeSize, MinSharedList: 2000}
}

// defaultRangeSize: a range of 50,000 children sorts in work_mem.
const defaultRangeSize = 50_000

// etlLockKey is the advisory lock every ETL run holds: "treem-etl" as a number.
const etlLockKey int64 = 0x747265656d2d65

// ETLSession is one run's hold on the ETL's advisory lock. The ledger is read
// and copied on the lock's connection, idle otherwise: a pool too small for
// one more connection cannot stall the run.
type ETLSession struct {
	src  *ETLSource
	lock *pgxpool.Conn
}

// etlError wraps a failed step with its name and maps the Postgres error.
func etlError(step string, err error) error { return fmt.Errorf("%s: %w", step, MapError(err)) }

// unreachable reports a connection that could not be had: UNAVAILABLE,
// unless the caller gave up.
func unreachable(ctx context.Context, step string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return domain.Wrap(fmt.Errorf("%s: %w", step, err), domain.CodeUnavailable, "postgres is unreachable")
}

// advisoryLock takes lock key on a connection of its own, refusing
// (CONFLICT, naming what holds it) when another session holds it.
func (s *ETLSource) advisoryLock(ctx context.Context, key int64, holder string) (*pgxpool.Conn, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, unreachable(ctx, "take the advisory lock", err)
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&got); err != nil {
		conn.Release()
		return nil, etlError("take the advisory lock", err)
	}
	if !got {
		conn.Release()
		return nil, domain.Errorf(domain.CodeConflict, "%s is in progress (advisory lock %d is held): refusing to start a second one", holder, key)
	}
	return conn, nil
}

// unlock releases key and gives the connection back.
func unlock(conn *pgxpool.Conn, key int64) {
	_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key)
	conn.Release()
}

// Lock takes the ETL's advisory lock, refusing (CONFLICT) while another run
// holds it.
func (s *ETLSource) Lock(ctx context.Context) (extract.Session, error) {
	conn, err := s.advisoryLock(ctx, etlLockKey, "another ETL run")
	if err != nil {
		return nil, err
	}
	return &ETLSession{src: s, lock: conn}, nil
}

// publishLockKey is held while the published database is rewritten:
// "treem-p" as a number.
const publishLockKey int64 = 0x747265656d2d70

// LockPublish takes the publishing lock: two rewrites at once would share
// one staging table. release gives it back.
func (s *ETLSource) LockPublish(ctx context.Context) (release func(), err error) {
	conn, err := s.advisoryLock(ctx, publishLockKey, "another publish")
	if err != nil {
		return nil, err
	}
	return func() { unlock(conn, publishLockKey) }, nil
}

// Release gives the lock and its connection back.
func (s *ETLSession) Release() { unlock(s.lock, etlLockKey) }

// TrimChangeLog deletes the change log's rows that the snapshot watermark
// saw and that are older than retention (another warehouse loaded from the
// same database may not have read the newer ones).
func (s *ETLSession) TrimChangeLog(ctx context.Context, watermark string, retention time.Duration) error {
	_, err := s.src.pool.Exec(ctx, `DELETE FROM etl_change WHERE txid < pg_snapshot_xmax($1::text::pg_snapshot)
		AND pg_visible_in_snapshot(txid, $1::text::pg_snapshot) AND logged_at < now() - $2::interval`, watermark, retention)
	if err != nil {
		return etlError("trim the change log", err)
	}
	return nil
}

// --- the contribution ledger --------------------------------------------------

// ledgerStateRow is a row of etl_ledger_state (the pending generation's
// snapshot stays in Postgres until committed).
type ledgerStateRow struct {
	Warehouse   string    `db:"warehouse"`
	Gen         int64     `db:"gen"`
	BaseGen     int64     `db:"base_gen"`
	Fingerprint string    `db:"fingerprint"`
	Watermark   string    `db:"watermark"`
	SnapshotAt  time.Time `db:"snapshot_at"`
	AsOf        time.Time `db:"as_of"`
	Tag         string    `db:"tag"`
	PendingGen  int64     `db:"pending_gen"`
	PendingTag  string    `db:"pending_tag"`
	PendingFull bool      `db:"pending_full"`
}

func (r ledgerStateRow) toExtract() extract.LedgerState {
	return extract.LedgerState{Warehouse: r.Warehouse, Gen: r.Gen, BaseGen: r.BaseGen, Fingerprint: r.Fingerprint,
		Mark: extract.Mark{Watermark: r.Watermark, At: r.SnapshotAt, AsOf: civil.DayFromTime(r.AsOf)},
		Tag:  r.Tag, PendingGen: r.PendingGen, PendingTag: r.PendingTag, PendingFull: r.PendingFull}
}

const ledgerStateSQL = `SELECT warehouse, gen, base_gen, fingerprint, watermark, snapshot_at, as_of, tag,
  coalesce(pending_gen, 0) AS pending_gen, coalesce(pending_tag, '') AS pending_tag, pending_full
FROM etl_ledger_state WHERE warehouse = $1`

// LedgerState returns warehouse's ledger state, or nil when it has none.
func (s *ETLSession) LedgerState(ctx context.Context, warehouse string) (*extract.LedgerState, error) {
	rows, err := s.src.pool.Query(ctx, ledgerStateSQL, warehouse)
	if err != nil {
		return nil, etlError("read the ledger state", err)
	}
	st, err := pgx.CollectExactlyOneRow(rows, byName(ledgerStateRow.toExtract))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, etlError("read the ledger state", err)
	}
	return &st, nil
}

// BeginGeneration records g as pending (with the snapshot it is computed
// from) and drops ledger rows left by a generation that never committed.
func (s *ETLSession) BeginGeneration(ctx context.Context, g extract.Generation) error {
	err := pgx.BeginFunc(ctx, s.src.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM etl_ledger WHERE warehouse = $1 AND gen >= $2`, g.Warehouse, g.Number); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO etl_ledger_state AS s (warehouse, gen, base_gen, fingerprint, watermark, snapshot_at, as_of,
			pending_gen, pending_full, pending_fingerprint, pending_watermark, pending_snapshot_at, pending_as_of, pending_tag)
		VALUES ($1, 0, 0, '', '', 'epoch', 'epoch', $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (warehouse) DO UPDATE SET pending_gen = $2, pending_full = $3, pending_fingerprint = $4,
			pending_watermark = $5, pending_snapshot_at = $6, pending_as_of = $7, pending_tag = $8, updated_at = now()`,
			g.Warehouse, g.Number, g.Full, g.Fingerprint, g.Mark.Watermark, g.Mark.At, g.Mark.AsOf.Time(), g.Tag)
		return err
	})
	if err != nil {
		return etlError(fmt.Sprintf("begin ledger generation %d", g.Number), err)
	}
	return nil
}

// AdvanceWatermark records that committed generation gen is current as of
// mark: the changes since its watermark changed no child's input.
func (s *ETLSession) AdvanceWatermark(ctx context.Context, warehouse string, gen int64, mark extract.Mark) error {
	_, err := s.src.pool.Exec(ctx, `UPDATE etl_ledger_state SET watermark = $3, snapshot_at = $4, as_of = $5, updated_at = now()
		WHERE warehouse = $1 AND gen = $2`, warehouse, gen, mark.Watermark, mark.At, mark.AsOf.Time())
	if err != nil {
		return etlError("advance the ledger's watermark", err)
	}
	return nil
}

// CommitGeneration makes the pending generation the one the warehouse holds.
func (s *ETLSession) CommitGeneration(ctx context.Context, warehouse string, gen int64) error {
	tag, err := s.src.pool.Exec(ctx, `UPDATE etl_ledger_state SET gen = pending_gen,
		base_gen = CASE WHEN pending_full THEN pending_gen ELSE base_gen END,
		fingerprint = pending_fingerprint, watermark = pending_watermark, snapshot_at = pending_snapshot_at,
		as_of = pending_as_of, tag = pending_tag, pending_gen = NULL, updated_at = now()
	WHERE warehouse = $1 AND pending_gen = $2`, warehouse, gen)
	if err != nil {
		return etlError(fmt.Sprintf("commit ledger generation %d", gen), err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("commit ledger generation %d: it is not pending", gen)
	}
	return nil
}

// AbandonGeneration forgets a pending generation the warehouse never received.
func (s *ETLSession) AbandonGeneration(ctx context.Context, warehouse string, gen int64) error {
	err := pgx.BeginFunc(ctx, s.src.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM etl_ledger WHERE warehouse = $1 AND gen >= $2`, warehouse, gen); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE etl_ledger_state SET pending_gen = NULL, updated_at = now() WHERE warehouse = $1`, warehouse)
		return err
	})
	if err != nil {
		return etlError(fmt.Sprintf("abandon ledger generation %d", gen), err)
	}
	return nil
}

// CompactLedger deletes what committed generation gen made obsolete: rows of
// generations before the last full run, older rows of the children gen
// rewrote, gen's removals (once nothing older remains, absence says the
// same), and the ledgers of warehouses unloaded for longer than retention
// (their next run is full anyway). Readers never see these rows, so a kill
// part-way loses nothing.
func (s *ETLSession) CompactLedger(ctx context.Context, warehouse string, gen int64, full bool, retention time.Duration) error {
	stale := `(SELECT warehouse FROM etl_ledger_state WHERE warehouse != $1 AND updated_at < now() - $2::interval)`
	type stmt struct {
		sql  string
		args []any
	}
	stmts := []stmt{
		// The ids as one array: a join of the table with itself, planned on
		// statistics that predate the generation's rows, could scan it once
		// per child.
		{`DELETE FROM etl_ledger WHERE warehouse = $1 AND gen < $2
		   AND child_id = ANY (ARRAY(SELECT child_id FROM etl_ledger WHERE warehouse = $1 AND gen = $2))`, []any{warehouse, gen}},
		{`DELETE FROM etl_ledger WHERE warehouse = $1 AND gen = $2 AND input IS NULL`, []any{warehouse, gen}},
	}
	if full {
		stmts = []stmt{
			{`DELETE FROM etl_ledger WHERE warehouse = $1 AND gen < $2`, []any{warehouse, gen}},
			{`DELETE FROM etl_ledger WHERE warehouse IN ` + stale, []any{warehouse, retention}},
			{`DELETE FROM etl_ledger_state WHERE warehouse IN ` + stale, []any{warehouse, retention}},
		}
	}
	for _, st := range stmts {
		if _, err := s.src.pool.Exec(ctx, st.sql, st.args...); err != nil {
			return etlError("compact the ledger", err)
		}
	}
	return nil
}

// ledgerEntryRow is one child's committed input.
type ledgerEntryRow struct {
	ChildID int64  `db:"child_id"`
	Input   []byte `db:"input"`
}

func (r ledgerEntryRow) toExtract() extract.LedgerEntry {
	return extract.LedgerEntry{ChildID: r.ChildID, Input: r.Input}
}

// ReadLedger returns the inputs of the children in ids as generations from
// to to left them (children the ledger does not know, or knows as removed,
// are absent). Only the run holding the lock writes the ledger, so it needs
// no snapshot.
func (s *ETLSession) ReadLedger(ctx context.Context, warehouse string, from, to int64, ids []int64) ([]extract.LedgerEntry, error) {
	out, err := queryRows(ctx, s.lock, byName(ledgerEntryRow.toExtract), `SELECT child_id, input FROM (
		SELECT DISTINCT ON (child_id) child_id, input FROM etl_ledger
		WHERE warehouse = $1 AND child_id = ANY($2) AND gen BETWEEN $3 AND $4
		ORDER BY child_id, gen DESC) l WHERE input IS NOT NULL`, warehouse, ids, from, to)
	if err != nil {
		return nil, etlError("read the ledger", err)
	}
	return out, nil
}

// WriteLedger copies generation gen's rows into the ledger, as next hands
// them out (ok false: no more), and returns how many it wrote.
func (s *ETLSession) WriteLedger(ctx context.Context, warehouse string, gen int64,
	next func() (child int64, input []byte, ok bool)) (int64, error) {
	n, err := s.lock.CopyFrom(ctx, pgx.Identifier{"etl_ledger"}, []string{"warehouse", "child_id", "gen", "input"},
		pgx.CopyFromFunc(func() ([]any, error) {
			child, input, ok := next()
			if !ok {
				return nil, nil
			}
			return []any{warehouse, child, gen, input}, nil
		}))
	if err != nil {
		return n, etlError("write the ledger", err)
	}
	return n, nil
}

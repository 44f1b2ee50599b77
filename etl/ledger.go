package etl

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/civil"
	"treem/internal/domain"
)

// The contribution ledger makes a run's cost follow the change. For every
// child it holds, in Postgres (the ETL's own tables, readable by no other
// role), what the child's cells were counted from: the child's input as the
// aggregation read it and the date it was counted as of. An incremental run
// reads only the children that changed, counts their old input (from the
// ledger) negatively and their new input positively, and writes the
// difference as signed rows that the warehouse's SummingMergeTree adds up.
//
// Each run that writes is a generation G. Its ledger rows carry G; the ledger
// state names the generation the warehouse holds. The warehouse side of a
// generation is one atomic ATTACH (or, for a full run, REPLACE) of the single
// fact_child_month partition, and carries a marker row (measure "") named
// "<warehouse>:<G>:<tag>", the tag random per generation. The steps:
//  1. Postgres: the state records G as pending; the ledger rows of G are written.
//  2. ClickHouse: the cells and the marker of G are attached in one step.
//  3. Postgres: the state commits G (one row).
//
// A run killed before 2 leaves no marker: the next run drops the pending rows
// and starts again from G-1. Killed between 2 and 3, it leaves the marker: the
// next run commits G (the warehouse holds it) and goes on from there. Either
// way the warehouse holds exactly the generations the ledger says it does.

// markerMeasure is the measure of generation markers: no analytics query
// names it, so markers never add to a count.
const markerMeasure = ""

// ledgerState is one warehouse's row of etl_ledger_state, scanned by column
// name (the pending generation's snapshot stays in Postgres until committed).
type ledgerState struct {
	Warehouse   string    `db:"warehouse"`
	Gen         int64     `db:"gen"`      // the generation the warehouse holds; 0 before any commit
	BaseGen     int64     `db:"base_gen"` // the last full run: ledger rows of older generations are garbage
	Fingerprint string    `db:"fingerprint"`
	Watermark   string    `db:"watermark"`
	SnapshotAt  time.Time `db:"snapshot_at"`
	AsOfDate    time.Time `db:"as_of"`
	Tag         string    `db:"tag"`         // the committed generation's, as in its marker
	PendingGen  int64     `db:"pending_gen"` // 0: none
	PendingTag  string    `db:"pending_tag"`
	PendingFull bool      `db:"pending_full"`
}

// AsOf is the date the committed generation was counted as of.
func (s *ledgerState) AsOf() civil.Day { return civil.DayFromTime(s.AsOfDate) }

// ledgerFingerprint names what every ledger row was counted against besides
// the child's own input: the code, the cell-key secret, the org units and
// their crosswalk, and the circumstance groups. Another value makes the next
// run full.
func ledgerFingerprint(codeVersion, keyID string, units *Units, groups []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "code=%s\x00key=%s\x00", codeVersion, keyID)
	for _, u := range units.All() {
		fmt.Fprintf(h, "u%d|%s|%d|%d|%s|%s|%s|%s|%s|%t|%t\x00", u.ID, u.Code, u.ValidFrom, u.ValidTo, u.Name, u.UnitType,
			u.Level, u.ParentCode, u.District2021, u.Approx, u.Provisional)
	}
	for _, e := range units.Edges() {
		fmt.Fprintf(h, "e%d|%d|%d|%s\x00", e.From, e.To, e.Effective, e.Relation)
	}
	fmt.Fprintf(h, "g%s", strings.Join(groups, "|"))
	return hex.EncodeToString(h.Sum(nil))
}

// markerName is a generation marker's unit_code: the warehouse's name, the
// generation's number and its tag.
func markerName(warehouse string, gen int64, tag string) string {
	return warehouse + ":" + strconv.FormatInt(gen, 10) + ":" + tag
}

// parseMarker splits a marker's unit_code.
func parseMarker(s string) (warehouse string, gen int64, tag string, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] == "" {
		return "", 0, "", false
	}
	gen, err := strconv.ParseInt(parts[1], 10, 64)
	return parts[0], gen, parts[2], err == nil && gen > 0
}

// newTag names one generation.
func newTag() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- codec: a child's input as compact bytes --------------------------------

// ledgerCodecVersion is the first byte of every encoded input.
const ledgerCodecVersion = 1

// encodeChild appends c's input and the date it is counted as of to buf.
func encodeChild(buf []byte, c *Child, asOf civil.Day) []byte {
	buf = append(buf, ledgerCodecVersion, c.Sex)
	buf = binary.AppendVarint(buf, int64(asOf))
	buf = binary.AppendVarint(buf, int64(c.Birth))
	buf = binary.AppendVarint(buf, int64(c.Death))
	buf = binary.AppendVarint(buf, int64(c.Commune))
	buf = binary.AppendUvarint(buf, uint64(len(c.Poverty)))
	for _, p := range c.Poverty {
		buf = binary.AppendVarint(buf, int64(p.Year))
		buf = append(buf, p.Status)
	}
	for _, ps := range [][]Period{c.Residences, c.Cards, c.Circumstances} {
		buf = binary.AppendUvarint(buf, uint64(len(ps)))
		for _, p := range ps {
			buf = binary.AppendVarint(buf, int64(p.Unit))
			buf = append(buf, p.Group, boolByte(p.LawDrug))
			buf = binary.AppendVarint(buf, int64(p.From))
			buf = binary.AppendVarint(buf, int64(p.To))
		}
	}
	buf = binary.AppendUvarint(buf, uint64(len(c.Events)))
	for _, e := range c.Events {
		buf = append(buf, byte(e.Kind), boolByte(e.Flag1)|boolByte(e.Flag2)<<1)
		buf = binary.AppendVarint(buf, int64(e.Unit))
		buf = binary.AppendVarint(buf, int64(e.Day))
		buf = binary.AppendVarint(buf, int64(e.Day2))
		buf = binary.AppendUvarint(buf, uint64(len(e.Code)))
		buf = append(buf, e.Code...)
	}
	return buf
}

// errLedgerCodec reports an input the codec cannot read back.
var errLedgerCodec = errors.New("etl ledger: malformed child input")

// decoder reads what encodeChild wrote; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = errLedgerCodec, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)-n) {
		d.err, d.b = errLedgerCodec, nil
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errLedgerCodec
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// decodeChild fills c (reset first) from an encoded input and returns the
// date it was counted as of.
func decodeChild(b []byte, id int64, c *Child) (civil.Day, error) {
	c.Reset()
	c.ID = id
	d := &decoder{b: b}
	if d.byte() != ledgerCodecVersion {
		return 0, errLedgerCodec
	}
	c.Sex = d.byte()
	asOf := civil.Day(d.varint())
	c.Birth, c.Death, c.Commune = civil.Day(d.varint()), civil.Day(d.varint()), int32(d.varint())
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		c.Poverty = append(c.Poverty, YearStatus{Year: int(d.varint()), Status: d.byte()})
	}
	for _, ps := range []*[]Period{&c.Residences, &c.Cards, &c.Circumstances} {
		for n := d.uvarint(); n > 0 && d.err == nil; n-- {
			p := Period{Unit: int32(d.varint()), Group: d.byte(), LawDrug: d.byte() == 1}
			p.From, p.To = civil.Day(d.varint()), civil.Day(d.varint())
			*ps = append(*ps, p)
		}
	}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		e := Event{Kind: EventKind(d.byte())}
		flags := d.byte()
		e.Flag1, e.Flag2 = flags&1 != 0, flags&2 != 0
		e.Unit, e.Day, e.Day2 = int32(d.varint()), civil.Day(d.varint()), civil.Day(d.varint())
		k := d.uvarint()
		if d.err == nil {
			e.Code, d.b = string(d.b[:k]), d.b[k:]
		}
		c.Events = append(c.Events, e)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errLedgerCodec
	}
	return asOf, d.err
}

// --- storage -----------------------------------------------------------------

const ledgerStateSQL = `SELECT warehouse, gen, base_gen, fingerprint, watermark, snapshot_at, as_of, tag,
  coalesce(pending_gen, 0) AS pending_gen, coalesce(pending_tag, '') AS pending_tag, pending_full
FROM etl_ledger_state WHERE warehouse = $1`

func readLedgerState(ctx context.Context, pool *pgxpool.Pool, warehouse string) (*ledgerState, bool, error) {
	rows, err := pool.Query(ctx, ledgerStateSQL, warehouse)
	if err != nil {
		return nil, false, fmt.Errorf("read the ledger state: %w", err)
	}
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[ledgerState])
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the ledger state: %w", err)
	}
	return st, true, nil
}

// beginGeneration records gen as pending (with the snapshot it is computed
// from) and drops ledger rows left by a generation that never committed.
func beginGeneration(ctx context.Context, pool *pgxpool.Pool, gen *generation, snap *Snapshot) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM etl_ledger WHERE warehouse = $1 AND gen >= $2`, gen.warehouse, gen.number); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO etl_ledger_state AS s (warehouse, gen, base_gen, fingerprint, watermark, snapshot_at, as_of,
			pending_gen, pending_full, pending_fingerprint, pending_watermark, pending_snapshot_at, pending_as_of, pending_tag)
		VALUES ($1, 0, 0, '', '', 'epoch', 'epoch', $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (warehouse) DO UPDATE SET pending_gen = $2, pending_full = $3, pending_fingerprint = $4,
			pending_watermark = $5, pending_snapshot_at = $6, pending_as_of = $7, pending_tag = $8, updated_at = now()`,
			gen.warehouse, gen.number, gen.full, gen.fingerprint, snap.Watermark, snap.At, snap.AsOf.Time(), gen.tag)
		return err
	})
	if err != nil {
		return fmt.Errorf("begin ledger generation %d: %w", gen.number, err)
	}
	return nil
}

// advanceWatermark records that the committed generation is current as of
// snap: the changes since its watermark changed no child's input.
func advanceWatermark(ctx context.Context, pool *pgxpool.Pool, st *ledgerState, snap *Snapshot) error {
	_, err := pool.Exec(ctx, `UPDATE etl_ledger_state SET watermark = $3, snapshot_at = $4, as_of = $5, updated_at = now()
		WHERE warehouse = $1 AND gen = $2`, st.Warehouse, st.Gen, snap.Watermark, snap.At, snap.AsOf.Time())
	if err != nil {
		return fmt.Errorf("advance the ledger's watermark: %w", err)
	}
	return nil
}

// settleLedger finds the warehouse's ledger and finishes what a killed run
// left: a pending generation is committed if the warehouse holds its marker,
// else forgotten. It returns the warehouse's name (a new one when it has
// none), its committed state, or nil when an incremental run cannot start
// from it, and the number of the next generation: above every generation
// the warehouse or the ledger names, so that a pending generation's marker
// can only be its own (a generation 1 begun for a warehouse whose ledger was
// forgotten must not be committed on the strength of the old generation 1's
// marker).
func settleLedger(ctx context.Context, pool *pgxpool.Pool, wh Warehouse, dryRun bool, log *slog.Logger) (string, *ledgerState, int64, error) {
	warehouse, st, newest, err := settle(ctx, pool, wh, dryRun, log)
	next := newest + 1
	if st != nil {
		next = max(next, st.Gen+1)
	}
	return warehouse, st, next, err
}

func settle(ctx context.Context, pool *pgxpool.Pool, wh Warehouse, dryRun bool, log *slog.Logger) (string, *ledgerState, int64, error) {
	markers, err := wh.Markers(ctx)
	if err != nil {
		return "", nil, 0, domain.Wrap(err, domain.CodeUnavailable, "cannot read the warehouse's generation markers")
	}
	live := map[string]map[string]bool{} // warehouse → marker names
	for name, v := range markers {
		if w, _, _, ok := parseMarker(name); ok && v > 0 {
			if live[w] == nil {
				live[w] = map[string]bool{}
			}
			live[w][name] = true
		}
	}
	if len(live) != 1 {
		return newWarehouseName(), nil, 0, nil
	}
	var warehouse string
	var newest int64
	for w, names := range live {
		warehouse = w
		for name := range names {
			_, g, _, _ := parseMarker(name)
			newest = max(newest, g)
		}
	}
	st, found, err := readLedgerState(ctx, pool, warehouse)
	if err != nil || !found {
		return warehouse, nil, newest, err
	}
	if st.PendingGen > 0 && !dryRun {
		if live[warehouse][markerName(warehouse, st.PendingGen, st.PendingTag)] {
			log.Info("a killed run had written its generation: committing it", "generation", st.PendingGen)
			if err := commitGeneration(ctx, pool, warehouse, st.PendingGen); err != nil {
				return "", nil, 0, err
			}
			if err := compactLedger(ctx, pool, warehouse, st.PendingGen, st.PendingFull); err != nil {
				return "", nil, 0, err
			}
		} else {
			log.Info("a killed run had not written its generation: forgetting it", "generation", st.PendingGen)
			if err := abandonGeneration(ctx, pool, warehouse, st.PendingGen); err != nil {
				return "", nil, 0, err
			}
		}
		if st, _, err = readLedgerState(ctx, pool, warehouse); err != nil {
			return "", nil, 0, err
		}
	}
	// The newest marker must be the committed generation's own: a copy of
	// the warehouse shares its name and numbers, not its tags.
	if st.Gen == 0 || st.Gen != newest || !live[warehouse][markerName(warehouse, st.Gen, st.Tag)] {
		return warehouse, nil, max(newest, st.Gen), nil
	}
	if !dryRun {
		old := map[string]int64{}
		for name, v := range markers {
			if w, g, _, ok := parseMarker(name); ok && w == warehouse && g < st.Gen {
				old[name] = v
			}
		}
		if err := negateMarkers(ctx, wh, "", old); err != nil {
			return "", nil, 0, err
		}
	}
	return warehouse, st, newest, nil
}

// newWarehouseName names a warehouse that has no ledger yet.
func newWarehouseName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "wh" + hex.EncodeToString(b)
}

// commitGeneration makes the pending generation the one the warehouse holds.
func commitGeneration(ctx context.Context, pool *pgxpool.Pool, warehouse string, gen int64) error {
	tag, err := pool.Exec(ctx, `UPDATE etl_ledger_state SET gen = pending_gen,
		base_gen = CASE WHEN pending_full THEN pending_gen ELSE base_gen END,
		fingerprint = pending_fingerprint, watermark = pending_watermark, snapshot_at = pending_snapshot_at,
		as_of = pending_as_of, tag = pending_tag, pending_gen = NULL, updated_at = now()
	WHERE warehouse = $1 AND pending_gen = $2`, warehouse, gen)
	if err != nil {
		return fmt.Errorf("commit ledger generation %d: %w", gen, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("commit ledger generation %d: it is not pending", gen)
	}
	return nil
}

// abandonGeneration forgets a pending generation the warehouse never received.
func abandonGeneration(ctx context.Context, pool *pgxpool.Pool, warehouse string, gen int64) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM etl_ledger WHERE warehouse = $1 AND gen >= $2`, warehouse, gen); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE etl_ledger_state SET pending_gen = NULL, updated_at = now() WHERE warehouse = $1`, warehouse)
		return err
	})
	if err != nil {
		return fmt.Errorf("abandon ledger generation %d: %w", gen, err)
	}
	return nil
}

// compactLedger deletes what committed generation gen made obsolete: rows of
// generations before the last full run, older rows of the children gen
// rewrote, gen's removals (once nothing older remains, absence says the
// same), and the ledgers of warehouses unloaded for longer than the change
// log's retention (their next run is full anyway). Readers never see these
// rows, so a kill part-way loses nothing.
func compactLedger(ctx context.Context, pool *pgxpool.Pool, warehouse string, gen int64, full bool) error {
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
			{`DELETE FROM etl_ledger WHERE warehouse IN ` + stale, []any{warehouse, changeRetention}},
			{`DELETE FROM etl_ledger_state WHERE warehouse IN ` + stale, []any{warehouse, changeRetention}},
		}
	}
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("compact the ledger: %w", err)
		}
	}
	return nil
}

// ledgerEntry is one child's committed input.
type ledgerEntry struct {
	ChildID int64  `db:"child_id"`
	Input   []byte `db:"input"`
}

// readLedger returns the committed inputs of the children in ids (children
// the ledger does not know, or knows as removed, are absent).
func readLedger(ctx context.Context, conn *pgxpool.Conn, st *ledgerState, ids []int64) ([]ledgerEntry, error) {
	rows, err := conn.Query(ctx, `SELECT child_id, input FROM (
		SELECT DISTINCT ON (child_id) child_id, input FROM etl_ledger
		WHERE warehouse = $1 AND child_id = ANY($2) AND gen BETWEEN $3 AND $4
		ORDER BY child_id, gen DESC) l WHERE input IS NOT NULL`, st.Warehouse, ids, st.BaseGen, st.Gen)
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[ledgerEntry])
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	return out, nil
}

// ledgerWriter copies a generation's rows into etl_ledger while the run goes
// on, on the connection that holds the run's lock (idle otherwise): a pool
// too small for one more connection cannot stall it.
type ledgerWriter struct {
	rows chan []any
	done chan error
	n    int64
}

func newLedgerWriter(ctx context.Context, conn *pgxpool.Conn, warehouse string, gen int64) *ledgerWriter {
	w := &ledgerWriter{rows: make(chan []any, 4096), done: make(chan error, 1)}
	go func() {
		n, err := conn.CopyFrom(ctx, pgx.Identifier{"etl_ledger"}, []string{"warehouse", "child_id", "gen", "input"},
			pgx.CopyFromFunc(func() ([]any, error) {
				r, ok := <-w.rows
				if !ok {
					return nil, nil
				}
				return []any{warehouse, r[0], gen, r[1]}, nil
			}))
		// Drain, so that senders never block on a failed copy.
		for range w.rows {
		}
		w.n = n
		if err != nil {
			err = fmt.Errorf("write the ledger: %w", err)
		}
		w.done <- err
	}()
	return w
}

// Put queues one child's input (nil: the child no longer counts).
func (w *ledgerWriter) Put(child int64, input []byte) { w.rows <- []any{child, input} }

// Close waits for the copy and returns its error.
func (w *ledgerWriter) Close() (int64, error) {
	close(w.rows)
	err := <-w.done
	return w.n, err
}

// sortedIDs returns the keys of a map in order.
func sortedIDs[V any](m map[int64]V) []int64 { return slices.Sorted(maps.Keys(m)) }

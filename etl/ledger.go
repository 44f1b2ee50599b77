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

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/extract"
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

// ledgerFingerprint names what every ledger row was counted against besides
// the child's own input: the code, the cell-key secret, the org units and
// their crosswalk, the circumstance groups, and the shards of a warehouse on
// two or more (one server's address may change without moving a row).
// Another value makes the next run full.
func ledgerFingerprint(codeVersion, keyID string, units *Units, groups, shards []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "code=%s\x00key=%s\x00", codeVersion, keyID)
	if len(shards) > 1 {
		fmt.Fprintf(h, "shards=%s\x00", strings.Join(shards, ","))
	}
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

// inputOf returns c's ledger input as of asOf, with its events put in one
// order first (eventBefore's): Postgres returns a child's rows in no
// particular order, and an input completed from the ledger has the kinds
// read again before the others. Inputs of the same rows must be the same
// bytes, or a child nothing changed is counted again and written anew.
func inputOf(c *extract.Child, asOf civil.Day) []byte {
	slices.SortFunc(c.Events, func(x, y extract.Event) int {
		switch {
		case eventBefore(&x, &y):
			return -1
		case eventBefore(&y, &x):
			return 1
		}
		return 0
	})
	return encodeChild(nil, c, asOf)
}

// encodeChild appends c's input and the date it is counted as of to buf.
func encodeChild(buf []byte, c *extract.Child, asOf civil.Day) []byte {
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
	for _, ps := range [][]extract.Period{c.Residences, c.Cards, c.Circumstances} {
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
func decodeChild(b []byte, id int64, c *extract.Child) (civil.Day, error) {
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
		c.Poverty = append(c.Poverty, extract.YearStatus{Year: int(d.varint()), Status: d.byte()})
	}
	for _, ps := range []*[]extract.Period{&c.Residences, &c.Cards, &c.Circumstances} {
		for n := d.uvarint(); n > 0 && d.err == nil; n-- {
			p := extract.Period{Unit: int32(d.varint()), Group: d.byte(), LawDrug: d.byte() == 1}
			p.From, p.To = civil.Day(d.varint()), civil.Day(d.varint())
			*ps = append(*ps, p)
		}
	}
	for n := d.uvarint(); n > 0 && d.err == nil; n-- {
		e := extract.Event{Kind: extract.EventKind(d.byte())}
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

// settleLedger finds the warehouse's ledger and finishes what a killed run
// left: a pending generation is committed if the warehouse holds its marker,
// else forgotten. It returns the warehouse's name (a new one when it has
// none), its committed state, or nil when an incremental run cannot start
// from it, and the number of the next generation: above every generation
// the warehouse or the ledger names, so that a pending generation's marker
// can only be its own (a generation 1 begun for a warehouse whose ledger was
// forgotten must not be committed on the strength of the old generation 1's
// marker).
func settleLedger(ctx context.Context, ledger extract.Ledger, wh Warehouse, dryRun bool, log *slog.Logger) (string, *extract.LedgerState, int64, error) {
	warehouse, st, newest, err := settle(ctx, ledger, wh, dryRun, log)
	next := newest + 1
	if st != nil {
		next = max(next, st.Gen+1)
	}
	return warehouse, st, next, err
}

func settle(ctx context.Context, ledger extract.Ledger, wh Warehouse, dryRun bool, log *slog.Logger) (string, *extract.LedgerState, int64, error) {
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
	st, err := ledger.LedgerState(ctx, warehouse)
	if err != nil || st == nil {
		return warehouse, nil, newest, err
	}
	if st.PendingGen > 0 && !dryRun {
		if live[warehouse][markerName(warehouse, st.PendingGen, st.PendingTag)] {
			log.Info("a killed run had written its generation: committing it", "generation", st.PendingGen)
			if err := ledger.CommitGeneration(ctx, warehouse, st.PendingGen); err != nil {
				return "", nil, 0, err
			}
			if err := ledger.CompactLedger(ctx, warehouse, st.PendingGen, st.PendingFull, changeRetention); err != nil {
				return "", nil, 0, err
			}
		} else {
			log.Info("a killed run had not written its generation: forgetting it", "generation", st.PendingGen)
			if err := ledger.AbandonGeneration(ctx, warehouse, st.PendingGen); err != nil {
				return "", nil, 0, err
			}
		}
		if st, err = ledger.LedgerState(ctx, warehouse); err != nil || st == nil {
			return warehouse, nil, newest, err
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

// ledgerWriter writes a generation's rows into the ledger while the run goes
// on (the source writes on the lock's connection, idle otherwise: a pool too
// small for one more connection cannot stall it).
type ledgerWriter struct {
	rows chan extract.LedgerEntry
	done chan error
	n    int64
}

func newLedgerWriter(ctx context.Context, ledger extract.Ledger, warehouse string, gen int64) *ledgerWriter {
	w := &ledgerWriter{rows: make(chan extract.LedgerEntry, 4096), done: make(chan error, 1)}
	go func() {
		n, err := ledger.WriteLedger(ctx, warehouse, gen, func() (int64, []byte, bool) {
			e, ok := <-w.rows
			return e.ChildID, e.Input, ok
		})
		// Drain, so that senders never block on a failed write.
		for range w.rows {
		}
		w.n = n
		w.done <- err
	}()
	return w
}

// Put queues one child's input (nil: the child no longer counts).
func (w *ledgerWriter) Put(child int64, input []byte) {
	w.rows <- extract.LedgerEntry{ChildID: child, Input: input}
}

// Close waits for the write and returns its error.
func (w *ledgerWriter) Close() (int64, error) {
	close(w.rows)
	err := <-w.done
	return w.n, err
}

// sortedIDs returns the keys of a map in order.
func sortedIDs[V any](m map[int64]V) []int64 { return slices.Sorted(maps.Keys(m)) }

// Package etl loads the warehouse: it extracts one consistent snapshot of the
// operational data from Postgres, counts children into cells (the functional
// core: aggregate.go, anonymize.go, with the clock as a parameter), drops every
// identifier, and writes the counts into ClickHouse atomically.
//
// One run: take the advisory lock (a second run is refused); settle what a
// killed run left (ledger.go); open a REPEATABLE READ READ ONLY transaction;
// decide between a full run and an incremental one. A full run streams every
// child, counts it at every month end (stocks, evaluated at the month's last
// day, so ageing needs no special case) and at its events (flows), records
// its input in the contribution ledger, and replaces fact_child_month in one
// step. An incremental run reads only the children the change log (and the
// passing of time) names, counts their ledger input negatively and their new
// input positively, and attaches the difference in one step. Either records
// the run in etl_runs.
package etl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/extract"
)

// Warehouse is what the ETL needs from ClickHouse.
type Warehouse interface {
	ResetStage(ctx context.Context, table string) (string, error)
	DropStage(ctx context.Context, table string) error
	Insert(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error
	InsertColumns(ctx context.Context, table string, columns []string, data []any) error
	ReplacePartition(ctx context.Context, table, stage string) error
	AttachPartition(ctx context.Context, table, stage string) error
	Markers(ctx context.Context) (map[string]int64, error)
	Checksum(ctx context.Context, table string) (count uint64, sum uint64, err error)
	RunningRuns(ctx context.Context) ([]string, error)
}

// Progress shows a run's advance over the children it reads.
type Progress interface {
	Start(total int64)
	Add(n int)
	Finish()
}

// Options configure one run.
type Options struct {
	Full     bool // rebuild everything instead of the changes since the last run
	DryRun   bool // report what would change, write nothing
	Log      *slog.Logger
	Progress Progress         // nil: none
	Now      func() time.Time // the run's wall clock (started_at, finished_at)
	// CellKeySecret seeds the records' cell keys; it must stay the same from
	// run to run (a new one makes the next run full).
	CellKeySecret []byte
	// CodeVersion names the code that counts: the ledger's inputs were counted
	// by it, so another value makes the next run full.
	CodeVersion string
	// Shards are the addresses of the servers the warehouse writes, in shard
	// order (recorded in etl_runs). Another list of two or more makes the
	// next run full: a unit's shard follows the number and order of shards,
	// and only a full run moves its rows.
	Shards []string
}

// Result reports a run.
type Result struct {
	RunID      string
	KeyID      string // names the cell-key secret (see KeyID)
	Mode       string
	Reason     string // why the run is full
	Watermark  string
	SnapshotAt time.Time
	// Children is how many children the run counted again (all of them in a
	// full run).
	Children int
	// Generation is the ledger generation the run wrote, 0 when it wrote none.
	Generation  int64
	RowsRead    map[string]int64
	RowsWritten map[string]int64
	Rejected    map[string]uint64
	// WholeTablesChanged: fact_unit_year, fact_district_year or
	// fact_channel_quarter differs from what the last run left.
	WholeTablesChanged bool
	Duration           time.Duration
}

// Changed reports whether the run may have changed the warehouse. An
// unchanged warehouse gives the same answers as before it.
func (r *Result) Changed() bool { return r.Generation > 0 || r.WholeTablesChanged }

// blockRows bounds one insert block of fact_child_month.
const blockRows = 200_000

// factTable is where the counts go.
const factTable = "fact_child_month"

// Run performs one ETL run.
func Run(ctx context.Context, src extract.Source, wh Warehouse, opts Options) (*Result, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	log := opts.Log
	started := opts.Now()
	session, err := src.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer session.Release()

	res := &Result{RunID: newRunID(started), Mode: "full", RowsRead: map[string]int64{}, RowsWritten: map[string]int64{}}
	if len(opts.CellKeySecret) < 16 {
		return nil, domain.Errorf(domain.CodeInvalidInput, "the cell-key secret is missing or shorter than 16 bytes (TREEM_CELL_KEY_SECRET)")
	}
	res.KeyID = KeyID(opts.CellKeySecret)
	if !opts.DryRun {
		if err := markInterrupted(ctx, wh, opts.Now()); err != nil {
			return nil, err
		}
	}
	warehouse, state, next, err := settleLedger(ctx, session, wh, opts.DryRun, log)
	if err != nil {
		return nil, err
	}

	tx, err := session.BeginSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	snap, err := readSnapshot(ctx, tx)
	if err != nil {
		return nil, err
	}
	res.Watermark, res.SnapshotAt = snap.Watermark, snap.At
	fingerprint := ledgerFingerprint(opts.CodeVersion, res.KeyID, snap.Units, snap.Groups, opts.Shards)
	plan := &Plan{Full: true}
	switch {
	case opts.Full:
		plan.Reason = "requested"
	case state == nil:
		plan.Reason = "the warehouse holds no committed ledger generation"
	case state.Fingerprint != fingerprint:
		plan.Reason = "the code, the cell-key secret, the org units, the circumstance groups or the shards changed"
	case MonthIndex(state.Mark.AsOf) != MonthIndex(snap.AsOf):
		plan.Reason = "a new month"
	default:
		if plan, err = planIncremental(ctx, tx, state); err != nil {
			return nil, err
		}
	}
	months := MonthIndex(snap.AsOf) + 1
	if !plan.Full {
		res.Mode = "incremental"
	}
	res.Reason = plan.Reason
	log.Info("etl run", "run_id", res.RunID, "mode", res.Mode, "reason", plan.Reason, "watermark", snap.Watermark,
		"as_of", snap.AsOf, "children_changed", len(plan.Children), "planned_in", opts.Now().Sub(started).Round(time.Millisecond))

	if !opts.DryRun {
		if err := recordRun(ctx, wh, opts, res, "running", started, time.Unix(0, 0), snap, months, ""); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Result, error) {
		if !opts.DryRun {
			if rerr := recordRun(context.Background(), wh, opts, res, "failed", started, opts.Now(), snap, months, err.Error()); rerr != nil {
				log.Error("record failed run", "err", rerr)
			}
		}
		return nil, err
	}
	firstYear, _, _ := HistoryStart.Date()
	lastYear, _, _ := snap.AsOf.Date()
	if snap.UnitYears, err = tx.UnitYears(ctx, firstYear, lastYear); err != nil {
		return fail(err)
	}
	if snap.DistrictYears, err = tx.DistrictYears(ctx, firstYear, lastYear); err != nil {
		return fail(err)
	}
	res.RowsRead["units"], res.RowsRead["unit_years"] = int64(len(snap.Units.All())), int64(len(snap.UnitYears))
	res.RowsRead["district_years"] = int64(len(snap.DistrictYears))
	acts, err := tx.CommunicationActivities(ctx, firstYear, lastYear)
	if err != nil {
		return fail(err)
	}
	snap.Channels = channelCells(acts, newChildKeys(opts.CellKeySecret))
	res.RowsRead["communication_activities"] = int64(len(acts))
	gen := &generation{warehouse: warehouse, number: next, tag: newTag(), full: plan.Full, fingerprint: fingerprint}
	var cells CellSeq
	if plan.Full {
		cells, err = countAll(ctx, session, tx, snap, opts, gen, res)
	} else {
		cells, err = countChanges(ctx, session, tx, snap, opts, state, gen, plan.Children, res)
	}
	if err != nil {
		return fail(err)
	}
	for reason, n := range res.Rejected {
		log.Warn("rows rejected", "reason", reason, "count", n)
	}
	tx.Close() // read-only: ending the snapshot early frees Postgres

	res.RowsWritten["dim_unit"], res.RowsWritten["dim_unit_edge"] = int64(len(snap.Units.All())), int64(len(snap.Units.Edges()))
	res.RowsWritten["fact_unit_year"], res.RowsWritten["fact_channel_quarter"] = int64(len(snap.UnitYears)), int64(len(snap.Channels))
	res.RowsWritten["fact_district_year"] = int64(len(snap.DistrictYears))
	if opts.DryRun {
		n, _ := Anonymize(cells, snap.Units, snap.Groups, blockRows, func(*FactBlock) error { return nil })
		res.RowsWritten[factTable] = int64(n)
		res.Duration = opts.Now().Sub(started)
		return res, nil
	}
	loadStart := opts.Now()
	log.Debug("counted", "children", res.Children, "duration", opts.Now().Sub(started).Round(time.Millisecond))
	if err := loadDims(ctx, wh, res, snap); err != nil {
		return fail(err)
	}
	log.Debug("dimensions loaded", "duration", opts.Now().Sub(started).Round(time.Millisecond))
	if gen.write {
		if err := loadCells(ctx, wh, res, snap, gen, cells); err != nil {
			return fail(err)
		}
		log.Debug("cells loaded", "rows", res.RowsWritten[factTable], "duration", opts.Now().Sub(started).Round(time.Millisecond))
		res.Generation = gen.number
		if err := session.CommitGeneration(ctx, warehouse, gen.number); err != nil {
			return fail(err)
		}
		if state != nil && !gen.full {
			if err := negateMarkers(ctx, wh, res.RunID, map[string]int64{markerName(warehouse, state.Gen, state.Tag): 1}); err != nil {
				return fail(err)
			}
		}
	} else if !opts.DryRun && state != nil {
		// Nothing to count again: the ledger is current as of this snapshot.
		if err := session.AdvanceWatermark(ctx, state.Warehouse, state.Gen, snap.Mark); err != nil {
			return fail(err)
		}
	}
	finished := opts.Now()
	log.Info("loaded", "fact_rows", res.RowsWritten[factTable], "generation", res.Generation,
		"duration", finished.Sub(loadStart).Round(time.Millisecond))
	res.Duration = finished.Sub(started)
	if err := recordRun(ctx, wh, opts, res, "succeeded", started, finished, snap, months, ""); err != nil {
		return nil, err
	}
	if gen.write {
		if err := session.CompactLedger(ctx, warehouse, gen.number, gen.full, changeRetention); err != nil {
			log.Warn("compact the ledger", "err", err)
		}
	}
	// Only after the success is recorded may the change log shrink, and only
	// by rows past the retention that this run has seen (another warehouse
	// loaded from the same database may not have read the newer ones).
	if err := session.TrimChangeLog(ctx, snap.Watermark, changeRetention); err != nil {
		log.Warn("trim change log", "err", err)
	}
	for _, t := range []string{"dim_unit", "dim_unit_edge", "fact_unit_year", "fact_district_year", "fact_channel_quarter", factTable} {
		if err := wh.DropStage(ctx, t); err != nil {
			log.Warn("drop stage", "table", t, "err", err)
		}
	}
	return res, nil
}

// generation is what a run writes to the ledger and the warehouse.
type generation struct {
	warehouse   string
	number      int64
	tag         string
	full        bool
	fingerprint string
	write       bool // the run writes it (false: nothing changed, or a dry run)
}

// pending is gen as the ledger records it before the warehouse holds it.
func (g *generation) pending(mark extract.Mark) extract.Generation {
	return extract.Generation{Warehouse: g.warehouse, Number: g.number, Tag: g.tag, Full: g.full, Fingerprint: g.fingerprint, Mark: mark}
}

// extractWorkers is how many transactions read a full extraction at once,
// each on its share of the children and with its own aggregator.
const extractWorkers = 2

// countAll streams every child into one aggregator per worker, records
// their inputs as generation gen of the ledger, and returns the cells.
func countAll(ctx context.Context, session extract.Session, tx extract.Snapshot, snap *Snapshot, opts Options, gen *generation,
	res *Result) (CellSeq, error) {
	total, err := tx.CountChildren(ctx)
	if err != nil {
		return nil, err
	}
	// From here every return goes through the writer's Close.
	var ledger *ledgerWriter
	if !opts.DryRun {
		if err := session.BeginGeneration(ctx, gen.pending(snap.Mark)); err != nil {
			return nil, err
		}
		gen.write = true
		ledger = newLedgerWriter(ctx, session, gen.warehouse, gen.number)
	}
	aggs := make([]*Aggregator, extractWorkers)
	for i := range aggs {
		aggs[i] = NewAggregator(snap.Units, snap.AsOf, opts.CellKeySecret)
	}
	if opts.Progress != nil {
		opts.Progress.Start(total)
	}
	var done atomic.Int64
	n, err := tx.StreamChildren(ctx, nil, snap.Groups, extractWorkers, func(worker int, c *extract.Child) {
		aggs[worker].AddChild(c)
		if ledger != nil {
			ledger.Put(c.ID, inputOf(c, snap.AsOf))
		}
		if d := done.Add(1); opts.Progress != nil && d%1000 == 0 {
			opts.Progress.Add(1000)
		}
	})
	if opts.Progress != nil {
		opts.Progress.Finish()
	}
	if ledger != nil {
		written, lerr := ledger.Close()
		res.RowsWritten["etl_ledger"] = written
		if err == nil {
			err = lerr
		}
	}
	if err != nil {
		return nil, err
	}
	res.RowsRead["child_rows"], res.RowsRead["children"] = n, done.Load()
	res.Children = int(done.Load())
	aggs[0].Merge(aggs[1:]...)
	res.Rejected = aggs[0].Rejected
	opts.Log.Info("extracted and counted", "children", done.Load(), "rows", n, "cells", aggs[0].Len())
	return aggs[0].All(), nil
}

// countChanges counts again the children reads name. A child's new input is
// its own row and the kinds of rows its read names, read from the snapshot,
// with its other rows as its ledger input holds them (no change touched
// them); a child the ledger does not know is read whole. It returns the
// change to the cells: the new inputs counted, the ledger's taken away; and
// records the new inputs as generation gen when any differs.
func countChanges(ctx context.Context, session extract.Session, tx extract.Snapshot, snap *Snapshot, opts Options, state *extract.LedgerState,
	gen *generation, reads []extract.ChildRows, res *Result) (CellSeq, error) {
	if len(reads) == 0 {
		res.Rejected = map[string]uint64{}
		return func(func(CellKey, Count) bool) {}, nil
	}
	ids := make([]int64, len(reads))
	for i, r := range reads {
		ids[i] = r.ID
	}
	// The ledger is read while the workers read the snapshot.
	var entries []extract.LedgerEntry
	ledgerRead := make(chan error, 1)
	start := time.Now()
	go func() {
		var err error
		entries, err = session.ReadLedger(ctx, state.Warehouse, state.BaseGen, state.Gen, ids)
		opts.Log.Debug("ledger read", "entries", len(entries), "duration", time.Since(start).Round(time.Millisecond))
		ledgerRead <- err
	}()
	fresh, n, err := readChildren(ctx, tx, snap, reads)
	opts.Log.Debug("changed children read", "rows", n, "duration", time.Since(start).Round(time.Millisecond))
	if lerr := <-ledgerRead; err == nil {
		err = lerr
	}
	if err != nil {
		return nil, err
	}
	old := make(map[int64][]byte, len(entries))
	for _, e := range entries {
		old[e.ChildID] = e.Input
	}
	var whole []extract.ChildRows
	for _, r := range reads {
		if _, known := old[r.ID]; !known && r.Rows != extract.AllRows {
			whole = append(whole, extract.ChildRows{ID: r.ID, Rows: extract.AllRows})
		}
	}
	if len(whole) > 0 {
		more, m, err := readChildren(ctx, tx, snap, whole)
		if err != nil {
			return nil, err
		}
		maps.Copy(fresh, more)
		n += m
	}
	res.RowsRead["child_rows"], res.RowsRead["children"] = n, int64(len(fresh))
	res.RowsRead["etl_ledger"] = int64(len(entries))

	// Each worker compares and counts a contiguous share of the children.
	shares := make([]changeCount, extractWorkers)
	g := errgroup.Group{}
	for w := range shares {
		sh := &shares[w]
		sh.cells = NewAggregator(snap.Units, snap.AsOf, opts.CellKeySecret)
		part := reads[w*len(reads)/len(shares) : (w+1)*len(reads)/len(shares)]
		g.Go(func() error { return sh.count(part, fresh, old, snap.AsOf) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	cells := shares[0].cells
	var changed []extract.LedgerEntry // in child order; Input nil: removed
	for i, sh := range shares {
		if i > 0 {
			cells.Merge(sh.cells)
		}
		changed = append(changed, sh.changed...)
	}
	res.Rejected = cells.Rejected
	res.Children = len(changed)
	opts.Log.Debug("changed children and their ledger counted", "children", len(fresh), "rows", n,
		"ledger", len(entries), "changed", len(changed), "duration", time.Since(start).Round(time.Millisecond))
	if len(changed) == 0 || opts.DryRun {
		return cells.All(), nil
	}
	if err := session.BeginGeneration(ctx, gen.pending(snap.Mark)); err != nil {
		return nil, err
	}
	gen.write = true
	ledger := newLedgerWriter(ctx, session, gen.warehouse, gen.number)
	for _, e := range changed {
		ledger.Put(e.ChildID, e.Input)
	}
	written, err := ledger.Close()
	res.RowsWritten["etl_ledger"] = written
	if err != nil {
		return nil, err
	}
	return cells.All(), nil
}

// readChildren reads the rows reads name from the snapshot and returns each
// child found as its input.
func readChildren(ctx context.Context, tx extract.Snapshot, snap *Snapshot, reads []extract.ChildRows) (map[int64][]byte, int64, error) {
	inputsOf := make([]map[int64][]byte, extractWorkers)
	for w := range inputsOf {
		inputsOf[w] = map[int64][]byte{}
	}
	n, err := tx.StreamChildren(ctx, reads, snap.Groups, extractWorkers, func(w int, c *extract.Child) {
		inputsOf[w][c.ID] = inputOf(c, snap.AsOf)
	})
	for _, m := range inputsOf[1:] {
		maps.Copy(inputsOf[0], m)
	}
	return inputsOf[0], n, err
}

// addRows adds to c the rows of old of the kinds in kinds.
func addRows(c, old *extract.Child, kinds extract.Rows) {
	if kinds&extract.ResidenceRows != 0 {
		c.Residences = append(c.Residences, old.Residences...)
	}
	if kinds&extract.CardRows != 0 {
		c.Cards = append(c.Cards, old.Cards...)
	}
	if kinds&extract.CircumstanceRows != 0 {
		c.Circumstances = append(c.Circumstances, old.Circumstances...)
	}
	for _, e := range old.Events {
		if kinds&extract.EventRows(e.Kind) != 0 {
			c.Events = append(c.Events, e)
		}
	}
}

// changeCount is one worker's share of an incremental run's counting.
type changeCount struct {
	cells   *Aggregator // the new inputs counted, the ledger's taken away
	changed []extract.LedgerEntry
}

// count compares each child's new input (its fresh read completed by its
// ledger input) with its ledger input, and for each child that differs
// counts the new input and takes the ledger's away.
func (cc *changeCount) count(reads []extract.ChildRows, fresh, old map[int64][]byte, asOf civil.Day) error {
	var c, prev extract.Child
	for _, r := range reads {
		in, found := fresh[r.ID]
		was, known := old[r.ID]
		var countedAsOf civil.Day
		if known {
			var err error
			if countedAsOf, err = decodeChild(was, r.ID, &prev); err != nil {
				return fmt.Errorf("a child's ledger input: %w", err)
			}
		}
		if found {
			if _, err := decodeChild(in, r.ID, &c); err != nil {
				return err
			}
			if known && r.Rows != extract.AllRows {
				addRows(&c, &prev, ^r.Rows)
				in = inputOf(&c, asOf)
			}
		}
		if found == known && string(in) == string(was) {
			continue
		}
		if known {
			cc.cells.SubtractChild(&prev, countedAsOf)
		}
		if found {
			cc.cells.AddChild(&c)
		}
		cc.changed = append(cc.changed, extract.LedgerEntry{ChildID: r.ID, Input: in})
	}
	return nil
}

// loadDims rewrites the small tables whole, and notes whether fact_unit_year,
// fact_district_year or fact_channel_quarter changed (commune facts,
// inspections and communication activities are not in the change log).
func loadDims(ctx context.Context, wh Warehouse, res *Result, snap *Snapshot) error {
	units := snap.Units.All()
	if err := replaceWhole(ctx, wh, "dim_unit", dimUnitColumns, len(units), func(i int) []any {
		u := units[i]
		return []any{u.Code, u.ValidFrom.Time(), validTo(u.ValidTo), u.Name, u.UnitType, u.Level, u.ParentCode,
			u.District2021, boolByte(u.Approx), boolByte(u.Provisional), res.RunID}
	}); err != nil {
		return err
	}
	edges := snap.Units.Edges()
	if err := replaceWhole(ctx, wh, "dim_unit_edge", unitEdgeColumns, len(edges), func(i int) []any {
		from, to := snap.Units.Get(edges[i].From), snap.Units.Get(edges[i].To)
		return []any{from.Code, from.ValidFrom.Time(), to.Code, to.ValidFrom.Time(), edges[i].Relation, res.RunID}
	}); err != nil {
		return err
	}
	uy := snap.UnitYears
	years, err := replaceChecked(ctx, wh, "fact_unit_year", unitYearColumns, len(uy), func(i int) []any {
		r := uy[i]
		u := snap.Units.Get(r.UnitID)
		return []any{r.Year, u.Code, u.ValidFrom.Time(), u.District2021, boolByte(r.WorkerAssigned), r.Villages,
			r.VillagesWithCollaborator, r.BoardMeetings, r.FundingVND, r.PlayVenues, r.ChildrenForums,
			r.SurveyRespondents, r.SurveySatisfied, r.Category, r.ServicePoints, r.CommunicationActivities,
			r.TrainedCommuneOfficers, r.RecommendationsDue, r.RecommendationsOnTime, r.ActionMonthEvents, r.ChildrenForumsHeld,
			r.EventChildParticipants, r.ForumRecsRaised, r.ForumRecsDue, r.ForumRecsOnTime, boolByte(r.HasFacts), res.RunID}
	})
	if err != nil {
		return err
	}
	dy := snap.DistrictYears
	districts, err := replaceChecked(ctx, wh, "fact_district_year", districtYearColumns, len(dy), func(i int) []any {
		r := dy[i]
		u := snap.Units.Get(r.UnitID)
		return []any{r.Year, u.Code, u.ValidFrom.Time(), u.District2021, r.RecommendationsDue, r.RecommendationsOnTime, res.RunID}
	})
	if err != nil {
		return err
	}
	ch := snap.Channels
	channels, err := replaceChecked(ctx, wh, "fact_channel_quarter", channelColumns, len(ch), func(i int) []any {
		c := ch[i]
		u := snap.Units.Get(c.UnitID)
		return []any{c.Year, c.Quarter, u.Code, u.ValidFrom.Time(), u.Level, u.District2021, c.Channel, c.Activities,
			c.ReachKnown, c.Reach, c.CKey, res.RunID}
	})
	res.WholeTablesChanged = years || districts || channels
	return err
}

// replaceChecked is replaceWhole that also tells whether the table's content
// changed, run ids aside.
func replaceChecked(ctx context.Context, wh Warehouse, table string, columns []string, n int, row func(int) []any) (bool, error) {
	_, before, err := wh.Checksum(ctx, table)
	if err != nil {
		return false, err
	}
	if err := replaceWhole(ctx, wh, table, columns, n, row); err != nil {
		return false, err
	}
	_, after, err := wh.Checksum(ctx, table)
	return before != after, err
}

// loadCells stages the generation's cells and its marker, and puts them in
// fact_child_month in one step: a full run replaces the table's rows, an
// incremental run adds its differences to them.
func loadCells(ctx context.Context, wh Warehouse, res *Result, snap *Snapshot, gen *generation, cells CellSeq) error {
	stage, err := wh.ResetStage(ctx, factTable)
	if err != nil {
		return err
	}
	runIDs := slices.Repeat([]string{res.RunID}, blockRows)
	insert := func(b *FactBlock) error {
		return wh.InsertColumns(ctx, stage, factColumns, b.columns(runIDs[:b.Len()]))
	}
	// A block is inserted in two halves at once, which ClickHouse sorts and
	// compresses on a core each, while Anonymize fills the next block.
	inserted := make(chan error, 1)
	inserted <- nil
	n, err := Anonymize(cells, snap.Units, snap.Groups, blockRows, func(b *FactBlock) error {
		if err := <-inserted; err != nil {
			inserted <- err
			return err
		}
		go func() {
			var halves errgroup.Group
			for _, h := range b.halves() {
				halves.Go(func() error { return insert(h) })
			}
			inserted <- halves.Wait()
		}()
		return nil
	})
	if ierr := <-inserted; err == nil {
		err = ierr
	}
	if err != nil {
		return err
	}
	res.RowsWritten[factTable] = int64(n)
	if err := insert(markerBlock(markerName(gen.warehouse, gen.number, gen.tag), 1)); err != nil {
		return err
	}
	if gen.full {
		return wh.ReplacePartition(ctx, factTable, stage)
	}
	return wh.AttachPartition(ctx, factTable, stage)
}

// markerBlock is one generation marker row with value v.
func markerBlock(name string, v int64) *FactBlock {
	epoch := time.Unix(0, 0).UTC()
	return &FactBlock{Month: []time.Time{epoch}, UnitValidFrom: []time.Time{epoch}, UnitCode: []string{name},
		District2021: []string{""}, Sex: []string{""}, AgeBand: []string{""}, GroupCode: []string{""}, Poverty: []string{""},
		Measure: []string{markerMeasure}, Value: []int64{v}, CKey: []uint32{0}}
}

// negateMarkers adds to each marker the opposite of its value, which merges
// it away: only the newest generation's marker stays.
func negateMarkers(ctx context.Context, wh Warehouse, runID string, markers map[string]int64) error {
	for name, v := range markers {
		if err := wh.InsertColumns(ctx, factTable, factColumns, markerBlock(name, -v).columns([]string{runID})); err != nil {
			return fmt.Errorf("retire generation marker %s: %w", name, err)
		}
	}
	return nil
}

// replaceWhole loads a small single-partition table through its stage.
func replaceWhole(ctx context.Context, wh Warehouse, table string, columns []string, n int, row func(int) []any) error {
	stage, err := wh.ResetStage(ctx, table)
	if err != nil {
		return err
	}
	if err := wh.Insert(ctx, stage, columns, n, row); err != nil {
		return err
	}
	return wh.ReplacePartition(ctx, table, stage)
}

var (
	dimUnitColumns = []string{"code", "valid_from", "valid_to", "name", "unit_type", "level", "parent_code",
		"district_2021", "district_2021_approx", "provisional", "run_id"}
	unitEdgeColumns = []string{"from_code", "from_valid_from", "to_code", "to_valid_from", "relation", "run_id"}
	unitYearColumns = []string{"year", "unit_code", "unit_valid_from", "district_2021", "worker_assigned", "villages",
		"villages_with_collaborator", "board_meetings", "funding_vnd", "play_venues", "children_forums",
		"survey_respondents", "survey_satisfied", "category", "service_points", "communication_activities",
		"trained_commune_officers", "recommendations_due", "recommendations_resolved_on_time", "action_month_events",
		"children_forums_held", "event_child_participants", "forum_recommendations_raised", "forum_recommendations_due",
		"forum_recommendations_answered_on_time", "has_facts", "run_id"}
	districtYearColumns = []string{"year", "unit_code", "unit_valid_from", "district_2021", "recommendations_due",
		"recommendations_resolved_on_time", "run_id"}
	channelColumns = []string{"year", "quarter", "unit_code", "unit_valid_from", "unit_level", "district_2021", "channel",
		"activities", "reach_known", "reach", "ckey", "run_id"}
	factColumns = []string{"month", "unit_code", "unit_valid_from", "district_2021", "sex", "age_band", "group_code",
		"poverty", "measure", "value", "ckey", "run_id"}
	runColumns = []string{"run_id", "started_at", "finished_at", "mode", "watermark", "status", "rows_read",
		"rows_written", "rejected", "error", "snapshot_at", "months_to", "duration_ms", "rows_per_second", "lag_seconds", "cell_key_set",
		"changed", "shards"}
)

// openEnd is how the warehouse spells "still in force".
var openEnd = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)

func validTo(d civil.Day) time.Time {
	if d == civil.NoDay {
		return openEnd
	}
	return d.Time()
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func recordRun(ctx context.Context, wh Warehouse, opts Options, res *Result, status string, started, finished time.Time,
	snap *Snapshot, months int, errText string) error {
	read, _ := json.Marshal(res.RowsRead)
	written, _ := json.Marshal(res.RowsWritten)
	rejected, _ := json.Marshal(res.Rejected)
	if res.Rejected == nil {
		rejected = []byte("{}")
	}
	var durationMS uint64
	var perSecond, lag float64
	if status != "running" {
		d := finished.Sub(started)
		durationMS = uint64(d.Milliseconds())
		if d > 0 {
			perSecond = float64(res.RowsRead["child_rows"]) / d.Seconds()
		}
		lag = finished.Sub(snap.At).Seconds()
	}
	shards := opts.Shards
	if shards == nil {
		shards = []string{}
	}
	err := wh.Insert(ctx, "etl_runs", runColumns, 1, func(int) []any {
		return []any{res.RunID, started.UTC(), finished.UTC(), res.Mode, snap.Watermark, status, string(read),
			string(written), string(rejected), errText, snap.At.UTC(), MonthStart(months - 1).Time(), durationMS, perSecond, lag,
			res.KeyID, boolByte(res.Changed()), shards}
	})
	if err != nil {
		return fmt.Errorf("record run %s as %s: %w", res.RunID, status, err)
	}
	return nil
}

// markInterrupted records runs left 'running' (killed) as failed; the caller
// holds the lock, so none of them is alive.
func markInterrupted(ctx context.Context, wh Warehouse, now time.Time) error {
	ids, err := wh.RunningRuns(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := wh.Insert(ctx, "etl_runs", []string{"run_id", "finished_at", "status", "error"}, 1, func(int) []any {
			return []any{id, now.UTC(), "failed", "interrupted: the process ended before the run finished"}
		})
		if err != nil {
			return fmt.Errorf("mark run %s interrupted: %w", id, err)
		}
	}
	return nil
}

func newRunID(t time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return t.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

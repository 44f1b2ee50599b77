// Package etl loads the warehouse: it extracts one consistent snapshot of the
// operational data from Postgres, counts children into cells (the functional
// core: aggregate.go, anonymize.go, with the clock as a parameter), drops every
// identifier, and swaps the counts into ClickHouse atomically.
//
// One run: take the advisory lock (a second run is refused); open a
// REPEATABLE READ READ ONLY transaction; decide what to recompute (everything,
// or the communes touched by the change log since the last successful run's
// snapshot, their crosswalk successors, communes where an event stopped being
// in the future, and months never loaded); stream the children concerned in
// child order and count them at every month end (stocks, evaluated at the
// month's last day, so ageing needs no special case) and at their events
// (flows); write the new cells into a staging table, copy there the old rows
// the run does not recompute, and REPLACE each touched district partition in
// one step; record the run in etl_runs. A run killed at any point leaves
// either old or new partitions and no 'succeeded' row, so the next run starts
// from the same watermark and recomputes the same cells.
package etl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/clickhouse"
	"treem/internal/domain"
)

// Warehouse is what the ETL needs from ClickHouse.
type Warehouse interface {
	ResetStage(ctx context.Context, table string) (string, error)
	DropStage(ctx context.Context, table string) error
	CreateKeyTable(ctx context.Context, name string) error
	Insert(ctx context.Context, table string, columns []string, n int, row func(i int) []any) error
	InsertColumns(ctx context.Context, table string, columns []string, data []any) error
	Partitions(ctx context.Context, table, column string) ([]string, error)
	PartitionsOfKeys(ctx context.Context, table, keyTable string) ([]string, error)
	CopyUnchanged(ctx context.Context, table, stage, keyTable, district string, from time.Time) error
	ReplacePartition(ctx context.Context, table, stage, partition string, whole bool) error
	LastSucceeded(ctx context.Context) (last clickhouse.LastRun, found bool, err error)
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
}

// Result reports a run.
type Result struct {
	RunID       string
	KeyID       string // names the cell-key secret (see KeyID)
	Mode        string
	Reason      string // why an incremental request ran full
	Watermark   string
	SnapshotAt  time.Time
	Units       int // unit versions recomputed for every month (incremental)
	NewFrom     time.Time
	NewMonths   bool // the run loaded months the previous one had not
	Partitions  int  // fact_child_month partitions swapped
	RowsRead    map[string]int64
	RowsWritten map[string]int64
	Rejected    map[string]uint64
	Duration    time.Duration
}

// Changed reports whether the run may have changed the warehouse: a full
// run, a recomputed unit or a new month. An unchanged warehouse gives the
// same answers as before it.
func (r *Result) Changed() bool { return r.Mode != "incremental" || r.Units > 0 || r.NewMonths }

// lockKey is the advisory lock every ETL run holds: "treem-etl" as a number.
const lockKey int64 = 0x747265656d2d65

// blockRows bounds one insert block of fact_child_month.
const blockRows = 200_000

// recomputedUnits is the warehouse Memory table of an incremental run's units.
const recomputedUnits = "etl_recomputed_units"

// Run performs one ETL run.
func Run(ctx context.Context, pool *pgxpool.Pool, wh Warehouse, opts Options) (*Result, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := opts.Now()
	lock, err := pool.Acquire(ctx)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeUnavailable, "postgres is unreachable")
	}
	defer lock.Release()
	var got bool
	if err := lock.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", lockKey).Scan(&got); err != nil {
		return nil, fmt.Errorf("etl lock: %w", err)
	}
	if !got {
		return nil, domain.Errorf(domain.CodeConflict, "another ETL run is in progress (advisory lock %d is held): refusing to start a second one", lockKey)
	}
	defer lock.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey)

	res := &Result{RunID: newRunID(started), Mode: "full", RowsRead: map[string]int64{}, RowsWritten: map[string]int64{}}
	if len(opts.CellKeySecret) < 16 {
		return nil, domain.Errorf(domain.CodeInvalidInput, "the cell-key secret is missing or shorter than 16 bytes (TREEM_CELL_KEY_SECRET)")
	}
	res.KeyID = KeyID(opts.CellKeySecret)
	last, found, err := wh.LastSucceeded(ctx)
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeUnavailable, "cannot read the warehouse's last run")
	}
	if !opts.DryRun {
		if err := markInterrupted(ctx, wh, opts.Now()); err != nil {
			return nil, err
		}
	}

	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, domain.Wrap(err, domain.CodeUnavailable, "postgres is unreachable")
	}
	defer tx.Rollback(context.Background())
	snap, err := readSnapshot(ctx, tx)
	if err != nil {
		return nil, err
	}
	res.Watermark, res.SnapshotAt = snap.Watermark, snap.At
	plan := &Plan{Full: true}
	switch {
	case opts.Full:
		plan.Reason = "requested"
	case !found:
		plan.Reason = "no earlier successful run"
	case last.KeyID != res.KeyID || slices.ContainsFunc(last.KeysSince, func(k string) bool { return k != res.KeyID }):
		plan.Reason = "the warehouse's cell keys come from another secret"
	default:
		if plan, err = planIncremental(ctx, tx, snap, Previous{Watermark: last.Watermark, SnapshotAt: last.SnapshotAt, MonthsTo: last.MonthsTo}); err != nil {
			return nil, err
		}
	}
	months := MonthIndex(snap.AsOf) + 1
	if !plan.Full {
		res.Mode, res.Units, res.NewFrom = "incremental", len(plan.Units), MonthStart(plan.NewFrom).Time()
		res.NewMonths = plan.NewFrom < months
	} else {
		plan.NewFrom = 0
	}
	res.Reason = plan.Reason
	log.Info("etl run", "run_id", res.RunID, "mode", res.Mode, "reason", plan.Reason, "watermark", snap.Watermark,
		"as_of", snap.AsOf, "units_recomputed", len(plan.Units), "new_months_from", MonthStart(plan.NewFrom))

	if !opts.DryRun {
		if err := recordRun(ctx, wh, res, "running", started, time.Unix(0, 0), snap, months, ""); err != nil {
			return nil, err
		}
	}
	fail := func(err error) (*Result, error) {
		if !opts.DryRun {
			if rerr := recordRun(context.Background(), wh, res, "failed", started, opts.Now(), snap, months, err.Error()); rerr != nil {
				log.Error("record failed run", "err", rerr)
			}
		}
		return nil, err
	}

	if snap.UnitYears, err = readUnitYears(ctx, tx, snap.AsOf); err != nil {
		return fail(err)
	}
	// One aggregator per extraction worker; merged when all are done.
	aggs := make([]*Aggregator, extractWorkers)
	for i := range aggs {
		aggs[i] = NewAggregator(snap.Units, snap.AsOf, plan.Keep(), opts.CellKeySecret)
	}
	if plan.Children == nil || len(plan.Children) > 0 {
		total := int64(len(plan.Children))
		if plan.Children == nil {
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM child WHERE deleted_at IS NULL").Scan(&total); err != nil {
				return fail(fmt.Errorf("count children: %w", err))
			}
		}
		if opts.Progress != nil {
			opts.Progress.Start(total)
		}
		var done atomic.Int64
		n, err := streamChildren(ctx, pool, tx, plan.Children, snap, func(worker int, c *Child) {
			aggs[worker].AddChild(c)
			if d := done.Add(1); opts.Progress != nil && d%1000 == 0 {
				opts.Progress.Add(1000)
			}
		})
		if opts.Progress != nil {
			opts.Progress.Finish()
		}
		if err != nil {
			return fail(err)
		}
		res.RowsRead["child_rows"], res.RowsRead["children"] = n, done.Load()
		aggs[0].Merge(aggs[1:]...)
		log.Info("extracted and counted", "children", done.Load(), "rows", n, "cells", aggs[0].Len(),
			"duration", opts.Now().Sub(started).Round(time.Millisecond))
	}
	agg := aggs[0]
	res.RowsRead["units"], res.RowsRead["unit_years"] = int64(len(snap.Units.All())), int64(len(snap.UnitYears))
	res.Rejected = agg.Rejected
	for reason, n := range agg.Rejected {
		log.Warn("rows rejected", "reason", reason, "count", n)
	}
	_ = tx.Rollback(ctx) // read-only: ending the snapshot early frees Postgres

	res.RowsWritten["dim_unit"], res.RowsWritten["dim_unit_edge"] = int64(len(snap.Units.All())), int64(len(snap.Units.Edges()))
	res.RowsWritten["fact_unit_year"] = int64(len(snap.UnitYears))
	if opts.DryRun {
		n, _ := Anonymize(agg, snap.Units, snap.Groups, blockRows, func(*FactBlock) error { return nil })
		res.RowsWritten["fact_child_month"] = int64(n)
		res.Duration = opts.Now().Sub(started)
		return res, nil
	}
	loadStart := opts.Now()
	if err := load(ctx, log, wh, res, snap, plan, agg, months); err != nil {
		return fail(err)
	}
	finished := opts.Now()
	log.Info("loaded", "fact_rows", res.RowsWritten["fact_child_month"], "partitions", res.Partitions,
		"duration", finished.Sub(loadStart).Round(time.Millisecond))
	res.Duration = finished.Sub(started)
	if err := recordRun(ctx, wh, res, "succeeded", started, finished, snap, months, ""); err != nil {
		return nil, err
	}
	// Only after the success is recorded may the change log shrink, and only
	// by rows past the retention that this run has seen (another warehouse
	// loaded from the same database may not have read the newer ones).
	if _, err := pool.Exec(ctx, `DELETE FROM etl_change WHERE txid < pg_snapshot_xmax($1::text::pg_snapshot)
		AND pg_visible_in_snapshot(txid, $1::text::pg_snapshot) AND logged_at < now() - $2::interval`,
		snap.Watermark, changeRetention); err != nil {
		log.Warn("trim change log", "err", err)
	}
	for _, t := range []string{"dim_unit", "dim_unit_edge", "fact_unit_year", "fact_child_month"} {
		if err := wh.DropStage(ctx, t); err != nil {
			log.Warn("drop stage", "table", t, "err", err)
		}
	}
	return res, nil
}

// load writes the three tables through their staging twins.
func load(ctx context.Context, log *slog.Logger, wh Warehouse, res *Result, snap *Snapshot, plan *Plan, agg *Aggregator, months int) error {
	t0 := time.Now()
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
	if err := replaceWhole(ctx, wh, "fact_unit_year", unitYearColumns, len(uy), func(i int) []any {
		r := uy[i]
		u := snap.Units.Get(r.UnitID)
		return []any{r.Year, u.Code, u.ValidFrom.Time(), u.District2021, boolByte(r.WorkerAssigned), r.Villages,
			r.VillagesWithCollaborator, r.BoardMeetings, r.FundingVND, r.PlayVenues, r.ChildrenForums,
			r.SurveyRespondents, r.SurveySatisfied, r.Category, r.ServicePoints, r.CommunicationActivities,
			boolByte(r.HasFacts), res.RunID}
	}); err != nil {
		return err
	}

	const table = "fact_child_month"
	stage, err := wh.ResetStage(ctx, table)
	if err != nil {
		return err
	}
	var runIDs []string
	n, err := Anonymize(agg, snap.Units, snap.Groups, blockRows, func(b *FactBlock) error {
		for len(runIDs) < b.Len() {
			runIDs = append(runIDs, res.RunID)
		}
		return wh.InsertColumns(ctx, stage, factColumns, []any{b.Month, b.UnitCode, b.UnitValidFrom, b.District2021,
			b.Sex, b.AgeBand, b.GroupCode, b.Poverty, b.Measure, b.Value, b.CKey, runIDs[:b.Len()]})
	})
	if err != nil {
		return err
	}
	res.RowsWritten["fact_child_month"] = int64(n)
	log.Debug("staged fact_child_month", "rows", n, "duration", time.Since(t0).Round(time.Millisecond))
	parts := map[string]bool{}
	add := func(ps []string, err error) error {
		for _, p := range ps {
			parts[p] = true
		}
		return err
	}
	if err := add(wh.Partitions(ctx, stage, "district_2021")); err != nil {
		return err
	}
	if plan.Full || plan.NewFrom < months {
		if err := add(wh.Partitions(ctx, table, "district_2021")); err != nil {
			return err
		}
	}
	if !plan.Full {
		if err := wh.CreateKeyTable(ctx, recomputedUnits); err != nil {
			return err
		}
		keys := make([]*Unit, 0, len(plan.Units))
		for id := range plan.Units {
			if u := snap.Units.Get(id); u != nil {
				keys = append(keys, u)
			}
		}
		if err := wh.Insert(ctx, recomputedUnits, []string{"unit_code", "unit_valid_from"}, len(keys), func(i int) []any {
			return []any{keys[i].Code, keys[i].ValidFrom.Time()}
		}); err != nil {
			return err
		}
		if err := add(wh.PartitionsOfKeys(ctx, table, recomputedUnits)); err != nil {
			return err
		}
	}
	sorted := make([]string, 0, len(parts))
	for p := range parts {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	if !plan.Full {
		// Every copy reads the old partitions before any of them is replaced.
		for _, p := range sorted {
			if err := wh.CopyUnchanged(ctx, table, stage, recomputedUnits, p, MonthStart(plan.NewFrom).Time()); err != nil {
				return err
			}
		}
	}
	log.Debug("partitions ready to swap", "partitions", len(sorted), "duration", time.Since(t0).Round(time.Millisecond))
	for _, p := range sorted {
		if err := wh.ReplacePartition(ctx, table, stage, p, false); err != nil {
			return err
		}
	}
	res.Partitions = len(sorted)
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
	return wh.ReplacePartition(ctx, table, stage, "", true)
}

var (
	dimUnitColumns = []string{"code", "valid_from", "valid_to", "name", "unit_type", "level", "parent_code",
		"district_2021", "district_2021_approx", "provisional", "run_id"}
	unitEdgeColumns = []string{"from_code", "from_valid_from", "to_code", "to_valid_from", "relation", "run_id"}
	unitYearColumns = []string{"year", "unit_code", "unit_valid_from", "district_2021", "worker_assigned", "villages",
		"villages_with_collaborator", "board_meetings", "funding_vnd", "play_venues", "children_forums",
		"survey_respondents", "survey_satisfied", "category", "service_points", "communication_activities",
		"has_facts", "run_id"}
	factColumns = []string{"month", "unit_code", "unit_valid_from", "district_2021", "sex", "age_band", "group_code",
		"poverty", "measure", "value", "ckey", "run_id"}
	runColumns = []string{"run_id", "started_at", "finished_at", "mode", "watermark", "status", "rows_read",
		"rows_written", "rejected", "error", "snapshot_at", "months_to", "duration_ms", "rows_per_second", "lag_seconds", "cell_key_set",
		"changed"}
)

// openEnd is how the warehouse spells "still in force".
var openEnd = time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC)

func validTo(d Day) time.Time {
	if d == NoDay {
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

func recordRun(ctx context.Context, wh Warehouse, res *Result, status string, started, finished time.Time,
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
	err := wh.Insert(ctx, "etl_runs", runColumns, 1, func(int) []any {
		return []any{res.RunID, started.UTC(), finished.UTC(), res.Mode, snap.Watermark, status, string(read),
			string(written), string(rejected), errText, snap.At.UTC(), MonthStart(months - 1).Time(), durationMS, perSecond, lag,
			res.KeyID, boolByte(res.Changed())}
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

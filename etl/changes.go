package etl

import (
	"context"
	"fmt"
	"time"

	"treem/internal/extract"
)

// Plan is what a run recomputes.
type Plan struct {
	Full   bool
	Reason string // why the run is full
	// Children are the children an incremental run counts again, by id,
	// with the kinds of their rows to read again.
	Children []extract.ChildRows
}

// changeRetention is how long the change log keeps rows; a warehouse whose
// last run is older rebuilds fully.
const changeRetention = 7 * 24 * time.Hour

// maxChangedChildren is the most children an incremental run counts again:
// beyond it, a full run, which streams the province in id ranges, is cheaper
// than a list this long.
var maxChangedChildren = 200_000

// planIncremental reads the change log since the ledger's watermark and
// lists the children to count again; it falls back to a full run when the
// log holds a bulk load, a truncation or a change of the org units.
func planIncremental(ctx context.Context, snap extract.Snapshot, st *extract.LedgerState) (*Plan, error) {
	plan := &Plan{}
	now, last := snap.Mark(), st.Mark
	if last.At.Before(now.At.Add(-changeRetention)) {
		plan.Full, plan.Reason = true, fmt.Sprintf("the last run is older than the change log's retention (%d days)", changeRetention/(24*time.Hour))
		return plan, nil
	}
	changes, err := snap.Changes(ctx, last.Watermark)
	if err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	var children []extract.ChildRows
	affected := extract.Affected{DeadlinesFrom: last.At, DeadlinesTo: now.At, MaturedAfter: last.AsOf, MaturedBy: now.AsOf}
	for _, c := range changes {
		switch {
		case c.Table == "org_unit" || c.Table == "unit_crosswalk":
			plan.Full, plan.Reason = true, "org units changed"
		case c.Unit == nil && c.Child == nil && c.Household == nil:
			plan.Full, plan.Reason = true, "bulk load or truncation of "+c.Table
		case c.Child != nil:
			children = append(children, extract.ChildRows{ID: *c.Child, Rows: c.Rows})
		case c.Household != nil:
			affected.Households = append(affected.Households, *c.Household)
		case c.Table == "swimming_class":
			affected.ClassUnits = append(affected.ClassUnits, *c.Unit)
		default:
			affected.Units = append(affected.Units, *c.Unit)
		}
	}
	if plan.Full {
		return plan, nil
	}
	more, err := snap.Affected(ctx, affected)
	if err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	set := make(map[int64]extract.Rows, len(children)+len(more))
	for _, r := range append(children, more...) {
		set[r.ID] |= r.Rows
	}
	if len(set) > maxChangedChildren {
		plan.Full, plan.Reason = true, fmt.Sprintf("%d children changed, more than an incremental run lists (%d)", len(set), maxChangedChildren)
		return plan, nil
	}
	for _, id := range sortedIDs(set) {
		plan.Children = append(plan.Children, extract.ChildRows{ID: id, Rows: set[id]})
	}
	return plan, nil
}

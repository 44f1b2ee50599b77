package etl

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"treem/internal/domain"
)

// Plan is what a run recomputes.
type Plan struct {
	Full   bool
	Reason string // why the run is full
	// Children are the children an incremental run counts again.
	Children []int64
}

// childTables lists, for each table that ties a child to a unit, its unit,
// child and date expressions (the date tells when a row's event happens, so
// when it stops being "in the future").
var childTables = []struct{ from, unit, child, date string }{
	{"child_residence", "unit_id", "child_id", ""},
	{"birth_registration", "unit_id", "child_id", "registered_on"},
	{"protection_case", "unit_id", "child_id", "(received_at AT TIME ZONE '" + domain.VietnamZoneName + "')::date"},
	{"injury", "unit_id", "child_id", "occurred_on"},
	{"support", "unit_id", "child_id", "given_on"},
	{"gift_visit", "unit_id", "child_id", "visited_on"},
	{"immunisation", "unit_id", "child_id", "fully_immunised_on"},
	{"nutrition_measurement", "unit_id", "child_id", "measured_on"},
	{"health_checkup", "unit_id", "child_id", "checked_on"},
	{"school_attendance", "unit_id", "child_id", "make_date(school_year, 9, 1)"},
	{"swimming_enrolment e JOIN swimming_class k ON k.id = e.class_id", "k.unit_id", "e.child_id", "e.enrolled_on"},
}

// unionOver builds a UNION of one SELECT per child table from a template.
func unionOver(head string, each func(from, unit, child, date string) string) string {
	parts := []string{head}
	for _, t := range childTables {
		if s := each(t.from, t.unit, t.child, t.date); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\nUNION ")
}

var (
	// childrenOfUnitsSQL: every child with a row naming one of the units.
	childrenOfUnitsSQL = unionOver("SELECT id FROM child WHERE commune_id = ANY($1)",
		func(from, unit, child, _ string) string {
			return fmt.Sprintf("SELECT %s FROM %s WHERE %s = ANY($1)", child, from, unit)
		})
	// classChildrenSQL: the children enrolled in the swimming classes of the
	// units (a class's own row names no child).
	classChildrenSQL = `SELECT e.child_id FROM swimming_enrolment e JOIN swimming_class k ON k.id = e.class_id
  WHERE k.unit_id = ANY($1)`
	// deadlineChildrenSQL: children of emergency deadlines that passed between
	// two snapshots without measures (the case becomes late with time alone).
	// A snapshot at t counts a case late when t > deadline, so the deadlines
	// that passed from snapshot $1 to snapshot $2 are those in [$1, $2).
	deadlineChildrenSQL = `SELECT child_id FROM protection_case
  WHERE emergency_deadline >= $1::timestamptz AND emergency_deadline < $2::timestamptz`
	// maturingChildrenSQL: children whose birth or events stopped being in the
	// future between two snapshot dates. It reads whole tables, so it runs
	// only when the date has changed since the last run.
	maturingChildrenSQL = unionOver(`SELECT id FROM child WHERE birth_date > $1::date AND birth_date <= $2::date`,
		func(from, _, child, date string) string {
			if date == "" {
				return ""
			}
			return fmt.Sprintf("SELECT %s FROM %s WHERE %s > $1::date AND %s <= $2::date", child, from, date, date)
		})
)

// changeRetention is how long the change log keeps rows; a warehouse whose
// last run is older rebuilds fully.
const changeRetention = "7 days"

// maxChangedChildren is the most children an incremental run counts again:
// beyond it, a full run, which streams the province in id ranges, is cheaper
// than a list this long.
var maxChangedChildren = 200_000

// planIncremental reads the change log since the ledger's watermark and
// lists the children to count again; it falls back to a full run when the
// log holds a bulk load, a truncation or a change of the org units.
func planIncremental(ctx context.Context, tx pgx.Tx, snap *Snapshot, st *ledgerState) (*Plan, error) {
	plan := &Plan{}
	var expired bool
	if err := tx.QueryRow(ctx, "SELECT $1::timestamptz < now() - $2::interval", st.SnapshotAt, changeRetention).Scan(&expired); err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	if expired {
		plan.Full, plan.Reason = true, "the last run is older than the change log's retention ("+changeRetention+")"
		return plan, nil
	}
	// The changes the last run did not see are exactly those whose
	// transaction is not visible in its snapshot: committed after it, or in
	// progress then. The xmin bound lets the index skip older rows.
	rows, err := tx.Query(ctx, `SELECT tbl, unit_id, child_id, household_id FROM etl_change
		WHERE txid >= pg_snapshot_xmin($1::text::pg_snapshot) AND NOT pg_visible_in_snapshot(txid, $1::text::pg_snapshot)`, st.Watermark)
	if err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	var classUnits, otherUnits []int32
	var children, households []int64
	for rows.Next() {
		var tbl string
		var unit *int32
		var child, household *int64
		if err := rows.Scan(&tbl, &unit, &child, &household); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read change log: %w", err)
		}
		switch {
		case tbl == "org_unit" || tbl == "unit_crosswalk":
			plan.Full, plan.Reason = true, "org units changed"
		case unit == nil && child == nil && household == nil:
			plan.Full, plan.Reason = true, "bulk load or truncation of "+tbl
		case child != nil:
			children = append(children, *child)
		case household != nil:
			households = append(households, *household)
		case tbl == "swimming_class":
			classUnits = append(classUnits, *unit)
		default:
			otherUnits = append(otherUnits, *unit)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	if plan.Full {
		return plan, nil
	}
	for _, q := range []struct {
		sql  string
		args []any
		when bool
	}{
		{`SELECT id FROM child WHERE household_id = ANY($1)`, []any{households}, len(households) > 0},
		{classChildrenSQL, []any{classUnits}, len(classUnits) > 0},
		{childrenOfUnitsSQL, []any{otherUnits}, len(otherUnits) > 0},
		{deadlineChildrenSQL, []any{st.SnapshotAt, snap.At}, true},
		{maturingChildrenSQL, []any{st.AsOfDate, snap.AsOf.Time()}, st.AsOf() < snap.AsOf},
	} {
		if !q.when {
			continue
		}
		ids, err := collectInt64(ctx, tx, q.sql, q.args...)
		if err != nil {
			return nil, err
		}
		children = append(children, ids...)
	}
	set := make(map[int64]bool, len(children))
	for _, id := range children {
		set[id] = true
	}
	if len(set) > maxChangedChildren {
		plan.Full, plan.Reason = true, fmt.Sprintf("%d children changed, more than an incremental run lists (%d)", len(set), maxChangedChildren)
		return plan, nil
	}
	plan.Children = sortedIDs(set)
	return plan, nil
}

func collectInt64(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	return out, nil
}

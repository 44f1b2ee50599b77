package etl

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Plan is what a run recomputes.
type Plan struct {
	Full   bool
	Reason string // why the run is full
	// Units are the unit versions whose cells are recomputed for every month.
	Units map[int32]bool
	// NewFrom is the first month recomputed for every unit (months the last
	// run did not load yet); equal to the month count when there is none.
	NewFrom int
	// Children are the children to read; nil reads all.
	Children []int64
}

// Keep is the plan's filter for the aggregator.
func (p *Plan) Keep() func(int, int32) bool {
	if p.Full {
		return nil
	}
	return func(month int, unit int32) bool { return month >= p.NewFrom || p.Units[unit] }
}

// childTables lists, for each table that ties a child to a unit, its unit,
// child and date expressions (the date tells when a row's event happens, so
// when it stops being "in the future").
var childTables = []struct{ from, unit, child, date string }{
	{"child_residence", "unit_id", "child_id", ""},
	{"birth_registration", "unit_id", "child_id", "registered_on"},
	{"protection_case", "unit_id", "child_id", "(received_at AT TIME ZONE '" + vietnam + "')::date"},
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
	// unitsOfChildrenSQL: every unit a child's rows name, deleted rows included
	// (a deleted row's cells must be recomputed without it).
	unitsOfChildrenSQL = unionOver("SELECT commune_id FROM child WHERE id = ANY($1)",
		func(from, unit, child, _ string) string {
			return fmt.Sprintf("SELECT %s FROM %s WHERE %s = ANY($1)", unit, from, child)
		})
	// childrenOfUnitsSQL: every child with a row naming one of the units.
	childrenOfUnitsSQL = unionOver("SELECT id FROM child WHERE commune_id = ANY($1)",
		func(from, unit, child, _ string) string {
			return fmt.Sprintf("SELECT %s FROM %s WHERE %s = ANY($1)", child, from, unit)
		})
	// deadlineUnitsSQL: units of emergency deadlines that passed between two
	// snapshots without measures (the case becomes late with time alone).
	deadlineUnitsSQL = `SELECT unit_id FROM protection_case
  WHERE emergency_deadline > $1::timestamptz AND emergency_deadline <= $2::timestamptz`
	// maturingUnitsSQL: units of events and births that stopped being in the
	// future between two snapshot dates. It reads whole tables, so it runs
	// only when the date has changed since the last run.
	maturingUnitsSQL = unionOver(`SELECT commune_id FROM child WHERE birth_date > $1::date AND birth_date <= $2::date
UNION SELECT r.unit_id FROM child_residence r JOIN child c ON c.id = r.child_id
  WHERE c.birth_date > $1::date AND c.birth_date <= $2::date`,
		func(from, unit, _, date string) string {
			if date == "" {
				return ""
			}
			return fmt.Sprintf("SELECT %s FROM %s WHERE %s > $1::date AND %s <= $2::date", unit, from, date, date)
		})
)

// changeRetention is how long the change log keeps rows; a warehouse whose
// last run is older rebuilds fully.
const changeRetention = "7 days"

// listShare: when an incremental run recomputes more than 1/listShare of the
// commune versions, it reads every child rather than listing them (a
// variable so that tests exercise both paths).
var listShare = 4

// maxListedChildren is the largest id list an incremental run sends to Postgres.
const maxListedChildren = 200_000

// Previous is what the last succeeded run recorded.
type Previous struct {
	Watermark  string
	SnapshotAt time.Time
	MonthsTo   time.Time
}

// planIncremental reads the change log since prev's watermark and decides
// what to recompute; it falls back to a full run when the log holds a bulk
// load, a truncation or a change of the org units.
func planIncremental(ctx context.Context, tx pgx.Tx, snap *Snapshot, prev Previous) (*Plan, error) {
	months := MonthIndex(snap.AsOf) + 1
	plan := &Plan{Units: map[int32]bool{}, NewFrom: min(MonthIndex(DayFromTime(prev.MonthsTo))+1, months)}
	var expired bool
	if err := tx.QueryRow(ctx, "SELECT $1::timestamptz < now() - $2::interval", prev.SnapshotAt, changeRetention).Scan(&expired); err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	if expired {
		plan.Full, plan.Reason = true, "the last run is older than the change log's retention ("+changeRetention+")"
		return plan, nil
	}
	// The changes the previous run did not see are exactly those whose
	// transaction is not visible in its snapshot: committed after it, or in
	// progress then. The xmin bound lets the index skip older rows.
	rows, err := tx.Query(ctx, `SELECT tbl, unit_id, child_id, household_id FROM etl_change
		WHERE txid >= pg_snapshot_xmin($1::text::pg_snapshot) AND NOT pg_visible_in_snapshot(txid, $1::text::pg_snapshot)`, prev.Watermark)
	if err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	var units []int32
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
		}
		if unit != nil {
			units = append(units, *unit)
		}
		if child != nil {
			children = append(children, *child)
		}
		if household != nil {
			households = append(households, *household)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	if plan.Full {
		return plan, nil
	}
	if len(households) > 0 {
		ids, err := collectInt64(ctx, tx, `SELECT id FROM child WHERE household_id = ANY($1)`, households)
		if err != nil {
			return nil, err
		}
		children = append(children, ids...)
	}
	if len(children) > 0 {
		us, err := collectInt32(ctx, tx, unitsOfChildrenSQL, children)
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	prevLocal := prev.SnapshotAt.In(vnZone())
	prevDay := time.Date(prevLocal.Year(), prevLocal.Month(), prevLocal.Day(), 0, 0, 0, 0, time.UTC)
	us, err := collectInt32(ctx, tx, deadlineUnitsSQL, prev.SnapshotAt, snap.At)
	if err != nil {
		return nil, err
	}
	units = append(units, us...)
	if DayFromTime(prevDay) < snap.AsOf {
		if us, err = collectInt32(ctx, tx, maturingUnitsSQL, prevDay, snap.AsOf.Time()); err != nil {
			return nil, err
		}
		units = append(units, us...)
	}

	plan.Units = snap.Units.Successors(units)
	if plan.NewFrom < months {
		return plan, nil // new months: every child is read anyway
	}
	if len(plan.Units) == 0 {
		plan.Children = []int64{}
		return plan, nil
	}
	read := snap.Units.Predecessors(plan.Units)
	if len(read) > snap.Units.Communes()/listShare {
		// A quarter of the province: listing its children would cost more
		// than reading everyone; Keep still limits the cells.
		plan.Children = nil
		return plan, nil
	}
	ids := make([]int32, 0, len(read))
	for id := range read {
		ids = append(ids, id)
	}
	if plan.Children, err = collectInt64(ctx, tx, childrenOfUnitsSQL, ids); err != nil {
		return nil, err
	}
	switch {
	case plan.Children == nil:
		plan.Children = []int64{}
	case len(plan.Children) > maxListedChildren:
		// Streaming everyone beats a huge id list; Keep still limits the cells.
		plan.Children = nil
	}
	return plan, nil
}

func vnZone() *time.Location {
	if loc, err := time.LoadLocation(vietnam); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600) // Vietnam has no daylight saving time
}

func collectInt32(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]int32, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int32, error) {
		var v *int32
		err := r.Scan(&v)
		if v == nil {
			return 0, err
		}
		return *v, err
	})
	if err != nil {
		return nil, fmt.Errorf("plan incremental run: %w", err)
	}
	return out, nil
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

package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/extract"
	"treem/internal/indicators"
)

// Stream row kinds that are not events.
const (
	rowChild        = -1
	rowResidence    = 100
	rowCard         = 101
	rowCircumstance = 102
)

// childSource is one table the aggregation reads rows of a child from. Its
// fields are SQL expressions over the table's rows; an empty one is NULL (false
// for the flags).
type childSource struct {
	kind int    // a row kind above or an EventKind
	from string // the table, with its alias or join
	// also are the tables besides from's first whose changes alter the rows.
	also  []string
	live  string // the rows that count: not deleted, and any further condition
	child string
	unit  string // the unit the row ties the child to; none for cards and circumstances
	// d1 is the row's date; when matures is set it is the day its event
	// happens, before which the aggregation rejects the row as in the future.
	d1                        string
	matures                   bool
	d2, code, f1, f2, poverty string
}

// childSources are every table that says something about a child: the
// extraction reads them all, and an incremental run finds through them the
// children of changed units and of dates that stopped being in the future.
// The child itself comes first, so that its columns type the UNION.
var childSources = []childSource{
	{kind: rowChild, from: "child c", also: []string{"household", "household_poverty"}, live: "deleted_at IS NULL", child: "id", unit: "commune_id",
		d1: "birth_date", matures: true, d2: "death_date", code: "sex::text",
		poverty: `(SELECT array_agg(hp.year * 10 + CASE hp.status WHEN 'poor' THEN 1 WHEN 'near_poor' THEN 2 ELSE 3 END)
        FROM household_poverty hp WHERE hp.household_id = c.household_id AND hp.deleted_at IS NULL)`},
	{kind: rowResidence, from: "child_residence", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "valid_from", d2: "valid_to"},
	{kind: rowCard, from: "insurance_card", live: "deleted_at IS NULL", child: "child_id", d1: "valid_from", d2: "valid_to"},
	{kind: rowCircumstance, from: "child_circumstance", live: "deleted_at IS NULL", child: "child_id",
		d1: "started_on", d2: "ended_on", code: "group_code"},
	{kind: int(extract.EvBirthRegistration), from: "birth_registration", live: "deleted_at IS NULL", child: "child_id",
		unit: "unit_id", d1: "registered_on", matures: true},
	// Case timestamps become Vietnamese civil dates. $1 is the snapshot
	// time, against which an unmet 12-hour emergency deadline counts as late.
	{kind: int(extract.EvCase), from: "protection_case", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "(received_at AT TIME ZONE '" + domain.VietnamZoneName + "')::date", matures: true,
		d2: "(closed_at AT TIME ZONE '" + domain.VietnamZoneName + "')::date", code: "case_type",
		f1: "coalesce(emergency_needed, false) AND coalesce(emergency_measures_at, $1::timestamptz) > emergency_deadline",
		f2: "plan_approved_at IS NOT NULL AND (coalesce(emergency_needed, false) OR plan_approved_at <= approval_deadline)"},
	{kind: int(extract.EvInjury), from: "injury", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "occurred_on", matures: true, code: "cause", f1: "outcome = 'died'"},
	{kind: int(extract.EvSupport), from: "support", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "given_on", matures: true},
	{kind: int(extract.EvSwim), also: []string{"swimming_class"}, from: "swimming_enrolment e JOIN swimming_class k ON k.id = e.class_id",
		live: "e.deleted_at IS NULL AND k.deleted_at IS NULL", child: "e.child_id", unit: "k.unit_id",
		d1: "e.enrolled_on", matures: true, d2: "e.completed_on"},
	{kind: int(extract.EvGift), from: "gift_visit", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "visited_on", matures: true, code: "occasion"},
	{kind: int(extract.EvImmunisation), from: "immunisation", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "fully_immunised_on", matures: true},
	{kind: int(extract.EvNutrition), from: "nutrition_measurement", live: "deleted_at IS NULL", child: "child_id",
		unit: "unit_id", d1: "measured_on", matures: true, f1: "underweight", f2: "stunted"},
	{kind: int(extract.EvCheckup), from: "health_checkup", live: "deleted_at IS NULL", child: "child_id", unit: "unit_id",
		d1: "checked_on", matures: true},
	{kind: int(extract.EvPreschool), from: "school_attendance", live: "deleted_at IS NULL AND level = 'preschool' AND attending",
		child: "child_id", unit: "unit_id", d1: "make_date(school_year, 9, 1)", matures: true},
}

// rows is the kind of rows s fills; none for the child's own row, which is
// always read.
func (s childSource) rows() extract.Rows {
	switch s.kind {
	case rowChild:
		return 0
	case rowResidence:
		return extract.ResidenceRows
	case rowCard:
		return extract.CardRows
	case rowCircumstance:
		return extract.CircumstanceRows
	}
	return extract.EventRows(extract.EventKind(s.kind))
}

// rowsChangedBy returns the kinds of a child's rows that a change to table
// may alter, besides its own row: every kind for a table no source reads.
func rowsChangedBy(table string) extract.Rows {
	for _, s := range childSources {
		if strings.Fields(s.from)[0] == table || slices.Contains(s.also, table) {
			return s.rows()
		}
	}
	return extract.AllRows
}

// orDefault returns expr, or def when it is empty.
func orDefault(expr, def string) string {
	if expr == "" {
		return def
	}
	return expr
}

// childStreamSQL returns every row the aggregation needs, one child after the
// other (ORDER BY child_id). in(i) restricts the children of source i.
func childStreamSQL(in func(i int) string) string {
	parts := make([]string, len(childSources))
	for i, s := range childSources {
		parts[i] = fmt.Sprintf(`SELECT %s AS child_id, %d AS kind, %s AS unit_id, %s AS d1, %s AS d2, %s AS code,
       %s AS f1, %s AS f2, %s AS poverty
FROM %s WHERE %s AND %s %s`, s.child, s.kind, orDefault(s.unit, "NULL"), s.d1, orDefault(s.d2, "NULL"), orDefault(s.code, "NULL"),
			orDefault(s.f1, "false"), orDefault(s.f2, "false"), orDefault(s.poverty, "NULL"), s.from, s.live, s.child, in(i))
	}
	return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY child_id"
}

var (
	// streamRangeSQL reads every row of the children in a range of ids ($2,
	// $3), so that each query sorts a slice of the province in memory.
	streamRangeSQL = childStreamSQL(func(int) string { return "BETWEEN $2 AND $3" })
	// streamListSQL reads from source i the children in list $(2+i): the
	// child's own row of every child, and of the other sources only the
	// children whose read names the source's rows.
	streamListSQL = childStreamSQL(func(i int) string { return fmt.Sprintf("= ANY($%d)", 2+i) })
)

// listArgs returns streamListSQL's arguments for reads.
func listArgs(at time.Time, reads []extract.ChildRows) []any {
	lists := make([][]int64, len(childSources))
	for _, r := range reads {
		for i, s := range childSources {
			if s.rows() == 0 || r.Rows&s.rows() != 0 {
				lists[i] = append(lists[i], r.ID)
			}
		}
	}
	args := []any{at}
	for _, l := range lists {
		if l == nil {
			l = []int64{}
		}
		args = append(args, l)
	}
	return args
}

// sessionSettings: each range sorts in memory, and no JIT compilation, which
// cost a second per range query at province scale (its cost estimate is high,
// its run short).
const sessionSettings = "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off"

// ExtractionSQLForPsql is the extraction of a full run as psql would send it:
// the same queries, one per range of child ids up to maxID, with the
// parameters spelled out, to time Postgres alone.
func ExtractionSQLForPsql(maxID int64) string {
	var b strings.Builder
	b.WriteString(sessionSettings + ";\n")
	for lo := int64(0); lo <= maxID; lo += defaultRangeSize {
		b.WriteString(strings.NewReplacer("$1::timestamptz", "now()", "$2", fmt.Sprint(lo), "$3", fmt.Sprint(lo+defaultRangeSize-1)).
			Replace(streamRangeSQL))
		b.WriteString(";\n")
	}
	return b.String()
}

// StreamChildren reads the rows reads name, or every row of all children
// (nil), on workers transactions that share the snapshot: all children range
// by range, alternating between workers; a list split in one share per
// worker (a short one on the snapshot's transaction alone). It calls fn once
// per child, in child order within a query, with the worker's number, and
// reuses the child after fn returns. groups are the circumstance group codes
// by number. Rows of deleted children are skipped. It returns the number of
// rows read.
func (s *ETLSnapshot) StreamChildren(ctx context.Context, reads []extract.ChildRows, groups []string, workers int,
	fn func(worker int, c *extract.Child)) (int64, error) {
	groupIndex := map[string]uint8{}
	for i, g := range groups {
		groupIndex[g] = uint8(i + 1)
	}
	if _, err := s.tx.Exec(ctx, sessionSettings); err != nil {
		return 0, etlError("extract children", err)
	}
	at, size := s.mark.At, s.src.RangeSize
	// queries returns worker w's queries as (sql, args) pairs.
	var queries func(w int) [][]any
	var snapshotID string
	switch {
	case reads != nil && len(reads) < s.src.MinSharedList:
		return streamQuery(ctx, s.tx, groupIndex, func(c *extract.Child) { fn(0, c) }, streamListSQL, listArgs(at, reads)...)
	case reads != nil:
		if err := s.tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshotID); err != nil {
			return 0, etlError("extract children", err)
		}
		queries = func(w int) [][]any {
			share := reads[w*len(reads)/workers : (w+1)*len(reads)/workers]
			return [][]any{append([]any{streamListSQL}, listArgs(at, share)...)}
		}
	default:
		var maxID int64
		if err := s.tx.QueryRow(ctx, "SELECT coalesce(max(id), 0), pg_export_snapshot() FROM child").Scan(&maxID, &snapshotID); err != nil {
			return 0, etlError("extract children", err)
		}
		queries = func(w int) [][]any {
			var out [][]any
			for lo := int64(w) * size; lo <= maxID; lo += int64(workers) * size {
				out = append(out, []any{streamRangeSQL, at, lo, lo + size - 1})
			}
			return out
		}
	}
	var total atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			wtx := s.tx
			if w > 0 {
				// The same snapshot on another connection: one consistent state.
				t, err := s.src.pool.BeginTx(gctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
				if err != nil {
					return unreachable(gctx, "extract children: open a second connection", err)
				}
				defer t.Rollback(context.Background())
				if _, err := t.Exec(gctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(snapshotID, "'", "")+"'"); err != nil {
					return etlError("extract children: share snapshot", err)
				}
				if _, err := t.Exec(gctx, sessionSettings); err != nil {
					return etlError("extract children", err)
				}
				wtx = t
			}
			for _, q := range queries(w) {
				n, err := streamQuery(gctx, wtx, groupIndex, func(c *extract.Child) { fn(w, c) }, q[0].(string), q[1:]...)
				total.Add(n)
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	return total.Load(), err
}

// streamQuery runs one extraction query and hands its children to fn.
func streamQuery(ctx context.Context, tx pgx.Tx, groupIndex map[string]uint8, fn func(*extract.Child), sql string, args ...any) (int64, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return 0, etlError("extract children", err)
	}
	defer rows.Close()
	var (
		c       extract.Child
		current int64 = -1
		seen    bool  // the current child's own row was read (not deleted)
		n       int64
		childID int64
		kind    int
		unit    *int32
		d1, d2  *time.Time
		code    *string
		f1, f2  bool
		poverty []int32
	)
	flush := func() {
		if current >= 0 && seen {
			fn(&c)
		}
		c.Reset()
		seen = false
	}
	for rows.Next() {
		if err := rows.Scan(&childID, &kind, &unit, &d1, &d2, &code, &f1, &f2, &poverty); err != nil {
			return n, etlError("extract children", err)
		}
		n++
		if childID != current {
			flush()
			current = childID
		}
		day1, day2 := civil.NoDay, civil.NoDay
		if d1 != nil {
			day1 = civil.DayFromTime(*d1)
		}
		if d2 != nil {
			day2 = civil.DayFromTime(*d2)
		}
		var u int32
		if unit != nil {
			u = *unit
		}
		var text string
		if code != nil {
			text = *code
		}
		switch kind {
		case rowChild:
			seen = true
			c.ID = childID
			c.Sex, c.Birth, c.Death, c.Commune = text[0], day1, day2, u
			for _, p := range poverty {
				c.Poverty = append(c.Poverty, extract.YearStatus{Year: int(p / 10), Status: uint8(p % 10)})
			}
		case rowResidence:
			c.Residences = append(c.Residences, extract.Period{Unit: u, From: day1, To: day2})
		case rowCard:
			c.Cards = append(c.Cards, extract.Period{From: day1, To: day2})
		case rowCircumstance:
			c.Circumstances = append(c.Circumstances, extract.Period{Group: groupIndex[text], From: day1, To: day2,
				LawDrug: indicators.InAnyGroup(indicators.SpecialLawDrug.Name(), text)})
		default:
			c.Events = append(c.Events, extract.Event{Kind: extract.EventKind(kind), Unit: u, Day: day1, Day2: day2, Code: text, Flag1: f1, Flag2: f2})
		}
	}
	if err := rows.Err(); err != nil {
		return n, etlError("extract children", err)
	}
	flush()
	return n, nil
}

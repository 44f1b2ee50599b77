package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// setArea switches the transaction to the API role and the caller's area in one
// round trip; both settings end with the transaction, so a pooled connection
// never carries them to the next request.
const setArea = `SELECT set_config('role', 'treem_app', true), set_config('treem.unit_ids', $1, true)`

// setAreaReadOnly is setArea for a read in an implicit transaction (a
// pipeline with no BEGIN), which also makes it read-only.
const setAreaReadOnly = `SELECT set_config('role', 'treem_app', true), set_config('treem.unit_ids', $1, true),
  set_config('transaction_read_only', 'on', true)`

// areaSetting renders a scope as the treem.unit_ids setting the policies read.
func areaSetting(s domain.Scope) string {
	if s.All {
		return "*"
	}
	ids := make([]string, len(s.UnitIDs))
	for i, id := range s.UnitIDs {
		ids[i] = strconv.Itoa(id)
	}
	return strings.Join(ids, ",")
}

// inArea runs fn in a transaction under row-level security for scope s. Reads
// pass readOnly; errors come back mapped to domain codes.
func inArea(ctx context.Context, pool *pgxpool.Pool, s domain.Scope, readOnly bool, fn func(tx pgx.Tx) error) error {
	opts := pgx.TxOptions{}
	if readOnly {
		opts.AccessMode = pgx.ReadOnly
	}
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return domain.Wrap(err, domain.CodeUnavailable, "database unavailable")
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, setArea, areaSetting(s)); err != nil {
		return fmt.Errorf("set area: %w", MapError(err))
	}
	if err := fn(tx); err != nil {
		return MapError(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", MapError(err))
	}
	return nil
}

// readInArea runs one read-only query under row-level security for s and
// collects its rows with scan.
func readInArea[T any](ctx context.Context, pool *pgxpool.Pool, s domain.Scope, scan pgx.RowToFunc[T], sql string, args []any) ([]T, error) {
	var out []T
	err := inArea(ctx, pool, s, true, func(tx pgx.Tx) (err error) {
		out, err = queryRows(ctx, tx, scan, sql, args...)
		return err
	})
	return out, err
}

// readProvince runs one read-only query over the whole province as the login
// itself, without switching role: the API's login reads through treem_app's
// policies (it holds that role's grants and nothing else), the ETL's, which
// publishes the same indicators, through its own read policies. For
// reference and report data, never for personal fields.
func readProvince[T any](ctx context.Context, pool *pgxpool.Pool, scan pgx.RowToFunc[T], sql string, args []any) ([]T, error) {
	var out []T
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('treem.unit_ids', '*', true)`); err != nil {
			return err
		}
		var err error
		out, err = queryRows(ctx, tx, scan, sql, args...)
		return err
	})
	return out, MapError(err)
}

// pageWay is how a page of a list ordered by keys, descending when desc,
// compares its keys with p.From and orders its rows: a backward page reads
// against the list's order, nearest rows first, and pageRows turns it back.
func pageWay[K any](p domain.Page[K], desc bool) (cmp, dir string) {
	if desc != p.Backward {
		return "<", "DESC"
	}
	return ">", "ASC"
}

// datedPageTail adds the keyset condition of p to q for a list of rows x in
// order o, whose date is the column date of SQL type typ, and returns the
// order its rows are read in (pageWay) and its limit.
func datedPageTail(q *query, date, typ string, o domain.DatedOrder, p domain.Page[domain.DatedKey]) (order, limit string) {
	cmp, dir := pageWay(p, o.Desc)
	if from := p.From(); from != nil {
		if o.ByDate {
			q.and("("+date+", x.id) "+cmp+" ($?::"+typ+", $?::bigint)", from.Date, from.ID)
		} else {
			q.and("x.id "+cmp+" $?", from.ID)
		}
	}
	order = "x.id " + dir
	if o.ByDate {
		order = date + " " + dir + ", " + order
	}
	return order, q.arg(p.First + 1)
}

// pageRows cuts rows read with pageWay and LIMIT p.First+1 to the page, in the
// list's order, and tells whether more follow in the page's direction.
func pageRows[T, K any](rows []T, p domain.Page[K]) ([]T, bool) {
	rows, more := trimPage(rows, p.First)
	if p.Backward {
		slices.Reverse(rows)
	}
	return rows, more
}

// trimPage cuts rows read with LIMIT first+1 to a page of first and tells
// whether more follow.
func trimPage[T any](rows []T, first int) ([]T, bool) {
	if len(rows) > first {
		return rows[:first], true
	}
	return rows, false
}

// query builds a SQL statement from fixed fragments and numbered parameters:
// user values only ever travel as arguments.
type query struct {
	where []string
	args  []any
}

// arg adds a parameter and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// bind returns fragment with each "$?" replaced by the next of vals in turn.
func (q *query) bind(fragment string, vals ...any) string {
	for _, v := range vals {
		fragment = strings.Replace(fragment, "$?", q.arg(v), 1)
	}
	return fragment
}

// and adds a condition; each "$?" in fragment takes the next of vals in turn.
func (q *query) and(fragment string, vals ...any) {
	q.where = append(q.where, q.bind(fragment, vals...))
}

// inUnits restricts col to the scope's units (nothing for the whole province).
func (q *query) inUnits(col string, s domain.Scope) {
	if !s.All {
		q.and(col+" = ANY($?)", unitArray(s.UnitIDs))
	}
}

// anyOf adds one condition: that at least one of branches holds, each
// branch's conditions compiled by compile into q and joined by AND. A filter
// tree's or-lists go through here, so that every list nests them one way.
func anyOf[F any](q *query, branches []F, compile func(F)) {
	if len(branches) == 0 {
		return
	}
	groups := make([]string, len(branches))
	for i, b := range branches {
		start := len(q.where)
		compile(b)
		groups[i] = "TRUE"
		if terms := q.where[start:]; len(terms) > 0 {
			groups[i] = "(" + strings.Join(terms, " AND ") + ")"
		}
		q.where = q.where[:start]
	}
	q.where = append(q.where, "("+strings.Join(groups, " OR ")+")")
}

func (q *query) whereSQL() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// unitArray sends unit ids as int4[], the type of the unit id columns; an empty
// scope is an empty array (no unit), never NULL.
func unitArray(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

// DistrictVersions returns every version of the district with code, in force
// or abolished: a district officer keeps the district's own records (periodic
// reports, plans) after the 2025 reorganisation removed the district tier.
func (s *ChildStore) DistrictVersions(ctx context.Context, code string) ([]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM org_unit WHERE code = $1 AND level = 'district' ORDER BY id`, code)
	if err != nil {
		return nil, fmt.Errorf("district versions: %w", MapError(err))
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("district versions: %w", MapError(err))
	}
	return ids, nil
}

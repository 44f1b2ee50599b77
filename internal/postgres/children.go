package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/domain"
)

// ChildStore reads and writes children and their per-child records, always
// within the caller's area: a Go-side filter on the area's units, and the
// row-level security policies of migration 00010 underneath.
type ChildStore struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewChildStore returns a store over pool.
func NewChildStore(pool *pgxpool.Pool) *ChildStore {
	return &ChildStore{pool: pool, now: time.Now}
}

const childColumns = `c.id, c.full_name, c.sex, c.birth_date, c.ethnicity, c.household_id, c.commune_id,
  c.identity_number, c.address, c.death_date`

func scanChild(row pgx.CollectableRow) (domain.Child, error) {
	var c domain.Child
	var sex string
	err := row.Scan(childDest(&c, &sex)...)
	c.Sex = domain.Sex(sex)
	return c, err
}

// childDest lists where the columns of childColumns go.
func childDest(c *domain.Child, sex *string) []any {
	return []any{&c.ID, &c.FullName, sex, &c.BirthDate, &c.Ethnicity, &c.HouseholdID, &c.CommuneID,
		&c.IdentityNumber, &c.Address, &c.DeathDate}
}

// orderColumns maps each order to its key column (id alone for the id order).
var orderColumns = map[domain.ChildOrderField]string{
	domain.ChildOrderID:        "",
	domain.ChildOrderBirthDate: "c.birth_date",
	domain.ChildOrderFullName:  "c.full_name",
}

// ListChildren returns the page p of the children in scope matching f, in
// order o, and whether more follow in the page's direction.
func (s *ChildStore) ListChildren(ctx context.Context, scope domain.Scope, f domain.ChildFilter, o domain.ChildOrder,
	p domain.Page[domain.ChildKey]) ([]domain.Child, bool, error) {
	page, err := s.ChildrenPage(ctx, scope, f, o, p, false)
	return page.Children, page.More, err
}

// ChildrenPage is ListChildren and, with withTotal, the count of every child
// in scope matching f, read in one round trip: the area switch, the page and
// the count go as one pipeline, one implicit transaction.
func (s *ChildStore) ChildrenPage(ctx context.Context, scope domain.Scope, f domain.ChildFilter, o domain.ChildOrder,
	p domain.Page[domain.ChildKey], withTotal bool) (domain.ChildPage, error) {
	return s.childrenPage(ctx, scope, f, o, p, withTotal, true)
}

// childrenPage is ChildrenPage with the Go-side area filter optional, so a
// test can show that row-level security alone keeps other areas out.
func (s *ChildStore) childrenPage(ctx context.Context, scope domain.Scope, f domain.ChildFilter, o domain.ChildOrder,
	p domain.Page[domain.ChildKey], withTotal, goScope bool) (domain.ChildPage, error) {
	if withTotal {
		sql, args, ok, err := childPageWithTotalQuery(scope, f, o, p, goScope)
		if err != nil {
			return domain.ChildPage{}, err
		}
		if ok {
			return s.pageWithTotal(ctx, scope, f, p, sql, args)
		}
	}
	pageSQL, pageArgs, err := childPageQuery(scope, f, o, p, goScope)
	if err != nil {
		return domain.ChildPage{}, err
	}
	b := &pgx.Batch{}
	b.Queue(setAreaReadOnly, areaSetting(scope))
	b.Queue(pageSQL, pageArgs...)
	if withTotal {
		countSQL, countArgs := childCountQuery(scope, f)
		b.Queue(countSQL, countArgs...)
	}
	page, err := readPage(s.pool.SendBatch(ctx, b), p, withTotal)
	if err != nil {
		return page, fmt.Errorf("list children: %w", err)
	}
	return page, nil
}

// pageWithTotal runs a childPageWithTotalQuery: each row carries the total.
// An empty page from the start means no child matches; an empty page after a
// cursor says nothing of the total, which then takes a second statement.
func (s *ChildStore) pageWithTotal(ctx context.Context, scope domain.Scope, f domain.ChildFilter, p domain.Page[domain.ChildKey],
	sql string, args []any) (domain.ChildPage, error) {
	b := &pgx.Batch{}
	b.Queue(setAreaReadOnly, areaSetting(scope))
	b.Queue(sql, args...)
	br := s.pool.SendBatch(ctx, b)
	total := 0
	cs, err := func() ([]domain.Child, error) {
		if _, err := br.Exec(); err != nil {
			return nil, err
		}
		rows, err := br.Query()
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Child, error) {
			var c domain.Child
			var sex string
			err := row.Scan(append([]any{&total}, childDest(&c, &sex)...)...)
			c.Sex = domain.Sex(sex)
			return c, err
		})
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return domain.ChildPage{}, fmt.Errorf("list children: %w", MapError(err))
	}
	page := domain.ChildPage{Total: &total, Next: nextChild(cs, p)}
	page.Children, page.More = pageRows(cs, p)
	if len(cs) == 0 && p.From() != nil {
		if total, err = s.CountChildren(ctx, scope, f); err != nil {
			return domain.ChildPage{}, err
		}
	}
	return page, nil
}

// readPage reads the answers of a ChildrenPage pipeline.
func readPage(br pgx.BatchResults, p domain.Page[domain.ChildKey], withTotal bool) (page domain.ChildPage, err error) {
	defer func() {
		if cerr := br.Close(); err == nil && cerr != nil {
			err = MapError(cerr)
		}
	}()
	if _, err := br.Exec(); err != nil {
		return page, MapError(err)
	}
	rows, err := br.Query()
	if err != nil {
		return page, MapError(err)
	}
	cs, err := pgx.CollectRows(rows, scanChild)
	if err != nil {
		return page, MapError(err)
	}
	page.Next = nextChild(cs, p)
	page.Children, page.More = pageRows(cs, p)
	if withTotal {
		var n int
		if err := br.QueryRow().Scan(&n); err != nil {
			return page, MapError(err)
		}
		page.Total = &n
	}
	return page, nil
}

// nextChild is the id of the row of cs read past the page p, 0 when none.
func nextChild(cs []domain.Child, p domain.Page[domain.ChildKey]) int64 {
	if len(cs) > p.First {
		return cs[p.First].ID
	}
	return 0
}

// ChildIDs returns the ids of every child in scope matching f: the children
// a count of f counts.
func (s *ChildStore) ChildIDs(ctx context.Context, scope domain.Scope, f domain.ChildFilter) ([]int64, error) {
	var q query
	childWhere(&q, scope, f, true, nil)
	ids, err := readInArea(ctx, s.pool, scope, pgx.RowTo[int64], "SELECT c.id FROM child c"+q.whereSQL()+" ORDER BY c.id", q.args)
	if err != nil {
		return nil, fmt.Errorf("count children: %w", err)
	}
	return ids, nil
}

// CountChildren counts the children in scope matching f.
func (s *ChildStore) CountChildren(ctx context.Context, scope domain.Scope, f domain.ChildFilter) (int, error) {
	sql, args := childCountQuery(scope, f)
	var n int
	err := inArea(ctx, s.pool, scope, true, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, sql, args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count children: %w", err)
	}
	return n, nil
}

// childPageQuery is the SQL of one page of children.
func childPageQuery(scope domain.Scope, f domain.ChildFilter, o domain.ChildOrder, p domain.Page[domain.ChildKey],
	goScope bool) (string, []any, error) {
	key, ok := orderColumns[o.Field]
	if !ok {
		return "", nil, domain.Invalid("orderBy", "unknown order %q", o.Field)
	}
	var q query
	childWhere(&q, scope, f, goScope, nil)
	order, limit := pageTail(&q, key, o, p)
	return "SELECT " + childColumns + " FROM child c" + q.whereSQL() + " ORDER BY " + order + " LIMIT " + limit, q.args, nil
}

// childPageWithTotalQuery is the SQL of one page of children with the count
// of every match on each row, for a filter that starts from the rows of
// another table or from the name index (ok is false for any other filter).
// The functions that find those ids run once, in the statement's "found",
// for both the page and the count: run in two statements they took half of
// the request. When the filter is one such set and nothing else, the count
// is the size of the set, which holds only living children of the area.
func childPageWithTotalQuery(scope domain.Scope, f domain.ChildFilter, o domain.ChildOrder, p domain.Page[domain.ChildKey],
	goScope bool) (sql string, args []any, ok bool, err error) {
	key, known := orderColumns[o.Field]
	if !known {
		return "", nil, false, domain.Invalid("orderBy", "unknown order %q", o.Field)
	}
	var q query
	var sets []string
	conditions := childWhere(&q, scope, f, goScope, &sets)
	if len(sets) == 0 {
		return "", nil, false, nil
	}
	found := make([]string, len(sets))
	for i, fn := range sets {
		found[i] = fmt.Sprintf("%s AS s%d", fn, i+1)
	}
	total := "SELECT count(*) AS n FROM found, child c" + q.whereSQL()
	if len(sets) == 1 && conditions == 1 {
		total = "SELECT cardinality(s1) AS n FROM found"
	}
	order, limit := pageTail(&q, key, o, p)
	return "WITH found AS MATERIALIZED (SELECT " + strings.Join(found, ", ") + "),\n" +
		"total AS MATERIALIZED (" + total + ")\n" +
		"SELECT total.n, " + childColumns + " FROM found, total CROSS JOIN LATERAL (SELECT c.* FROM child c" + q.whereSQL() +
		" ORDER BY " + order + " LIMIT " + limit + ") c ORDER BY " + order, q.args, true, nil
}

// pageTail adds the keyset condition of p to q and returns the order its rows
// are read in (pageWay) and its limit.
func pageTail(q *query, key string, o domain.ChildOrder, p domain.Page[domain.ChildKey]) (order, limit string) {
	cmp, dir := pageWay(p, o.Desc)
	if from := p.From(); from != nil {
		switch o.Field {
		case domain.ChildOrderID:
			q.and("c.id "+cmp+" $?", from.ID)
		case domain.ChildOrderBirthDate:
			q.and("(c.birth_date, c.id) "+cmp+" ($?::date, $?::bigint)", from.BirthDate, from.ID)
		case domain.ChildOrderFullName:
			q.and("(c.full_name, c.id) "+cmp+" ($?::text, $?::bigint)", from.FullName, from.ID)
		}
	}
	order = "c.id " + dir
	if key != "" {
		order = key + " " + dir + ", " + order
	}
	return order, q.arg(p.First + 1)
}

// childCountQuery is the SQL of the count of children in scope matching f.
// With no filter but the area, it sums the live per-commune counts
// (migration 00053) instead of counting every child.
func childCountQuery(scope domain.Scope, f domain.ChildFilter) (string, []any) {
	var q query
	if f.AreaOnly() {
		q.inUnits("n.commune_id", scope)
		if f.UnitIDs != nil {
			q.and("n.commune_id = ANY($?)", unitArray(f.UnitIDs))
		}
		return "SELECT coalesce(sum(n.children), 0)::bigint FROM child_count n" + q.whereSQL(), q.args
	}
	childWhere(&q, scope, f, true, nil)
	return "SELECT count(*) FROM child c" + q.whereSQL(), q.args
}

// childWhere adds the conditions of f, and of scope when goScope, to q, and
// returns how many f added. A filter that starts from a set of ids (a
// function of migrations 00060 and 00061) tests each child against that set:
// with sets, the function is listed there and the condition names it as
// found.sN (see childPageWithTotalQuery); without, the condition calls it.
func childWhere(q *query, scope domain.Scope, f domain.ChildFilter, goScope bool, sets *[]string) int {
	q.and("c.deleted_at IS NULL")
	if goScope {
		q.inUnits("c.commune_id", scope)
	}
	fixed := len(q.where)
	childConditions(q, f, f.AsOf, sets)
	return len(q.where) - fixed
}

// childConditions adds the conditions of f and its sub-filters to q; asOf is
// the tree's one reference date. The branches of an or-list test their sets
// by calling the function (sets nil): a set in found would be read for every
// page whether or not its branch matters.
func childConditions(q *query, f domain.ChildFilter, asOf time.Time, sets *[]string) {
	inSet := func(fn string, vals ...any) {
		fn = q.bind(fn, vals...)
		if sets == nil {
			q.and("c.id = ANY ((SELECT " + fn + ")::bigint[])")
			return
		}
		*sets = append(*sets, fn)
		q.and(fmt.Sprintf("c.id = ANY (found.s%d)", len(*sets)))
	}
	if f.UnitIDs != nil {
		q.and("c.commune_id = ANY($?)", unitArray(f.UnitIDs))
	}
	if len(f.Sexes) > 0 {
		sexes := make([]string, len(f.Sexes))
		for i, x := range f.Sexes {
			sexes[i] = string(x)
		}
		q.and("c.sex = ANY($?)", sexes)
	}
	if f.BornFrom != nil {
		q.and("c.birth_date >= $?", *f.BornFrom)
	}
	if f.BornTo != nil {
		q.and("c.birth_date <= $?", *f.BornTo)
	}
	if f.NameContains != "" {
		// Under row-level security a LIKE on child cannot use an index (see
		// migration 00060), so the trigram index is read by treem_child_search,
		// which returns the matching ids of the caller's area. A needle too
		// short to give pg_trgm a trigram would make that function read every
		// entry of the index and return every child in scope; it is tested on
		// each row instead, so that a page stops at its last row.
		if hasTrigram(f.NameContains) {
			inSet("treem_child_search($?)", f.NameContains)
		} else {
			q.and("c.name_folded LIKE treem_name_pattern($?)", f.NameContains)
		}
	}
	// Circumstances and cases start from their own rows (migrations 00061,
	// 00066): through the per-child policies, the planner hashed every child
	// in scope.
	if len(f.Circumstances) > 0 {
		inSet("treem_children_in_circumstance($?::text[], $?::date)", f.Circumstances, asOf)
	}
	if f.PovertyStatus != "" {
		q.and(`EXISTS (SELECT 1 FROM household_poverty hp WHERE hp.household_id = c.household_id
		  AND hp.deleted_at IS NULL AND hp.year = $? AND hp.status = $?)`, asOf.Year(), f.PovertyStatus)
	}
	if f.BirthRegistered != nil {
		q.and(not(!*f.BirthRegistered) + `EXISTS (SELECT 1 FROM birth_registration b WHERE b.child_id = c.id AND b.deleted_at IS NULL)`)
	}
	if f.Insured != nil {
		q.and(not(!*f.Insured)+`EXISTS (SELECT 1 FROM insurance_card ic WHERE ic.child_id = c.id AND ic.deleted_at IS NULL
		  AND ic.valid_from <= $? AND ic.valid_to >= $?)`, asOf, asOf)
	}
	if len(f.CaseTypes) > 0 || len(f.CaseStatuses) > 0 {
		inSet("treem_children_with_case($?::text[], $?::text[])", nilIfEmpty(f.CaseTypes), nilIfEmpty(f.CaseStatuses))
	}
	for _, sub := range f.And {
		childConditions(q, sub, asOf, sets)
	}
	anyOf(q, f.Or, func(b domain.ChildFilter) { childConditions(q, b, asOf, nil) })
}

// nilIfEmpty sends an unset list filter as NULL, "any".
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func not(b bool) string {
	if b {
		return "NOT "
	}
	return ""
}

// hasTrigram reports whether needle holds three letters or digits in a row,
// the least from which pg_trgm draws a trigram that narrows a substring search
// (shorter words give it none, or only ones padded with blanks, which most
// names share).
func hasTrigram(needle string) bool {
	run := 0
	for _, r := range needle {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			run = 0
			continue
		}
		if run++; run == 3 {
			return true
		}
	}
	return false
}

// ChildrenByID returns the children in scope among ids, in no particular order;
// ids outside the area are simply absent.
func (s *ChildStore) ChildrenByID(ctx context.Context, scope domain.Scope, ids []int64) ([]domain.Child, error) {
	var q query
	q.and("c.id = ANY($?)", ids)
	q.and("c.deleted_at IS NULL")
	q.inUnits("c.commune_id", scope)
	out, err := readInArea(ctx, s.pool, scope, scanChild, "SELECT "+childColumns+" FROM child c"+q.whereSQL(), q.args)
	if err != nil {
		return nil, fmt.Errorf("children by id: %w", err)
	}
	return out, nil
}

// Child returns one child in scope; NOT_FOUND also when it exists elsewhere, so
// a caller learns nothing about other areas.
func (s *ChildStore) Child(ctx context.Context, scope domain.Scope, id int64) (domain.Child, error) {
	cs, err := s.ChildrenByID(ctx, scope, []int64{id})
	if err != nil {
		return domain.Child{}, err
	}
	if len(cs) == 0 {
		return domain.Child{}, domain.Errorf(domain.CodeNotFound, "no child %d", id)
	}
	return cs[0], nil
}

package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"treem/internal/civil"
	"treem/internal/domain"
	"treem/internal/postgres"
)

// Options configure one seed run.
type Options struct {
	Children int
	Seed     uint64
	Today    civil.Day
	// IfEmpty makes the run a no-op when children already exist.
	IfEmpty bool
	// Replace truncates the seeded tables first (in the same transaction).
	Replace bool
}

// Validate checks the options before anything touches the database.
func (o Options) Validate() error {
	if o.Children <= 0 {
		return domain.Invalid("children", "--children must be a positive number, got %d", o.Children)
	}
	if o.Today <= HistoryStart {
		return domain.Invalid("today", "--today must be after %s, when the generated history starts, got %s", HistoryStart, o.Today)
	}
	return nil
}

// Progress is told how many children each stream has produced. Start comes
// once per pass over the children: a table loaded in rounds starts again.
type Progress interface {
	Start(table string, children int)
	Add(children int)
	Done(table string, rows int64)
}

// Result summarises a run.
type Result struct {
	Skipped bool
	Rows    map[string]int64
}

// Run seeds the database behind pool.
func Run(ctx context.Context, pool *pgxpool.Pool, opts Options, progress Progress) (Result, error) {
	if err := opts.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Rows: map[string]int64{}}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Two seeds at once (make demo started twice) queue here; the second
		// then finds the children of the first. Readers are not blocked.
		if _, err := tx.Exec(ctx, `LOCK TABLE household, child IN EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("lock the seeded tables: %w", postgres.MapError(err))
		}
		var children bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM child)`).Scan(&children); err != nil {
			return fmt.Errorf("check for children: %w", postgres.MapError(err))
		}
		if children && opts.IfEmpty {
			res.Skipped = true
			return nil
		}
		tables := Tables()
		if opts.Replace {
			if err := truncate(ctx, tx, tables); err != nil {
				return err
			}
		} else if err := checkEmpty(ctx, tx, tables); err != nil {
			return err
		}
		geo, err := LoadGeography(ctx, tx)
		if err != nil {
			return err
		}
		rules, err := postgres.LoadCaseRules(ctx, tx)
		if err != nil {
			return err
		}
		g := NewGenerator(opts.Seed, opts.Children, opts.Today, geo, rules)
		for i, t := range tables {
			n, err := g.copyTable(ctx, tx, uint64(i), t, progress)
			if err != nil {
				return fmt.Errorf("load %s: %w", t.Name, postgres.MapError(err))
			}
			res.Rows[t.Name] = n
			if t.identity {
				// Rows carry explicit ids; the identity continues after them.
				if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM `+
					pgx.Identifier{t.Name}.Sanitize(), t.Name); err != nil {
					return fmt.Errorf("reset %s ids: %w", t.Name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if !res.Skipped {
		// Fresh statistics now: the ETL usually runs right after a seed, before
		// autovacuum has analyzed, and plans made on empty-table estimates turn a
		// two-second extraction into minutes.
		if _, err := pool.Exec(ctx, "ANALYZE "+tableList(Tables())); err != nil {
			return Result{}, fmt.Errorf("analyze seeded tables: %w", postgres.MapError(err))
		}
	}
	return res, nil
}

// tableList renders the tables as a comma-separated list of quoted names.
func tableList(tables []Table) string {
	var b strings.Builder
	for i, t := range tables {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pgx.Identifier{t.Name}.Sanitize())
	}
	return b.String()
}

// checkEmpty refuses to add a second province on top of existing data.
func checkEmpty(ctx context.Context, tx pgx.Tx, tables []Table) error {
	for _, t := range tables {
		var found bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t.Name}.Sanitize()+`)`).Scan(&found); err != nil {
			return fmt.Errorf("check %s: %w", t.Name, postgres.MapError(err))
		}
		if found {
			return domain.Errorf(domain.CodeConflict,
				"the database already holds data (%s is not empty): use --if-empty to skip or --replace to reseed", t.Name)
		}
	}
	return nil
}

func truncate(ctx context.Context, tx pgx.Tx, tables []Table) error {
	if _, err := tx.Exec(ctx, "TRUNCATE "+tableList(tables)); err != nil {
		return fmt.Errorf("truncate seeded tables: %w", postgres.MapError(err))
	}
	return nil
}

// batchRows is how many rows the generator hands to COPY at a time.
const batchRows = 4096

// copyTable streams one table: a goroutine generates rows in batches while
// COPY sends the previous batch, so generation and Postgres work overlap.
func (g *Generator) copyTable(ctx context.Context, tx pgx.Tx, number uint64, t Table, progress Progress) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan [][]any, 4)
	errGen := make(chan error, 1)
	go func() {
		defer close(batches)
		errGen <- g.generate(ctx, number, t, progress, batches)
	}()
	src := &batchSource{ctx: ctx, batches: batches}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{t.Name}, t.Columns, src)
	cancel()
	for range batches { // let the generator finish after a failed COPY
	}
	if gerr := <-errGen; err == nil && gerr != nil && !errors.Is(gerr, context.Canceled) {
		err = gerr
	}
	if err == nil {
		progress.Done(t.Name, n)
	}
	return n, err
}

// generate runs the rows of t into batches.
func (g *Generator) generate(ctx context.Context, number uint64, t Table, progress Progress, out chan<- [][]any) error {
	batch := make([][]any, 0, batchRows)
	var failed error
	emit := func(vals ...any) {
		if failed != nil {
			return
		}
		batch = append(batch, vals)
		if len(batch) == batchRows {
			select {
			case out <- batch:
				batch = make([][]any, 0, batchRows)
			case <-ctx.Done():
				failed = ctx.Err()
			}
		}
	}
	g.rows(number, t, progress, emit, func() bool { return failed == nil })
	if failed != nil {
		return failed
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// rows produces the rows of table number t through emit, telling progress
// how many children are done; it stops early when more returns false.
func (g *Generator) rows(number uint64, t Table, progress Progress, emit emitFunc, more func() bool) {
	if t.units != nil {
		progress.Start(t.Name, 0)
		t.units(g, emit)
		return
	}
	it := g.newIter(number)
	for round := 0; more(); round++ {
		progress.Start(t.Name, g.children) // again for each round
		it.rewind(round)
		emitted := 0
		counted := func(vals ...any) { emitted++; emit(vals...) }
		pending := 0
		for more() && it.next() {
			t.household(it, counted)
			if pending += len(it.kids); pending >= 10000 {
				progress.Add(pending)
				pending = 0
			}
		}
		progress.Add(pending)
		if !t.rounds || emitted == 0 {
			return
		}
	}
}

// NoProgress ignores progress reports.
type NoProgress struct{}

func (NoProgress) Start(string, int)  {}
func (NoProgress) Add(int)            {}
func (NoProgress) Done(string, int64) {}

// batchSource adapts the batch channel to pgx.CopyFromSource.
type batchSource struct {
	ctx     context.Context
	err     error
	batches <-chan [][]any
	cur     [][]any
	pos     int
}

func (s *batchSource) Next() bool {
	s.pos++
	for s.pos >= len(s.cur) {
		b, ok := <-s.batches
		if !ok {
			// A generator stopped by cancellation must fail the COPY, not end it.
			s.err = s.ctx.Err()
			return false
		}
		s.cur, s.pos = b, 0
	}
	return true
}

func (s *batchSource) Values() ([]any, error) { return s.cur[s.pos], nil }

func (s *batchSource) Err() error { return s.err }

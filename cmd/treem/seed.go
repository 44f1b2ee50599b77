package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"treem/internal/civil"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/postgres"
	"treem/internal/seed"
)

func runSeed(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", stderr)
	dbURL := databaseURLFlag(fs, env, ownerURLVar, "the tables' owner")
	children := fs.Int("children", 50000, "number of children to generate (> 0)")
	seedValue := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	today := fs.String("today", time.Now().UTC().Format(time.DateOnly), "last day of the generated history (YYYY-MM-DD)")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the database already has children")
	replace := fs.Bool("replace", false, "replace existing seeded data (truncates the seeded tables in the same transaction)")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return domain.Invalid("args", "unexpected argument %q", fs.Arg(0))
	}
	day, err := time.Parse(time.DateOnly, *today)
	if err != nil {
		return domain.Invalid("today", "--today must be a date YYYY-MM-DD, got %q", *today)
	}
	opts := seed.Options{Children: *children, Seed: *seedValue, Today: civil.DayFromTime(day), IfEmpty: *ifEmpty, Replace: *replace}
	if err := opts.Validate(); err != nil {
		return err
	}
	pool, err := openPostgres(ctx, dbURL(), ownerURLVar, postgres.ProgramSeed)
	if err != nil {
		return singleLine(err)
	}
	defer pool.Close()
	start := time.Now()
	res, err := seed.Run(ctx, pool, opts, newSeedProgress(stderr, newLogger(stderr, env)))
	if err != nil {
		return err
	}
	if res.Skipped {
		fmt.Fprintln(stdout, "seed: the database already has children; nothing done (--if-empty)")
		return nil
	}
	total := int64(0)
	for _, n := range res.Rows {
		total += n
	}
	fmt.Fprintf(stdout, "seed: %d children, %d rows in %d tables, seed %d, in %s\n",
		opts.Children, total, len(res.Rows), opts.Seed, time.Since(start).Round(time.Millisecond))
	return nil
}

// newSeedProgress shows a bar on a terminal, else a log line every few seconds.
func newSeedProgress(stderr io.Writer, log *slog.Logger) seed.Progress {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{w: stderr}
	}
	return &logProgress{log: log, every: 5 * time.Second}
}

type barProgress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	table string
	round int
}

// Start shows a bar per pass over the children; a table loaded in rounds
// shows one per round. Tables generated per unit (children 0) get no bar.
func (p *barProgress) Start(table string, children int) {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
		p.bar = nil
	}
	if table == p.table {
		p.round++
	} else {
		p.table, p.round = table, 1
	}
	if children == 0 {
		return
	}
	desc := table
	if p.round > 1 {
		desc = fmt.Sprintf("%s #%d", table, p.round)
	}
	p.bar = progressbar.NewOptions64(int64(children), progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(fmt.Sprintf("%-26s", desc)), progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetWidth(30))
}

func (p *barProgress) Add(children int) {
	if p.bar != nil {
		_ = p.bar.Add(children)
	}
}

func (p *barProgress) Done(table string, rows int64) {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintf(p.w, " %d rows\n", rows)
		p.bar = nil
		return
	}
	fmt.Fprintf(p.w, "%-26s %d rows\n", table, rows)
}

type logProgress struct {
	log          *slog.Logger
	every        time.Duration
	table        string
	done, of     int
	last, tstart time.Time
}

func (p *logProgress) Start(table string, children int) {
	if table != p.table {
		p.tstart = time.Now()
	}
	p.table, p.done, p.of, p.last = table, 0, children, time.Now()
}

func (p *logProgress) Add(children int) {
	p.done += children
	if time.Since(p.last) >= p.every {
		p.last = time.Now()
		p.log.Info("seeding", "table", p.table, "children", p.done, "of", p.of)
	}
}

func (p *logProgress) Done(table string, rows int64) {
	p.log.Info("table loaded", "table", table, "rows", rows, "duration", time.Since(p.tstart).Round(time.Millisecond))
}

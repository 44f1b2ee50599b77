package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"treem/etl"
	"treem/internal/config"
	"treem/internal/domain"
	"treem/internal/httpserver"
	"treem/internal/postgres"
)

func runETL(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	return singleLine(etlCommand(ctx, args, env, stdout, stderr))
}

// singleLine keeps the reason printed on exit to one line: driver errors
// (pgx lists every address tried) carry newlines.
func singleLine(err error) error {
	var de *domain.Error
	if err == nil || !errors.As(err, &de) || de.Err == nil || !strings.ContainsAny(de.Err.Error(), "\n\t") {
		return err
	}
	flat := strings.Join(strings.Fields(de.Err.Error()), " ")
	return &domain.Error{Code: de.Code, Message: de.Message, Field: de.Field, Err: errors.New(flat)}
}

func etlCommand(ctx context.Context, args []string, env config.Env, stdout, stderr io.Writer) error {
	fs := newFlagSet("etl", stderr)
	dbURL, chAddr, chDB, chCluster := etlConnectionFlags(fs, env)
	full := fs.Bool("full", false, "rebuild every table instead of loading the changes since the last successful run")
	dryRun := fs.Bool("dry-run", false, "report what would change and write nothing")
	every := fs.Duration("every", 0, "run again at this interval (e.g. 30s) until SIGTERM or SIGINT; 0 runs once")
	metricsAddr := fs.String("metrics-addr", "",
		"with --every, serve GET /metrics (runs, freshness) on this address, e.g. 127.0.0.1:9464")
	printSQL := fs.Int64("print-sql", 0, "print the extraction queries of a full run for child ids up to this value, for psql, and exit")
	if err := parseFlags(fs, args, env); err != nil {
		return err
	}
	if *printSQL > 0 {
		fmt.Fprint(stdout, postgres.ExtractionSQLForPsql(*printSQL))
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("etl: unexpected argument %q", fs.Arg(0))
	}
	log := newLogger(stderr, env)
	// A full run's heap is mostly the cells it counts, live from start to end:
	// collecting at half their size again (not the default whole) keeps its
	// peak memory near them (1,000,000 children: 0.64 GB instead of 0.86).
	debug.SetGCPercent(50)
	pool, err := openPostgres(ctx, dbURL(), etlURLVar, postgres.ProgramETL)
	if err != nil {
		return err
	}
	defer pool.Close()
	wh, err := openWarehouse(ctx, env, *chAddr, *chDB, *chCluster, log)
	if err != nil {
		return err
	}
	defer wh.close()
	// The secret comes from the environment only: a flag would show in ps.
	version, err := codeVersion()
	if err != nil {
		return err
	}
	opts := etl.Options{Full: *full, DryRun: *dryRun, Log: log, CellKeySecret: []byte(env.Get("TREEM_CELL_KEY_SECRET", "")),
		CodeVersion: version, Shards: wh.shards}
	if isTerminal(stderr) {
		opts.Progress = &bar{w: stderr}
	}
	metrics := httpserver.NewRunMetrics(wh.read.Freshness, log)
	run := func() error {
		res, err := etl.Run(ctx, postgres.NewETLSource(pool), wh.load, opts)
		if err != nil {
			metrics.ObserveRun("unknown", "failed")
			return err
		}
		metrics.ObserveRun(res.Mode, "succeeded")
		report(log, stdout, res, *dryRun)
		return nil
	}
	if *every <= 0 {
		if *metricsAddr != "" {
			return fmt.Errorf("etl: --metrics-addr needs --every: a single run ends before anyone scrapes it")
		}
		return run()
	}
	// The service also keeps the published database current: after each run,
	// unless no run changed the warehouse since the last rewrite.
	pub, closePublisher, err := openPublisher(ctx, env, wh, *chAddr, *chDB, pool, log)
	if err != nil {
		return err
	}
	defer closePublisher()
	once := func() error {
		if err := run(); err != nil || *dryRun {
			return err
		}
		return pub.publish(ctx, stdout)
	}
	if *metricsAddr == "" {
		runEvery(ctx, *every, once, log)
		return nil
	}
	// A listener that fails stops the loop too: a service whose metrics
	// cannot be scraped should not look healthy.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- httpserver.Serve(ctx, *metricsAddr, metrics.Handler(), 0, log)
		cancel()
	}()
	runEvery(ctx, *every, once, log)
	return <-served
}

// runEvery calls once now and then every interval until ctx ends. A signal
// cancels the run in progress, which leaves the warehouse as it was: the next
// start recomputes the same changes.
func runEvery(ctx context.Context, interval time.Duration, once func() error, log *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := once(); err != nil && ctx.Err() == nil {
			log.Error("etl run failed; retrying at the next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			log.Info("etl loop stopped")
			return
		case <-ticker.C:
		}
	}
}

// codeVersion names the running program by its executable's content: any
// other build counts and publishes differently as far as the warehouse knows.
var codeVersion = sync.OnceValues(func() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the executable to name its version: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the executable to name its version: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read the executable to name its version: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
})

func report(log *slog.Logger, stdout io.Writer, res *etl.Result, dryRun bool) {
	var rejected uint64
	for _, n := range res.Rejected {
		rejected += n
	}
	secs := res.Duration.Seconds()
	perSec := 0.0
	if secs > 0 {
		perSec = float64(res.RowsRead["child_rows"]) / secs
	}
	log.Info("etl run finished", "run_id", res.RunID, "mode", res.Mode, "dry_run", dryRun,
		"duration", res.Duration.Round(time.Millisecond), "rows_read", res.RowsRead["child_rows"],
		"rows_per_second", int64(perSec), "fact_rows", res.RowsWritten["fact_child_month"],
		"children_counted", res.Children, "generation", res.Generation, "rejected", rejected,
		"lag_seconds", time.Since(res.SnapshotAt).Seconds())
	verb := "loaded"
	if dryRun {
		verb = "would load"
	}
	fmt.Fprintf(stdout, "%s run %s (%s): counted %d children, %s %d fact rows, %d unit-year rows, %d units; %d rows rejected; %s\n",
		res.Mode, res.RunID, res.Reason, res.Children, verb, res.RowsWritten["fact_child_month"], res.RowsWritten["fact_unit_year"],
		res.RowsWritten["dim_unit"], rejected, res.Duration.Round(time.Millisecond))
}

// bar draws the progress of an interactive run on the terminal.
type bar struct {
	w io.Writer
	p *progressbar.ProgressBar
}

func (b *bar) Start(total int64) {
	b.p = progressbar.NewOptions64(total, progressbar.OptionSetWriter(b.w), progressbar.OptionSetDescription("children"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

func (b *bar) Add(n int) { _ = b.p.Add(n) }

func (b *bar) Finish() { _ = b.p.Finish() }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

package httpserver

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"treem/internal/domain"
)

// FreshnessSource reads the warehouse's last successful ETL run.
type FreshnessSource func(ctx context.Context) (domain.Freshness, error)

// freshnessCollector exports, at each scrape, how current the analytics are.
// It reads the warehouse then, so every process that exports it (the API and
// the ETL) shows the same figures.
type freshnessCollector struct {
	read    FreshnessSource
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration

	up, lastSuccess, asOf, lag, duration, rowsRead, cells, rejected *prometheus.Desc
}

// NewFreshnessCollector returns the collector of the treem_etl_* freshness
// gauges over read.
func NewFreshnessCollector(read FreshnessSource, log *slog.Logger) prometheus.Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("treem_etl_"+name, help, labels, nil)
	}
	return &freshnessCollector{read: read, log: log, now: time.Now, timeout: 2 * time.Second,
		up:          d("warehouse_up", "1 when the warehouse's run log could be read at this scrape."),
		lastSuccess: d("last_success_timestamp_seconds", "When the last successful ETL run finished."),
		asOf:        d("data_as_of_timestamp_seconds", "Postgres time of the last successful run's snapshot: analytics show every change committed before it."),
		lag:         d("lag_seconds", "How far the analytics trail Postgres: now minus the last successful run's snapshot time."),
		duration:    d("last_run_duration_seconds", "Duration of the last successful run."),
		rowsRead:    d("last_run_rows_read", "Children's rows the last successful run read from Postgres."),
		cells:       d("last_run_cells_written", "fact_child_month rows the last successful run wrote."),
		rejected:    d("last_run_rejected_rows", "Rows the last successful run rejected, by reason.", "reason"),
	}
}

func (c *freshnessCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.lastSuccess, c.asOf, c.lag, c.duration, c.rowsRead, c.cells, c.rejected} {
		ch <- d
	}
}

func (c *freshnessCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	f, err := c.read(ctx)
	if err != nil {
		c.log.Warn("freshness metrics: read the warehouse's run log", "err", err)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	if !f.Found {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(c.lastSuccess, float64(f.FinishedAt.Unix()))
	gauge(c.asOf, float64(f.SnapshotAt.Unix()))
	gauge(c.lag, f.Lag(c.now()).Seconds())
	gauge(c.duration, f.Duration.Seconds())
	gauge(c.rowsRead, float64(f.RowsRead))
	gauge(c.cells, float64(f.CellsWritten))
	for reason, n := range f.Rejected {
		gauge(c.rejected, float64(n), reason)
	}
}

// RunMetrics are the ETL process's own metrics: its runs by outcome, the
// freshness it reads back from the warehouse, and the Go runtime's.
type RunMetrics struct {
	reg  *prometheus.Registry
	runs *prometheus.CounterVec
}

// NewRunMetrics registers the ETL's metrics over read.
func NewRunMetrics(read FreshnessSource, log *slog.Logger) *RunMetrics {
	m := &RunMetrics{reg: prometheus.NewRegistry(), runs: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "treem_etl_runs_total",
		Help: "ETL runs of this process by mode (full, incremental) and outcome (succeeded, failed).",
	}, []string{"mode", "status"})}
	m.reg.MustRegister(m.runs, NewFreshnessCollector(read, log),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRun counts one run.
func (m *RunMetrics) ObserveRun(mode, status string) { m.runs.WithLabelValues(mode, status).Inc() }

// Handler serves GET /metrics and nothing else.
func (m *RunMetrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}

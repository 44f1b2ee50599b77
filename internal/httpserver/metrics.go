package httpserver

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one server, in their own registry.
type Metrics struct {
	reg        *prometheus.Registry
	opCount    *prometheus.CounterVec
	opDuration *prometheus.HistogramVec
	httpCount  *prometheus.CounterVec
	httpDur    *prometheus.HistogramVec

	mu    sync.Mutex
	names map[string]bool // operation names admitted as labels
}

// maxOperationNames bounds the operation label: names are chosen by clients.
const maxOperationNames = 200

// NewMetrics registers the GraphQL and HTTP metrics and the Go runtime ones.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		opCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "treem_graphql_operations_total",
			Help: "GraphQL operations by operation name and result code (OK or the first error's code).",
		}, []string{"operation", "code"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "treem_graphql_operation_duration_seconds",
			Help:    "GraphQL operation latency by operation name and result code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "code"}),
		httpCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "treem_http_requests_total",
			Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "treem_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		names: map[string]bool{},
	}
	m.reg.MustRegister(m.opCount, m.opDuration, m.httpCount, m.httpDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Register adds collectors to the server's registry (the warehouse's
// freshness, when the server reads one).
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveOperation records one GraphQL operation (graph.OperationObserver).
func (m *Metrics) ObserveOperation(operation, code string, d time.Duration) {
	op := m.label(operation)
	m.opCount.WithLabelValues(op, code).Inc()
	m.opDuration.WithLabelValues(op, code).Observe(d.Seconds())
}

func (m *Metrics) observeHTTP(route string, status int, d time.Duration) {
	m.httpCount.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpDur.WithLabelValues(route).Observe(d.Seconds())
}

var operationNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// label admits the first maxOperationNames well-formed names; the rest share
// "other", so a client cannot grow the metrics without bound.
func (m *Metrics) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !operationNamePattern.MatchString(name) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

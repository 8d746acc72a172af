package metrics

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// SinkStats is a snapshot of one sink's counts.
type SinkStats struct {
	Name       string        // e.g. "webhook:http://127.0.0.1:8080/h"
	ByType     map[int]int64 // events delivered by event type id
	Deliveries int64         // successful Send calls (a POST, a produce batch, a file write)
	Retries    int64         // failed attempts retried
	Dropped    int64         // dropped on overflow (--on-overflow drop)
	Failed     int64         // given up: not delivered
	QueueDepth int           // events waiting in the sink's queue now
	QueueCap   int
}

// Sources are the snapshot functions read at every scrape, from the
// scraping goroutine: each must be safe to call concurrently with the run.
// A nil function leaves its metric families out.
type Sources struct {
	Events    func() map[int]int64    // events emitted by event type id
	TypeNames func(id int) string     // "Update location", ...
	Rejects   func() map[string]int64 // rejects by cause, e.g. "DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)"
	Statuses  func() map[string]int64 // endpoints by connectivity status: ONLINE, ATTACHED, OFFLINE, BLOCKED
	ActivePDP func() int64            // PDP contexts open now
	Sinks     func() []SinkStats
	// NoLatency leaves the request latency histogram out: for a run whose
	// requests are timed elsewhere (the lanes of a run in several
	// processes), where a histogram of zeros would say they took no time.
	NoLatency bool
}

// Interfaces and requests whose histogram children exist from the start
// and are found by Observe without allocating.
var knownRequests = []struct{ iface, request string }{
	{"s6a", "ULR"}, {"s6a", "CLR"}, {"s6a", "PUR"},
	{"s6d", "ULR"}, {"s6d", "CLR"}, {"s6d", "PUR"},
	{"gn", "CreatePDPContext"}, {"gn", "DeletePDPContext"},
}

// durationBuckets are the upper bounds, in seconds, of the request latency
// histogram: powers of two from 1µs to 1.048576s.
var durationBuckets = prometheus.ExponentialBuckets(1e-6, 2, 21)

type requestKey struct{ iface, request string }

// Metrics is the run's registry and, once Serve is called, its HTTP server.
type Metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	known    map[requestKey]prometheus.Observer // read-only after New
	handler  http.Handler

	mu   sync.Mutex
	srv  *http.Server
	addr net.Addr
	done chan struct{} // closed when srv's Serve returns
	err  error         // what Serve returned, unless the server was closed
}

// New returns metrics with their own registry: the collector of src, the
// request latency histogram, and the Go runtime and process collectors.
func New(src Sources) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "request_duration_seconds",
			Help:      "Latency of the requests core-sim handles or sends, by interface (s6a, s6d, gn) and request.",
			Buckets:   durationBuckets,
		}, []string{"interface", "request"}),
		known: make(map[requestKey]prometheus.Observer, len(knownRequests)),
	}
	for _, k := range knownRequests {
		m.known[requestKey(k)] = m.duration.WithLabelValues(k.iface, k.request)
	}
	m.reg.MustRegister(
		newCollector(src),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if !src.NoLatency {
		m.reg.MustRegister(m.duration)
	}

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.InstrumentMetricHandler(m.reg,
		promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})))
	mux.HandleFunc("/{$}", index)
	m.handler = mux
	return m
}

func index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "core-sim metrics\n\n/metrics  Prometheus metrics (core_sim_*, go_*, process_*)\n")
}

// Observe records the latency d of one request on an interface ("s6a",
// "s6d" or "gn"), e.g. Observe("s6a", "ULR", d). Safe for concurrent use;
// the known pairs take no allocation, others go through the histogram's
// own lookup.
func (m *Metrics) Observe(iface, request string, d time.Duration) {
	if m == nil {
		return
	}
	if d < 0 {
		d = 0
	}
	o, ok := m.known[requestKey{iface, request}]
	if !ok {
		o = m.duration.WithLabelValues(iface, request)
	}
	o.Observe(d.Seconds())
}

// Handler serves /metrics (the Prometheus exposition) and / (a short text
// index). On a nil *Metrics it answers 404 to everything.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return m.handler
}

// Serve listens on addr (e.g. "127.0.0.1:9464", or ":0" for any free port)
// and serves Handler there in the background until Close. It returns the
// address listened on. On a nil *Metrics it does nothing and returns nil,
// nil.
func (m *Metrics) Serve(addr string) (net.Addr, error) {
	if m == nil {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv != nil {
		return nil, fmt.Errorf("metrics: already serving on %s", m.addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	srv := &http.Server{
		Handler:           m.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan struct{})
	m.srv, m.addr, m.done, m.err = srv, ln.Addr(), done, nil
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.mu.Lock()
			m.err = err
			m.mu.Unlock()
		}
	}()
	return ln.Addr(), nil
}

// Close stops the server started by Serve, closing its listener and open
// connections, and waits for it to end. It returns nil when nothing is
// served; after Close, Serve may be called again.
func (m *Metrics) Close() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	srv, done := m.srv, m.done
	m.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv != srv { // a concurrent Close got here first
		return nil
	}
	if err == nil {
		err = m.err
	}
	m.srv, m.addr, m.done, m.err = nil, nil, nil, nil
	return err
}

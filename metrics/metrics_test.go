package metrics

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var client = &http.Client{Timeout: 2 * time.Second}

var typeNames = map[int]string{1: "Update location", 2: "Update GPRS location", 3: "Create PDP Context", 5: "Delete PDP Context"}

func fullSources() Sources {
	return Sources{
		Events:    func() map[int]int64 { return map[int]int64{1: 7, 2: 5, 3: 4, 5: 1} },
		TypeNames: func(id int) string { return typeNames[id] },
		Rejects: func() map[string]int64 {
			return map[string]int64{"DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)": 2, "DIAMETER_ERROR_USER_UNKNOWN (5001)": 1}
		},
		Statuses:  func() map[string]int64 { return map[string]int64{"ONLINE": 3, "ATTACHED": 6, "BLOCKED": 1} },
		ActivePDP: func() int64 { return 3 },
		Sinks: func() []SinkStats {
			return []SinkStats{
				{Name: "webhook:http://127.0.0.1:8080/h", ByType: map[int]int64{1: 7, 3: 4}, Deliveries: 11, Retries: 2, Dropped: 0, Failed: 1, QueueDepth: 5, QueueCap: 1024},
				{Name: "file:events.ndjson", ByType: map[int]int64{2: 5}, Deliveries: 1, Retries: 0, Dropped: 3, Failed: 0, QueueDepth: 0, QueueCap: 256},
			}
		},
	}
}

// scrape GETs url and parses the text exposition.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %s: %s", url, res.Status, b)
	}
	return parse(t, res.Body)
}

// scrapeHandler is scrape through h without a server.
func scrapeHandler(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d: %s", rec.Code, rec.Body)
	}
	return parse(t, rec.Body)
}

func parse(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return mfs
}

// series flattens the families whose name has prefix into
// `name{label="value",...}` -> value, labels sorted, empty labels left out.
// Histograms give _count, _sum and _bucket{le} series.
func series(mfs map[string]*dto.MetricFamily, prefix string) map[string]float64 {
	out := map[string]float64{}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, lp := range m.GetLabel() {
				if lp.GetValue() != "" {
					ls = append(ls, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
				}
			}
			key := func(suffix string, extra ...string) string {
				all := append(slices.Clone(ls), extra...)
				sort.Strings(all)
				return name + suffix + "{" + strings.Join(all, ",") + "}"
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key("")] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key("")] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out[key("_count")] = float64(h.GetSampleCount())
				out[key("_sum")] = h.GetSampleSum()
				for _, b := range h.GetBucket() {
					le := strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)
					out[key("_bucket", fmt.Sprintf("le=%q", le))] = float64(b.GetCumulativeCount())
				}
			default:
				out[key("")] = math.NaN()
			}
		}
	}
	return out
}

// families lists the names of the families with prefix.
func families(mfs map[string]*dto.MetricFamily, prefix string) []string {
	var names []string
	for name := range mfs {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func compareSeries(t *testing.T, got, want map[string]float64) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("missing %s (want %v)", k, want[k])
		case g != want[k]:
			t.Errorf("%s = %v, want %v", k, g, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s = %v", k, got[k])
		}
	}
}

func serve(t *testing.T, m *Metrics) string {
	t.Helper()
	addr, err := m.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error("Close:", err)
		}
	})
	return "http://" + addr.String()
}

func TestScrape(t *testing.T) {
	m := New(fullSources())
	base := serve(t, m)

	m.Observe("s6a", "ULR", 3*time.Microsecond)
	m.Observe("s6a", "ULR", 500*time.Microsecond)
	m.Observe("gn", "CreatePDPContext", 2*time.Millisecond)
	m.Observe("gn", "UpdatePDPContext", 10*time.Millisecond) // not a known pair
	m.Observe("s6d", "PUR", -time.Second)                    // counted as 0

	mfs := scrape(t, base+"/metrics")
	got := series(mfs, "core_sim_")

	// Everything but the histogram, exactly.
	want := map[string]float64{
		`core_sim_events_total{name="Update location",type="1"}`:      7,
		`core_sim_events_total{name="Update GPRS location",type="2"}`: 5,
		`core_sim_events_total{name="Create PDP Context",type="3"}`:   4,
		`core_sim_events_total{name="Delete PDP Context",type="5"}`:   1,

		`core_sim_registrations_total{interface="s6a"}`: 7,
		`core_sim_registrations_total{interface="s6d"}`: 5,

		`core_sim_rejects_total{cause="DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)"}`: 2,
		`core_sim_rejects_total{cause="DIAMETER_ERROR_USER_UNKNOWN (5001)"}`:        1,

		`core_sim_endpoints{status="ONLINE"}`:   3,
		`core_sim_endpoints{status="ATTACHED"}`: 6,
		`core_sim_endpoints{status="OFFLINE"}`:  0,
		`core_sim_endpoints{status="BLOCKED"}`:  1,

		`core_sim_pdp_contexts_active{}`: 3,

		`core_sim_sink_events_total{sink="webhook:http://127.0.0.1:8080/h",type="1"}`: 7,
		`core_sim_sink_events_total{sink="webhook:http://127.0.0.1:8080/h",type="3"}`: 4,
		`core_sim_sink_events_total{sink="file:events.ndjson",type="2"}`:              5,
		`core_sim_sink_deliveries_total{sink="webhook:http://127.0.0.1:8080/h"}`:      11,
		`core_sim_sink_deliveries_total{sink="file:events.ndjson"}`:                   1,
		`core_sim_sink_retries_total{sink="webhook:http://127.0.0.1:8080/h"}`:         2,
		`core_sim_sink_retries_total{sink="file:events.ndjson"}`:                      0,
		`core_sim_sink_dropped_total{sink="webhook:http://127.0.0.1:8080/h"}`:         0,
		`core_sim_sink_dropped_total{sink="file:events.ndjson"}`:                      3,
		`core_sim_sink_failed_total{sink="webhook:http://127.0.0.1:8080/h"}`:          1,
		`core_sim_sink_failed_total{sink="file:events.ndjson"}`:                       0,
		`core_sim_sink_queue_depth{sink="webhook:http://127.0.0.1:8080/h"}`:           5,
		`core_sim_sink_queue_depth{sink="file:events.ndjson"}`:                        0,
		`core_sim_sink_queue_capacity{sink="webhook:http://127.0.0.1:8080/h"}`:        1024,
		`core_sim_sink_queue_capacity{sink="file:events.ndjson"}`:                     256,
	}
	const hist = "core_sim_request_duration_seconds"
	other := map[string]float64{}
	for k, v := range got {
		if !strings.HasPrefix(k, hist) {
			other[k] = v
		}
	}
	compareSeries(t, other, want)

	// Metadata: the types.
	types := map[string]dto.MetricType{
		"core_sim_events_total":             dto.MetricType_COUNTER,
		"core_sim_registrations_total":      dto.MetricType_COUNTER,
		"core_sim_rejects_total":            dto.MetricType_COUNTER,
		"core_sim_endpoints":                dto.MetricType_GAUGE,
		"core_sim_pdp_contexts_active":      dto.MetricType_GAUGE,
		"core_sim_sink_events_total":        dto.MetricType_COUNTER,
		"core_sim_sink_deliveries_total":    dto.MetricType_COUNTER,
		"core_sim_sink_retries_total":       dto.MetricType_COUNTER,
		"core_sim_sink_dropped_total":       dto.MetricType_COUNTER,
		"core_sim_sink_failed_total":        dto.MetricType_COUNTER,
		"core_sim_sink_queue_depth":         dto.MetricType_GAUGE,
		"core_sim_sink_queue_capacity":      dto.MetricType_GAUGE,
		"core_sim_request_duration_seconds": dto.MetricType_HISTOGRAM,
	}
	if got, want := families(mfs, "core_sim_"), slices.Sorted(maps.Keys(types)); !slices.Equal(got, want) {
		t.Errorf("families %v, want %v", got, want)
	}
	for name, typ := range types {
		if mf := mfs[name]; mf != nil && mf.GetType() != typ {
			t.Errorf("%s is a %v, want %v", name, mf.GetType(), typ)
		}
	}

	// The histogram: the observed pairs, and the known ones at zero.
	checks := map[string]float64{
		hist + `_count{interface="s6a",request="ULR"}`:                2,
		hist + `_bucket{interface="s6a",le="1e-06",request="ULR"}`:    0,
		hist + `_bucket{interface="s6a",le="4e-06",request="ULR"}`:    1,
		hist + `_bucket{interface="s6a",le="0.000512",request="ULR"}`: 2,
		hist + `_bucket{interface="s6a",le="+Inf",request="ULR"}`:     2,

		hist + `_count{interface="gn",request="CreatePDPContext"}`:                1,
		hist + `_bucket{interface="gn",le="0.001024",request="CreatePDPContext"}`: 0,
		hist + `_bucket{interface="gn",le="0.002048",request="CreatePDPContext"}`: 1,

		hist + `_count{interface="gn",request="UpdatePDPContext"}`: 1,

		hist + `_count{interface="s6d",request="PUR"}`:                        1,
		hist + `_sum{interface="s6d",request="PUR"}`:                          0,
		hist + `_bucket{interface="s6d",le="1e-06",request="PUR"}`:            1,
		hist + `_bucket{interface="s6a",le="1.048576",request="ULR"}`:         2,
		hist + `_count{interface="s6a",request="CLR"}`:                        0,
		hist + `_count{interface="s6a",request="PUR"}`:                        0,
		hist + `_count{interface="s6d",request="ULR"}`:                        0,
		hist + `_count{interface="s6d",request="CLR"}`:                        0,
		hist + `_count{interface="gn",request="DeletePDPContext"}`:            0,
		hist + `_bucket{interface="gn",le="+Inf",request="DeletePDPContext"}`: 0,
	}
	for k, v := range checks {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	sums := map[string]float64{
		hist + `_sum{interface="s6a",request="ULR"}`:             503e-6,
		hist + `_sum{interface="gn",request="CreatePDPContext"}`: 2e-3,
		hist + `_sum{interface="gn",request="UpdatePDPContext"}`: 10e-3,
	}
	for k, v := range sums {
		if g := got[k]; math.Abs(g-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
	if n := len(mfs[hist].GetMetric()); n != len(knownRequests)+1 {
		t.Errorf("%d histogram children, want %d", n, len(knownRequests)+1)
	}
	if b := mfs[hist].GetMetric()[0].GetHistogram().GetBucket(); len(b) != len(durationBuckets)+1 || // and +Inf
		b[0].GetUpperBound() != 1e-6 || b[len(b)-2].GetUpperBound() != 1.048576 || !math.IsInf(b[len(b)-1].GetUpperBound(), 1) {
		t.Errorf("buckets %v", b)
	}

	// The standard collectors.
	if mfs["go_goroutines"] == nil {
		t.Error("no go_goroutines")
	}
	if runtime.GOOS == "linux" && mfs["process_cpu_seconds_total"] == nil {
		t.Error("no process_cpu_seconds_total")
	}

	// The index.
	res, err := client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "/metrics") {
		t.Errorf("GET /: %s %q", res.Status, body)
	}
	res, err = client.Get(base + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %s", res.Status)
	}
}

// Each scrape reads the sources again.
func TestScrapeReadsSourcesEachTime(t *testing.T) {
	var pdp atomic.Int64
	m := New(Sources{ActivePDP: pdp.Load})
	base := serve(t, m)
	for _, n := range []int64{0, 5, 2} {
		pdp.Store(n)
		got := series(scrape(t, base+"/metrics"), "core_sim_pdp")
		if got[`core_sim_pdp_contexts_active{}`] != float64(n) {
			t.Errorf("after %d: %v", n, got)
		}
	}
}

func TestNilSources(t *testing.T) {
	const hist = "core_sim_request_duration_seconds"
	m := New(Sources{})
	mfs := scrapeHandler(t, m.Handler())
	if got := families(mfs, "core_sim_"); !slices.Equal(got, []string{hist}) {
		t.Errorf("families %v, want only %s", got, hist)
	}
	if mfs["go_goroutines"] == nil {
		t.Error("no go_goroutines")
	}

	full := fullSources()
	for _, tc := range []struct {
		name string
		src  Sources
		want []string
	}{
		{"Events", Sources{Events: full.Events}, []string{"core_sim_events_total", "core_sim_registrations_total"}},
		{"Rejects", Sources{Rejects: full.Rejects}, []string{"core_sim_rejects_total"}},
		{"Statuses", Sources{Statuses: full.Statuses}, []string{"core_sim_endpoints"}},
		{"ActivePDP", Sources{ActivePDP: full.ActivePDP}, []string{"core_sim_pdp_contexts_active"}},
		{"Sinks", Sources{Sinks: full.Sinks}, []string{
			"core_sim_sink_deliveries_total", "core_sim_sink_dropped_total", "core_sim_sink_events_total",
			"core_sim_sink_failed_total", "core_sim_sink_queue_capacity", "core_sim_sink_queue_depth",
			"core_sim_sink_retries_total"}},
		{"all but Sinks", Sources{Events: full.Events, TypeNames: full.TypeNames, Rejects: full.Rejects, Statuses: full.Statuses, ActivePDP: full.ActivePDP},
			[]string{"core_sim_endpoints", "core_sim_events_total", "core_sim_pdp_contexts_active",
				"core_sim_registrations_total", "core_sim_rejects_total"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mfs := scrapeHandler(t, New(tc.src).Handler())
			want := append(slices.Clone(tc.want), hist)
			sort.Strings(want)
			if got := families(mfs, "core_sim_"); !slices.Equal(got, want) {
				t.Errorf("families %v, want %v", got, want)
			}
		})
	}
}

// NoLatency leaves the request latency histogram out, whatever Observe is
// told; the rest is served as without it.
func TestNoLatency(t *testing.T) {
	full := fullSources()
	full.NoLatency = true
	m := New(full)
	m.Observe("s6a", "ULR", time.Millisecond)
	got := families(scrapeHandler(t, m.Handler()), "core_sim_")
	if slices.Contains(got, "core_sim_request_duration_seconds") {
		t.Errorf("families %v with NoLatency", got)
	}
	if !slices.Contains(got, "core_sim_events_total") || !slices.Contains(got, "core_sim_sink_events_total") {
		t.Errorf("families %v: the sources' are missing", got)
	}
}

// Without TypeNames the events carry only their type id, and the
// registrations are there even when no location update happened.
func TestEventsWithoutNames(t *testing.T) {
	m := New(Sources{Events: func() map[int]int64 { return map[int]int64{3: 2} }})
	got := series(scrapeHandler(t, m.Handler()), "core_sim_")
	for k, v := range map[string]float64{
		`core_sim_events_total{type="3"}`:               2,
		`core_sim_registrations_total{interface="s6a"}`: 0,
		`core_sim_registrations_total{interface="s6d"}`: 0,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

// Snapshots that would make invalid series still scrape: sinks of the same
// name, label values that are not UTF-8, statuses beyond the four.
func TestAwkwardSnapshots(t *testing.T) {
	m := New(Sources{
		Rejects:  func() map[string]int64 { return map[string]int64{"bad\xffcause": 1} },
		Statuses: func() map[string]int64 { return map[string]int64{"SUSPENDED": 2} },
		Sinks: func() []SinkStats {
			return []SinkStats{{Name: "stdout", Deliveries: 1}, {Name: "stdout", Deliveries: 2}, {Name: "stdout", Deliveries: 3}}
		},
	})
	got := series(scrapeHandler(t, m.Handler()), "core_sim_")
	for k, v := range map[string]float64{
		`core_sim_rejects_total{cause="bad` + "\uFFFD" + `cause"}`: 1,
		`core_sim_endpoints{status="SUSPENDED"}`:                   2,
		`core_sim_endpoints{status="ONLINE"}`:                      0,
		`core_sim_sink_deliveries_total{sink="stdout"}`:            1,
		`core_sim_sink_deliveries_total{sink="stdout#2"}`:          2,
		`core_sim_sink_deliveries_total{sink="stdout#3"}`:          3,
	} {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

func TestNilMetrics(t *testing.T) {
	var m *Metrics
	m.Observe("s6a", "ULR", time.Millisecond)
	m.Observe("x", "y", time.Millisecond)
	addr, err := m.Serve("127.0.0.1:0")
	if addr != nil || err != nil {
		t.Errorf("Serve = %v, %v", addr, err)
	}
	if err := m.Close(); err != nil {
		t.Error("Close:", err)
	}
	h := m.Handler()
	if h == nil {
		t.Fatal("nil Handler")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil Handler: %d", rec.Code)
	}
}

func TestServeBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	m := New(Sources{})
	if addr, err := m.Serve(ln.Addr().String()); err == nil {
		m.Close()
		t.Fatalf("Serve on busy %s: listening on %v", ln.Addr(), addr)
	} else {
		t.Log(err)
	}
	if err := m.Close(); err != nil {
		t.Error("Close after a failed Serve:", err)
	}
	// Still usable on a free port.
	if _, err := m.Serve("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Error(err)
	}
}

func TestServeTwice(t *testing.T) {
	m := New(Sources{})
	serve(t, m)
	if _, err := m.Serve("127.0.0.1:0"); err == nil {
		t.Error("second Serve succeeded")
	}
}

func TestClose(t *testing.T) {
	m := New(Sources{})
	addr, err := m.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr.String() + "/metrics"
	scrape(t, url) // leaves a keep-alive connection open
	if err := m.Close(); err != nil {
		t.Fatal("Close:", err)
	}
	if res, err := client.Get(url); err == nil {
		res.Body.Close()
		t.Fatalf("GET after Close: %s", res.Status)
	}
	if c, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after Close")
	}
	if err := m.Close(); err != nil {
		t.Error("second Close:", err)
	}

	// Serve again, and Close from several goroutines at once.
	addr, err = m.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scrape(t, "http://"+addr.String()+"/metrics")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := m.Close(); err != nil {
				t.Error("concurrent Close:", err)
			}
		})
	}
	wg.Wait()
	if c, err := net.DialTimeout("tcp", addr.String(), time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after concurrent Close")
	}
}

// Observe from many goroutines while scraping.
func TestObserveConcurrent(t *testing.T) {
	var events atomic.Int64
	m := New(Sources{Events: func() map[int]int64 { return map[int]int64{1: events.Load()} }})
	base := serve(t, m)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				events.Add(1)
				if w%2 == 0 {
					m.Observe("s6a", "ULR", time.Duration(i)*time.Microsecond)
				} else {
					m.Observe("gn", "EchoRequest", time.Duration(i)*time.Microsecond)
				}
			}
		})
	}
	for range 5 {
		scrape(t, base+"/metrics")
	}
	wg.Wait()
	got := series(scrape(t, base+"/metrics"), "core_sim_")
	for k, v := range map[string]float64{
		`core_sim_request_duration_seconds_count{interface="s6a",request="ULR"}`:        workers / 2 * each,
		`core_sim_request_duration_seconds_count{interface="gn",request="EchoRequest"}`: workers / 2 * each,
		`core_sim_events_total{type="1"}`:                                               workers * each,
		`core_sim_registrations_total{interface="s6a"}`:                                 workers * each,
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestObserveAllocs(t *testing.T) {
	m := New(Sources{})
	for _, k := range knownRequests {
		if n := testing.AllocsPerRun(100, func() { m.Observe(k.iface, k.request, 42*time.Microsecond) }); n != 0 {
			t.Errorf("Observe(%q, %q): %v allocs", k.iface, k.request, n)
		}
	}
}

func BenchmarkObserve(b *testing.B) {
	m := New(Sources{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Observe("s6a", "ULR", time.Duration(i&1023)*time.Microsecond)
	}
}

func BenchmarkObserveParallel(b *testing.B) {
	m := New(Sources{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			m.Observe("gn", "CreatePDPContext", time.Duration(i&1023)*time.Microsecond)
			i++
		}
	})
}

func BenchmarkObserveUnknown(b *testing.B) {
	m := New(Sources{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Observe("gn", "UpdatePDPContext", time.Duration(i&1023)*time.Microsecond)
	}
}

func BenchmarkScrape(b *testing.B) {
	m := New(fullSources())
	h := m.Handler()
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

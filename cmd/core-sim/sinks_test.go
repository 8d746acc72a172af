package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// flaky is a webhook receiver that fails on purpose during part of a run:
// 500s, answers too slow for the sender's timeout, connections closed
// without an answer, 429s, and a restart (the listener closed, then opened
// again on the same port).
type flaky struct {
	mu       sync.Mutex
	ids      map[int64]int // event id: times received
	requests int
	failures map[string]int
	srv      *http.Server
	addr     string
	restart  int // the request after which the receiver restarts (0: never)
	never    int // answer every request with this status (a receiver that never recovers)
}

// newFlaky starts a receiver that restarts after request restart (0:
// never) and, if never is set, answers every request with that status.
func newFlaky(t *testing.T, restart, never int) *flaky {
	f := &flaky{ids: map[int64]int{}, failures: map[string]int{}, restart: restart, never: never}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	f.serve(ln)
	t.Cleanup(func() {
		f.mu.Lock()
		srv := f.srv
		f.mu.Unlock()
		srv.Close()
	})
	return f
}

func (f *flaky) serve(ln net.Listener) {
	srv := &http.Server{Handler: f}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go srv.Serve(ln)
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	never := f.never
	f.mu.Unlock()
	if never != 0 {
		http.Error(w, "down for good", never)
		return
	}
	// Every fifth request from the 10th to the 200th fails, one way or
	// another; the sender's retry of it lands on a request that succeeds.
	if n >= 10 && n < 200 && n%5 == 0 {
		switch (n / 5) % 4 {
		case 0:
			f.fail("500")
			http.Error(w, "internal error", http.StatusInternalServerError)
		case 1:
			f.fail("timeout")
			time.Sleep(600 * time.Millisecond) // the sender's timeout is 300ms
		case 2:
			f.fail("reset")
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
		case 3:
			f.fail("429")
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}
		return
	}
	body, err := readAll(r)
	if err != nil {
		return
	}
	var one struct {
		ID int64 `json:"id"`
	}
	var many []struct {
		ID int64 `json:"id"`
	}
	f.mu.Lock()
	if bytes.HasPrefix(body, []byte("[")) {
		if json.Unmarshal(body, &many) != nil {
			f.mu.Unlock()
			http.Error(w, "bad array", http.StatusBadRequest)
			return
		}
		for _, e := range many {
			f.ids[e.ID]++
		}
	} else {
		if json.Unmarshal(body, &one) != nil || one.ID == 0 {
			f.mu.Unlock()
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		f.ids[one.ID]++
	}
	restart := n == f.restart
	f.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	if restart {
		go f.restartNow()
	}
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.Bytes(), err
}

func (f *flaky) fail(kind string) {
	f.mu.Lock()
	f.failures[kind]++
	f.mu.Unlock()
}

// restartNow closes the listener and every connection, stays down for a
// moment (the sender gets connection refused), then listens again.
func (f *flaky) restartNow() {
	f.mu.Lock()
	srv := f.srv
	f.mu.Unlock()
	srv.Close()
	f.fail("restart")
	time.Sleep(400 * time.Millisecond)
	for i := 0; i < 50; i++ {
		ln, err := net.Listen("tcp", f.addr)
		if err == nil {
			f.serve(ln)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var (
	reDelivered = regexp.MustCompile(`sink (\S+): (\d+) delivered in (\d+) deliveries, (\d+) retries`)
	reTotal     = regexp.MustCompile(`events by type \((\d+) in all\)`)
)

// delivered reads core-sim's report: events in all, and delivered by sink.
func delivered(t *testing.T, stderr string) (total int64, bySink map[string]int64, retries map[string]int64) {
	t.Helper()
	m := reTotal.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary in:\n%s", stderr)
	}
	total, _ = strconv.ParseInt(m[1], 10, 64)
	bySink, retries = map[string]int64{}, map[string]int64{}
	for _, m := range reDelivered.FindAllStringSubmatch(stderr, -1) {
		n, _ := strconv.ParseInt(m[2], 10, 64)
		r, _ := strconv.ParseInt(m[4], 10, 64)
		bySink[m[1]], retries[m[1]] = n, r
	}
	return total, bySink, retries
}

func runCore(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// A receiver failing in every way during part of the run still gets every
// event at least once, and core-sim's report says what it received.
func TestWebhookFlakyReceiverGetsEveryEvent(t *testing.T) {
	for _, mode := range []string{"single", "bulk"} {
		t.Run(mode, func(t *testing.T) {
			restart, extra := 121, ""
			if mode == "bulk" {
				restart, extra = 41, ";bulk=20;interval=20ms"
			}
			f := newFlaky(t, restart, 0)
			url := "http://" + f.addr + "/events"
			spec := "webhook:" + url + ";timeout=300ms;header=Authorization: Bearer t0k3n" + extra
			_, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", spec, "--log-level", "error")
			if err != nil {
				t.Fatalf("core-sim: %v\n%s", err, stderr)
			}
			total, bySink, retries := delivered(t, stderr)
			name := "webhook:" + url
			if bySink[name] != total || total < 1000 {
				t.Fatalf("core-sim says %d of %d events delivered to %s:\n%s", bySink[name], total, name, stderr)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			for id := int64(1); id <= total; id++ {
				if f.ids[id] == 0 {
					t.Fatalf("event %d never received (%d distinct received)", id, len(f.ids))
				}
			}
			if int64(len(f.ids)) != total {
				t.Fatalf("received %d distinct ids, core-sim emitted %d", len(f.ids), total)
			}
			for _, kind := range []string{"500", "timeout", "reset", "429", "restart"} {
				if f.failures[kind] == 0 {
					t.Errorf("the receiver never failed with %s: the test did not test it", kind)
				}
			}
			if retries[name] == 0 {
				t.Errorf("core-sim reports no retries after %v failures", f.failures)
			}
			t.Logf("%s: %d events, %d requests, failures %v, %d retries reported", mode, total, f.requests, f.failures, retries[name])
		})
	}
}

func TestWebhookThatNeverRecoversIsGivenUp(t *testing.T) {
	f := newFlaky(t, 0, http.StatusServiceUnavailable)
	url := "http://" + f.addr + "/events"
	start := time.Now()
	_, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", "webhook:"+url+";bulk=100", "--give-up", "1s", "--log-level", "error")
	if err == nil {
		t.Fatalf("core-sim succeeded against a receiver that is always down:\n%s", stderr)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("giving up took %v", took)
	}
	m := regexp.MustCompile(`(\d+) NOT DELIVERED: gave up after 1s`).FindStringSubmatch(stderr)
	if m == nil || m[1] == "0" {
		t.Fatalf("no count of undelivered events in:\n%s", stderr)
	}
	if !strings.Contains(stderr, "503 Service Unavailable") {
		t.Errorf("the report does not say why:\n%s", stderr)
	}
}

func TestWebhookPermanentErrorStops(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"unknown field event_type"}`, http.StatusUnprocessableEntity)
	}))
	defer srv.Close()
	_, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", "webhook:"+srv.URL, "--log-level", "error")
	if err == nil {
		t.Fatal("core-sim succeeded against a receiver refusing every event")
	}
	if !strings.Contains(stderr, "422") || !strings.Contains(stderr, "unknown field event_type") {
		t.Fatalf("the error does not carry the answer and its body:\n%s", stderr)
	}
}

// Bad sinks are refused before any event is generated, naming the sink.
func TestBadSinksRefusedUpFront(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	for _, c := range []struct {
		spec, want string
	}{
		{"webhook:ftp://127.0.0.1/x", "ftp"},
		{"webhook:http://", "host"},
		{"kafka:127.0.0.1:1/events", "no broker reachable at 127.0.0.1:1"},
		{"kafka:127.0.0.1:9092", "topic"},
		{"webhook:" + tlsSrv.URL + "/x", "certificate"},
		{"file:/nonexistent-dir/x.ndjson", "/nonexistent-dir/x.ndjson"},
		{"stdout;types=one", `"one" is not an event type id`},
	} {
		stdout, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", c.spec)
		if err == nil {
			t.Errorf("%s: accepted", c.spec)
			continue
		}
		if !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "--events") {
			t.Errorf("%s: error does not name the sink and say %q:\n%s", c.spec, c.want, stderr)
		}
		if stdout != "" || strings.Contains(stderr, "events by type") {
			t.Errorf("%s: events were generated before the sink was refused", c.spec)
		}
	}
}

// Kafka and a file at once: every event consumed back from the topic and
// every line in the file, the same ids in both, a device's events in order.
func TestFanOutToKafkaAndFile(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	path := filepath.Join(t.TempDir(), "events.ndjson")
	_, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", "kafka:"+addr+"/events", "--events", path, "--log-level", "error")
	if err != nil {
		t.Fatalf("core-sim: %v\n%s", err, stderr)
	}
	total, bySink, _ := delivered(t, stderr)
	if bySink["kafka:"+addr+"/events"] != total || bySink["file:"+path] != total {
		t.Fatalf("report %v, %d events:\n%s", bySink, total, stderr)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(file), "\n"), "\n")
	if int64(len(lines)) != total {
		t.Fatalf("%d lines in the file, %d events", len(lines), total)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ids := map[int64]int{}
	lastByKey := map[string]int64{}
	var n int64
	for n < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d", n, total)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var e struct {
				ID       int64 `json:"id"`
				Endpoint *struct {
					ID int64 `json:"id"`
				} `json:"endpoint"`
			}
			if err := json.Unmarshal(r.Value, &e); err != nil {
				t.Fatalf("record %q: %v", r.Value, err)
			}
			if e.Endpoint != nil && string(r.Key) != strconv.FormatInt(e.Endpoint.ID, 10) {
				t.Fatalf("event %d of endpoint %d has key %q", e.ID, e.Endpoint.ID, r.Key)
			}
			if last := lastByKey[string(r.Key)]; len(r.Key) > 0 && e.ID <= last {
				t.Fatalf("endpoint %s: event %d after %d", r.Key, e.ID, last)
			}
			lastByKey[string(r.Key)] = e.ID
			ids[e.ID]++
			n++
		})
	}
	for i, l := range lines {
		var e struct{ ID int64 }
		json.Unmarshal([]byte(l), &e)
		if e.ID != int64(i+1) || ids[e.ID] != 1 {
			t.Fatalf("line %d: event %d, consumed %d times from Kafka", i+1, e.ID, ids[e.ID])
		}
	}
}

// SIGINT stops generating, flushes what was emitted to every sink, reports,
// and exits 0 when all of it was delivered.
func TestInterruptFlushesAndReports(t *testing.T) {
	f := newFlaky(t, 0, 0)
	path := filepath.Join(t.TempDir(), "ev.ndjson")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "run", "--transport", "inproc", "--speed", "600",
		"--events", "webhook:http://"+f.addr+"/e;bulk=50;interval=2s", "--events", path, "--log-level", "error")
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	stderr := errOut.String()
	if err != nil {
		t.Fatalf("core-sim after SIGINT: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "interrupted at") || !strings.Contains(stderr, "all delivered") {
		t.Fatalf("no interruption report:\n%s", stderr)
	}
	total, bySink, _ := delivered(t, stderr)
	if total == 0 || bySink["file:"+path] != total || bySink["webhook:http://"+f.addr+"/e"] != total {
		t.Fatalf("report %v for %d events:\n%s", bySink, total, stderr)
	}
	f.mu.Lock()
	got := len(f.ids)
	f.mu.Unlock()
	if int64(got) != total {
		t.Fatalf("receiver has %d events, core-sim emitted %d (the bulk interval was still running at SIGINT)", got, total)
	}
	file, _ := os.ReadFile(path)
	if int64(bytes.Count(file, []byte("\n"))) != total {
		t.Fatalf("file has %d lines, %d events", bytes.Count(file, []byte("\n")), total)
	}
}

// scrapeRun starts core-sim with args and --metrics on a free loopback
// port, and scrapes /metrics until done says the core_sim_ series (and
// the whole body) are what it waits for, or fails after 20 s. The run is
// interrupted when the test ends.
func scrapeRun(t *testing.T, args []string, done func(values map[string]float64) bool) (map[string]float64, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary(t), append(append([]string{"run"}, args...), "--metrics", addr)...)
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	var values map[string]float64
	for {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed what the test waits for: %v\n%s", values, errOut.String())
		}
		time.Sleep(200 * time.Millisecond)
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		body, _ := readBody(res)
		values = map[string]float64{}
		for _, l := range strings.Split(body, "\n") {
			if strings.HasPrefix(l, "core_sim_") {
				i := strings.LastIndexByte(l, ' ')
				values[l[:i]], _ = strconv.ParseFloat(l[i+1:], 64)
			}
		}
		if done(values) {
			return values, body
		}
	}
}

// --metrics serves the run's counts while it runs.
func TestMetricsDuringARun(t *testing.T) {
	values, _ := scrapeRun(t, []string{"--transport", "inproc", "--speed", "600", "--events", "/dev/null",
		"--events", "stdout;types=1", "--log-level", "error"}, func(values map[string]float64) bool {
		return values[`core_sim_events_total{name="Update location",type="1"}`] > 0 &&
			values[`core_sim_request_duration_seconds_count{interface="gn",request="CreatePDPContext"}`] > 0 &&
			values[`core_sim_request_duration_seconds_count{interface="s6d",request="ULR"}`] > 0 &&
			values[`core_sim_sink_events_total{sink="stdout",type="1"}`] > 0 && values[`core_sim_sink_events_total{sink="file:/dev/null",type="2"}`] > 0
	})
	if values[`core_sim_sink_events_total{sink="stdout",type="2"}`] != 0 {
		t.Errorf("the stdout sink filtered to type 1 delivered type 2")
	}
	if values[`core_sim_sink_queue_capacity{sink="file:/dev/null"}`] <= 0 {
		t.Errorf("no queue capacity: %v", values)
	}
	if _, ok := values[`core_sim_endpoints{status="ONLINE"}`]; !ok {
		t.Errorf("no endpoints by status: %v", values)
	}
}

// --metrics with --procs serves the merged events, the parent's sinks and
// the lanes' endpoints by status and rejects, and no request latencies
// (those are the lanes' own).
func TestProcsServeMetrics(t *testing.T) {
	_, body := scrapeRun(t, []string{"--procs", "2", "--transport", "inproc", "--speed", "600", "--events", "/dev/null",
		"--log-level", "error"}, func(values map[string]float64) bool {
		endpoints := 0.0
		for _, st := range []string{"ONLINE", "ATTACHED", "OFFLINE", "BLOCKED"} {
			endpoints += values[`core_sim_endpoints{status="`+st+`"}`]
		}
		rejects := 0.0
		for k, v := range values {
			if strings.HasPrefix(k, "core_sim_rejects_total{") {
				rejects += v
			}
		}
		return values[`core_sim_events_total{name="Update location",type="1"}`] > 0 &&
			values[`core_sim_sink_events_total{sink="file:/dev/null",type="1"}`] > 0 &&
			values[`core_sim_endpoints{status="ATTACHED"}`] > 0 && endpoints == 100 && rejects > 0
	})
	if strings.Contains(body, "core_sim_request_duration_seconds") {
		t.Errorf("request latencies served with --procs (they are the lanes'):\n%s", body)
	}
}

func readBody(res *http.Response) (string, error) {
	defer res.Body.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(res.Body)
	return b.String(), err
}

// The usage stream: records every 45 s once 100 KB were used, one at the
// close; they add up to the Delete PDP Context's volume; and asking for
// them leaves the event stream byte for byte as it was.
func TestUsageStream(t *testing.T) {
	dir := t.TempDir()
	plain, withUsage, usage := filepath.Join(dir, "plain.ndjson"), filepath.Join(dir, "ev.ndjson"), filepath.Join(dir, "usage.ndjson")
	if _, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", plain, "--log-level", "error"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if _, stderr, err := runCore(t, "run", "--transport", "inproc", "--events", withUsage, "--events", "file:"+usage+";stream=usage", "--log-level", "error"); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	a, _ := os.ReadFile(plain)
	b, _ := os.ReadFile(withUsage)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatal("the event stream changed when the usage stream was asked for")
	}
	type rec struct {
		ID             int64
		StartTimestamp string `json:"start_timestamp"`
		EndTimestamp   string `json:"end_timestamp"`
		SessionID      string `json:"session_id"`
		Volume         struct{ Total, Rx, Tx float64 }
		TrafficType    struct{ ID int } `json:"traffic_type"`
	}
	type session struct {
		recs   []rec
		closed float64 // the Delete PDP Context's volume.total; -1 while open
	}
	sessions := map[string]*session{}
	ub, _ := os.ReadFile(usage)
	lines := strings.Split(strings.TrimSpace(string(ub)), "\n")
	if len(lines) < 100 {
		t.Fatalf("%d usage records", len(lines))
	}
	for i, l := range lines {
		var r rec
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != int64(i+1) || r.TrafficType.ID != 5 || r.SessionID == "" {
			t.Fatalf("record %d: %s", i+1, l)
		}
		if math.Abs(r.Volume.Total-r.Volume.Rx-r.Volume.Tx) > 2e-6 {
			t.Fatalf("record %d: total is not rx+tx: %s", r.ID, l)
		}
		s := sessions[r.SessionID]
		if s == nil {
			s = &session{closed: -1}
			sessions[r.SessionID] = s
		}
		s.recs = append(s.recs, r)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(a)), "\n") {
		var e struct {
			EventType struct{ ID int } `json:"event_type"`
			Detail    struct {
				SessionID string `json:"session_id"`
				Volume    struct{ Total float64 }
			}
		}
		json.Unmarshal([]byte(l), &e)
		if e.EventType.ID == 5 {
			if s := sessions[e.Detail.SessionID]; s != nil {
				s.closed = e.Detail.Volume.Total
			} else if e.Detail.Volume.Total > 0 {
				t.Fatalf("session %s closed with %v MB and no usage record", e.Detail.SessionID, e.Detail.Volume.Total)
			}
		}
	}
	closed := 0
	for id, s := range sessions {
		sum := 0.0
		for i, r := range s.recs {
			sum += r.Volume.Total
			start, _ := time.Parse("2006-01-02T15:04:05.000Z", r.StartTimestamp)
			end, _ := time.Parse("2006-01-02T15:04:05.000Z", r.EndTimestamp)
			if i > 0 && r.StartTimestamp != s.recs[i-1].EndTimestamp {
				t.Fatalf("session %s: record %d starts at %s, the last ended at %s", id, r.ID, r.StartTimestamp, s.recs[i-1].EndTimestamp)
			}
			last := i == len(s.recs)-1 && s.closed >= 0
			if !last {
				// An interim record: on a 45 s tick, with 100 KB at least.
				if d := end.Sub(start); d <= 0 || d%(45*time.Second) != 0 || r.Volume.Total < 0.1 {
					t.Fatalf("session %s: interim record %d covers %v with %v MB", id, r.ID, d, r.Volume.Total)
				}
			}
		}
		if s.closed >= 0 {
			closed++
			if math.Abs(sum-s.closed) > 1e-5*float64(len(s.recs)) {
				t.Fatalf("session %s: usage records add up to %v MB, its Delete PDP Context says %v", id, sum, s.closed)
			}
		}
	}
	if closed < 50 {
		t.Fatalf("only %d closed sessions to check", closed)
	}
}

// The platform's other spellings of timestamps and severities, per run or
// mixed at a ratio, the same every time for the same seed.
func TestSpellings(t *testing.T) {
	spelled := func(args ...string) (ts, sev map[string]int, out string) {
		stdout, stderr, err := runCore(t, append([]string{"run", "--transport", "inproc", "--log-level", "error"}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		ts, sev = map[string]int{}, map[string]int{}
		for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var e struct {
				Timestamp     string
				EventSeverity struct{ Description string } `json:"event_severity"`
			}
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatal(err)
			}
			switch {
			case regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(e.Timestamp):
				ts["zulu"]++
			case regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`).MatchString(e.Timestamp):
				ts["offset"]++
			case regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(e.Timestamp):
				ts["space"]++
			default:
				t.Fatalf("timestamp %q", e.Timestamp)
			}
			sev[e.EventSeverity.Description]++
		}
		return ts, sev, stdout
	}
	ts, sev, _ := spelled("--timestamps", "offset", "--severities", "upper")
	if len(ts) != 1 || ts["offset"] == 0 || sev["Info"]+sev["Warn"] != 0 || sev["INFO"] == 0 || sev["WARN"] == 0 {
		t.Fatalf("offset/upper: %v %v", ts, sev)
	}
	ts, sev, a := spelled("--timestamps", "mixed", "--severities", "mixed", "--mix", "0.3")
	n := ts["zulu"] + ts["offset"] + ts["space"]
	if odd := float64(ts["offset"]+ts["space"]) / float64(n); odd < 0.25 || odd > 0.35 || ts["offset"] == 0 || ts["space"] == 0 {
		t.Fatalf("mixed at 0.3: %v", ts)
	}
	if up := float64(sev["INFO"]+sev["WARN"]) / float64(n); up < 0.25 || up > 0.35 {
		t.Fatalf("mixed severities at 0.3: %v", sev)
	}
	if _, _, b := spelled("--timestamps", "mixed", "--severities", "mixed", "--mix", "0.3"); a != b {
		t.Fatal("the same run spelled its events differently")
	}
	for _, c := range [][]string{{"--timestamps", "iso"}, {"--severities", "lower"}, {"--timestamps", "mixed", "--mix", "1.5"}} {
		_, stderr, err := runCore(t, append([]string{"run", "--transport", "inproc"}, c...)...)
		if err == nil || !strings.Contains(stderr, c[len(c)-2]) {
			t.Errorf("%v: accepted or unclear:\n%s", c, stderr)
		}
	}
}

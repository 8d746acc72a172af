package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

func newFlaky(t *testing.T) *flaky {
	f := &flaky{ids: map[int64]int{}, failures: map[string]int{}, restart: 121}
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
			f := newFlaky(t)
			url := "http://" + f.addr + "/events"
			spec := "webhook:" + url + ";timeout=300ms;header=Authorization: Bearer t0k3n"
			if mode == "bulk" {
				spec += ";bulk=20;interval=20ms"
				f.restart = 41
			}
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
	f := newFlaky(t)
	f.never = http.StatusServiceUnavailable
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
	f := newFlaky(t)
	f.restart = 0
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

var _ = fmt.Sprint

// --metrics serves the run's counts while it runs.
func TestMetricsDuringARun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "run", "--transport", "inproc", "--speed", "600", "--metrics", addr,
		"--events", "/dev/null", "--events", "stdout;types=1", "--log-level", "error")
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}()
	values := map[string]float64{}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed events and latencies: %v\n%s", values, errOut.String())
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
		if values[`core_sim_events_total{name="Update location",type="1"}`] > 0 &&
			values[`core_sim_request_duration_seconds_count{interface="gn",request="CreatePDPContext"}`] > 0 &&
			values[`core_sim_request_duration_seconds_count{interface="s6d",request="ULR"}`] > 0 &&
			values[`core_sim_sink_events_total{sink="stdout",type="1"}`] > 0 && values[`core_sim_sink_events_total{sink="file:/dev/null",type="2"}`] > 0 {
			break
		}
	}
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

func readBody(res *http.Response) (string, error) {
	defer res.Body.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(res.Body)
	return b.String(), err
}

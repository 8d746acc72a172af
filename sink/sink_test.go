package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSink records what it is sent and fails as told.
type fakeSink struct {
	mu       sync.Mutex
	got      []int64 // ids, in the order delivered
	calls    int
	fail     func(call int, recs []Record) error
	batching Batching
	block    chan struct{} // set: Send waits for it
	closed   bool
}

func (f *fakeSink) Send(_ context.Context, recs []Record) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls, recs); err != nil {
			return err
		}
	}
	for _, r := range recs {
		f.got = append(f.got, r.ID)
	}
	return nil
}

func (f *fakeSink) Batching() Batching { return f.batching }
func (f *fakeSink) Close() error       { f.closed = true; return nil }

func (f *fakeSink) ids() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.got...)
}

// submit sends ids first..last in batches of size n, each record of type
// (id%3)+1 and alert when id%5 == 0.
func submit(p *Pipeline, first, last int64, n int) {
	for id := first; id <= last; {
		b := NewBatch(KindEvent)
		for ; id <= last && b.Len() < n; id++ {
			k := len(b.Buf)
			b.Buf = strconv.AppendInt(b.Buf, id%7, 10)
			v := len(b.Buf)
			b.Buf = fmt.Appendf(b.Buf, `{"id":%d}`, id)
			b.Add(id, int(id%3)+1, id%5 == 0, k, v)
		}
		b.Seal()
		p.Submit(b)
	}
}

func spec(t *testing.T, s string) Spec {
	t.Helper()
	sp, err := ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func fast() Options {
	return Options{Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, GiveUp: 5 * time.Second}
}

func wantIDs(t *testing.T, got []int64, first, last int64) {
	t.Helper()
	if int64(len(got)) != last-first+1 {
		t.Fatalf("got %d records, want %d", len(got), last-first+1)
	}
	for i, id := range got {
		if id != first+int64(i) {
			t.Fatalf("record %d has id %d, want %d (order lost)", i, id, first+int64(i))
		}
	}
}

func TestRetriesUntilDelivered(t *testing.T) {
	f := &fakeSink{fail: func(call int, _ []Record) error {
		if call%3 != 0 { // two failures before every success
			return errors.New("connection reset")
		}
		return nil
	}, batching: Batching{Max: 100}}
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, fast())
	submit(p, 1, 1000, 256)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, f.ids(), 1, 1000)
	s := p.Runners()[0].Stats()
	if s.Delivered != 1000 || s.Failed != 0 || s.Retries != 2*s.Deliveries || s.Deliveries < 10 {
		t.Fatalf("stats %+v", s)
	}
	if !f.closed {
		t.Fatal("sink not closed")
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var at []time.Time
	f := &fakeSink{fail: func(call int, _ []Record) error {
		at = append(at, time.Now())
		if call == 1 {
			return RetryAfter(150*time.Millisecond, errors.New("429 Too Many Requests"))
		}
		return nil
	}}
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, fast())
	submit(p, 1, 10, 10)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if len(at) != 2 || at[1].Sub(at[0]) < 150*time.Millisecond {
		t.Fatalf("attempts at %v: want the second 150ms after the first", at)
	}
}

func TestPermanentErrorFailsTheSink(t *testing.T) {
	f := &fakeSink{fail: func(call int, recs []Record) error {
		if recs[0].ID > 300 {
			return Permanent(errors.New("400 Bad Request: bad field"))
		}
		return nil
	}, batching: Batching{Max: 100}}
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, fast())
	submit(p, 1, 1000, 100)
	select {
	case <-p.Failed():
	case <-time.After(5 * time.Second):
		t.Fatal("pipeline did not report the failure")
	}
	err := p.Close()
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: bad field") {
		t.Fatalf("Close: %v", err)
	}
	s := p.Runners()[0].Stats()
	if s.Delivered != 300 || s.Failed != 700 || s.Delivered+s.Failed != s.Accepted {
		t.Fatalf("stats %+v: want 300 delivered, 700 not", s)
	}
}

func TestGivesUpAfterTheLimit(t *testing.T) {
	f := &fakeSink{fail: func(int, []Record) error { return errors.New("503 Service Unavailable") }}
	o := fast()
	o.GiveUp = 100 * time.Millisecond
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, o)
	start := time.Now()
	submit(p, 1, 50, 10)
	err := p.Close()
	if err == nil || !strings.Contains(err.Error(), "gave up after 100ms") {
		t.Fatalf("Close: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("giving up took %v", took)
	}
	if s := p.Runners()[0].Stats(); s.Failed != 50 || s.Delivered != 0 || s.Retries == 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestAbortStopsRetrying(t *testing.T) {
	f := &fakeSink{fail: func(int, []Record) error { return errors.New("timeout") }}
	o := fast()
	o.GiveUp = time.Hour
	o.Backoff, o.MaxBackoff = 50*time.Millisecond, 50*time.Millisecond
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, o)
	submit(p, 1, 20, 10)
	time.AfterFunc(100*time.Millisecond, p.Abort)
	err := p.Close()
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Close: %v", err)
	}
	if s := p.Runners()[0].Stats(); s.Failed != 20 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBlockHoldsTheProducer(t *testing.T) {
	f := &fakeSink{block: make(chan struct{})}
	o := fast()
	o.Queue = 1024 // 4 batches of 256, plus 2 slots
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, o)
	// The runner holds up to a sink's batch (4096 records, 16 batches)
	// before it sends; with the queue's 6, at most 22 batches get in.
	const batches = 40
	done := make(chan struct{})
	go func() {
		submit(p, 1, 256*batches, 256)
		close(done)
	}()
	select {
	case <-done:
		t.Fatalf("%d batches went into a queue of 6 while the sink was stuck", batches)
	case <-time.After(200 * time.Millisecond):
	}
	if q := len(p.runners[0].queue); q != cap(p.runners[0].queue) {
		t.Errorf("the producer is held with %d of %d queue slots taken", q, cap(p.runners[0].queue))
	}
	close(f.block)
	<-done
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, f.ids(), 1, 256*batches)
}

func TestDropCountsEveryDrop(t *testing.T) {
	f := &fakeSink{block: make(chan struct{})}
	o := fast()
	o.Queue = 1024
	o.Overflow = Drop
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, o)
	submit(p, 1, 256*20, 256) // never blocks
	close(f.block)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	s := p.Runners()[0].Stats()
	if s.Dropped == 0 || s.Delivered+s.Dropped != 256*20 || int64(len(f.ids())) != s.Delivered {
		t.Fatalf("stats %+v, %d received", s, len(f.ids()))
	}
}

func TestFilterAndFanOut(t *testing.T) {
	all, some := &fakeSink{}, &fakeSink{}
	p := Start([]Target{
		{Spec: spec(t, "stdout"), Sink: all},
		{Spec: spec(t, "file:x;types=1,3;alert=true"), Sink: some},
	}, fast())
	submit(p, 1, 999, 256)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, all.ids(), 1, 999)
	var want []int64
	for id := int64(1); id <= 999; id++ {
		if typ := id%3 + 1; (typ == 1 || typ == 3) && id%5 == 0 {
			want = append(want, id)
		}
	}
	if got := some.ids(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("filtered sink got %d records, want %d", len(got), len(want))
	}
	s := p.Runners()[1].Stats()
	if s.Filtered+s.Delivered != 999 || s.ByType[2] != 0 || s.ByType[1]+s.ByType[3] != s.Delivered {
		t.Fatalf("stats %+v", s)
	}
}

func TestStreamKindRoutes(t *testing.T) {
	ev, us := &fakeSink{}, &fakeSink{}
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: ev}, {Spec: spec(t, "file:u;stream=usage"), Sink: us}}, fast())
	if !p.Wants(KindUsage) || !p.Wants(KindEvent) {
		t.Fatal("Wants")
	}
	submit(p, 1, 10, 10)
	b := NewBatch(KindUsage)
	b.Buf = append(b.Buf, "{}"...)
	b.Add(1, 0, false, 0, 0)
	b.Seal()
	p.Submit(b)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if len(ev.ids()) != 10 || len(us.ids()) != 1 {
		t.Fatalf("events sink got %d, usage sink got %d", len(ev.ids()), len(us.ids()))
	}
}

func TestBulkIntervalAndMax(t *testing.T) {
	var sizes []int
	var mu sync.Mutex
	f := &fakeSink{batching: Batching{Max: 40, Interval: 50 * time.Millisecond}, fail: func(_ int, recs []Record) error {
		mu.Lock()
		sizes = append(sizes, len(recs))
		mu.Unlock()
		return nil
	}}
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: f}}, fast())
	submit(p, 1, 100, 100) // 40 + 40 at once, 20 after the interval
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	early := fmt.Sprint(sizes)
	mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	late := fmt.Sprint(sizes)
	mu.Unlock()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if early != "[40 40]" || late != "[40 40 20]" {
		t.Fatalf("posts before the interval %s, after %s; want [40 40] then [40 40 20]", early, late)
	}
	wantIDs(t, f.ids(), 1, 100)
}

func TestFlushWaitsForDelivery(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter("test", &buf)
	p := Start([]Target{{Spec: spec(t, "stdout"), Sink: w}}, fast())
	submit(p, 1, 3, 10)
	p.Flush()
	if got := buf.String(); got != "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n" {
		t.Fatalf("after Flush: %q", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

// newFile opens a file sink on ev.ndjson in a temporary directory, with
// the spec's options opts (";rotate=..."); it returns the path too.
func newFile(t *testing.T, opts string) (Spec, *Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ev.ndjson")
	s := spec(t, "file:"+path+opts)
	f, err := NewFile(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, f, path
}

func TestFileRotation(t *testing.T) {
	s, f, path := newFile(t, ";rotate=100B;keep=2")
	p := Start([]Target{{Spec: s, Sink: f}}, fast())
	submit(p, 1, 40, 7) // lines of 9-10 bytes: 10 a file
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, name := range []string{path + ".2", path + ".1", path} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 100 {
			t.Fatalf("%s has %d bytes, over rotate=100B", name, len(b))
		}
		lines = append(lines, strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")...)
	}
	if _, err := os.Stat(path + ".3"); !os.IsNotExist(err) {
		t.Fatalf("keep=2 kept a third file: %v", err)
	}
	// The newest 3 files hold the last events, in order, none split.
	last := lines[len(lines)-1]
	if last != `{"id":40}` {
		t.Fatalf("last line %q", last)
	}
	for i := 1; i < len(lines); i++ {
		var a, b int
		fmt.Sscanf(lines[i-1], `{"id":%d}`, &a)
		fmt.Sscanf(lines[i], `{"id":%d}`, &b)
		if b != a+1 {
			t.Fatalf("line %q follows %q", lines[i], lines[i-1])
		}
	}
}

func TestParseSpec(t *testing.T) {
	for _, c := range []struct{ in, kind, target, err string }{
		{"-", "stdout", "", ""},
		{"stdout", "stdout", "", ""},
		{"out.ndjson", "file", "out.ndjson", ""},
		{"/dev/null", "file", "/dev/null", ""},
		{"file:a.ndjson;rotate=1MB", "file", "a.ndjson", ""},
		{"webhook:https://h.example/p?x=1;bulk=10;header=Authorization: Bearer a=b", "webhook", "https://h.example/p?x=1", ""},
		{"kafka:127.0.0.1:9092,127.0.0.2:9092/events", "kafka", "127.0.0.1:9092,127.0.0.2:9092/events", ""},
		{"", "", "", "empty"},
		{"http://x/y", "", "", "a URL needs a kind: webhook:http://x/y"},
		{"webhook:", "", "", "webhook needs a target"},
		{"stdout;types=1,x", "", "", `option types: "x" is not an event type id`},
		{"stdout;alert=maybe", "", "", `option alert: "maybe": want true or false`},
		{"stdout;stream=logs", "", "", `option stream: "logs": want events or usage`},
		{"stdout;=1", "", "", `option "=1" has no name`},
	} {
		s, err := ParseSpec(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || s.Kind != c.kind || s.Target != c.target {
			t.Errorf("%q: %+v, %v", c.in, s, err)
		}
	}
	s := spec(t, "webhook:http://h/p;header=A: 1;header=B: 2;bulk=5;junk=1")
	if got := s.All("header"); len(got) != 2 || got[1] != "B: 2" {
		t.Errorf("headers %q", got)
	}
	if err := s.Check("header", "bulk"); err == nil || !strings.Contains(err.Error(), "option junk: unknown for a webhook sink") {
		t.Errorf("Check: %v", err)
	}
	if _, err := spec(t, "file:x;rotate=lots").Size("rotate", 0); err == nil || !strings.Contains(err.Error(), `"lots" is not a size`) {
		t.Errorf("Size: %v", err)
	}
	for in, want := range map[string]int64{"100": 100, "64KiB": 65536, "100MB": 100e6, "1GiB": 1 << 30} {
		if n, err := ParseSize(in); err != nil || n != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, n, err)
		}
	}
}

// BenchmarkPipelineToFile moves b.N event-sized records through a runner
// (queue, batching) into a file sink writing to io.Discard.
func BenchmarkPipelineToFile(b *testing.B) {
	w := NewWriter("discard", io.Discard)
	p := Start([]Target{{Spec: Spec{Raw: "x", Kind: "file", Target: "x"}, Sink: w}}, Options{})
	pad := strings.Repeat("x", 640)
	b.ResetTimer()
	for id := int64(1); id <= int64(b.N); {
		bt := NewBatch(KindEvent)
		for ; id <= int64(b.N) && bt.Len() < 256; id++ {
			k := len(bt.Buf)
			bt.Buf = strconv.AppendInt(bt.Buf, id%1000, 10)
			v := len(bt.Buf)
			bt.Buf = fmt.Appendf(bt.Buf, `{"id":%d,"description":"%s"}`, id, pad)
			bt.Add(id, 3, false, k, v)
		}
		bt.Seal()
		p.Submit(bt)
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

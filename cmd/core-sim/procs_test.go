package main

import (
	"bytes"
	"context"
	bin "encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/core-sim/core-sim/sink"
)

// perIMSI is each IMSI's events as (timestamp, type, description), in order.
func perIMSI(t *testing.T, stream []byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, e := range parseEvents(t, stream) {
		var imsi struct{ IMSI string }
		_ = json.Unmarshal(e["imsi"], &imsi)
		out[imsi.IMSI] = append(out[imsi.IMSI], e.str("timestamp")+" "+fmt.Sprint(e.typ())+" "+e.str("description"))
	}
	return out
}

// A run in two processes: every event of the one-process run, each
// device's in the same order at the same virtual times, numbered 1 to n in
// time order; the same bytes on every run and on both transports; the
// usage stream numbered apart and complete.
func TestProcsMergeTheLanes(t *testing.T) {
	dir := t.TempDir()
	one, _ := runDefault(t, "--transport", "inproc", "--log-level", "warn")
	usage := filepath.Join(dir, "usage.ndjson")
	tcp, stderr := runDefault(t, "--procs", "2", "--transport", "tcp", "--log-level", "warn",
		"--events", "stdout", "--events", "file:"+usage+";stream=usage")
	evs := checkStream(t, tcp) // ids 1..n, the platform's keys in order
	if len(evs) != len(parseEvents(t, one)) {
		t.Errorf("%d events in two processes, %d in one", len(evs), len(parseEvents(t, one)))
	}
	last := ""
	for i, e := range evs {
		if ts := e.str("timestamp"); ts < last {
			t.Fatalf("event %d at %s after one at %s", i+1, ts, last)
		} else {
			last = ts
		}
	}
	if a, b := perIMSI(t, one), perIMSI(t, tcp); !reflect.DeepEqual(a, b) {
		for imsi := range a {
			if !reflect.DeepEqual(a[imsi], b[imsi]) {
				t.Fatalf("IMSI %s in one process:\n%s\nin two:\n%s", imsi, strings.Join(a[imsi], "\n"), strings.Join(b[imsi], "\n"))
			}
		}
		t.Fatalf("the two runs have different IMSIs: %d and %d", len(a), len(b))
	}
	for _, want := range []string{"(2 processes)", "events by type (" + fmt.Sprint(len(evs)) + " in all)", "endpoints by status",
		"sink stdout: " + fmt.Sprint(len(evs)) + " delivered"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	again, _ := runDefault(t, "--procs", "2", "--transport", "tcp", "--log-level", "warn")
	inproc, _ := runDefault(t, "--procs", "2", "--transport", "inproc", "--log-level", "warn")
	if !bytes.Equal(tcp, again) || !bytes.Equal(tcp, inproc) {
		t.Errorf("two processes: tcp twice and inproc differ (%d, %d, %d bytes)", len(tcp), len(again), len(inproc))
	}
	// Each lane's GGSN hands out its own addresses: no address held by
	// two endpoints at once.
	holder := map[string]string{}
	sessions, contexts := map[string]bool{}, map[int64]bool{}
	for _, e := range evs {
		var d struct {
			Session string `json:"session_id"`
			PDP     struct {
				IP string `json:"ue_ip_address"`
				ID int64  `json:"pdp_context_id"`
			} `json:"pdp_context"`
		}
		_ = json.Unmarshal(e["detail"], &d)
		var ep struct{ ID int64 }
		_ = json.Unmarshal(e["endpoint"], &ep)
		ip := d.PDP.IP
		switch e.typ() {
		case 3:
			if d.PDP.ID != 0 && (sessions[d.Session] || contexts[d.PDP.ID]) {
				t.Fatalf("session %s (PDP context %d) created twice: the lanes' ids collide", d.Session, d.PDP.ID)
			}
			sessions[d.Session], contexts[d.PDP.ID] = true, true
			if h, ok := holder[ip]; ok && ip != "" && h != fmt.Sprint(ep.ID) {
				t.Fatalf("address %s given to endpoint %d while endpoint %s holds it", ip, ep.ID, h)
			}
			holder[ip] = fmt.Sprint(ep.ID)
		case 5:
			delete(holder, ip)
		}
	}
	b, err := os.ReadFile(usage)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 100 {
		t.Fatalf("%d usage records", len(lines))
	}
	for i, l := range lines {
		var r struct{ ID int }
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.ID != i+1 {
			t.Fatalf("usage record %d: id %d (%v): %s", i+1, r.ID, err, l)
		}
	}
}

func TestProcsRefusesWhatItCannotSplit(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--procs", "0"}, "--procs 0: want 1 to 64"},
		{[]string{"--procs", "65"}, "--procs 65: want 1 to 64"},
		{[]string{"--procs", "2", "--pcap", "x.pcap"}, "--pcap cannot be combined with --procs"},
		{[]string{"--procs", "2", "--transport", "quic"}, `--transport "quic"`},
		{[]string{"--lane", "2/2"}, "want K/N"},
	} {
		_, stderr, err := runCore(t, append([]string{"run"}, c.args...)...)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("run %v: %v, stderr %q; want it refused with %q", c.args, err, stderr, c.want)
		}
	}
}

// frame is one record frame as a lane writes it.
func frame(kind byte, at int64, value string) []byte {
	var h [17]byte
	h[0] = kind
	bin.LittleEndian.PutUint64(h[1:], uint64(at))
	bin.LittleEndian.PutUint16(h[9:], 1)
	bin.LittleEndian.PutUint32(h[13:], uint32(len(value)))
	return append(h[:], value...)
}

func summaryFrame(s laneSummary) []byte {
	b, _ := json.Marshal(s)
	var h [5]byte
	h[0] = frameSummary
	bin.LittleEndian.PutUint32(h[1:], uint32(len(b)))
	return append(h[:], b...)
}

func markFrame(at int64) []byte {
	var h [9]byte
	h[0] = frameMark
	bin.LittleEndian.PutUint64(h[1:], uint64(at))
	return h[:]
}

// readChunks runs readLane on b and returns its chunks.
func readChunks(b []byte) []laneChunk {
	ch := make(chan laneChunk, 100)
	readLane(3, bytes.NewReader(b), ch, func() {}, new(laneCounts))
	var out []laneChunk
	for c := range ch {
		out = append(out, c)
	}
	return out
}

// A broken lane stream is an error that names the lane and the byte, never
// a crash or a silent loss.
func TestReadLaneRefusesBrokenStreams(t *testing.T) {
	good := append(frame(frameEvent, 5, `,"a":1}`), summaryFrame(laneSummary{Total: 1})...)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"no summary", frame(frameEvent, 5, `,"a":1}`), "lane 3: its output ended without its summary (after 24 bytes)"},
		{"cut record", frame(frameEvent, 5, `,"a":1}`)[:20], "lane 3: a record cut short at byte 1"},
		{"unknown frame", []byte("Z"), `lane 3: unknown frame 'Z' at byte 1`},
		{"back in time", append(frame(frameEvent, 5, "x"), frame(frameEvent, 4, "y")...), "lane 3: a record at byte 19 goes back in virtual time"},
		{"mark back in time", append(markFrame(9), frame(frameEvent, 4, "y")...), "lane 3: a record at byte 10 goes back in virtual time"},
		{"huge record", frame(frameEvent, 5, "")[:13:13], "cut short"},
		{"bad summary", append([]byte{frameSummary, 2, 0, 0, 0}, "{x"...), "lane 3: its summary at byte 1: invalid character"},
		{"cut status", []byte{frameCounts, 9, 0, 0, 0, '{'}, "lane 3: its status cut short at byte 1"},
		{"bad status", append([]byte{frameCounts, 2, 0, 0, 0}, "{x"...), "lane 3: its status at byte 1: invalid character"},
	} {
		chunks := readChunks(c.b)
		last := chunks[len(chunks)-1]
		if last.err == nil || !strings.Contains(last.err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, last.err, c.want)
		}
	}
	chunks := readChunks(good)
	if len(chunks) != 2 || len(chunks[0].recs) != 1 || string(chunks[0].recs[0].value) != `,"a":1}` || chunks[1].summary == nil ||
		chunks[1].summary.Total != 1 {
		t.Errorf("a good stream read as %+v", chunks)
	}
}

// A lane tells the parent its status (endpoints by status, rejects) with
// its records and marks, once for each status its simulation took; the
// parent's progress line and metrics show the lanes' sum.
func TestLanesTellTheirStatus(t *testing.T) {
	var buf bytes.Buffer
	o := newLaneOutput(nopWriteCloser{&buf}, false)
	o.Mark(10) // no status taken yet
	o.status.Store(&laneStatus{Online: 2, Attached: 1, Blocked: 1, Rejects: map[string]int{"DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)": 3}})
	o.Mark(20) // sent
	o.Mark(30) // the same status: not sent again
	o.Mark(25) // not a mark (not after the last), and the same status
	o.status.Store(&laneStatus{Online: 2, Attached: 2, Blocked: 1})
	o.Submit(sink.NewBatch(sink.KindEvent)) // sent with records
	if err := o.summary(laneSummary{Total: 0}); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte(`"online":2`)); n != 2 {
		t.Fatalf("%d statuses sent in %q, want 2", n, buf.Bytes())
	}
	counts := make([]laneCounts, 2)
	ch := make(chan laneChunk, 10)
	readLane(1, bytes.NewReader(buf.Bytes()), ch, func() {}, &counts[1])
	for c := range ch {
		if c.err != nil {
			t.Fatal(c.err)
		}
	}
	counts[0].online.Store(3) // the other lane's
	if got := [3]int64{counts[1].online.Load(), counts[1].attached.Load(), counts[1].blocked.Load()}; got != [3]int64{2, 2, 1} {
		t.Fatalf("read counts %v, want [2 2 1]", got)
	}
	if r := counts[1].rejects.Load(); r == nil || len(*r) != 0 {
		t.Fatalf("rejects after the second status: %v, want none", r)
	}
	online, attached, blocked, _ := sumLanes(counts)
	line := progressLine(1234, 567.8, online, attached, blocked, 20, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), "1m0s")
	if want := "1234 events, 568/s | online 5 attached 2 offline 12 blocked 1 | 2026-11-26 10:00:00 | ETA 1m0s"; line != want {
		t.Fatalf("progress line %q, want %q", line, want)
	}
}

// --check in several processes reports what it reports in one: the same
// expectations failed, on the same devices, at the same times, in the same
// words, and the same exit status; for expectations that hold, and for one
// of every kind that fails (the outage-fallback scenario with its
// expectations turned round).
func TestProcsCheckLikeOneProcess(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "outage-fallback.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(b), "\nexpect:\n")
	if !ok {
		t.Fatal("outage-fallback.yaml has no expectations to replace")
	}
	failing := filepath.Join(t.TempDir(), "failing.yaml")
	if err := os.WriteFile(failing, []byte(head+`
expect:
  - ends_on_profile: {fleet: meters, profile: NL}
  - switches_per_hour: {fleet: meters, max: 0}
  - switches_per_hour: {fleet: meters, min: 5}
  - event: {type: 1, cause: "IMSI='2040899007", max: 3}
  - event: {type: 1, cause: "no such text", min: 1}
  - without_service: {fleet: meters, max: 1s}
  - without_service: {fleet: meters, min: 10h}
  - offline_after_outage: {fleet: meters, within: 1s}
  - status: {fleet: meters, status: BLOCKED}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(args ...string) (string, error) {
		_, stderr, err := runCore(t, append([]string{"run"}, append(args, "--check", "--events", os.DevNull, "--log-level", "error")...)...)
		var lines []string
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, "expectations:") || strings.HasPrefix(l, "FAIL ") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n"), err
	}
	for _, sc := range []string{failing, "outage-fallback", "border-pingpong-bug"} {
		one, oneErr := check(sc)
		if !strings.HasPrefix(one, "expectations:") {
			t.Fatalf("%s: no report of the expectations in one process:\n%s", sc, one)
		}
		for _, procs := range []string{"2", "3"} {
			got, err := check(sc, "--procs", procs)
			if got != one || (err == nil) != (oneErr == nil) {
				t.Errorf("%s, --procs %s: %v\n%s\nin one process: %v\n%s", sc, procs, err, got, oneErr, one)
			}
		}
		if sc == failing && (oneErr == nil || strings.Count(one, "FAIL ") != 8) {
			t.Errorf("the failing scenario: %v, %d failures, want 8:\n%s", oneErr, strings.Count(one, "FAIL "), one)
		}
		if sc != failing && (oneErr != nil || strings.Contains(one, "FAIL ")) {
			t.Errorf("%s failed its expectations: %v\n%s", sc, oneErr, one)
		}
	}
}

// collect is a sink.Output-like pipeline stand-in: the merge submits to a
// real Pipeline with a writer sink.
func mergeOf(t *testing.T, streams ...[]byte) (string, error) {
	t.Helper()
	var out bytes.Buffer
	spec := sink.Spec{Raw: "buf", Kind: "writer"}
	p := sink.Start([]sink.Target{{Spec: spec, Sink: sink.NewWriter("buf", &out)}}, sink.Options{})
	m := &merger{out: p, batch: 2}
	lanes := make([]lane, len(streams))
	for k, b := range streams {
		ch := make(chan laneChunk, 100)
		readLane(k, bytes.NewReader(b), ch, func() {}, new(laneCounts))
		lanes[k].ch = ch
	}
	err := m.run(lanes)
	if cerr := p.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	return out.String(), err
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// The merge orders records by virtual time, then by lane, numbers them,
// and ends with the lanes; a failed lane fails it.
func TestMergeOrdersByTimeThenLane(t *testing.T) {
	end := summaryFrame(laneSummary{})
	got, err := mergeOf(t,
		cat(frame(frameEvent, 1, `,"l":0}`), frame(frameEvent, 5, `,"l":0}`), markFrame(9), frame(frameEvent, 9, `,"l":0}`), end),
		cat(frame(frameEvent, 5, `,"l":1}`), frame(frameEvent, 7, `,"l":1}`), frame(frameEvent, 9, `,"l":1}`), end),
		cat(markFrame(8), end))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"l":0}
{"id":2,"l":0}
{"id":3,"l":1}
{"id":4,"l":1}
{"id":5,"l":0}
{"id":6,"l":1}
`
	if got != want {
		t.Errorf("merged\n%s\nwant\n%s", got, want)
	}
	if _, err := mergeOf(t, cat(frame(frameEvent, 1, `}`), end), frame(frameEvent, 2, `}`)); err == nil ||
		!strings.Contains(err.Error(), "lane 1: its output ended without its summary") {
		t.Errorf("a lane that died: %v", err)
	}
}

func TestStripID(t *testing.T) {
	for in, want := range map[string]string{`{"id":12,"a":1}`: `,"a":1}`, `{"id":7}`: `}`} {
		if got, err := stripID([]byte(in)); err != nil || string(got) != want {
			t.Errorf("stripID(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{`{"id":,"a":1}`, `{"x":1}`, `{"id":12`, ``} {
		if _, err := stripID([]byte(in)); err == nil {
			t.Errorf("stripID(%s) accepted", in)
		}
	}
}

// At a finite speed the merged stream flows while the lanes wait for the
// wall clock (their marks say how far they are), and an interrupt reaches
// the lanes, whose events all reach the sinks, numbered without a gap.
func TestProcsInterruptDeliversEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ev.ndjson")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "run", "--procs", "2", "--transport", "tcp", "--speed", "600",
		"--events", path, "--log-level", "error")
	var errOut syncBuffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	mid, _ := os.ReadFile(path)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	stderr := errOut.String()
	if err != nil {
		t.Fatalf("core-sim --procs 2 after SIGINT: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "interrupted") || !strings.Contains(stderr, "all delivered") {
		t.Fatalf("no interruption report:\n%s", stderr)
	}
	if len(mid) == 0 {
		t.Errorf("no event reached the file in the first 2 s of a run at 600 times real time")
	}
	file, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(file)), "\n")
	for i, l := range lines {
		var e struct{ ID int }
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.ID != i+1 {
			t.Fatalf("line %d: id %d (%v)", i+1, e.ID, err)
		}
	}
	total, bySink, _ := delivered(t, stderr)
	if total != int64(len(lines)) || bySink["file:"+path] != total {
		t.Fatalf("report %v for %d events, the file has %d:\n%s", bySink, total, len(lines), stderr)
	}
	if strings.Contains(stderr, "24h0m0s of virtual time") {
		t.Errorf("the run went to its end: the interrupt did not reach the lanes\n%s", stderr)
	}
}

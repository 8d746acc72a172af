package main

// A run in several processes (run --procs N): the parent starts N copies
// of itself, each a lane with its own HLR, GGSN and serving nodes and
// every N-th device of the scenario; each lane encodes its events and
// sends them to the parent on its standard output, which merges them in
// virtual-time order, numbers them and hands them to the sinks. See
// docs/procs.md.

import (
	"bufio"
	"context"
	bin "encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/expect"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/sink"
)

// maxProcs is the most lanes a run may have.
const maxProcs = 64

// laneFlag is the hidden --lane K/N of a lane process.
type laneFlag struct {
	k, n  int
	usage bool // a sink of the parent takes the usage stream
}

// index and count are the lane's K and N; 0 and 1 for a run in one process.
func (l *laneFlag) index() int {
	if l == nil {
		return 0
	}
	return l.k
}

func (l *laneFlag) count() int {
	if l == nil || l.n == 0 {
		return 1
	}
	return l.n
}

func (l *laneFlag) String() string {
	if l.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", l.k, l.n)
}

func (l *laneFlag) Set(v string) error {
	k, n, ok := strings.Cut(v, "/")
	var err1, err2 error
	if ok {
		l.k, err1 = strconv.Atoi(k)
		l.n, err2 = strconv.Atoi(n)
	}
	if !ok || err1 != nil || err2 != nil || l.n < 2 || l.n > maxProcs || l.k < 0 || l.k >= l.n {
		return fmt.Errorf("want K/N with 2 <= N <= %d and 0 <= K < N, got %q", maxProcs, v)
	}
	return nil
}

// Frames a lane writes to the parent.
const (
	frameEvent   = 'E' // at int64, type uint16, alert uint8, key length uint8, value length uint32, key, value
	frameUsage   = 'U' // the same, for a usage record
	frameMark    = 'M' // at int64: no later record is earlier
	frameStarted = 'R' // the lane's fleet starts
	frameSummary = 'S' // length uint32, laneSummary as JSON: the lane's last frame
	frameCounts  = 'C' // length uint32, laneStatus as JSON: the lane's endpoints by status and rejects so far, for the progress line and metrics
)

// maxFrameValue bounds a record's bytes: a longer one is a broken stream.
const maxFrameValue = 16 << 20

// laneSummary is what a lane ends with.
type laneSummary struct {
	Total    int            `json:"total"`
	Usage    int64          `json:"usage"`
	ByType   map[int]int    `json:"by_type"`
	Rejects  map[string]int `json:"rejects"`
	ByStatus map[int]int    `json:"by_status"` // by events.Status
	Elapsed  time.Duration  `json:"elapsed"`
	Devices  int            `json:"devices"`
	Err      string         `json:"error,omitempty"`
	Check    []expect.Part  `json:"check,omitempty"` // with --check: what the lane's checker found, a part per expectation
}

// laneOutput is a lane's events.Output: each record as a frame on w, its
// id left out (the parent numbers the merged stream).
type laneOutput struct {
	mu      sync.Mutex
	status  atomic.Pointer[laneStatus] // the latest, from the simulation's goroutine (laneStatusEvery)
	written *laneStatus                // the last one sent
	w       *bufio.Writer
	closer  io.Closer
	usage   bool
	last    int64 // the latest time written: frames never go back in time
	usages  int64
	err     error
	failed  chan struct{}
}

func newLaneOutput(w io.WriteCloser, usage bool) *laneOutput {
	return &laneOutput{w: bufio.NewWriterSize(w, 256<<10), closer: w, usage: usage, failed: make(chan struct{})}
}

// fail keeps the first write error; under o.mu.
func (o *laneOutput) fail(err error) {
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("lane output to the parent process: %w", err)
		close(o.failed)
	}
}

// stripID is a record's JSON without its leading {"id":N.
func stripID(v []byte) ([]byte, error) {
	const head = `{"id":`
	if len(v) < len(head)+2 || string(v[:len(head)]) != head {
		return nil, fmt.Errorf("record %.40q does not start with its id", v)
	}
	i := len(head)
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == len(head) || i == len(v) || (v[i] != ',' && v[i] != '}') {
		return nil, fmt.Errorf("record %.40q does not start with its id", v)
	}
	return v[i:], nil
}

func (o *laneOutput) Submit(b *sink.Batch) {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer sink.Recycle(b)
	if o.err != nil {
		return
	}
	kind := byte(frameEvent)
	if b.Kind == sink.KindUsage {
		kind = frameUsage
	}
	var hdr [17]byte
	for _, r := range b.Records {
		rest, err := stripID(r.Value)
		if err != nil {
			o.fail(err)
			return
		}
		o.last = max(o.last, r.At)
		hdr[0] = kind
		bin.LittleEndian.PutUint64(hdr[1:], uint64(o.last))
		bin.LittleEndian.PutUint16(hdr[9:], uint16(r.Type))
		hdr[11] = 0
		if r.Alert {
			hdr[11] = 1
		}
		hdr[12] = uint8(len(r.Key))
		bin.LittleEndian.PutUint32(hdr[13:], uint32(len(rest)))
		o.w.Write(hdr[:])
		o.w.Write(r.Key)
		o.w.Write(rest)
		if kind == frameUsage {
			o.usages++
		}
	}
	o.count()
	o.fail(o.w.Flush())
}

// Mark writes a mark and sends what is buffered.
func (o *laneOutput) Mark(at int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil || at <= o.last {
		return
	}
	o.last = at
	var f [9]byte
	f[0] = frameMark
	bin.LittleEndian.PutUint64(f[1:], uint64(at))
	o.w.Write(f[:])
	o.count()
	o.fail(o.w.Flush())
}

// count sends the lane's latest status if it has not been sent; under o.mu.
func (o *laneOutput) count() {
	st := o.status.Load()
	if st == nil || st == o.written {
		return
	}
	o.written = st
	b, err := json.Marshal(st)
	if err != nil {
		o.fail(err)
		return
	}
	var h [5]byte
	h[0] = frameCounts
	bin.LittleEndian.PutUint32(h[1:], uint32(len(b)))
	o.w.Write(h[:])
	o.w.Write(b)
}

// laneStatus is what a lane tells the parent while it runs: its endpoints
// by status and its rejects by cause, so far.
type laneStatus struct {
	Online   int            `json:"online"`
	Attached int            `json:"attached"`
	Blocked  int            `json:"blocked"`
	Rejects  map[string]int `json:"rejects,omitempty"`
}

// watchStatus is the scheduler's watch for a lane (sim.Scheduler.Watch):
// the stream's mark, and the lane's status from its stream at most every
// laneStatusEvery. It runs on the simulation's goroutine, where reading the
// stream's counts waits for no one; the encoder's goroutine sends the
// status with the next records or mark.
func (o *laneOutput) watchStatus(stream *events.Stream) func(next int64) {
	var last time.Time
	return func(next int64) {
		stream.Mark(next)
		if now := time.Now(); now.Sub(last) >= laneStatusEvery {
			last = now
			sum := stream.Summary(0)
			o.status.Store(&laneStatus{Online: sum.ByStatus[events.StatusOnline], Attached: sum.ByStatus[events.StatusAttached],
				Blocked: sum.ByStatus[events.StatusBlocked], Rejects: sum.Rejects})
		}
	}
}

// laneStatusEvery is how often a lane takes its status: about as often as
// the progress line is drawn.
const laneStatusEvery = 250 * time.Millisecond

// sumLanes adds up what the lanes last told: endpoints by status and
// rejects by cause (each lane has its own devices).
func sumLanes(counts []laneCounts) (online, attached, blocked int, rejects map[string]int) {
	rejects = map[string]int{}
	for k := range counts {
		online += int(counts[k].online.Load())
		attached += int(counts[k].attached.Load())
		blocked += int(counts[k].blocked.Load())
		if r := counts[k].rejects.Load(); r != nil {
			for c, n := range *r {
				rejects[c] += n
			}
		}
	}
	return online, attached, blocked, rejects
}

// readJSONFrame reads the rest of a frame of JSON (its length, then that
// many bytes) into v: the bytes read, or what is wrong with them, naming
// the frame (what) and where it started.
func readJSONFrame(br *bufio.Reader, what string, offset int64, v any) (int64, string) {
	var h [4]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, fmt.Sprintf("its %s cut short at byte %d", what, offset)
	}
	n := bin.LittleEndian.Uint32(h[:])
	if n > maxFrameValue {
		return 0, fmt.Sprintf("a %s of %d bytes at byte %d", what, n, offset)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		return 0, fmt.Sprintf("its %s cut short at byte %d", what, offset)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return 0, fmt.Sprintf("its %s at byte %d: %v", what, offset, err)
	}
	return 4 + int64(n), ""
}

// laneCounts are a lane's endpoints by status and rejects as it last told
// them.
type laneCounts struct {
	online, attached, blocked atomic.Int64
	rejects                   atomic.Pointer[map[string]int]
}

// started tells the parent that the lane's fleet starts.
func (o *laneOutput) started() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.w.WriteByte(frameStarted)
	o.fail(o.w.Flush())
}

// summary writes the lane's last frame and closes the output.
func (o *laneOutput) summary(s laneSummary) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	s.Usage = o.usages
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var f [5]byte
	f[0] = frameSummary
	bin.LittleEndian.PutUint32(f[1:], uint32(len(b)))
	o.w.Write(f[:])
	o.w.Write(b)
	o.fail(o.w.Flush())
	if err := o.closer.Close(); o.err == nil && err != nil {
		o.fail(err)
	}
	return o.err
}

func (o *laneOutput) Flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		o.fail(o.w.Flush())
	}
}

func (o *laneOutput) Close() error {
	o.Flush()
	return o.Err()
}

func (o *laneOutput) Failed() <-chan struct{} { return o.failed }

func (o *laneOutput) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

func (o *laneOutput) Wants(k sink.Kind) bool {
	return k == sink.KindEvent || (k == sink.KindUsage && o.usage)
}

// summaryOf is a lane's summary from its stream's.
func summaryOf(sum events.Summary, elapsed time.Duration, devices int, runErr error) laneSummary {
	s := laneSummary{Total: sum.Total, ByType: map[int]int{}, Rejects: sum.Rejects, ByStatus: map[int]int{},
		Elapsed: elapsed, Devices: devices}
	for t, n := range sum.ByType {
		s.ByType[int(t)] = n
	}
	for st, n := range sum.ByStatus {
		s.ByStatus[int(st)] = n
	}
	if runErr != nil {
		s.Err = runErr.Error()
	}
	return s
}

// laneRecord is a record read from a lane, pointing into its chunk's bytes.
type laneRecord struct {
	at    int64
	kind  byte
	typ   int
	alert bool
	key   []byte
	value []byte // after the id
}

// laneChunk is what a lane's reader hands the merge at once.
type laneChunk struct {
	buf     []byte // the records' bytes
	recs    []laneRecord
	mark    int64 // the lane's progress after recs (0: none)
	summary *laneSummary
	err     error
}

// chunkBytes is the room a chunk's records get: a chunk is sent when the
// next record would not fit (or holds 512 records, or a mark came).
const chunkBytes = 512 << 10

// freeChunks are chunks the merge is done with, their arrays kept for reuse.
var freeChunks = make(chan laneChunk, 64)

func newChunk() laneChunk {
	select {
	case c := <-freeChunks:
		return c
	default:
		return laneChunk{buf: make([]byte, 0, chunkBytes), recs: make([]laneRecord, 0, 512)}
	}
}

// recycle hands a chunk's arrays back once the merge is done with it.
func recycle(c laneChunk) {
	if cap(c.buf) != chunkBytes {
		return
	}
	select {
	case freeChunks <- laneChunk{buf: c.buf[:0], recs: c.recs[:0]}:
	default:
	}
}

// readLane decodes lane k's frames from r into chunks on out, closing out
// at the end. started is called at the lane's start frame.
// counts gets the lane's endpoints by status.
func readLane(k int, r io.Reader, out chan<- laneChunk, started func(), counts *laneCounts) {
	defer close(out)
	br := bufio.NewReaderSize(r, 1<<20)
	c := newChunk()
	send := func() {
		out <- c
		c = newChunk()
	}
	fail := func(format string, a ...any) {
		c.err = fmt.Errorf("lane %d: "+format, append([]any{k}, a...)...)
		send()
	}
	var hdr [16]byte
	offset, last := int64(0), int64(0)
	for {
		kind, err := br.ReadByte()
		if err != nil {
			if len(c.recs) > 0 || c.mark != 0 {
				send()
			}
			if errors.Is(err, io.EOF) {
				fail("its output ended without its summary (after %d bytes): the process failed", offset)
			} else {
				fail("reading its output: %v", err)
			}
			return
		}
		offset++
		switch kind {
		case frameEvent, frameUsage:
			if _, err := io.ReadFull(br, hdr[:16]); err != nil {
				fail("a record cut short at byte %d", offset)
				return
			}
			at := int64(bin.LittleEndian.Uint64(hdr[0:]))
			typ := int(bin.LittleEndian.Uint16(hdr[8:]))
			kl, vl := int(hdr[11]), int(bin.LittleEndian.Uint32(hdr[12:]))
			if vl > maxFrameValue {
				fail("a record of %d bytes at byte %d (at most %d)", vl, offset, maxFrameValue)
				return
			}
			if at < last {
				fail("a record at byte %d goes back in virtual time", offset)
				return
			}
			last = at
			n := kl + vl
			if len(c.buf)+n > cap(c.buf) {
				if len(c.recs) > 0 {
					send()
				}
				if n > cap(c.buf) {
					c.buf = make([]byte, 0, n)
				}
			}
			start := len(c.buf)
			c.buf = c.buf[:start+n]
			if _, err := io.ReadFull(br, c.buf[start:]); err != nil {
				fail("a record cut short at byte %d", offset)
				return
			}
			c.recs = append(c.recs, laneRecord{at: at, kind: kind, typ: typ, alert: hdr[10] == 1,
				key: c.buf[start : start+kl : start+kl], value: c.buf[start+kl : start+n : start+n]})
			offset += int64(16 + n)
			if len(c.recs) == cap(c.recs) {
				send()
			}
		case frameMark:
			if _, err := io.ReadFull(br, hdr[:8]); err != nil {
				fail("a mark cut short at byte %d", offset)
				return
			}
			c.mark = int64(bin.LittleEndian.Uint64(hdr[0:]))
			if c.mark < last {
				fail("a mark at byte %d goes back in virtual time", offset)
				return
			}
			last = c.mark
			offset += 8
			send()
		case frameStarted:
			started()
		case frameCounts:
			var st laneStatus
			n, problem := readJSONFrame(br, "status", offset, &st)
			if problem != "" {
				fail("%s", problem)
				return
			}
			counts.online.Store(int64(st.Online))
			counts.attached.Store(int64(st.Attached))
			counts.blocked.Store(int64(st.Blocked))
			counts.rejects.Store(&st.Rejects)
			offset += n
		case frameSummary:
			var s laneSummary
			if _, problem := readJSONFrame(br, "summary", offset, &s); problem != "" {
				fail("%s", problem)
				return
			}
			if len(c.recs) > 0 || c.mark != 0 {
				send()
			}
			c.summary = &s
			send()
			return
		default:
			fail("unknown frame %q at byte %d", kind, offset)
			return
		}
	}
}

// lane is the merge's view of one lane.
type lane struct {
	ch      <-chan laneChunk
	chunk   laneChunk // the one recs are from, recycled when done
	recs    []laneRecord
	i       int
	low     int64 // no record still to come from the lane is earlier
	summary *laneSummary
}

// merger numbers the lanes' records in (virtual time, lane) order and
// hands them to the sinks in batches.
type merger struct {
	out     *sink.Pipeline
	pacer   *events.Pacer
	batch   int // records a batch holds at most
	ev, us  *sink.Batch
	events  atomic.Int64
	byType  [64]atomic.Int64 // events merged by type (for --metrics); others in other
	otherMu sync.Mutex
	other   map[int]int64
	usageID int64
	low     atomic.Int64 // the merge's virtual time, for the progress line
}

// countType counts a merged event of type t.
func (m *merger) countType(t int) {
	if t >= 0 && t < len(m.byType) {
		m.byType[t].Add(1)
		return
	}
	m.otherMu.Lock()
	if m.other == nil {
		m.other = map[int]int64{}
	}
	m.other[t]++
	m.otherMu.Unlock()
}

// eventsByType are the events merged so far by type.
func (m *merger) eventsByType() map[int]int64 {
	out := map[int]int64{}
	for t := range m.byType {
		if n := m.byType[t].Load(); n > 0 {
			out[t] = n
		}
	}
	m.otherMu.Lock()
	for t, n := range m.other {
		out[t] += n
	}
	m.otherMu.Unlock()
	return out
}

func (m *merger) add(r *laneRecord) {
	b, id := &m.ev, int64(0)
	if r.kind == frameUsage {
		b = &m.us
		m.usageID++
		id = m.usageID
	} else {
		id = m.events.Load() + 1
	}
	if *b == nil {
		k := sink.KindEvent
		if r.kind == frameUsage {
			k = sink.KindUsage
		}
		*b = sink.NewBatch(k)
	}
	x := *b
	k, v := len(x.Keys), len(x.Buf)
	x.Keys = append(x.Keys, r.key...)
	x.Buf = append(x.Buf, `{"id":`...)
	x.Buf = strconv.AppendInt(x.Buf, id, 10)
	x.Buf = append(x.Buf, r.value...)
	x.Buf = append(x.Buf, '\n')
	x.AddLine(id, r.typ, r.alert, k, v)
	if r.kind != frameUsage {
		m.countType(r.typ)
		m.events.Add(1) // after the record is in its batch: the count never runs ahead of the records
		m.pacer.Wait()
	}
	if x.Len() >= m.batch {
		m.submit(b)
	}
}

func (m *merger) submit(b **sink.Batch) {
	if *b != nil {
		(*b).Seal()
		m.out.Submit(*b)
		*b = nil
	}
}

// run merges until every lane has sent its summary, or one fails.
func (m *merger) run(lanes []lane) error {
	for {
		best := -1
		var bestAt int64
		for l := range lanes {
			ln := &lanes[l]
			if ln.summary != nil {
				continue
			}
			at := ln.low
			if ln.i < len(ln.recs) {
				at = ln.recs[ln.i].at
			}
			if best < 0 || at < bestAt {
				best, bestAt = l, at
			}
		}
		if best < 0 {
			m.submit(&m.ev)
			m.submit(&m.us)
			return nil
		}
		ln := &lanes[best]
		if ln.i < len(ln.recs) {
			r := &ln.recs[ln.i]
			ln.i++
			ln.low = max(ln.low, r.at)
			m.low.Store(bestAt)
			m.add(r)
			continue
		}
		// The lane with the earliest time has nothing to show: its next
		// chunk decides. What is merged so far goes out meanwhile.
		var c laneChunk
		select {
		case c = <-ln.ch:
		default:
			m.submit(&m.ev)
			m.submit(&m.us)
			c = <-ln.ch
		}
		if c.err != nil {
			m.submit(&m.ev)
			m.submit(&m.us)
			return c.err
		}
		recycle(ln.chunk)
		ln.chunk = c
		ln.recs, ln.i = c.recs, 0
		ln.low = max(ln.low, c.mark)
		if c.summary != nil {
			if len(c.recs) > 0 {
				return fmt.Errorf("lane %d: records with its summary", best) // readLane sends them apart
			}
			ln.summary = c.summary
		}
	}
}

// laneArgs are the arguments of lane k's process: the run's own, but for
// what the parent does (the sinks, the rate, the metrics, --procs).
func laneArgs(fs *flag.FlagSet, pos []string, k, n int, usage bool) []string {
	args := []string{"run"}
	fs.Visit(func(f *flag.Flag) {
		value := f.Value.String()
		switch f.Name {
		case "procs", "events", "on-overflow", "queue", "give-up", "rate", "metrics", "lane", "lane-usage":
			return
		case "cpuprofile", "memprofile":
			value += "." + strconv.Itoa(k)
		}
		args = append(args, "--"+f.Name+"="+value)
	})
	args = append(args, "--lane="+strconv.Itoa(k)+"/"+strconv.Itoa(n))
	if usage {
		args = append(args, "--lane-usage")
	}
	return append(args, pos...)
}

// procsOptions are what runProcs needs from `run`'s flags.
type procsOptions struct {
	procs int
	check bool // --check: combine the lanes' findings (expect.Combine)
	args  func(k int, usage bool) []string
	out   *outputFlags
	rate  float64
	speed string
}

// runProcs runs sc in po.procs lane processes and merges their events.
func runProcs(ctx context.Context, sc *scenarios.Scenario, po procsOptions, log *zap.Logger, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--procs: finding core-sim's own executable: %w", err)
	}
	pipeline, err := openPipeline(ctx, po.out, stdout, log)
	if err != nil {
		return err
	}
	devices := 0
	for _, f := range sc.Fleets {
		devices += f.Count
	}
	usage := pipeline.Wants(sink.KindUsage)
	m := &merger{out: pipeline, batch: 256}
	if po.rate > 0 {
		m.pacer = events.NewPacer(po.rate)
		m.batch = min(256, max(1, int(po.rate/100))) // about 10 ms of records a batch
	}
	lanes := make([]lane, po.procs)
	counts := make([]laneCounts, po.procs)
	mx, err := startProcsMetrics(po.out.metrics, m, counts, pipeline, devices, log)
	if err != nil {
		pipeline.Close()
		return err
	}
	defer mx.Close()
	cmds := make([]*exec.Cmd, po.procs)
	var startMu sync.Mutex
	startedLanes, wall := 0, time.Time{}
	started := func() {
		startMu.Lock()
		defer startMu.Unlock()
		if startedLanes++; startedLanes == po.procs {
			wall = time.Now()
		}
	}
	var readers sync.WaitGroup
	kill := func() {
		for _, c := range cmds {
			if c != nil && c.Process != nil {
				c.Process.Kill()
			}
		}
	}
	for k := range po.procs {
		cmd := exec.Command(self, po.args(k, usage)...)
		cmd.Stderr = stderr
		cmd.Env = append(os.Environ(), "CORESIM_LANE="+strconv.Itoa(k))
		out, err := cmd.StdoutPipe()
		if err != nil {
			kill()
			pipeline.Close()
			return fmt.Errorf("--procs: lane %d: %w", k, err)
		}
		if err := cmd.Start(); err != nil {
			kill()
			pipeline.Close()
			return fmt.Errorf("--procs: starting lane %d: %w", k, err)
		}
		cmds[k] = cmd
		ch := make(chan laneChunk, 16)
		lanes[k].ch = ch
		readers.Add(1)
		go func() { defer readers.Done(); readLane(k, out, ch, started, &counts[k]) }()
	}
	log.Info("fleet starting in lanes", zap.String("scenario", sc.Name), zap.Int("devices", devices),
		zap.Int("procs", po.procs), zap.Duration("virtual_duration", sc.Duration), zap.String("speed", po.speed))
	// An interrupt reaches the lanes (they end their runs and send what
	// they have); the merge goes on until they have.
	stopSignals := context.AfterFunc(ctx, func() {
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGINT)
		}
	})
	defer stopSignals()
	stopProgress := startLaneProgress(stderr, m, counts, sc, devices, time.Now())
	mergeErr := m.run(lanes)
	stopProgress()
	if mergeErr != nil {
		kill()
	}
	for k := range lanes { // let the readers end
		go func(ch <-chan laneChunk) {
			for range ch {
			}
		}(lanes[k].ch)
	}
	readers.Wait()
	var waitErr error
	for k, c := range cmds {
		if err := c.Wait(); err != nil && mergeErr == nil {
			waitErr = errors.Join(waitErr, fmt.Errorf("lane %d: %w", k, err))
		}
	}
	stopInterrupt := afterInterrupt(ctx, pipeline, stderr)
	closeErr := pipeline.Close()
	stopInterrupt()
	startMu.Lock()
	if wall.IsZero() {
		wall = time.Now()
	}
	took := time.Since(wall)
	startMu.Unlock()

	sum := events.Summary{ByType: map[events.Type]int{}, Rejects: map[string]int{}, ByStatus: map[events.Status]int{}}
	var elapsed time.Duration
	var laneErrs []error
	var usages int64
	for k, ln := range lanes {
		s := ln.summary
		if s == nil {
			continue
		}
		sum.Total += s.Total
		usages += s.Usage
		for t, n := range s.ByType {
			sum.ByType[events.Type(t)] += n
		}
		for c, n := range s.Rejects {
			sum.Rejects[c] += n
		}
		for st, n := range s.ByStatus {
			sum.ByStatus[events.Status(st)] += n
		}
		elapsed = max(elapsed, s.Elapsed)
		if s.Err != "" {
			laneErrs = append(laneErrs, fmt.Errorf("lane %d: %s", k, s.Err))
		}
	}
	if mergeErr == nil && int64(sum.Total) != m.events.Load() {
		mergeErr = fmt.Errorf("--procs: the lanes counted %d events, the merge got %d", sum.Total, m.events.Load())
	}
	if mergeErr == nil && usages != m.usageID {
		mergeErr = fmt.Errorf("--procs: the lanes counted %d usage records, the merge got %d", usages, m.usageID)
	}
	fmt.Fprintf(stderr, "\ncore-sim: scenario %q, %d devices, %v of virtual time in %s: %d events, %.0f events/s (%d processes)",
		sc.Name, devices, elapsed, took.Round(time.Millisecond), m.events.Load(), float64(m.events.Load())/took.Seconds(), po.procs)
	if m.pacer != nil {
		fmt.Fprintf(stderr, " (--rate %g)", m.pacer.Rate())
	}
	fmt.Fprintf(stderr, "\n%s", sum)
	sinkErr := reportSinks(stderr, pipeline)
	switch {
	case sinkErr != nil:
		return sinkErr
	case closeErr != nil:
		return closeErr
	case mergeErr != nil:
		return mergeErr
	case len(laneErrs) > 0 && ctx.Err() != nil:
		fmt.Fprintf(stderr, "core-sim: interrupted: %d events emitted, all delivered\n", m.events.Load())
		return nil
	case len(laneErrs) > 0:
		return errors.Join(laneErrs...)
	case waitErr != nil:
		return waitErr
	}
	if !po.check {
		return nil
	}
	parts := make([][]expect.Part, 0, len(lanes))
	for k, ln := range lanes {
		if ln.summary == nil || len(ln.summary.Check) != len(sc.Expect) {
			return fmt.Errorf("--check: lane %d did not report its expectations", k)
		}
		parts = append(parts, ln.summary.Check)
	}
	return reportFailures(stderr, sc, expect.Combine(sc, parts))
}

// startLaneProgress is startProgress for a run in lanes: the merged
// events, their rate, the lanes' endpoints by status (summed: each lane has
// its own devices) and the merge's virtual time.
func startLaneProgress(stderr io.Writer, m *merger, counts []laneCounts, sc *scenarios.Scenario, devices int, wall time.Time) func() {
	return drawProgress(stderr, m.events.Load, func(n int64, rate float64, now time.Time) string {
		virt := sc.Start
		if v := m.low.Load(); v > 0 {
			virt = time.Unix(0, v).UTC()
		}
		online, attached, blocked, _ := sumLanes(counts)
		return progressLine(n, rate, online, attached, blocked, devices, virt, eta(sc, virt, now.Sub(wall))) +
			fmt.Sprintf(" | %d processes", len(counts))
	})
}

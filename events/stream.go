package events

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/core-sim/core-sim/internal/prefetch"
	"github.com/core-sim/core-sim/sink"
)

// Output is where a Stream's encoded events go: a sink.Pipeline.
type Output interface {
	Submit(b *sink.Batch)
	Flush()
	Close() error
	Failed() <-chan struct{}
	Err() error
	Wants(k sink.Kind) bool
}

// batchEvents is how many events the simulation hands the encoder at once.
const batchEvents = 256

// encQueue is how many batches may wait for the encoder (about 8,000
// events, 15 ms of a load run, under 1 MB): with 4, the simulation and the
// encoder took turns at every hiccup of either (a collection, the sink's
// write) and 10,000 devices ran 3-35% slower (interleaved pairs; 128 gave
// no more).
const encQueue = 32

// Stream numbers events, keeps the counts and statuses a run ends with,
// and hands the events to an encoder goroutine that writes them as JSON
// records to an Output. It is safe for concurrent use; ids increase in the
// order of Emit, and the records reach the output in that order.
//
// Emit returns once the event is counted: encoding and delivery run behind
// it, holding the caller only when the output falls behind (backpressure).
type Stream struct {
	mu       sync.Mutex
	out      Output
	format   Format
	nextID   int64
	byType   [64]int      // by Type, for the types below 64
	byOther  map[Type]int // the others
	rejects  map[string]int
	total    atomic.Int64
	err      error
	observe  func(*Event)
	pending  []item
	enc      chan encJob
	encDone  chan struct{}
	closed   bool
	closeErr error

	usageOn bool
	usageID int64
	usage   *sink.Batch // usage records not yet handed over

	stopTick               chan struct{}
	handoffs, lastHandoffs int // handoffs so far, and at the last tick

	mark, markSent int64 // Mark's time, and the last one handed to the encoder

	// The endpoints' addresses (KeepAddresses): kept here, in the order
	// of Emit, when something needs them as events are emitted (an
	// observer, usage records); otherwise by the encoder, in the same
	// order, and never read here.
	keep      addrKeeping
	emitAddrs addrs

	// How many events the encoder has written (all of the first that
	// many emitted): its goroutine's only write per batch, on a line of
	// its own so that it does not take the simulation's fields above away
	// from its processor.
	_       [64]byte
	encoded atomic.Int64
	_       [56]byte

	Statuses Statuses
}

type encJob struct {
	mark    int64 // set: a Mark for the output
	items   []item
	batch   *sink.Batch   // set: a batch already encoded (usage records)
	flushed chan struct{} // set: a flush, closed once the output has delivered
}

// item is one event waiting for the encoder: an Event, or (e nil) a
// PDPEvent numbered id. addr: the encoder gives it its endpoint's address.
type item struct {
	e    *Event
	pdp  PDPEvent
	id   int64
	addr bool
}

// addrKeeping is where a stream keeps the endpoints' addresses.
type addrKeeping uint8

const (
	addrsNot     addrKeeping = iota // events carry what their maker gave them
	addrsAtEmit                     // under the stream's lock, as events are emitted
	addrsEncoder                    // on the encoder's goroutine
)

// KeepAddresses makes the stream write each event's endpoint.ip_address
// itself, from then on: the UE address of the last accepted Create PDP
// Context of that endpoint emitted before it, or by it (an endpoint with
// none has null). What the event's maker set there is overwritten. Usage
// records (EmitUsage) get theirs the same way. The addresses are kept on
// the encoder's goroutine, off the emitters' path, unless an observer or
// usage records need them as events are emitted: set Observe before.
// Calls after the first do nothing.
func (s *Stream) KeepAddresses() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keep != addrsNot {
		return
	}
	s.keep = addrsEncoder
	if s.observe != nil || s.usageOn {
		s.keep = addrsAtEmit
	}
}

var (
	eventSlices = sync.Pool{New: func() any { s := make([]*Event, 0, batchEvents); return &s }}
	itemSlices  = sync.Pool{New: func() any { s := make([]item, 0, batchEvents); return &s }}
)

// Observe makes fn see every event as it is emitted, in order, in full
// (a compact PDPEvent is built as an Event on the caller's goroutine then,
// not left to the encoder: observe only when needed). Set it before the
// first Emit; fn runs under the stream's lock and must be quick.
func (s *Stream) Observe(fn func(*Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keep == addrsEncoder {
		panic("events: Observe after KeepAddresses: the observer would see events without their addresses")
	}
	s.observe = fn
}

// NewStream writes NDJSON to w. If w is an io.Closer other than stdout or
// stderr, Close closes it.
func NewStream(w io.Writer) *Stream {
	name := "writer"
	if w == os.Stdout {
		name = "stdout"
	}
	spec := sink.Spec{Raw: name, Kind: name}
	return NewStreamTo(sink.Start([]sink.Target{{Spec: spec, Sink: sink.NewWriter(name, w)}}, sink.Options{}), Format{})
}

// OpenFile creates (or truncates) path and returns a Stream writing to it.
func OpenFile(path string) (*Stream, error) {
	spec, err := sink.ParseSpec("file:" + path)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	f, err := sink.NewFile(spec)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return NewStreamTo(sink.Start([]sink.Target{{Spec: spec, Sink: f}}, sink.Options{}), Format{}), nil
}

// NewStreamTo encodes events in format f and hands them to out.
func NewStreamTo(out Output, f Format) *Stream {
	s := &Stream{out: out, format: f, nextID: 1, byOther: map[Type]int{}, rejects: map[string]int{},
		enc: make(chan encJob, encQueue), encDone: make(chan struct{})}
	s.pending = *itemSlices.Get().(*[]item)
	s.usageOn = out.Wants(sink.KindUsage)
	s.stopTick = make(chan struct{})
	go s.encode()
	go s.tick()
	return s
}

// handoffEvery is the longest an emitted event waits for its batch to fill
// before it goes to the encoder anyway: a slow run's events reach the
// sinks within it.
const handoffEvery = 50 * time.Millisecond

func (s *Stream) tick() {
	t := time.NewTicker(handoffEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stopTick:
			return
		case <-t.C:
		}
		s.mu.Lock()
		if !s.closed && s.handoffs == s.lastHandoffs {
			s.handoff()
		}
		s.lastHandoffs = s.handoffs
		s.mu.Unlock()
	}
}

// Emit numbers e, counts it, applies it to the statuses and queues it for
// encoding. The stream owns e from then on (it is recycled once encoded).
// The first error (a sink that failed for good, an event that cannot be
// encoded) is kept and returned by every later call and by Close.
func (s *Stream) Emit(e *Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(); err != nil {
		e.Release()
		return err
	}
	if !fastDetail(e.Detail) {
		// A detail the fast encoder hands to encoding/json: find out now,
		// not on the encoder's goroutine, whether it can be encoded.
		if _, err := json.Marshal(e.Detail); err != nil {
			s.err = fmt.Errorf("events: encoding event %d: %w", s.nextID, err)
			return s.err
		}
	}
	if v := e.volume(); v != nil && (v.Total == math.MinInt64 || v.Rx == math.MinInt64 || v.Tx == math.MinInt64) {
		// What the encoder would refuse on its goroutine, refused here.
		s.err = fmt.Errorf("events: encoding event %d: volume of %d bytes cannot be written in megabytes", s.nextID, int64(math.MinInt64))
		return s.err
	}
	e.ID = s.nextID
	s.nextID++
	s.total.Add(1)
	s.count(e.Type)
	if e.Reject != "" {
		s.rejects[e.Reject]++
	}
	s.Statuses.Apply(e)
	switch s.keep {
	case addrsAtEmit:
		s.emitAddrs.event(e)
	case addrsEncoder:
		s.queue(item{e: e, addr: true})
		return nil
	}
	if s.observe != nil {
		s.observe(e)
	}
	s.queue(item{e: e})
	return nil
}

// EmitPDP is Emit of p.Event(), without building it: the encoder writes
// p as it would write that event (unless an observer or the format needs
// the event itself).
func (s *Stream) EmitPDP(p *PDPEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failed(); err != nil {
		return err
	}
	if !p.check() {
		s.err = fmt.Errorf("events: encoding event %d: volume of %d bytes cannot be written in megabytes", s.nextID, int64(math.MinInt64))
		return s.err
	}
	id := s.nextID
	s.nextID++
	s.total.Add(1)
	s.count(p.Type)
	if p.Subject.Book != nil {
		s.Statuses.set(p.Subject.EndpointID(), p.Status())
	}
	switch s.keep {
	case addrsAtEmit:
		s.emitAddrs.pdp(p)
	case addrsEncoder:
		s.queue(item{pdp: *p, id: id, addr: true})
		return nil
	}
	if s.observe != nil {
		e := p.Event()
		e.ID = id
		s.observe(e)
		s.queue(item{e: e})
		return nil
	}
	s.queue(item{pdp: *p, id: id})
	return nil
}

// failed is the stream's error, checking first whether the output failed
// or the stream was closed; under s.mu.
func (s *Stream) failed() error {
	if s.err == nil && s.closed {
		s.err = fmt.Errorf("events: emit after close")
	}
	if s.err == nil {
		select {
		case <-s.out.Failed():
			s.err = fmt.Errorf("events: %w", s.out.Err())
		default:
		}
	}
	return s.err
}

// count counts an event of type t; under s.mu.
func (s *Stream) count(t Type) {
	if t >= 0 && int(t) < len(s.byType) {
		s.byType[t]++
	} else {
		s.byOther[t]++
	}
}

// queue adds an event for the encoder, handing a full batch over; under s.mu.
func (s *Stream) queue(it item) {
	s.pending = append(s.pending, it)
	if len(s.pending) == batchEvents {
		s.handoff()
	}
}

// handoff passes the pending events and usage records to the encoder,
// then the last Mark if it moved; under s.mu.
func (s *Stream) handoff() {
	if s.usage != nil {
		s.usage.Seal()
		s.enc <- encJob{batch: s.usage}
		s.usage = nil
		s.handoffs++
	}
	if len(s.pending) > 0 {
		s.enc <- encJob{items: s.pending}
		s.handoffs++
		s.pending = *itemSlices.Get().(*[]item)
	}
	if s.mark > s.markSent {
		s.enc <- encJob{mark: s.mark}
		s.markSent = s.mark
		s.handoffs++
	}
}

// Marker is an Output that wants to know how far the events have come:
// Mark(at) follows every record whose time (sink.Record.At) is before at,
// and no later record is before at.
type Marker interface{ Mark(at int64) }

// Mark tells the output, in order with the records, that no event emitted
// from now on is earlier than at (Unix nanoseconds of virtual time). It
// reaches the output with the next hand-off (a full batch, a flush, or
// within handoffEvery). The lanes of a run in several processes use it
// (sim.Scheduler.Watch) so that the merge of their events need not wait
// for a lane that has nothing to show.
func (s *Stream) Mark(at int64) {
	s.mu.Lock()
	if at > s.mark {
		s.mark = at
	}
	s.mu.Unlock()
}

// UsageOn says whether a sink takes the usage stream: when none does,
// nobody needs to make usage records.
func (s *Stream) UsageOn() bool { return s.usageOn }

// EmitUsage numbers a usage record (apart from the events) and queues it
// for the sinks of the usage stream. It does nothing when no sink takes
// that stream.
func (s *Stream) EmitUsage(u *Usage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || !s.usageOn {
		return s.err
	}
	if s.closed {
		s.err = fmt.Errorf("events: emit after close")
		return s.err
	}
	if ep := u.Endpoint; ep != nil && s.keep == addrsAtEmit {
		ep.IP, ep.IPAddress = s.emitAddrs.get(ep.ID), nil
		if ep.IP.IsValid() {
			ip := ep.IP.String()
			ep.IPAddress = &ip
		}
	}
	u.ID = s.usageID + 1
	if s.usage == nil {
		s.usage = sink.NewBatch(sink.KindUsage)
	}
	b := s.usage
	k, v := len(b.Keys), len(b.Buf)
	var err error
	if b.Buf, err = u.appendJSON(b.Buf); err != nil {
		b.Buf = b.Buf[:v]
		s.err = fmt.Errorf("events: encoding usage record %d: %w", u.ID, err)
		return s.err
	}
	b.Buf = append(b.Buf, '\n')
	if u.Endpoint != nil {
		b.Keys = strconv.AppendInt(b.Keys, u.Endpoint.ID, 10)
	}
	s.usageID++
	b.AddLine(u.ID, 0, false, k, v)
	if b.Len() >= batchEvents {
		s.handoff()
	}
	return nil
}

// factsAhead is how many events ahead the encoder prefetches a PDP
// event's facts.
const factsAhead = 4

// encode runs on its own goroutine: events to records, records to the output.
func (s *Stream) encode() {
	defer close(s.encDone)
	// Read once: the simulation writes the fields beside them under s.mu
	// for every event, and a read here per event would pull that cache
	// line across cores each time.
	out, format := s.out, s.format
	marker, _ := out.(Marker)
	var frags fragments
	var clocks pdpClocks
	var kept addrs // the endpoints' addresses, when kept here (item.addr)
	for j := range s.enc {
		if j.mark != 0 {
			if marker != nil {
				marker.Mark(j.mark)
			}
			continue
		}
		if j.flushed != nil {
			out.Flush()
			close(j.flushed)
			continue
		}
		if j.batch != nil {
			out.Submit(j.batch)
			continue
		}
		b := sink.NewBatch(sink.KindEvent)
		done := *eventSlices.Get().(*[]*Event)
		plain := format.Plain()
		for i := range j.items {
			it := &j.items[i]
			e := it.e
			if k := i + factsAhead; k < len(j.items) {
				// The session's facts a few events on were written by the
				// simulation on the other core: ask for them now.
				if f := j.items[k].pdp.Facts; f != nil {
					prefetch.Pair(unsafe.Pointer(f))
				}
			}
			if e == nil && it.addr {
				kept.pdp(&it.pdp)
			}
			if e == nil && plain {
				p := &it.pdp
				k, v := len(b.Keys), len(b.Buf)
				if p.Subject.Book != nil {
					b.Keys = appendInt(b.Keys, p.Subject.EndpointID())
				}
				b.Buf = append(p.appendJSON(b.Buf, it.id, &clocks), '\n')
				b.AddLine(it.id, int(p.Type), false, k, v)
				b.Records[len(b.Records)-1].At = p.At
				continue
			}
			if e == nil { // respelled: as the event itself
				e = it.pdp.Event()
				e.ID = it.id
			}
			done = append(done, e)
			k, v := len(b.Keys), len(b.Buf)
			if e.Endpoint != nil {
				b.Keys = strconv.AppendInt(b.Keys, e.Endpoint.ID, 10)
			}
			if it.addr && it.e != nil {
				kept.event(e)
			}
			if e.Resolve != nil {
				e.Resolve(e)
			}
			format.apply(e)
			var err error
			if b.Buf, err = appendEventCached(b.Buf, e, &frags); err != nil {
				// Emit checked what the fast encoder cannot refuse.
				panic(fmt.Sprintf("events: encoding event %d: %v", e.ID, err))
			}
			b.Buf = append(b.Buf, '\n')
			b.AddLine(e.ID, int(e.Type), e.Alert, k, v)
			if !e.at.IsZero() {
				b.Records[len(b.Records)-1].At = e.at.UnixNano()
			}
		}
		b.Seal()
		out.Submit(b)
		if len(done) > 0 {
			recycle(done)
		} else {
			eventSlices.Put(&done)
		}
		s.encoded.Add(int64(len(j.items))) // nothing of theirs is read from here on
		clear(j.items)
		items := j.items[:0]
		itemSlices.Put(&items)
	}
}

// Emitted is the number of events emitted so far; safe from any goroutine
// and never blocked by a slow output.
func (s *Stream) Emitted() int { return int(s.total.Load()) }

// Encoded is the number of events the encoder is done with: the first
// that many emitted (Emitted counts them the same way) are written, and
// nothing a PDPEvent among them points to is read again. Safe from any
// goroutine.
func (s *Stream) Encoded() int { return int(s.encoded.Load()) }

// Flush waits until every event emitted so far has been delivered by every
// sink (or given up on) and returns the stream's error, if any.
func (s *Stream) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.err
	}
	s.handoff()
	done := make(chan struct{})
	s.enc <- encJob{flushed: done}
	<-done
	if s.err == nil {
		if err := s.out.Err(); err != nil {
			s.err = fmt.Errorf("events: %w", err)
		}
	}
	return s.err
}

// Close delivers what is pending, closes the output and returns the first
// error. Later calls return the same.
func (s *Stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	close(s.stopTick)
	s.handoff()
	close(s.enc)
	<-s.encDone
	err := s.out.Close()
	switch {
	case s.err != nil:
		s.closeErr = s.err
	case err != nil:
		s.closeErr = fmt.Errorf("events: %w", err)
	}
	return s.closeErr
}

// Summary is what a run ends with.
type Summary struct {
	Total    int
	ByType   map[Type]int
	Rejects  map[string]int
	ByStatus map[Status]int
}

// Summary returns the counts so far. endpoints is the number of endpoints
// in the fleet: those never seen by an event count as OFFLINE.
func (s *Stream) Summary(endpoints int) Summary {
	s.mu.Lock()
	sum := Summary{Total: int(s.total.Load()), ByType: map[Type]int{}, Rejects: map[string]int{}}
	for k, v := range s.byType {
		if v > 0 {
			sum.ByType[Type(k)] = v
		}
	}
	for k, v := range s.byOther {
		sum.ByType[k] += v
	}
	for k, v := range s.rejects {
		sum.Rejects[k] = v
	}
	s.mu.Unlock()
	sum.ByStatus = s.Statuses.Count()
	seen := 0
	for _, n := range sum.ByStatus {
		seen += n
	}
	if endpoints > seen {
		sum.ByStatus[StatusOffline] += endpoints - seen
	}
	return sum
}

// String renders the summary as a few readable lines.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events by type (%d in all):\n", s.Total)
	types := make([]int, 0, len(s.ByType))
	for t := range s.ByType {
		types = append(types, int(t))
	}
	sort.Ints(types)
	for _, t := range types {
		fmt.Fprintf(&b, "  %2d %-22s %d\n", t, Type(t).String(), s.ByType[Type(t)])
	}
	fmt.Fprintf(&b, "rejects by cause:\n")
	if len(s.Rejects) == 0 {
		fmt.Fprintf(&b, "  none\n")
	}
	causes := make([]string, 0, len(s.Rejects))
	for c := range s.Rejects {
		causes = append(causes, c)
	}
	sort.Strings(causes)
	for _, c := range causes {
		fmt.Fprintf(&b, "  %-55s %d\n", c, s.Rejects[c])
	}
	fmt.Fprintf(&b, "endpoints by status:\n")
	for _, st := range []Status{StatusOffline, StatusAttached, StatusOnline, StatusBlocked} {
		fmt.Fprintf(&b, "  %-9s %d\n", st, s.ByStatus[st])
	}
	return b.String()
}

package sink

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Batch is a run of consecutive records of one stream, encoded into one
// buffer and shared by every runner it is fanned out to. The last runner
// done with it recycles it.
type Batch struct {
	Kind    Kind
	Records []Record
	Buf     []byte // the records' values (and the keys of those given to Add)
	Keys    []byte // the keys of the records given to AddLine

	offs  []span // each record's key and value, until Seal
	refs  atomic.Int32
	flush chan struct{} // a flush marker: no records; closed by the last runner
	free  bool          // recycled into freeBatches once released
}

// NewBatch returns an empty batch of kind k, a recycled one if any.
func NewBatch(k Kind) *Batch {
	var b *Batch
	select {
	case b = <-freeBatches:
	default:
		b = new(Batch)
	}
	b.Kind = k
	b.free = true
	return b
}

// freeBatches holds released batches with their buffers for reuse. It is
// a bounded list rather than a sync.Pool: a pool is emptied by every
// garbage collection, and a load run collects often enough that its
// batches (hundreds of KB each) would be allocated again and again.
var freeBatches = make(chan *Batch, 64)

// span is where a record's key and value are: the key in Buf or Keys
// (line), the value in Buf.
type span struct {
	key, keyEnd, value, end int
	line                    bool // the key is in Keys; a newline follows the value
}

// Add records that the caller appended a record's key to Buf from offset
// key and its value from offset value to the end.
func (b *Batch) Add(id int64, typ int, alert bool, key, value int) {
	b.Records = append(b.Records, Record{ID: id, Type: typ, Alert: alert})
	b.offs = append(b.offs, span{key: key, keyEnd: value, value: value, end: len(b.Buf)})
}

// AddLine records that the caller appended a record's key to Keys from
// offset key to the end, and to Buf its value from offset value, then a
// newline: a writer can write consecutive records of such a batch from
// Buf as they are (Record.Line).
func (b *Batch) AddLine(id int64, typ int, alert bool, key, value int) {
	b.Records = append(b.Records, Record{ID: id, Type: typ, Alert: alert})
	b.offs = append(b.offs, span{key: key, keyEnd: len(b.Keys), value: value, end: len(b.Buf) - 1, line: true})
}

// Seal points the records into the finished buffers; call it once, after
// the last Add or AddLine.
func (b *Batch) Seal() {
	for i := range b.Records {
		o := b.offs[i]
		r := &b.Records[i]
		r.Value = b.Buf[o.value:o.end:o.end]
		if o.line {
			r.Key = b.Keys[o.key:o.keyEnd:o.keyEnd]
			// Up to the buffer's end: the next line may follow in place.
			r.Line = b.Buf[o.value : o.end+1 : len(b.Buf)]
		} else {
			r.Key = b.Buf[o.key:o.keyEnd:o.keyEnd]
		}
	}
}

// Len is the number of records.
func (b *Batch) Len() int { return len(b.Records) }

// Recycle returns a batch that was never submitted to a Pipeline, and
// that nothing holds any more, to the free list.
func Recycle(b *Batch) {
	b.refs.Store(1)
	b.release()
}

func (b *Batch) release() {
	if b.refs.Add(-1) != 0 {
		return
	}
	if b.flush != nil {
		close(b.flush)
		return
	}
	if !b.free {
		return
	}
	b.Records = b.Records[:0]
	b.Buf = b.Buf[:0]
	b.Keys = b.Keys[:0]
	b.offs = b.offs[:0]
	select {
	case freeBatches <- b:
	default:
	}
}

// Overflow is what a runner does when its queue is full.
type Overflow uint8

const (
	// Block holds the producer (the simulation slows down).
	Block Overflow = iota
	// Drop drops the batch for this sink, counting every event of it.
	Drop
)

// ParseOverflow reads block or drop.
func ParseOverflow(s string) (Overflow, error) {
	switch s {
	case "block", "":
		return Block, nil
	case "drop":
		return Drop, nil
	}
	return Block, fmt.Errorf("--on-overflow %q: want block or drop", s)
}

// Options tune every runner of a pipeline.
type Options struct {
	// Queue is how many records a sink may have waiting (default 65,536).
	Queue int
	// Overflow says what happens when a queue is full.
	Overflow Overflow
	// GiveUp is how long one batch may keep failing before the sink gives up
	// (default 2 minutes).
	GiveUp time.Duration
	// Backoff is the first retry's wait (default 100 ms), doubled each
	// attempt up to MaxBackoff (default 10 s), with full jitter.
	Backoff, MaxBackoff time.Duration
	Logger              *zap.Logger
}

func (o *Options) defaults() {
	if o.Queue <= 0 {
		o.Queue = 65536
	}
	if o.GiveUp <= 0 {
		o.GiveUp = 2 * time.Minute
	}
	if o.Backoff <= 0 {
		o.Backoff = 100 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
}

// Stats are a runner's counts. Accepted = Delivered + Failed + Filtered +
// Pending once the runner is done; Dropped never entered the queue.
type Stats struct {
	Name       string
	Accepted   int64 // records that entered the queue
	Filtered   int64 // left out by the sink's filter
	Delivered  int64 // records delivered (at least once)
	Deliveries int64 // successful Send calls
	Retries    int64 // failed attempts that were retried
	Dropped    int64 // dropped because the queue was full (Overflow Drop)
	Failed     int64 // not delivered: the sink gave up or failed permanently
	QueueDepth int   // records waiting now
	QueueCap   int
	ByType     map[int]int64 // delivered records by event type
	Err        error         // why the sink failed, if it did
}

// Runner delivers one sink's share of the stream from its own goroutine.
type Runner struct {
	name    string
	spec    Spec
	sink    Sink
	opt     Options
	batch   Batching
	log     *zap.Logger
	queue   chan *Batch
	depth   atomic.Int64 // records queued and not yet taken
	failed  chan struct{}
	done    chan struct{}
	abort   chan struct{} // closed to stop waiting for retries (a second interrupt)
	aborted atomic.Bool

	mu    sync.Mutex
	stats Stats
	types [64]int64 // delivered by event type; larger ids go to the map
	other map[int]int64
}

func newRunner(spec Spec, s Sink, opt Options, abort chan struct{}) *Runner {
	r := &Runner{name: spec.Name(), spec: spec, sink: s, opt: opt, log: opt.Logger.With(zap.String("sink", spec.Name())),
		failed: make(chan struct{}), done: make(chan struct{}), abort: abort}
	if b, ok := s.(Batcher); ok {
		r.batch = b.Batching()
	}
	if r.batch.Max <= 0 {
		r.batch.Max = 4096
	}
	// Queue capacity in batches: the stream's batches are up to 256
	// records; a few more slots keep flush markers from blocking.
	r.queue = make(chan *Batch, max(4, opt.Queue/256)+2)
	r.stats.Name = r.name
	r.stats.QueueCap = cap(r.queue) * 256
	return r
}

// Stats returns a snapshot of the counts.
func (r *Runner) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.QueueDepth = int(r.depth.Load())
	s.ByType = make(map[int]int64)
	for t, n := range r.types {
		if n > 0 {
			s.ByType[t] = n
		}
	}
	for t, n := range r.other {
		s.ByType[t] += n
	}
	return s
}

// offer hands b to the runner: it blocks while the queue is full (Block),
// or drops it (Drop). It reports false if the runner has failed.
func (r *Runner) offer(b *Batch) {
	if b.Kind != r.spec.Stream && b.flush == nil {
		b.release()
		return
	}
	n := int64(len(b.Records))
	select {
	case <-r.failed:
		r.count(func(s *Stats) { s.Failed += n; s.Accepted += n })
		b.release()
		return
	default:
	}
	if r.opt.Overflow == Drop && b.flush == nil {
		select {
		case r.queue <- b:
			r.depth.Add(n)
			r.count(func(s *Stats) { s.Accepted += n })
		default:
			r.count(func(s *Stats) { s.Dropped += n })
			b.release()
		}
		return
	}
	r.depth.Add(n)
	r.count(func(s *Stats) { s.Accepted += n })
	r.queue <- b
}

func (r *Runner) count(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// run takes batches off the queue and delivers them until the queue is
// closed and empty.
func (r *Runner) run() {
	defer close(r.done)
	var (
		pending []Record // filtered records waiting to be sent
		held    []*Batch // the batches pending's bytes belong to
		timer   *time.Timer
		timerC  <-chan time.Time
	)
	if r.batch.Interval > 0 {
		timer = time.NewTimer(time.Hour)
		timer.Stop()
	}
	release := func() {
		pending = pending[:0]
		for _, b := range held {
			b.release()
		}
		held = held[:0]
		if timer != nil {
			timer.Stop()
			timerC = nil
		}
	}
	// send delivers everything pending.
	// Both keep pending's start where it is, so that its array is reused
	// (reslicing it forward would make every batch grow a new one).
	send := func() {
		for i := 0; i < len(pending); {
			n := min(len(pending)-i, r.batch.Max)
			r.deliver(pending[i : i+n])
			i += n
		}
		release()
	}
	// sendFull delivers the full batches pending; a bulk sink keeps the
	// rest for its interval.
	sendFull := func() {
		if timer == nil {
			send()
			return
		}
		i := 0
		for len(pending)-i >= r.batch.Max {
			r.deliver(pending[i : i+r.batch.Max])
			i += r.batch.Max
		}
		pending = pending[:copy(pending, pending[i:])]
		if len(pending) == 0 {
			release()
		}
	}
	take := func(b *Batch) {
		r.depth.Add(-int64(len(b.Records)))
		kept := 0
		for i := range b.Records {
			if r.spec.Filter.Keep(&b.Records[i]) {
				pending = append(pending, b.Records[i])
				kept++
			}
		}
		if f := int64(len(b.Records) - kept); f > 0 {
			r.count(func(s *Stats) { s.Filtered += f })
		}
		held = append(held, b)
		if timer != nil && len(pending) > 0 && timerC == nil {
			timer.Reset(r.batch.Interval)
			timerC = timer.C
		}
	}
	for {
		var b *Batch
		var ok bool
		if len(pending) == 0 || (timer != nil && len(pending) < r.batch.Max) {
			// Nothing to send yet (or a bulk sink waiting for its interval):
			// wait for records or the timer.
			select {
			case b, ok = <-r.queue:
			case <-timerC:
				send()
				continue
			}
		} else {
			select {
			case b, ok = <-r.queue:
			default:
				send() // the queue ran empty: deliver what we have
				r.idle()
				continue
			}
		}
		if !ok {
			send()
			r.idle()
			return
		}
		if b.flush != nil {
			send()
			r.idle()
			b.release()
			continue
		}
		take(b)
		if len(pending) >= r.batch.Max {
			sendFull()
		}
	}
}

// idle flushes a buffering sink.
func (r *Runner) idle() {
	f, ok := r.sink.(Flusher)
	if !ok || r.isFailed() {
		return
	}
	if err := f.Flush(); err != nil {
		r.fail(fmt.Errorf("flushing: %w", err), 0)
	}
}

func (r *Runner) isFailed() bool {
	select {
	case <-r.failed:
		return true
	default:
		return false
	}
}

func (r *Runner) fail(err error, lost int64) {
	r.mu.Lock()
	r.stats.Failed += lost
	first := r.stats.Err == nil
	if first {
		r.stats.Err = err
	}
	r.mu.Unlock()
	if first {
		r.log.Error("sink failed", zap.Error(err))
		close(r.failed)
	}
}

// deliver sends recs until they are delivered, fail permanently, or keep
// failing past the give-up limit.
func (r *Runner) deliver(recs []Record) {
	n := int64(len(recs))
	if r.isFailed() {
		r.count(func(s *Stats) { s.Failed += n })
		return
	}
	var since time.Time
	for attempt := 0; ; attempt++ {
		err := r.sink.Send(context.Background(), recs)
		if err == nil {
			r.mu.Lock()
			r.stats.Delivered += n
			r.stats.Deliveries++
			for i := range recs {
				if t := recs[i].Type; t >= 0 && t < len(r.types) {
					r.types[t]++
				} else {
					if r.other == nil {
						r.other = map[int]int64{}
					}
					r.other[t]++
				}
			}
			r.mu.Unlock()
			return
		}
		if IsPermanent(err) {
			r.fail(fmt.Errorf("events %d-%d: %w", recs[0].ID, recs[len(recs)-1].ID, err), n)
			return
		}
		if since.IsZero() {
			since = time.Now()
		}
		if time.Since(since) >= r.opt.GiveUp {
			r.fail(fmt.Errorf("gave up after %v and %d attempts: %w", r.opt.GiveUp.Round(time.Millisecond), attempt+1, err), n)
			return
		}
		wait := r.backoff(attempt)
		if d, ok := RetryAfterOf(err); ok && d > wait {
			wait = d
		}
		if left := r.opt.GiveUp - time.Since(since); wait > left {
			wait = max(left, time.Millisecond)
		}
		r.count(func(s *Stats) { s.Retries++ })
		r.log.Warn("delivery failed, retrying", zap.Int64("first_id", recs[0].ID), zap.Int("records", len(recs)),
			zap.Int("attempt", attempt+1), zap.Duration("wait", wait), zap.Error(err))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.abort:
			t.Stop()
			r.fail(fmt.Errorf("interrupted while retrying: %w", err), n)
			return
		}
	}
}

// backoff is the full-jitter exponential wait before retry attempt+1.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.opt.Backoff << min(attempt, 20)
	if d <= 0 || d > r.opt.MaxBackoff {
		d = r.opt.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// Pipeline fans batches out to runners.
type Pipeline struct {
	runners []*Runner
	abort   chan struct{}
	abortMu sync.Once
	closed  bool
	failed  chan struct{}
	once    sync.Once
}

// Target is a sink with its spec, to start a runner for.
type Target struct {
	Spec Spec
	Sink Sink
}

// Start starts a runner for every target.
func Start(targets []Target, opt Options) *Pipeline {
	opt.defaults()
	p := &Pipeline{abort: make(chan struct{}), failed: make(chan struct{})}
	for _, t := range targets {
		r := newRunner(t.Spec, t.Sink, opt, p.abort)
		p.runners = append(p.runners, r)
		go r.run()
		go func() {
			select {
			case <-r.failed:
				p.once.Do(func() { close(p.failed) })
			case <-r.done:
			}
		}()
	}
	return p
}

// Runners are the pipeline's runners, in the order of the targets.
func (p *Pipeline) Runners() []*Runner { return p.runners }

// Failed is closed when any sink has failed for good.
func (p *Pipeline) Failed() <-chan struct{} { return p.failed }

// Err is the first sink failure, or nil.
func (p *Pipeline) Err() error {
	for _, r := range p.runners {
		if s := r.Stats(); s.Err != nil {
			return fmt.Errorf("sink %s: %w", r.name, s.Err)
		}
	}
	return nil
}

// Wants says whether any sink takes records of kind k.
func (p *Pipeline) Wants(k Kind) bool {
	for _, r := range p.runners {
		if r.spec.Stream == k {
			return true
		}
	}
	return false
}

// Submit hands a sealed batch to every runner (each may block the caller,
// see Overflow). The batch must not be used afterwards.
func (p *Pipeline) Submit(b *Batch) {
	b.refs.Store(int32(len(p.runners)) + 1)
	for _, r := range p.runners {
		r.offer(b)
	}
	b.release()
}

// Flush waits until every runner has delivered (or given up on) what was
// submitted before it.
func (p *Pipeline) Flush() {
	m := &Batch{flush: make(chan struct{})}
	m.refs.Store(int32(len(p.runners)) + 1)
	for _, r := range p.runners {
		r.queue <- m
	}
	m.release()
	<-m.flush
}

// Abort stops waiting on retries: batches still failing count as not
// delivered (a second interrupt).
func (p *Pipeline) Abort() { p.abortMu.Do(func() { close(p.abort) }) }

// Close delivers what is queued, closes the sinks and returns the first
// failure. No Submit may follow.
func (p *Pipeline) Close() error {
	if !p.closed {
		p.closed = true
		for _, r := range p.runners {
			close(r.queue)
		}
	}
	var errs []error
	for _, r := range p.runners {
		<-r.done
		if err := r.sink.Close(); err != nil {
			errs = append(errs, fmt.Errorf("sink %s: closing: %w", r.name, err))
			r.fail(err, 0)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// Package sim is the simulation's clock and scheduler: a discrete-event
// loop in which every action of the simulated world (a device powering on,
// a session ending, a timer of the SIM applet) is scheduled at a point of
// virtual time and run, one at a time, in the order of that time.
//
// Running one action at a time is what makes a run reproducible: given the
// same scenario and seed, the same actions run in the same order and
// produce the same events. The speed decides only how virtual time maps to
// wall time: as fast as possible (Max), real time (1), or a factor.
//
// It knows nothing of devices or protocols.
package sim

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/core-sim/core-sim/internal/prefetch"
)

// Max is the speed at which virtual time runs as fast as the actions allow.
const Max = 0

// ParseSpeed reads a --speed value: "max", "1" (real time) or a factor such as "60".
func ParseSpeed(s string) (float64, error) {
	if strings.EqualFold(s, "max") {
		return Max, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("speed %q: want max, 1 (real time) or a factor above 0 such as 60", s)
	}
	return f, nil
}

// key orders an action: by virtual time, ties in the order they were
// scheduled. It holds no pointer, so the collector skips the heap of them.
type key struct {
	at   int64  // virtual time in Unix nanoseconds
	seq  uint64 // ties run in the order they were scheduled
	slot uint32 // the action in queue.slots
}

func (a key) before(b key) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

type action struct {
	fn   func()
	a    Actor // or an actor's action: no closure to allocate
	kind uint8
}

// Actor has actions of its own, told apart by a kind. Scheduling an
// actor's action allocates nothing, where a closure would: a run with a
// million devices keeps a million actions scheduled.
type Actor interface{ Act(kind uint8) }

// Warmer is an Actor that can have what its next action reads loaded
// into the caches ahead of it, in stages: about to run an action, the
// scheduler calls Warm(kind, ahead) for each of the actions ahead =
// WarmAhead, ..., 2, 1 places after it (so each action is warmed at every
// stage in turn, one action closer each time), having loaded an action's
// slot before its first stage. A stage may read what the stage before
// it hinted (a device's fields, then the session they point at), never
// more: an action's memory is a chain of pointers, and a read of a link
// not yet in the caches is the wait Warm is there to avoid. Even with 10,000 devices a session's end found the
// session out of the caches (it was opened minutes of virtual time and
// a hundred thousand events before); with a million most actions find
// their device, its session and its registration there.
type Warmer interface{ Warm(kind uint8, ahead int) }

// WarmAhead is the first stage of Warm: how many actions ahead of its
// own an action's state is first hinted.
const WarmAhead = 4

// The queue is a calendar of buckets, each a span of 2^bucketShift
// nanoseconds of virtual time (about a second), on a wheel of wheelSize
// buckets (about 17 minutes ahead); keys further ahead wait in a heap.
// Pushing a key is an append to its bucket; when the bucket before it runs
// out, the next bucket is sorted once and its keys popped in turn. A 4-ary
// heap of a million keys (the run this is made for) missed the caches on
// most of its levels at every pop; a bucket of a second's keys is a few
// thousand of them, sorted and read in order. The order is exactly the
// heap's: by time, ties in the order scheduled.
const (
	bucketShift = 30
	wheelSize   = 1 << 10
	chunkKeys   = 128
	noChunk     = -1
)

// chunk holds part of a bucket's keys; chunks are linked by index, so the
// wheel holds no pointers for the collector to scan.
type chunk struct {
	keys [chunkKeys]key
	n    int32
	next int32
}

type bucket struct{ head, tail int32 }

type queue struct {
	cur     int64 // the bucket being drained (at >> bucketShift)
	run     []key // its keys, sorted; run[pos:] are still due
	tmp     []key // scratch space for sorting run (sortKeys)
	pos     int
	near    heap4    // keys pushed at or before cur after it was sorted
	wheel   []bucket // wheel[b % wheelSize]: the unsorted keys of bucket b, cur < b < cur+wheelSize
	chunks  []chunk
	spare   []int32 // chunks free for reuse
	inWheel int
	far     heap4 // keys of buckets at or beyond cur+wheelSize when pushed
	n       int
	slots   []action
	free    []uint32
}

func (q *queue) len() int { return q.n }

// begin places the queue at virtual time at: no key is pushed before it
// (one that is goes first, as it should, just not as cheaply).
func (q *queue) begin(at int64) {
	q.cur = at >> bucketShift
	q.initWheel()
}

func (q *queue) initWheel() {
	if q.wheel == nil {
		q.wheel = make([]bucket, wheelSize)
		for i := range q.wheel {
			q.wheel[i] = bucket{noChunk, noChunk}
		}
	}
}

func (q *queue) push(at int64, seq uint64, x action) {
	var slot uint32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slots[slot] = x
	} else {
		slot = uint32(len(q.slots))
		q.slots = append(q.slots, x)
	}
	q.n++
	k := key{at: at, seq: seq, slot: slot}
	switch b := at >> bucketShift; {
	case b <= q.cur:
		q.near.push(k)
	case b < q.cur+wheelSize:
		q.initWheel()
		q.add(&q.wheel[b&(wheelSize-1)], k)
	default:
		q.far.push(k)
	}
}

// add appends k to bucket w.
func (q *queue) add(w *bucket, k key) {
	c := w.tail
	if c == noChunk || q.chunks[c].n == chunkKeys {
		var nc int32
		if n := len(q.spare); n > 0 {
			nc = q.spare[n-1]
			q.spare = q.spare[:n-1]
		} else {
			nc = int32(len(q.chunks))
			q.chunks = append(q.chunks, chunk{})
		}
		q.chunks[nc].n, q.chunks[nc].next = 0, noChunk
		if c == noChunk {
			w.head = nc
		} else {
			q.chunks[c].next = nc
		}
		w.tail, c = nc, nc
	}
	ch := &q.chunks[c]
	ch.keys[ch.n] = k
	ch.n++
	q.inWheel++
}

// first is the next key, and whether it is near's; ok is false when the
// queue is empty.
func (q *queue) first() (k key, near, ok bool) {
	for {
		if q.pos < len(q.run) {
			k = q.run[q.pos]
			if q.near.len() > 0 && q.near.top().before(k) {
				return q.near.top(), true, true
			}
			return k, false, true
		}
		if q.near.len() > 0 {
			return q.near.top(), true, true
		}
		if !q.advance() {
			return key{}, false, false
		}
	}
}

// advance moves to the next bucket that has keys and sorts them into run.
func (q *queue) advance() bool {
	if q.inWheel == 0 && q.far.len() == 0 {
		return false
	}
	fb := int64(math.MaxInt64)
	if q.far.len() > 0 {
		fb = q.far.top().at >> bucketShift
	}
	b := fb
	if q.inWheel > 0 {
		// Every key on the wheel is in a bucket after cur and before
		// cur+wheelSize, so this stops before going round.
		b = q.cur + 1
		for b < fb && q.wheel[b&(wheelSize-1)].head == noChunk {
			b++
		}
	}
	q.cur, q.pos = b, 0
	run := q.run[:0]
	if q.inWheel > 0 {
		w := &q.wheel[b&(wheelSize-1)]
		for c := w.head; c != noChunk; {
			ch := &q.chunks[c]
			run = append(run, ch.keys[:ch.n]...)
			q.inWheel -= int(ch.n)
			q.spare = append(q.spare, c)
			c = ch.next
		}
		w.head, w.tail = noChunk, noChunk
	}
	for q.far.len() > 0 && q.far.top().at>>bucketShift <= b {
		run = append(run, q.far.pop())
	}
	q.tmp = sortKeys(run, q.tmp)
	q.run = run
	return true
}

// radixFrom is the size of a bucket from which sortKeys sorts by radix:
// below it, comparisons cost less than the radix's three passes over
// its counts. A million devices put a few thousand keys in each bucket,
// where a comparison sort spent 4% of the simulation's goroutine.
const radixFrom = 256

// sortKeys sorts keys of one bucket (their times agree above bit
// bucketShift) by time, ties by scheduling order, and returns the
// scratch space it used (tmp, grown) for the next call.
func sortKeys(keys, tmp []key) []key {
	if len(keys) < radixFrom {
		slices.SortFunc(keys, func(a, b key) int {
			if a.before(b) {
				return -1
			}
			return 1
		})
		return tmp
	}
	// Least significant digit first, three stable passes of 10 bits over
	// the time's offset in its bucket (bucketShift = 30 bits).
	if cap(tmp) < len(keys) {
		tmp = make([]key, len(keys))
	}
	tmp = tmp[:len(keys)]
	src, dst := keys, tmp
	for shift := 0; shift < bucketShift; shift += 10 {
		var count [1 << 10]int32
		for i := range src {
			count[src[i].at>>shift&(1<<10-1)]++
		}
		var sum int32
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for i := range src {
			d := src[i].at >> shift & (1<<10 - 1)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] { // an odd number of passes
		copy(keys, src)
	}
	// Ties in time, in scheduling order: runs of equal times are short
	// and mostly in order already.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].at == keys[j-1].at && keys[j].seq < keys[j-1].seq; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return tmp
}

// peek is the next key; the queue must not be empty.
func (q *queue) peek() key {
	k, _, _ := q.first()
	return k
}

// pop removes the first action; the queue must not be empty.
func (q *queue) pop() (key, action) {
	k, near, _ := q.first()
	return k, q.take(k, near)
}

// take removes k, the first key as first gave it (near: near's), and
// returns its action.
func (q *queue) take(k key, near bool) action {
	if near {
		q.near.pop()
	} else {
		q.pos++
		// The actions after this one, most likely the next ones in run:
		// the slot of the one WarmAhead places on to the caches now, and
		// each closer one's next stage (what the stage before loaded).
		if i := q.pos + WarmAhead; i < len(q.run) {
			prefetch.Line(unsafe.Pointer(&q.slots[q.run[i].slot]))
		}
		for ahead := min(WarmAhead, len(q.run)-q.pos); ahead >= 1; ahead-- {
			x := &q.slots[q.run[q.pos+ahead-1].slot]
			if w, ok := x.a.(Warmer); ok {
				w.Warm(x.kind, ahead)
			}
		}
	}
	q.n--
	x := q.slots[k.slot]
	q.slots[k.slot] = action{} // the slot keeps no action alive
	q.free = append(q.free, k.slot)
	return x
}

// heap4 is a 4-ary min-heap of keys, written out rather than through
// container/heap (whose Push and Pop box every item): a node's children
// are next to each other, and the keys carry no pointers for the
// collector to scan.
type heap4 struct{ h []key }

func (p *heap4) len() int { return len(p.h) }
func (p *heap4) top() key { return p.h[0] }

func (p *heap4) push(k key) {
	p.h = append(p.h, k)
	h := p.h
	i := len(h) - 1
	for i > 0 {
		up := (i - 1) / 4
		if !k.before(h[up]) {
			break
		}
		h[i] = h[up]
		i = up
	}
	h[i] = k
}

func (p *heap4) pop() key {
	h := p.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	h = h[:n]
	p.h = h
	if n > 0 {
		i := 0
		for {
			c := 4*i + 1
			if c >= n {
				break
			}
			m := c
			for j := c + 1; j < c+4 && j < n; j++ {
				if h[j].before(h[m]) {
					m = j
				}
			}
			if !h[m].before(last) {
				break
			}
			h[i] = h[m]
			i = m
		}
		h[i] = last
	}
	return top
}

// Scheduler runs actions in virtual-time order. It is not safe for
// concurrent use: actions schedule further actions from within Run.
type Scheduler struct {
	start   time.Time
	now     time.Time
	elapsed time.Duration // now - start, kept as now moves (time.Time.Sub costs)
	speed   float64
	q       queue
	seq     uint64
	ran     uint64
	stopped bool
	shown   atomic.Int64 // now, for readers on other goroutines (progress)
	watch   func(next int64)
	every   uint64
}

// Watch makes Run tell fn the virtual time (Unix nanoseconds) of the next
// action before it runs it, every so many actions and before each wait
// for the wall clock: nothing Run does later happens before that time.
// It is how a lane of a run in several processes tells the merge of the
// events how far it has come when it has no event to show for it.
func (s *Scheduler) Watch(every int, fn func(next int64)) {
	s.watch, s.every = fn, uint64(max(every, 1))
}

// New makes a scheduler whose virtual time starts at start.
func New(start time.Time, speed float64) *Scheduler {
	s := &Scheduler{start: start, now: start, speed: speed}
	s.q.begin(start.UnixNano())
	return s
}

// Grow makes room for n more scheduled actions at once, so that a run
// that schedules an action for each of a million devices does not grow
// the queue step by step (and leave the steps to the collector).
func (s *Scheduler) Grow(n int) {
	if n <= 0 {
		return
	}
	s.q.slots = slices.Grow(s.q.slots, n)
}

// Now is the current virtual time.
func (s *Scheduler) Now() time.Time { return s.now }

// Progress is the virtual time reached, safe to read from any goroutine.
func (s *Scheduler) Progress() time.Time {
	if n := s.shown.Load(); n != 0 {
		return time.Unix(0, n).UTC()
	}
	return s.start
}

// Start is the virtual time the run began at.
func (s *Scheduler) Start() time.Time { return s.start }

// Elapsed is the virtual time since the start.
func (s *Scheduler) Elapsed() time.Duration { return s.elapsed }

// At schedules fn at t; a time in the past means now.
func (s *Scheduler) At(t time.Time, fn func()) {
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	s.q.push(t.UnixNano(), s.seq, action{fn: fn})
}

// AtActor schedules a's action kind at t; a time in the past means now.
func (s *Scheduler) AtActor(t time.Time, a Actor, kind uint8) {
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	s.q.push(t.UnixNano(), s.seq, action{a: a, kind: kind})
}

// After schedules fn d after now.
func (s *Scheduler) After(d time.Duration, fn func()) { s.At(s.now.Add(d), fn) }

// Stop makes Run return after the action that calls it; the actions left
// are not run.
func (s *Scheduler) Stop() { s.stopped = true }

// Pending is the number of scheduled actions.
func (s *Scheduler) Pending() int { return s.q.len() }

// Ran is the number of actions run so far.
func (s *Scheduler) Ran() uint64 { return s.ran }

// Run runs the actions due up to end (inclusive), then sets the clock to
// end. It stops early when ctx is done. At a finite speed it waits for
// the wall clock to catch up with each action's virtual time.
func (s *Scheduler) Run(ctx context.Context, end time.Time) error {
	wall := time.Now()
	endAt := end.UnixNano()
	for s.q.len() > 0 && !s.stopped {
		if err := ctx.Err(); err != nil {
			return err
		}
		next, near, _ := s.q.first()
		if next.at > endAt {
			break
		}
		at := time.Unix(0, next.at).In(s.start.Location())
		if s.watch != nil && s.ran%s.every == 0 {
			s.watch(next.at)
		}
		if s.speed > 0 {
			due := wall.Add(time.Duration(float64(at.Sub(s.start)) / s.speed))
			if d := time.Until(due); d > 0 {
				if s.watch != nil {
					s.watch(next.at)
				}
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				case <-t.C:
				}
			}
		}
		x := s.q.take(next, near)
		s.now = at
		s.elapsed = time.Duration(next.at - s.start.UnixNano())
		if s.ran%showEvery == 0 || s.speed > 0 {
			// An atomic store waits for the stores before it: one in a
			// few hundred actions is all a progress line needs.
			s.shown.Store(next.at)
		}
		s.ran++
		if x.a != nil {
			x.a.Act(x.kind)
		} else {
			x.fn()
		}
	}
	if end.After(s.now) && !s.stopped {
		s.now = end
		s.elapsed = end.Sub(s.start)
	}
	s.shown.Store(s.now.UnixNano())
	return nil
}

// showEvery is how often (in actions) Run tells Progress how far it came.
const showEvery = 256

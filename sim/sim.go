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
	"strconv"
	"strings"
	"sync/atomic"
	"time"
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

type item struct {
	at   int64  // virtual time in Unix nanoseconds: no pointer for the collector to follow
	seq  uint64 // ties run in the order they were scheduled
	fn   func()
	a    Actor // or an actor's action: no closure to allocate
	kind uint8
}

// Actor has actions of its own, told apart by a kind. Scheduling an
// actor's action allocates nothing, where a closure would: a run with a
// million devices keeps a million actions scheduled.
type Actor interface{ Act(kind uint8) }

// queue is a binary min-heap of items by (at, seq), written out rather
// than through container/heap, whose Push and Pop box every item.
type queue []item

func (q queue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *queue) push(it item) {
	*q = append(*q, it)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *queue) pop() item {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = item{} // the slot keeps no action alive
	h = h[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// Scheduler runs actions in virtual-time order. It is not safe for
// concurrent use: actions schedule further actions from within Run.
type Scheduler struct {
	start   time.Time
	now     time.Time
	speed   float64
	q       queue
	seq     uint64
	ran     uint64
	stopped bool
	shown   atomic.Int64 // now, for readers on other goroutines (progress)
}

// New makes a scheduler whose virtual time starts at start.
func New(start time.Time, speed float64) *Scheduler {
	return &Scheduler{start: start, now: start, speed: speed}
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
func (s *Scheduler) Elapsed() time.Duration { return s.now.Sub(s.start) }

// At schedules fn at t; a time in the past means now.
func (s *Scheduler) At(t time.Time, fn func()) {
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	s.q.push(item{at: t.UnixNano(), seq: s.seq, fn: fn})
}

// AtActor schedules a's action kind at t; a time in the past means now.
func (s *Scheduler) AtActor(t time.Time, a Actor, kind uint8) {
	if t.Before(s.now) {
		t = s.now
	}
	s.seq++
	s.q.push(item{at: t.UnixNano(), seq: s.seq, a: a, kind: kind})
}

// After schedules fn d after now.
func (s *Scheduler) After(d time.Duration, fn func()) { s.At(s.now.Add(d), fn) }

// Stop makes Run return after the action that calls it; the actions left
// are not run.
func (s *Scheduler) Stop() { s.stopped = true }

// Pending is the number of scheduled actions.
func (s *Scheduler) Pending() int { return len(s.q) }

// Ran is the number of actions run so far.
func (s *Scheduler) Ran() uint64 { return s.ran }

// Run runs the actions due up to end (inclusive), then sets the clock to
// end. It stops early when ctx is done. At a finite speed it waits for
// the wall clock to catch up with each action's virtual time.
func (s *Scheduler) Run(ctx context.Context, end time.Time) error {
	wall := time.Now()
	for len(s.q) > 0 && !s.stopped {
		if err := ctx.Err(); err != nil {
			return err
		}
		next := s.q[0]
		if next.at > end.UnixNano() {
			break
		}
		at := time.Unix(0, next.at).In(s.start.Location())
		if s.speed > 0 {
			due := wall.Add(time.Duration(float64(at.Sub(s.start)) / s.speed))
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return ctx.Err()
				case <-t.C:
				}
			}
		}
		s.q.pop()
		s.now = at
		s.shown.Store(next.at)
		s.ran++
		if next.a != nil {
			next.a.Act(next.kind)
		} else {
			next.fn()
		}
	}
	if end.After(s.now) && !s.stopped {
		s.now = end
	}
	return nil
}

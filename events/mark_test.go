package events

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/core-sim/core-sim/sink"
)

// markOut is an Output and a Marker that logs what reaches it, in order.
type markOut struct {
	mu     sync.Mutex
	log    []string
	failed chan struct{}
}

func (o *markOut) Submit(b *sink.Batch) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range b.Records {
		o.log = append(o.log, fmt.Sprintf("record %d at %d", r.ID, r.At))
	}
}
func (o *markOut) Mark(at int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.log = append(o.log, fmt.Sprintf("mark %d", at))
}
func (o *markOut) Flush()                  {}
func (o *markOut) Close() error            { return nil }
func (o *markOut) Failed() <-chan struct{} { return o.failed }
func (o *markOut) Err() error              { return nil }
func (o *markOut) Wants(k sink.Kind) bool  { return k == sink.KindEvent }
func (o *markOut) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.log...)
}
func at(sec int) time.Time    { return time.Unix(int64(sec), 0) }
func nanos(sec int) int64     { return int64(sec) * int64(time.Second) }
func updateAt(sec int) *Event { return UpdateLocation(Facts{At: at(sec)}, Operator{}, "4179") }
func wantLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the output saw\n%v\nwant\n%v", got, want)
	}
}

// Records carry their virtual time, and a Mark reaches a Marker after the
// records emitted before it, once, and only when it moved.
func TestMarkFollowsTheRecordsBeforeIt(t *testing.T) {
	out := &markOut{failed: make(chan struct{})}
	s := NewStreamTo(out, Format{})
	for _, sec := range []int{1, 2} {
		if err := s.Emit(updateAt(sec)); err != nil {
			t.Fatal(err)
		}
	}
	s.Mark(nanos(5))
	s.Mark(nanos(4)) // earlier than the last: no news
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	wantLines(t, out.lines(), "record 1 at "+fmt.Sprint(nanos(1)), "record 2 at "+fmt.Sprint(nanos(2)), "mark "+fmt.Sprint(nanos(5)))
	s.Mark(nanos(5)) // the same again: nothing to hand over
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Emit(updateAt(6)); err != nil {
		t.Fatal(err)
	}
	s.Mark(nanos(7))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantLines(t, out.lines(), "record 1 at "+fmt.Sprint(nanos(1)), "record 2 at "+fmt.Sprint(nanos(2)), "mark "+fmt.Sprint(nanos(5)),
		"record 3 at "+fmt.Sprint(nanos(6)), "mark "+fmt.Sprint(nanos(7)))
}

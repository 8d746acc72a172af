package events

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
)

// Stream numbers events, writes them as NDJSON (one JSON object per line)
// and keeps the counts and statuses a run ends with. It is safe for
// concurrent use; ids increase in the order the lines are written.
type Stream struct {
	mu      sync.Mutex
	w       *bufio.Writer
	closer  io.Closer
	nextID  int64
	byType  map[Type]int
	rejects map[string]int
	total   int
	err     error
	observe func(*Event)
	buf     []byte // the line being encoded, reused under mu

	Statuses Statuses
}

// Observe makes fn see every event after it is written, in order. Set it
// before the first Emit; fn runs under the stream's lock and must be quick.
func (s *Stream) Observe(fn func(*Event)) { s.observe = fn }

// NewStream writes to w. If w is an io.Closer, Close closes it.
func NewStream(w io.Writer) *Stream {
	s := &Stream{w: bufio.NewWriterSize(w, 64<<10), nextID: 1, byType: map[Type]int{}, rejects: map[string]int{}}
	if c, ok := w.(io.Closer); ok && w != os.Stdout && w != os.Stderr {
		s.closer = c
	}
	return s
}

// OpenFile creates (or truncates) path and returns a Stream writing to it.
func OpenFile(path string) (*Stream, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return NewStream(f), nil
}

// Emit numbers e, writes it, and applies it to the statuses. The first
// write error is kept and returned by every later call and by Close.
func (s *Stream) Emit(e *Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	e.ID = s.nextID
	b, err := appendEvent(s.buf[:0], e)
	if err != nil {
		s.err = fmt.Errorf("events: encoding event %d: %w", e.ID, err)
		return s.err
	}
	s.nextID++
	b = append(b, '\n')
	s.buf = b
	if _, err := s.w.Write(b); err != nil {
		s.err = fmt.Errorf("events: writing event %d: %w", e.ID, err)
		return s.err
	}
	s.total++
	s.byType[e.Type]++
	if e.Reject != "" {
		s.rejects[e.Reject]++
	}
	s.Statuses.Apply(e)
	if s.observe != nil {
		s.observe(e)
	}
	return nil
}

// Emitted is the number of events written so far; safe from any goroutine.
func (s *Stream) Emitted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Flush writes out buffered events.
func (s *Stream) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		s.err = fmt.Errorf("events: %w", err)
	}
	return s.err
}

// Close flushes and closes the underlying file, if the stream owns one.
func (s *Stream) Close() error {
	err := s.Flush()
	if s.closer != nil {
		if cerr := s.closer.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("events: %w", cerr)
		}
	}
	return err
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
	sum := Summary{Total: s.total, ByType: map[Type]int{}, Rejects: map[string]int{}}
	for k, v := range s.byType {
		sum.ByType[k] = v
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

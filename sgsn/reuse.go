package sgsn

import (
	"unsafe"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/internal/prefetch"
)

// Closed sessions are reused. A load run opens and closes hundreds of
// thousands a second, and with a million devices a new one each time was
// most of what the collector had to follow (docs/scaling.md). A session
// is reused once nobody can read it again: its close is done (its Delete
// PDP Context event emitted), its holder let go of it (Release), and the
// event stream's encoder has written every event emitted until then (the
// events point to the session's facts). Until then it waits in its node's
// queue of freed sessions, oldest first.

// The bits of Session.state.
const (
	sessionClosing  = 1 << iota // its close has begun: no one else closes it
	sessionClosed               // its close is done, its event (if any) emitted
	sessionReleased             // its holder let go of it
)

// Release tells that the caller, which CreatePDPContext gave s to, will not
// use it again: once it is closed (by DeletePDPContext, or by the network:
// a cancel, a detach), it serves a later session of the node. Release s
// once at most, and only after its last use; a session never released is
// left to the collector.
func (s *Session) Release() {
	if old := s.state.Or(sessionReleased); old&(sessionReleased|sessionClosed) == sessionClosed {
		s.node.recycle(s)
	}
}

// settle marks s's close done, by the one who began it, once its event
// has been emitted or given up on.
func (s *Session) settle() {
	if old := s.state.Or(sessionClosed); old&sessionReleased != 0 {
		s.node.recycle(s)
	}
}

// recycle queues s, closed and let go of, for reuse once the stream has
// encoded every event emitted so far.
func (n *Node) recycle(s *Session) {
	st := n.plat.Stream
	if st == nil {
		return
	}
	after := st.Emitted()
	s.reg, s.subj = nil, events.SubjectRef{} // nothing it points to is kept alive for it
	n.mu.Lock()
	n.freed.put(s, after)
	n.mu.Unlock()
}

// freedSessions is a node's queue of closed sessions, oldest first; under
// the node's mu.
type freedSessions struct {
	q    []freed
	head int
}

// freed is a session that may be reused once the stream has encoded the
// first after events.
type freed struct {
	s     *Session
	after int
}

// maxFreed bounds the sessions waiting for the encoder (which is at most
// a few thousand events behind unless its output is stuck): beyond it, the
// collector takes them.
const maxFreed = 1 << 16

func (f *freedSessions) put(s *Session, after int) {
	switch n := len(f.q) - f.head; {
	case n >= maxFreed:
		return
	case n == 0:
		f.q, f.head = f.q[:0], 0
	case f.head >= 1024 && f.head >= n:
		copy(f.q, f.q[f.head:])
		clear(f.q[n:])
		f.q, f.head = f.q[:n], 0
	}
	f.q = append(f.q, freed{s: s, after: after})
}

// take returns the oldest session ready for reuse, or nil.
func (f *freedSessions) take(st *events.Stream) *Session {
	if f.head == len(f.q) || st == nil || f.q[f.head].after > st.Encoded() {
		return nil
	}
	s := f.q[f.head].s
	f.q[f.head] = freed{}
	if f.head++; f.head < len(f.q) {
		// The next Create's, most likely: with a million devices it left
		// the caches since its close.
		next := unsafe.Pointer(f.q[f.head].s)
		prefetch.Pair(next)
		prefetch.Pair(unsafe.Add(next, 128))
	}
	return s
}

package gtpc

import (
	"net/netip"
	"sync"
)

// sendQueue lets the goroutines that send on one endpoint (callers with
// their requests and retransmissions, workers with their responses) share
// system calls. A sender that finds the queue idle sends its datagram and
// then whatever the others queued meanwhile, up to batchSize datagrams a
// call (sendmmsg(2)); a sender that finds it busy leaves a copy of its
// datagram and returns. Alone, a sender pays the one call it paid before;
// with dozens of calls in flight (a load test's client, a GGSN's workers)
// they share a call instead of each making its own, and a loopback
// datagram sent in a batch costs about half of one sent alone.
//
// A datagram leaves after its sender returns when another sender is
// busy: a retransmission timer started then is, if anything, late by one
// system call. Datagrams of one sender leave in the order it sent them.
type sendQueue struct {
	w *mwriter
	e *Endpoint

	mu   sync.Mutex
	busy bool       // a sender is writing; it will take cur too
	cur  *sendBatch // what senders queue now
	idle *sendBatch // empty, for the writing sender to swap in
}

// sendBatch is datagrams back to back, each with its peer.
type sendBatch struct {
	buf   []byte
	items []queuedDatagram
}

type queuedDatagram struct {
	peer netip.AddrPort
	end  int // in buf
}

// maxKept is the most a batch's buffer keeps between bursts.
const maxKept = 1 << 20

func newSendQueue(w *mwriter, e *Endpoint) *sendQueue {
	return &sendQueue{w: w, e: e, cur: &sendBatch{}, idle: &sendBatch{}}
}

func (q *sendQueue) send(d []byte, peer netip.AddrPort) {
	q.mu.Lock()
	c := q.cur
	c.buf = append(c.buf, d...)
	c.items = append(c.items, queuedDatagram{peer: peer, end: len(c.buf)})
	if q.busy {
		q.mu.Unlock()
		return
	}
	q.busy = true
	for {
		b := q.cur
		if len(b.items) == 0 {
			q.busy = false
			q.mu.Unlock()
			return
		}
		q.cur, q.idle = q.idle, b
		q.mu.Unlock()
		q.write(b)
		if cap(b.buf) > maxKept {
			b.buf = nil
		}
		b.buf, b.items = b.buf[:0], b.items[:0]
		q.mu.Lock()
	}
}

// write sends b's datagrams, batchSize a system call. A datagram the
// system refuses is logged and skipped, as a lone send's failure was.
func (q *sendQueue) write(b *sendBatch) {
	start := 0
	for i, it := range b.items {
		if !q.w.add(b.buf[start:it.end], it.peer) {
			q.flush()
			q.w.add(b.buf[start:it.end], it.peer)
		}
		start = it.end
		if i == len(b.items)-1 {
			q.flush()
		}
	}
}

func (q *sendQueue) flush() {
	sent, err := q.w.flush()
	q.e.stats.sent.Add(uint64(sent))
	if err != nil {
		q.e.sendFailed(err)
	}
}

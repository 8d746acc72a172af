package gtpc

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Handler answers the requests a server endpoint receives. It is called
// from several goroutines at once; it never sees bytes, only decoded
// messages. A nil response is answered with System failure (204).
type Handler interface {
	CreatePDPContext(peer netip.AddrPort, req *CreatePDPContextRequest) *CreatePDPContextResponse
	DeletePDPContext(peer netip.AddrPort, req *DeletePDPContextRequest) *DeletePDPContextResponse
}

// Config of an Endpoint. The zero value is a client with the defaults of
// TS 29.060 (T3-RESPONSE 1 s, N3-REQUESTS 3).
type Config struct {
	// T3Response is how long to wait for a response before retransmitting
	// a request. Default 1s.
	T3Response time.Duration
	// N3Requests is how many times a request is retransmitted before the
	// call fails with ErrTimeout. Default 3; negative means none.
	N3Requests int
	// Recovery is our restart counter, sent in Echo Responses and Create
	// PDP Context Responses (TS 29.060 7.7.11).
	Recovery uint8
	// Logger; nil logs nothing.
	Logger *zap.Logger
	// Handler serves incoming Create/Delete PDP Context Requests; nil
	// makes a pure client, which drops them.
	Handler Handler
	// OnPeerRestart, if set, is called when a peer's Recovery value differs
	// from the one it sent before (TS 29.060 7.7.11). It runs on the
	// goroutine that decoded the message and should return quickly.
	OnPeerRestart func(peer netip.AddrPort, recovery uint8)
	// Workers is how many requests are handled at once. Default 64.
	Workers int
	// Inline handles requests on the reading goroutine itself, one at a
	// time, without handing them to workers: for a Handler that never
	// blocks (it answers from memory), this saves a goroutine switch a
	// request. Workers and QueueLength are then unused.
	Inline bool
	// QueueLength bounds the requests waiting for a worker; more are
	// dropped (and retransmitted by the peer). Default 8192.
	QueueLength int
	// SocketBuffer is the size asked for the socket's receive and send
	// buffers, so that a burst is not lost. Default 4 MiB.
	SocketBuffer int
	// ResponseTTL is how long a response is kept to answer a retransmitted
	// request (TS 29.060 7.6: at least T3-RESPONSE * N3-REQUESTS). Entries
	// live between ResponseTTL and twice that. Default (N3Requests+1) *
	// T3Response.
	ResponseTTL time.Duration
}

// Errors of the client calls.
var (
	// ErrTimeout: no response after N3Requests retransmissions.
	ErrTimeout = errors.New("gtpc: no response (T3-RESPONSE x N3-REQUESTS)")
	// ErrClosed: the endpoint is closed.
	ErrClosed = errors.New("gtpc: endpoint closed")
	// ErrTooManyInFlight: all 65536 sequence numbers towards the peer are
	// waiting for a response.
	ErrTooManyInFlight = errors.New("gtpc: no free sequence number")
)

// Stats are the endpoint's counters since it started.
type Stats struct {
	Received        uint64 // datagrams read
	Sent            uint64 // datagrams written, retransmissions included
	Retransmissions uint64 // requests of ours sent again after T3-RESPONSE
	Duplicates      uint64 // retransmitted requests received, answered from the cache
	Malformed       uint64 // datagrams that could not be decoded
	Dropped         uint64 // ignored: unknown type, unexpected response, full queue, other version
	Timeouts        uint64 // client calls that got no response
}

type counters struct {
	received, sent, retransmissions, duplicates, malformed, dropped, timeouts atomic.Uint64
}

// Endpoint is one GTPv1-C UDP socket, client and server at once. Its
// methods are safe for concurrent use.
type Endpoint struct {
	conn    *net.UDPConn
	local   netip.AddrPort
	cfg     Config
	log     *zap.Logger
	warn    *zap.Logger // sampled, for what peers can make us say
	echoRes []byte      // Echo Response with our Recovery, sequence patched per answer

	jobs    chan job
	cache   responseCache
	pending pendingTable
	seq     atomic.Uint32

	out *sendQueue // nil where datagrams are sent one at a time

	recMu     sync.Mutex
	recovery  map[netip.AddrPort]uint8
	stats     counters
	closed    chan struct{}
	closeOnce sync.Once
	readers   sync.WaitGroup
	workers   sync.WaitGroup
}

// job is a request waiting for a worker.
type job struct {
	peer  netip.AddrPort
	b     []byte
	key   cacheKey
	entry *cacheEntry
}

// Listen opens a UDP socket on addr (e.g. "127.0.0.1:2123", ":0") and starts
// serving it.
func Listen(addr string, cfg Config) (*Endpoint, error) {
	if cfg.T3Response <= 0 {
		cfg.T3Response = time.Second
	}
	if cfg.N3Requests == 0 {
		cfg.N3Requests = 3
	} else if cfg.N3Requests < 0 {
		cfg.N3Requests = 0
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.QueueLength <= 0 {
		cfg.QueueLength = 8192
	}
	if cfg.SocketBuffer <= 0 {
		cfg.SocketBuffer = 4 << 20
	}
	if cfg.ResponseTTL <= 0 {
		cfg.ResponseTTL = time.Duration(cfg.N3Requests+1) * cfg.T3Response
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("gtpc: listen %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("gtpc: listen %q: %w", addr, err)
	}
	setBuffers(conn, cfg.SocketBuffer)
	echo, err := Marshal(&EchoResponse{Recovery: cfg.Recovery}, 0)
	if err != nil {
		conn.Close()
		return nil, err
	}
	e := &Endpoint{
		conn:    conn,
		local:   conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		cfg:     cfg,
		log:     cfg.Logger,
		echoRes: echo,
		jobs:    make(chan job, cfg.QueueLength),
		closed:  make(chan struct{}),
		warn: cfg.Logger.WithOptions(zap.WrapCore(func(c zapcore.Core) zapcore.Core {
			return zapcore.NewSamplerWithOptions(c, time.Second, 20, 0)
		})),
		recovery: make(map[netip.AddrPort]uint8),
	}
	if w := newMWriter(conn); w != nil {
		e.out = newSendQueue(w, e)
	}
	e.cache.init(cfg.ResponseTTL)
	e.pending.init()
	// A restarted client must not reuse the sequence numbers a peer may
	// still hold responses for.
	e.seq.Store(uint32(time.Now().UnixNano()))
	e.readers.Add(1)
	go e.readLoop()
	if cfg.Handler != nil && !cfg.Inline {
		for range cfg.Workers {
			e.workers.Add(1)
			go e.work()
		}
	}
	e.log.Info("gtpc endpoint listening", zap.Stringer("addr", e.local), zap.Bool("server", cfg.Handler != nil))
	return e, nil
}

// LocalAddr is the socket's address.
func (e *Endpoint) LocalAddr() netip.AddrPort { return e.local }

// Stats returns a snapshot of the counters.
func (e *Endpoint) Stats() Stats {
	return Stats{
		Received:        e.stats.received.Load(),
		Sent:            e.stats.sent.Load(),
		Retransmissions: e.stats.retransmissions.Load(),
		Duplicates:      e.stats.duplicates.Load(),
		Malformed:       e.stats.malformed.Load(),
		Dropped:         e.stats.dropped.Load(),
		Timeouts:        e.stats.timeouts.Load(),
	}
}

// Close stops the endpoint: pending calls return ErrClosed, the socket is
// closed, and Close waits for the handlers running.
func (e *Endpoint) Close() error {
	var err error
	e.closeOnce.Do(func() {
		close(e.closed)
		e.pending.close()
		err = e.conn.Close()
		e.readers.Wait()
		close(e.jobs)
		e.workers.Wait()
	})
	return err
}

func (e *Endpoint) send(b []byte, peer netip.AddrPort) {
	if e.out != nil {
		e.out.send(b, peer)
		return
	}
	if _, err := e.conn.WriteToUDPAddrPort(b, peer); err != nil {
		e.sendFailed(err, zap.Stringer("peer", peer))
		return
	}
	e.stats.sent.Add(1)
}

func (e *Endpoint) sendFailed(err error, fields ...zap.Field) {
	select {
	case <-e.closed:
	default:
		e.warn.Warn("gtpc send failed", append(fields, zap.Error(err))...)
	}
}

func (e *Endpoint) readLoop() {
	defer e.readers.Done()
	if b := newBatcher(e.conn); b != nil {
		e.readBatches(b)
		return
	}
	buf := make([]byte, 65536)
	for {
		n, peer, err := e.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if e.readFailed(err) {
				return
			}
			continue
		}
		e.stats.received.Add(1)
		e.packet(buf[:n], netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port()), nil)
	}
}

// readFailed logs a failed read; true when the endpoint is closed.
func (e *Endpoint) readFailed(err error) bool {
	select {
	case <-e.closed:
		return true
	default:
	}
	if errors.Is(err, net.ErrClosed) {
		return true
	}
	e.warn.Warn("gtpc read failed", zap.Error(err))
	return false
}

// readBatches is readLoop reading every datagram waiting at once; the
// answers made on this goroutine (Echo, retransmitted and, Inline, all
// responses) are sent together once the batch is handled.
func (e *Endpoint) readBatches(b *batcher) {
	out := &replies{b: b, e: e}
	for {
		n, err := b.read()
		if err != nil {
			if e.readFailed(err) {
				return
			}
			continue
		}
		e.stats.received.Add(uint64(n))
		for i := range n {
			d, peer, cut := b.datagram(i)
			if cut {
				e.stats.malformed.Add(1)
				e.warn.Warn("gtpc datagram too long, dropped", zap.Stringer("peer", peer), zap.Int("max", slotSize))
				continue
			}
			e.packet(d, peer, out)
		}
		out.flush()
	}
}

// replies are the datagrams the reading goroutine sends once its batch is
// handled.
type replies struct {
	b *batcher
	e *Endpoint
}

func (r *replies) send(d []byte, peer netip.AddrPort) {
	if !r.b.add(d, peer) {
		r.flush()
		r.b.add(d, peer)
	}
}

func (r *replies) flush() {
	sent, err := r.b.flush()
	r.e.stats.sent.Add(uint64(sent))
	if err != nil {
		r.e.sendFailed(err)
	}
}

// reply sends d to peer: through out when the reading goroutine batches
// (out is nil elsewhere).
func (e *Endpoint) reply(out *replies, d []byte, peer netip.AddrPort) {
	if out == nil {
		e.send(d, peer)
		return
	}
	out.send(d, peer)
}

// packet dispatches one datagram on the reader goroutine: only the header is
// read here; bodies are decoded by workers (requests) or by the waiting
// caller (responses).
func (e *Endpoint) packet(b []byte, peer netip.AddrPort, out *replies) {
	h, err := DecodeHeader(b)
	if err != nil {
		if errors.Is(err, ErrVersionNotSupported) {
			e.stats.dropped.Add(1)
			// Answer a readable header of another version, but never a
			// Version Not Supported (type 3 in every version), to avoid loops.
			if len(b) >= 8 && b[1] != byte(MsgVersionNotSupported) {
				if vns, err := Marshal(&VersionNotSupported{}, 0); err == nil {
					e.reply(out, vns, peer)
				}
			}
			e.warn.Warn("gtpc version not supported", zap.Stringer("peer", peer), zap.Uint8("version", h.Version))
			return
		}
		e.stats.malformed.Add(1)
		e.warn.Warn("gtpc malformed header", zap.Stringer("peer", peer), zap.Int("len", len(b)), zap.Error(err))
		return
	}
	switch h.Type {
	case MsgEchoRequest:
		r := make([]byte, len(e.echoRes))
		copy(r, e.echoRes)
		r[8], r[9] = byte(h.Sequence>>8), byte(h.Sequence)
		e.reply(out, r, peer)
	case MsgCreatePDPContextRequest, MsgDeletePDPContextRequest:
		e.request(h, b, peer, out)
	case MsgEchoResponse, MsgCreatePDPContextResponse, MsgDeletePDPContextResponse, MsgVersionNotSupported:
		if !e.pending.deliver(peer, h.Sequence, h.Type, b) {
			e.stats.dropped.Add(1)
			e.log.Debug("gtpc unexpected response", zap.Stringer("peer", peer), zap.Stringer("type", h.Type), zap.Uint16("seq", h.Sequence))
		}
	default:
		e.stats.dropped.Add(1)
		e.log.Debug("gtpc message type not handled", zap.Stringer("peer", peer), zap.Stringer("type", h.Type))
	}
}

func (e *Endpoint) request(h Header, b []byte, peer netip.AddrPort, out *replies) {
	if e.cfg.Handler == nil {
		e.stats.dropped.Add(1)
		return
	}
	key := cacheKey{peer: peer, seq: h.Sequence, typ: h.Type}
	entry, resp, dup := e.cache.reserve(key, requestHash(b), time.Now())
	if dup {
		e.stats.duplicates.Add(1)
		if resp != nil {
			e.reply(out, resp, peer)
		} // else still being handled: its response goes out when ready
		return
	}
	if e.cfg.Inline {
		e.serve(job{peer: peer, b: b, key: key, entry: entry}, out)
		return
	}
	select {
	case e.jobs <- job{peer: peer, b: copyToBuffer(b), key: key, entry: entry}:
	default:
		e.cache.remove(key, entry)
		e.stats.dropped.Add(1)
		e.warn.Warn("gtpc request queue full, request dropped", zap.Stringer("peer", peer))
	}
}

func (e *Endpoint) work() {
	defer e.workers.Done()
	for j := range e.jobs {
		e.serve(j, nil)
		putBuffer(j.b) // Decode kept nothing of it
	}
}

// serve answers one request.
func (e *Endpoint) serve(j job, out *replies) {
	resp := e.respond(j)
	if resp == nil {
		e.cache.remove(j.key, j.entry)
		return
	}
	e.cache.complete(j.key, j.entry, resp)
	e.reply(out, resp, j.peer)
}

// respond decodes a request, asks the handler and encodes its answer; nil
// means no answer.
func (e *Endpoint) respond(j job) []byte {
	h, m, err := Decode(j.b)
	var res Message
	if err != nil {
		e.stats.malformed.Add(1)
		e.warn.Warn("gtpc malformed request", zap.Stringer("peer", j.peer), zap.Error(err))
		var de *DecodeError
		if !errors.As(err, &de) {
			return nil
		}
		switch h.Type {
		case MsgCreatePDPContextRequest:
			r := &CreatePDPContextResponse{Cause: de.Cause, Recovery: &e.cfg.Recovery}
			if req, ok := m.(*CreatePDPContextRequest); ok {
				r.TEID = req.TEIDControl
			}
			res = r
		case MsgDeletePDPContextRequest:
			res = &DeletePDPContextResponse{Cause: de.Cause}
		}
	} else {
		res = e.handle(j.peer, m)
	}
	b, err := Marshal(res, h.Sequence)
	if err != nil {
		e.log.Error("gtpc handler response cannot be encoded", zap.Stringer("peer", j.peer), zap.Error(err))
		res = systemFailure(m)
		if b, err = Marshal(res, h.Sequence); err != nil {
			return nil
		}
	}
	return b
}

func systemFailure(m Message) Message {
	switch m := m.(type) {
	case *CreatePDPContextRequest:
		return &CreatePDPContextResponse{TEID: m.TEIDControl, Cause: CauseSystemFailure}
	default:
		return &DeletePDPContextResponse{Cause: CauseSystemFailure}
	}
}

// handle calls the handler, turning a panic or a nil answer into System
// failure.
func (e *Endpoint) handle(peer netip.AddrPort, m Message) (res Message) {
	defer func() {
		if r := recover(); r != nil {
			e.log.Error("gtpc handler panic", zap.Stringer("peer", peer), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			res = systemFailure(m)
		}
	}()
	switch m := m.(type) {
	case *CreatePDPContextRequest:
		if m.Recovery != nil {
			e.observeRecovery(peer, *m.Recovery)
		}
		r := e.cfg.Handler.CreatePDPContext(peer, m)
		if r == nil {
			return systemFailure(m)
		}
		c := *r
		if c.TEID == 0 {
			c.TEID = m.TEIDControl
		}
		if c.Recovery == nil {
			c.Recovery = &e.cfg.Recovery
		}
		return &c
	case *DeletePDPContextRequest:
		r := e.cfg.Handler.DeletePDPContext(peer, m)
		if r == nil {
			return systemFailure(m)
		}
		return r
	}
	return systemFailure(m)
}

// observeRecovery remembers a peer's restart counter and reports a change.
func (e *Endpoint) observeRecovery(peer netip.AddrPort, v uint8) {
	e.recMu.Lock()
	old, known := e.recovery[peer]
	e.recovery[peer] = v
	e.recMu.Unlock()
	if known && old != v {
		e.log.Info("gtpc peer restarted", zap.Stringer("peer", peer), zap.Uint8("recovery", v), zap.Uint8("previous", old))
		if e.cfg.OnPeerRestart != nil {
			e.cfg.OnPeerRestart(peer, v)
		}
	}
}

// transact sends a request and waits for its response, retransmitting
// after T3Response up to N3Requests times.
func (e *Endpoint) transact(ctx context.Context, peer netip.AddrPort, m Message) (Message, error) {
	select {
	case <-e.closed:
		return nil, ErrClosed
	default:
	}
	peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	p, seq, err := e.pending.add(peer, &e.seq)
	if err != nil {
		return nil, err
	}
	defer e.pending.remove(peer, seq, p)
	buf := getBuffer()
	defer func() { putBuffer(buf) }()
	b, err := appendMessage(buf[:0], m, seq)
	if err != nil {
		return nil, err
	}
	buf = b // kept for retransmissions until the call returns
	e.send(b, peer)
	// The call waits on its channel alone: the T3 timer and Close put a nil
	// in it, which costs less than a select over four channels per call.
	deadline := time.Now().Add(e.cfg.T3Response)
	p.timer.Reset(e.cfg.T3Response)
	done := ctx.Done()
	for attempt := 0; ; {
		var r []byte
		if done == nil {
			r = <-p.ch
		} else {
			select {
			case r = <-p.ch:
			case <-done:
				return nil, ctx.Err()
			}
		}
		if r != nil {
			h, res, err := Decode(r)
			putBuffer(r)
			if err != nil {
				e.stats.malformed.Add(1)
				return nil, fmt.Errorf("gtpc: %v from %v: %w", m.MessageType(), peer, err)
			}
			if h.Type == MsgVersionNotSupported {
				return nil, fmt.Errorf("gtpc: %v peer says: %w", peer, ErrVersionNotSupported)
			}
			if h.Type != m.MessageType().Response() {
				return nil, fmt.Errorf("gtpc: %v answered %v with %v: %w", peer, m.MessageType(), h.Type, ErrMalformed)
			}
			return res, nil
		}
		select {
		case <-e.closed:
			return nil, ErrClosed
		default:
		}
		now := time.Now()
		if now.Before(deadline) {
			// The timer of an earlier use of p, or one a hair early: make
			// sure ours still runs.
			p.timer.Reset(deadline.Sub(now))
			continue
		}
		if attempt >= e.cfg.N3Requests {
			e.stats.timeouts.Add(1)
			return nil, fmt.Errorf("%v to %v seq %d: %w", m.MessageType(), peer, seq, ErrTimeout)
		}
		attempt++
		e.stats.retransmissions.Add(1)
		e.send(b, peer)
		deadline = now.Add(e.cfg.T3Response)
		p.timer.Reset(e.cfg.T3Response)
	}
}

// CreatePDPContext sends a Create PDP Context Request to peer and returns
// its response, whatever its cause.
func (e *Endpoint) CreatePDPContext(ctx context.Context, peer netip.AddrPort, req *CreatePDPContextRequest) (*CreatePDPContextResponse, error) {
	m, err := e.transact(ctx, peer, req)
	if err != nil {
		return nil, err
	}
	res := m.(*CreatePDPContextResponse)
	if res.Recovery != nil {
		e.observeRecovery(peer, *res.Recovery)
	}
	return res, nil
}

// DeletePDPContext sends a Delete PDP Context Request to peer and returns
// its response, whatever its cause.
func (e *Endpoint) DeletePDPContext(ctx context.Context, peer netip.AddrPort, req *DeletePDPContextRequest) (*DeletePDPContextResponse, error) {
	m, err := e.transact(ctx, peer, req)
	if err != nil {
		return nil, err
	}
	return m.(*DeletePDPContextResponse), nil
}

// Echo sends an Echo Request to peer and returns the peer's Recovery.
func (e *Endpoint) Echo(ctx context.Context, peer netip.AddrPort) (uint8, error) {
	m, err := e.transact(ctx, peer, &EchoRequest{})
	if err != nil {
		return 0, err
	}
	r := m.(*EchoResponse).Recovery
	e.observeRecovery(peer, r)
	return r, nil
}

const shards = 64

// pendingTable holds the client's requests waiting for a response, by peer
// and sequence number, sharded by sequence number.
type pendingTable struct {
	shards [shards]struct {
		mu     sync.Mutex
		m      map[pendingKey]*pendingCall
		closed bool
		_      [32]byte // keep shards on separate cache lines
	}
}

type pendingKey struct {
	peer netip.AddrPort
	seq  uint16
}

// pendingCall is where a response goes: a copy in a pooled buffer, or nil
// when the T3 timer fires or the endpoint closes. A response is sent only
// under the shard's lock while the call is in the table, so once removed a
// pendingCall can be reused; a timer of the previous use may still put a
// nil, which the next one takes for a timer that has not expired.
type pendingCall struct {
	ch    chan []byte // room for a stale nil, a nil, a response and a Close nil
	timer *time.Timer
}

var callPool = sync.Pool{New: func() any {
	p := &pendingCall{ch: make(chan []byte, 4)}
	p.timer = time.AfterFunc(time.Hour, p.wake)
	p.timer.Stop()
	return p
}}

func (p *pendingCall) wake() {
	select {
	case p.ch <- nil:
	default:
	}
}

func (t *pendingTable) init() {
	for i := range t.shards {
		t.shards[i].m = make(map[pendingKey]*pendingCall)
	}
}

// add reserves the next sequence number free towards peer.
func (t *pendingTable) add(peer netip.AddrPort, next *atomic.Uint32) (*pendingCall, uint16, error) {
	p := callPool.Get().(*pendingCall)
	for range 1 << 16 {
		seq := uint16(next.Add(1))
		s := &t.shards[seq%shards]
		k := pendingKey{peer, seq}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			callPool.Put(p)
			return nil, 0, ErrClosed
		}
		if _, busy := s.m[k]; !busy {
			s.m[k] = p
			s.mu.Unlock()
			return p, seq, nil
		}
		s.mu.Unlock()
	}
	callPool.Put(p)
	return nil, 0, ErrTooManyInFlight
}

// remove ends call p and makes it reusable.
func (t *pendingTable) remove(peer netip.AddrPort, seq uint16, p *pendingCall) {
	p.timer.Stop()
	s := &t.shards[seq%shards]
	s.mu.Lock()
	delete(s.m, pendingKey{peer, seq})
	s.mu.Unlock()
	for {
		select {
		case b := <-p.ch: // a response that came too late, a timer
			putBuffer(b)
			continue
		default:
		}
		break
	}
	callPool.Put(p)
}

// close wakes every call waiting and refuses new ones: they return
// ErrClosed.
func (t *pendingTable) close() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		s.closed = true
		for _, p := range s.m {
			p.wake()
		}
		s.mu.Unlock()
	}
}

// deliver hands a copy of a response to the call waiting for it; false if
// none is (a late or duplicated response).
func (t *pendingTable) deliver(peer netip.AddrPort, seq uint16, typ MessageType, b []byte) bool {
	c := copyToBuffer(b)
	s := &t.shards[seq%shards]
	s.mu.Lock()
	ok := false
	if p := s.m[pendingKey{peer, seq}]; p != nil {
		select {
		case p.ch <- c:
			ok = true
		default: // already answered
		}
	}
	s.mu.Unlock()
	if !ok {
		putBuffer(c)
	}
	return ok
}

// Buffers for datagrams on their way between goroutines, and for the
// requests we send: most GTP-C messages are a few hundred octets.
const pooledBuffer = 1024

var bufferPool = sync.Pool{New: func() any { return new([pooledBuffer]byte) }}

func getBuffer() []byte { return bufferPool.Get().(*[pooledBuffer]byte)[:0] }

// putBuffer takes back a buffer of getBuffer; others are left to the GC.
func putBuffer(b []byte) {
	if cap(b) == pooledBuffer {
		bufferPool.Put((*[pooledBuffer]byte)(b[:pooledBuffer]))
	}
}

func copyToBuffer(b []byte) []byte {
	if len(b) > pooledBuffer {
		return append([]byte(nil), b...)
	}
	return append(getBuffer(), b...)
}

// responseCache keeps the responses to recent requests so that a
// retransmitted request is answered with the same bytes and handled once
// (TS 29.060 7.6). Entries live for twice the TTL (the spec asks for at
// least T3-RESPONSE * N3-REQUESTS, which is the default TTL).
//
// A retransmission is the same peer, sequence number and type, and the same
// bytes (TS 29.060 7.6 resends the message unchanged): a peer sending more
// than 65,536 requests within the TTL reuses sequence numbers for new
// requests, which must be handled, not answered from the cache.
//
// Per peer the entries sit in a table indexed by sequence number, allocated
// 256 numbers at a time: no hashing per request and no rehashing as the
// entries turn over, which is what a map cost at 100,000 requests a second.
// A peer silent for twice the TTL is forgotten.
type responseCache struct {
	ttl   time.Duration
	epoch time.Time // slots hold their time as an offset from it
	mu    sync.Mutex
	peers map[netip.AddrPort]*peerCache
	swept time.Time
}

type cacheKey struct {
	peer netip.AddrPort
	seq  uint16
	typ  MessageType
}

// peerCache holds one peer's entries by request type (Create, Delete)
// and sequence number.
type peerCache struct {
	mu    sync.Mutex
	used  time.Time
	pages [2][256]*[256]cacheSlot
}

type cacheSlot struct {
	e  *cacheEntry
	at time.Duration // since epoch
}

// cacheEntry is a request being handled (resp nil) or answered.
type cacheEntry struct {
	req  uint64 // requestHash of the request
	mu   sync.Mutex
	resp []byte
}

var requestSeed = maphash.MakeSeed()

// requestHash identifies a request's bytes; 64 bits make a new request
// taken for a retransmission (same peer, sequence and type) vanishingly
// unlikely.
func requestHash(b []byte) uint64 { return maphash.Bytes(requestSeed, b) }

func (c *responseCache) init(ttl time.Duration) {
	c.ttl = ttl
	c.epoch = time.Now()
	c.peers = make(map[netip.AddrPort]*peerCache)
}

// reserve returns the entry for request k with hash req; dup reports that
// it existed, with its response if there is one yet. An entry of k for
// other bytes, or expired, is replaced.
func (c *responseCache) reserve(k cacheKey, req uint64, now time.Time) (entry *cacheEntry, resp []byte, dup bool) {
	p := c.peer(k.peer, now)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.used = now
	page := &p.pages[typeIndex(k.typ)][k.seq>>8]
	if *page == nil {
		*page = new([256]cacheSlot)
	}
	slot := &(*page)[k.seq&0xff]
	at := now.Sub(c.epoch)
	if e := slot.e; e != nil && e.req == req && at-slot.at < 2*c.ttl {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e, e.resp, true
	}
	e := &cacheEntry{req: req}
	*slot = cacheSlot{e: e, at: at}
	return e, nil, false
}

func typeIndex(t MessageType) int {
	if t == MsgCreatePDPContextRequest {
		return 0
	}
	return 1
}

// peer returns the table of a peer, making it if needed, and forgets the
// peers silent for twice the TTL once per TTL.
func (c *responseCache) peer(a netip.AddrPort, now time.Time) *peerCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.swept) >= c.ttl {
		for a, p := range c.peers {
			p.mu.Lock()
			idle := now.Sub(p.used) >= 2*c.ttl
			p.mu.Unlock()
			if idle {
				delete(c.peers, a)
			}
		}
		c.swept = now
	}
	p := c.peers[a]
	if p == nil {
		p = &peerCache{used: now}
		c.peers[a] = p
	}
	return p
}

func (c *responseCache) complete(k cacheKey, e *cacheEntry, resp []byte) {
	e.mu.Lock()
	e.resp = resp
	e.mu.Unlock()
}

// remove forgets a request that got no response, so that a retransmission
// is handled again.
func (c *responseCache) remove(k cacheKey, e *cacheEntry) {
	c.mu.Lock()
	p := c.peers[k.peer]
	c.mu.Unlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	if page := p.pages[typeIndex(k.typ)][k.seq>>8]; page != nil && page[k.seq&0xff].e == e {
		page[k.seq&0xff] = cacheSlot{}
	}
	p.mu.Unlock()
}

// len is the number of entries, expired ones included (for tests).
func (c *responseCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.peers {
		p.mu.Lock()
		for _, pages := range p.pages {
			for _, page := range pages {
				if page != nil {
					for _, s := range page {
						if s.e != nil {
							n++
						}
					}
				}
			}
		}
		p.mu.Unlock()
	}
	return n
}

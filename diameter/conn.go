package diameter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"go.uber.org/zap"
)

// Errors of Request and of the connection, for errors.Is.
var (
	// ErrTimeout: no answer within the request timeout or the context deadline.
	ErrTimeout = errors.New("diameter: request timed out")
	// ErrClosed: the connection is closed or closing; pending requests fail with it.
	ErrClosed = errors.New("diameter: connection closed")
	// ErrBadAnswer: the answer to a request could not be decoded.
	ErrBadAnswer = errors.New("diameter: undecodable answer")
	// ErrCapabilities: the capabilities exchange failed.
	ErrCapabilities = errors.New("diameter: capabilities exchange failed")
	// ErrPeerDisconnected: the peer sent a DPR.
	ErrPeerDisconnected = errors.New("diameter: peer disconnected (DPR)")
	// ErrWatchdog: the peer did not answer DWRs.
	ErrWatchdog = errors.New("diameter: peer did not answer watchdog")
)

const ioBufferSize = 64 << 10

type reply struct {
	m     *diam.Message
	frame []byte // for RequestBytes: the answer as received, checked, not decoded
	err   error
}

// waiter is a request waiting for its answer.
type waiter struct {
	ch  chan reply
	raw bool // RequestBytes': the frame, not a decoded message
}

// Conn is one established Diameter connection with a peer. Either side
// may send requests on it. It is safe for concurrent use.
type Conn struct {
	cfg       Config
	log       *zap.Logger
	nc        net.Conn
	transport string
	handler   Handler
	stats     *counters
	server    *Server // nil for a dialed connection

	br       *bufio.Reader
	discard  int  // bytes of the last frame still in br
	perFrame bool // flush every message (SCTP keeps message boundaries)

	wmu     sync.Mutex
	bw      *bufio.Writer
	werr    error
	writers atomic.Int32

	pmu     sync.Mutex
	pending map[uint32]waiter // nil once closed

	hbh atomic.Uint32
	e2e atomic.Uint32

	// Set by the capabilities exchange before the loops start.
	peerHost, peerRealm string
	established         atomic.Bool // peerHost and peerRealm are set

	sem       chan struct{}
	ctx       context.Context
	cancel    context.CancelFunc
	closing   atomic.Bool
	closeOnce sync.Once
	done      chan struct{}
	err       error // why it closed; read after done
	lastRx    atomic.Int64
	loops     sync.WaitGroup
}

func newConn(parent context.Context, nc net.Conn, transport string, cfg Config, h Handler, stats *counters) *Conn {
	ctx, cancel := context.WithCancel(parent)
	c := &Conn{
		cfg:       cfg,
		nc:        nc,
		transport: transport,
		handler:   h,
		stats:     stats,
		br:        bufio.NewReaderSize(nc, ioBufferSize),
		bw:        bufio.NewWriterSize(nc, ioBufferSize),
		perFrame:  transport == "sctp",
		pending:   make(map[uint32]waiter),
		sem:       make(chan struct{}, cfg.MaxConcurrentRequests),
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
	}
	c.log = cfg.Logger.With(zap.String("peer_addr", nc.RemoteAddr().String()), zap.String("transport", transport))
	c.hbh.Store(rand.Uint32())
	// RFC 6733 3: high 12 bits from the clock, low 20 bits a counter.
	c.e2e.Store(uint32(time.Now().Unix())<<20 | rand.Uint32()&0xfffff)
	c.lastRx.Store(time.Now().UnixNano())
	return c
}

// PeerHost is the peer's Origin-Host from its CER or CEA.
func (c *Conn) PeerHost() string { return c.peerHost }

// PeerRealm is the peer's Origin-Realm from its CER or CEA.
func (c *Conn) PeerRealm() string { return c.peerRealm }

func (c *Conn) peer() string {
	if c.established.Load() {
		return c.peerHost
	}
	return ""
}

// LocalHost is this node's Origin-Host.
func (c *Conn) LocalHost() string { return c.cfg.Host }

// LocalRealm is this node's Origin-Realm.
func (c *Conn) LocalRealm() string { return c.cfg.Realm }

// Transport is "tcp" or "sctp".
func (c *Conn) Transport() string { return c.transport }

// RemoteAddr is the peer's transport address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr is the local transport address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// Done is closed when the connection is closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err tells why the connection closed; nil while it is open.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Stats are the counters of this connection (of its server, for an
// accepted one).
func (c *Conn) Stats() Stats { return c.stats.snapshot() }

// Request sends a request and waits for its answer. It sets the Request
// bit and assigns the Hop-by-Hop and End-to-End identifiers. It fails with
// ErrTimeout after the configured RequestTimeout or the context deadline,
// with the context's error when cancelled, and with ErrClosed when the
// connection is or becomes closed.
func (c *Conn) Request(ctx context.Context, m *diam.Message) (*diam.Message, error) {
	if c.closing.Load() {
		return nil, ErrClosed
	}
	r, err := c.request(ctx, m, nil, false)
	return r.m, err
}

// RequestBytes sends a request already written as bytes (a whole message,
// header included: s6a.AppendULR), so that the library need not build it
// from objects, and returns the answer's bytes, header included, checked as
// Request checks an answer (header bits, a command of the dictionary,
// every AVP's length and nesting, checkAVPs) but not decoded, which is most
// of what an answer costs to read with the library (s6a.ParseULAFrame reads
// an Update Location Answer from them; EachAVP walks any). It sets the
// Request bit and the Hop-by-Hop and End-to-End identifiers in req, which
// must be a message whose header checkHeader accepts. The answer's bytes
// are the caller's.
func (c *Conn) RequestBytes(ctx context.Context, req []byte) ([]byte, error) {
	if c.closing.Load() {
		return nil, ErrClosed
	}
	if l, err := checkHeader(req, c.cfg.MaxMessageLength); err != nil {
		return nil, fmt.Errorf("diameter: request of %d bytes: %w", len(req), err)
	} else if l != len(req) {
		return nil, fmt.Errorf("diameter: request of %d bytes says it has %d", len(req), l)
	}
	r, err := c.request(ctx, nil, req, true)
	return r.frame, err
}

// request sends m, or req (bytes) when m is nil, and waits for the answer:
// decoded, or as its frame if raw.
func (c *Conn) request(ctx context.Context, m *diam.Message, req []byte, raw bool) (reply, error) {
	hbh, e2e := c.hbh.Add(1), c.e2e.Add(1)
	if m != nil {
		m.Header.HopByHopID, m.Header.EndToEndID = hbh, e2e
		m.Header.CommandFlags |= diam.RequestFlag
		m.Header.MessageLength = uint32(m.Len())
	} else {
		req[4] |= diam.RequestFlag
		binary.BigEndian.PutUint32(req[12:16], hbh)
		binary.BigEndian.PutUint32(req[16:20], e2e)
	}
	cl := newCall(c.cfg.RequestTimeout)
	c.pmu.Lock()
	if c.pending == nil {
		c.pmu.Unlock()
		cl.timer.Stop()
		return reply{}, ErrClosed
	}
	c.pending[hbh] = waiter{ch: cl.ch, raw: raw}
	c.pmu.Unlock()
	c.stats.requestsOut.Add(1)
	if err := c.write(m, req, false); err != nil {
		c.forget(hbh)
		cl.timer.Stop()
		return reply{}, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	select {
	case r := <-cl.ch:
		// The one reply of this request is in: nothing sends on ch again,
		// and a stopped timer's channel keeps nothing (Go 1.23 timers).
		cl.timer.Stop()
		calls.Put(cl)
		return r, r.err
	case <-ctx.Done():
		// Here and below the call is not reused: the reader may have
		// taken the waiter already and be about to send on its channel.
		cl.timer.Stop()
		c.forget(hbh)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			c.stats.timeouts.Add(1)
			return reply{}, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		}
		return reply{}, ctx.Err()
	case <-cl.timer.C:
		c.forget(hbh)
		c.stats.timeouts.Add(1)
		return reply{}, fmt.Errorf("%w after %v", ErrTimeout, c.cfg.RequestTimeout)
	}
}

// call is what a request waits on: its reply's channel and its timeout.
// Answered calls are reused (calls): two channels and a timer fewer for
// each request.
type call struct {
	ch    chan reply
	timer *time.Timer
}

var calls sync.Pool // *call, answered, timer stopped

func newCall(timeout time.Duration) *call {
	if cl, ok := calls.Get().(*call); ok {
		cl.timer.Reset(timeout)
		return cl
	}
	return &call{ch: make(chan reply, 1), timer: time.NewTimer(timeout)}
}

func (c *Conn) forget(hbh uint32) {
	c.pmu.Lock()
	delete(c.pending, hbh)
	c.pmu.Unlock()
}

// take removes the request awaiting the answer hbh from the pending ones,
// if there is one.
func (c *Conn) take(hbh uint32) (waiter, bool) {
	c.pmu.Lock()
	w, ok := c.pending[hbh]
	delete(c.pending, hbh)
	c.pmu.Unlock()
	return w, ok
}

// send writes one message. Writes are serialized; the buffer is flushed
// by the last of the writers that queued up meanwhile, so a burst of
// answers leaves in few system calls.
func (c *Conn) send(m *diam.Message, flush bool) error {
	m.Header.MessageLength = uint32(m.Len())
	return c.write(m, nil, flush)
}

// write writes m, or frame (a whole message as bytes) when m is nil.
func (c *Conn) write(m *diam.Message, frame []byte, flush bool) error {
	c.writers.Add(1)
	c.wmu.Lock()
	err := c.werr
	switch {
	case err != nil:
	case m == nil:
		_, err = c.bw.Write(frame)
	case c.bw.Available() >= int(m.Header.MessageLength):
		b := c.bw.AvailableBuffer()[:m.Header.MessageLength]
		if err = m.SerializeTo(b); err == nil {
			_, err = c.bw.Write(b)
		}
	default:
		_, err = m.WriteTo(c.bw)
	}
	if last := c.writers.Add(-1) == 0; err == nil && (last || flush || c.perFrame) {
		err = c.bw.Flush()
	}
	if err != nil && c.werr == nil {
		c.werr = err
	}
	c.wmu.Unlock()
	if err != nil {
		c.shutdown(fmt.Errorf("write: %w", err))
	}
	return err
}

// readFrame returns the next complete frame; it is valid until the next call.
func (c *Conn) readFrame() ([]byte, error) {
	if c.discard > 0 {
		c.br.Discard(c.discard)
		c.discard = 0
	}
	h, err := c.br.Peek(HeaderLength)
	if err != nil {
		return nil, err
	}
	l, err := checkHeader(h, c.cfg.MaxMessageLength)
	if err != nil {
		return nil, err
	}
	if l <= c.br.Size() {
		b, err := c.br.Peek(l)
		if err != nil {
			return nil, err
		}
		c.discard = l
		return b, nil
	}
	b := make([]byte, l)
	if _, err := io.ReadFull(c.br, b); err != nil {
		return nil, err
	}
	return b, nil
}

// start runs the read loop and the watchdog of an established connection.
func (c *Conn) start() {
	c.loops.Add(2)
	go c.readLoop()
	go c.watchdog()
}

func (c *Conn) readLoop() {
	defer c.loops.Done()
	for {
		b, err := c.readFrame()
		if err != nil {
			if errors.Is(err, ErrBadHeader) {
				c.stats.badFrames.Add(1)
				c.log.Warn("bad Diameter header, closing connection", zap.String("peer", c.peer()), zap.Error(err))
			}
			c.shutdown(err)
			return
		}
		c.lastRx.Store(time.Now().UnixNano())
		c.dispatch(b)
	}
}

// dispatch decodes one frame and routes it: answers to their waiting
// request, base-protocol requests answered here, application requests to
// the handler in their own goroutine.
func (c *Conn) dispatch(b []byte) {
	h := decodeHeader(b)
	if h.CommandFlags&diam.RequestFlag == 0 {
		// One look-up: the request says whether it wants the frame or
		// the decoded message (its channel has room for the one reply).
		w, waiting := c.take(h.HopByHopID)
		var m *diam.Message
		var frame []byte
		var err error
		if w.raw {
			if err = checkFrame(h, b); err == nil {
				frame = bytes.Clone(b) // b is the read buffer's
			}
		} else {
			m, err = decodeFrame(b)
		}
		if err != nil {
			c.stats.badAnswers.Add(1)
			c.log.Warn("undecodable answer", zap.Uint32("command", h.CommandCode), zap.Uint32("hop_by_hop", h.HopByHopID), zap.Error(err))
			if waiting {
				w.ch <- reply{err: fmt.Errorf("%w: %w", ErrBadAnswer, err)}
			}
			return
		}
		c.stats.answersIn.Add(1)
		if !waiting {
			c.stats.unmatchedAnswers.Add(1)
			c.log.Debug("answer matches no pending request", zap.Uint32("command", h.CommandCode), zap.Uint32("hop_by_hop", h.HopByHopID))
			return
		}
		w.ch <- reply{m: m, frame: frame}
		return
	}
	c.stats.requestsIn.Add(1)
	if !c.cfg.supports(h.ApplicationID) {
		c.rejectRequest(h, b, ResultApplicationUnsupported, nil, fmt.Errorf("application %d not supported", h.ApplicationID))
		return
	}
	if c.cfg.FrameHandler != nil && c.handler != nil && h.ApplicationID != 0 && checkFrame(h, b) == nil {
		// Offered as bytes first (a frame that fails the check goes the
		// usual way below, to be answered with what is wrong with it).
		select {
		case c.sem <- struct{}{}:
			go c.serveFrame(h, bytes.Clone(b))
		default:
			c.stats.busy.Add(1)
			c.rejectRequest(h, b, ResultTooBusy, nil, errors.New("too many requests in progress"))
		}
		return
	}
	m, err := decodeFrame(b)
	if err != nil {
		var me *MessageError
		if errors.As(err, &me) {
			c.rejectRequest(h, b, me.Result, me.FailedAVP, err)
		} else {
			c.rejectRequest(h, b, ResultUnableToComply, nil, err)
		}
		return
	}
	if h.ApplicationID == 0 {
		switch h.CommandCode {
		case diam.CapabilitiesExchange:
			// A repeated CER on an open connection: answer it again.
			c.sendAnswer(c.capabilities(m, ResultSuccess))
			return
		case diam.DeviceWatchdog:
			c.sendAnswer(c.baseAnswer(m, ResultSuccess))
			return
		case diam.DisconnectPeer:
			c.closing.Store(true)
			c.send(c.baseAnswer(m, ResultSuccess), true)
			c.log.Debug("peer sent DPR, closing", zap.String("peer", c.peer()))
			c.shutdown(ErrPeerDisconnected)
			return
		}
	}
	if c.handler == nil {
		c.rejectRequest(h, b, ResultCommandUnsupported, nil, errors.New("no handler"))
		return
	}
	select {
	case c.sem <- struct{}{}:
		go c.serve(m)
	default:
		c.stats.busy.Add(1)
		c.rejectRequest(h, b, ResultTooBusy, nil, errors.New("too many requests in progress"))
	}
}

func (c *Conn) serve(req *diam.Message) {
	defer func() { <-c.sem }()
	defer func() {
		if r := recover(); r != nil {
			c.stats.handlerPanics.Add(1)
			c.log.Error("handler panic", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			c.sendAnswer(c.errorAnswer(*req.Header, sessionID(req), ResultUnableToComply, nil))
		}
	}()
	ans := c.handler(c.ctx, c, req)
	if ans == nil {
		return
	}
	ans.Header.CommandCode = req.Header.CommandCode
	ans.Header.ApplicationID = req.Header.ApplicationID
	ans.Header.HopByHopID = req.Header.HopByHopID
	ans.Header.EndToEndID = req.Header.EndToEndID
	ans.Header.CommandFlags = ans.Header.CommandFlags&^(diam.RequestFlag|diam.ProxiableFlag) | req.Header.CommandFlags&diam.ProxiableFlag
	c.sendAnswer(ans)
}

// serveFrame offers a request to the FrameHandler, and to the Handler,
// decoded, if it does not take it; it holds a place in c.sem.
func (c *Conn) serveFrame(h diam.Header, frame []byte) {
	ans, handled := c.frameAnswer(h, frame)
	if !handled {
		m, err := decodeFrame(frame)
		if err != nil {
			<-c.sem
			c.rejectRequest(h, frame, ResultUnableToComply, nil, err)
			return
		}
		c.serve(m) // gives the place back
		return
	}
	<-c.sem
	if ans == nil {
		return
	}
	if l, err := checkHeader(ans, 1<<24-1); err != nil || l != len(ans) {
		c.log.Error("frame handler answered a broken message", zap.Int("bytes", len(ans)), zap.Error(err))
		c.sendAnswer(c.errorAnswer(h, rawSessionID(frame), ResultUnableToComply, nil))
		return
	}
	ans[4] = ans[4]&^(diam.RequestFlag|diam.ProxiableFlag) | h.CommandFlags&diam.ProxiableFlag
	copy(ans[5:20], frame[5:20]) // command code, application, Hop-by-Hop, End-to-End
	if c.write(nil, ans, false) == nil {
		c.stats.answersOut.Add(1)
	}
}

// frameAnswer runs the FrameHandler; a panic is answered
// DIAMETER_UNABLE_TO_COMPLY, as a Handler's is.
func (c *Conn) frameAnswer(h diam.Header, frame []byte) (ans []byte, handled bool) {
	defer func() {
		if r := recover(); r != nil {
			c.stats.handlerPanics.Add(1)
			c.log.Error("handler panic", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			c.sendAnswer(c.errorAnswer(h, rawSessionID(frame), ResultUnableToComply, nil))
			ans, handled = nil, true
		}
	}()
	return c.cfg.FrameHandler(c.ctx, c, frame)
}

func (c *Conn) sendAnswer(m *diam.Message) {
	if c.send(m, false) == nil {
		c.stats.answersOut.Add(1)
	}
}

// rejectRequest answers a request that never reaches a handler.
func (c *Conn) rejectRequest(h diam.Header, frame []byte, result uint32, failed *diam.AVP, err error) {
	c.stats.badRequests.Add(1)
	c.log.Info("rejecting request", zap.Uint32("command", h.CommandCode), zap.Uint32("application", h.ApplicationID),
		zap.Uint32("result", result), zap.String("peer", c.peer()), zap.Error(err))
	c.sendAnswer(c.errorAnswer(h, rawSessionID(frame), result, failed))
}

// errorAnswer builds an answer-message (RFC 6733 7.2). The E bit is set
// only for protocol errors (3xxx), as 7.2 requires; permanent failures
// (5xxx) are answered with the E bit cleared.
func (c *Conn) errorAnswer(h diam.Header, sid string, result uint32, failed *diam.AVP) *diam.Message {
	flags := h.CommandFlags & diam.ProxiableFlag
	if result >= 3000 && result < 4000 {
		flags |= diam.ErrorFlag
	}
	m := diam.NewMessage(h.CommandCode, flags, h.ApplicationID, h.HopByHopID, h.EndToEndID, nil)
	if sid != "" {
		m.AddAVP(diam.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(sid)))
	}
	m.AddAVP(diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(c.cfg.Host)))
	m.AddAVP(diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(c.cfg.Realm)))
	m.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(result)))
	if failed != nil {
		m.AddAVP(failed)
	}
	return m
}

// ErrorAnswer builds an answer-message (RFC 6733 7.2) to req with the
// given result code and, when failed is not nil, a Failed-AVP holding it.
// Handlers use it for requests they cannot serve.
func (c *Conn) ErrorAnswer(req *diam.Message, result uint32, failed *diam.AVP) *diam.Message {
	if failed != nil && failed.Code != avp.FailedAVP {
		failed = diam.NewAVP(avp.FailedAVP, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{failed}})
	}
	return c.errorAnswer(*req.Header, sessionID(req), result, failed)
}

func sessionID(m *diam.Message) string {
	if len(m.AVP) > 0 && m.AVP[0].Code == avp.SessionID {
		if s, ok := m.AVP[0].Data.(datatype.UTF8String); ok {
			return string(s)
		}
	}
	for _, a := range m.AVP {
		if a.Code == avp.SessionID {
			if s, ok := a.Data.(datatype.UTF8String); ok {
				return string(s)
			}
		}
	}
	return ""
}

// rawSessionID finds a Session-Id among the top-level AVPs of a frame
// that did not decode.
func rawSessionID(b []byte) (sid string) {
	EachAVP(b, func(a RawAVP) bool {
		if a.Code == avp.SessionID && a.Flags&avp.Vbit == 0 {
			sid = string(a.Data)
			return false
		}
		return true
	})
	return sid
}

func (c *Conn) watchdog() {
	defer c.loops.Done()
	interval := c.cfg.WatchdogInterval
	if interval < 0 {
		return
	}
	timer := time.NewTimer(interval)
	defer timer.Stop()
	missed := 0
	for {
		select {
		case <-c.done:
			return
		case <-timer.C:
		}
		if idle := time.Duration(time.Now().UnixNano() - c.lastRx.Load()); idle < interval {
			missed = 0
			timer.Reset(interval - idle)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		_, err := c.request(ctx, c.baseRequest(diam.DeviceWatchdog), nil, false)
		cancel()
		switch {
		case err == nil:
			missed = 0
		case errors.Is(err, ErrClosed):
			return
		default:
			missed++
			c.stats.watchdogsMissed.Add(1)
			c.log.Warn("no DWA", zap.String("peer", c.peer()), zap.Int("missed", missed), zap.Error(err))
			if missed >= missedWatchdogsBeforeClose {
				c.shutdown(ErrWatchdog)
				return
			}
		}
		timer.Reset(interval)
	}
}

// Close sends a DPR, waits briefly for the DPA and closes the connection.
func (c *Conn) Close() error {
	if c.closing.CompareAndSwap(false, true) {
		ctx, cancel := context.WithTimeout(context.Background(), min(disconnectWait, c.cfg.RequestTimeout))
		dpr := c.baseRequest(diam.DisconnectPeer)
		dpr.AddAVP(diam.NewAVP(avp.DisconnectCause, avp.Mbit, 0, datatype.Enumerated(disconnectCauseRebooting)))
		if _, err := c.request(ctx, dpr, nil, false); err != nil {
			c.log.Debug("no DPA", zap.String("peer", c.peer()), zap.Error(err))
		}
		cancel()
	}
	c.shutdown(ErrClosed)
	c.loops.Wait()
	return nil
}

// shutdown closes the socket, fails the pending requests and cancels the
// handlers' context; the first cause wins.
func (c *Conn) shutdown(cause error) {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		c.err = cause
		c.nc.Close()
		c.cancel()
		c.pmu.Lock()
		pending := c.pending
		c.pending = nil
		c.pmu.Unlock()
		for _, w := range pending {
			w.ch <- reply{err: fmt.Errorf("%w: %w", ErrClosed, cause)}
		}
		close(c.done)
		if c.server != nil {
			c.server.remove(c)
		}
		if errors.Is(cause, io.EOF) || errors.Is(cause, ErrClosed) || errors.Is(cause, ErrPeerDisconnected) {
			c.log.Debug("connection closed", zap.String("peer", c.peer()), zap.Error(cause))
		} else {
			c.log.Debug("connection closed", zap.String("peer", c.peer()), zap.Error(cause))
		}
	})
}

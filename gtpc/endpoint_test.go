package gtpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wmnsk/go-gtp/gtpv1/ie"
	"github.com/wmnsk/go-gtp/gtpv1/message"
)

// fakeHandler accepts every Create with a fresh TEID and counts calls. A
// request whose IMSI is in block waits for that channel to close.
type fakeHandler struct {
	creates, deletes atomic.Int64
	next             atomic.Uint32
	block            map[string]chan struct{}
	panicIMSI        string
}

func (h *fakeHandler) CreatePDPContext(peer netip.AddrPort, req *CreatePDPContextRequest) *CreatePDPContextResponse {
	h.creates.Add(1)
	if ch, ok := h.block[req.IMSI]; ok {
		<-ch
	}
	if req.IMSI == h.panicIMSI {
		panic("handler bug")
	}
	if req.APN != "em" {
		return &CreatePDPContextResponse{Cause: CauseMissingOrUnknownAPN}
	}
	t := h.next.Add(1)
	return &CreatePDPContextResponse{
		Cause: CauseRequestAccepted, TEIDControl: t, TEIDData: t | 1<<31, ChargingID: t,
		EndUserAddress:  netip.AddrFrom4([4]byte{10, 0, byte(t >> 8), byte(t)}),
		GGSNControlAddr: netip.MustParseAddr("127.0.0.1"), GGSNUserAddr: netip.MustParseAddr("127.0.0.1"),
	}
}

func (h *fakeHandler) DeletePDPContext(peer netip.AddrPort, req *DeletePDPContextRequest) *DeletePDPContextResponse {
	h.deletes.Add(1)
	if req.TEID == 0 || req.TEID > h.next.Load() {
		return &DeletePDPContextResponse{Cause: CauseContextNotFound}
	}
	return &DeletePDPContextResponse{TEID: 0x5050, Cause: CauseRequestAccepted}
}

func listen(t testing.TB, cfg Config) *Endpoint {
	t.Helper()
	e, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func testRequest(imsi string) *CreatePDPContextRequest {
	return &CreatePDPContextRequest{
		IMSI: imsi, APN: "em", NSAPI: 5, TEIDData: 7, TEIDControl: 8, RATType: RATGERAN,
		SGSNControlAddr: netip.MustParseAddr("127.0.0.1"), SGSNUserAddr: netip.MustParseAddr("127.0.0.1"),
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientServer(t *testing.T) {
	h := &fakeHandler{}
	srv := listen(t, Config{Handler: h, Recovery: 7})
	cli := listen(t, Config{})
	ctx := ctxT(t)

	rec, err := cli.Echo(ctx, srv.LocalAddr())
	if err != nil || rec != 7 {
		t.Fatalf("Echo = %d, %v; want 7", rec, err)
	}
	res, err := cli.CreatePDPContext(ctx, srv.LocalAddr(), testRequest("262011234567890"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Cause != CauseRequestAccepted || res.TEID != 8 || res.TEIDControl != 1 || !res.EndUserAddress.IsValid() ||
		res.Recovery == nil || *res.Recovery != 7 {
		t.Fatalf("unexpected response %+v", res)
	}
	bad := testRequest("262011234567891")
	bad.APN = "internet"
	if res, err := cli.CreatePDPContext(ctx, srv.LocalAddr(), bad); err != nil || res.Cause != CauseMissingOrUnknownAPN {
		t.Fatalf("unknown APN: %+v %v", res, err)
	}
	del, err := cli.DeletePDPContext(ctx, srv.LocalAddr(), &DeletePDPContextRequest{TEID: res.TEIDControl, NSAPI: 5})
	if err != nil || del.Cause != CauseRequestAccepted || del.TEID != 0x5050 {
		t.Fatalf("delete: %+v %v", del, err)
	}
	del, err = cli.DeletePDPContext(ctx, srv.LocalAddr(), &DeletePDPContextRequest{TEID: 999, NSAPI: 5})
	if err != nil || del.Cause != CauseContextNotFound {
		t.Fatalf("delete unknown: %+v %v", del, err)
	}
	// Invalid requests are refused before anything is sent.
	if _, err := cli.CreatePDPContext(ctx, srv.LocalAddr(), &CreatePDPContextRequest{IMSI: "12ab"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("invalid request: %v", err)
	}
	// The server counts an answer once its write returns, which may be
	// after the client has read it: give the counter a moment.
	srvStats := srv.Stats()
	for deadline := time.Now().Add(2 * time.Second); srvStats.Sent < 5 && time.Now().Before(deadline); srvStats = srv.Stats() {
		time.Sleep(time.Millisecond)
	}
	if s := srvStats; s.Received != 5 || s.Sent != 5 || s.Malformed != 0 || s.Duplicates != 0 {
		t.Fatalf("server stats %+v", s)
	}
	if s := cli.Stats(); s.Received != 5 || s.Sent != 5 || s.Retransmissions != 0 || s.Timeouts != 0 {
		t.Fatalf("client stats %+v", s)
	}
}

func TestManyConcurrent(t *testing.T) {
	h := &fakeHandler{}
	srv := listen(t, Config{Handler: h})
	cli := listen(t, Config{})
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Go(func() {
			res, err := cli.CreatePDPContext(ctx, srv.LocalAddr(), testRequest("26201000000"+string(rune('0'+i%10))))
			if err == nil && res.Cause != CauseRequestAccepted {
				err = errors.New(res.Cause.String())
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if h.creates.Load() != 1000 {
		t.Fatalf("handler called %d times, want 1000", h.creates.Load())
	}
}

// lossyProxy relays UDP between one client and a server, dropping the n-th
// datagrams in each direction as told.
type lossyProxy struct {
	front, back       *net.UDPConn
	server            netip.AddrPort
	client            atomic.Value // netip.AddrPort
	dropReq, dropResp atomic.Int32 // datagrams still to drop
}

func newLossyProxy(t *testing.T, server netip.AddrPort) *lossyProxy {
	front, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	p := &lossyProxy{front: front, back: back, server: server}
	t.Cleanup(func() { front.Close(); back.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			p.client.Store(from)
			if p.dropReq.Add(-1) >= 0 {
				continue
			}
			back.WriteToUDPAddrPort(buf[:n], server)
		}
	}()
	go func() {
		buf := make([]byte, 65536)
		for {
			n, _, err := back.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if p.dropResp.Add(-1) >= 0 {
				continue
			}
			if c, ok := p.client.Load().(netip.AddrPort); ok {
				front.WriteToUDPAddrPort(buf[:n], c)
			}
		}
	}()
	return p
}

func (p *lossyProxy) addr() netip.AddrPort { return p.front.LocalAddr().(*net.UDPAddr).AddrPort() }

func TestRetransmission(t *testing.T) {
	for _, tt := range []struct {
		name              string
		dropReq, dropResp int32
		wantDuplicates    uint64
	}{
		{"first request lost", 1, 0, 0},
		{"first response lost", 0, 1, 1},
		{"two responses lost", 0, 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHandler{}
			srv := listen(t, Config{Handler: h})
			proxy := newLossyProxy(t, srv.LocalAddr())
			proxy.dropReq.Store(tt.dropReq)
			proxy.dropResp.Store(tt.dropResp)
			cli := listen(t, Config{T3Response: 50 * time.Millisecond, N3Requests: 3})
			res, err := cli.CreatePDPContext(ctxT(t), proxy.addr(), testRequest("262011234567890"))
			if err != nil || res.Cause != CauseRequestAccepted {
				t.Fatalf("create: %+v %v", res, err)
			}
			if got := h.creates.Load(); got != 1 {
				t.Fatalf("handler called %d times, want once", got)
			}
			if res.TEIDControl != 1 {
				t.Fatalf("TEID %d: the response is not the first allocation", res.TEIDControl)
			}
			want := uint64(tt.dropReq + tt.dropResp)
			if s := cli.Stats(); s.Retransmissions != want || s.Timeouts != 0 {
				t.Fatalf("client stats %+v, want %d retransmissions", s, want)
			}
			if s := srv.Stats(); s.Duplicates != tt.wantDuplicates {
				t.Fatalf("server stats %+v, want %d duplicates", s, tt.wantDuplicates)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	silent, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	cli := listen(t, Config{T3Response: 10 * time.Millisecond, N3Requests: 2})
	_, err = cli.Echo(ctxT(t), silent.LocalAddr().(*net.UDPAddr).AddrPort())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if s := cli.Stats(); s.Sent != 3 || s.Retransmissions != 2 || s.Timeouts != 1 {
		t.Fatalf("stats %+v, want 3 sent, 2 retransmissions, 1 timeout", s)
	}
	// The context wins over retransmission.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cli.Echo(ctx, silent.LocalAddr().(*net.UDPAddr).AddrPort()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	cli.Close()
	if _, err := cli.Echo(context.Background(), silent.LocalAddr().(*net.UDPAddr).AddrPort()); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

// rawPeer talks bytes to an endpoint.
type rawPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newRawPeer(t *testing.T, to netip.AddrPort) *rawPeer {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t, c}
}

func (p *rawPeer) send(b []byte) {
	p.t.Helper()
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

// recv returns the next datagram, nil if none comes within d.
func (p *rawPeer) recv(d time.Duration) []byte {
	p.t.Helper()
	buf := make([]byte, 65536)
	p.conn.SetReadDeadline(time.Now().Add(d))
	n, err := p.conn.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

func (p *rawPeer) create(seq uint16, req *CreatePDPContextRequest) *CreatePDPContextResponse {
	p.t.Helper()
	b, err := Marshal(req, seq)
	if err != nil {
		p.t.Fatal(err)
	}
	p.send(b)
	r := p.recv(5 * time.Second)
	h, m, err := Decode(r)
	if err != nil || h.Sequence != seq {
		p.t.Fatalf("response %x: seq %d, %v", r, h.Sequence, err)
	}
	return m.(*CreatePDPContextResponse)
}

func TestDuplicateRequest(t *testing.T) {
	release := make(chan struct{})
	h := &fakeHandler{block: map[string]chan struct{}{"262010000000001": release}}
	srv := listen(t, Config{Handler: h})
	p := newRawPeer(t, srv.LocalAddr())

	req, _ := Marshal(testRequest("262010000000001"), 100)
	p.send(req)
	// Retransmissions while the handler still works get nothing and do not
	// call it again.
	for !(h.creates.Load() == 1) {
		time.Sleep(time.Millisecond)
	}
	p.send(req)
	p.send(req)
	for srv.Stats().Duplicates != 2 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	first := p.recv(5 * time.Second)
	if first == nil {
		t.Fatal("no response")
	}
	// Once answered, a retransmission gets the same bytes.
	p.send(req)
	again := p.recv(5 * time.Second)
	if !bytes.Equal(first, again) {
		t.Fatalf("retransmission answered differently:\n%x\n%x", first, again)
	}
	if extra := p.recv(100 * time.Millisecond); extra != nil {
		t.Fatalf("unexpected extra response %x", extra)
	}
	if h.creates.Load() != 1 {
		t.Fatalf("handler called %d times", h.creates.Load())
	}
	// Same sequence number but another message type is another request.
	del, _ := Marshal(&DeletePDPContextRequest{TEID: 1, NSAPI: 5}, 100)
	p.send(del)
	if r := p.recv(5 * time.Second); r == nil || h.deletes.Load() != 1 {
		t.Fatalf("delete with a reused sequence number not handled")
	}
	if s := srv.Stats(); s.Duplicates != 3 {
		t.Fatalf("stats %+v, want 3 duplicates", s)
	}
}

// TestSequenceNumberReused: a peer that wraps its 16-bit sequence numbers
// within the cache's TTL (above 16,000 requests per second with the default
// timers) sends new requests under old numbers; they must be handled, not
// answered with the old response.
func TestSequenceNumberReused(t *testing.T) {
	h := &fakeHandler{}
	srv := listen(t, Config{Handler: h})
	p := newRawPeer(t, srv.LocalAddr())
	first := p.create(7, testRequest("262010000000001"))
	second := p.create(7, testRequest("262010000000002"))
	if h.creates.Load() != 2 || first.TEIDControl == second.TEIDControl {
		t.Fatalf("handler called %d times, TEIDs %d and %d", h.creates.Load(), first.TEIDControl, second.TEIDControl)
	}
	// The second is now the one a retransmission gets.
	if again := p.create(7, testRequest("262010000000002")); again.TEIDControl != second.TEIDControl || h.creates.Load() != 2 {
		t.Fatalf("retransmission answered with TEID %d, handler called %d times", again.TEIDControl, h.creates.Load())
	}
	if s := srv.Stats(); s.Duplicates != 1 {
		t.Fatalf("stats %+v, want 1 duplicate", s)
	}
}

func TestSlowHandlerDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := &fakeHandler{block: map[string]chan struct{}{"262010000000001": release}}
	srv := listen(t, Config{Handler: h})
	cli := listen(t, Config{T3Response: 5 * time.Second, N3Requests: -1})
	go cli.CreatePDPContext(context.Background(), srv.LocalAddr(), testRequest("262010000000001"))
	for h.creates.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	res, err := cli.CreatePDPContext(ctxT(t), srv.LocalAddr(), testRequest("262010000000002"))
	if err != nil || res.Cause != CauseRequestAccepted {
		t.Fatalf("second request: %+v %v", res, err)
	}
}

func TestMalformedInput(t *testing.T) {
	h := &fakeHandler{panicIMSI: "262019999999999"}
	srv := listen(t, Config{Handler: h})
	p := newRawPeer(t, srv.LocalAddr())
	valid, _ := Marshal(testRequest("262011234567890"), 1)
	withIEs := func(seq uint16, ies ...*ie.IE) []byte {
		b, err := message.Marshal(message.NewCreatePDPContextRequest(0, seq, ies...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := createIEs // TEID C-plane 0xabcd

	tests := []struct {
		name  string
		b     []byte
		cause Cause // 0: no answer expected
		typ   MessageType
	}{
		{"garbage", []byte{0xde, 0xad, 0xbe, 0xef}, 0, 0},
		{"empty", []byte{}, 0, 0},
		{"one byte", []byte{0x32}, 0, 0},
		{"short header", valid[:10], 0, 0},
		{"truncated body", valid[:len(valid)-5], CauseInvalidMessageFormat, MsgCreatePDPContextResponse},
		{"length past the end", func() []byte { b := bytes.Clone(valid); b[2] = 0xff; return b }(), CauseInvalidMessageFormat, MsgCreatePDPContextResponse},
		{"length too small", func() []byte { b := bytes.Clone(valid); b[2], b[3] = 0, 1; return b }(), CauseInvalidMessageFormat, MsgCreatePDPContextResponse},
		{"version 2", func() []byte { b := bytes.Clone(valid); b[0] = 0x48; return b }(), 0, MsgVersionNotSupported},
		{"unknown message type", func() []byte { b := bytes.Clone(valid); b[1] = 50; return b }(), 0, 0},
		{"unsolicited response", func() []byte {
			b, _ := Marshal(&DeletePDPContextResponse{Cause: 128}, 5)
			return b
		}(), 0, 0},
		{"missing APN", withIEs(2, base(ie.AccessPointName)...), CauseMandatoryIEMissing, MsgCreatePDPContextResponse},
		{"bad IMSI", withIEs(3, append(base(ie.IMSI), ie.New(ie.IMSI, []byte{0x62, 0x02, 0xa1, 0, 0, 0, 0, 0}))...),
			CauseMandatoryIEIncorrect, MsgCreatePDPContextResponse},
		{"delete without NSAPI", func() []byte {
			b, _ := message.Marshal(message.NewDeletePDPContextRequest(1, 4))
			return b
		}(), CauseMandatoryIEMissing, MsgDeletePDPContextResponse},
		{"delete unknown TEID", func() []byte {
			b, _ := Marshal(&DeletePDPContextRequest{TEID: 0x7777, NSAPI: 5}, 6)
			return b
		}(), CauseContextNotFound, MsgDeletePDPContextResponse},
		{"handler panics", func() []byte {
			b, _ := Marshal(testRequest("262019999999999"), 7)
			return b
		}(), CauseSystemFailure, MsgCreatePDPContextResponse},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.b) >= 12 { // its own transaction, not a retransmission of the previous case
				tt.b = bytes.Clone(tt.b)
				tt.b[8], tt.b[9] = 0, byte(100+i)
			}
			p.send(tt.b)
			wait := 5 * time.Second
			if tt.typ == 0 {
				wait = 100 * time.Millisecond
			}
			r := p.recv(wait)
			switch {
			case tt.typ == 0 && r != nil:
				t.Fatalf("unexpected answer %x", r)
			case tt.typ == MsgVersionNotSupported:
				if h, _, err := Decode(r); err != nil || h.Type != MsgVersionNotSupported {
					t.Fatalf("answer %x: %v, want Version Not Supported", r, err)
				}
			case tt.typ != 0:
				rh, m, err := Decode(r)
				if err != nil || rh.Type != tt.typ {
					t.Fatalf("answer %x: %v", r, err)
				}
				if rq, _ := DecodeHeader(tt.b); rq.Sequence != rh.Sequence {
					t.Fatalf("answer seq %d, request %d", rh.Sequence, rq.Sequence)
				}
				var c Cause
				switch m := m.(type) {
				case *CreatePDPContextResponse:
					c = m.Cause
					if tt.cause == CauseMandatoryIEMissing && m.TEID != 0xabcd {
						t.Errorf("response TEID %#x, want the SGSN's 0xabcd", m.TEID)
					}
				case *DeletePDPContextResponse:
					c = m.Cause
				}
				if c != tt.cause {
					t.Fatalf("cause %v, want %v", c, tt.cause)
				}
			}
			// The server still answers a valid request.
			if res := p.create(uint16(1000+i), testRequest("262011234567890")); res.Cause != CauseRequestAccepted {
				t.Fatalf("valid request after %s: %v", tt.name, res.Cause)
			}
		})
	}
	// Garbage (read as version 6), version 2, unknown type and unsolicited
	// response are dropped; the rest is malformed.
	if s := srv.Stats(); s.Malformed != 9 || s.Dropped != 4 || s.Duplicates != 0 {
		t.Fatalf("stats %+v, want 9 malformed, 4 dropped", s)
	}
}

func TestPeerRestart(t *testing.T) {
	srv := listen(t, Config{Handler: &fakeHandler{}, Recovery: 1})
	addr := srv.LocalAddr()
	var restarts []uint8
	var mu sync.Mutex
	cli := listen(t, Config{OnPeerRestart: func(peer netip.AddrPort, r uint8) {
		mu.Lock()
		defer mu.Unlock()
		if peer != addr {
			t.Errorf("restart of %v, want %v", peer, addr)
		}
		restarts = append(restarts, r)
	}})
	ctx := ctxT(t)
	if _, err := cli.Echo(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Echo(ctx, addr); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv2, err := Listen(addr.String(), Config{Handler: &fakeHandler{}, Recovery: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if _, err := cli.CreatePDPContext(ctx, addr, testRequest("262011234567890")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(restarts) != 1 || restarts[0] != 2 {
		t.Fatalf("restarts %v, want [2]", restarts)
	}
}

func TestResponseCacheExpires(t *testing.T) {
	var c responseCache
	c.init(time.Second)
	now := time.Unix(1000, 0)
	k := cacheKey{peer: netip.MustParseAddrPort("127.0.0.1:1"), seq: 1, typ: MsgCreatePDPContextRequest}
	e, _, dup := c.reserve(k, 7, now)
	if dup {
		t.Fatal("fresh key reported duplicate")
	}
	c.complete(k, e, []byte{1})
	if _, r, dup := c.reserve(k, 7, now.Add(1500*time.Millisecond)); !dup || r == nil {
		t.Fatal("entry gone before 2 TTL")
	}
	other := cacheKey{peer: k.peer, seq: 1 + 256, typ: k.typ}
	c.reserve(other, 7, now.Add(3*time.Second))
	if _, _, dup := c.reserve(k, 7, now.Add(3*time.Second)); dup {
		t.Fatal("entry still there after 2 TTL")
	}
	if n := c.len(); n != 2 {
		t.Fatalf("%d entries, want 2", n)
	}
	// A peer silent for 2 TTL is forgotten with its entries.
	third := cacheKey{peer: netip.MustParseAddrPort("127.0.0.1:2"), seq: 1, typ: MsgDeletePDPContextRequest}
	c.reserve(third, 8, now.Add(5*time.Second))
	if n := c.len(); n != 1 {
		t.Fatalf("%d entries after the first peer went silent, want 1", n)
	}
}

func BenchmarkEndpointCreateDelete(b *testing.B) {
	h := &fakeHandler{}
	srv := listen(b, Config{Handler: h})
	cli := listen(b, Config{})
	ctx := context.Background()
	var goroutines atomic.Uint32
	b.SetParallelism(32) // many exchanges in flight
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		req := testRequest("262011234567890")
		g := goroutines.Add(1)
		for i := uint32(0); pb.Next(); i++ {
			// A new TEID per request, as an SGSN gives: the sequence numbers
			// wrap within the duplicate-detection time, and an identical
			// request under a reused one is answered from the cache.
			req.TEIDControl = g<<16 | i&0xffff
			res, err := cli.CreatePDPContext(ctx, srv.LocalAddr(), req)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := cli.DeletePDPContext(ctx, srv.LocalAddr(), &DeletePDPContextRequest{TEID: res.TEIDControl, NSAPI: 5}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")                 // one exchange: a Create and its Delete
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-us/op") // client and server
	if s := cli.Stats(); s.Retransmissions > 0 {
		b.Logf("client retransmissions: %d", s.Retransmissions)
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Inline servers answer on the reading goroutine: the same answers, the
// same duplicate detection, many clients at once.
func TestInlineServer(t *testing.T) {
	h := &fakeHandler{}
	srv := listen(t, Config{Handler: h, Inline: true, Recovery: 3})
	cli := listen(t, Config{})
	ctx := ctxT(t)
	if rec, err := cli.Echo(ctx, srv.LocalAddr()); err != nil || rec != 3 {
		t.Fatalf("Echo = %d, %v", rec, err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 200 {
		wg.Go(func() {
			res, err := cli.CreatePDPContext(ctx, srv.LocalAddr(), testRequest(fmt.Sprintf("2620100000%05d", i)))
			if err != nil || res.Cause != CauseRequestAccepted {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 || h.creates.Load() != 200 {
		t.Fatalf("%d failed, %d handled", n, h.creates.Load())
	}
	// A retransmission gets the cached bytes, not a second call.
	p := newRawPeer(t, srv.LocalAddr())
	req, _ := Marshal(testRequest("262019999999999"), 42)
	p.send(req)
	first := p.recv(5 * time.Second)
	p.send(req)
	again := p.recv(5 * time.Second)
	if first == nil || !bytes.Equal(first, again) || h.creates.Load() != 201 {
		t.Fatalf("duplicate not answered from the cache: %x / %x, %d calls", first, again, h.creates.Load())
	}
	// Garbage is counted and the server keeps answering.
	p.send([]byte{0x32, 0x10, 0xff, 0xff, 0, 0, 0, 0})
	if rec, err := cli.Echo(ctx, srv.LocalAddr()); err != nil || rec != 3 {
		t.Fatalf("after garbage: Echo = %d, %v", rec, err)
	}
}

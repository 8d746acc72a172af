package diameter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
	"go.uber.org/zap/zaptest"
)

const testApp = 16777251

func testConfig(t *testing.T, host string) Config {
	return Config{Host: host, Realm: "test.realm", ProductName: "test", RequestTimeout: 2 * time.Second, Logger: zaptest.NewLogger(t)}
}

// appRequest is an S6a ULR-shaped request carrying a tag in User-Name.
func appRequest(tag string) *diam.Message {
	m := diam.NewRequest(diam.UpdateLocation, testApp, nil)
	m.AddAVP(diam.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String("mme.test;1;"+tag)))
	m.AddAVP(diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("mme.test")))
	m.AddAVP(diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("test.realm")))
	m.AddAVP(diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(tag)))
	return m
}

// appRequestBytes is appRequest written out, for RequestBytes.
func appRequestBytes(t *testing.T, tag string) []byte {
	t.Helper()
	m := appRequest(tag)
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func userName(m *diam.Message) string {
	for _, a := range m.AVP {
		if a.Code == avp.UserName {
			return string(a.Data.(datatype.UTF8String))
		}
	}
	return ""
}

func resultCode(t *testing.T, m *diam.Message) uint32 {
	t.Helper()
	for _, a := range m.AVP {
		if a.Code == avp.ResultCode {
			return uint32(a.Data.(datatype.Unsigned32))
		}
	}
	t.Fatalf("no Result-Code in %v", m)
	return 0
}

// echo answers every request with 2001 and the request's User-Name.
func echo(ctx context.Context, c *Conn, req *diam.Message) *diam.Message {
	ans := req.Answer(ResultSuccess)
	ans.AddAVP(diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(userName(req))))
	return ans
}

func startServer(t *testing.T, cfg Config, h Handler) *Server {
	t.Helper()
	s, err := Listen("tcp", "127.0.0.1:0", cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dialServer(t *testing.T, s *Server, cfg Config, h Handler) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, "tcp", s.Addr().String(), cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCapabilitiesExchange(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	if c.PeerHost() != "hss.test" || c.PeerRealm() != "test.realm" {
		t.Errorf("client sees peer %q/%q", c.PeerHost(), c.PeerRealm())
	}
	sc := s.Conn("mme.test")
	if sc == nil {
		t.Fatal("server does not find the peer by Origin-Host")
	}
	if sc.PeerHost() != "mme.test" {
		t.Errorf("server sees peer %q", sc.PeerHost())
	}
	if st := s.Stats(); st.Established != 1 || st.Active != 1 {
		t.Errorf("stats %+v", st)
	}
	ans, err := c.Request(context.Background(), appRequest("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if resultCode(t, ans) != ResultSuccess || userName(ans) != "hello" {
		t.Errorf("answer %v", ans)
	}
}

func TestCERContents(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	cfg := testConfig(t, "raw.test").withDefaults()
	raw := newConn(context.Background(), nc, "tcp", cfg, nil, new(counters))
	cer := raw.capabilities(nil, 0)
	got := readCapabilities(cer)
	if got.host != "raw.test" || got.realm != "test.realm" || len(got.apps) != 2 || got.apps[0] != testApp || got.apps[1] != testApp {
		t.Errorf("CER capabilities %+v", got)
	}
	if _, err := cer.FindAVP(avp.HostIPAddress, 0); err != nil {
		t.Error("CER without Host-IP-Address")
	}
	if err := raw.send(cer, true); err != nil {
		t.Fatal(err)
	}
	cea, err := raw.handshakeFrame()
	if err != nil {
		t.Fatal(err)
	}
	p := readCapabilities(cea)
	if p.result != ResultSuccess || p.host != "hss.test" {
		t.Errorf("CEA %+v", p)
	}
	for _, code := range []uint32{avp.HostIPAddress, avp.VendorID, avp.ProductName, avp.VendorSpecificApplicationID} {
		if _, err := cea.FindAVP(code, 0); err != nil {
			t.Errorf("CEA lacks AVP %d", code)
		}
	}
}

func TestNoCommonApplication(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	cfg := testConfig(t, "gx.test")
	cfg.Applications = []Application{{ID: 16777238, VendorID: 10415}}
	_, err := Dial(context.Background(), "tcp", s.Addr().String(), cfg, nil)
	if !errors.Is(err, ErrCapabilities) {
		t.Fatalf("err = %v, want ErrCapabilities", err)
	}
}

func TestWatchdogAnswered(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	r, err := c.request(context.Background(), c.baseRequest(diam.DeviceWatchdog), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	ans := r.m
	if ans.Header.CommandCode != diam.DeviceWatchdog || resultCode(t, ans) != ResultSuccess {
		t.Errorf("DWA %v", ans)
	}
}

func TestWatchdogSentWhenIdle(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	cfg := testConfig(t, "mme.test")
	cfg.WatchdogInterval = 30 * time.Millisecond
	c := dialServer(t, s, cfg, nil)
	waitFor(t, "two DWRs", func() bool { return s.Stats().RequestsIn >= 2 })
	if st := c.Stats(); st.WatchdogsMissed != 0 || c.Err() != nil {
		t.Errorf("stats %+v, err %v", st, c.Err())
	}
}

// fakePeer accepts one connection, answers the CER and then calls serve
// with the connection.
func fakePeer(t *testing.T, serve func(c *Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		cfg := testConfig(t, "fake.test").withDefaults()
		c := newConn(context.Background(), nc, "tcp", cfg, nil, new(counters))
		cer, err := c.serverHandshake()
		if err != nil {
			return
		}
		c.send(c.capabilities(cer, ResultSuccess), true)
		serve(c)
	}()
	return ln.Addr().String()
}

func TestWatchdogMissedCloses(t *testing.T) {
	silent := func(c *Conn) { io.Copy(io.Discard, c.br) }
	addr := fakePeer(t, silent)
	cfg := testConfig(t, "mme.test")
	cfg.WatchdogInterval = 30 * time.Millisecond
	c, err := Dial(context.Background(), "tcp", addr, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection not closed after missed DWAs")
	}
	if !errors.Is(c.Err(), ErrWatchdog) {
		t.Errorf("err = %v, want ErrWatchdog", c.Err())
	}
	if c.Stats().WatchdogsMissed < 2 {
		t.Errorf("stats %+v", c.Stats())
	}
}

func TestDisconnectPeer(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if st := c.Stats(); st.AnswersIn != 1 || st.Timeouts != 0 {
		t.Errorf("client stats %+v: want the DPA answered", st)
	}
	waitFor(t, "server to drop the peer", func() bool { return s.Conn("mme.test") == nil && s.Stats().Active == 0 })
	if _, err := c.Request(context.Background(), appRequest("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("request after Close: %v", err)
	}
}

func TestDisconnectFromServerSide(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	s.Conn("mme.test").Close()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("client connection not closed by DPR")
	}
	if !errors.Is(c.Err(), ErrPeerDisconnected) {
		t.Errorf("err = %v, want ErrPeerDisconnected", c.Err())
	}
}

func TestRequestsBothDirections(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), echo)
	ans, err := s.Conn("mme.test").Request(context.Background(), appRequest("to-node"))
	if err != nil {
		t.Fatal(err)
	}
	if userName(ans) != "to-node" {
		t.Errorf("answer %v", ans)
	}
	if _, err := c.Request(context.Background(), appRequest("to-hss")); err != nil {
		t.Fatal(err)
	}
}

func TestSlowHandlerDoesNotBlockOthers(t *testing.T) {
	h := func(ctx context.Context, c *Conn, req *diam.Message) *diam.Message {
		if userName(req) == "slow" {
			time.Sleep(500 * time.Millisecond)
		}
		return echo(ctx, c, req)
	}
	s := startServer(t, testConfig(t, "hss.test"), h)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	var order []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	slowSent := make(chan struct{})
	for _, tag := range []string{"slow", "fast"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tag == "fast" {
				<-slowSent
			}
			req := appRequest(tag)
			if tag == "slow" {
				go func() { time.Sleep(20 * time.Millisecond); close(slowSent) }()
			}
			ans, err := c.Request(context.Background(), req)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, userName(ans))
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(order) != 2 || order[0] != "fast" {
		t.Errorf("answers in order %v, want fast before slow", order)
	}
}

func TestRequestTimeout(t *testing.T) {
	never := func(ctx context.Context, c *Conn, req *diam.Message) *diam.Message { return nil }
	s := startServer(t, testConfig(t, "hss.test"), never)
	cfg := testConfig(t, "mme.test")
	cfg.RequestTimeout = 100 * time.Millisecond
	c := dialServer(t, s, cfg, nil)
	_, err := c.Request(context.Background(), appRequest("x"))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Request(ctx, appRequest("y"))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout and DeadlineExceeded", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err = c.Request(ctx2, appRequest("z")); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want Canceled", err)
	}
	if c.Stats().Timeouts != 2 {
		t.Errorf("stats %+v", c.Stats())
	}
	c.pmu.Lock()
	n := len(c.pending)
	c.pmu.Unlock()
	if n != 0 {
		t.Errorf("%d pending requests left", n)
	}
}

func TestPendingFailOnDisconnect(t *testing.T) {
	arrived := make(chan struct{}, 4)
	block := func(ctx context.Context, c *Conn, req *diam.Message) *diam.Message {
		arrived <- struct{}{}
		<-ctx.Done()
		return nil
	}
	s := startServer(t, testConfig(t, "hss.test"), block)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := c.Request(context.Background(), appRequest("x"))
			errs <- err
		}()
	}
	for i := 0; i < 3; i++ {
		<-arrived
	}
	s.Conn("mme.test").shutdown(errors.New("test: drop")) // abrupt: no DPR
	for i := 0; i < 3; i++ {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) {
				t.Errorf("err = %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("pending request not failed")
		}
	}
}

func TestHandlerPanic(t *testing.T) {
	h := func(ctx context.Context, c *Conn, req *diam.Message) *diam.Message {
		if userName(req) == "boom" {
			panic("boom")
		}
		return echo(ctx, c, req)
	}
	s := startServer(t, testConfig(t, "hss.test"), h)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	ans, err := c.Request(context.Background(), appRequest("boom"))
	if err != nil {
		t.Fatal(err)
	}
	if resultCode(t, ans) != ResultUnableToComply {
		t.Errorf("answer %v", ans)
	}
	if _, err := c.Request(context.Background(), appRequest("ok")); err != nil {
		t.Fatal(err)
	}
	if s.Stats().HandlerPanics != 1 {
		t.Errorf("stats %+v", s.Stats())
	}
}

// rawPeer is a hand-driven client: it does the CER/CEA and then writes
// whatever bytes a test wants.
type rawPeer struct {
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, s *Server) *rawPeer {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := newConn(context.Background(), nc, "tcp", testConfig(t, "raw.test").withDefaults(), nil, new(counters))
	if err := c.send(c.capabilities(nil, 0), true); err != nil {
		t.Fatal(err)
	}
	p := &rawPeer{nc: nc, br: c.br}
	if m := p.read(t); m == nil || readCapabilities(m).result != ResultSuccess {
		t.Fatalf("CEA %v", m)
	}
	return p
}

func (p *rawPeer) read(t *testing.T) *diam.Message {
	t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	h := make([]byte, HeaderLength)
	if _, err := io.ReadFull(p.br, h); err != nil {
		return nil
	}
	l, err := checkHeader(h, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, l)
	copy(b, h)
	if _, err := io.ReadFull(p.br, b[HeaderLength:]); err != nil {
		return nil
	}
	hd := decodeHeader(b)
	if _, err := dict.Default.FindCommand(hd.ApplicationID, hd.CommandCode); err != nil {
		// An answer to a command the dictionary lacks: read it as a ULA.
		binary.BigEndian.PutUint32(b[4:8], uint32(b[4])<<24|diam.UpdateLocation)
		binary.BigEndian.PutUint32(b[8:12], testApp)
	}
	m, err := DecodeMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (p *rawPeer) closed(t *testing.T) bool {
	t.Helper()
	p.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := p.br.ReadByte()
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func serialize(t *testing.T, m *diam.Message) []byte {
	t.Helper()
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMalformedInput(t *testing.T) {
	good := func(t *testing.T) []byte { return serialize(t, appRequest("ok")) }
	withAVPLength := func(t *testing.T) []byte {
		b := good(t)
		// User-Name is the last AVP: claim it is longer than the message.
		off := len(b) - 8
		for off > HeaderLength && binary.BigEndian.Uint32(b[off:]) != avp.UserName {
			off -= 4
		}
		b[off+7] = 0xff
		return b
	}
	badUnsigned := func(t *testing.T) []byte {
		m := appRequest("ok")
		m.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.OctetString("toolong")))
		return serialize(t, m)
	}
	unknownApp := func(t *testing.T) []byte {
		m := appRequest("ok")
		m.Header.ApplicationID = 4
		return serialize(t, m)
	}
	unknownCommand := func(t *testing.T) []byte {
		m := appRequest("ok")
		m.Header.CommandCode = 9999
		return serialize(t, m)
	}
	hdr := func(version byte, length uint32) []byte {
		b := good(t)
		b[0] = version
		b[1], b[2], b[3] = byte(length>>16), byte(length>>8), byte(length)
		return b
	}
	tests := []struct {
		name       string
		bytes      func(t *testing.T) []byte
		wantClose  bool
		wantResult uint32
		wantEBit   bool
		wantFailed bool
	}{
		{name: "garbage", bytes: func(*testing.T) []byte { return []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n") }, wantClose: true},
		{name: "version 2", bytes: func(*testing.T) []byte { return hdr(2, 20) }, wantClose: true},
		{name: "huge length", bytes: func(*testing.T) []byte { return hdr(1, 0xfffffc) }, wantClose: true},
		{name: "length not multiple of 4", bytes: func(*testing.T) []byte { return hdr(1, 22) }, wantClose: true},
		{name: "length below header", bytes: func(*testing.T) []byte { return hdr(1, 8) }, wantClose: true},
		{name: "AVP length past the end", bytes: withAVPLength, wantResult: ResultInvalidAVPLength, wantFailed: true},
		{name: "Unsigned32 of 7 bytes", bytes: badUnsigned, wantResult: ResultInvalidAVPLength, wantFailed: true},
		{name: "unknown application", bytes: unknownApp, wantResult: ResultApplicationUnsupported, wantEBit: true},
		{name: "unknown command", bytes: unknownCommand, wantResult: ResultCommandUnsupported, wantEBit: true},
	}
	s := startServer(t, testConfig(t, "hss.test"), echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := dialRaw(t, s)
			if _, err := p.nc.Write(tt.bytes(t)); err != nil {
				t.Fatal(err)
			}
			if tt.wantClose {
				if !p.closed(t) {
					t.Error("connection not closed")
				}
			} else {
				ans := p.read(t)
				if ans == nil {
					t.Fatal("no answer")
				}
				if got := resultCode(t, ans); got != tt.wantResult {
					t.Errorf("result %d, want %d", got, tt.wantResult)
				}
				if got := ans.Header.CommandFlags&diam.ErrorFlag != 0; got != tt.wantEBit {
					t.Errorf("E bit %v, want %v", got, tt.wantEBit)
				}
				if _, err := ans.FindAVP(avp.FailedAVP, 0); (err == nil) != tt.wantFailed {
					t.Errorf("Failed-AVP present %v, want %v", err == nil, tt.wantFailed)
				}
				if _, err := ans.FindAVP(avp.SessionID, 0); err != nil {
					t.Error("answer without Session-Id")
				}
			}
			// The server still serves a fresh connection.
			c := dialServer(t, s, testConfig(t, "mme.test"), nil)
			if _, err := c.Request(context.Background(), appRequest("after")); err != nil {
				t.Fatal(err)
			}
		})
	}
	if s.Stats().BadFrames != 5 {
		t.Errorf("bad frames %d, want 5", s.Stats().BadFrames)
	}
}

func TestBadAnswerCounted(t *testing.T) {
	var hbh atomic.Uint32
	addr := fakePeer(t, func(c *Conn) {
		for {
			b, err := c.readFrame()
			if err != nil {
				return
			}
			h := decodeHeader(b)
			if h.ApplicationID != testApp {
				continue
			}
			hbh.Store(h.HopByHopID)
			ans := diam.NewMessage(h.CommandCode, 0, h.ApplicationID, h.HopByHopID, h.EndToEndID, nil)
			ans.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.OctetString("xx")))
			c.send(ans, true)
		}
	})
	c, err := Dial(context.Background(), "tcp", addr, testConfig(t, "mme.test"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Request(context.Background(), appRequest("x"))
	if !errors.Is(err, ErrBadAnswer) {
		t.Fatalf("err = %v, want ErrBadAnswer", err)
	}
	// RequestBytes checks the answer as Request does.
	if f, err := c.RequestBytes(context.Background(), appRequestBytes(t, "y")); !errors.Is(err, ErrBadAnswer) || f != nil {
		t.Fatalf("RequestBytes: %d bytes, err = %v, want ErrBadAnswer", len(f), err)
	}
	if c.Stats().BadAnswers != 2 {
		t.Errorf("stats %+v", c.Stats())
	}
}

// RequestBytes sends a request as bytes and hands over the answer's bytes,
// its own copy, which read in
// place (EachAVP) and decoded give what the peer sent.
func TestRequestBytesGivesTheAnswerAsSent(t *testing.T) {
	s := startServer(t, testConfig(t, "hss.test"), echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	first, err := c.RequestBytes(context.Background(), appRequestBytes(t, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	kept := bytes.Clone(first)
	for _, name := range []string{"bob", "carol"} {
		if _, err := c.RequestBytes(context.Background(), appRequestBytes(t, name)); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(first, kept) {
		t.Fatal("the first answer's bytes changed under later answers")
	}
	h := decodeHeader(first)
	if h.CommandFlags&diam.RequestFlag != 0 || h.ApplicationID != testApp || int(h.MessageLength) != len(first) {
		t.Fatalf("header %+v for %d bytes", h, len(first))
	}
	var user string
	var result uint32
	var seen int
	if err := EachAVP(first, func(a RawAVP) bool {
		seen++
		switch a.Code {
		case avp.UserName:
			user, _ = a.Text()
		case avp.ResultCode:
			result, _ = a.Uint32()
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	m, err := DecodeMessage(first)
	if err != nil {
		t.Fatal(err)
	}
	if user != "alice" || result != ResultSuccess || seen != len(m.AVP) || userName(m) != "alice" {
		t.Fatalf("read in place: user %q result %d, %d AVPs; decoded: %d AVPs, user %q", user, result, seen, len(m.AVP), userName(m))
	}
	c.Close()
	if _, err := c.RequestBytes(context.Background(), appRequestBytes(t, "late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

// EachAVP and RawAVP read any bytes without panicking: a bad length is an
// error, a value of the wrong type or size is not ok.
func TestEachAVPOnBadBytes(t *testing.T) {
	hdr := make([]byte, HeaderLength)
	for _, body := range [][]byte{
		{0, 0, 1, 7, 0x40, 0, 0, 12, 0, 0},                 // length beyond the bytes
		{0, 0, 1, 7, 0x80, 0, 0, 10, 0, 0, 0, 0},           // vendor bit, length under 12
		{0, 0, 1, 12, 0x40, 0, 0, 11, 0, 0, 7},             // Result-Code of 3 bytes: ok false
		{0, 0, 1, 12, 0x40, 0, 0, 12, 0, 0, 7, 0xd1, 0, 0}, // then 2 stray bytes
	} {
		var n int
		var u32ok bool
		err := EachAVP(append(bytes.Clone(hdr), body...), func(a RawAVP) bool {
			n++
			_, u32ok = a.Uint32()
			a.Members(func(RawAVP) bool { return true })
			return true
		})
		if err == nil && (n != 1 || u32ok) {
			t.Errorf("% x: no error, %d AVPs, Uint32 ok %v", body, n, u32ok)
		}
	}
	if err := EachAVP(hdr[:10], func(RawAVP) bool { return true }); err == nil {
		t.Error("a 10-byte frame read")
	}
}

func TestAutoTransport(t *testing.T) {
	s, err := Listen("auto", "127.0.0.1:0", testConfig(t, "hss.test"), echo)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("auto chose %s", s.Transport())
	if s.Transport() == "tcp" {
		if _, err := Listen("sctp", "127.0.0.1:0", testConfig(t, "x"), echo); err == nil || !sctpUnsupported(err) {
			t.Errorf("auto chose TCP but SCTP listen says %v", err)
		}
	}
	c, err := Dial(context.Background(), "auto", s.Addr().String(), testConfig(t, "mme.test"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Transport() != s.Transport() {
		t.Errorf("client chose %s, server %s", c.Transport(), s.Transport())
	}
	if _, err := c.Request(context.Background(), appRequest("x")); err != nil {
		t.Fatal(err)
	}
}

func TestUnknownNetwork(t *testing.T) {
	if _, err := Listen("udp", "127.0.0.1:0", testConfig(t, "x"), nil); err == nil {
		t.Error("udp accepted")
	}
}

// A FrameHandler answers the requests it takes as bytes, with the
// request's identifiers; those it leaves go to the Handler decoded; its
// panics and broken answers are answered DIAMETER_UNABLE_TO_COMPLY, and
// the connection goes on.
func TestFrameHandler(t *testing.T) {
	cfg := testConfig(t, "hss.test")
	var taken, left atomic.Int32
	cfg.FrameHandler = func(ctx context.Context, c *Conn, frame []byte) ([]byte, bool) {
		var tag string
		EachAVP(frame, func(a RawAVP) bool {
			if a.Code == avp.UserName {
				tag, _ = a.Text()
			}
			return true
		})
		switch tag {
		case "fast":
			taken.Add(1)
			ans := diam.NewMessage(0, 0, 0, 7, 7, nil) // command, application and identifiers are the connection's to set
			ans.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(ResultSuccess)))
			ans.AddAVP(diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("answered as bytes")))
			ans.Header.MessageLength = uint32(ans.Len())
			b, _ := ans.Serialize()
			return b, true
		case "panic":
			panic("frame handler")
		case "broken":
			return []byte{1, 2, 3}, true
		}
		left.Add(1)
		return nil, false
	}
	s := startServer(t, cfg, echo)
	c := dialServer(t, s, testConfig(t, "mme.test"), nil)
	for _, tc := range []struct {
		tag, user string
		result    uint32
	}{
		{"fast", "answered as bytes", ResultSuccess},
		{"slow", "slow", ResultSuccess},
		{"panic", "", ResultUnableToComply},
		{"broken", "", ResultUnableToComply},
		{"fast", "answered as bytes", ResultSuccess},
	} {
		ans, err := c.Request(context.Background(), appRequest(tc.tag))
		if err != nil {
			t.Fatalf("%s: %v", tc.tag, err)
		}
		if r := resultCode(t, ans); r != tc.result || userName(ans) != tc.user || ans.Header.CommandCode != diam.UpdateLocation ||
			ans.Header.ApplicationID != testApp || ans.Header.CommandFlags&diam.RequestFlag != 0 {
			t.Errorf("%s: result %d, user %q, header %+v; want %d, %q", tc.tag, r, userName(ans), ans.Header, tc.result, tc.user)
		}
	}
	if taken.Load() != 2 || left.Load() != 1 || s.Stats().HandlerPanics != 1 {
		t.Errorf("taken %d, left %d, panics %d; want 2, 1, 1", taken.Load(), left.Load(), s.Stats().HandlerPanics)
	}
}

// An answer that comes after its request timed out reaches nobody, and
// each later request gets its own answer, though the waits are reused.
// The on-time requests have the same timeout as the late one: it is long
// enough (250 ms) for a loopback answer on a loaded machine under the race
// detector (50 ms was not, with the other packages' tests beside it).
func TestLateAnswerGoesToNoLaterRequest(t *testing.T) {
	const timeout, late = 250 * time.Millisecond, 600 * time.Millisecond
	h := func(ctx context.Context, c *Conn, req *diam.Message) *diam.Message {
		if strings.HasPrefix(userName(req), "late") {
			time.Sleep(late)
		}
		return echo(ctx, c, req)
	}
	s := startServer(t, testConfig(t, "hss.test"), h)
	cfg := testConfig(t, "mme.test")
	cfg.RequestTimeout = timeout
	c := dialServer(t, s, cfg, nil)
	for round := range 3 {
		tag := fmt.Sprintf("late-%d", round)
		if _, err := c.Request(context.Background(), appRequest(tag)); !errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: err = %v, want ErrTimeout", tag, err)
		}
		// The late answer arrives while these run, one after another.
		deadline := time.Now().Add(late)
		for i := 0; time.Now().Before(deadline); i++ {
			want := fmt.Sprintf("on-time-%d-%d", round, i)
			ans, err := c.Request(context.Background(), appRequest(want))
			if err != nil {
				t.Fatalf("%s: %v", want, err)
			}
			if got := userName(ans); got != want {
				t.Fatalf("request %s got the answer to %s", want, got)
			}
		}
		// The late answer came (or comes, on a slow machine: at most 5 s
		// more) and matched no request.
		for wait := time.Now().Add(5 * time.Second); c.Stats().UnmatchedAnswers < uint64(round+1) && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
		if got := c.Stats().UnmatchedAnswers; got != uint64(round+1) {
			t.Fatalf("after round %d: %d answers matched no request, want %d (the late ones)", round, got, round+1)
		}
	}
}

package ggsn

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wmnsk/go-gtp/gtpv1/ie"
	"github.com/wmnsk/go-gtp/gtpv1/message"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/core-sim/core-sim/gtpc"
)

func startServer(t *testing.T, cfg Config, log *zap.Logger) *Server {
	t.Helper()
	s, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", Config: cfg, Logger: log, Recovery: 9})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func client(t *testing.T, cfg gtpc.Config) *gtpc.Endpoint {
	t.Helper()
	c, err := gtpc.Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wireReq(c *gtpc.Endpoint, imsi, apn string) *gtpc.CreatePDPContextRequest {
	r := createReq(imsi, apn)
	r.SGSNControlAddr, r.SGSNUserAddr = c.LocalAddr().Addr(), c.LocalAddr().Addr()
	return r
}

func TestServer(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	srv := startServer(t, Config{APNs: []APN{{"em", netip.MustParsePrefix("10.0.0.0/30")}}}, zap.New(core))
	cli := client(t, gtpc.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if rec, err := cli.Echo(ctx, srv.Addr()); err != nil || rec != 9 {
		t.Fatalf("echo: %d %v", rec, err)
	}
	res, err := cli.CreatePDPContext(ctx, srv.Addr(), wireReq(cli, "262010000000001", "em"))
	if err != nil || res.Cause != gtpc.CauseRequestAccepted || res.EndUserAddress.String() != "10.0.0.1" ||
		res.GGSNControlAddr.String() != "127.0.0.1" || res.TEID != 0x200 {
		t.Fatalf("create: %+v %v", res, err)
	}
	for _, tt := range []struct {
		imsi, apn string
		cause     gtpc.Cause
	}{
		{"262010000000002", "internet", gtpc.CauseMissingOrUnknownAPN},
		{"262010000000002", "EM", gtpc.CauseRequestAccepted},
		{"262010000000003", "em", gtpc.CauseAllDynamicAddressesOccupied},
	} {
		if r, err := cli.CreatePDPContext(ctx, srv.Addr(), wireReq(cli, tt.imsi, tt.apn)); err != nil || r.Cause != tt.cause {
			t.Fatalf("create %s %s: %+v %v, want %v", tt.imsi, tt.apn, r, err, tt.cause)
		}
	}
	if d, err := cli.DeletePDPContext(ctx, srv.Addr(), &gtpc.DeletePDPContextRequest{TEID: 777, NSAPI: 5}); err != nil ||
		d.Cause != gtpc.CauseContextNotFound {
		t.Fatalf("delete unknown: %+v %v", d, err)
	}
	if d, err := cli.DeletePDPContext(ctx, srv.Addr(), &gtpc.DeletePDPContextRequest{TEID: res.TEIDControl, NSAPI: 5}); err != nil ||
		d.Cause != gtpc.CauseRequestAccepted || d.TEID != 0x200 {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if srv.GGSN().Active() != 1 {
		t.Fatalf("%d active, want 1", srv.GGSN().Active())
	}
	// Each decision is logged at debug with IMSI, APN, cause, IP and TEIDs.
	entries := logs.FilterMessage("create PDP context").All()
	if len(entries) != 4 {
		t.Fatalf("%d create log entries, want 4", len(entries))
	}
	f := entries[0].ContextMap()
	if f["imsi"] != "262010000000001" || f["apn"] != "em" || f["ip"] != "10.0.0.1" || f["cause"] != "Request accepted (128)" ||
		f["teid_c"] != uint32(1) {
		t.Fatalf("log fields %v", f)
	}
	del := logs.FilterMessage("delete PDP context").All()
	if len(del) != 2 || del[1].ContextMap()["imsi"] != "262010000000001" || del[0].ContextMap()["cause"] != "Context not found (210)" {
		t.Fatalf("delete log entries %v", del)
	}
}

func TestServerStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Start(ctx, Options{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	cli := client(t, gtpc.Config{T3Response: 20 * time.Millisecond, N3Requests: 1})
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := cli.Echo(context.Background(), srv.Addr()); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server still answers after its context ended")
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close after context end: %v", err)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	_, err := Start(context.Background(), Options{Listen: "127.0.0.1:0",
		Config: Config{APNs: []APN{{"em", netip.MustParsePrefix("10.0.0.0/32")}}}})
	if err == nil {
		t.Fatal("no error for a /32 pool")
	}
}

// dropFirstResponse relays client<->server and loses the server's first
// answer, so the client must retransmit.
func dropFirstResponse(t *testing.T, server netip.AddrPort) netip.AddrPort {
	front, _ := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	back, _ := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.0.0.1:0")))
	t.Cleanup(func() { front.Close(); back.Close() })
	var client atomic.Value
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			client.Store(from)
			back.WriteToUDPAddrPort(buf[:n], server)
		}
	}()
	go func() {
		buf := make([]byte, 65536)
		for first := true; ; first = false {
			n, _, err := back.ReadFromUDPAddrPort(buf)
			if err != nil || first {
				if err != nil {
					return
				}
				continue
			}
			front.WriteToUDPAddrPort(buf[:n], client.Load().(netip.AddrPort))
		}
	}()
	return front.LocalAddr().(*net.UDPAddr).AddrPort()
}

func TestServerLostResponseAllocatesOnce(t *testing.T) {
	srv := startServer(t, Config{}, nil)
	proxy := dropFirstResponse(t, srv.Addr())
	cli := client(t, gtpc.Config{T3Response: 50 * time.Millisecond})
	res, err := cli.CreatePDPContext(context.Background(), proxy, wireReq(cli, "262010000000001", "em"))
	if err != nil || res.Cause != gtpc.CauseRequestAccepted {
		t.Fatalf("create: %+v %v", res, err)
	}
	if cli.Stats().Retransmissions != 1 || srv.Stats().Duplicates != 1 {
		t.Fatalf("client %+v server %+v: want one retransmission answered from the cache", cli.Stats(), srv.Stats())
	}
	if n := srv.GGSN().Active(); n != 1 {
		t.Fatalf("%d contexts, want 1", n)
	}
	if u := srv.GGSN().Pools()[0]; u.InUse != 1 || res.EndUserAddress.String() != "10.192.0.1" {
		t.Fatalf("pool %+v, address %v: allocated more than once", u, res.EndUserAddress)
	}
}

func TestServerSurvivesMalformed(t *testing.T) {
	srv := startServer(t, Config{}, nil)
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	roundTrip := func(b []byte) (gtpc.Header, gtpc.Message, bool) {
		conn.Write(b)
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			return gtpc.Header{}, nil, false
		}
		h, m, err := gtpc.Decode(buf[:n])
		if err != nil {
			t.Fatalf("server answered undecodable %x: %v", buf[:n], err)
		}
		return h, m, true
	}
	valid := func(seq uint16) []byte {
		b, err := gtpc.Marshal(createReq("262010000000001", "em"), seq)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	noAPN, _ := message.Marshal(message.NewCreatePDPContextRequest(0, 3,
		ie.New(ie.IMSI, []byte{0x62, 0x02, 0x11, 0x32, 0x54, 0x76, 0x98, 0xf0}), ie.NewTEIDDataI(1), ie.NewTEIDCPlane(2),
		ie.NewNSAPI(5), ie.NewGSNAddress("127.0.0.1"), ie.NewGSNAddress("127.0.0.1"), ie.NewQoSProfile([]byte{0, 0xb, 0x92, 0x1f})))
	badIMSI, _ := message.Marshal(message.NewCreatePDPContextRequest(0, 4,
		ie.New(ie.IMSI, []byte{0x62, 0xb2, 0x11, 0x32, 0x54, 0x76, 0x98, 0xf0}), ie.NewTEIDDataI(1), ie.NewTEIDCPlane(2),
		ie.NewNSAPI(5), ie.NewAccessPointName("em"), ie.NewGSNAddress("127.0.0.1"), ie.NewGSNAddress("127.0.0.1"),
		ie.NewQoSProfile([]byte{0, 0xb, 0x92, 0x1f})))
	delUnknown, _ := gtpc.Marshal(&gtpc.DeletePDPContextRequest{TEID: 0xdead, NSAPI: 5}, 5)
	truncated := valid(1)
	truncated = truncated[:len(truncated)-4]
	badLength := valid(2)
	badLength[2], badLength[3] = 0x01, 0x00
	wrongVersion := valid(6)
	wrongVersion[0] = 0x48

	tests := []struct {
		name  string
		b     []byte
		typ   gtpc.MessageType // 0: no answer
		cause gtpc.Cause
	}{
		{"garbage", []byte{0x32, 0x10, 0xff, 0x00, 0x01}, 0, 0},
		{"truncated", truncated, gtpc.MsgCreatePDPContextResponse, gtpc.CauseInvalidMessageFormat},
		{"bad length", badLength, gtpc.MsgCreatePDPContextResponse, gtpc.CauseInvalidMessageFormat},
		{"wrong version", wrongVersion, gtpc.MsgVersionNotSupported, 0},
		{"missing APN", noAPN, gtpc.MsgCreatePDPContextResponse, gtpc.CauseMandatoryIEMissing},
		{"bad IMSI", badIMSI, gtpc.MsgCreatePDPContextResponse, gtpc.CauseMandatoryIEIncorrect},
		{"delete unknown TEID", delUnknown, gtpc.MsgDeletePDPContextResponse, gtpc.CauseContextNotFound},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, m, ok := roundTrip(tt.b)
			if ok != (tt.typ != 0) || h.Type != tt.typ {
				t.Fatalf("answer %v %v, want %v", ok, h.Type, tt.typ)
			}
			switch m := m.(type) {
			case *gtpc.CreatePDPContextResponse:
				if m.Cause != tt.cause {
					t.Fatalf("cause %v, want %v", m.Cause, tt.cause)
				}
			case *gtpc.DeletePDPContextResponse:
				if m.Cause != tt.cause {
					t.Fatalf("cause %v, want %v", m.Cause, tt.cause)
				}
			}
			_, m, ok = roundTrip(valid(uint16(100 + i)))
			if r, _ := m.(*gtpc.CreatePDPContextResponse); !ok || r.Cause != gtpc.CauseRequestAccepted {
				t.Fatalf("valid request after %s not accepted: %+v", tt.name, m)
			}
		})
	}
}

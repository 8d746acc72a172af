package reference

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
	"github.com/fiorix/go-diameter/v4/diam/sm"

	"github.com/core-sim/core-sim/s6a"
)

// settings are a peer's identity for go-diameter's state machine.
func settings(host string) *sm.Settings {
	return &sm.Settings{OriginHost: datatype.DiameterIdentity(host), OriginRealm: "reference",
		VendorID: datatype.Unsigned32(s6a.VendorID3GPP), ProductName: "reference", Dict: dict.Default}
}

// ula is the answer the reference server gives every ULR: what the HLR
// answers a subscriber with one APN.
func ula(sid string) *s6a.UpdateLocationAnswer {
	return &s6a.UpdateLocationAnswer{SessionID: sid, Origin: s6a.Peer{Host: "hlr.reference", Realm: "reference"},
		Result: s6a.ResultSuccess, ULAFlags: 1, Subscription: &s6a.SubscriptionData{MSISDN: "491701234567",
			GPRS: []s6a.PDPContext{{ContextID: 1, APN: "em"}}}}
}

// diameterPair is go-diameter's server (its sm state machine answering
// CER and, with handler, ULR) and conns clients connected to it, each
// with the ULAs they receive delivered by Hop-by-Hop Identifier.
type diameterPair struct {
	ln      net.Listener
	clients []*refClient
}

type refClient struct {
	conn    diam.Conn
	writeMu sync.Mutex
	pending sync.Map // hop-by-hop id -> chan *diam.Message
}

func startDiameter(b *testing.B, conns int) *diameterPair {
	srv := sm.New(settings("hlr.reference"))
	srv.HandleFunc("ULR", func(c diam.Conn, m *diam.Message) {
		// What a server does at the least: read the request's identity,
		// answer it.
		sid, err := m.FindAVP(avp.SessionID, 0)
		if err != nil {
			b.Errorf("ULR without Session-Id: %v", err)
			return
		}
		if _, err := m.FindAVP(avp.UserName, 0); err != nil {
			b.Errorf("ULR without User-Name: %v", err)
			return
		}
		a, err := s6a.BuildULA(ula(string(sid.Data.(datatype.UTF8String))))
		if err != nil {
			b.Error(err)
			return
		}
		a.Header.HopByHopID, a.Header.EndToEndID = m.Header.HopByHopID, m.Header.EndToEndID
		if _, err := a.WriteTo(c); err != nil {
			b.Error(err)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go diam.Serve(ln, srv) //nolint:errcheck // ends when ln is closed
	p := &diameterPair{ln: ln}
	for i := range conns {
		c := &refClient{}
		mux := sm.New(settings("sgsn" + strconv.Itoa(i) + ".reference"))
		mux.HandleFunc("ULA", func(_ diam.Conn, m *diam.Message) {
			if ch, ok := c.pending.LoadAndDelete(m.Header.HopByHopID); ok {
				ch.(chan *diam.Message) <- m
			}
		})
		cli := &sm.Client{Dict: dict.Default, Handler: mux, MaxRetransmits: 0, RetransmitInterval: time.Second,
			SupportedVendorID: []*diam.AVP{diam.NewAVP(avp.SupportedVendorID, avp.Mbit, 0, datatype.Unsigned32(s6a.VendorID3GPP))},
			VendorSpecificApplicationID: []*diam.AVP{diam.NewAVP(avp.VendorSpecificApplicationID, avp.Mbit, 0, &diam.GroupedAVP{
				AVP: []*diam.AVP{
					diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(s6a.ApplicationID)),
					diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(s6a.VendorID3GPP)),
				}})}}
		conn, err := cli.DialNetwork("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		c.conn = conn
		p.clients = append(p.clients, c)
	}
	return p
}

func (p *diameterPair) close() {
	for _, c := range p.clients {
		c.conn.Close()
	}
	p.ln.Close()
}

// updateLocation sends one ULR and waits for its ULA.
func (c *refClient) updateLocation(ctx context.Context, hbh uint32, imsi string) (*diam.Message, error) {
	m, err := s6a.BuildULR(&s6a.UpdateLocationRequest{SessionID: "sgsn.reference;" + strconv.FormatUint(uint64(hbh), 10) + ";ulr",
		Origin: s6a.Peer{Host: "sgsn.reference", Realm: "reference"}, DestinationRealm: "reference",
		IMSI: imsi, RATType: s6a.RATUTRAN, VisitedPLMN: s6a.PLMN{MCC: "262", MNC: "01"}})
	if err != nil {
		return nil, err
	}
	m.Header.HopByHopID, m.Header.EndToEndID = hbh, hbh
	ch := make(chan *diam.Message, 1)
	c.pending.Store(hbh, ch)
	c.writeMu.Lock()
	_, err = m.WriteTo(c.conn)
	c.writeMu.Unlock()
	if err != nil {
		c.pending.Delete(hbh)
		return nil, err
	}
	select {
	case a := <-ch:
		return a, nil
	case <-ctx.Done():
		c.pending.Delete(hbh)
		return nil, ctx.Err()
	}
}

// BenchmarkGoDiameterULR is issue #4's reference point for the HLR:
// go-diameter's own client and server (its sm state machine, diam.Serve)
// exchanging the ULR and ULA that core-sim's SGSN and HLR exchange, over
// TCP loopback, 4 connections and 64 requests in flight as in
// hlr.BenchmarkULRoverTCP, with a server that only answers.
func BenchmarkGoDiameterULR(b *testing.B) {
	p := startDiameter(b, 4)
	defer p.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var next, hbh atomic.Uint32
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := p.clients[next.Add(1)%uint32(len(p.clients))]
		for pb.Next() {
			id := hbh.Add(1)
			a, err := c.updateLocation(ctx, id, fmt.Sprintf("26201%010d", id%1_000_000))
			if err != nil {
				b.Error(err)
				return
			}
			rc, err := a.FindAVP(avp.ResultCode, 0)
			if err != nil || rc.Data.(datatype.Unsigned32) != 2001 {
				b.Errorf("ULA %d: Result-Code %v (%v)", id, rc, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ULR/s")
}

// BenchmarkUDPRoundTrip is the reference point for the GGSN: a bare UDP
// request and response on loopback (a 150-byte datagram each way, about
// a Create PDP Context Request's size), one server socket answering on
// the goroutine that read, 64 requests in flight from one client socket
// as in ggsn.BenchmarkServerCreateDelete. One op is one round trip.
func BenchmarkUDPRoundTrip(b *testing.B) {
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if _, err := srv.WriteToUDPAddrPort(buf[:n], from); err != nil {
				return
			}
		}
	}()
	cli, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	to := srv.LocalAddr().(*net.UDPAddr).AddrPort()
	// The client's reader hands each answer to its waiting sender by the
	// sequence number in its first 4 bytes, as a GTP endpoint does.
	var pending sync.Map
	go func() {
		buf := make([]byte, 2048)
		for {
			n, _, err := cli.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if n >= 4 {
				seq := uint32(buf[0])<<24 | uint32(buf[1])<<16 | uint32(buf[2])<<8 | uint32(buf[3])
				if ch, ok := pending.LoadAndDelete(seq); ok {
					ch.(chan struct{}) <- struct{}{}
				}
			}
		}
	}()
	// No timer per round trip (it would be part of what is measured): a
	// lost datagram ends the benchmark with an error at the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var seq atomic.Uint32
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		msg := make([]byte, 150)
		ch := make(chan struct{}, 1)
		for pb.Next() {
			s := seq.Add(1)
			msg[0], msg[1], msg[2], msg[3] = byte(s>>24), byte(s>>16), byte(s>>8), byte(s)
			pending.Store(s, ch)
			if _, err := cli.WriteToUDPAddrPort(msg, to); err != nil {
				b.Error(err)
				return
			}
			select {
			case <-ch:
			case <-ctx.Done():
				b.Errorf("round trip %d: no answer: %v", s, ctx.Err())
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "round-trips/s")
}

// TestMain quiets the standard logger, which go-diameter's server writes
// to when its listener closes at the end of a benchmark.
func TestMain(m *testing.M) {
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

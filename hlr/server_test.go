package hlr

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/core-sim/core-sim/diameter"
	"github.com/core-sim/core-sim/s6a"
	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
	"go.uber.org/zap/zaptest"
)

type recordingNode struct {
	clr chan *s6a.CancelLocationRequest
}

func (n *recordingNode) CancelLocation(ctx context.Context, r *s6a.CancelLocationRequest) *s6a.CancelLocationAnswer {
	n.clr <- r
	return &s6a.CancelLocationAnswer{Result: s6a.ResultSuccess}
}

func startHLR(t *testing.T) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := Start(ctx, Options{Listen: "127.0.0.1:0", Transport: "tcp", Host: "hlr.home", Realm: "home",
		Store: testStore(t), Logger: zaptest.NewLogger(t), RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dialNode(t *testing.T, s *Server, host string, node s6a.ServingNode) *s6a.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := s6a.Dial(ctx, s.srv.Transport(), s.Addr().String(), diameter.Config{Host: host, Realm: "visited",
		Logger: zaptest.NewLogger(t), RequestTimeout: 5 * time.Second}, node)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func gprsULR(imsi string) *s6a.UpdateLocationRequest {
	return &s6a.UpdateLocationRequest{IMSI: imsi, RATType: s6a.RATUTRAN, VisitedPLMN: s6a.PLMN{MCC: "262", MNC: "01"}}
}

func TestEndToEnd(t *testing.T) {
	s := startHLR(t)
	ctx := context.Background()
	node1 := &recordingNode{clr: make(chan *s6a.CancelLocationRequest, 1)}
	node2 := &recordingNode{clr: make(chan *s6a.CancelLocationRequest, 1)}
	sgsnA := dialNode(t, s, "sgsn-a.visited", node1)
	sgsnB := dialNode(t, s, "sgsn-b.visited", node2)

	ula, err := sgsnA.UpdateLocation(ctx, gprsULR(imsiUnknown))
	if err != nil {
		t.Fatal(err)
	}
	if ula.Result != s6a.ErrorUserUnknown || ula.Subscription != nil {
		t.Errorf("unknown IMSI: %+v", ula)
	}

	ula, err = sgsnA.UpdateLocation(ctx, gprsULR(imsiOK))
	if err != nil {
		t.Fatal(err)
	}
	if ula.Result != s6a.ResultSuccess || ula.Origin.Host != "hlr.home" || ula.Subscription == nil ||
		ula.Subscription.MSISDN != "4917099000007" || len(ula.Subscription.GPRS) != 2 ||
		ula.Subscription.GPRS[0].APN != "iot.example" || ula.Subscription.GPRS[1].APN != "em" {
		t.Fatalf("success: %+v %+v", ula, ula.Subscription)
	}

	ula, err = sgsnB.UpdateLocation(ctx, gprsULR(imsiOK))
	if err != nil || ula.Result != s6a.ResultSuccess {
		t.Fatalf("second node: %+v, %v", ula, err)
	}
	select {
	case clr := <-node1.clr:
		if clr.IMSI != imsiOK || clr.CancellationType != s6a.CancelSGSNUpdateProcedure ||
			clr.DestinationHost != "sgsn-a.visited" || clr.Origin.Host != "hlr.home" {
			t.Errorf("CLR %+v", clr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("old node got no CLR")
	}
	select {
	case clr := <-node2.clr:
		t.Errorf("new node got a CLR %+v", clr)
	default:
	}
	waitUntil(t, "CLA counted", func() bool { return s.Stats().CLRAnswered == 1 })
	if reg, _ := s.HLR().Registration(imsiOK); reg.S6d.Host != "sgsn-b.visited" {
		t.Errorf("registration %v", reg)
	}

	pua, err := sgsnB.PurgeUE(ctx, &s6a.PurgeUERequest{IMSI: imsiOK, Flags: s6a.PURUEPurgedInSGSN})
	if err != nil || pua.Result != s6a.ResultSuccess || pua.PUAFlags != s6a.PUAFreezePTMSI {
		t.Errorf("PUA %+v, %v", pua, err)
	}
	if _, ok := s.HLR().Registration(imsiOK); ok {
		t.Error("still registered after purge")
	}
	st := s.Stats()
	if st.ULR != 3 || st.ULRAccepted != 2 || st.PUR != 1 || st.CLRSent != 1 {
		t.Errorf("stats %+v", st)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rawPeer does the CER/CEA by hand and then writes any bytes.
func rawPeer(t *testing.T, s *Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	cer := diam.NewRequest(diam.CapabilitiesExchange, 0, nil)
	cer.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("raw.visited"))
	cer.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("visited"))
	cer.NewAVP(avp.HostIPAddress, avp.Mbit, 0, datatype.Address(net.IPv4(127, 0, 0, 1)))
	cer.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(0))
	cer.NewAVP(avp.ProductName, 0, 0, datatype.UTF8String("raw"))
	cer.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(s6a.ApplicationID))
	if _, err := cer.WriteTo(nc); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	cea, err := diam.ReadMessage(br, dict.Default)
	if err != nil {
		t.Fatal(err)
	}
	if rc, err := cea.FindAVP(avp.ResultCode, 0); err != nil || rc.Data.(datatype.Unsigned32) != 2001 {
		t.Fatalf("CEA %v", cea)
	}
	return nc, br
}

func TestMalformedInputKeepsServing(t *testing.T) {
	s := startHLR(t)
	validULR := func(t *testing.T) *diam.Message {
		m, err := s6a.BuildULR(&s6a.UpdateLocationRequest{SessionID: "raw;1;1", Origin: s6a.Peer{Host: "raw.visited", Realm: "visited"},
			DestinationRealm: "home", IMSI: imsiOK, RATType: s6a.RATUTRAN, VisitedPLMN: s6a.PLMN{MCC: "262", MNC: "01"}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	encode := func(t *testing.T, m *diam.Message) []byte {
		m.Header.MessageLength = uint32(m.Len())
		b, err := m.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	replaceUserName := func(m *diam.Message, a *diam.AVP) *diam.Message {
		var keep []*diam.AVP
		for _, x := range m.AVP {
			if x.Code == avp.UserName {
				if a != nil {
					keep = append(keep, a)
				}
				continue
			}
			keep = append(keep, x)
		}
		m.AVP = keep
		return m
	}
	tests := []struct {
		name       string
		bytes      func(t *testing.T) []byte
		wantClosed bool
		wantResult s6a.Result
		failedAVP  uint32
	}{
		{name: "garbage bytes", bytes: func(*testing.T) []byte { return []byte("\x16\x03\x01\x02\x00garbage garbage garbage!") }, wantClosed: true},
		{name: "huge length", bytes: func(t *testing.T) []byte {
			b := encode(t, validULR(t))
			b[1], b[2], b[3] = 0xff, 0xff, 0xfc
			return b
		}, wantClosed: true},
		{name: "truncated message", bytes: func(t *testing.T) []byte {
			b := encode(t, validULR(t))
			return b[:len(b)/2]
		}},
		{name: "ULR without User-Name", bytes: func(t *testing.T) []byte {
			return encode(t, replaceUserName(validULR(t), nil))
		}, wantResult: s6a.ResultMissingAVP, failedAVP: avp.UserName},
		{name: "ULR with non-digit IMSI", bytes: func(t *testing.T) []byte {
			return encode(t, replaceUserName(validULR(t), diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("26201ABCDEFGHIJ"))))
		}, wantResult: s6a.ResultInvalidAVPValue, failedAVP: avp.UserName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, br := rawPeer(t, s)
			if _, err := nc.Write(tt.bytes(t)); err != nil {
				t.Fatal(err)
			}
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			switch {
			case tt.wantClosed:
				if _, err := br.ReadByte(); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
					t.Errorf("connection not closed: %v", err)
				}
			case tt.wantResult.Code != 0:
				ans, err := diam.ReadMessage(br, dict.Default)
				if err != nil {
					t.Fatal(err)
				}
				ula, err := s6a.ParseULA(ans)
				if err != nil {
					t.Fatal(err)
				}
				if ula.Result != tt.wantResult {
					t.Errorf("result %v, want %v", ula.Result, tt.wantResult)
				}
				f, err := ans.FindAVP(avp.FailedAVP, 0)
				if err != nil || f.Data.(*diam.GroupedAVP).AVP[0].Code != tt.failedAVP {
					t.Errorf("Failed-AVP %v, %v", f, err)
				}
			}
			// Whatever that connection did, a fresh one is served.
			c := dialNode(t, s, "fresh.visited", nil)
			ula, err := c.UpdateLocation(context.Background(), gprsULR(imsiOK))
			if err != nil || ula.Result != s6a.ResultSuccess {
				t.Fatalf("fresh connection: %+v, %v", ula, err)
			}
		})
	}
	if st := s.Stats(); st.Diameter.BadFrames != 2 || st.Malformed != 2 {
		t.Errorf("bad frames %d, malformed %d; want 2 and 2", st.Diameter.BadFrames, st.Malformed)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "read"
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", Host: "h", Realm: "r"}); err == nil {
		t.Error("Start without a store")
	}
	if _, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", Transport: "quic", Host: "h", Realm: "r", Store: testStore(t)}); err == nil {
		t.Error("Start with transport quic")
	}
}

func TestStartAutoAndContextStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Options{Listen: "127.0.0.1:0", Host: "hlr.home", Realm: "home", Store: testStore(t), Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	c := dialNode(t, s, "sgsn.visited", nil)
	if ula, err := c.UpdateLocation(context.Background(), gprsULR(imsiOK)); err != nil || !ula.Result.OK() {
		t.Fatalf("%+v %v", ula, err)
	}
	cancel()
	select {
	case <-c.Conn().Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling Start's context did not stop the server")
	}
}

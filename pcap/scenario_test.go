package pcap

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"

	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/trace"
)

// The scenario's elements.
var (
	hlrAddr   = netip.MustParseAddrPort("127.0.0.11:3868")
	node1Diam = netip.MustParseAddrPort("127.0.0.21:38612")
	node2Diam = netip.MustParseAddrPort("127.0.0.22:40007")
	node1GTP  = netip.MustParseAddrPort("127.0.0.21:2123")
	ggsnGTP   = netip.MustParseAddrPort("127.0.0.31:2123")

	hlrPeer   = s6a.Peer{Host: "hlr.home.test", Realm: "home.test"}
	node1Peer = s6a.Peer{Host: "sgsn1.visited.test", Realm: "visited.test"}
	node2Peer = s6a.Peer{Host: "sgsn2.visited.test", Realm: "visited.test"}
)

const imsi = "262011234567890"

// serialize gives m's bytes with the identifiers id.
func serialize(t testing.TB, m *diam.Message, err error, id uint32) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	m.Header.HopByHopID, m.Header.EndToEndID = id, id
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// capabilities builds a CER (request) or the CEA answering it, as a
// Diameter peer of S6a/S6d would.
func capabilities(t testing.TB, request bool, p s6a.Peer, ip netip.AddrPort, id uint32) []byte {
	t.Helper()
	var flags uint8
	if request {
		flags = diam.RequestFlag
	}
	m := diam.NewMessage(diam.CapabilitiesExchange, flags, 0, id, id, dict.Default)
	if !request {
		m.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(diam.Success))
	}
	m.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(p.Host))
	m.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(p.Realm))
	m.NewAVP(avp.HostIPAddress, avp.Mbit, 0, datatype.Address(net.IP(ip.Addr().AsSlice())))
	m.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(s6a.VendorID3GPP))
	m.NewAVP(avp.ProductName, 0, 0, datatype.UTF8String("core-sim"))
	m.NewAVP(avp.SupportedVendorID, avp.Mbit, 0, datatype.Unsigned32(s6a.VendorID3GPP))
	m.NewAVP(avp.VendorSpecificApplicationID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(s6a.VendorID3GPP)),
		diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(s6a.ApplicationID)),
	}})
	return serialize(t, m, nil, id)
}

// bigULA is a ULA whose subscription has n APN configurations.
func bigULA(t testing.TB, sid string, n int, id uint32) []byte {
	t.Helper()
	ctxs := make([]s6a.PDPContext, n)
	for i := range ctxs {
		ctxs[i] = s6a.PDPContext{ContextID: uint32(i + 1), PDPType: s6a.PDPTypeIPv4, APN: fmt.Sprintf("apn%03d.iot.example", i+1)}
	}
	m, err := s6a.BuildULA(&s6a.UpdateLocationAnswer{SessionID: sid, Origin: hlrPeer, Result: s6a.ResultSuccess,
		Subscription: &s6a.SubscriptionData{MSISDN: "491701234567", GPRS: ctxs}})
	return serialize(t, m, err, id)
}

func ulr(t testing.TB, sid string, from s6a.Peer, id uint32) []byte {
	m, err := s6a.BuildULR(&s6a.UpdateLocationRequest{SessionID: sid, Origin: from, DestinationHost: hlrPeer.Host,
		DestinationRealm: hlrPeer.Realm, IMSI: imsi, RATType: s6a.RATUTRAN,
		Flags: s6a.ULRSingleRegistration | s6a.ULRInitialAttachIndicator, VisitedPLMN: s6a.PLMN{MCC: "262", MNC: "01"},
		SGSNNumber: "4917012345"})
	return serialize(t, m, err, id)
}

func gtp(t testing.TB, m gtpc.Message, seq uint16) []byte {
	t.Helper()
	b, err := gtpc.Marshal(m, seq)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func u8p(v uint8) *uint8 { return &v }

// want is what a scenario wrote: the Diameter command codes with their
// request flag and the GTP message types, in order.
type want struct {
	diameter []string // "316R" for a ULR, "316A" for its answer
	gtp      []gtpc.MessageType
	bytes    map[pair][2][]byte // per connection (client, server): the Diameter bytes each side sent
}

// scenario is two serving nodes and one HLR: each node opens its Diameter
// connection with a CER/CEA; the device attaches at node 1 (ULR/ULA with a
// long subscription, Create PDP Context), moves to node 2 (ULR, CLR/CLA to
// node 1, ULA), node 1 deletes its PDP context and purges (PUR/PUA). Steps
// without bytes are mixed in; some steps share a time and one goes back.
func scenario(t testing.TB, apns int) ([]trace.Step, want) {
	t.Helper()
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var steps []trace.Step
	w := want{bytes: map[pair][2][]byte{}}
	first := map[pair]netip.AddrPort{}
	ms := 0
	at := func(d int) time.Time { ms += d; return base.Add(time.Duration(ms) * time.Millisecond) }
	dia := func(d int, p trace.Protocol, name string, src, dst netip.AddrPort, stream string, b []byte) {
		steps = append(steps, trace.Step{At: at(d), Kind: trace.Message, Protocol: p, Name: name, OK: true,
			Src: src, Dst: dst, Stream: stream, Bytes: b, IMSI: imsi})
		code := uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
		kind := "A"
		if b[4]&0x80 != 0 {
			kind = "R"
		}
		w.diameter = append(w.diameter, fmt.Sprintf("%d%s", code, kind))
		k := pairOf(src, dst)
		if _, ok := first[k]; !ok {
			first[k] = src // the client sends the connection's first message
		}
		side := 0
		if first[k] != src {
			side = 1
		}
		v := w.bytes[k]
		v[side] = append(v[side], b...)
		w.bytes[k] = v
	}
	gn := func(d int, name string, src, dst netip.AddrPort, m gtpc.Message, seq uint16) {
		steps = append(steps, trace.Step{At: at(d), Kind: trace.Message, Protocol: trace.Gn, Name: name, OK: true,
			Src: src, Dst: dst, Bytes: gtp(t, m, seq), IMSI: imsi})
		w.gtp = append(w.gtp, m.MessageType())
	}
	note := func(k trace.Kind, p trace.Protocol, text string) {
		steps = append(steps, trace.Step{At: at(1), Kind: k, Protocol: p, Name: text, Text: text, IMSI: imsi})
	}
	s1, s2 := node1Peer.Host, node2Peer.Host

	note(trace.Note, trace.NAS, "power on")
	note(trace.Message, trace.NAS, "Attach Request")
	dia(5, trace.S6d, "Capabilities-Exchange-Request", node1Diam, hlrAddr, s1, capabilities(t, true, node1Peer, node1Diam, 1))
	dia(1, trace.S6d, "Capabilities-Exchange-Answer", hlrAddr, node1Diam, s1, capabilities(t, false, hlrPeer, hlrAddr, 1))
	dia(0, trace.S6d, "Update-Location-Request", node1Diam, hlrAddr, s1, ulr(t, "sgsn1;1;1", node1Peer, 2))
	dia(3, trace.S6d, "Update-Location-Answer", hlrAddr, node1Diam, s1, bigULA(t, "sgsn1;1;1", apns, 2))
	note(trace.Event, trace.NAS, "attached")
	note(trace.Message, trace.NAS, "Activate PDP Context Request")
	req := &gtpc.CreatePDPContextRequest{
		IMSI: imsi, MSISDN: "491701234567", IMEISV: "3534900698733101", APN: "apn001.iot.example", NSAPI: 5,
		SelectionMode: 1, TEIDData: 0x11111111, TEIDControl: 0x22222222,
		SGSNControlAddr: node1GTP.Addr(), SGSNUserAddr: node1GTP.Addr(), RATType: gtpc.RATUTRAN,
		Location: &gtpc.Location{MCC: "262", MNC: "01", LAC: 0x1234, CI: 0x5678, RAC: 7},
		Recovery: u8p(3), PDPType: gtpc.PDPTypeIPv4, QoSProfile: gtpc.DefaultQoSProfile,
	}
	gn(2, "Create PDP Context Request", node1GTP, ggsnGTP, req, 1)
	gn(2, "Create PDP Context Response", ggsnGTP, node1GTP, &gtpc.CreatePDPContextResponse{
		TEID: req.TEIDControl, Cause: gtpc.CauseRequestAccepted, TEIDData: 0x80000001, TEIDControl: 0x00000101,
		ChargingID: 9, EndUserAddress: netip.MustParseAddr("10.192.0.1"),
		GGSNControlAddr: ggsnGTP.Addr(), GGSNUserAddr: ggsnGTP.Addr(), Recovery: u8p(0), QoSProfile: gtpc.DefaultQoSProfile,
	}, 1)

	// The device moves to node 2.
	dia(1000, trace.S6d, "Capabilities-Exchange-Request", node2Diam, hlrAddr, s2, capabilities(t, true, node2Peer, node2Diam, 1))
	dia(1, trace.S6d, "Capabilities-Exchange-Answer", hlrAddr, node2Diam, s2, capabilities(t, false, hlrPeer, hlrAddr, 1))
	dia(0, trace.S6d, "Update-Location-Request", node2Diam, hlrAddr, s2, ulr(t, "sgsn2;1;1", node2Peer, 2))
	m, err := s6a.BuildCLR(&s6a.CancelLocationRequest{SessionID: "hlr;1;1", Origin: hlrPeer, DestinationHost: node1Peer.Host,
		DestinationRealm: node1Peer.Realm, IMSI: imsi, CancellationType: s6a.CancelSGSNUpdateProcedure})
	dia(1, trace.S6d, "Cancel-Location-Request", hlrAddr, node1Diam, s1, serialize(t, m, err, 0x1000))
	m, err = s6a.BuildCLA(&s6a.CancelLocationAnswer{SessionID: "hlr;1;1", Origin: node1Peer, Result: s6a.ResultSuccess})
	dia(1, trace.S6d, "Cancel-Location-Answer", node1Diam, hlrAddr, s1, serialize(t, m, err, 0x1000))
	// The ULA to node 2 is recorded with an earlier time than the CLA (steps
	// recorded concurrently): the writer nudges it.
	ms -= 2
	dia(0, trace.S6d, "Update-Location-Answer", hlrAddr, node2Diam, s2, bigULA(t, "sgsn2;1;1", 2, 2))
	ms += 2
	gn(5, "Delete PDP Context Request", node1GTP, ggsnGTP, &gtpc.DeletePDPContextRequest{TEID: 0x101, NSAPI: 5, TeardownInd: true}, 2)
	gn(2, "Delete PDP Context Response", ggsnGTP, node1GTP, &gtpc.DeletePDPContextResponse{TEID: req.TEIDControl, Cause: gtpc.CauseRequestAccepted}, 2)
	m, err = s6a.BuildPUR(&s6a.PurgeUERequest{SessionID: "sgsn1;1;2", Origin: node1Peer, DestinationHost: hlrPeer.Host,
		DestinationRealm: hlrPeer.Realm, IMSI: imsi, Flags: s6a.PURUEPurgedInSGSN})
	dia(10, trace.S6d, "Purge-UE-Request", node1Diam, hlrAddr, s1, serialize(t, m, err, 3))
	m, err = s6a.BuildPUA(&s6a.PurgeUEAnswer{SessionID: "sgsn1;1;2", Origin: hlrPeer, Result: s6a.ResultSuccess})
	dia(1, trace.S6d, "Purge-UE-Answer", hlrAddr, node1Diam, s1, serialize(t, m, err, 3))
	note(trace.Decision, trace.NAS, "keep profile")
	return steps, w
}

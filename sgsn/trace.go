package sgsn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"

	"github.com/fiorix/go-diameter/v4/diam"

	"github.com/core-sim/core-sim/diameter"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/trace"
	"github.com/core-sim/core-sim/world"
)

// TraceOptions say where the trace of a network's messages goes.
type TraceOptions struct {
	Recorder *trace.Recorder
	// HLR is the HLR's identity and address, for the capture's
	// capabilities exchange and addresses.
	HLR     s6a.Peer
	HLRAddr netip.AddrPort
}

// tracer records a node's messages: NAS with the device, Diameter with
// the HLR, GTP-C with the GGSN. Diameter and GTP-C messages carry their
// encoding when a capture is asked for; a capture shows them between the
// elements' addresses with the protocols' own ports (3868, 2123), so that
// Wireshark decodes them without being told.
type tracer struct {
	n       *Node
	rec     *trace.Recorder
	hlr     s6a.Peer
	hlrAddr netip.AddrPort
	diam    netip.AddrPort // the node's Diameter address in the capture
	stream  string

	mu     sync.Mutex
	opened bool   // the capabilities exchange is in the trace
	hbh    uint32 // Diameter hop-by-hop and end-to-end identifiers
	seq    uint16 // GTP sequence numbers
}

func newTracer(n *Node, o TraceOptions, ordinal int) *tracer {
	hlrAddr := o.HLRAddr
	if !hlrAddr.IsValid() {
		hlrAddr = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), 3868) // the caller did not say
	}
	return &tracer{n: n, rec: o.Recorder, hlr: o.HLR, hlrAddr: netip.AddrPortFrom(hlrAddr.Addr(), 3868),
		diam: netip.AddrPortFrom(n.ID.GTP, uint16(40000+ordinal)), stream: n.ID.Diameter.Host}
}

func (t *tracer) on(imsi string) bool { return t != nil && t.rec.Traces(imsi) }

func (t *tracer) record(s trace.Step) {
	s.At = t.n.plat.Clock.Now()
	t.rec.Record(s)
}

// nas records a message between the device and the node (not encoded).
func (t *tracer) nas(imsi string, up bool, name string, ok bool, fields ...trace.Field) {
	if !t.on(imsi) {
		return
	}
	s := trace.Step{Kind: trace.Message, From: trace.Device, To: trace.Serving, Protocol: trace.NAS, Name: name, OK: ok,
		Fields: fields, IMSI: imsi}
	if !up {
		s.From, s.To = trace.Serving, trace.Device
	}
	t.record(s)
}

func proto(cs bool) trace.Protocol {
	if cs {
		return trace.S6a
	}
	return trace.S6d
}

// diameter records a Diameter message; toHLR is its direction.
func (t *tracer) diameter(imsi string, p trace.Protocol, toHLR bool, name string, ok bool, m *diam.Message, fields ...trace.Field) {
	s := trace.Step{Kind: trace.Message, From: trace.Serving, To: trace.HLR, Protocol: p, Name: name, OK: ok,
		Fields: fields, IMSI: imsi, Src: t.diam, Dst: t.hlrAddr, Stream: t.stream}
	if !toHLR {
		s.From, s.To, s.Src, s.Dst = trace.HLR, trace.Serving, t.hlrAddr, t.diam
	}
	if t.rec.WantsBytes() && m != nil {
		if b, err := m.Serialize(); err == nil {
			s.Bytes = b
		}
	}
	t.record(s)
}

// open puts the connection's capabilities exchange (CER/CEA) in the trace
// before its first message: a capture starts the connection with it.
func (t *tracer) open(imsi string) {
	t.mu.Lock()
	opened := t.opened
	t.opened = true
	t.mu.Unlock()
	if opened {
		return
	}
	id := t.ids()
	cer := diameter.Capabilities(diameter.Config{Host: t.n.ID.Diameter.Host, Realm: t.n.ID.Diameter.Realm, ProductName: "core-sim"},
		net.IP(t.diam.Addr().AsSlice()), nil, 0, id, id)
	cea := diameter.Capabilities(diameter.Config{Host: t.hlr.Host, Realm: t.hlr.Realm, ProductName: "core-sim"},
		net.IP(t.hlrAddr.Addr().AsSlice()), cer, diam.Success, 0, 0)
	for i, m := range []*diam.Message{cer, cea} {
		var b []byte
		if t.rec.WantsBytes() {
			var err error
			if b, err = m.Serialize(); err != nil {
				return
			}
		}
		s := trace.Step{Kind: trace.Message, From: trace.Serving, To: trace.HLR, Protocol: trace.Diameter, Name: "Capabilities-Exchange-Request",
			OK: true, IMSI: imsi, Src: t.diam, Dst: t.hlrAddr, Stream: t.stream, Bytes: b,
			Fields: []trace.Field{{Key: "Origin-Host", Value: t.n.ID.Diameter.Host}, {Key: "Auth-Application-Id", Value: "16777251 (S6a/S6d)"}}}
		if i == 1 {
			s.From, s.To, s.Src, s.Dst, s.Name = trace.HLR, trace.Serving, t.hlrAddr, t.diam, "Capabilities-Exchange-Answer"
			s.Fields = []trace.Field{{Key: "Result-Code", Value: "DIAMETER_SUCCESS (2001)"}, {Key: "Origin-Host", Value: t.hlr.Host}}
		}
		t.record(s)
	}
}

func (t *tracer) ids() uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hbh++
	return t.hbh
}

func (t *tracer) nextSeq() uint16 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	return t.seq
}

// gtp records a GTP-C message; toGGSN is its direction.
func (t *tracer) gtp(imsi string, toGGSN bool, name string, ok bool, m gtpc.Message, seq uint16, fields ...trace.Field) {
	sgsn := netip.AddrPortFrom(t.n.ID.GTP, gtpc.Port)
	ggsn := netip.AddrPortFrom(t.n.GGSN.Addr(), gtpc.Port)
	s := trace.Step{Kind: trace.Message, From: trace.Serving, To: trace.GGSN, Protocol: trace.Gn, Name: name, OK: ok,
		Fields: fields, IMSI: imsi, Src: sgsn, Dst: ggsn}
	if !toGGSN {
		s.From, s.To, s.Src, s.Dst = trace.GGSN, trace.Serving, ggsn, sgsn
	}
	if t.rec.WantsBytes() && m != nil {
		if b, err := gtpc.Marshal(m, seq); err == nil {
			s.Bytes = b
		}
	}
	t.record(s)
}

// tracedHSS records the node's Diameter exchanges with the HLR.
type tracedHSS struct {
	HSS
	t *tracer
}

func (h tracedHSS) UpdateLocation(ctx context.Context, req *s6a.UpdateLocationRequest) (*s6a.UpdateLocationAnswer, error) {
	t := h.t
	if !t.on(req.IMSI) {
		return h.HSS.UpdateLocation(ctx, req)
	}
	p := proto(req.Flags.IsS6a())
	t.open(req.IMSI)
	id := t.ids()
	m := build(t, func() (*diam.Message, error) { return s6a.BuildULR(req) }, id)
	t.diameter(req.IMSI, p, true, "Update-Location-Request", true, m,
		trace.Field{Key: "IMSI", Value: req.IMSI},
		trace.Field{Key: "ULR-Flags", Value: fmt.Sprintf("0x%02x %s", uint32(req.Flags), req.Flags)},
		trace.Field{Key: "Visited-PLMN-Id", Value: req.VisitedPLMN.String()},
		trace.Field{Key: "RAT-Type", Value: req.RATType.String()},
		trace.Field{Key: "SGSN-Number", Value: req.SGSNNumber},
		trace.Field{Key: "Origin-Host", Value: req.Origin.Host})
	ans, err := h.HSS.UpdateLocation(ctx, req)
	if err != nil {
		t.record(trace.Step{Kind: trace.Note, From: trace.Serving, IMSI: req.IMSI, OK: false, Name: "no answer", Text: err.Error()})
		return ans, err
	}
	m = build(t, func() (*diam.Message, error) { return s6a.BuildULA(ans) }, id)
	fields := []trace.Field{{Key: "Result", Value: ans.Result.String()}}
	if ans.ErrorMessage != "" {
		fields = append(fields, trace.Field{Key: "Error-Message", Value: ans.ErrorMessage})
	}
	if sd := ans.Subscription; sd != nil {
		fields = append(fields, trace.Field{Key: "MSISDN", Value: sd.MSISDN})
		var apns []string
		for _, c := range sd.GPRS {
			apns = append(apns, c.APN)
		}
		if len(apns) > 0 {
			fields = append(fields, trace.Field{Key: "APNs", Value: strings.Join(apns, ", ")})
		}
	}
	t.diameter(req.IMSI, p, false, "Update-Location-Answer", ans.Result.OK(), m, fields...)
	return ans, nil
}

func (h tracedHSS) PurgeUE(ctx context.Context, req *s6a.PurgeUERequest) (*s6a.PurgeUEAnswer, error) {
	t := h.t
	if !t.on(req.IMSI) {
		return h.HSS.PurgeUE(ctx, req)
	}
	p := proto(req.Flags&s6a.PURUEPurgedInMME != 0)
	t.open(req.IMSI)
	id := t.ids()
	m := build(t, func() (*diam.Message, error) { return s6a.BuildPUR(req) }, id)
	t.diameter(req.IMSI, p, true, "Purge-UE-Request", true, m,
		trace.Field{Key: "IMSI", Value: req.IMSI}, trace.Field{Key: "PUR-Flags", Value: purFlags(req.Flags)})
	ans, err := h.HSS.PurgeUE(ctx, req)
	if err != nil {
		return ans, err
	}
	m = build(t, func() (*diam.Message, error) { return s6a.BuildPUA(ans) }, id)
	t.diameter(req.IMSI, p, false, "Purge-UE-Answer", ans.Result.OK(), m, trace.Field{Key: "Result", Value: ans.Result.String()})
	return ans, nil
}

func purFlags(f s6a.PURFlags) string {
	switch f {
	case s6a.PURUEPurgedInMME:
		return "UE-Purged-In-MME (the VLR side)"
	case s6a.PURUEPurgedInSGSN:
		return "UE-Purged-In-SGSN"
	}
	return fmt.Sprintf("0x%x", uint32(f))
}

// build makes the Diameter message of a traced exchange, with the
// exchange's identifiers; nil unless a capture wants bytes.
func build(t *tracer, f func() (*diam.Message, error), id uint32) *diam.Message {
	if !t.rec.WantsBytes() {
		return nil
	}
	m, err := f()
	if err != nil {
		return nil
	}
	m.Header.HopByHopID, m.Header.EndToEndID = id, id
	return m
}

// tracedGn records the node's GTP-C exchanges with the GGSN.
type tracedGn struct {
	Gn
	t *tracer
}

func (g tracedGn) CreatePDPContext(ctx context.Context, peer netip.AddrPort, req *gtpc.CreatePDPContextRequest) (*gtpc.CreatePDPContextResponse, error) {
	t := g.t
	if !t.on(req.IMSI) {
		return g.Gn.CreatePDPContext(ctx, peer, req)
	}
	seq := t.nextSeq()
	t.gtp(req.IMSI, true, "Create PDP Context Request", true, req, seq,
		trace.Field{Key: "IMSI", Value: req.IMSI}, trace.Field{Key: "APN", Value: req.APN},
		trace.Field{Key: "NSAPI", Value: fmt.Sprint(req.NSAPI)},
		trace.Field{Key: "TEID-C (SGSN)", Value: fmt.Sprintf("0x%08x", req.TEIDControl)},
		trace.Field{Key: "TEID-U (SGSN)", Value: fmt.Sprintf("0x%08x", req.TEIDData)},
		trace.Field{Key: "SGSN address", Value: req.SGSNControlAddr.String()},
		trace.Field{Key: "MSISDN", Value: req.MSISDN},
		trace.Field{Key: "RAT", Value: gtpRAT(req.RATType)})
	res, err := g.Gn.CreatePDPContext(ctx, peer, req)
	if err != nil {
		t.record(trace.Step{Kind: trace.Note, From: trace.Serving, IMSI: req.IMSI, Name: "no answer", Text: err.Error()})
		return res, err
	}
	out := *res
	if out.TEID == 0 {
		out.TEID = req.TEIDControl // the header's TEID, as the server endpoint fills it
	}
	fields := []trace.Field{{Key: "Cause", Value: res.Cause.String()}}
	if res.Cause.Accepted() {
		fields = append(fields,
			trace.Field{Key: "End User Address", Value: res.EndUserAddress.String()},
			trace.Field{Key: "TEID-C (GGSN)", Value: fmt.Sprintf("0x%08x", res.TEIDControl)},
			trace.Field{Key: "TEID-U (GGSN)", Value: fmt.Sprintf("0x%08x", res.TEIDData)},
			trace.Field{Key: "GGSN address", Value: res.GGSNControlAddr.String()},
			trace.Field{Key: "Charging ID", Value: fmt.Sprint(res.ChargingID)})
	}
	t.gtp(req.IMSI, false, "Create PDP Context Response", res.Cause.Accepted(), &out, seq, fields...)
	return res, nil
}

// deletePDP is traced by the node, which knows the IMSI and the TEIDs.
func (t *tracer) deletePDP(imsi string, req *gtpc.DeletePDPContextRequest, sgsnTEID uint32, res *gtpc.DeletePDPContextResponse) {
	if !t.on(imsi) {
		return
	}
	seq := t.nextSeq()
	t.gtp(imsi, true, "Delete PDP Context Request", true, req, seq,
		trace.Field{Key: "TEID (GGSN)", Value: fmt.Sprintf("0x%08x", req.TEID)}, trace.Field{Key: "NSAPI", Value: fmt.Sprint(req.NSAPI)},
		trace.Field{Key: "Teardown", Value: fmt.Sprint(req.TeardownInd)})
	if res == nil {
		return
	}
	out := *res
	if out.TEID == 0 {
		out.TEID = sgsnTEID
	}
	t.gtp(imsi, false, "Delete PDP Context Response", res.Cause.Accepted(), &out, seq, trace.Field{Key: "Cause", Value: res.Cause.String()})
}

// cancelRequest records a CLR from the HLR; cancelAnswer the node's CLA
// to it, after what the CLR made the node do.
func (t *tracer) cancelRequest(clr *s6a.CancelLocationRequest) uint32 {
	if !t.on(clr.IMSI) {
		return 0
	}
	t.open(clr.IMSI)
	id := t.ids()
	m := build(t, func() (*diam.Message, error) { return s6a.BuildCLR(clr) }, id)
	t.diameter(clr.IMSI, cancelProto(clr), false, "Cancel-Location-Request", true, m,
		trace.Field{Key: "IMSI", Value: clr.IMSI}, trace.Field{Key: "Cancellation-Type", Value: cancellation(clr.CancellationType)},
		trace.Field{Key: "Destination-Host", Value: clr.DestinationHost})
	return id
}

func (t *tracer) cancelAnswer(clr *s6a.CancelLocationRequest, cla *s6a.CancelLocationAnswer, id uint32) {
	if !t.on(clr.IMSI) {
		return
	}
	m := build(t, func() (*diam.Message, error) { return s6a.BuildCLA(cla) }, id)
	t.diameter(clr.IMSI, cancelProto(clr), true, "Cancel-Location-Answer", cla.Result.OK(), m, trace.Field{Key: "Result", Value: cla.Result.String()})
}

func cancelProto(clr *s6a.CancelLocationRequest) trace.Protocol {
	if clr.CancellationType == s6a.CancelMMEUpdateProcedure {
		return trace.S6a
	}
	return trace.S6d
}

func cancellation(c s6a.CancellationType) string {
	switch c {
	case s6a.CancelMMEUpdateProcedure:
		return "MME_UPDATE_PROCEDURE (0): the device registered at another VLR"
	case s6a.CancelSGSNUpdateProcedure:
		return "SGSN_UPDATE_PROCEDURE (1): the device registered at another SGSN"
	case s6a.CancelSubscriptionWithdrawal:
		return "SUBSCRIPTION_WITHDRAWAL (2)"
	case s6a.CancelInitialAttachProcedure:
		return "INITIAL_ATTACH_PROCEDURE (4)"
	}
	return fmt.Sprint(uint32(c))
}

// location is the LAI/RAI fields of a UE's NAS messages.
func location(n *Node, ue UE) []trace.Field {
	return []trace.Field{{Key: "IMSI", Value: ue.IMSI}, {Key: "PLMN", Value: n.Operator.PLMN() + " (" + n.Operator.Name + ")"},
		{Key: "LAC", Value: fmt.Sprintf("0x%04x", ue.LAC)}, {Key: "Cell", Value: fmt.Sprintf("0x%04x", ue.CI)}, {Key: "RAT", Value: ratLabel(ue.RAT)}}
}

func ratLabel(r world.RAT) string {
	if r == world.GERAN {
		return ratName(r) + " (2G)"
	}
	return ratName(r) + " (3G)"
}

func gtpRAT(r gtpc.RATType) string {
	switch r {
	case gtpc.RATUTRAN:
		return "UTRAN (1)"
	case gtpc.RATGERAN:
		return "GERAN (2)"
	}
	return fmt.Sprint(uint8(r))
}

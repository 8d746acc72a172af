// Package sgsn is the serving side of a visited network: one Node per
// visited operator, with a VLR role (Update Location over S6a) and an SGSN
// role (Update GPRS Location over S6d, PDP contexts over GTPv1-C Gn). A
// Node answers the HLR's Cancel Location, purges subscribers it drops, and
// reports every procedure to the platform, which turns it into an event.
//
// It does not decide when a device does what: that is the device's (see
// package fleet). It talks to the HLR and the GGSN only through the small
// interfaces HSS and Gn, so that any transport can carry the messages.
package sgsn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/internal/flat"
	"github.com/core-sim/core-sim/internal/prefetch"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/trace"
	"github.com/core-sim/core-sim/world"
)

// HSS is what a serving node needs from the HLR.
type HSS interface {
	UpdateLocation(ctx context.Context, req *s6a.UpdateLocationRequest) (*s6a.UpdateLocationAnswer, error)
	PurgeUE(ctx context.Context, req *s6a.PurgeUERequest) (*s6a.PurgeUEAnswer, error)
}

// Gn is what the SGSN role needs from the GTPv1-C side.
type Gn interface {
	CreatePDPContext(ctx context.Context, peer netip.AddrPort, req *gtpc.CreatePDPContextRequest) (*gtpc.CreatePDPContextResponse, error)
	DeletePDPContext(ctx context.Context, peer netip.AddrPort, req *gtpc.DeletePDPContextRequest) (*gtpc.DeletePDPContextResponse, error)
}

// GnInto is a Gn that answers into the caller's responses, writing each
// response whole, and keeps neither request nor response (the in-process
// transport): the node then reuses them.
type GnInto interface {
	CreatePDPContextInto(ctx context.Context, peer netip.AddrPort, req *gtpc.CreatePDPContextRequest, res *gtpc.CreatePDPContextResponse) error
	DeletePDPContextInto(ctx context.Context, peer netip.AddrPort, req *gtpc.DeletePDPContextRequest, res *gtpc.DeletePDPContextResponse) error
}

// GnWarmer is a Gn whose GGSN takes hints of what a Create or Delete PDP
// Context will read (the in-process transport, whose GGSN shares the
// simulation's processor): the slot of the subscriber's context, found by
// the IMSI's digits as a number, that of a context by its control TEID,
// and (a stage later) the context itself. Hints only: they never change
// an answer.
type GnWarmer interface {
	Warms() bool // whether hints do anything now: a cheap check
	WarmSubscriber(value uint64, digits int, nsapi uint8)
	WarmContext(teid uint32)
	WarmRecord(teid uint32) // a stage after WarmContext: the context itself
}

// Errors a device sees besides a rejection.
var (
	ErrNotRegistered = errors.New("sgsn: subscriber not registered at this node")
	ErrCancelled     = errors.New("sgsn: registration cancelled by the HLR")
)

// Rejected is a procedure the network refused, with the cause as the
// protocol gave it.
type Rejected struct {
	Procedure string // "Update Location", "Update GPRS Location", "Create PDP Context"
	Cause     string // e.g. "DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)"
	Reason    string // in words, e.g. "operator blacklisted: 26201"
	Result    s6a.Result
	GTPCause  gtpc.Cause
}

func (r *Rejected) Error() string {
	return fmt.Sprintf("%s rejected: %s (%s)", r.Procedure, r.Reason, r.Cause)
}

// UE is a device as the serving node sees it.
type UE struct {
	IMSI   string
	IMEI   string // 15 digits, what the platform shows as endpoint.imei
	IMEISV string // 16 digits, sent in Create PDP Context
	RAT    world.RAT
	LAC    uint16
	CI     uint16
}

// Identity is a node's names and numbers.
type Identity struct {
	Diameter s6a.Peer // Origin-Host and Origin-Realm on S6a/S6d
	HLRRealm string
	Number   string     // the E.164 number of the VLR/SGSN, as events name it
	GTP      netip.Addr // the SGSN's address for GTP control and user plane
}

// NewIdentity names the node of an operator the way 3GPP names nodes
// (TS 23.003 19.4.2.4) and gives it an E.164 number in the operator's country.
func NewIdentity(op world.Operator, c world.Country, hlrRealm string, gtp netip.Addr) Identity {
	mnc := op.MNC
	if len(mnc) == 2 {
		mnc = "0" + mnc
	}
	realm := fmt.Sprintf("epc.mnc%s.mcc%s.3gppnetwork.org", mnc, op.MCC)
	num := c.DialCode + "17" + op.MNC
	for len(num) < 11 {
		num += "0"
	}
	return Identity{Diameter: s6a.Peer{Host: "sgsn01." + realm, Realm: realm}, HLRRealm: hlrRealm, Number: num + "1", GTP: gtp}
}

// Node is the VLR and SGSN of one visited operator.
type Node struct {
	Operator world.Operator
	ID       Identity
	GGSN     netip.AddrPort

	hss     HSS
	gn      Gn
	into    GnInto   // gn, if it is one
	gw      GnWarmer // gn, if it is one
	plat    *platform.Platform
	log     *zap.Logger
	latency func(iface, request string, d time.Duration)
	tr      *tracer // nil unless traced

	// Written once when the node is made, and in every event of the node.
	evOp  events.Operator
	gtpIP string
	pdp   *events.PDPNode // what the node's PDP context events share: PLMN, addresses, tariff

	// What the simulation's goroutine writes, on cache lines of its own:
	// the fields above are read for every event on the stream's encoder
	// goroutine, and a lock word beside them sent their line back and
	// forth between the processors.
	_     [64]byte
	mu    sync.Mutex
	regs  flat.Map[*registration] // by digitsKey
	ids   *counters
	freed freedSessions // closed sessions to reuse
	// With into, the exchanges to reuse: a Create's under mu, a Delete's
	// by itself (a Delete holds no lock).
	createX *exchange
	spare   atomic.Pointer[exchange]
	warm    struct { // WarmRegistration's last first IMSI and its key
		first string
		key   uint64
	}
	_ [64]byte
}

// digitsKey holds a string of up to 19 decimal digits (an IMSI, an
// MSISDN) in 8 bytes: the value times 32 plus the number of digits, so
// that leading zeros survive. A node holds one per subscriber it serves.
type digitsKey uint64

func keyOf(digits string) digitsKey {
	if len(digits) == 0 || len(digits) > 17 {
		return 0
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0
		}
		v = v*10 + uint64(c-'0')
	}
	return digitsKey(v<<5 | uint64(len(digits)))
}

// String gives the digits back; "" for the zero key.
func (k digitsKey) String() string {
	n := int(k & 31)
	if n == 0 {
		return ""
	}
	var b [17]byte
	v := uint64(k >> 5)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:n])
}

// registration is what the node holds for one subscriber.
type registration struct {
	cs, ps bool   // registered on the S6a (VLR) and S6d (SGSN) side
	gone   bool   // removed from the node's registrations (purged, cancelled)
	msisdn string // from the ULA's subscription data: every Create PDP Context request carries it
	// The open PDP contexts, in the order they were opened: the first in
	// the registration itself (a device usually has one, and a million
	// registrations' slices would each be a cache miss of their own); the
	// others behind a pointer, which keeps a registration within 48 bytes.
	first *Session
	more  *[]*Session
}

// add keeps s as the newest open session.
func (r *registration) add(s *Session) {
	if r.first == nil {
		r.first = s
		return
	}
	if r.more == nil {
		r.more = new([]*Session)
	}
	*r.more = append(*r.more, s)
}

// remove forgets s, if it is open.
func (r *registration) remove(s *Session) {
	if r.first == s {
		r.first = nil
		if r.more != nil && len(*r.more) > 0 {
			r.first = (*r.more)[0]
			*r.more = slices.Delete(*r.more, 0, 1)
		}
		return
	}
	if r.more == nil {
		return
	}
	if i := slices.Index(*r.more, s); i >= 0 {
		*r.more = slices.Delete(*r.more, i, i+1)
	}
}

// take returns the open sessions, oldest first, and forgets them.
func (r *registration) take() []*Session {
	if r.first == nil {
		return nil
	}
	out := []*Session{r.first}
	if r.more != nil {
		out = append(out, *r.more...)
	}
	r.first, r.more = nil, nil
	return out
}

// Session is an open PDP context.
type Session struct {
	node     *Node
	reg      *registration // the registration it was opened under
	ggsnTEID uint32
	state    atomic.Uint32     // sessionClosing | sessionClosed | sessionReleased
	subj     events.SubjectRef // where the platform's inventory has the subscriber

	// What the context's events say of it (a million-device run holds
	// hundreds of thousands of these); its node's share is the node's.
	facts events.PDPFacts
}

// Usage reports the data volume of open session s from start to end: rx
// bytes sent by the device, tx received (a record of the usage stream).
func (n *Node) Usage(s *Session, start, end time.Time, rx, tx events.Bytes) error {
	return n.plat.EmitUsage(events.NewUsage(n.plat.Facts(s.facts.IMSI, s.facts.IMEI), n.evOp, s.facts.Session(), start, end, rx, tx))
}

// IP is the UE address of the session.
func (s *Session) IP() string { return s.facts.UEIP.String() }

// counters hand out identifiers unique across all nodes of a network.
type counters struct {
	session atomic.Uint64
	teid    atomic.Uint32
	pdp     atomic.Int64
	lane    uint64 // in a network of several lanes: the ids are lane+1 modulo step
	step    uint64
}

// lanes maps the k-th id of a counter (from 1) to the lane's k-th id.
func (c *counters) of(k uint64) uint64 {
	if c.step <= 1 {
		return k
	}
	return (k-1)*c.step + c.lane + 1
}

// sessionID is a Session-Id as RFC 6733 8.8 shapes it:
// <DiameterIdentity>;<high 32 bits>;<low 32 bits>;<optional value>.
func (n *Node) sessionID(kind string) string {
	v := n.ids.of(n.ids.session.Add(1))
	var buf [128]byte // on the stack for the usual host names: the string is the one allocation
	b := append(buf[:0], n.ID.Diameter.Host...)
	b = append(b, ';')
	b = strconv.AppendUint(b, v>>32, 10)
	b = append(b, ';')
	b = strconv.AppendUint(b, v&0xffffffff, 10)
	b = append(b, ';')
	b = append(b, kind...)
	return string(b)
}

func (n *Node) reg(imsi string, create bool) *registration {
	k := uint64(keyOf(imsi))
	r, _ := n.regs.Get(k)
	if r == nil && create {
		r = &registration{}
		n.regs.Set(k, r)
	}
	return r
}

func ratS6a(r world.RAT) s6a.RATType {
	if r == world.GERAN {
		return s6a.RATGERAN
	}
	return s6a.RATUTRAN
}

func ratGTP(r world.RAT) gtpc.RATType {
	if r == world.GERAN {
		return gtpc.RATGERAN
	}
	return gtpc.RATUTRAN
}

// UpdateLocation registers the UE at the VLR role: a ULR with the S6a/S6d
// indicator set. It emits an Update location event, accepted or rejected.
func (n *Node) UpdateLocation(ctx context.Context, ue UE) error {
	return n.updateLocation(ctx, ue, true)
}

// UpdateGPRSLocation registers the UE at the SGSN role: a ULR with the
// indicator cleared, answered with the GPRS subscription.
func (n *Node) UpdateGPRSLocation(ctx context.Context, ue UE) error {
	return n.updateLocation(ctx, ue, false)
}

func (n *Node) updateLocation(ctx context.Context, ue UE, cs bool) error {
	flags := s6a.ULRSingleRegistration | s6a.ULRInitialAttachIndicator
	typ, proc := events.TypeUpdateGPRSLocation, "Update GPRS Location"
	if cs {
		flags |= s6a.ULRS6aS6dIndicator
		typ, proc = events.TypeUpdateLocation, "Update Location"
	} else {
		flags |= s6a.ULRGPRSSubscriptionDataInd
	}
	nasReq, nasOK, nasRej := "Attach Request", "Attach Accept", "Attach Reject"
	if cs {
		nasReq, nasOK, nasRej = "Location Updating Request", "Location Updating Accept", "Location Updating Reject"
	}
	if n.tr != nil {
		n.tr.nas(ue.IMSI, true, nasReq, true, location(n, ue)...)
	}
	req := &s6a.UpdateLocationRequest{
		SessionID:        n.sessionID("ulr"),
		Origin:           n.ID.Diameter,
		DestinationRealm: n.ID.HLRRealm,
		IMSI:             ue.IMSI,
		RATType:          ratS6a(ue.RAT),
		Flags:            flags,
		VisitedPLMN:      s6a.PLMN{MCC: n.Operator.MCC, MNC: n.Operator.MNC},
		SGSNNumber:       n.ID.Number,
	}
	start := n.start()
	ans, err := n.hss.UpdateLocation(ctx, req)
	n.took(iface(cs), "ULR", start)
	if err != nil {
		n.log.Warn("no answer to ULR", zap.String("imsi", ue.IMSI), zap.String("procedure", proc), zap.Error(err))
		return fmt.Errorf("%s for IMSI %s at %s: %w", proc, ue.IMSI, n.Operator.Name, err)
	}
	op := n.evOp
	if !ans.Result.OK() {
		reason := ans.ErrorMessage
		if reason == "" {
			reason = rejectReason(ans.Result)
		}
		blocked := strings.Contains(reason, "disabled")
		policy := ans.Result != s6a.ErrorUserUnknown
		if n.tr != nil {
			n.tr.nas(ue.IMSI, false, nasRej, false, trace.Field{Key: "Cause", Value: reason}, trace.Field{Key: "HLR result", Value: ans.Result.String()})
		}
		f := n.plat.Facts(ue.IMSI, ue.IMEI)
		if err := n.plat.Emit(events.LocationRejected(f, typ, op, n.ID.Number, reason, ans.Result.String(), policy, blocked)); err != nil {
			return err
		}
		n.log.Debug("location update rejected", zap.String("imsi", ue.IMSI), zap.String("procedure", proc),
			zap.String("plmn", n.Operator.PLMN()), zap.Stringer("result", ans.Result), zap.String("reason", reason))
		return &Rejected{Procedure: proc, Cause: ans.Result.String(), Reason: reason, Result: ans.Result}
	}
	n.mu.Lock()
	r := n.reg(ue.IMSI, true)
	if cs {
		r.cs = true
	} else {
		r.ps = true
	}
	if ans.Subscription != nil {
		r.msisdn = ""
		if m := ans.Subscription.MSISDN; keyOf(m) != 0 { // digits only, as GTP's MSISDN IE carries
			r.msisdn = m
		}
	}
	n.mu.Unlock()
	f := n.plat.Facts(ue.IMSI, ue.IMEI)
	var e *events.Event
	if cs {
		e = events.UpdateLocation(f, op, n.ID.Number)
	} else {
		e = events.UpdateGPRSLocation(f, op, n.ID.Number, n.gtpIP, ratName(ue.RAT))
	}
	if ce := n.log.Check(zap.DebugLevel, "location updated"); ce != nil {
		ce.Write(zap.String("imsi", ue.IMSI), zap.String("procedure", proc), zap.String("plmn", n.Operator.PLMN()))
	}
	if n.tr != nil {
		n.tr.nas(ue.IMSI, false, nasOK, true, trace.Field{Key: "PLMN", Value: n.Operator.PLMN()})
	}
	return n.plat.Emit(e)
}

func ratName(r world.RAT) string {
	if r == world.GERAN {
		return "GERAN"
	}
	return "UTRAN"
}

// rejectReason says in words what an S6a result means for the device.
func rejectReason(r s6a.Result) string {
	switch r {
	case s6a.ErrorUserUnknown:
		return "IMSI unknown in HLR"
	case s6a.ErrorRoamingNotAllowed:
		return "roaming not allowed"
	case s6a.ErrorRATNotAllowed:
		return "RAT not allowed"
	case s6a.ErrorUnknownEPSSubscription:
		return "no subscription for this service"
	}
	return "the HLR answered " + r.Name()
}

// CreatePDPContext opens a data session for a UE registered at the SGSN
// role. A refusal by the GGSN gives a *Rejected and a rejected Create PDP
// Context event.
func (n *Node) CreatePDPContext(ctx context.Context, ue UE, apn string) (*Session, error) {
	n.mu.Lock()
	r := n.reg(ue.IMSI, false)
	registered := r != nil && r.ps
	msisdn := ""
	var s *Session // a closed one to reuse, if any is ready (given back if the Create fails)
	var x *exchange
	if r != nil {
		msisdn = r.msisdn
		if registered {
			s = n.freed.take(n.plat.Stream)
			x = n.createX // under n.mu: no atomic of its own (see createX)
			n.createX = nil
		}
	}
	n.mu.Unlock()
	if n.tr != nil {
		n.tr.nas(ue.IMSI, true, "Activate PDP Context Request", true, trace.Field{Key: "APN", Value: apn}, trace.Field{Key: "NSAPI", Value: "5"})
	}
	if !registered {
		if n.tr != nil {
			n.tr.nas(ue.IMSI, false, "Activate PDP Context Reject", false, trace.Field{Key: "Cause", Value: "not attached to this SGSN"})
		}
		return nil, fmt.Errorf("Create PDP Context for IMSI %s at %s: %w", ue.IMSI, n.Operator.Name, ErrNotRegistered)
	}
	teidC, teidU := uint32(n.ids.of(uint64(n.ids.teid.Add(1)))), uint32(n.ids.of(uint64(n.ids.teid.Add(1))))
	const nsapi = pdpNSAPI
	if x == nil {
		x = new(exchange)
	}
	x.create = gtpc.CreatePDPContextRequest{
		IMSI: ue.IMSI, MSISDN: msisdn, IMEISV: ue.IMEISV, APN: apn, NSAPI: nsapi,
		TEIDData: teidU, TEIDControl: teidC,
		SGSNControlAddr: n.ID.GTP, SGSNUserAddr: n.ID.GTP,
		RATType: ratGTP(ue.RAT), Location: &x.loc,
	}
	x.loc = gtpc.Location{MCC: n.Operator.MCC, MNC: n.Operator.MNC, LAC: ue.LAC, CI: ue.CI}
	start := n.start()
	res, err := n.createAtGGSN(ctx, x)
	n.took("gn", "CreatePDPContext", start)
	if err != nil {
		n.giveBack(s, x)
		n.log.Warn("no answer to Create PDP Context", zap.String("imsi", ue.IMSI), zap.String("apn", apn), zap.Error(err))
		return nil, fmt.Errorf("Create PDP Context for IMSI %s: %w", ue.IMSI, err)
	}
	if !res.Cause.Accepted() {
		cause := res.Cause
		n.giveBack(s, x) // res is x's: read no more
		reason := pdpRejectReason(cause, apn)
		if n.tr != nil {
			n.tr.nas(ue.IMSI, false, "Activate PDP Context Reject", false, trace.Field{Key: "Cause", Value: reason})
		}
		if err := n.plat.Emit(events.CreatePDPContextRejected(n.plat.Facts(ue.IMSI, ue.IMEI), reason, "GTP cause "+cause.String())); err != nil {
			return nil, err
		}
		n.log.Debug("PDP context rejected", zap.String("imsi", ue.IMSI), zap.String("apn", apn), zap.Stringer("cause", cause))
		return nil, &Rejected{Procedure: "Create PDP Context", Cause: "GTP cause " + cause.String(), Reason: reason, GTPCause: cause}
	}
	now := n.plat.Clock.Now().UnixNano()
	if s == nil {
		s = new(Session)
	} else {
		// Nobody else has it (it came from the node's queue, under n.mu):
		// a plain store, which need not wait for the line as an atomic one
		// does.
		s.state = atomic.Uint32{}
	}
	s.node, s.reg, s.ggsnTEID, s.subj = n, r, res.TEIDControl, events.SubjectRef{}
	s.facts = events.PDPFacts{Node: n.pdp,
		ID: int64(n.ids.of(uint64(n.ids.pdp.Add(1)))), Created: now, UEIP: res.EndUserAddress,
		GGSNControl: res.GGSNControlAddr, GGSNUser: res.GGSNUserAddr, TEIDControl: teidC, TEIDData: teidU, RxTEID: res.TEIDData,
		NSAPI: nsapi, RATType: uint8(ratGTP(ue.RAT)), LAC: int(ue.LAC), CI: int(ue.CI), APN: apn,
		IMSI: ue.IMSI, IMEI: ue.IMEI, IMEISV: ue.IMEISV}
	n.mu.Lock()
	if n.into != nil { // res is read no more: x goes back
		n.createX = x
	}
	if !r.gone && r.ps { // r is still the UE's registration: no second lookup
		r.add(s)
		n.mu.Unlock()
	} else {
		// Cancelled while the request was in flight: close it again (and
		// reuse it: nobody else has it).
		n.mu.Unlock()
		s.state.Store(sessionReleased)
		n.deleteAtGGSN(ctx, s, 0, 0)
		return nil, fmt.Errorf("Create PDP Context for IMSI %s: %w", ue.IMSI, ErrCancelled)
	}
	s.subj = n.plat.SubjectRef(ue.IMSI)
	s.facts.Derived, s.facts.SV = s.subj.Derive(ue.IMSI, ue.IMEI, ue.IMEISV)
	if n.tr != nil {
		n.tr.nas(ue.IMSI, false, "Activate PDP Context Accept", true, trace.Field{Key: "PDP address", Value: s.facts.UEIP.String()}, trace.Field{Key: "APN", Value: apn})
	}
	if ce := n.log.Check(zap.DebugLevel, "PDP context created"); ce != nil { // no fields built on a load run
		ce.Write(zap.String("imsi", ue.IMSI), zap.String("apn", apn), zap.Stringer("ip", s.facts.UEIP))
	}
	// The stream writes the event from s's facts (which do not change);
	// the platform gives the endpoint the context's address.
	return s, n.plat.EmitPDP(&events.PDPEvent{Type: events.TypeCreatePDPContext, At: now, Facts: &s.facts, Subject: s.subj})
}

// pdpNSAPI is the NSAPI of the one PDP context a device opens.
const pdpNSAPI = 5

// exchange holds the messages of one Create or Delete PDP Context, for
// reuse: a load run makes hundreds of thousands a second, and an
// in-process GGSN (GnInto) keeps none of them.
type exchange struct {
	create gtpc.CreatePDPContextRequest
	loc    gtpc.Location
	cres   gtpc.CreatePDPContextResponse
	del    gtpc.DeletePDPContextRequest
	dres   gtpc.DeletePDPContextResponse
}

// giveBack returns what a Create that failed took for reuse: its session
// (nil if it took none), which goes back to the node's queue as it was
// (closed, let go of, its events encoded), and its exchange.
func (n *Node) giveBack(s *Session, x *exchange) {
	if s == nil && n.into == nil {
		return // nothing to give back (over the wire, x was its own)
	}
	n.mu.Lock()
	if s != nil {
		n.freed.put(s, 0)
	}
	if n.into != nil {
		n.createX = x
	}
	n.mu.Unlock()
}

// exchange is where a Delete PDP Context's messages go: the node's spare
// one when its Gn keeps none (and no other Delete of the node holds it),
// else a new one. A Create takes and gives back its own (createX) inside
// the critical sections it has anyway: an atomic swap and store are each a
// full fence, which at a million devices waits for the stores still
// missing the caches.
func (n *Node) exchange() *exchange {
	if n.into != nil {
		if x := n.spare.Swap(nil); x != nil {
			return x
		}
	}
	return new(exchange)
}

// done gives back x, once nothing reads it: it becomes the node's spare.
// Nothing is cleared: a procedure writes each request whole before
// sending it, and a GnInto each response whole; the spare keeps a
// subscriber's strings alive at most until the node's next procedure.
func (n *Node) done(x *exchange) {
	if n.into != nil {
		n.spare.Store(x)
	}
}

// createAtGGSN sends x's Create PDP Context Request to the node's GGSN.
func (n *Node) createAtGGSN(ctx context.Context, x *exchange) (*gtpc.CreatePDPContextResponse, error) {
	if n.into == nil {
		return n.gn.CreatePDPContext(ctx, n.GGSN, &x.create)
	}
	if err := n.into.CreatePDPContextInto(ctx, n.GGSN, &x.create, &x.cres); err != nil {
		return nil, err
	}
	return &x.cres, nil
}

// deleteAtGGSNOnly sends x's Delete PDP Context Request to the node's GGSN.
func (n *Node) deleteAtGGSNOnly(ctx context.Context, x *exchange) (*gtpc.DeletePDPContextResponse, error) {
	if n.into == nil {
		return n.gn.DeletePDPContext(ctx, n.GGSN, &x.del)
	}
	if err := n.into.DeletePDPContextInto(ctx, n.GGSN, &x.del, &x.dres); err != nil {
		return nil, err
	}
	return &x.dres, nil
}

func pdpRejectReason(c gtpc.Cause, apn string) string {
	switch c {
	case gtpc.CauseMissingOrUnknownAPN:
		return fmt.Sprintf("APN '%s' is unknown", apn)
	case gtpc.CauseAllDynamicAddressesOccupied:
		return fmt.Sprintf("no IP address is left in the pool of APN '%s'", apn)
	case gtpc.CauseAPNAccessDenied:
		return fmt.Sprintf("APN '%s' is not in the subscription", apn)
	case gtpc.CauseNoResourcesAvailable:
		return "the GGSN has no resources available"
	}
	return "the GGSN refused it"
}

// Warm hints what a Delete PDP Context of s reads, in the stages of
// sim.Warmer: ahead 3 the session itself, ahead 2 its registration (the
// session's pointer to it, loaded by the stage before). It only hints,
// never waits: s.reg does not change once the session is open.
func (s *Session) Warm(ahead int) {
	switch ahead {
	case 3:
		prefetch.Pair(unsafe.Pointer(s))
	case 2:
		if r := s.reg; r != nil {
			prefetch.Line(unsafe.Pointer(r))
		}
	}
}

// WarmRegistration hints what a Create PDP Context for the IMSI first
// plus index (digits kept, as fleets number their devices) reads, in the
// stages of sim.Warmer: ahead 2 the slot of the node's registrations
// where its look-up starts, ahead 1 the registration the slot (loaded by
// then) points to. It only hints.
func (n *Node) WarmRegistration(first string, index, ahead int) {
	n.mu.Lock()
	k := n.warmKey(first, index)
	switch ahead {
	case 2:
		n.regs.Warm(k)
	case 1:
		if r, _ := n.regs.Get(k); r != nil {
			prefetch.Line(unsafe.Pointer(r))
		}
	}
	n.mu.Unlock()
	if ahead == 2 && n.gw != nil && n.gw.Warms() {
		n.gw.WarmSubscriber(k>>5, int(k&31), pdpNSAPI)
	}
}

// WarmClose hints what the GGSN reads to close s, in the stages of
// sim.Warmer: ahead 2 the slot of its subscriber's context (by the IMSI
// first plus index, as WarmRegistration finds it) and that of the context
// by its control TEID (read from s, whose lines the stage before hinted),
// ahead 1 the context itself (found by the slot hinted the stage before).
// It only hints, and only with a GGSN that takes hints.
func (n *Node) WarmClose(s *Session, first string, index, ahead int) {
	if n.gw == nil || !n.gw.Warms() {
		return
	}
	switch ahead {
	case 2:
		n.mu.Lock()
		k := n.warmKey(first, index)
		n.mu.Unlock()
		n.gw.WarmSubscriber(k>>5, int(k&31), pdpNSAPI)
		n.gw.WarmContext(s.ggsnTEID)
	case 1:
		n.gw.WarmRecord(s.ggsnTEID)
	}
}

// WarmEndpoint hints what a Create or Delete PDP Context of endpoint id
// reads of the platform's tables.
func (n *Node) WarmEndpoint(id int64) { n.plat.WarmEndpoint(id) }

// warmKey is the key of the IMSI first plus index, when the sum keeps
// first's number of digits, without writing it out: the key's value part
// is the IMSI's value. Under n.mu.
func (n *Node) warmKey(first string, index int) uint64 {
	if first != n.warm.first {
		n.warm.first, n.warm.key = first, uint64(keyOf(first))
	}
	return n.warm.key + uint64(index)<<5
}

// DeletePDPContext closes a session, reporting its volume: rx is what the
// device sent, tx what it received. Closing a session twice does nothing.
func (n *Node) DeletePDPContext(ctx context.Context, s *Session, rx, tx events.Bytes) error {
	if n.tr != nil {
		n.tr.nas(s.facts.IMSI, true, "Deactivate PDP Context Request", true, trace.Field{Key: "NSAPI", Value: fmt.Sprint(s.facts.NSAPI)})
	}
	if n.tr != nil {
		defer n.tr.nas(s.facts.IMSI, false, "Deactivate PDP Context Accept", true)
	}
	n.mu.Lock()
	if r := s.reg; r != nil && !r.gone { // a cancelled registration handed its sessions over
		r.remove(s)
	}
	n.mu.Unlock()
	return n.deleteAtGGSN(ctx, s, rx, tx)
}

func (n *Node) deleteAtGGSN(ctx context.Context, s *Session, rx, tx events.Bytes) error {
	if s.state.Or(sessionClosing)&sessionClosing != 0 {
		return nil
	}
	defer s.settle()
	x := n.exchange()
	defer n.done(x)
	x.del = gtpc.DeletePDPContextRequest{TEID: s.ggsnTEID, NSAPI: s.facts.NSAPI, TeardownInd: true}
	start := n.start()
	res, err := n.deleteAtGGSNOnly(ctx, x)
	n.took("gn", "DeletePDPContext", start)
	if n.tr != nil {
		n.tr.deletePDP(s.facts.IMSI, &x.del, s.facts.TEIDControl, res)
	}
	if err != nil {
		n.log.Warn("no answer to Delete PDP Context", zap.String("imsi", s.facts.IMSI), zap.Error(err))
		return fmt.Errorf("Delete PDP Context for IMSI %s: %w", s.facts.IMSI, err)
	}
	if !res.Cause.Accepted() {
		n.log.Warn("Delete PDP Context refused", zap.String("imsi", s.facts.IMSI), zap.Stringer("cause", res.Cause))
	}
	return n.plat.EmitPDP(&events.PDPEvent{Type: events.TypeDeletePDPContext, At: n.plat.Clock.Now().UnixNano(), Facts: &s.facts,
		Subject: s.subj, Rx: rx, Tx: tx})
}

// Detach purges the UE at both roles (the device powered off): a PUR for
// each side it is registered on, and a Purge GPRS location and a Purge
// location event. Open sessions are closed first.
func (n *Node) Detach(ctx context.Context, ue UE) error {
	n.mu.Lock()
	r, _ := n.regs.Delete(uint64(keyOf(ue.IMSI)))
	var sessions []*Session
	if r != nil {
		r.gone = true
		sessions = r.take()
	}
	n.mu.Unlock()
	if r == nil {
		return nil
	}
	if n.tr != nil {
		n.tr.nas(ue.IMSI, true, "Detach Request", true, trace.Field{Key: "IMSI", Value: ue.IMSI})
	}
	for _, s := range sessions {
		if err := n.deleteAtGGSN(ctx, s, 0, 0); err != nil {
			return err
		}
	}
	if r.ps {
		if err := n.purge(ctx, ue, s6a.PURUEPurgedInSGSN, events.PurgeGPRSLocation); err != nil {
			return err
		}
	}
	if r.cs {
		if err := n.purge(ctx, ue, s6a.PURUEPurgedInMME, events.PurgeLocation); err != nil {
			return err
		}
	}
	return nil
}

func (n *Node) purge(ctx context.Context, ue UE, flags s6a.PURFlags, event func(events.Facts) *events.Event) error {
	start := n.start()
	ans, err := n.hss.PurgeUE(ctx, &s6a.PurgeUERequest{SessionID: n.sessionID("pur"), Origin: n.ID.Diameter,
		DestinationRealm: n.ID.HLRRealm, IMSI: ue.IMSI, Flags: flags})
	n.took(iface(flags == s6a.PURUEPurgedInMME), "PUR", start)
	if err != nil {
		return fmt.Errorf("Purge UE for IMSI %s: %w", ue.IMSI, err)
	}
	if !ans.Result.OK() {
		n.log.Warn("purge refused", zap.String("imsi", ue.IMSI), zap.Stringer("result", ans.Result))
	}
	return n.plat.Emit(event(n.plat.Facts(ue.IMSI, ue.IMEI)))
}

// CancelLocation answers the HLR's CLR: the subscriber registered at
// another node, so this one drops it and closes its sessions.
func (n *Node) CancelLocation(ctx context.Context, clr *s6a.CancelLocationRequest) *s6a.CancelLocationAnswer {
	var id uint32
	if n.tr != nil {
		id = n.tr.cancelRequest(clr)
	}
	n.mu.Lock()
	r := n.reg(clr.IMSI, false)
	var sessions []*Session
	if r != nil {
		if clr.CancellationType == s6a.CancelSGSNUpdateProcedure {
			r.ps = false
		} else if clr.CancellationType == s6a.CancelMMEUpdateProcedure {
			r.cs = false
		} else {
			r.cs, r.ps = false, false
		}
		if !r.ps {
			sessions = r.take()
		}
		if !r.cs && !r.ps {
			r.gone = true
			n.regs.Delete(uint64(keyOf(clr.IMSI)))
		}
	}
	n.mu.Unlock()
	n.log.Debug("location cancelled", zap.String("imsi", clr.IMSI), zap.String("node", n.ID.Diameter.Host),
		zap.Uint32("cancellation_type", uint32(clr.CancellationType)), zap.Bool("known", r != nil))
	for _, s := range sessions {
		if err := n.deleteAtGGSN(ctx, s, 0, 0); err != nil {
			n.log.Warn("closing session after CLR", zap.String("imsi", clr.IMSI), zap.Error(err))
		}
	}
	cla := &s6a.CancelLocationAnswer{SessionID: clr.SessionID, Origin: n.ID.Diameter, Result: s6a.ResultSuccess}
	if n.tr != nil {
		n.tr.cancelAnswer(clr, cla, id)
	}
	return cla
}

// Registered reports whether the node holds the IMSI on the CS and PS sides.
func (n *Node) Registered(imsi string) (cs, ps bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if r := n.reg(imsi, false); r != nil {
		return r.cs, r.ps
	}
	return false, false
}

// start is when a timed request starts: the zero time when nobody is
// told the latencies, so that the hot path reads no clock for them.
func (n *Node) start() time.Time {
	if n.latency == nil {
		return time.Time{}
	}
	return time.Now()
}

// took tells the latency of a request started at start.
func (n *Node) took(iface, request string, start time.Time) {
	if n.latency != nil {
		n.latency(iface, request, time.Since(start))
	}
}

// iface is the interface a location procedure uses: S6a for the CS side
// (Update Location), S6d for the PS side (Update GPRS Location).
func iface(cs bool) string {
	if cs {
		return "s6a"
	}
	return "s6d"
}

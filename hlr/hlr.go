package hlr

import (
	"fmt"
	"slices"
	"sync"

	"github.com/core-sim/core-sim/internal/flat"
	"github.com/core-sim/core-sim/s6a"
)

// Reasons put in Error-Message, so that the platform's events can say
// why a device was rejected.
const (
	ReasonUnknownIMSI        = "unknown IMSI"
	ReasonEndpointDisabled   = "endpoint disabled"
	ReasonNoGPRSSubscription = "no GPRS subscription (no APN provisioned)"
)

// HLR is the HLR's decision logic: the subscriber store plus, per
// subscriber, the serving node registered on each side. It opens no
// socket, reads no clock and draws no random number: the same requests in
// the same order give the same answers. It is safe for concurrent use.
//
// Checks of an Update Location, in the order of TS 29.272 5.2.1.1.3 with
// the operator's switch first:
//
//  1. IMSI unknown: Experimental-Result DIAMETER_ERROR_USER_UNKNOWN (5001).
//  2. Endpoint disabled: DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004) with
//     Error-Message "endpoint disabled". Disabling an endpoint is an
//     operator-determined barring, and 5.2.1.1.3 answers barring by ODB
//     with ROAMING_NOT_ALLOWED (the device sees GMM #11 and stays off the
//     network). USER_UNKNOWN would make the device treat its SIM as
//     invalid and the platform could not tell the two apart;
//     UNKNOWN_EPS_SUBSCRIPTION (5420) means "no subscription", not "barred".
//  3. RAT not in the range's RATs: DIAMETER_ERROR_RAT_NOT_ALLOWED (5421).
//  4. Visited PLMN blacklisted: 5004, "operator blacklisted: 26202".
//  5. Visited PLMN not in a non-empty allowed list: 5004,
//     "roaming not allowed in PLMN 26201".
//  6. S6d with no APN provisioned: DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION
//     (5420): there is no GPRS subscription to send.
//
// On success the answer carries ULA-Flags Separation-Indication, the
// MSISDN and, on S6d or when the GPRS-Subscription-Data-Indicator asks for
// it, one PDP context per APN (none with Skip-Subscriber-Data). The
// requesting node becomes the registered one of its side (S6a: VLR/MME-like
// node, S6d: SGSN); if another node was registered there, a Cancel Location
// for it is returned (Cancellation-Type MME_UPDATE_PROCEDURE on S6a,
// SGSN_UPDATE_PROCEDURE on S6d). Rejected requests change nothing.
type HLR struct {
	store  *Store
	origin s6a.Peer
	shards [64]shard

	nodesMu sync.RWMutex
	nodeIDs map[s6a.Peer]uint32
	nodes   []s6a.Peer // nodes[0] is "no node"
}

type shard struct {
	mu   sync.Mutex
	regs flat.Map[registration] // by imsiKey.word
	_    [16]byte               // keep shards on separate cache lines (64 bytes each)
}

// registration holds interned node ids: a million registered devices on a
// handful of nodes cost 8 bytes of value each.
type registration struct{ s6a, s6d uint32 }

// Registration tells which node serves a subscriber on each side; a zero
// Peer means none.
type Registration struct {
	S6a s6a.Peer // Update Location (VLR/MME-like node)
	S6d s6a.Peer // Update GPRS Location (SGSN)
}

// New makes the decision core. origin is the HLR's own Origin-Host and
// Origin-Realm, put in answers and Cancel Location requests.
func New(store *Store, origin s6a.Peer) *HLR {
	h := &HLR{store: store, origin: origin,
		nodeIDs: map[s6a.Peer]uint32{}, nodes: []s6a.Peer{{}}}
	return h
}

// Store is the subscriber store.
func (h *HLR) Store() *Store { return h.store }

func (h *HLR) shard(k imsiKey) *shard {
	return &h.shards[k.value%uint64(len(h.shards))]
}

func (h *HLR) nodeID(p s6a.Peer) uint32 {
	h.nodesMu.RLock()
	id, ok := h.nodeIDs[p]
	h.nodesMu.RUnlock()
	if ok {
		return id
	}
	h.nodesMu.Lock()
	defer h.nodesMu.Unlock()
	if id, ok := h.nodeIDs[p]; ok {
		return id
	}
	id = uint32(len(h.nodes))
	h.nodes = append(h.nodes, p)
	h.nodeIDs[p] = id
	return id
}

func (h *HLR) node(id uint32) s6a.Peer {
	if id == 0 {
		return s6a.Peer{}
	}
	h.nodesMu.RLock()
	defer h.nodesMu.RUnlock()
	return h.nodes[id]
}

// UpdateLocation decides on a ULR. cancel is the Cancel Location to send
// to the node the subscriber left, or nil; its SessionID is left empty for
// the sender to fill.
func (h *HLR) UpdateLocation(req *s6a.UpdateLocationRequest) (ans *s6a.UpdateLocationAnswer, cancel *s6a.CancelLocationRequest) {
	ans = &s6a.UpdateLocationAnswer{SessionID: req.SessionID, Origin: h.origin}
	reject := func(r s6a.Result, msg string) (*s6a.UpdateLocationAnswer, *s6a.CancelLocationRequest) {
		ans.Result, ans.ErrorMessage = r, msg
		return ans, nil
	}
	key, ok := parseIMSI(req.IMSI)
	var r *storedRange
	var off uint64
	if ok {
		r, off, ok = h.store.findKey(key)
	}
	if !ok {
		return reject(s6a.ErrorUserUnknown, ReasonUnknownIMSI)
	}
	if !r.Enabled {
		return reject(s6a.ErrorRoamingNotAllowed, ReasonEndpointDisabled)
	}
	if len(r.RATs) > 0 && !slices.Contains(r.RATs, req.RATType) {
		return reject(s6a.ErrorRATNotAllowed, "RAT "+req.RATType.String()+" not allowed")
	}
	if len(r.BlockedPLMNs) > 0 || len(r.AllowedPLMNs) > 0 { // the PLMN spelt only to compare it
		plmn := req.VisitedPLMN.String()
		if slices.Contains(r.BlockedPLMNs, plmn) {
			return reject(s6a.ErrorRoamingNotAllowed, "operator blacklisted: "+plmn)
		}
		if len(r.AllowedPLMNs) > 0 && !slices.Contains(r.AllowedPLMNs, plmn) {
			return reject(s6a.ErrorRoamingNotAllowed, "roaming not allowed in PLMN "+plmn)
		}
	}
	s6d := !req.Flags.IsS6a()
	if s6d && len(r.APNs) == 0 {
		return reject(s6a.ErrorUnknownEPSSubscription, ReasonNoGPRSSubscription)
	}

	ans.Result = s6a.ResultSuccess
	ans.ULAFlags = s6a.ULAFlagSeparationIndication
	if req.Flags&s6a.ULRSkipSubscriberData == 0 {
		// Only the MSISDN and the APNs are sent: the rest of the
		// subscriber (names, ICCID, IMEI) is not built.
		ans.Subscription = &s6a.SubscriptionData{MSISDN: r.msisdn(off)}
		if s6d || req.Flags&s6a.ULRGPRSSubscriptionDataInd != 0 {
			ans.Subscription.GPRS = r.gprs // shared: answers are read, never changed
		}
	}

	id := h.nodeID(req.Origin)
	sh := h.shard(key)
	sh.mu.Lock()
	reg, _ := sh.regs.Get(key.word())
	old := &reg.s6a
	if s6d {
		old = &reg.s6d
	}
	prev := *old
	*old = id
	sh.regs.Set(key.word(), reg)
	sh.mu.Unlock()

	if prev != 0 && prev != id {
		if oldNode := h.node(prev); oldNode.Host != req.Origin.Host {
			ct := s6a.CancelMMEUpdateProcedure
			if s6d {
				ct = s6a.CancelSGSNUpdateProcedure
			}
			cancel = &s6a.CancelLocationRequest{
				Origin: h.origin, DestinationHost: oldNode.Host, DestinationRealm: oldNode.Realm,
				IMSI: req.IMSI, CancellationType: ct,
			}
		}
	}
	return ans, cancel
}

// PurgeUE decides on a PUR: the purging node's registration is cleared if
// it is still the registered one (and the matching Freeze-M-TMSI /
// Freeze-P-TMSI flag set, TS 29.272 5.2.3.1.3). Unknown IMSI:
// DIAMETER_ERROR_USER_UNKNOWN; otherwise success.
func (h *HLR) PurgeUE(req *s6a.PurgeUERequest) *s6a.PurgeUEAnswer {
	ans := &s6a.PurgeUEAnswer{SessionID: req.SessionID, Origin: h.origin, Result: s6a.ResultSuccess}
	if _, _, ok := h.store.find(req.IMSI); !ok {
		ans.Result = s6a.ErrorUserUnknown
		return ans
	}
	key, _ := parseIMSI(req.IMSI)
	sh := h.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	reg, ok := sh.regs.Get(key.word())
	if !ok {
		return ans
	}
	if reg.s6a != 0 && h.node(reg.s6a).Host == req.Origin.Host {
		reg.s6a = 0
		ans.PUAFlags |= s6a.PUAFreezeMTMSI
	}
	if reg.s6d != 0 && h.node(reg.s6d).Host == req.Origin.Host {
		reg.s6d = 0
		ans.PUAFlags |= s6a.PUAFreezePTMSI
	}
	if reg == (registration{}) {
		sh.regs.Delete(key.word())
	} else {
		sh.regs.Set(key.word(), reg)
	}
	return ans
}

// Registration tells where a subscriber is registered; false if nowhere.
func (h *HLR) Registration(imsi string) (Registration, bool) {
	key, ok := parseIMSI(imsi)
	if !ok {
		return Registration{}, false
	}
	sh := h.shard(key)
	sh.mu.Lock()
	reg, ok := sh.regs.Get(key.word())
	sh.mu.Unlock()
	if !ok {
		return Registration{}, false
	}
	return Registration{S6a: h.node(reg.s6a), S6d: h.node(reg.s6d)}, true
}

// String describes the registration for logs.
func (r Registration) String() string {
	return fmt.Sprintf("S6a=%s S6d=%s", r.S6a.Host, r.S6d.Host)
}

// Package ggsn is core-sim's GGSN: the node at the end of the Gn interface
// that accepts or refuses a Create PDP Context Request (APN check, IPv4
// address from the APN's pool, tunnel endpoint ids, charging id) and
// releases the context on Delete PDP Context Request (TS 29.060 7.3).
//
// GGSN is the pure decision core: no sockets, no clock, no randomness, so
// the same requests in the same order give the same answers. It implements
// gtpc.Handler; Start wires it to a gtpc.Endpoint. It is not a user plane:
// no GTP-U, no routing of the addresses it hands out, no charging records,
// no RADIUS/Diameter towards the PDN.
package ggsn

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/internal/flat"
	"github.com/core-sim/core-sim/internal/prefetch"
)

// APN is an access point name the GGSN serves and the IPv4 pool its PDP
// contexts get addresses from.
type APN struct {
	Name string
	Pool netip.Prefix
}

// Config of a GGSN. The zero value serves DefaultAPNs from 127.0.0.1.
type Config struct {
	// APNs served; names compare case-insensitively. Empty means
	// DefaultAPNs.
	APNs []APN
	// ControlAddr is the GGSN Address for Control Plane sent to the SGSN;
	// default 127.0.0.1.
	ControlAddr netip.Addr
	// UserAddr is the GGSN Address for user traffic; default ControlAddr.
	UserAddr netip.Addr
	// Lane and Lanes, when Lanes > 1, make this GGSN one of Lanes that
	// share the APNs' pools (core-sim run --procs: one GGSN per process).
	// It hands out only the pool addresses, TEIDs and charging ids equal
	// to Lane modulo Lanes, so that no two lanes hand out the same one and
	// each lane's allocations depend on its own requests alone.
	Lane, Lanes int
}

// DefaultAPNs are the APNs of the IoT platform core-sim emulates, each with
// its own pool.
func DefaultAPNs() []APN {
	return []APN{
		{Name: "em", Pool: netip.MustParsePrefix("10.192.0.0/16")},
		{Name: "emnify", Pool: netip.MustParsePrefix("10.193.0.0/16")},
	}
}

// PDPContext is an active PDP context as the GGSN keeps it.
type PDPContext struct {
	IMSI, MSISDN string
	APN          string // as configured, not as the SGSN spelt it
	NSAPI        uint8
	Address      netip.Addr // End User Address from the APN's pool
	TEIDControl  uint32     // ours; the SGSN puts it in the header of its requests
	TEIDData     uint32     // ours, for user plane
	ChargingID   uint32
	RATType      gtpc.RATType

	SGSN            netip.AddrPort // where the Create came from
	SGSNTEIDControl uint32
	SGSNTEIDData    uint32
	SGSNControlAddr netip.Addr
	SGSNUserAddr    netip.Addr
}

// GGSN is the decision core. Its methods are safe for concurrent use.
type GGSN struct {
	control, user netip.Addr

	mu       sync.Mutex
	apns     map[string]*pool         // by lower-case name
	pools    []*pool                  // in configuration order
	ctxs     [][]record               // the contexts, by slot (chunks of ctxChunk); a free slot is zero
	msisdns  [][]string               // their MSISDNs, by slot (see record)
	wide     map[int32]*PDPContext    // the contexts a record cannot hold, by slot (record.wide)
	nCtxs    int32                    // slots made so far
	freeCtxs []int32                  // free slots, for reuse
	byTEID   flat.Map[int32]          // control TEID -> slot in ctxs
	bySub    flat.Map[uint32]         // IMSI of digits + NSAPI (subscriberKey.word) -> TEIDControl
	byOther  map[subscriberKey]uint32 // any other IMSI + NSAPI -> TEIDControl
	nextTEID uint32
	// teidsWrapped: nextTEID went round once, so the TEIDs after it may
	// be in use.
	teidsWrapped bool
	nextCID      uint32
	lane         uint32 // allocations are lane modulo step
	step         uint32
	warms        atomic.Bool // it has held warmFrom contexts at once: hints pay
}

// warmFrom is how many contexts the GGSN holds at once before its hints
// (WarmSubscriber, WarmContext, the next TEID's slot) are given: with
// fewer its tables stay in the caches, and hints only cost (at 10,000
// devices about 2,000 are open at once, at a million about 200,000).
const warmFrom = 1 << 14

type subscriberKey struct {
	imsi  uint64 // the IMSI's digits and their count (keyOf), or 0
	other string // an IMSI that is not 1 to 15 digits, as it is
	nsapi uint8
}

// keyOf keys a context by IMSI and NSAPI: an IMSI of digits as a number
// (hashed and compared as one word), anything else as its string.
func keyOf(imsi string, nsapi uint8) subscriberKey {
	if n := len(imsi); n > 0 && n <= 15 {
		var v uint64
		for i := 0; i < n; i++ {
			c := imsi[i] - '0'
			if c > 9 {
				return subscriberKey{other: imsi, nsapi: nsapi}
			}
			v = v*10 + uint64(c)
		}
		return subscriberKey{imsi: v<<4 | uint64(n), nsapi: nsapi}
	}
	return subscriberKey{other: imsi, nsapi: nsapi}
}

// word is k as one word, for a key of digits (other == ""): hashed and
// compared as a machine word, without the string's hashing.
func (k subscriberKey) word() uint64 { return k.imsi<<8 | uint64(k.nsapi) }

// sub returns the control TEID of the context keyed k; under g.mu.
func (g *GGSN) sub(k subscriberKey) (uint32, bool) {
	if k.other == "" {
		return g.bySub.Get(k.word())
	}
	t, ok := g.byOther[k]
	return t, ok
}

// setSub keys the context with control TEID teid by k; under g.mu.
func (g *GGSN) setSub(k subscriberKey, teid uint32) {
	if k.other == "" {
		g.bySub.Set(k.word(), teid)
	} else {
		g.byOther[k] = teid
	}
}

// deleteSub forgets key k; under g.mu.
func (g *GGSN) deleteSub(k subscriberKey) {
	if k.other == "" {
		g.bySub.Delete(k.word())
	} else {
		delete(g.byOther, k)
	}
}

// Warms says whether the GGSN's hints do anything: only once it has held
// so many contexts at once that its tables outgrow the caches.
func (g *GGSN) Warms() bool { return g.warms.Load() }

// WarmSubscriber hints where the look-up of the context of the IMSI whose
// digits are value (digits of them, leading zeros counted) and NSAPI
// nsapi starts: what a Create or a Delete for it reads first of the
// GGSN's tables, and with a million contexts a miss of the caches. It
// only hints; an IMSI keyed otherwise is not hinted.
func (g *GGSN) WarmSubscriber(value uint64, digits int, nsapi uint8) {
	if digits < 1 || digits > 15 || !g.warms.Load() {
		return
	}
	g.mu.Lock()
	g.bySub.Warm(digitsWord(value, digits, nsapi))
	g.mu.Unlock()
}

// digitsWord is keyOf(imsi, nsapi).word() of the IMSI of digits digits
// whose value is value, without writing it out.
func digitsWord(value uint64, digits int, nsapi uint8) uint64 {
	return subscriberKey{imsi: value<<4 | uint64(digits), nsapi: nsapi}.word()
}

// WarmContext hints where the look-up of the context with control TEID
// teid starts: what a Delete of it reads first. It only hints.
func (g *GGSN) WarmContext(teid uint32) {
	if !g.warms.Load() {
		return
	}
	g.mu.Lock()
	g.byTEID.Warm(uint64(teid))
	g.mu.Unlock()
}

// WarmRecord hints the context with control TEID teid itself, what a
// Delete of it reads after its slot in the table of TEIDs: a stage after
// WarmContext(teid), whose line it reads. It only hints.
func (g *GGSN) WarmRecord(teid uint32) {
	if !g.warms.Load() {
		return
	}
	g.mu.Lock()
	if slot, ok := g.byTEID.Get(uint64(teid)); ok {
		prefetch.Line(unsafe.Pointer(g.rec(slot)))
	}
	g.mu.Unlock()
}

// teidData marks our user-plane TEID: the control TEID with the top bit set,
// so both are unique and never 0.
const teidData = 1 << 31

// maxAPNs is how many APNs a GGSN serves at most: a context's record
// holds its pool's index in 16 bits.
const maxAPNs = 1<<16 - 1

// New checks cfg and returns a GGSN with no contexts.
func New(cfg Config) (*GGSN, error) {
	if len(cfg.APNs) == 0 {
		cfg.APNs = DefaultAPNs()
	}
	if !cfg.ControlAddr.IsValid() {
		cfg.ControlAddr = netip.MustParseAddr("127.0.0.1")
	}
	if !cfg.UserAddr.IsValid() {
		cfg.UserAddr = cfg.ControlAddr
	}
	if cfg.Lanes < 1 {
		cfg.Lanes = 1
	}
	if cfg.Lane < 0 || cfg.Lane >= cfg.Lanes || cfg.Lanes > 1024 {
		return nil, fmt.Errorf("ggsn: lane %d of %d: want 0 to %d, and at most 1024 lanes", cfg.Lane, cfg.Lanes, cfg.Lanes-1)
	}
	g := &GGSN{
		lane: uint32(cfg.Lane), step: uint32(cfg.Lanes), nextTEID: uint32(cfg.Lane), nextCID: uint32(cfg.Lane),
		control: cfg.ControlAddr.Unmap(),
		user:    cfg.UserAddr.Unmap(),
		apns:    make(map[string]*pool),
		byOther: make(map[subscriberKey]uint32),
		wide:    make(map[int32]*PDPContext),
	}
	if len(cfg.APNs) > maxAPNs {
		return nil, fmt.Errorf("ggsn: %d APNs configured, at most %d", len(cfg.APNs), maxAPNs)
	}
	var pools []*pool
	for i, a := range cfg.APNs {
		if err := validAPNName(a.Name); err != nil {
			return nil, fmt.Errorf("ggsn: APN %d %q: %w", i, a.Name, err)
		}
		key := strings.ToLower(a.Name)
		if _, dup := g.apns[key]; dup {
			return nil, fmt.Errorf("ggsn: APN %q configured twice (names are case-insensitive)", a.Name)
		}
		p, err := newPool(a, uint32(cfg.Lane), uint32(cfg.Lanes))
		if err != nil {
			return nil, fmt.Errorf("ggsn: APN %q: %w", a.Name, err)
		}
		for _, q := range pools {
			if q.prefix.Overlaps(p.prefix) {
				return nil, fmt.Errorf("ggsn: APN %q: pool %v overlaps pool %v of APN %q", a.Name, p.prefix, q.prefix, q.apn)
			}
		}
		p.index = len(pools)
		pools = append(pools, p)
		g.apns[key] = p
	}
	g.pools = pools
	return g, nil
}

// validAPNName checks an APN Network Identifier (TS 23.003 9.1.1): labels of
// letters, digits and hyphens, at most 63 octets total.
func validAPNName(name string) error {
	if name == "" {
		return errors.New("empty name")
	}
	if len(name) > 63 {
		return errors.New("longer than 63 characters")
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" {
			return errors.New("empty label")
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("character %q not allowed", c)
			}
		}
	}
	return nil
}

// pool hands out the host addresses of an IPv4 prefix: never-used ones in
// order, then released ones first-released-first, so a released address is
// reused as late as possible.
type pool struct {
	index  int // in GGSN.pools
	apn    string
	prefix netip.Prefix
	first  uint32 // first host address
	size   uint32 // number of host addresses
	start  uint32 // the lane's first offset
	step   uint32 // the lane's offsets are start, start+step, ...
	next   uint32 // offset of the first never-used address
	free   []uint32
	head   int // free[head:] are the released offsets waiting
}

func newPool(a APN, lane, lanes uint32) (*pool, error) {
	p := a.Pool
	switch {
	case !p.IsValid():
		return nil, errors.New("no pool")
	case !p.Addr().Is4():
		return nil, fmt.Errorf("pool %v: only IPv4 pools are supported", p)
	case p.Masked() != p:
		return nil, fmt.Errorf("pool %v: host bits set, did you mean %v?", p, p.Masked())
	case p.Bits() > 30:
		return nil, fmt.Errorf("pool %v: fewer than 2 host addresses", p)
	}
	b := p.Addr().As4()
	base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	size := uint32(1)<<(32-p.Bits()) - 2 // the network and broadcast addresses skipped
	if lane >= size {
		return nil, fmt.Errorf("pool %v: %d host addresses, too few for lane %d of %d", p, size, lane, lanes)
	}
	return &pool{apn: a.Name, prefix: p, first: base + 1, size: size, start: lane, step: lanes, next: lane}, nil
}

// allocate hands out an address: its offset from the pool's first.
func (p *pool) allocate() (uint32, bool) {
	var off uint32
	switch {
	case p.next < p.size:
		off = p.next
		p.next += p.step
	case p.head < len(p.free):
		off = p.free[p.head]
		p.head++
		if p.head > 1024 && p.head*2 > len(p.free) {
			p.free = append(p.free[:0], p.free[p.head:]...)
			p.head = 0
		}
	default:
		return 0, false
	}
	return off, true
}

// addr is the address at offset off.
func (p *pool) addr(off uint32) netip.Addr { return ip4(p.first + off) }

func ip4(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func (p *pool) release(off uint32) { p.free = append(p.free, off) }

func (p *pool) inUse() int {
	return int((min(p.next, p.size)-p.start+p.step-1)/p.step) - (len(p.free) - p.head)
}

// capacity is the number of addresses the pool hands out (the lane's share).
func (p *pool) capacity() int { return int((p.size - p.start + p.step - 1) / p.step) }

// CreatePDPContext decides on a Create PDP Context Request: 219 for an APN
// not served, 220 for a PDP type other than IPv4, 211 when the APN's pool
// is exhausted, else 128 with an address and our TEIDs. A request for an
// IMSI and NSAPI that already have a context replaces it (TS 29.060 7.3.1).
func (g *GGSN) CreatePDPContext(peer netip.AddrPort, req *gtpc.CreatePDPContextRequest) *gtpc.CreatePDPContextResponse {
	res := new(gtpc.CreatePDPContextResponse)
	g.CreatePDPContextInto(peer, req, res)
	return res
}

// CreatePDPContextInto is CreatePDPContext answering into res, for callers
// that keep their responses (the in-process transport).
func (g *GGSN) CreatePDPContextInto(peer netip.AddrPort, req *gtpc.CreatePDPContextRequest, res *gtpc.CreatePDPContextResponse) {
	*res = gtpc.CreatePDPContextResponse{TEID: req.TEIDControl}
	p := g.apn(req.APN) // read-only after New
	if p == nil {
		res.Cause = gtpc.CauseMissingOrUnknownAPN
		return
	}
	if req.PDPType != 0 && req.PDPType != gtpc.PDPTypeIPv4 {
		res.Cause = gtpc.CauseUnknownPDPAddressOrType
		return
	}
	sub := keyOf(req.IMSI, req.NSAPI)

	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.sub(sub); ok {
		g.release(old)
	}
	off, ok := p.allocate()
	if !ok {
		res.Cause = gtpc.CauseAllDynamicAddressesOccupied
		return
	}
	teid := g.allocateTEID()
	if g.nextCID += g.step; g.nextCID < g.step { // wrapped
		if g.nextCID = g.lane; g.nextCID == 0 {
			g.nextCID = g.step
		}
	}
	var slot int32
	if n := len(g.freeCtxs); n > 0 {
		slot = g.freeCtxs[n-1]
		g.freeCtxs = g.freeCtxs[:n-1]
	} else {
		slot = g.nCtxs
		if g.nCtxs++; g.nCtxs == warmFrom {
			g.warms.Store(true)
		}
		if int(slot>>ctxChunkBits) == len(g.ctxs) {
			g.ctxs = append(g.ctxs, make([]record, ctxChunk))
			g.msisdns = append(g.msisdns, make([]string, ctxChunk))
		}
	}
	addr := p.addr(off)
	*g.msisdn(slot) = req.MSISDN
	c := g.rec(slot)
	if !c.pack(sub, req, peer, p.index, off, teid, g.nextCID) {
		g.wide[slot] = &PDPContext{
			IMSI: req.IMSI, MSISDN: req.MSISDN, APN: p.apn, NSAPI: req.NSAPI,
			Address: addr, TEIDControl: teid, TEIDData: teid | teidData, ChargingID: g.nextCID,
			RATType: req.RATType, SGSN: peer,
			SGSNTEIDControl: req.TEIDControl, SGSNTEIDData: req.TEIDData,
			SGSNControlAddr: req.SGSNControlAddr, SGSNUserAddr: req.SGSNUserAddr,
		}
	}
	g.byTEID.Set(uint64(teid), slot)
	g.setSub(sub, teid)
	if !g.teidsWrapped && g.nCtxs >= warmFrom {
		// The next Create's TEID is known: its slot, a miss of the caches
		// with a million contexts, loads while the caller goes on.
		g.byTEID.Warm(uint64(g.nextTEID + g.step))
	}

	res.Cause = gtpc.CauseRequestAccepted
	res.TEIDControl = teid
	res.TEIDData = teid | teidData
	res.ChargingID = g.nextCID
	res.EndUserAddress = addr
	res.GGSNControlAddr = g.control
	res.GGSNUserAddr = g.user
	res.QoSProfile = req.QoSProfile // accepted as asked
}

// record is a PDP context as the GGSN keeps it: one cache line, and no
// pointers for the collector to follow. A million devices hold about
// 200,000 contexts at once; a Create writes one line of them and a
// Delete reads and clears it, where the context spelt out (PDPContext)
// is four lines, and the collector's work besides. A context a record
// cannot hold (an IMSI that is not digits, an address that is not IPv4)
// is kept whole in GGSN.wide, and its record says so. The MSISDN is kept
// beside it, as the request spelt it (GGSN.msisdns): its bytes are the
// subscriber's, out of the caches, and reading them cost as much as the
// record saves. A chunk of records is a large allocation, page-aligned,
// so each record is exactly one line.
type record struct {
	imsi       uint64 // subscriberKey.imsi (0 for an empty IMSI)
	teid       uint32 // control TEID (ours)
	sgsnTEIDC  uint32
	sgsnTEIDD  uint32
	cid        uint32 // charging id
	addr       uint32 // the End User Address's offset in its pool
	peer       uint32 // where the Create came from: its IPv4 address (its port below)
	ctl, user  uint32 // the SGSN's control and user plane IPv4 addresses
	port       uint16
	nsapi, rat uint8
	pool       uint16 // index in GGSN.pools
	wide       bool   // the context is in GGSN.wide; only teid, pool and addr here count
	_          [17]byte
}

// pack writes the context into r, which it holds in full if it reports
// true; else only what a release reads (wide).
func (r *record) pack(k subscriberKey, req *gtpc.CreatePDPContextRequest, peer netip.AddrPort, pool int, off, teid, cid uint32) bool {
	if k.other != "" || !peer.Addr().Is4() || !req.SGSNControlAddr.Is4() || !req.SGSNUserAddr.Is4() {
		*r = record{teid: teid, pool: uint16(pool), addr: off, wide: true}
		return false
	}
	*r = record{
		imsi: k.imsi, teid: teid, sgsnTEIDC: req.TEIDControl, sgsnTEIDD: req.TEIDData,
		cid: cid, addr: off, peer: v4(peer.Addr()), ctl: v4(req.SGSNControlAddr), user: v4(req.SGSNUserAddr),
		port: peer.Port(), nsapi: k.nsapi, rat: uint8(req.RATType), pool: uint16(pool),
	}
	return true
}

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// spell writes out n digits of v, leading zeros included.
func spell(v uint64, n int) string {
	var b [20]byte
	for i := n - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:n])
}

// context is the context in slot, spelt out; under g.mu.
func (g *GGSN) context(slot int32) PDPContext {
	r := g.rec(slot)
	if r.wide {
		return *g.wide[slot]
	}
	p := g.pools[r.pool]
	c := PDPContext{
		IMSI: spell(r.imsi>>4, int(r.imsi&15)), APN: p.apn, NSAPI: r.nsapi,
		Address: p.addr(r.addr), TEIDControl: r.teid, TEIDData: r.teid | teidData, ChargingID: r.cid,
		RATType: gtpc.RATType(r.rat), SGSN: netip.AddrPortFrom(ip4(r.peer), r.port),
		SGSNTEIDControl: r.sgsnTEIDC, SGSNTEIDData: r.sgsnTEIDD,
		SGSNControlAddr: ip4(r.ctl), SGSNUserAddr: ip4(r.user),
	}
	c.MSISDN = *g.msisdn(slot)
	return c
}

// peerOf is where the Create of the context in slot came from; under g.mu.
func (g *GGSN) peerOf(slot int32) netip.AddrPort {
	if r := g.rec(slot); !r.wide {
		return netip.AddrPortFrom(ip4(r.peer), r.port)
	}
	return g.wide[slot].SGSN
}

// The contexts are kept in chunks, so that a million devices' contexts
// are never copied to grow, nor held twice while they do.
const (
	ctxChunkBits = 12
	ctxChunk     = 1 << ctxChunkBits
)

// msisdn is the MSISDN of the context in slot; under g.mu.
func (g *GGSN) msisdn(slot int32) *string { return &g.msisdns[slot>>ctxChunkBits][slot&(ctxChunk-1)] }

// rec is the record in slot; under g.mu.
func (g *GGSN) rec(slot int32) *record { return &g.ctxs[slot>>ctxChunkBits][slot&(ctxChunk-1)] }

// apn is the pool of the APN named name, in any case; nil if none.
func (g *GGSN) apn(name string) *pool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 'A' && c <= 'Z' {
			return g.apns[strings.ToLower(name)]
		}
	}
	return g.apns[name]
}

// allocateTEID returns the next free control TEID in 1..2^31-1 (of the
// lane's, in a GGSN of several lanes). Called with g.mu held.
func (g *GGSN) allocateTEID() uint32 {
	for {
		if g.nextTEID += g.step; g.nextTEID >= teidData {
			g.nextTEID = g.lane
			g.teidsWrapped = true
			continue
		}
		if g.nextTEID == 0 {
			continue
		}
		// Until the counter first wraps, no TEID at or above it was ever
		// handed out: only then can one be busy (a look-up that, with a
		// million contexts, misses the caches).
		if !g.teidsWrapped {
			return g.nextTEID
		}
		if _, busy := g.byTEID.Get(uint64(g.nextTEID)); !busy {
			return g.nextTEID
		}
	}
}

// release drops a context and returns its address to the pool, and the
// SGSN's control TEID of it. Called with g.mu held.
func (g *GGSN) release(teid uint32) (sgsnTEID uint32, ok bool) {
	slot, ok := g.byTEID.Delete(uint64(teid))
	if !ok {
		return 0, false
	}
	r := g.rec(slot)
	g.pools[r.pool].release(r.addr)
	if r.wide {
		c := g.wide[slot]
		delete(g.wide, slot)
		g.deleteSub(keyOf(c.IMSI, c.NSAPI))
		sgsnTEID = c.SGSNTEIDControl
	} else {
		g.bySub.Delete(subscriberKey{imsi: r.imsi, nsapi: r.nsapi}.word())
		sgsnTEID = r.sgsnTEIDC
	}
	*r = record{}
	*g.msisdn(slot) = ""
	g.freeCtxs = append(g.freeCtxs, slot)
	return sgsnTEID, true
}

// DeletePDPContext releases the context whose control TEID is req.TEID: 128,
// or 210 if there is none.
func (g *GGSN) DeletePDPContext(peer netip.AddrPort, req *gtpc.DeletePDPContextRequest) *gtpc.DeletePDPContextResponse {
	res := new(gtpc.DeletePDPContextResponse)
	g.DeletePDPContextInto(peer, req, res)
	return res
}

// DeletePDPContextInto is DeletePDPContext answering into res.
func (g *GGSN) DeletePDPContextInto(peer netip.AddrPort, req *gtpc.DeletePDPContextRequest, res *gtpc.DeletePDPContextResponse) {
	g.mu.Lock()
	t, ok := g.release(req.TEID)
	g.mu.Unlock()
	if !ok {
		*res = gtpc.DeletePDPContextResponse{Cause: gtpc.CauseContextNotFound}
		return
	}
	*res = gtpc.DeletePDPContextResponse{TEID: t, Cause: gtpc.CauseRequestAccepted}
}

// ReleasePeer releases every context created by peer, e.g. when it
// restarted, and returns how many there were.
func (g *GGSN) ReleasePeer(peer netip.AddrPort) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	var teids []uint32
	g.byTEID.All(func(t uint64, slot int32) bool {
		if g.peerOf(slot) == peer {
			teids = append(teids, uint32(t))
		}
		return true
	})
	slices.Sort(teids) // release order decides reuse order: keep it deterministic
	for _, t := range teids {
		g.release(t)
	}
	return len(teids)
}

// Active is the number of active PDP contexts.
func (g *GGSN) Active() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byTEID.Len()
}

// Context returns a copy of the context with control TEID teid.
func (g *GGSN) Context(teid uint32) (PDPContext, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	slot, ok := g.byTEID.Get(uint64(teid))
	if !ok {
		return PDPContext{}, false
	}
	return g.context(slot), true
}

// Contexts returns copies of the active contexts, by control TEID.
func (g *GGSN) Contexts() []PDPContext {
	g.mu.Lock()
	out := make([]PDPContext, 0, g.byTEID.Len())
	g.byTEID.All(func(_ uint64, slot int32) bool {
		out = append(out, g.context(slot))
		return true
	})
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b PDPContext) int { return int(int64(a.TEIDControl) - int64(b.TEIDControl)) })
	return out
}

// PoolUsage is how many addresses of an APN's pool are in use.
type PoolUsage struct {
	APN      string
	Pool     netip.Prefix
	InUse    int
	Capacity int
}

// Pools reports the use of each APN's pool, in configuration order.
func (g *GGSN) Pools() []PoolUsage {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]PoolUsage, 0, len(g.pools))
	for _, p := range g.pools {
		out = append(out, PoolUsage{APN: p.apn, Pool: p.prefix, InUse: p.inUse(), Capacity: p.capacity()})
	}
	return out
}

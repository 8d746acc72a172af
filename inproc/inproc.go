// Package inproc is core-sim's in-process transport: the serving nodes'
// requests reach the HLR's and the GGSN's decision cores as Go values,
// handed between the elements without encoding, and the HLR's Cancel
// Location reaches the old node the same way. The decisions are the same
// code as on the wire (packages hlr and ggsn), so a scenario gives the same
// events on both transports; only the bytes and the sockets are gone.
//
// It is the transport for load runs that need more events per second than
// sockets allow. It is not a protocol stack: packages diameter, s6a and
// gtpc are the wire.
package inproc

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/core-sim/core-sim/ggsn"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/hlr"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/sgsn"
)

// HLR hands S6a/S6d requests to an HLR core and its Cancel Location
// requests to the serving node they are for.
type HLR struct {
	core    *hlr.HLR
	mu      sync.RWMutex
	nodes   map[string]sgsn.ServingNode // by Origin-Host
	session atomic.Uint64
}

// NewHLR wraps an HLR core.
func NewHLR(core *hlr.HLR) *HLR {
	return &HLR{core: core, nodes: map[string]sgsn.ServingNode{}}
}

// Connect is an sgsn.DialHSS: it registers the node under its Origin-Host,
// as a Diameter peer's capabilities exchange would.
func (h *HLR) Connect(_ context.Context, id sgsn.Identity, node sgsn.ServingNode) (sgsn.HSS, io.Closer, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.nodes[id.Diameter.Host]; ok {
		return nil, nil, fmt.Errorf("inproc: a node named %s is already connected", id.Diameter.Host)
	}
	h.nodes[id.Diameter.Host] = node
	return h, closer(func() error {
		h.mu.Lock()
		delete(h.nodes, id.Diameter.Host)
		h.mu.Unlock()
		return nil
	}), nil
}

type closer func() error

func (c closer) Close() error { return c() }

// UpdateLocation decides a ULR. As on the wire, the old node gets its
// Cancel Location (and answers it) before the new node gets the answer.
func (h *HLR) UpdateLocation(ctx context.Context, req *s6a.UpdateLocationRequest) (*s6a.UpdateLocationAnswer, error) {
	ans, clr := h.core.UpdateLocation(req)
	if clr != nil {
		h.mu.RLock()
		node := h.nodes[clr.DestinationHost]
		h.mu.RUnlock()
		if node != nil {
			if clr.SessionID == "" {
				clr.SessionID = fmt.Sprintf("%s;0;%d;clr", clr.Origin.Host, h.session.Add(1))
			}
			node.CancelLocation(ctx, clr)
		}
	}
	return ans, nil
}

// PurgeUE decides a PUR.
func (h *HLR) PurgeUE(_ context.Context, req *s6a.PurgeUERequest) (*s6a.PurgeUEAnswer, error) {
	return h.core.PurgeUE(req), nil
}

// The in-process GGSN takes the SGSN's hints.
var _ sgsn.GnWarmer = (*GGSN)(nil)

// GGSN hands Gn requests to a GGSN core.
type GGSN struct {
	core *ggsn.GGSN
	peer netip.AddrPort // the SGSN as the GGSN sees it
}

// NewGGSN wraps a GGSN core; sgsn is the address the SGSN would send from.
func NewGGSN(core *ggsn.GGSN, sgsn netip.AddrPort) *GGSN { return &GGSN{core: core, peer: sgsn} }

// CreatePDPContext decides a Create PDP Context Request.
func (g *GGSN) CreatePDPContext(_ context.Context, _ netip.AddrPort, req *gtpc.CreatePDPContextRequest) (*gtpc.CreatePDPContextResponse, error) {
	return g.core.CreatePDPContext(g.peer, req), nil
}

// DeletePDPContext decides a Delete PDP Context Request.
func (g *GGSN) DeletePDPContext(_ context.Context, _ netip.AddrPort, req *gtpc.DeletePDPContextRequest) (*gtpc.DeletePDPContextResponse, error) {
	return g.core.DeletePDPContext(g.peer, req), nil
}

// CreatePDPContextInto decides a Create PDP Context Request into res
// (sgsn.GnInto): the node reuses both.
func (g *GGSN) CreatePDPContextInto(_ context.Context, _ netip.AddrPort, req *gtpc.CreatePDPContextRequest, res *gtpc.CreatePDPContextResponse) error {
	g.core.CreatePDPContextInto(g.peer, req, res)
	return nil
}

// Warms says whether the GGSN's hints do anything (sgsn.GnWarmer).
func (g *GGSN) Warms() bool { return g.core.Warms() }

// WarmSubscriber hints the GGSN's look-up of an IMSI's context
// (sgsn.GnWarmer).
func (g *GGSN) WarmSubscriber(value uint64, digits int, nsapi uint8) {
	g.core.WarmSubscriber(value, digits, nsapi)
}

// WarmContext hints the GGSN's look-up of a context by its control TEID
// (sgsn.GnWarmer).
func (g *GGSN) WarmContext(teid uint32) { g.core.WarmContext(teid) }

// WarmRecord hints the context with control TEID teid itself, a stage
// after WarmContext (sgsn.GnWarmer).
func (g *GGSN) WarmRecord(teid uint32) { g.core.WarmRecord(teid) }

// DeletePDPContextInto decides a Delete PDP Context Request into res.
func (g *GGSN) DeletePDPContextInto(_ context.Context, _ netip.AddrPort, req *gtpc.DeletePDPContextRequest, res *gtpc.DeletePDPContextResponse) error {
	g.core.DeletePDPContextInto(g.peer, req, res)
	return nil
}

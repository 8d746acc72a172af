package sgsn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/world"
)

// DialHSS connects a node to the HLR. The node answers the HLR's requests
// (Cancel Location) on that connection.
type DialHSS func(ctx context.Context, id Identity, node ServingNode) (HSS, io.Closer, error)

// ServingNode is what a node offers the HLR: it answers Cancel Location.
type ServingNode interface {
	CancelLocation(ctx context.Context, clr *s6a.CancelLocationRequest) *s6a.CancelLocationAnswer
}

// Options configure a Network.
type Options struct {
	World    *world.World
	HLRRealm string
	GTPAddr  netip.Addr     // the SGSN's own GTP address, put in the GSN Address IEs
	GGSN     netip.AddrPort // where Create PDP Context goes
	Gn       Gn
	DialHSS  DialHSS
	Platform *platform.Platform
	Logger   *zap.Logger
	// Latency, if set, is told how long each request to the HLR (iface
	// "s6a" or "s6d") and to the GGSN ("gn") took: the --metrics histograms.
	Latency func(iface, request string, d time.Duration)
	// Trace, if its Recorder is set, records the nodes' messages.
	Trace TraceOptions
	// Lane and Lanes, when Lanes > 1, make the network lane Lane of a run
	// in Lanes processes (core-sim run --procs): its Session-Ids, TEIDs and
	// PDP context ids are those equal to Lane+1 modulo Lanes, so that the
	// lanes' never collide in the merged stream.
	Lane, Lanes int
}

// Network is the set of visited networks' serving nodes, one per operator,
// created when a device first needs it. Their GTP side is shared.
type Network struct {
	opts Options
	ids  counters

	mu      sync.Mutex
	nodes   map[string]*Node
	closers []io.Closer
}

// NewNetwork makes an empty network.
func NewNetwork(o Options) *Network {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	nw := &Network{opts: o, nodes: map[string]*Node{}}
	if o.Lanes > 1 {
		nw.ids.lane, nw.ids.step = uint64(o.Lane), uint64(o.Lanes)
	}
	return nw
}

// UsageOn says whether the run makes usage records.
func (nw *Network) UsageOn() bool {
	p := nw.opts.Platform
	return p != nil && p.Stream != nil && p.UsageOn()
}

// Node returns the serving node of the operator with this PLMN, connecting
// it to the HLR on first use.
func (nw *Network) Node(ctx context.Context, plmn string) (*Node, error) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if n, ok := nw.nodes[plmn]; ok {
		return n, nil
	}
	op, ok := nw.opts.World.Operator(plmn)
	if !ok {
		return nil, fmt.Errorf("sgsn: no operator with PLMN %s in the world", plmn)
	}
	c, _ := nw.opts.World.Country(op.MCC)
	n := &Node{
		Operator: op,
		ID:       NewIdentity(op, c, nw.opts.HLRRealm, nw.opts.GTPAddr),
		GGSN:     nw.opts.GGSN,
		gn:       nw.opts.Gn,
		latency:  nw.opts.Latency,
		plat:     nw.opts.Platform,
		ids:      &nw.ids,
	}
	n.log = nw.opts.Logger.With(zap.String("node", n.ID.Diameter.Host))
	n.evOp = nw.opts.Platform.Operator(op)
	n.gtpIP = n.ID.GTP.String()
	n.pdp = nw.opts.Platform.PDPNode(op, events.PDPContext{GTPVersion: 1, MCC: op.MCC, MNC: op.MNC,
		SGSNControlPlaneIPAddress: n.gtpIP, SGSNDataPlaneIPAddress: n.gtpIP})
	hss, closer, err := nw.opts.DialHSS(ctx, n.ID, n)
	if err != nil {
		return nil, fmt.Errorf("sgsn: connecting %s (%s) to the HLR: %w", op.Name, plmn, err)
	}
	n.hss = hss
	if nw.opts.Trace.Recorder != nil {
		n.tr = newTracer(n, nw.opts.Trace, len(nw.nodes)+1)
		n.hss = tracedHSS{HSS: hss, t: n.tr}
		n.gn = tracedGn{Gn: n.gn, t: n.tr}
	}
	n.into, _ = n.gn.(GnInto)
	n.gw, _ = n.gn.(GnWarmer)
	nw.nodes[plmn] = n
	nw.closers = append(nw.closers, closer)
	n.log.Info("serving node up", zap.String("operator", op.Name), zap.String("plmn", plmn), zap.String("number", n.ID.Number))
	return n, nil
}

// EchoGGSN checks the path to the GGSN with a GTP Echo and returns its
// Recovery (restart counter).
func (nw *Network) EchoGGSN(ctx context.Context) (uint8, error) {
	e, ok := nw.opts.Gn.(interface {
		Echo(ctx context.Context, peer netip.AddrPort) (uint8, error)
	})
	if !ok {
		return 0, nil // a transport without Echo has no path to check
	}
	rec, err := e.Echo(ctx, nw.opts.GGSN)
	if err == nil {
		nw.opts.Logger.Info("GGSN answers Echo", zap.Stringer("ggsn", nw.opts.GGSN), zap.Uint8("recovery", rec))
	}
	return rec, err
}

// Close disconnects every node from the HLR.
func (nw *Network) Close() error {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	var errs []error
	for _, c := range nw.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	nw.closers = nil
	return errors.Join(errs...)
}

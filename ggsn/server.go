package ggsn

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/gtpc"
)

// Options of Start.
type Options struct {
	// Listen is the UDP address of GTP-C, e.g. "127.0.0.1:2123". The CLI
	// decides the default.
	Listen string
	// Config of the GGSN. A zero ControlAddr becomes the listen IP (or
	// 127.0.0.1 when listening on all addresses).
	Config Config
	// Logger; nil logs nothing. Each Create and Delete is logged at debug.
	Logger *zap.Logger
	// Recovery is our restart counter (TS 29.060 7.7.11).
	Recovery uint8
	// Endpoint tunes the socket (T3Response, N3Requests, Workers, ...);
	// its Handler, Logger, Recovery and OnPeerRestart are set by Start.
	Endpoint gtpc.Config
}

// Server is a GGSN serving GTP-C on a UDP socket.
type Server struct {
	ggsn      *GGSN
	ep        *gtpc.Endpoint
	log       *zap.Logger
	stop      func() bool
	closeOnce sync.Once
	err       error
}

// Start builds the GGSN and serves it on opts.Listen until Close or until
// ctx is done. When an SGSN's Recovery changes, its contexts are released.
func Start(ctx context.Context, opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	cfg := opts.Config
	if !cfg.ControlAddr.IsValid() {
		cfg.ControlAddr = netip.MustParseAddr("127.0.0.1")
		if host, _, err := net.SplitHostPort(opts.Listen); err == nil {
			if a, err := netip.ParseAddr(host); err == nil && !a.IsUnspecified() {
				cfg.ControlAddr = a
			}
		}
	}
	g, err := New(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{ggsn: g, log: log}
	ec := opts.Endpoint
	ec.Handler = loggingHandler{g: g, log: log}
	ec.Logger = log
	ec.Recovery = opts.Recovery
	// The GGSN answers from memory and never blocks: requests are handled
	// on the reading goroutine, without a hand-off to a worker.
	ec.Inline = true
	ec.OnPeerRestart = func(peer netip.AddrPort, recovery uint8) {
		n := g.ReleasePeer(peer)
		log.Info("SGSN restarted, its PDP contexts released", zap.Stringer("sgsn", peer),
			zap.Uint8("recovery", recovery), zap.Int("released", n))
	}
	ep, err := gtpc.Listen(opts.Listen, ec)
	if err != nil {
		return nil, fmt.Errorf("ggsn: %w", err)
	}
	s.ep = ep
	s.stop = context.AfterFunc(ctx, func() { s.Close() })
	log.Info("GGSN started", zap.Stringer("gtpc", ep.LocalAddr()), zap.Stringer("control", g.control),
		zap.Stringer("user", g.user), zap.Uint8("recovery", opts.Recovery))
	return s, nil
}

// Addr is the GTP-C address served.
func (s *Server) Addr() netip.AddrPort { return s.ep.LocalAddr() }

// GGSN is the decision core, to inspect contexts.
func (s *Server) GGSN() *GGSN { return s.ggsn }

// Stats are the GTP-C endpoint's counters.
func (s *Server) Stats() gtpc.Stats { return s.ep.Stats() }

// Close stops serving.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		s.err = s.ep.Close()
		s.log.Info("GGSN stopped", zap.Int("active", s.ggsn.Active()))
	})
	return s.err
}

// loggingHandler logs each decision of the GGSN at debug level.
type loggingHandler struct {
	g   *GGSN
	log *zap.Logger
}

func (h loggingHandler) CreatePDPContext(peer netip.AddrPort, req *gtpc.CreatePDPContextRequest) *gtpc.CreatePDPContextResponse {
	res := h.g.CreatePDPContext(peer, req)
	if ce := h.log.Check(zap.DebugLevel, "create PDP context"); ce != nil {
		ce.Write(zap.Stringer("sgsn", peer), zap.String("imsi", req.IMSI), zap.String("apn", req.APN),
			zap.Uint8("nsapi", req.NSAPI), zap.Stringer("cause", res.Cause), zap.Stringer("ip", res.EndUserAddress),
			zap.Uint32("teid_c", res.TEIDControl), zap.Uint32("teid_u", res.TEIDData),
			zap.Uint32("sgsn_teid_c", req.TEIDControl), zap.Uint32("sgsn_teid_u", req.TEIDData))
	}
	return res
}

func (h loggingHandler) DeletePDPContext(peer netip.AddrPort, req *gtpc.DeletePDPContextRequest) *gtpc.DeletePDPContextResponse {
	var c PDPContext
	if ce := h.log.Check(zap.DebugLevel, "delete PDP context"); ce != nil {
		c, _ = h.g.Context(req.TEID) // looked up before it goes
		res := h.g.DeletePDPContext(peer, req)
		ce.Write(zap.Stringer("sgsn", peer), zap.String("imsi", c.IMSI), zap.String("apn", c.APN),
			zap.Stringer("cause", res.Cause), zap.Stringer("ip", c.Address),
			zap.Uint32("teid_c", req.TEID), zap.Uint32("teid_u", c.TEIDData))
		return res
	}
	return h.g.DeletePDPContext(peer, req)
}

package hlr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/core-sim/core-sim/diameter"
	"github.com/core-sim/core-sim/s6a"
	"go.uber.org/zap"
)

// Options configure Start.
type Options struct {
	Listen    string // e.g. "127.0.0.1:3868"
	Transport string // "tcp", "sctp" or "auto" (default)
	Host      string // Origin-Host
	Realm     string // Origin-Realm
	Store     *Store
	Logger    *zap.Logger // nil: no logging

	// CancelInBackground sends Cancel Location without holding up the ULA.
	// By default the HLR waits for the old node's CLA (or the request
	// timeout) before it answers the new node, so that the old node has
	// dropped the subscriber before the new one serves it: a run is then
	// reproducible, whatever the scheduling of the two connections.
	CancelInBackground bool

	// Optional; zero values take the diameter package's defaults.
	WatchdogInterval time.Duration
	RequestTimeout   time.Duration // also bounds each Cancel Location
}

// Stats count what the HLR decided and sent.
type Stats struct {
	Diameter        diameter.Stats
	ULR             uint64 // Update Location requests decided
	ULRAccepted     uint64
	PUR             uint64
	Malformed       uint64 // requests rejected for a missing or invalid AVP
	CLRSent         uint64 // Cancel Location requests sent
	CLRAnswered     uint64 // ... answered with success
	CLRFailed       uint64 // ... failed or answered with an error
	CLRNotConnected uint64 // old node not connected: no CLR sent
}

// Server is the HLR on the network: diameter.Listen + s6a.ServerHandler +
// the HLR core. Cancel Location requests go out asynchronously, so that
// the ULA never waits for the old node.
type Server struct {
	core       *HLR
	srv        *diameter.Server
	log        *zap.Logger
	timeout    time.Duration
	ctx        context.Context
	cancel     context.CancelFunc
	clrs       sync.WaitGroup
	once       sync.Once
	mu         sync.Mutex // orders clrs.Add before clrs.Wait
	closed     bool
	background bool

	ulr, ulrOK, pur, malformed              atomic.Uint64
	clrSent, clrOK, clrFailed, clrNoConnect atomic.Uint64
}

// Start listens and serves until Close or until ctx is done.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("hlr: Options.Store is nil")
	}
	if o.Transport == "" {
		o.Transport = "auto"
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 5 * time.Second
	}
	s := &Server{
		core:    New(o.Store, s6a.Peer{Host: o.Host, Realm: o.Realm}),
		log:     o.Logger,
		timeout: o.RequestTimeout,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	cfg := diameter.Config{
		Host: o.Host, Realm: o.Realm, ProductName: "core-sim HLR",
		WatchdogInterval: o.WatchdogInterval, RequestTimeout: o.RequestTimeout, Logger: o.Logger,
		FrameHandler: s6a.ServerFrameHandler(hss{s}),
	}
	srv, err := diameter.Listen(o.Transport, o.Listen, cfg, s6a.ServerHandler(hss{s}))
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("hlr: %w", err)
	}
	s.srv = srv
	s.log.Info("HLR started", zap.String("addr", srv.Addr().String()), zap.String("transport", srv.Transport()),
		zap.String("host", o.Host), zap.Int("subscribers", o.Store.Len()))
	context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// Addr is the listening address.
func (s *Server) Addr() net.Addr { return s.srv.Addr() }

// HLR is the decision core (e.g. for Registration).
func (s *Server) HLR() *HLR { return s.core }

// Close disconnects every peer and waits for Cancel Location requests in
// flight.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		err = s.srv.Close()
		s.clrs.Wait()
	})
	return err
}

// Stats snapshots the counters.
func (s *Server) Stats() Stats {
	return Stats{
		Diameter: s.srv.Stats(), ULR: s.ulr.Load(), ULRAccepted: s.ulrOK.Load(), PUR: s.pur.Load(), Malformed: s.malformed.Load(),
		CLRSent: s.clrSent.Load(), CLRAnswered: s.clrOK.Load(), CLRFailed: s.clrFailed.Load(),
		CLRNotConnected: s.clrNoConnect.Load(),
	}
}

// hss adapts the Server to s6a.HSS.
type hss struct{ s *Server }

func (h hss) UpdateLocation(ctx context.Context, r *s6a.UpdateLocationRequest) *s6a.UpdateLocationAnswer {
	s := h.s
	ans, clr := s.core.UpdateLocation(r)
	s.ulr.Add(1)
	if ans.Result.OK() {
		s.ulrOK.Add(1)
	}
	if ce := s.log.Check(zap.DebugLevel, "ULR"); ce != nil {
		side := "S6d"
		if r.Flags.IsS6a() {
			side = "S6a"
		}
		ce.Write(zap.String("imsi", r.IMSI), zap.String("side", side), zap.Stringer("flags", r.Flags),
			zap.String("origin", r.Origin.Host), zap.Stringer("plmn", r.VisitedPLMN), zap.Stringer("rat", r.RATType),
			zap.Stringer("result", ans.Result), zap.String("reason", ans.ErrorMessage), zap.Bool("cancel_old_node", clr != nil))
	}
	if clr != nil {
		s.sendCLR(clr, !s.background)
	}
	return ans
}

func (h hss) Malformed(ctx context.Context, command uint32, err error) {
	h.s.malformed.Add(1)
	h.s.log.Debug("malformed request rejected", zap.Uint32("command", command), zap.Error(err))
}

func (h hss) PurgeUE(ctx context.Context, r *s6a.PurgeUERequest) *s6a.PurgeUEAnswer {
	s := h.s
	ans := s.core.PurgeUE(r)
	s.pur.Add(1)
	if ce := s.log.Check(zap.DebugLevel, "PUR"); ce != nil {
		ce.Write(zap.String("imsi", r.IMSI), zap.String("origin", r.Origin.Host), zap.Uint32("flags", uint32(r.Flags)),
			zap.Stringer("result", ans.Result), zap.Uint32("pua_flags", ans.PUAFlags))
	}
	return ans
}

// sendCLR sends a Cancel Location to the old node over the connection it
// opened; wait says whether to return only once it is answered.
func (s *Server) sendCLR(clr *s6a.CancelLocationRequest, wait bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.clrs.Add(1)
	s.mu.Unlock()
	send := func() {
		defer s.clrs.Done()
		log := s.log.With(zap.String("imsi", clr.IMSI), zap.String("node", clr.DestinationHost),
			zap.Uint32("cancellation_type", uint32(clr.CancellationType)))
		conn := s.srv.Conn(clr.DestinationHost)
		if conn == nil {
			s.clrNoConnect.Add(1)
			log.Warn("CLR not sent: old node not connected")
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
		defer cancel()
		s.clrSent.Add(1)
		cla, err := s6a.NewClient(conn).CancelLocation(ctx, clr)
		switch {
		case err != nil:
			s.clrFailed.Add(1)
			log.Warn("CLR failed", zap.Error(err))
		case !cla.Result.OK():
			s.clrFailed.Add(1)
			log.Warn("CLA rejected", zap.Stringer("result", cla.Result))
		default:
			s.clrOK.Add(1)
			log.Debug("CLA", zap.Stringer("result", cla.Result))
		}
	}
	if wait {
		send()
		return
	}
	go send()
}

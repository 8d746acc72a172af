package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"syscall"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/diameter"
	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/ggsn"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/hlr"
	"github.com/core-sim/core-sim/inproc"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/sgsn"
	"github.com/core-sim/core-sim/world"
)

// hlrStore is the scenario's subscribers as the HLR holds them; the
// platform's inventory reads the same ranges.
type hlrStore struct {
	*hlr.Store
	books []events.SubjectBook // by range, as Lookup and Locate number them
}

func newStore(sc *scenarios.Scenario) (*hlrStore, error) {
	subs := sc.Subscribers()
	ranges := make([]hlr.Range, len(subs))
	for i, s := range subs {
		r := hlr.Range{FirstIMSI: s.FirstIMSI, Count: s.Count, FirstMSISDN: s.FirstMSISDN, FirstICCID: s.FirstICCID,
			FirstIMEI: s.FirstIMEI, FirstEndpointID: s.FirstEndpointID, EndpointName: s.EndpointName, Enabled: s.Enabled,
			AllowedPLMNs: s.AllowedPLMNs, BlockedPLMNs: s.BlockedPLMNs, APNs: s.APNs}
		for _, rat := range s.RATs {
			if rat == world.GERAN {
				r.RATs = append(r.RATs, s6a.RATGERAN)
			} else {
				r.RATs = append(r.RATs, s6a.RATUTRAN)
			}
		}
		ranges[i] = r
	}
	st, err := hlr.NewStore(ranges)
	if err != nil {
		return nil, fmt.Errorf("%s: subscribers: %w", sc.File, err)
	}
	s := &hlrStore{Store: st, books: make([]events.SubjectBook, len(ranges))}
	for i, r := range ranges {
		s.books[i] = events.SubjectBook{FirstEndpointID: r.FirstEndpointID, FirstSIMID: r.FirstEndpointID,
			FirstIMSIID: imsiID(i, 0), FirstIMSI: r.FirstIMSI, FirstICCID: r.FirstICCID, FirstMSISDN: r.FirstMSISDN, FirstIMEI: r.FirstIMEI}
		if r.EndpointName != "" {
			s.books[i].Name = func(b []byte, index uint64) []byte { return st.AppendName(b, i, index) }
		}
	}
	return s, nil
}

// imsiID is the platform's id of the IMSI at index in range r: each IMSI
// of a SIM has its own.
func imsiID(r, index int) int64 { return int64(r)*1_000_000 + int64(index) + 1 }

// Book places imsi in its range's book (platform.Booker), for the compact
// PDP context events.
func (s *hlrStore) Book(imsi string) (*events.SubjectBook, uint64, bool) {
	r, i, _, ok := s.Store.Locate(imsi)
	if !ok {
		return nil, 0, false
	}
	return &s.books[r], uint64(i), true
}

// Lookup is the platform's view of a subscriber: the profiles of one SIM
// share its endpoint, SIM and MSISDN; each IMSI has its own id.
func (s *hlrStore) Lookup(imsi string) (platform.Subscription, bool) {
	sub, ok := s.Store.Lookup(imsi)
	if !ok {
		return platform.Subscription{}, false
	}
	return platform.Subscription{EndpointID: sub.EndpointID, EndpointName: sub.EndpointName, IMEI: sub.IMEI,
		ICCID: sub.ICCID, MSISDN: sub.MSISDN, SIMID: sub.EndpointID,
		IMSIID: imsiID(sub.Range, sub.Index)}, true
}

// Locate gives the ids of imsi's subscription without formatting its
// strings (platform.Locator): the platform fills those in on the encoder's
// goroutine.
func (s *hlrStore) Locate(imsi string) (endpointID, simID, id int64, ok bool) {
	r, i, ep, ok := s.Store.Locate(imsi)
	if !ok {
		return 0, 0, 0, false
	}
	return ep, ep, imsiID(r, i), true
}

func startHLR(ctx context.Context, sc *scenarios.Scenario, store *hlrStore, listen, transport string, log *zap.Logger) (*hlr.Server, error) {
	srv, err := hlr.Start(ctx, hlr.Options{Listen: listen, Transport: transport, Host: sc.HLR.Host, Realm: sc.HLR.Realm,
		Store: store.Store, Logger: log.Named("hlr")})
	return srv, explainSCTP(err)
}

// explainSCTP says what to do when SCTP was asked for on a kernel without it.
func explainSCTP(err error) error {
	if errors.Is(err, syscall.EPROTONOSUPPORT) {
		return fmt.Errorf("%w (this kernel has no SCTP: use --transport tcp, or auto to fall back by itself)", err)
	}
	return err
}

func startGGSN(ctx context.Context, sc *scenarios.Scenario, listen string, lane *laneFlag, log *zap.Logger) (*ggsn.Server, error) {
	cfg := ggsn.Config{}
	if lane != nil {
		cfg.Lane, cfg.Lanes = lane.k, lane.n
	}
	for _, a := range sc.GGSN.APNs {
		cfg.APNs = append(cfg.APNs, ggsn.APN{Name: a.Name, Pool: a.Pool})
	}
	return ggsn.Start(ctx, ggsn.Options{Listen: listen, Config: cfg, Logger: log.Named("ggsn"), Recovery: 1})
}

// inprocElements are the HLR and GGSN cores behind the in-process transport.
type inprocElements struct {
	hlr  *inproc.HLR
	ggsn *inproc.GGSN
}

// The addresses the in-process elements stand at: those a one-process wire
// run uses, so that both transports give the same events.
// A run in one process gives each element its own loopback address (all
// of 127.0.0.0/8 is on the loopback interface on Linux), in both
// transports: the events and captures tell the elements apart by address,
// as they would be in a network.
var (
	hlrIP  = netip.MustParseAddr("127.0.0.10")
	ggsnIP = netip.MustParseAddr("127.0.0.20")
	sgsnIP = netip.MustParseAddr("127.0.0.30")
)

var (
	inprocSGSN = netip.AddrPortFrom(sgsnIP, 2123)
	inprocGGSN = ggsnIP
)

func newInproc(sc *scenarios.Scenario, store *hlrStore, lane *laneFlag) (*inprocElements, error) {
	cfg := ggsn.Config{ControlAddr: inprocGGSN, UserAddr: inprocGGSN}
	if lane != nil {
		cfg.Lane, cfg.Lanes = lane.k, lane.n
	}
	for _, a := range sc.GGSN.APNs {
		cfg.APNs = append(cfg.APNs, ggsn.APN{Name: a.Name, Pool: a.Pool})
	}
	g, err := ggsn.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: ggsn: %w", sc.File, err)
	}
	core := hlr.New(store.Store, s6a.Peer{Host: sc.HLR.Host, Realm: sc.HLR.Realm})
	return &inprocElements{hlr: inproc.NewHLR(core), ggsn: inproc.NewGGSN(g, inprocSGSN)}, nil
}

// startSGSN opens the SGSN's GTP endpoint and the network of serving nodes,
// each of which connects to the HLR when a device first needs it. With the
// in-process transport there is no socket: the nodes call the cores.
func startSGSN(ctx context.Context, sc *scenarios.Scenario, plat *platform.Platform, o fleetOptions, log *zap.Logger) (*sgsn.Network, func() error, error) {
	if o.inproc != nil {
		nw := sgsn.NewNetwork(sgsn.Options{World: sc.World, HLRRealm: sc.HLR.Realm, GTPAddr: inprocSGSN.Addr(),
			GGSN: netip.AddrPortFrom(inprocGGSN, gtpc.Port), Gn: o.inproc.ggsn, Platform: plat, Logger: log.Named("sgsn"),
			DialHSS: o.inproc.hlr.Connect, Latency: o.latency, Trace: traceOptions(sc, o), Lane: o.lane.index(), Lanes: o.lane.count()})
		log.Info("elements in process: no sockets (--transport inproc)")
		return nw, nw.Close, nil
	}
	ep, err := gtpc.Listen(o.gtp, gtpc.Config{Logger: log.Named("sgsn.gtp"), Recovery: 1,
		OnPeerRestart: func(peer netip.AddrPort, recovery uint8) {
			log.Warn("the GGSN restarted (its Recovery changed): the PDP contexts it held are gone",
				zap.Stringer("ggsn", peer), zap.Uint8("recovery", recovery))
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("--gtp %s: %w", o.gtp, err)
	}
	gtpAddr := ep.LocalAddr().Addr()
	if gtpAddr.IsUnspecified() {
		gtpAddr = netip.MustParseAddr("127.0.0.1")
	}
	slog := log.Named("sgsn")
	var once sync.Once
	nw := sgsn.NewNetwork(sgsn.Options{
		World: sc.World, HLRRealm: sc.HLR.Realm, GTPAddr: gtpAddr, GGSN: o.ggsn, Gn: ep, Platform: plat, Logger: slog,
		Latency: o.latency, Trace: traceOptions(sc, o), Lane: o.lane.index(), Lanes: o.lane.count(),
		DialHSS: func(ctx context.Context, id sgsn.Identity, node sgsn.ServingNode) (sgsn.HSS, io.Closer, error) {
			c, err := s6a.Dial(ctx, o.transport, o.hlr, diameter.Config{Host: id.Diameter.Host, Realm: id.Diameter.Realm,
				ProductName: "core-sim", Logger: slog.Named("diameter")}, node)
			if err != nil {
				return nil, nil, explainSCTP(err)
			}
			once.Do(func() {
				slog.Info("connected to the HLR", zap.String("hlr", o.hlr), zap.String("transport", c.Conn().Transport()),
					zap.String("asked", o.transport))
			})
			return c, c, nil
		},
	})
	slog.Info("SGSN ready", zap.String("gtp", ep.LocalAddr().String()), zap.String("hlr", o.hlr), zap.String("ggsn", o.ggsn.String()))
	return nw, func() error {
		err := nw.Close()
		if cerr := ep.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// traceOptions tell the serving nodes how to trace, if they do.
func traceOptions(sc *scenarios.Scenario, o fleetOptions) sgsn.TraceOptions {
	if o.trace == nil {
		return sgsn.TraceOptions{}
	}
	t := sgsn.TraceOptions{Recorder: o.trace, HLR: s6a.Peer{Host: sc.HLR.Host, Realm: sc.HLR.Realm}}
	t.HLRAddr = netip.AddrPortFrom(hlrIP, 3868)
	if a, err := netip.ParseAddrPort(o.hlr); err == nil {
		t.HLRAddr = a
	}
	return t
}

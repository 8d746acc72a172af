package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/expect"
	"github.com/core-sim/core-sim/fleet"
	"github.com/core-sim/core-sim/internal/hugepage"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/sgsn"
	"github.com/core-sim/core-sim/sim"
	"github.com/core-sim/core-sim/sink"
	"github.com/core-sim/core-sim/trace"
)

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// loadScenario reads the scenario named by a positional argument or
// --config, or the embedded default.
func loadScenario(pos []string, config string) (*scenarios.Scenario, error) {
	if len(pos) > 1 {
		return nil, fmt.Errorf("one scenario at most, got %d: %v", len(pos), pos)
	}
	path := config
	if len(pos) == 1 {
		if config != "" && config != pos[0] {
			return nil, fmt.Errorf("scenario given twice: %s and --config %s", pos[0], config)
		}
		path = pos[0]
	}
	return scenarios.Load(path)
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("run", `
core-sim run [SCENARIO] [flags]

Runs a scenario with all three elements in one process: the HLR (Diameter
S6a/S6d over TCP or SCTP), the GGSN (GTPv1-C over UDP) and the visited
networks' VLR/SGSN nodes, talking over loopback sockets on free ports. The
fleet's events are written as NDJSON; a summary (events by type, rejects by
cause, endpoints by status) ends the run on stderr. With no SCENARIO the
embedded default runs.`, `
  core-sim run
  core-sim run scenarios/default.yaml --events out.ndjson
  core-sim run --transport tcp --log-level debug --log-format json
  core-sim run outage-storm --transport inproc --events /dev/null`, stderr)
	c.register(fs, false)
	var out outputFlags
	out.register(fs)
	transport := fs.String("transport", "auto", "how the elements talk: inproc (Go values, no sockets), or over the wire with\n"+
		"Diameter on sctp, tcp, or auto (SCTP where the kernel has it, else TCP; \"wire\" is auto)")
	speed := fs.String("speed", "max", "virtual time: max (as fast as possible), 1 (real time) or a factor such as 60")
	check := fs.Bool("check", false, "check the scenario's expectations at the end; exit 1 if one fails")
	rate := fs.String("rate", "", "hold the event stream to this many events per second (the simulation slows down to match)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) of the run to this file")
	memprofile := fs.String("memprofile", "", "write a heap profile (go tool pprof) taken at the end of the run to this file")
	hugePages := fs.Bool("huge-pages", true, "ask Linux to back the heap with transparent huge pages where it is set to madvise\n"+
		"(fewer TLB misses in large fleets; see docs/decisions.md)")
	pcapPath := fs.String("pcap", "", "write every Diameter and GTP-C message of the run to this capture file (pcap, for Wireshark)")
	pcapSCTP := fs.Bool("pcap-sctp", false, "in the capture, carry Diameter over SCTP rather than TCP")
	procs := fs.Int("procs", 1, "run the fleet in this many processes (lanes), each with its own HLR, GGSN and serving\n"+
		"nodes and every N-th device; their events are merged in virtual-time order (see docs/procs.md)")
	var lane laneFlag
	fs.Var(&lane, "lane", "internal: run as lane K/N of a run --procs N, writing frames to stdout")
	laneUsage := fs.Bool("lane-usage", false, "internal: a lane also sends usage records")
	log, sc, err := c.setup(fs, args, stderr)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	if *procs < 1 || *procs > maxProcs {
		return fmt.Errorf("--procs %d: want 1 to %d", *procs, maxProcs)
	}
	if *procs > 1 {
		for _, f := range []struct {
			name string
			set  bool
		}{{"--pcap", *pcapPath != ""}} {
			if f.set {
				return fmt.Errorf("%s cannot be combined with --procs yet: the lanes would each see a part of the run", f.name)
			}
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *procs > 1 {
		if lane.n > 1 {
			return fmt.Errorf("--procs and --lane: a lane runs in one process")
		}
		rate, err := checkLoad(sc, *rate)
		if err != nil {
			return err
		}
		if _, err := sim.ParseSpeed(*speed); err != nil {
			return fmt.Errorf("--speed: %w", err)
		}
		if _, err := out.format(uint64(sc.Seed)); err != nil {
			return err
		}
		if *transport != "inproc" {
			if _, err := wireTransport(*transport); err != nil {
				return err
			}
		}
		ctx, stop := signalContext()
		defer stop()
		return runProcs(ctx, sc, procsOptions{procs: *procs, check: *check, out: &out, rate: rate, speed: *speed,
			args: func(k int, usage bool) []string { return laneArgs(fs, c.pos, k, *procs, usage) }}, log, stdout, stderr)
	}
	ctx, stop := signalContext()
	defer stop()

	store, err := newStore(sc)
	if err != nil {
		return err
	}
	o := fleetOptions{out: &out, speed: *speed, check: *check, memprofile: *memprofile, noHugePages: !*hugePages}
	if lane.n > 1 {
		lane.usage = *laneUsage
		o.lane = &lane
		log = log.With(zap.Int("lane", lane.k))
	}
	if o.rate, err = checkLoad(sc, *rate); err != nil {
		return err
	}
	var pw *capture
	if *pcapPath != "" {
		if pw, err = openPcap(*pcapPath, *pcapSCTP || *transport == "sctp"); err != nil {
			return err
		}
		o.trace = trace.NewRecorder(true, nil, pw)
	}
	closeElements, err := startElements(ctx, sc, store, *transport, &o, log)
	if err != nil {
		return err
	}
	defer closeElements()
	err = runFleet(ctx, sc, store, o, log, stdout, stderr)
	if pw != nil {
		if cerr := pw.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--pcap %s: %w", *pcapPath, cerr)
		}
	}
	return err
}

func cmdHLR(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("hlr", `
core-sim hlr [flags]

Runs the HLR: a Diameter server for S6a/S6d (application 16777251) with
CER/CEA, DWR/DWA and DPR/DPA, answering Update Location (ULR with the S6a/S6d
indicator set, from a VLR), Update GPRS Location (indicator cleared, from an
SGSN) and Purge UE, and sending Cancel Location to a subscriber's previous
node. Subscribers come from the scenario's IMSI ranges. Runs until SIGINT or
SIGTERM.`, `
  core-sim hlr --listen 127.0.0.1:3868 --transport tcp
  core-sim hlr --config my-scenario.yaml --log-format json`, stderr)
	c.register(fs, true)
	listen := fs.String("listen", "127.0.0.1:3868", "address to listen on")
	transport := fs.String("transport", "auto", "sctp, tcp or auto (SCTP where the kernel has it, else TCP)")
	log, sc, err := c.setup(fs, args, stderr)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	if *transport, err = wireTransport(*transport); err != nil {
		return err
	}
	store, err := newStore(sc)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	srv, err := startHLR(ctx, sc, store, *listen, *transport, log)
	if err != nil {
		return err
	}
	log.Info("HLR ready", zap.String("listen", srv.Addr().String()), zap.String("scenario", sc.File))
	<-ctx.Done()
	st := srv.Stats()
	log.Info("HLR stopping", zap.Uint64("ulr", st.ULR), zap.Uint64("ulr_accepted", st.ULRAccepted), zap.Uint64("pur", st.PUR),
		zap.Uint64("clr_sent", st.CLRSent), zap.Uint64("malformed_requests", st.Malformed),
		zap.Uint64("bad_frames", st.Diameter.BadFrames), zap.Uint64("bad_requests", st.Diameter.BadRequests))
	return srv.Close()
}

func cmdGGSN(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("ggsn", `
core-sim ggsn [flags]

Runs the GGSN: a GTPv1-C server on UDP that answers Echo, Create PDP Context
(APN check, an IPv4 address from the APN's pool, TEIDs, charging id) and
Delete PDP Context. APNs and pools come from the scenario (default: em and
emnify). Runs until SIGINT or SIGTERM.`, `
  core-sim ggsn --listen 127.0.0.2:2123
  core-sim ggsn --listen 127.0.0.1:2123 --log-level debug`, stderr)
	c.register(fs, true)
	listen := fs.String("listen", "127.0.0.1:2123", "UDP address to listen on (its IP is put in the GSN Address IEs)")
	log, sc, err := c.setup(fs, args, stderr)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	ctx, stop := signalContext()
	defer stop()
	if os.Getenv("GOMAXPROCS") == "" {
		// The GGSN answers every request on the goroutine that read it:
		// one processor serves it, without waking a second thread for
		// each packet (docs/decisions.md).
		runtime.GOMAXPROCS(1)
	}
	srv, err := startGGSN(ctx, sc, *listen, nil, log)
	if err != nil {
		return err
	}
	log.Info("GGSN ready", zap.String("listen", srv.Addr().String()), zap.String("scenario", sc.File))
	<-ctx.Done()
	st := srv.Stats()
	log.Info("GGSN stopping", zap.Uint64("received", st.Received), zap.Uint64("sent", st.Sent),
		zap.Uint64("duplicates", st.Duplicates), zap.Uint64("malformed", st.Malformed), zap.Uint64("dropped", st.Dropped))
	return srv.Close()
}

// startElements starts the HLR and the GGSN for a run in one process:
// their cores called directly (inproc), or servers on loopback sockets that
// the serving nodes reach over the wire. It fills the options' addresses.
func startElements(ctx context.Context, sc *scenarios.Scenario, store *hlrStore, transport string, o *fleetOptions, log *zap.Logger) (func(), error) {
	var err error
	switch transport {
	case "inproc":
		if o.inproc, err = newInproc(sc, store, o.lane); err != nil {
			return nil, err
		}
		return func() {}, nil
	case "wire", "auto", "tcp", "sctp":
		if transport == "wire" {
			transport = "auto"
		}
		hlrSrv, err := startHLR(ctx, sc, store, hlrIP.String()+":0", transport, log)
		if err != nil {
			return nil, err
		}
		ggsnSrv, err := startGGSN(ctx, sc, ggsnIP.String()+":0", o.lane, log)
		if err != nil {
			hlrSrv.Close()
			return nil, err
		}
		o.hlr, o.transport, o.ggsn, o.gtp = hlrSrv.Addr().String(), transport, ggsnSrv.Addr(), sgsnIP.String()+":0"
		return func() { ggsnSrv.Close(); hlrSrv.Close() }, nil
	}
	return nil, fmt.Errorf("--transport %q: want inproc, wire, auto, tcp or sctp", transport)
}

func cmdSGSN(args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("sgsn", `
core-sim sgsn [flags]

Runs the visited networks' serving nodes (a VLR and an SGSN role per
operator) and drives the scenario's fleet through them: Update Location,
Update GPRS Location (Diameter to the HLR), Create and Delete PDP Context
(GTPv1-C to the GGSN). Prints the events and exits when the fleet is done.`, `
  core-sim sgsn --hlr 127.0.0.1:3868 --ggsn 127.0.0.2:2123 --transport tcp
  core-sim sgsn --hlr 127.0.0.1:3868 --ggsn 127.0.0.2:2123 --gtp 127.0.0.1:2123 --events out.ndjson`, stderr)
	c.register(fs, true)
	hlrAddr := fs.String("hlr", "127.0.0.1:3868", "the HLR's Diameter address")
	ggsnAddr := fs.String("ggsn", "127.0.0.2:2123", "the GGSN's GTP-C address")
	gtp := fs.String("gtp", "127.0.0.1:2123", "the SGSN's own GTP-C address (put in the GSN Address IEs)")
	transport := fs.String("transport", "auto", "Diameter transport: sctp, tcp or auto")
	var out outputFlags
	out.register(fs)
	speed := fs.String("speed", "max", "virtual time: max (as fast as possible), 1 (real time) or a factor such as 60")
	check := fs.Bool("check", false, "check the scenario's expectations at the end; exit 1 if one fails")
	rate := fs.String("rate", "", "hold the event stream to this many events per second (the simulation slows down to match)")
	log, sc, err := c.setup(fs, args, stderr)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	ggsn, err := resolveUDP(*ggsnAddr)
	if err != nil {
		return fmt.Errorf("--ggsn %q: %w", *ggsnAddr, err)
	}
	r, err := checkLoad(sc, *rate)
	if err != nil {
		return err
	}
	if *transport, err = wireTransport(*transport); err != nil {
		return err
	}
	store, err := newStore(sc)
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	return runFleet(ctx, sc, store, fleetOptions{hlr: *hlrAddr, transport: *transport, ggsn: ggsn, gtp: *gtp, out: &out,
		speed: *speed, check: *check, rate: r},
		log, stdout, stderr)
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", `
core-sim validate SCENARIO...

Checks scenario files and prints what each holds; errors name the file, the
line and the field.`, `
  core-sim validate scenarios/default.yaml`, stderr)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errUsage
	}
	var errs []error
	for _, p := range pos {
		sc, err := scenarios.Load(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		devices := 0
		for _, f := range sc.Fleets {
			devices += f.Count
		}
		fmt.Fprintf(stdout, "%s: ok: %q, %d fleets, %d devices, %d subscriber ranges, %v from %s, %d expectations\n",
			p, sc.Name, len(sc.Fleets), devices, len(sc.Subscribers()), sc.Duration, sc.Start.Format(time.RFC3339), len(sc.Expect))
	}
	return errors.Join(errs...)
}

func cmdScenarios(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("scenarios", `
core-sim scenarios

Lists the scenario library embedded in core-sim, one line each. Run one by
its name; --check also checks its expectations.`, `
  core-sim scenarios
  core-sim run border-pingpong-fixed --check`, stderr)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	var errs []error
	for _, e := range scenarios.Library() {
		if e.Err != nil {
			errs = append(errs, e.Err)
			continue
		}
		fmt.Fprintf(stdout, "%-26s %s\n", e.Name, e.Description)
	}
	return errors.Join(errs...)
}

// connectNodes checks the paths before any device moves: a GTP Echo to
// the GGSN, and the Diameter connection of every serving node the fleets
// can use. An element that is not there stops the run with one clear error
// instead of a failure per device.
func connectNodes(ctx context.Context, sc *scenarios.Scenario, nw *sgsn.Network, o fleetOptions) error {
	if _, err := nw.EchoGGSN(ctx); err != nil {
		return fmt.Errorf("the GGSN at %s does not answer GTP Echo: %w", o.ggsn, err)
	}
	seen := map[string]bool{}
	for _, f := range sc.Fleets {
		for _, stop := range f.Itinerary {
			c, _ := sc.World.Country(stop.Country)
			for _, op := range sc.World.OperatorsIn(c.MCC) {
				if seen[op.PLMN()] {
					continue
				}
				seen[op.PLMN()] = true
				if _, err := nw.Node(ctx, op.PLMN()); err != nil {
					return fmt.Errorf("the HLR at %s: %w", o.hlr, err)
				}
			}
		}
	}
	return nil
}

// wireTransport checks the Diameter transport of an element that runs on
// its own ("wire" is "auto"; inproc needs all elements in one process).
func wireTransport(t string) (string, error) {
	switch t {
	case "tcp", "sctp", "auto":
		return t, nil
	case "wire":
		return "auto", nil
	case "inproc":
		return "", fmt.Errorf("--transport inproc needs the elements in one process: use core-sim run --transport inproc")
	}
	return "", fmt.Errorf("--transport %q: want tcp, sctp or auto", t)
}

// checkLoad refuses, before anything starts, a rate that is not a rate and
// a fleet the machine cannot hold.
func checkLoad(sc *scenarios.Scenario, rate string) (float64, error) {
	r := 0.0
	if rate != "" {
		var err error
		r, err = strconv.ParseFloat(rate, 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return 0, fmt.Errorf("--rate %q: want a number of events per second above 0", rate)
		}
	}
	return r, fitsInMemory(sc)
}

// tuneGC sets the garbage collector for a run: GOGC=400 within a soft
// memory limit. GOGC or GOMEMLIMIT set by the user win.
//
// A run allocates far more per event than its heap holds (over the wire,
// go-diameter builds every message from objects; in process, each session
// its context and requests), and its heap is mostly the devices, which
// live for the whole run: collecting at 4 times the live heap instead of
// twice made 50,000 full cycles over the wire 8% faster here (medians of
// five runs, 4.84 s against 5.22 s) and the in-process runs of 10,000 and
// 100,000 devices 5-8% faster (bench/README.md), for more memory: 153
// MiB instead of 92 at 10,000 devices. The soft limit of about 950 bytes
// a device (at least 512 MiB, at most 80% of the available memory) is
// what keeps a million-device run under 1 GiB: near it, the collector
// runs more often.
func tuneGC(sc *scenarios.Scenario, wire bool, log *zap.Logger) (restore func()) {
	devices := 0
	for _, f := range sc.Fleets {
		devices += f.Count
	}
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := max(int64(devices)*heapPerDevice, 512<<20)
	if avail, ok := availableMemory(); ok && uint64(limit) > avail/10*8 {
		limit = int64(avail / 10 * 8)
	}
	prevLimit := debug.SetMemoryLimit(limit)
	prevPercent := debug.SetGCPercent(runGCPercent)
	level := zap.DebugLevel // a small run in process: nothing worth a line
	if wire || devices >= 200_000 {
		level = zap.InfoLevel
	}
	log.Log(level, "garbage collection at GOGC=400 within a soft memory limit (set GOGC or GOMEMLIMIT to choose)",
		zap.Int("devices", devices), zap.Int64("limit_mib", limit>>20), zap.Bool("wire", wire))
	return func() {
		debug.SetMemoryLimit(prevLimit)
		debug.SetGCPercent(prevPercent)
	}
}

// adviseHugePages asks for transparent huge pages under the heap while a
// run goes on (package hugepage), and logs what came of it at the end. A
// million devices ran their steady state in 4.0-5.6 CPU-us an event with
// it against 6.0-7.3 without (interleaved pairs); at 10,000 devices it is
// within the noise (docs/decisions.md).
func adviseHugePages(log *zap.Logger) (stop func()) {
	a := hugepage.Start(25*time.Millisecond, 250*time.Millisecond)
	return func() {
		r := a.Stop()
		if r.Err != nil {
			log.Warn("huge pages for the heap: the kernel refused", zap.Error(r.Err), zap.Int("refused", r.Failures))
		}
		log.Debug("huge pages for the heap", zap.String("system", string(r.Mode)),
			zap.Int("mappings_advised", r.Advised), zap.Int64("bytes", r.Bytes))
	}
}

// heapPerDevice is about what a device holds on the heap during a run.
const heapPerDevice = 950

// runGCPercent is GOGC for a run (see tuneGC).
const runGCPercent = 400

// tuneProcs runs a fleet that speaks the wire on one processor
// (GOMAXPROCS=1) unless GOMAXPROCS is set, and returns what restores the
// setting. A run is one action at a time: each request waits for its
// answer, so the elements' goroutines hand the work to each other and
// never run at once. With two processors every hand-off wakes the other
// thread (a futex and a wake-up on another core), and a full cycle took
// 1.65 times as long here (bench/README.md). The in-process transport
// keeps every processor: its encoder runs beside the simulation.
func tuneProcs(o fleetOptions, log *zap.Logger) (restore func()) {
	if o.inproc != nil || os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(1)
	if prev != 1 {
		log.Info("wire transport: running on one processor (set GOMAXPROCS to choose)", zap.Int("was", prev))
	}
	return func() { runtime.GOMAXPROCS(prev) }
}

// bytesPerDevice is what a device costs in a run, measured with 1,000,000
// devices (see bench/README.md), with room for the garbage collector.
const bytesPerDevice = 1200

// fitsInMemory refuses a fleet that the machine cannot hold, up front,
// rather than by an out-of-memory kill.
func fitsInMemory(sc *scenarios.Scenario) error {
	devices := 0
	for _, f := range sc.Fleets {
		devices += f.Count
	}
	avail, ok := availableMemory()
	need := uint64(devices) * bytesPerDevice
	if ok && need > avail {
		return fmt.Errorf("%s: %d devices need about %d MiB (%d bytes each) but only %d MiB of memory are available",
			sc.File, devices, need>>20, bytesPerDevice, avail>>20)
	}
	return nil
}

// availableMemory reads MemAvailable, and the cgroup's limit if lower.
func availableMemory() (uint64, bool) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	var avail uint64
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			avail = kb << 10
		}
	}
	if c, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if lim, err := strconv.ParseUint(strings.TrimSpace(string(c)), 10, 64); err == nil && lim < avail {
			avail = lim
		}
	}
	return avail, avail > 0
}

// startProgress draws a progress line on stderr while the run goes, if
// stderr is a terminal; it returns the function that stops it.
func startProgress(stderr io.Writer, stream *events.Stream, sched *sim.Scheduler, sc *scenarios.Scenario, devices int, wall time.Time) func() {
	return drawProgress(stderr, func() int64 { return int64(stream.Emitted()) }, func(n int64, rate float64, now time.Time) string {
		st := stream.Statuses.Count()
		virt := sched.Progress()
		return progressLine(n, rate, st[events.StatusOnline], st[events.StatusAttached], st[events.StatusBlocked],
			devices, virt, eta(sc, virt, now.Sub(wall)))
	})
}

// progressLine is the progress line's text: events, their rate, the
// devices by status (offline: all the others), the virtual time, the ETA.
func progressLine(n int64, rate float64, online, attached, blocked, devices int, virt time.Time, eta string) string {
	return fmt.Sprintf("%d events, %.0f/s | online %d attached %d offline %d blocked %d | %s | ETA %s",
		n, rate, online, attached, devices-online-attached-blocked, blocked, virt.Format("2006-01-02 15:04:05"), eta)
}

// eta is what is left of a run that reached virt in took, if it goes on as it went.
func eta(sc *scenarios.Scenario, virt time.Time, took time.Duration) string {
	done := virt.Sub(sc.Start)
	if done <= 0 {
		return "?"
	}
	return time.Duration(float64(took) * float64(sc.Duration-done) / float64(done)).Round(time.Second).String()
}

// drawProgress redraws line (given the events so far, their rate since the
// last redraw and the time) on stderr twice a second, if stderr is a
// terminal, and returns the function that stops it and clears the line.
func drawProgress(stderr io.Writer, count func() int64, line func(n int64, rate float64, now time.Time) string) func() {
	f, ok := stderr.(*os.File)
	if !ok {
		return func() {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		var lastN int64
		lastT := time.Now()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case now := <-t.C:
				n := count()
				rate := float64(n-lastN) / now.Sub(lastT).Seconds()
				lastN, lastT = n, now
				fmt.Fprint(f, "\r\033[K"+line(n, rate, now))
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}

func resolveUDP(s string) (netip.AddrPort, error) {
	a, err := net.ResolveUDPAddr("udp", s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ap := a.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

type fleetOptions struct {
	hlr        string
	transport  string
	ggsn       netip.AddrPort
	gtp        string
	out        *outputFlags
	speed      string
	check      bool
	inproc     *inprocElements // set: no sockets, the elements' cores are called directly
	memprofile string
	rate       float64 // events per second; 0 for as fast as possible
	latency    func(iface, request string, d time.Duration)
	trace      *trace.Recorder // set: the elements' messages and the events are traced
	device     int             // 1-based: run only this device of the scenario; 0 for all
	lane       *laneFlag       // set: this process is a lane of a run --procs N
	quiet      bool            // no summary (a trace draws what happened instead)
	// noHugePages: leave the heap's pages to the system's setting (see
	// adviseHugePages).
	noHugePages bool
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// runFleet runs the SGSN side: the serving nodes, the fleet on the
// simulation's clock, the events, the summary and the expectations.
func runFleet(ctx context.Context, sc *scenarios.Scenario, store *hlrStore, o fleetOptions, log *zap.Logger, stdout, stderr io.Writer) error {
	if !o.noHugePages {
		defer adviseHugePages(log)()
	}
	speed, err := sim.ParseSpeed(o.speed)
	if err != nil {
		return fmt.Errorf("--speed: %w", err)
	}
	var pacer *events.Pacer
	if o.rate > 0 {
		pacer = events.NewPacer(o.rate)
	}
	var stream *events.Stream
	var pipeline *sink.Pipeline
	var laneOut *laneOutput
	if o.lane != nil {
		f, err := o.out.format(uint64(sc.Seed))
		if err != nil {
			return err
		}
		w, ok := stdout.(io.WriteCloser)
		if !ok {
			w = nopWriteCloser{stdout}
		}
		laneOut = newLaneOutput(w, o.lane.usage)
		stream = events.NewStreamTo(laneOut, f)
	} else if stream, pipeline, err = openStream(ctx, o.out, uint64(sc.Seed), stdout, log); err != nil {
		return err
	}
	var devices atomic.Int64
	m, err := startMetrics(o.out.metrics, stream, pipeline, &devices, log)
	if err != nil {
		stream.Close()
		return err
	}
	defer m.Close()
	if m != nil {
		o.latency = m.Observe
	}
	sched := sim.New(sc.Start, speed)
	plat := &platform.Platform{
		Org:       events.Organisation{ID: sc.Organisation.ID, Name: sc.Organisation.Name},
		Values:    sc.Platform,
		World:     sc.World,
		Inventory: store,
		Clock:     sched,
		Stream:    stream,
		Pacer:     pacer,
	}
	nw, closeNet, err := startSGSN(ctx, sc, plat, o, log)
	if err != nil {
		stream.Close()
		return err
	}
	if err := connectNodes(ctx, sc, nw, o); err != nil {
		closeNet()
		stream.Close()
		return err
	}
	checker := expect.New(sc)
	if checker.WantsEvents() {
		// Observed events are built in full on the simulation's goroutine
		// (the others on the encoder's): observe only when needed.
		stream.Observe(checker.Event)
	}
	if o.trace != nil {
		stream.Observe(func(e *events.Event) {
			checker.Event(e)
			traceEvent(o.trace, sched.Now(), e)
		})
	}
	defer tuneGC(sc, o.inproc == nil, log)()
	defer tuneProcs(o, log)()
	var ropts []fleet.Option
	if o.device > 0 {
		ropts = append(ropts, fleet.Only(o.device-1))
	}
	if o.lane != nil {
		ropts = append(ropts, fleet.Lane(o.lane.k, o.lane.n))
		sched.Watch(1024, laneOut.watchStatus(stream))
	}
	runner, err := fleet.NewRunner(sc, sched, nw, checker, log.Named("fleet"), ropts...)
	if err != nil {
		closeNet()
		stream.Close()
		return err
	}
	runner.SetTrace(o.trace)
	states := runner.States()
	devices.Store(int64(len(states)))
	checker.Devices(states)
	wall := time.Now()
	log.Info("fleet starting", zap.String("scenario", sc.Name), zap.Int("devices", len(states)),
		zap.Duration("virtual_duration", sc.Duration), zap.String("speed", o.speed))
	stopProgress := func() {}
	if laneOut != nil {
		laneOut.started()
	} else {
		stopProgress = startProgress(stderr, stream, sched, sc, len(states), wall)
	}
	runErr := runner.Run(ctx)
	stopProgress()
	if o.memprofile != "" {
		if err := writeHeapProfile(o.memprofile); err != nil {
			log.Warn("--memprofile", zap.Error(err))
		}
	}
	closeErr := closeNet()
	if laneOut != nil {
		streamErr := stream.Close()
		if closeErr != nil {
			log.Warn("closing the serving nodes", zap.Error(closeErr))
		}
		ls := summaryOf(stream.Summary(len(states)), sched.Elapsed(), len(states), runErr)
		if o.check && runErr == nil {
			ls.Check = checker.Partial(runner.States(), &stream.Statuses, sched.Now())
		}
		if err := laneOut.summary(ls); err != nil {
			return err
		}
		if streamErr != nil {
			return streamErr
		}
		if runErr != nil && ctx.Err() == nil {
			return runErr
		}
		return nil
	}
	stopInterrupt := afterInterrupt(ctx, pipeline, stderr)
	streamErr := stream.Close()
	stopInterrupt()
	sum := stream.Summary(len(states))
	took := time.Since(wall)
	if o.quiet {
		stderr = io.Discard
	}
	fmt.Fprintf(stderr, "\ncore-sim: scenario %q, %d devices, %v of virtual time in %s: %d events, %.0f events/s",
		sc.Name, len(states), sched.Elapsed(), took.Round(time.Millisecond), sum.Total, float64(sum.Total)/took.Seconds())
	if pacer != nil {
		fmt.Fprintf(stderr, " (--rate %g)", pacer.Rate())
	}
	fmt.Fprintf(stderr, "\n%s", sum)
	sinkErr := reportSinks(stderr, pipeline)
	if closeErr != nil {
		log.Warn("closing the serving nodes", zap.Error(closeErr))
	}
	switch {
	case sinkErr != nil:
		return sinkErr
	case streamErr != nil:
		return streamErr
	case runErr != nil && ctx.Err() != nil:
		// Stopped by SIGINT or SIGTERM, and every event was delivered.
		fmt.Fprintf(stderr, "core-sim: interrupted at %s (virtual): %d events emitted, all delivered\n", sched.Now().UTC().Format(time.RFC3339), sum.Total)
		return nil
	case runErr != nil:
		return runErr
	}
	if !o.check {
		return nil
	}
	return reportFailures(stderr, sc, checker.Check(runner.States(), &stream.Statuses, sched.Now()))
}

// reportFailures prints the check of a run's expectations; an error when
// one failed.
func reportFailures(stderr io.Writer, sc *scenarios.Scenario, failures []expect.Failure) error {
	fmt.Fprintf(stderr, "expectations: %d, failed: %d\n", len(sc.Expect), len(failures))
	for _, f := range failures {
		fmt.Fprintf(stderr, "FAIL %s\n", f)
	}
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d expectations failed", len(failures), len(sc.Expect))
	}
	return nil
}

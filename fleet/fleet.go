// Package fleet is the devices of a scenario and what they do: power on in
// a country, pick a network, register, open and close data sessions,
// travel, power off; and the multi-IMSI SIM applet inside each of them,
// which switches the IMSI they register with. Every action is scheduled on
// the simulation's clock (package sim) and runs one at a time, so that the
// same scenario and seed replay the same sequence. Each device draws its
// random choices from a source derived from the seed and its position.
//
// It holds no protocol state: registrations and PDP contexts are the
// serving nodes' (package sgsn), and the applet's decisions are package
// applet's.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/applet"
	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/internal/digits"
	"github.com/core-sim/core-sim/internal/prefetch"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/sgsn"
	"github.com/core-sim/core-sim/sim"
	"github.com/core-sim/core-sim/trace"
	"github.com/core-sim/core-sim/world"
)

// FactoryAPN is what a firmware whose APN is tied to another profile
// falls back to. The platform does not offer it.
const FactoryAPN = "internet"

// Device is one device of a fleet with its SIM. Its identifiers are
// derived from the fleet's ranges when asked for, not stored: a million
// devices cost a million small values.
type Device struct {
	Fleet *scenarios.Fleet
	Index int // 0-based within the fleet
}

// EndpointID is the platform's endpoint of the device as the fleet numbers
// it: the fleet's first endpoint id plus the device's index.
func (d *Device) EndpointID() int64 { return d.Fleet.FirstEndpointID + int64(d.Index) }

// IMSI is the device's IMSI of the SIM's k-th profile.
func (d *Device) IMSI(k int) string { return Add(d.Fleet.FirstIMSI[k], d.Index) }

// IMSIs are the device's IMSIs, one per profile, in the SIM type's order.
func (d *Device) IMSIs() []string {
	out := make([]string, len(d.Fleet.FirstIMSI))
	for k := range out {
		out[k] = d.IMSI(k)
	}
	return out
}

// IMEI is the device's IMEI: the fleet's range, or one derived from its IMSI.
func (d *Device) IMEI() string {
	var buf [40]byte
	return string(d.appendIMEI(buf[:0]))
}

// IMEISV is the device's IMEISV: its IMEI's first 14 digits and software
// version 01.
func (d *Device) IMEISV() string { return d.IMEI()[:14] + softwareVersion }

const softwareVersion = "01"

// appendIMEI appends the device's IMEI.
func (d *Device) appendIMEI(b []byte) []byte {
	if d.Fleet.FirstIMEI != "" {
		return appendAdd(b, d.Fleet.FirstIMEI, d.Index)
	}
	var buf [20]byte
	return digits.AppendIMEIOfIMSI(b, appendAdd(buf[:0], d.Fleet.FirstIMSI[0], d.Index))
}

// String names the device, e.g. "trackers#3".
func (d *Device) String() string { return d.Fleet.Name + "#" + strconv.Itoa(d.Index+1) }

// Devices lists every device of a scenario, fleet by fleet.
func Devices(sc *scenarios.Scenario) []Device {
	var out []Device
	for fi := range sc.Fleets {
		f := &sc.Fleets[fi]
		for i := 0; i < f.Count; i++ {
			out = append(out, Device{Fleet: f, Index: i})
		}
	}
	return out
}

// Add adds n to a decimal identifier, keeping its number of digits.
func Add(first string, n int) string {
	// Digits added in place on the stack: one allocation, no parsing.
	var buf [19]byte
	return string(appendAdd(buf[:0], first, n))
}

// appendAdd appends Add(first, n).
func appendAdd(b []byte, first string, n int) []byte {
	if n < 0 || len(first) == 0 || len(first) > 19 {
		return append(b, addParsed(first, n)...)
	}
	start := len(b)
	for i := range len(first) {
		if c := first[i]; c < '0' || c > '9' {
			return append(b[:start], first...) // what ParseUint refuses
		}
		b = append(b, first[i])
	}
	if digits.Add(b[start:], uint64(n)) > 0 { // one more digit than first
		return append(b[:start], addParsed(first, n)...)
	}
	return b
}

// addParsed is Add by parsing and formatting: for what does not fit the
// fast path (a result longer than first, negative n).
func addParsed(first string, n int) string {
	v, err := strconv.ParseUint(first, 10, 64)
	if err != nil {
		return first
	}
	s := strconv.FormatUint(v+uint64(n), 10)
	for len(s) < len(first) {
		s = "0" + s
	}
	return s
}

// Observer is told what devices experience that events do not show.
type Observer interface {
	// Switched: the applet switched the device's IMSI profile.
	Switched(d *Device, at time.Time, dec applet.Decision)
	// Service: the device got service (true) or lost it (false).
	Service(d *Device, at time.Time, inService bool)
}

// Runner runs a scenario's devices on a scheduler.
type Runner struct {
	usage map[*device]*usage // the open sessions' usage records, when a sink takes them
	tr    *trace.Recorder    // set: the devices' steps are traced
	only  int                // the one device that runs; -1 for all
	lane  int                // this runner has the devices whose position is lane modulo lanes
	lanes int
	sc    *scenarios.Scenario
	s     *sim.Scheduler
	nw    *sgsn.Network
	log   *zap.Logger
	obs   Observer
	devs  []device
	err   error // the first fatal error (the event stream failed)
}

// Option changes how a Runner runs.
type Option func(*Runner)

// Only runs the scenario's i-th device (0-based, fleets in order) alone:
// its own plan, its own random stream, the same as in the whole fleet.
func Only(i int) Option { return func(r *Runner) { r.only = i } }

// Lane makes the runner one of n lanes (core-sim run --procs n): it holds
// and runs the devices whose position in the scenario (fleets in order,
// 0-based) is k modulo n, each with the random stream it has in the whole
// fleet. Outages act on the lane's devices.
func Lane(k, n int) Option { return func(r *Runner) { r.lane, r.lanes = k, n } }

// NewRunner prepares the devices and schedules their plans.
func NewRunner(sc *scenarios.Scenario, s *sim.Scheduler, nw *sgsn.Network, obs Observer, log *zap.Logger, opts ...Option) (*Runner, error) {
	if log == nil {
		log = zap.NewNop()
	}
	r := &Runner{sc: sc, s: s, nw: nw, log: log, obs: obs, only: -1, lanes: 1}
	for _, o := range opts {
		o(r)
	}
	if r.lanes < 1 || r.lane < 0 || r.lane >= r.lanes {
		return nil, fmt.Errorf("fleet: lane %d of %d: want 0 to %d", r.lane, r.lanes, r.lanes-1)
	}
	if nw.UsageOn() {
		r.usage = map[*device]*usage{}
	}
	configs := map[string]*applet.Config{}
	all := Devices(sc)
	n := 0
	if r.lane < len(all) {
		n = (len(all) - r.lane + r.lanes - 1) / r.lanes
	}
	r.devs = make([]device, n)
	if r.only < 0 {
		s.Grow(n) // a device has about one action scheduled at a time
	}
	for j := range r.devs {
		i := r.lane + j*r.lanes // the device's position in the scenario
		d := all[i]
		f := d.Fleet
		cfg, ok := configs[f.Name]
		if !ok {
			var err error
			if cfg, err = appletConfig(sc, f); err != nil {
				return nil, fmt.Errorf("%s: fleet %s: %w", sc.File, f.Name, err)
			}
			configs[f.Name] = cfg
		}
		st, err := applet.New(cfg, s.Now())
		if err != nil {
			return nil, fmt.Errorf("%s: fleet %s: %w", sc.File, f.Name, err)
		}
		dev := &r.devs[j]
		*dev = device{Device: d, r: r, sim: st, rnd: *rand.NewPCG(uint64(sc.Seed), uint64(i))}
		if r.only < 0 || r.only == i {
			dev.plan()
		}
	}
	for i := range sc.Outages {
		o := &sc.Outages[i]
		s.At(s.Start().Add(o.From), func() { r.outage(o) })
	}
	return r, nil
}

// outage takes an operator down: the devices it serves lose service and
// their sessions end, and they look for another network.
func (r *Runner) outage(o *scenarios.Outage) {
	r.log.Info("operator outage starts", zap.String("plmn", o.PLMN), zap.Duration("for", o.To-o.From),
		zap.Time("virtual_time", r.s.Now()))
	for i := range r.devs {
		d := &r.devs[i]
		if d.node == nil || d.node.Operator.PLMN() != o.PLMN || r.err != nil {
			continue
		}
		d.closeSession()
		if r.tr != nil {
			d.note("outage", d.node.Operator.Name+" ("+o.PLMN+") goes down: service lost", false)
		}
		d.node = nil // the network is gone: nothing reaches the HLR
		d.sim.ServiceLost(d.now())
		d.setService(false)
		d.attach()
	}
}

// appletConfig builds the applet's programming for a fleet. The profiles'
// IMSIs are the fleet's first ones: a device registers with its own.
func appletConfig(sc *scenarios.Scenario, f *scenarios.Fleet) (*applet.Config, error) {
	t := f.SIM
	cfg := &applet.Config{Preferred: t.Preferred, Default: t.Default,
		FallbackAfterFailures: t.FallbackAfterFailures, FallbackAfterNoService: t.FallbackAfterNoService,
		ReturnToPreferredAfter: t.ReturnToPreferredAfter, MinDwell: t.MinDwell, RefreshDelay: t.RefreshDelay,
		PersistTimers: t.PersistTimers}
	for k, name := range t.Profiles {
		plmn := ""
		if h, ok := sc.Home(name); ok {
			plmn = h.PLMN
		}
		if !strings.HasPrefix(f.FirstIMSI[k], plmn) {
			plmn = ""
		}
		cfg.Profiles = append(cfg.Profiles, applet.Profile{Name: name, IMSI: f.FirstIMSI[k], HomePLMN: plmn})
	}
	return cfg, cfg.Validate()
}

// Run runs the scenario to its end. It stops at the first failure to
// write an event, or when ctx is done.
func (r *Runner) Run(ctx context.Context) error {
	end := r.s.Start().Add(r.sc.Duration)
	if err := r.s.Run(ctx, end); err != nil {
		return err
	}
	return r.err
}

// fatal records a failure that ends the run: an event could not be written.
func (r *Runner) fatal(err error) bool {
	if err != nil && errors.Is(err, platform.ErrStream) {
		if r.err == nil {
			r.err = err
			r.s.Stop()
		}
		return true
	}
	return r.err != nil
}

// State is a device's state at the end of a run.
type State struct {
	Device   *Device
	Profile  string // the active profile
	On       bool
	Service  bool
	Switches int
}

// States reports every device's state.
func (r *Runner) States() []State {
	out := make([]State, len(r.devs))
	for i := range r.devs {
		d := &r.devs[i]
		out[i] = State{Device: &d.Device, Profile: d.sim.Active().Name, On: d.on, Service: d.node != nil, Switches: d.sim.Switches()}
	}
	return out
}

// device is a Device while it runs. It is kept small (a few hundred
// bytes): a run may hold a million of them.
type device struct {
	// What a session's actions read and write, first: with the devices in
	// one array, 256 bytes apart, these share the first 128 bytes of a
	// device (a pair of cache lines the processor fetches together), so a
	// million-device run misses the caches once per action instead of
	// three or four times.
	Device
	r            *Runner
	rnd          rand.PCG
	node         *sgsn.Node // where it is registered; nil without service
	session      *sgsn.Session
	tickAt       time.Duration // the next data session scheduled
	startAt      time.Duration // the start of the open session
	endAt        time.Duration // the end of the open session
	lac, ci      uint16
	volKB        uint32 // the open session's volume over its planned length
	rxPct        uint8  // the share of it the device sends
	regProfile   int8   // the profile whose IMSI the registration used
	bootProfile  int8   // the profile the firmware read at the last boot or modem reset
	on           bool
	lastService  bool
	refreshUntil time.Duration // a switch's re-attach is pending until then

	sim       applet.SIM
	mcc       string  // the country it is in
	forbidden []int32 // ids of the operators that rejected the current IMSI

	// Instants as offsets from the start of the run; 0 is "none".
	timerAt time.Duration // the applet timer scheduled
	retryAt time.Duration // the registration retry scheduled
	resetAt time.Duration // the modem reset scheduled
}

func (d *device) now() time.Time { return d.r.s.Now() }

// at is the current instant as an offset from the start (never 0).
func (d *device) at() time.Duration { return d.r.s.Elapsed() + 1 }

func (d *device) intn(n int) int { return int(d.rnd.Uint64() % uint64(n)) }

func (d *device) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(d.rnd.Uint64()%uint64(hi-lo+1))
}

func (d *device) isForbidden(id int) bool {
	for _, f := range d.forbidden {
		if int(f) == id {
			return true
		}
	}
	return false
}

// plan schedules the device's life: power on, itinerary, power off.
func (d *device) plan() {
	f := d.Fleet
	s := d.r.s
	start := s.Start()
	s.AtActor(start.Add(d.between(f.PowerOn[0], f.PowerOn[1])), d, actPowerOn)
	for i := 1; i < len(f.Itinerary); i++ {
		stop := f.Itinerary[i]
		s.At(start.Add(stop.At), func() { d.move(stop.Country) })
	}
	if f.PowerOff > 0 {
		s.AtActor(start.Add(f.PowerOff), d, actPowerOff)
	}
}

// countryAt is the MCC of where the itinerary puts the device at elapsed time t.
func (d *device) countryAt(t time.Duration) string {
	iso := d.Fleet.Itinerary[0].Country
	for _, st := range d.Fleet.Itinerary {
		if st.At <= t {
			iso = st.Country
		}
	}
	c, _ := d.r.sc.World.Country(iso)
	return c.MCC
}

func (d *device) profileIndex() int {
	name := d.sim.Active().Name
	for k, p := range d.Fleet.SIM.Profiles {
		if p == name {
			return k
		}
	}
	return 0
}

// registrationProfile is the profile whose IMSI the device registers with.
func (d *device) registrationProfile() int {
	if d.Fleet.Firmware.CachedIMSI {
		return int(d.bootProfile)
	}
	return d.profileIndex()
}

// ue is the device as the serving node sees it, registering with the
// IMSI of profile k.
func (d *device) ue(k int) sgsn.UE {
	// The three identifiers share one allocation: the IMSI, the IMEI, and
	// the IMEISV (the IMEI's first 14 digits and software version 01).
	var buf [64]byte
	b := appendAdd(buf[:0], d.Fleet.FirstIMSI[k], d.Index)
	imsi := len(b)
	b = d.appendIMEI(b)
	imei := len(b)
	b = append(b, b[imsi:imei:imei][:14]...)
	b = append(b, softwareVersion...)
	ids := string(b)
	return sgsn.UE{IMSI: ids[:imsi], IMEI: ids[imsi:imei], IMEISV: ids[imei:], RAT: d.Fleet.RAT, LAC: d.lac, CI: d.ci}
}

func (d *device) apn() string {
	if t := d.Fleet.Firmware.APNTiedToProfile; t != "" && d.sim.Active().Name != t {
		return FactoryAPN
	}
	return d.Fleet.APN
}

// A device's own actions, scheduled without a closure (sim.Actor). Each
// one checks when it runs that it is still the one the device expects
// (the device re-planned it otherwise).
const (
	actPowerOn uint8 = iota
	actPowerOff
	actRefresh
	actRetry
	actReset
	actTimer
	actSessionTick
	actSessionEnd
	actUsage
)

// Act runs one of the device's actions.
func (d *device) Act(kind uint8) {
	now := d.at()
	switch kind {
	case actPowerOn:
		d.powerOn()
	case actPowerOff:
		d.powerOff()
	case actRefresh:
		if d.refreshUntil == now {
			d.refreshUntil = 0
			d.attach()
		}
	case actRetry:
		if d.retryAt == now {
			d.attach()
		}
	case actReset:
		if d.resetAt != now || !d.on || d.node != nil {
			return
		}
		d.r.log.Debug("modem reset after no service", zap.Stringer("device", &d.Device))
		d.sim.ModemReset(d.now())
		d.bootProfile = int8(d.profileIndex())
		d.refreshUntil = 0
		d.attach()
	case actTimer:
		if d.timerAt != now || !d.on {
			return
		}
		d.timerAt = 0
		if dec := d.sim.Tick(d.now()); dec.Switch {
			d.switched(dec)
		}
		d.scheduleTimer()
	case actSessionTick:
		if d.tickAt != now || d.node == nil {
			return // re-planned, or the device left its network: the next registration plans anew
		}
		d.openSession()
		d.scheduleSession(false)
	case actSessionEnd:
		if d.endAt == now && d.session != nil {
			d.closeSession()
		}
	case actUsage:
		d.usageTick(now)
	}
}

func (d *device) powerOn() {
	d.on = true
	d.lastService = false
	d.r.obs.Service(&d.Device, d.now(), false) // a device powers on without service
	d.mcc = d.countryAt(d.r.s.Elapsed())
	if d.r.tr != nil {
		d.note("power on", "in "+d.countryName(d.mcc), true)
	}
	dec := d.sim.Boot(d.now(), d.mcc)
	if d.r.tr != nil {
		d.decision("profile at boot", dec)
	}
	if dec.Switch {
		d.r.obs.Switched(&d.Device, d.now(), dec)
		d.r.log.Debug("IMSI profile selected at boot", zap.Stringer("device", &d.Device), zap.String("profile", dec.To.Name),
			zap.String("reason", dec.Reason))
	}
	d.bootProfile = int8(d.profileIndex())
	d.attach()
}

func (d *device) powerOff() {
	if !d.on {
		return
	}
	d.note("power off", "", true)
	d.detach()
	d.on = false
	d.setService(false)
}

// setService reports a change of service to the observer.
func (d *device) setService(in bool) {
	if in == d.lastService {
		return
	}
	d.lastService = in
	d.r.obs.Service(&d.Device, d.now(), in)
}

// detach closes the session and purges the registration at its node.
func (d *device) detach() {
	d.closeSession()
	if d.node == nil {
		return
	}
	node := d.node
	d.node = nil
	d.r.fatal(node.Detach(context.Background(), d.ue(int(d.regProfile))))
}

// attach looks for a network in the current country the way a device
// does: the fleet's preferred operators first, then the others that offer
// its RAT, skipping forbidden ones. It registers for CS (Update Location)
// then PS (Update GPRS Location).
func (d *device) attach() {
	if !d.on || d.node != nil || d.r.err != nil || d.at() <= d.refreshUntil {
		return
	}
	k := d.registrationProfile()
	w := d.r.sc.World
	try := func(op world.Operator) (done bool) {
		if d.isForbidden(op.ID) {
			return false
		}
		ok, stop := d.register(op, k)
		if ok {
			d.sim.Registered(d.now())
			d.setService(true)
			d.scheduleSession(true)
			d.scheduleTimer()
			return true
		}
		// The SIM switched (or the IMSI is invalid): the search starts again with the new IMSI.
		return stop || d.r.err != nil || d.at() <= d.refreshUntil
	}
	for _, p := range d.Fleet.Operators {
		if op, ok := w.Operator(p); ok && op.MCC == d.mcc {
			if try(op) {
				d.done()
				return
			}
		}
	}
	for _, op := range w.OperatorsIn(d.mcc) {
		if !slices.Contains(d.Fleet.Operators, op.PLMN()) && op.Supports(d.Fleet.RAT) {
			if try(op) {
				d.done()
				return
			}
		}
	}
	d.done()
}

// done follows a search: without service the device retries later.
func (d *device) done() {
	if d.node != nil {
		return
	}
	d.setService(false)
	d.scheduleRetry()
	d.scheduleReset()
	d.scheduleTimer()
}

// register tries one operator with the IMSI of profile k. ok: registered;
// stop: the device must not try further networks now.
func (d *device) register(op world.Operator, k int) (ok, stop bool) {
	elapsed := d.r.s.Elapsed()
	for i := range d.r.sc.Outages {
		if o := &d.r.sc.Outages[i]; o.PLMN == op.PLMN() && o.Active(elapsed) {
			if d.r.tr != nil {
				what := "no answer: the registration times out"
				if o.Reject {
					what = "it rejects the registration"
				}
				d.note("outage", op.Name+" ("+op.PLMN()+") is down: "+what, false)
			}
			return false, d.failed(!o.Reject)
		}
	}
	node, err := d.r.nw.Node(context.Background(), op.PLMN())
	if err != nil {
		d.r.log.Warn("no serving node", zap.Stringer("device", &d.Device), zap.String("plmn", op.PLMN()), zap.Error(err))
		return false, d.failed(true)
	}
	d.lac, d.ci = uint16(1000+d.intn(9000)), uint16(1+d.intn(65000))
	ue := d.ue(k)
	ctx := context.Background()
	err = node.UpdateLocation(ctx, ue)
	if err == nil {
		err = node.UpdateGPRSLocation(ctx, ue)
	}
	if err == nil {
		d.node, d.regProfile = node, int8(k)
		return true, false
	}
	if d.r.fatal(err) {
		return false, true
	}
	var rej *sgsn.Rejected
	if !errors.As(err, &rej) {
		d.r.log.Warn("registration failed", zap.Stringer("device", &d.Device), zap.String("plmn", op.PLMN()), zap.Error(err))
		return false, d.failed(true)
	}
	// A rejected network is not tried again with this IMSI (the forbidden list).
	d.forbidden = append(d.forbidden, int32(op.ID))
	if rej.Result == s6a.ErrorUserUnknown {
		// IMSI unknown in HLR (GMM cause #2): this IMSI is invalid until power-off.
		d.failed(false)
		return false, true
	}
	return false, d.failed(false)
}

// failed tells the applet of a failed registration; it reports whether
// the applet switched.
func (d *device) failed(timeout bool) bool {
	dec := d.sim.RegistrationFailed(d.now(), timeout)
	if dec.Switch {
		d.switched(dec)
		return true
	}
	return false
}

// switched acts on an IMSI switch like a SIM REFRESH: the device detaches
// and re-attaches with the new IMSI at dec.RefreshAt.
func (d *device) switched(dec applet.Decision) {
	d.r.obs.Switched(&d.Device, d.now(), dec)
	d.decision("IMSI switch", dec)
	d.r.log.Info("IMSI switch", zap.Stringer("device", &d.Device), zap.String("from", dec.From.Name), zap.String("to", dec.To.Name),
		zap.String("reason", dec.Reason), zap.Time("virtual_time", d.now()))
	d.detach()
	d.setService(false)
	if !d.Fleet.Firmware.KeepForbiddenNetworks {
		d.forbidden = d.forbidden[:0]
	}
	d.refreshUntil = dec.RefreshAt.Sub(d.r.s.Start()) + 1
	d.r.s.AtActor(dec.RefreshAt, d, actRefresh)
}

func (d *device) scheduleRetry() {
	at := d.at() + d.Fleet.RetryAfter
	if d.r.tr != nil && d.retryAt <= d.at() {
		d.note("no service", "the device tries again in "+d.Fleet.RetryAfter.String(), false)
	}
	if d.retryAt > d.at() && d.retryAt <= at {
		return
	}
	d.retryAt = at
	d.r.s.AtActor(d.now().Add(d.Fleet.RetryAfter), d, actRetry)
}

// scheduleReset arms the firmware's modem reset after a time without service.
func (d *device) scheduleReset() {
	after := d.Fleet.Firmware.ModemResetAfterNoService
	if after == 0 || d.resetAt > d.at() {
		return
	}
	d.resetAt = d.at() + after
	d.r.s.AtActor(d.now().Add(after), d, actReset)
}

// scheduleTimer makes sure the applet's next timer is scheduled.
func (d *device) scheduleTimer() {
	t, ok := d.sim.NextTimer()
	if !ok || !d.on {
		return
	}
	if t.Before(d.now()) {
		t = d.now()
	}
	at := t.Sub(d.r.s.Start()) + 1
	if d.timerAt == at {
		return
	}
	d.timerAt = at
	d.r.s.AtActor(t, d, actTimer)
}

// move is the itinerary's next stop: a new location status for the
// applet, and a new network in the new country.
func (d *device) move(iso string) {
	c, _ := d.r.sc.World.Country(iso)
	if !d.on {
		return
	}
	d.closeSession()
	if d.r.tr != nil {
		d.note("travel", "arrives in "+c.Name, true)
	}
	d.mcc = c.MCC
	dec := d.sim.Location(d.now(), c.MCC)
	if dec.Switch {
		d.switched(dec)
		d.scheduleTimer()
		return
	}
	// Same IMSI, new country: register there; the HLR cancels the old node.
	d.node = nil
	d.attach()
	d.scheduleTimer()
}

// scheduleSession schedules the next data session.
func (d *device) scheduleSession(first bool) {
	every := d.Fleet.SessionEvery
	if every <= 0 {
		return
	}
	wait := every
	if first {
		wait = d.between(0, every)
	}
	d.tickAt = d.at() + wait
	d.r.s.AtActor(d.now().Add(wait), d, actSessionTick)
}

func (d *device) openSession() {
	if d.session != nil {
		return
	}
	sess, err := d.node.CreatePDPContext(context.Background(), d.ue(int(d.regProfile)), d.apn())
	if err != nil {
		if !d.r.fatal(err) {
			d.r.log.Debug("no data session", zap.Stringer("device", &d.Device), zap.Error(err))
		}
		return
	}
	d.session = sess
	length := d.between(d.Fleet.SessionLength[0], d.Fleet.SessionLength[1])
	f := d.Fleet
	d.volKB = uint32(f.VolumeKB[0]) + uint32(d.rnd.Uint64()%uint64(f.VolumeKB[1]-f.VolumeKB[0]+1))
	d.rxPct = uint8(20 + d.intn(60))
	d.startAt = d.at()
	d.endAt = d.startAt + length
	// A session still open when the run ends stays open: the endpoint ends ONLINE.
	d.r.s.AtActor(d.now().Add(length), d, actSessionEnd)
	d.r.usageOpen(d, length)
}

// volume is what the open session moved from its start to elapsed offset
// at: the session's volume spread evenly over its planned length. rx is
// the device's share.
func (d *device) volume(start, at time.Duration) (total, rx int64) {
	length := d.endAt - start
	if length <= 0 || at >= d.endAt {
		total = int64(d.volKB) * 1000
	} else {
		total = int64(d.volKB) * 1000 * int64(at-start) / int64(length)
	}
	return total, total * int64(d.rxPct) / 100
}

// closeSession closes the open session and lets go of it (the node
// reuses it once closed).
func (d *device) closeSession() {
	sess := d.session
	if sess == nil {
		return
	}
	d.session = nil
	defer sess.Release()
	if d.node == nil {
		return
	}
	total, rx := d.volume(d.startAt, d.at())
	d.r.usageClose(d, sess, total, rx)
	err := d.node.DeletePDPContext(context.Background(), sess, events.Bytes(rx), events.Bytes(total-rx))
	if err != nil && !d.r.fatal(err) {
		d.r.log.Warn("Delete PDP Context", zap.Stringer("device", &d.Device), zap.Error(err))
	}
}

// Warm hints what the device's next action reads, in the scheduler's
// stages (sim.Warmer): first (four ahead) the device's first 128 bytes,
// then for a session's end the session (three ahead) and its
// registration (two), for a session's start the node's registration of
// it (two and one ahead: found by the key of its IMSI, worked out from the
// device's index: writing the IMSI out to find it cost as much as the
// hint saved, docs/scaling.md); for both, two ahead, the platform's
// status of its endpoint, and the GGSN's look-ups of the context (its
// subscriber's slot two ahead; for an end its TEID's slot two ahead and
// the context one ahead) when the GGSN is in process and holds enough
// contexts to miss.
func (d *device) Warm(kind uint8, ahead int) {
	if ahead == sim.WarmAhead {
		prefetch.Pair(unsafe.Pointer(d))
		return
	}
	switch kind {
	case actSessionEnd:
		if s := d.session; s != nil {
			s.Warm(ahead)
			if n := d.node; n != nil {
				n.WarmClose(s, d.Fleet.FirstIMSI[d.regProfile], d.Index, ahead)
				if ahead == 2 {
					n.WarmEndpoint(d.EndpointID())
				}
			}
		}
	case actSessionTick:
		if n := d.node; n != nil && d.session == nil {
			n.WarmRegistration(d.Fleet.FirstIMSI[d.regProfile], d.Index, ahead)
			if ahead == 2 {
				n.WarmEndpoint(d.EndpointID())
			}
		}
	}
}

// Package expect checks a run against its scenario's expectations: it
// watches the events and what the devices experience (IMSI switches,
// service, power), and at the end says which expectation failed, for which
// device, at what virtual time, and what was seen instead.
//
// It only observes: it never changes the run.
package expect

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/core-sim/core-sim/applet"
	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/fleet"
	"github.com/core-sim/core-sim/scenarios"
)

type switchRec struct {
	at   time.Time
	from string
	to   string
}

type serviceRec struct {
	at time.Time
	in bool
}

type deviceLog struct {
	d        *fleet.Device
	switches []switchRec
	service  []serviceRec
}

// Checker collects observations. It is safe for concurrent use.
type Checker struct {
	sc *scenarios.Scenario
	// What the expectations need to keep per device.
	keepSwitches, keepService bool

	fleetIndex map[string]int // a fleet's place in the scenario (Pos)

	mu      sync.Mutex
	logs    map[*fleet.Device]*deviceLog
	order   []*deviceLog
	matches []int // per expectation of kind event: matching events so far
	firstAt []time.Time
}

// New makes a checker for a scenario's expectations.
func New(sc *scenarios.Scenario) *Checker {
	c := &Checker{sc: sc, logs: map[*fleet.Device]*deviceLog{}, fleetIndex: map[string]int{},
		matches: make([]int, len(sc.Expect)), firstAt: make([]time.Time, len(sc.Expect))}
	for i, f := range sc.Fleets {
		c.fleetIndex[f.Name] = i
	}
	for _, x := range sc.Expect {
		switch x.Kind {
		case scenarios.ExpectSwitchesPerHour:
			c.keepSwitches = true
		case scenarios.ExpectOfflineAfterOutage, scenarios.ExpectWithoutService:
			c.keepService = true
		}
	}
	return c
}

func (c *Checker) log(d *fleet.Device) *deviceLog {
	l, ok := c.logs[d]
	if !ok {
		l = &deviceLog{d: d}
		c.logs[d] = l
		c.order = append(c.order, l)
	}
	return l
}

// fleetOf finds the fleet an IMSI belongs to from the fleets' ranges.
func (c *Checker) fleetOf(imsi string) string {
	v, err := strconv.ParseUint(imsi, 10, 64)
	if err != nil {
		return ""
	}
	for _, f := range c.sc.Fleets {
		for _, first := range f.FirstIMSI {
			if len(first) != len(imsi) {
				continue
			}
			if s, err := strconv.ParseUint(first, 10, 64); err == nil && v >= s && v < s+uint64(f.Count) {
				return f.Name
			}
		}
	}
	return ""
}

// Devices registers the devices up front, in their order, when an
// expectation needs to follow each of them.
func (c *Checker) Devices(ds []fleet.State) {
	if !c.keepSwitches && !c.keepService {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range ds {
		c.log(s.Device)
	}
}

// Switched implements fleet.Observer.
func (c *Checker) Switched(d *fleet.Device, at time.Time, dec applet.Decision) {
	if !c.keepSwitches {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.log(d)
	l.switches = append(l.switches, switchRec{at: at, from: dec.From.Name, to: dec.To.Name})
}

// Service implements fleet.Observer.
func (c *Checker) Service(d *fleet.Device, at time.Time, in bool) {
	if !c.keepService {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.log(d)
	l.service = append(l.service, serviceRec{at: at, in: in})
}

// WantsEvents says whether the scenario expects events (kind "event"):
// only then does the checker need to see them (Event).
func (c *Checker) WantsEvents() bool {
	for _, x := range c.sc.Expect {
		if x.Kind == scenarios.ExpectEvent {
			return true
		}
	}
	return false
}

// Event is given every event the run emits (when WantsEvents).
func (c *Checker) Event(e *events.Event) {
	if len(c.sc.Expect) == 0 { // read-only after New: no lock needed to see there is nothing to match
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.sc.Expect {
		if x.Kind != scenarios.ExpectEvent || int(e.Type) != x.Type || !strings.Contains(e.Description, x.Cause) {
			continue
		}
		if x.Fleet != "" && (e.IMSI == nil || c.fleetOf(e.IMSI.IMSI) != x.Fleet) {
			continue
		}
		if c.matches[i] == 0 {
			c.firstAt[i] = e.At()
		}
		c.matches[i]++
	}
}

// Failure is one expectation that did not hold.
type Failure struct {
	Expectation scenarios.Expectation
	Device      string    // e.g. "trackers#3 (IMSI 295050900000003)"; empty if not about one device
	At          time.Time // virtual time it is about
	Seen        string    // what was seen instead
}

func (f Failure) String() string {
	x := f.Expectation
	var b strings.Builder
	fmt.Fprintf(&b, "expect[%d] (line %d) %s", x.Index, x.Line, describe(x))
	if f.Device != "" {
		fmt.Fprintf(&b, ": device %s", f.Device)
	}
	if !f.At.IsZero() {
		fmt.Fprintf(&b, " at %s", f.At.UTC().Format("2006-01-02T15:04:05Z"))
	}
	fmt.Fprintf(&b, ": %s", f.Seen)
	return b.String()
}

func describe(x scenarios.Expectation) string {
	who := "all devices"
	if x.Fleet != "" {
		who = "fleet " + x.Fleet
	}
	switch x.Kind {
	case scenarios.ExpectEndsOnProfile:
		return fmt.Sprintf("ends_on_profile %s (%s)", x.Profile, who)
	case scenarios.ExpectSwitchesPerHour:
		return fmt.Sprintf("switches_per_hour %s (%s)", bounds(x.Min, x.Max), who)
	case scenarios.ExpectEvent:
		return fmt.Sprintf("event type %d containing %q %s (%s)", x.Type, x.Cause, bounds(x.Min, x.Max), who)
	case scenarios.ExpectOfflineAfterOutage:
		return fmt.Sprintf("offline_after_outage within %v (%s)", x.Within, who)
	case scenarios.ExpectStatus:
		return fmt.Sprintf("status %s (%s)", x.Status, who)
	case scenarios.ExpectWithoutService:
		var parts []string
		if x.MaxGap > 0 {
			parts = append(parts, "at most "+x.MaxGap.String())
		}
		if x.MinGap > 0 {
			parts = append(parts, "some device at least "+x.MinGap.String())
		}
		return fmt.Sprintf("without_service %s (%s)", strings.Join(parts, ", "), who)
	}
	return string(x.Kind)
}

func bounds(lo, hi *int) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("between %d and %d", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("at least %d", *lo)
	case hi != nil:
		return fmt.Sprintf("at most %d", *hi)
	}
	return ""
}

func deviceName(d *fleet.Device) string {
	return fmt.Sprintf("%s (IMSI %s)", d, strings.Join(d.IMSIs(), "/"))
}

// Check evaluates every expectation at the end of a run: states are the
// devices' final states, statuses the endpoints' connectivity, end the
// virtual time the run ended.
func (c *Checker) Check(states []fleet.State, statuses *events.Statuses, end time.Time) []Failure {
	return Combine(c.sc, [][]Part{c.Partial(states, statuses, end)})
}

// Pos places what a check visits in the order it visits it: an outage's
// end (offline_after_outage only), then the fleet's place in the scenario,
// then the device's in its fleet.
type Pos [3]int

func (p Pos) less(q Pos) bool {
	for i := range p {
		if p[i] != q[i] {
			return p[i] < q[i]
		}
	}
	return false
}

// Found is a failure a checker found, and where it stands in the order.
type Found struct {
	Pos    Pos       `json:"pos"`
	Device string    `json:"device,omitempty"`
	At     time.Time `json:"at"`
	Seen   string    `json:"seen"`
}

// Part is what a checker of some of the devices found for one
// expectation: enough to decide it together with the other parts'
// (Combine), as if one checker had seen every device.
type Part struct {
	// First is the first failing device in the order (the kinds that
	// fail on one device).
	First *Found `json:"first,omitempty"`
	// Best is the largest value over the devices (switches_per_hour's
	// most switches in an hour, without_service's longest gap in
	// nanoseconds), the first device with it and when; for the bounds
	// that hold over all devices. Seen says a device was looked at.
	Best    int64     `json:"best"`
	BestAt  time.Time `json:"best_at"`
	BestDev string    `json:"best_dev,omitempty"`
	BestPos Pos       `json:"best_pos"`
	Seen    bool      `json:"seen"`
	// Matches and FirstAt are the events matched (kind event).
	Matches int       `json:"matches"`
	FirstAt time.Time `json:"first_at"`
}

// Partial is what this checker found, a Part per expectation. A run in
// several processes checks each lane's devices so and combines the parts.
func (c *Checker) Partial(states []fleet.State, statuses *events.Statuses, end time.Time) []Part {
	c.mu.Lock()
	defer c.mu.Unlock()
	parts := make([]Part, len(c.sc.Expect))
	for i, x := range c.sc.Expect {
		in := func(d *fleet.Device) bool { return x.Fleet == "" || d.Fleet.Name == x.Fleet }
		p := &parts[i]
		switch x.Kind {
		case scenarios.ExpectEndsOnProfile:
			for _, s := range states {
				if in(s.Device) && s.Profile != x.Profile {
					p.First = &Found{Pos: c.pos(0, s.Device), Device: deviceName(s.Device), At: end,
						Seen: fmt.Sprintf("ends on profile %s after %d switches", s.Profile, s.Switches)}
					break
				}
			}
		case scenarios.ExpectSwitchesPerHour:
			c.switchesPerHour(x, in, p)
		case scenarios.ExpectEvent:
			p.Matches, p.FirstAt = c.matches[i], c.firstAt[i]
		case scenarios.ExpectOfflineAfterOutage:
			c.offlineAfterOutage(x, in, p)
		case scenarios.ExpectWithoutService:
			c.withoutService(x, in, end, p)
		case scenarios.ExpectStatus:
			for _, s := range states {
				d := s.Device
				if !in(d) {
					continue
				}
				got := events.StatusOffline
				if d.Fleet.Provisioned {
					got = statuses.Of(d.Fleet.FirstEndpointID + int64(d.Index))
				}
				if got.String() != x.Status {
					p.First = &Found{Pos: c.pos(0, d), Device: deviceName(d), At: end, Seen: "status " + got.String()}
					break
				}
			}
		}
	}
	return parts
}

// pos is the place of device d (after outage, for offline_after_outage).
func (c *Checker) pos(outage int, d *fleet.Device) Pos {
	return Pos{outage, c.fleetIndex[d.Fleet.Name], d.Index}
}

// Combine decides the expectations of sc from what checkers of parts of
// its devices found (each a Part per expectation): the failures one
// checker of every device would have reported, in the same words.
func Combine(sc *scenarios.Scenario, parts [][]Part) []Failure {
	var out []Failure
	for i, x := range sc.Expect {
		var first *Found
		best := Part{Best: -1}
		matches, firstAt := 0, time.Time{}
		for _, ps := range parts {
			if i >= len(ps) {
				continue
			}
			p := ps[i]
			if p.First != nil && (first == nil || p.First.Pos.less(first.Pos)) {
				first = p.First
			}
			if p.Seen && (!best.Seen || p.Best > best.Best || p.Best == best.Best && p.BestPos.less(best.BestPos)) {
				best = p
			}
			matches += p.Matches
			if p.Matches > 0 && (firstAt.IsZero() || p.FirstAt.Before(firstAt)) {
				firstAt = p.FirstAt
			}
		}
		if first != nil {
			out = append(out, Failure{Expectation: x, Device: first.Device, At: first.At, Seen: first.Seen})
			continue
		}
		switch x.Kind {
		case scenarios.ExpectSwitchesPerHour:
			if x.Min != nil && best.Best < int64(*x.Min) {
				f := Failure{Expectation: x, Seen: fmt.Sprintf("at most %d switches in any hour for any device", max(best.Best, 0))}
				if best.BestDev != "" && best.Best > 0 {
					f.Device, f.At = best.BestDev, best.BestAt
				}
				out = append(out, f)
			}
		case scenarios.ExpectWithoutService:
			if x.MinGap > 0 && time.Duration(max(best.Best, 0)) < x.MinGap {
				g := time.Duration(max(best.Best, 0))
				f := Failure{Expectation: x, Seen: fmt.Sprintf("the longest time without service was %v", g)}
				if best.BestDev != "" && g > 0 {
					f.Device, f.At = best.BestDev, best.BestAt
				}
				out = append(out, f)
			}
		case scenarios.ExpectEvent:
			if (x.Min != nil && matches < *x.Min) || (x.Max != nil && matches > *x.Max) {
				f := Failure{Expectation: x, Seen: fmt.Sprintf("%d matching events", matches)}
				if matches > 0 {
					f.At = firstAt
					f.Seen += " (the first at " + firstAt.UTC().Format("15:04:05") + ")"
				}
				out = append(out, f)
			}
		}
	}
	return out
}

func (c *Checker) switchesPerHour(x scenarios.Expectation, in func(*fleet.Device) bool, p *Part) {
	for _, l := range c.order {
		if !in(l.d) {
			continue
		}
		n, at := maxInHour(l.switches)
		if x.Max != nil && n > *x.Max {
			p.First = &Found{Pos: c.pos(0, l.d), Device: deviceName(l.d), At: at,
				Seen: fmt.Sprintf("%d switches in the hour from %s: %s", n, at.UTC().Format("15:04:05"), path(l.switches, at))}
			return
		}
		if !p.Seen || int64(n) > p.Best {
			p.Seen, p.Best, p.BestAt, p.BestPos = true, int64(n), at, c.pos(0, l.d)
			p.BestDev = deviceName(l.d)
		}
	}
}

// maxInHour is the largest number of switches within one hour, and when
// that hour starts.
func maxInHour(sw []switchRec) (int, time.Time) {
	best, at := 0, time.Time{}
	j := 0
	for i := range sw {
		for sw[i].at.Sub(sw[j].at) >= time.Hour {
			j++
		}
		if n := i - j + 1; n > best {
			best, at = n, sw[j].at
		}
	}
	return best, at
}

func path(sw []switchRec, from time.Time) string {
	var parts []string
	for _, s := range sw {
		if !s.at.Before(from) && s.at.Sub(from) < time.Hour {
			parts = append(parts, fmt.Sprintf("%s %s->%s", s.at.UTC().Format("15:04:05"), s.from, s.to))
		}
	}
	return strings.Join(parts, ", ")
}

func (c *Checker) offlineAfterOutage(x scenarios.Expectation, in func(*fleet.Device) bool, p *Part) {
	start := c.sc.Start
	ends := make([]time.Time, 0, len(c.sc.Outages))
	for _, o := range c.sc.Outages {
		ends = append(ends, start.Add(o.To))
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i].Before(ends[j]) })
	runEnd := start.Add(c.sc.Duration)
	for k, e := range ends {
		for _, l := range c.order {
			if !in(l.d) || l.d.Fleet.PowerOff != 0 && !start.Add(l.d.Fleet.PowerOff).After(e) {
				continue
			}
			// Service at the outage's end, and when it comes back. A device
			// that never had service before (disabled, no agreement) was not
			// put offline by the outage.
			has, had := false, false
			for _, r := range l.service {
				if r.at.After(e) {
					break
				}
				has = r.in
				had = had || r.in
			}
			if has || !had {
				continue
			}
			back := time.Time{}
			for _, r := range l.service {
				if r.at.After(e) && r.in {
					back = r.at
					break
				}
			}
			limit := e.Add(x.Within)
			switch {
			case back.IsZero() && runEnd.After(limit):
				p.First = &Found{Pos: c.pos(k, l.d), Device: deviceName(l.d), At: e,
					Seen: "still without service when the run ended, " + runEnd.Sub(e).String() + " after the outage"}
				return
			case !back.IsZero() && back.After(limit):
				p.First = &Found{Pos: c.pos(k, l.d), Device: deviceName(l.d), At: e,
					Seen: fmt.Sprintf("without service until %s (%v after the outage ended)", back.UTC().Format("15:04:05"), back.Sub(e))}
				return
			}
		}
	}
}

// longestGap is a device's longest time without service while powered on,
// and when it began. Service records start at the first registration
// attempt; a power-off ends a gap (the fleet reports it as a loss of
// service, so gaps after the power-off time are cut there).
func longestGap(l *deviceLog, start, end time.Time) (time.Duration, time.Time) {
	if l.d.Fleet.PowerOff > 0 && start.Add(l.d.Fleet.PowerOff).Before(end) {
		end = start.Add(l.d.Fleet.PowerOff)
	}
	var best time.Duration
	var bestAt, since time.Time
	out := false
	for _, r := range l.service {
		if r.at.After(end) {
			break
		}
		switch {
		case !r.in && !out:
			out, since = true, r.at
		case r.in && out:
			out = false
			if g := r.at.Sub(since); g > best {
				best, bestAt = g, since
			}
		}
	}
	if out {
		if g := end.Sub(since); g > best {
			best, bestAt = g, since
		}
	}
	return best, bestAt
}

func (c *Checker) withoutService(x scenarios.Expectation, in func(*fleet.Device) bool, end time.Time, p *Part) {
	for _, l := range c.order {
		if !in(l.d) {
			continue
		}
		g, at := longestGap(l, c.sc.Start, end)
		if x.MaxGap > 0 && g > x.MaxGap {
			p.First = &Found{Pos: c.pos(0, l.d), Device: deviceName(l.d), At: at, Seen: fmt.Sprintf("without service for %v", g)}
			return
		}
		if !p.Seen || int64(g) > p.Best {
			p.Seen, p.Best, p.BestAt, p.BestPos = true, int64(g), at, c.pos(0, l.d)
			p.BestDev = deviceName(l.d)
		}
	}
}

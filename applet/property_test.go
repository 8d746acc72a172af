package applet

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var mccs = []string{"262", "208", "310", "404", "234", "", "x"}

// randomConfig is a valid Config with 1..6 profiles and rules on or off.
func randomConfig(r *rand.Rand) *Config {
	n := 1 + r.IntN(MaxProfiles)
	c := &Config{Preferred: map[string]string{}}
	for i := range n {
		c.Profiles = append(c.Profiles, Profile{Name: fmt.Sprintf("P%d", i), IMSI: fmt.Sprintf("90128%010d", i)})
	}
	name := func() string { return c.Profiles[r.IntN(n)].Name }
	c.Default = name()
	for _, mcc := range mccs[:5] {
		if r.IntN(4) > 0 {
			c.Preferred[mcc] = name()
		}
	}
	if r.IntN(2) == 0 {
		for _, i := range r.Perm(n)[:1+r.IntN(n)] {
			c.FallbackOrder = append(c.FallbackOrder, c.Profiles[i].Name)
		}
	}
	minutes := func(max int) time.Duration {
		if r.IntN(3) == 0 {
			return 0
		}
		return time.Duration(1+r.IntN(max)) * time.Minute
	}
	c.FallbackAfterFailures = r.IntN(5)
	c.FallbackAfterNoService = minutes(30)
	c.ReturnToPreferredAfter = minutes(240)
	c.MinDwell = minutes(60)
	c.RefreshDelay = minutes(2) / 4
	c.PersistTimers = r.IntN(2) == 0
	return c
}

// op is one random call: what it is and when, relative to the previous.
type op struct {
	kind int
	dt   time.Duration // may be negative: a late delivery
	mcc  string
	flag bool
}

const (
	opBoot = iota
	opLocation
	opFailed
	opRegistered
	opServiceLost
	opReset
	opTick
	opTickAtTimer
	nOps
)

func randomOps(r *rand.Rand, n int) []op {
	ops := make([]op, n)
	for i := range ops {
		o := op{kind: r.IntN(nOps), mcc: mccs[r.IntN(len(mccs))], flag: r.IntN(2) == 0}
		switch r.IntN(10) {
		case 0:
			o.dt = 0
		case 1:
			o.dt = -time.Duration(r.IntN(10)) * time.Minute
		case 2:
			o.dt = time.Duration(r.IntN(48)) * time.Hour
		default:
			o.dt = time.Duration(r.IntN(20*60)) * time.Second
		}
		ops[i] = o
	}
	return ops
}

// apply makes the call o on s at *now, and advances *now.
func apply(s *SIM, o op, now *time.Time) Decision {
	*now = now.Add(o.dt)
	switch o.kind {
	case opBoot:
		return s.Boot(*now, o.mcc)
	case opLocation:
		return s.Location(*now, o.mcc)
	case opFailed:
		return s.RegistrationFailed(*now, o.flag)
	case opRegistered:
		s.Registered(*now)
	case opServiceLost:
		s.ServiceLost(*now)
	case opReset:
		s.ModemReset(*now)
	case opTick:
		return s.Tick(*now)
	case opTickAtTimer:
		if at, ok := s.NextTimer(); ok {
			if at.After(*now) {
				*now = at
			}
		}
		return s.Tick(*now)
	}
	return Decision{}
}

func TestDeterminism(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 1))
		cfg := randomConfig(r)
		ops := randomOps(r, 500)
		play := func() []Decision {
			s, err := New(cfg, t0)
			if err != nil {
				t.Fatal(err)
			}
			now := t0
			var out []Decision
			for _, o := range ops {
				out = append(out, apply(&s, o, &now))
			}
			return out
		}
		a, b := play(), play()
		if !slices.Equal(a, b) {
			t.Fatalf("seed %d: the same calls gave different decisions", seed)
		}
	}
}

// TestInvariants feeds random calls to random SIMs and checks what must
// hold whatever the sequence.
func TestInvariants(t *testing.T) {
	seeds := uint64(2000)
	if testing.Short() {
		seeds = 200
	}
	causes := map[Reason]int{}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 2))
		cfg := randomConfig(r)
		s, err := New(cfg, t0)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		now, latest := t0, t0
		var lastSwitch time.Time
		switches := 0
		for i, o := range randomOps(r, 300) {
			fail := func(format string, a ...any) {
				t.Helper()
				t.Fatalf("seed %d call %d (%+v at %v): %s", seed, i, o, now.Sub(t0), fmt.Sprintf(format, a...))
			}
			before := s.Active()
			d := apply(&s, o, &now)
			if now.After(latest) {
				latest = now
			}
			if !slices.Contains(cfg.Profiles, s.Active()) {
				fail("active %+v is not a profile", s.Active())
			}
			if !d.Switch {
				if d != (Decision{}) {
					fail("no switch but a non-zero decision %+v", d)
				}
				if s.Active() != before {
					fail("active changed from %s to %s without a switch", before.Name, s.Active().Name)
				}
			} else {
				switches++
				if d.From == d.To {
					fail("switched to the same profile %s (%s)", d.To.Name, d.Reason)
				}
				if d.From != before || d.To != s.Active() {
					fail("decision %s -> %s, SIM %s -> %s", d.From.Name, d.To.Name, before.Name, s.Active().Name)
				}
				if switches > 1 && latest.Sub(lastSwitch) < cfg.MinDwell {
					fail("switch %v after the previous one, within MinDwell %v", latest.Sub(lastSwitch), cfg.MinDwell)
				}
				if !d.RefreshAt.Equal(latest.Add(cfg.RefreshDelay)) {
					fail("RefreshAt %v, want %v", d.RefreshAt.Sub(t0), latest.Add(cfg.RefreshDelay).Sub(t0))
				}
				if d.Reason == "" || d.Cause == "" {
					fail("switch without a reason: %+v", d)
				}
				lastSwitch = latest
				causes[d.Cause]++
			}
			if s.Switches() != switches {
				fail("Switches() %d, counted %d", s.Switches(), switches)
			}
			checkTimer(t, s, latest, func(msg string) { fail("%s", msg) })
		}
	}
	// The random sequences must reach every rule, or they check little.
	for _, c := range []Reason{ReasonBoot, ReasonCountryChange, ReasonFallbackFailures, ReasonFallbackNoService, ReasonReturnToPreferred} {
		if causes[c] < 10 {
			t.Errorf("only %d switches for %q in %d sequences", causes[c], c, seeds)
		}
	}
	t.Logf("switches by cause: %v", causes)
}

// checkTimer checks NextTimer against Tick on copies of s: nothing
// switches before the timer, and a Tick at the timer makes progress (a
// switch, or a later timer), so a driver that follows NextTimer never
// spins.
func checkTimer(t *testing.T, s SIM, now time.Time, fail func(string)) {
	t.Helper()
	at, ok := s.NextTimer()
	if !ok {
		c := s
		if d := c.Tick(now.Add(1000 * time.Hour)); d.Switch {
			fail(fmt.Sprintf("no timer, but a Tick much later switched: %s", d.Reason))
		}
		return
	}
	if at.After(now) {
		c := s
		if d := c.Tick(at.Add(-time.Nanosecond)); d.Switch {
			fail(fmt.Sprintf("timer at %v, but a Tick just before switched: %s", at.Sub(t0), d.Reason))
		}
	}
	c := s
	if d := c.Tick(at); !d.Switch {
		if next, ok := c.NextTimer(); ok && !next.After(at) {
			fail(fmt.Sprintf("Tick at the timer %v made no progress: next %v", at.Sub(t0), next.Sub(t0)))
		}
	}
}

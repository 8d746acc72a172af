package applet

import (
	"math"
	"strings"
	"testing"
	"time"
	"unsafe"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testConfig is three profiles: A preferred in Germany, B in France, C in
// the US; A is the default.
func testConfig(edit func(*Config)) *Config {
	c := &Config{
		Profiles: []Profile{
			{Name: "A", IMSI: "295050900000001", HomePLMN: "29505"},
			{Name: "B", IMSI: "234500000000001", HomePLMN: "23450"},
			{Name: "C", IMSI: "310260000000001", HomePLMN: "310260"},
		},
		Preferred: map[string]string{"262": "A", "208": "B", "310": "C"},
		Default:   "A",
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// call is one call of a script and what it should decide.
type call struct {
	at    time.Duration // since t0
	op    string        // boot, loc, fail, timeout, reg, lost, reset, tick
	mcc   string
	to    string // "" = no switch, else the profile switched to
	cause Reason
}

func boot(at time.Duration, mcc string) call { return call{at: at, op: "boot", mcc: mcc} }
func loc(at time.Duration, mcc string) call  { return call{at: at, op: "loc", mcc: mcc} }
func fail(at time.Duration) call             { return call{at: at, op: "fail"} }
func timeout(at time.Duration) call          { return call{at: at, op: "timeout"} }
func reg(at time.Duration) call              { return call{at: at, op: "reg"} }
func lost(at time.Duration) call             { return call{at: at, op: "lost"} }
func reset(at time.Duration) call            { return call{at: at, op: "reset"} }
func tick(at time.Duration) call             { return call{at: at, op: "tick"} }

// switches says the call switches to profile to, for cause.
func (c call) switches(to string, cause Reason) call { c.to, c.cause = to, cause; return c }

// do makes the call on s.
func (c call) do(s *SIM) Decision {
	now := t0.Add(c.at)
	switch c.op {
	case "boot":
		return s.Boot(now, c.mcc)
	case "loc":
		return s.Location(now, c.mcc)
	case "fail":
		return s.RegistrationFailed(now, false)
	case "timeout":
		return s.RegistrationFailed(now, true)
	case "reg":
		s.Registered(now)
	case "lost":
		s.ServiceLost(now)
	case "reset":
		s.ModemReset(now)
	case "tick":
		return s.Tick(now)
	default:
		panic("unknown op " + c.op)
	}
	return Decision{}
}

func (c call) String() string {
	s := c.op + "@" + c.at.String()
	if c.mcc != "" {
		s += "(" + c.mcc + ")"
	}
	return s
}

// run plays script on a new SIM and checks every decision.
func run(t *testing.T, cfg *Config, script []call) *SIM {
	t.Helper()
	s, err := New(cfg, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range script {
		before := s.Active()
		d := c.do(&s)
		switch {
		case c.to == "" && d.Switch:
			t.Fatalf("call %d %v: switched %s -> %s (%s: %s), want no switch", i, c, d.From.Name, d.To.Name, d.Cause, d.Reason)
		case c.to != "" && !d.Switch:
			t.Fatalf("call %d %v: no switch, want one to %s (%s); active %s", i, c, c.to, c.cause, s.Active().Name)
		case c.to != "" && (d.To.Name != c.to || d.Cause != c.cause):
			t.Fatalf("call %d %v: switched to %s (%s: %s), want %s (%s)", i, c, d.To.Name, d.Cause, d.Reason, c.to, c.cause)
		}
		if d.Switch {
			if d.From != before || d.To != s.Active() {
				t.Fatalf("call %d %v: decision %s -> %s, SIM went %s -> %s", i, c, d.From.Name, d.To.Name, before.Name, s.Active().Name)
			}
			if want := t0.Add(c.at + cfg.RefreshDelay); !d.RefreshAt.Equal(want) {
				t.Fatalf("call %d %v: RefreshAt %v, want %v", i, c, d.RefreshAt, want)
			}
		}
	}
	return &s
}

func TestNewStartsOnDefault(t *testing.T) {
	s, err := New(testConfig(func(c *Config) { c.Default = "C" }), t0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Active().Name != "C" || s.Switches() != 0 || s.MCC() != "" {
		t.Fatalf("new SIM: active %s, %d switches, MCC %q", s.Active().Name, s.Switches(), s.MCC())
	}
	if at, ok := s.NextTimer(); ok {
		t.Fatalf("new SIM has a timer at %v", at)
	}
	if _, err := New(&Config{}, t0); err == nil {
		t.Fatal("New accepted an empty Config")
	}
}

func TestRules(t *testing.T) {
	const m, h = time.Minute, time.Hour
	tests := []struct {
		name   string
		edit   func(*Config)
		script []call
	}{
		// Country change.
		{"boot in the default's country", nil, []call{boot(0, "262")}},
		{"boot selects the country's preferred", nil, []call{boot(0, "208").switches("B", ReasonBoot)}},
		{"boot in a country without preference selects Default", func(c *Config) { c.Default = "C" }, []call{
			loc(0, "208").switches("B", ReasonCountryChange),
			boot(m, "404").switches("C", ReasonBoot),
		}},
		{"boot with unknown MCC keeps the profile", nil, []call{
			loc(0, "208").switches("B", ReasonCountryChange),
			boot(m, ""),
			boot(2*m, "x1"),
		}},
		{"country change overwrites the IMSI", nil, []call{
			boot(0, "262"),
			loc(m, "208").switches("B", ReasonCountryChange),
			loc(2*m, "208"),
			loc(3*m, "310").switches("C", ReasonCountryChange),
			loc(4*m, "404").switches("A", ReasonCountryChange), // no preference: Default
			loc(5*m, ""), // no service: ignored
			loc(6*m, "4O4"),
			loc(7*m, "262"), // A is also Germany's
		}},

		// Fallback by count.
		{"fallback after N failures", func(c *Config) { c.FallbackAfterFailures = 3 }, []call{
			boot(0, "262"),
			fail(m), timeout(2 * m),
			fail(3*m).switches("B", ReasonFallbackFailures),
			fail(4 * m), fail(5 * m), // the counter restarted at the switch
			timeout(6*m).switches("C", ReasonFallbackFailures),
		}},
		{"registered resets the count", func(c *Config) { c.FallbackAfterFailures = 3 }, []call{
			fail(m), fail(2 * m), reg(3 * m), fail(4 * m), fail(5 * m), reg(6 * m), fail(7 * m),
		}},
		{"count 0 never falls back", nil, []call{
			fail(m), fail(2 * m), fail(3 * m), timeout(4 * m), fail(5 * m), tick(100 * h),
		}},
		{"a same-country Location keeps the fallback", func(c *Config) { c.FallbackAfterFailures = 1 }, []call{
			boot(0, "262"),
			fail(m).switches("B", ReasonFallbackFailures),
			loc(2*m, "262"),
			tick(3 * m),
		}},

		// Fallback by time.
		{"fallback after no service", func(c *Config) { c.FallbackAfterNoService = 10 * m }, []call{
			boot(0, "262"),
			timeout(m), timeout(5 * m), tick(10*m + 59*time.Second),
			tick(11*m).switches("B", ReasonFallbackNoService),
			tick(30 * m), // the switch stopped the timer
			fail(31 * m),
			timeout(41*m).switches("C", ReasonFallbackNoService), // a failure fires an overdue timer too
		}},
		{"registered stops the no-service timer", func(c *Config) { c.FallbackAfterNoService = 10 * m }, []call{
			fail(m), reg(9 * m), tick(11 * m), fail(12 * m), tick(21 * m),
			tick(22*m).switches("B", ReasonFallbackNoService),
		}},
		{"service lost starts the no-service timer", func(c *Config) { c.FallbackAfterNoService = 10 * m }, []call{
			reg(0), lost(m), lost(5 * m), tick(10 * m),
			tick(11*m).switches("B", ReasonFallbackNoService),
		}},
		{"count and time together: the first wins", func(c *Config) {
			c.FallbackAfterFailures = 3
			c.FallbackAfterNoService = 10 * m
		}, []call{
			fail(0), fail(m), tick(10*m).switches("B", ReasonFallbackNoService),
			fail(11 * m), fail(12 * m), fail(13*m).switches("C", ReasonFallbackFailures),
		}},

		// Return to preferred.
		{"return to preferred", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.ReturnToPreferredAfter = 24 * h
		}, []call{
			boot(0, "208").switches("B", ReasonBoot),
			fail(m).switches("C", ReasonFallbackFailures),
			reg(2 * m),
			tick(24*h + 59*time.Second),
			tick(24*h+m).switches("B", ReasonReturnToPreferred),
			tick(72 * h), // back on the preferred: no timer
		}},
		{"return timer runs on across fallbacks", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.ReturnToPreferredAfter = 24 * h
		}, []call{
			fail(0).switches("B", ReasonFallbackFailures),    // away from A at 0
			fail(20*h).switches("C", ReasonFallbackFailures), // C: still away
			tick(24*h).switches("A", ReasonReturnToPreferred),
		}},
		{"fallback to the preferred stops the return timer", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.ReturnToPreferredAfter = 24 * h
		}, []call{
			fail(0).switches("B", ReasonFallbackFailures),
			fail(m).switches("C", ReasonFallbackFailures),
			fail(2*m).switches("A", ReasonFallbackFailures), // wrapped to A, the preferred
			tick(25 * h),
		}},
		{"a country that prefers the fallback profile stops the return timer", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.ReturnToPreferredAfter = 24 * h
		}, []call{
			boot(0, "262"),
			fail(m).switches("B", ReasonFallbackFailures),
			loc(h, "208"), // B is France's preferred: no switch, no timer
			tick(48 * h),
			loc(49*h, "262").switches("A", ReasonCountryChange),
		}},
		{"return to default in an unknown country", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.ReturnToPreferredAfter = h
		}, []call{
			fail(0).switches("B", ReasonFallbackFailures),
			tick(h).switches("A", ReasonReturnToPreferred),
		}},
		{"boot ends a fallback", func(c *Config) { c.FallbackAfterFailures = 1 }, []call{
			boot(0, "262"),
			fail(m).switches("B", ReasonFallbackFailures),
			boot(h, "262").switches("A", ReasonBoot),
		}},

		// Dwell.
		{"border ping-pong without dwell", nil, []call{
			loc(0, "262"),
			loc(m, "208").switches("B", ReasonCountryChange),
			loc(2*m, "262").switches("A", ReasonCountryChange),
			loc(3*m, "208").switches("B", ReasonCountryChange),
			loc(4*m, "262").switches("A", ReasonCountryChange),
		}},
		{"dwell defers a country change to its end", func(c *Config) { c.MinDwell = h }, []call{
			loc(0, "262"),
			loc(m, "208").switches("B", ReasonCountryChange), // dwell until 1h01m
			loc(2*m, "262"),
			loc(3*m, "208"),
			loc(4*m, "310"),
			tick(h),
			tick(h+m).switches("C", ReasonCountryChange), // the last country counts
		}},
		{"dwell: back where it started, nothing to do", func(c *Config) { c.MinDwell = h }, []call{
			loc(0, "208").switches("B", ReasonCountryChange),
			loc(m, "262"),
			loc(2*m, "208"),
			tick(h),
			tick(2 * h),
		}},
		{"dwell defers a fallback", func(c *Config) {
			c.MinDwell = h
			c.FallbackAfterFailures = 2
		}, []call{
			boot(0, "208").switches("B", ReasonBoot),
			fail(m), fail(2 * m), fail(3 * m),
			tick(h).switches("C", ReasonFallbackFailures),
		}},
		{"registered during the dwell cancels the deferred fallback", func(c *Config) {
			c.MinDwell = h
			c.FallbackAfterFailures = 2
		}, []call{
			boot(0, "208").switches("B", ReasonBoot),
			fail(m), fail(2 * m), reg(3 * m),
			tick(h),
		}},
		{"dwell defers the return", func(c *Config) {
			c.MinDwell = 2 * h
			c.FallbackAfterFailures = 1
			c.ReturnToPreferredAfter = h
		}, []call{
			fail(0).switches("B", ReasonFallbackFailures),
			tick(h),
			tick(2*h).switches("A", ReasonReturnToPreferred),
		}},
		{"a country change cancels a deferred fallback", func(c *Config) {
			c.MinDwell = h
			c.FallbackAfterFailures = 2
		}, []call{
			boot(0, "262"),
			loc(m, "208").switches("B", ReasonCountryChange),
			fail(2 * m), fail(3 * m), // fallback to C is due at the dwell's end...
			loc(4*m, "262"), // ...but the country changed
			tick(h+m).switches("A", ReasonCountryChange), // and the switch restarts the counter
			tick(2 * h),
		}},
		{"a country change without switch keeps the count", func(c *Config) { c.FallbackAfterFailures = 3 }, []call{
			boot(0, "262"),
			fail(m), fail(2 * m),
			loc(3*m, "404"), // Default A: no switch
			fail(4*m).switches("B", ReasonFallbackFailures),
		}},
		{"a deferred country change that keeps the profile lets the fallback through", func(c *Config) {
			c.MinDwell = h
			c.FallbackAfterFailures = 2
		}, []call{
			boot(0, "208").switches("B", ReasonBoot),
			loc(m, "262"), loc(2*m, "208"), loc(3*m, "262"), loc(4*m, "208"), // back in France
			fail(5 * m), fail(6 * m),
			tick(h).switches("C", ReasonFallbackFailures),
		}},

		// Wrap-around and FallbackOrder.
		{"fallback order wraps around", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.FallbackOrder = []string{"C", "A", "B"}
		}, []call{
			boot(0, "208").switches("B", ReasonBoot),
			fail(m).switches("C", ReasonFallbackFailures),
			fail(2*m).switches("A", ReasonFallbackFailures),
			fail(3*m).switches("B", ReasonFallbackFailures),
		}},
		{"active profile not in the fallback order: the first one", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.FallbackOrder = []string{"C", "B"}
		}, []call{
			fail(0).switches("C", ReasonFallbackFailures),
			fail(m).switches("B", ReasonFallbackFailures),
			fail(2*m).switches("C", ReasonFallbackFailures),
		}},
		{"fallback order of the active profile only: no fallback", func(c *Config) {
			c.FallbackAfterFailures = 1
			c.FallbackAfterNoService = m
			c.FallbackOrder = []string{"A"}
		}, []call{
			fail(0), fail(m), tick(h),
		}},

		// Refresh.
		{"failures before RefreshAt are the old IMSI's", func(c *Config) {
			c.FallbackAfterFailures = 2
			c.RefreshDelay = 30 * time.Second
		}, []call{
			fail(0), fail(m).switches("B", ReasonFallbackFailures), // re-attach at 1m30s
			fail(m + 10*time.Second), fail(m + 20*time.Second), // old IMSI
			fail(m + 30*time.Second),
			fail(2*m).switches("C", ReasonFallbackFailures),
		}},

		// Time never goes back.
		{"a late call counts as now", func(c *Config) { c.MinDwell = h }, []call{
			loc(h, "208").switches("B", ReasonCountryChange),
			loc(0, "262"), // at 1h: in the dwell
			tick(2*h).switches("A", ReasonCountryChange),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, testConfig(tt.edit), tt.script)
		})
	}
}

// TestModemReset is the bug of the modem that resets before the applet's
// no-service timer fires: resets every 5 minutes, each followed by a
// registration that times out, and a 10-minute timer.
func TestModemReset(t *testing.T) {
	for _, tt := range []struct {
		persist bool
		want    time.Duration // of the fallback; 0 = never
	}{
		{persist: false, want: 0},
		{persist: true, want: 11 * time.Minute}, // 10 minutes after the first failure
	} {
		cfg := testConfig(func(c *Config) {
			c.FallbackAfterNoService = 10 * time.Minute
			c.PersistTimers = tt.persist
		})
		s, _ := New(cfg, t0)
		s.Boot(t0, "262")
		var got time.Duration
		// The driver ticks at NextTimer when it comes before the next event.
		event := func(at time.Duration, do func(now time.Time) Decision) {
			if next, ok := s.NextTimer(); ok && !next.After(t0.Add(at)) {
				if d := s.Tick(next); d.Switch && got == 0 {
					got = next.Sub(t0)
				}
			}
			if d := do(t0.Add(at)); d.Switch && got == 0 {
				got = at
			}
		}
		for at := time.Duration(0); at < 24*time.Hour && got == 0; at += 5 * time.Minute {
			if at > 0 {
				event(at, func(now time.Time) Decision { s.ModemReset(now); return Decision{} })
			}
			event(at+time.Minute, func(now time.Time) Decision { return s.RegistrationFailed(now, true) })
		}
		if got != 0 && (s.Active().Name != "B" || s.Switches() != 1) {
			t.Fatalf("persist %v: active %s after %d switches", tt.persist, s.Active().Name, s.Switches())
		}
		if got != tt.want {
			t.Errorf("PersistTimers %v: fallback at %v, want %v (0 = never)", tt.persist, got, tt.want)
		}
	}
}

func TestModemResetKeepsProfileAndCounter(t *testing.T) {
	for _, persist := range []bool{false, true} {
		cfg := testConfig(func(c *Config) {
			c.FallbackAfterFailures = 3
			c.PersistTimers = persist
		})
		s := run(t, cfg, []call{boot(0, "208").switches("B", ReasonBoot), fail(time.Minute), fail(2 * time.Minute), reset(3 * time.Minute)})
		if s.Active().Name != "B" {
			t.Errorf("persist %v: active %s after reset, want B", persist, s.Active().Name)
		}
		want := 0
		if persist {
			want = 2
		}
		if s.Failures() != want {
			t.Errorf("persist %v: %d failures after reset, want %d", persist, s.Failures(), want)
		}
	}
}

func TestSingleProfile(t *testing.T) {
	cfg := &Config{
		Profiles:               []Profile{{Name: "only", IMSI: "901280000000001"}},
		Preferred:              map[string]string{"262": "only"},
		Default:                "only",
		FallbackAfterFailures:  1,
		FallbackAfterNoService: time.Minute,
		ReturnToPreferredAfter: time.Minute,
	}
	s, err := New(cfg, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		now := t0.Add(time.Duration(i) * time.Minute)
		var d Decision
		switch i % 5 {
		case 0:
			d = s.Boot(now, []string{"262", "208", ""}[i%3])
		case 1:
			d = s.Location(now, []string{"310", "262"}[i%2])
		case 2, 3:
			d = s.RegistrationFailed(now, i%2 == 0)
		case 4:
			d = s.Tick(now)
		}
		if d.Switch {
			t.Fatalf("call %d: a single-profile SIM switched: %+v", i, d)
		}
		if at, ok := s.NextTimer(); ok && i%5 != 0 {
			t.Fatalf("call %d: timer armed at %v with nothing to switch to", i, at)
		}
	}
	if s.Switches() != 0 || s.Failures() == 0 {
		t.Fatalf("%d switches, %d failures", s.Switches(), s.Failures())
	}
}

func TestNextTimer(t *testing.T) {
	const m, h = time.Minute, time.Hour
	cfg := testConfig(func(c *Config) {
		c.MinDwell = h
		c.FallbackAfterNoService = 10 * m
		c.FallbackAfterFailures = 5
		c.ReturnToPreferredAfter = 24 * h
	})
	s, _ := New(cfg, t0)
	next := func() time.Duration {
		at, ok := s.NextTimer()
		if !ok {
			return -1
		}
		return at.Sub(t0)
	}
	steps := []struct {
		c    call
		want time.Duration // of NextTimer after the call; -1 = none
	}{
		{boot(0, "262"), -1},
		{fail(m), 11 * m},        // no service
		{reg(2 * m), -1},         //
		{timeout(3 * m), 13 * m}, //
		{tick(13*m).switches("B", ReasonFallbackNoService), 24*h + 13*m}, // return; dwell until 1h13m
		{loc(14*m, "208"), h + 13*m},                                     // country change waits for the dwell (and keeps B: France's)
		{tick(h + 13*m), -1},                                             // settled in France on its preferred: no timer
		{loc(h+20*m, "262").switches("A", ReasonCountryChange), -1},
		{lost(h + 21*m), 2*h + 20*m},                            // due at 1h31m, held back by the dwell
		{loc(h+30*m, "208"), 2*h + 20*m},                        //
		{reg(h + 40*m), 2*h + 20*m},                             // the country change still waits
		{tick(2*h+20*m).switches("B", ReasonCountryChange), -1}, // the switch stops the no-service timer
		{lost(3*h + 21*m), 3*h + 31*m},
		{lost(3*h + 25*m), 3*h + 31*m}, // already running
	}
	for i, st := range steps {
		d := st.c.do(&s)
		if d.Switch != (st.c.to != "") || (d.Switch && d.To.Name != st.c.to) {
			t.Fatalf("step %d %v: %+v", i, st.c, d)
		}
		if got := next(); got != st.want {
			t.Fatalf("step %d %v: NextTimer at %v, want %v", i, st.c, got, st.want)
		}
	}
}

func TestReasonText(t *testing.T) {
	const m = time.Minute
	cfg := testConfig(func(c *Config) {
		c.FallbackAfterFailures = 3
		c.FallbackAfterNoService = 10 * m
		c.ReturnToPreferredAfter = 24 * time.Hour
	})
	s, _ := New(cfg, t0)
	for _, tt := range []struct {
		c    call
		want string
	}{
		{boot(0, "208"), "boot in MCC 208: preferred profile B"},
		{loc(m, "404"), "country change to MCC 404: no preference, default profile A"},
		{loc(2*m, "310"), "country change to MCC 310: preferred profile C"},
		{fail(3 * m), ""},
		{fail(4 * m), ""},
		{timeout(5 * m), "3 consecutive registration failures on profile C (the last a timeout)"},
		{lost(6 * m), ""},
		{tick(16 * m), "no service on profile A for 10m0s"},
		{tick(24*time.Hour + 5*m), "24h0m0s on profile B: back to profile C, the preferred for MCC 310"},
	} {
		if d := tt.c.do(&s); d.Reason != tt.want {
			t.Errorf("%v: reason %q, want %q", tt.c, d.Reason, tt.want)
		}
	}
}

// TestSIMSize guards the per-SIM state: a fleet holds a million SIMs.
func TestSIMSize(t *testing.T) {
	if n := unsafe.Sizeof(SIM{}); n > 96 {
		t.Errorf("SIM is %d bytes, want at most 96", n)
	}
}

// TestCopy checks that a copied SIM goes its own way.
func TestCopy(t *testing.T) {
	s, _ := New(testConfig(nil), t0)
	s.Boot(t0, "262")
	c := s
	c.Location(t0.Add(time.Minute), "208")
	if s.Active().Name != "A" || c.Active().Name != "B" || s.Switches() != 0 {
		t.Fatalf("original %s (%d switches), copy %s", s.Active().Name, s.Switches(), c.Active().Name)
	}
}

func TestDecisionZero(t *testing.T) {
	s, _ := New(testConfig(nil), t0)
	if d := s.Tick(t0); d != (Decision{}) {
		t.Fatalf("no-op Tick: %+v", d)
	}
	if d := s.Location(t0, "208"); !strings.Contains(d.Reason, "208") {
		t.Fatalf("reason %q does not name the MCC", d.Reason)
	}
}

// TestHugeDurations checks that timers saturate instead of wrapping into
// the past.
func TestHugeDurations(t *testing.T) {
	cfg := testConfig(func(c *Config) {
		c.FallbackAfterFailures = 1
		c.ReturnToPreferredAfter = math.MaxInt64
		c.MinDwell = math.MaxInt64
	})
	s := run(t, cfg, []call{
		fail(time.Hour).switches("B", ReasonFallbackFailures),
		loc(100*365*24*time.Hour, "208"), // the dwell never ends
	})
	at, ok := s.NextTimer()
	if !ok || !at.After(t0.Add(200*365*24*time.Hour)) {
		t.Fatalf("NextTimer %v %v, want far in the future", at, ok)
	}
	if d := s.Tick(t0.Add(250 * 365 * 24 * time.Hour)); d.Switch {
		t.Fatalf("switched within an endless dwell: %+v", d)
	}
}

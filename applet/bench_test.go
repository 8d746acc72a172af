package applet

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkAppletStep is one call on one SIM of a fleet of 4096 sharing a
// Config, in a mix a driver would make: mostly registrations and location
// updates in the same country, some failures, ticks, border crossings and
// resets. With a call per SIM every 7 simulated minutes about a tenth of
// the calls switch (and format a Reason): more than a real fleet, so this
// is the expensive side.
func BenchmarkAppletStep(b *testing.B) {
	cfg := &Config{
		Profiles: []Profile{
			{Name: "emnify", IMSI: "295050900000001", HomePLMN: "29505"},
			{Name: "uk", IMSI: "234500000000001", HomePLMN: "23450"},
			{Name: "us", IMSI: "310260000000001", HomePLMN: "310260"},
			{Name: "nl", IMSI: "204080000000001", HomePLMN: "20408"},
		},
		Preferred:              map[string]string{"262": "emnify", "208": "uk", "310": "us", "204": "nl", "234": "uk"},
		Default:                "emnify",
		FallbackAfterFailures:  3,
		FallbackAfterNoService: 10 * time.Minute,
		ReturnToPreferredAfter: 24 * time.Hour,
		MinDwell:               5 * time.Minute,
		RefreshDelay:           5 * time.Second,
	}
	const fleet = 4096
	sims := make([]SIM, fleet)
	for i := range sims {
		var err error
		if sims[i], err = New(cfg, t0); err != nil {
			b.Fatal(err)
		}
		sims[i].Boot(t0, "262")
	}
	r := rand.New(rand.NewPCG(1, 1))
	type call struct {
		kind int
		mcc  string
	}
	calls := make([]call, 1<<16)
	for i := range calls {
		c := call{mcc: "262"}
		switch p := r.IntN(100); {
		case p < 40:
			c.kind = 0 // Registered
		case p < 70:
			c.kind = 1 // Location, same country
		case p < 85:
			c.kind = 2 // RegistrationFailed
		case p < 95:
			c.kind = 3 // Tick
		case p < 99:
			c.kind, c.mcc = 1, []string{"208", "310", "204"}[r.IntN(3)]
		default:
			c.kind = 4 // ModemReset
		}
		calls[i] = c
	}
	now := t0
	switches := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := &sims[i%fleet]
		c := calls[i%len(calls)]
		now = now.Add(time.Second / 10)
		var d Decision
		switch c.kind {
		case 0:
			s.Registered(now)
		case 1:
			d = s.Location(now, c.mcc)
		case 2:
			d = s.RegistrationFailed(now, i&1 == 0)
		case 3:
			d = s.Tick(now)
		case 4:
			s.ModemReset(now)
		}
		if d.Switch {
			switches++
		}
		s.NextTimer()
	}
	b.ReportMetric(float64(switches)/float64(b.N), "switches/op")
}

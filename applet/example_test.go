package applet_test

import (
	"fmt"
	"time"

	"github.com/core-sim/core-sim/applet"
)

// A device parked on the French-German border sees the location flip
// between the two countries every two minutes for an hour. Without a dwell
// its SIM swaps IMSIs at every flip; with a 30-minute dwell it settles.
func Example_borderPingPong() {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, dwell := range []time.Duration{0, 30 * time.Minute} {
		cfg := &applet.Config{
			Profiles: []applet.Profile{
				{Name: "A", IMSI: "295050900000001", HomePLMN: "29505"},
				{Name: "B", IMSI: "234500000000001", HomePLMN: "23450"},
			},
			Preferred:    map[string]string{"262": "A", "208": "B"},
			Default:      "A",
			MinDwell:     dwell,
			RefreshDelay: 5 * time.Second,
		}
		sim, err := applet.New(cfg, start)
		if err != nil {
			panic(err)
		}
		sim.Boot(start, "262")
		now := start
		for i := 1; i <= 30; i++ {
			now = start.Add(time.Duration(i) * 2 * time.Minute)
			// The driver ticks when the applet asks to, then delivers the
			// next location report.
			if at, ok := sim.NextTimer(); ok && !at.After(now) {
				sim.Tick(at)
			}
			sim.Location(now, []string{"262", "208"}[i%2])
		}
		fmt.Printf("MinDwell %v: %d IMSI switches in an hour, on %s\n", dwell, sim.Switches(), sim.Active().Name)
	}
	// Output:
	// MinDwell 0s: 30 IMSI switches in an hour, on A
	// MinDwell 30m0s: 2 IMSI switches in an hour, on A
}

// The decision of a fallback, as a driver logs it.
func ExampleSIM_RegistrationFailed() {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cfg := &applet.Config{
		Profiles: []applet.Profile{
			{Name: "A", IMSI: "295050900000001", HomePLMN: "29505"},
			{Name: "B", IMSI: "234500000000001", HomePLMN: "23450"},
		},
		Default:               "A",
		FallbackAfterFailures: 3,
		RefreshDelay:          5 * time.Second,
	}
	sim, _ := applet.New(cfg, start)
	sim.Boot(start, "262")
	for i := 1; i <= 3; i++ {
		now := start.Add(time.Duration(i) * time.Minute)
		if d := sim.RegistrationFailed(now, i == 3); d.Switch {
			fmt.Printf("%s -> %s (%s): %s; re-attach at %s\n",
				d.From.IMSI, d.To.IMSI, d.Cause, d.Reason, d.RefreshAt.Format(time.TimeOnly))
		}
	}
	// Output:
	// 295050900000001 -> 234500000000001 (fallback after registration failures): 3 consecutive registration failures on profile A (the last a timeout); re-attach at 12:03:05
}

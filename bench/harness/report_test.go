package main

import (
	"math"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		v    []float64
		want float64
		ok   bool
	}{{nil, 0, false}, {[]float64{3}, 3, true}, {[]float64{5, 1, 3}, 3, true}, {[]float64{4, 1, 3, 2}, 2.5, true}} {
		in := append([]float64(nil), c.v...)
		if got, ok := median(in); got != c.want || ok != c.ok {
			t.Errorf("median(%v) = %v, %v; want %v, %v", c.v, got, ok, c.want, c.ok)
		}
		for i := range in {
			if in[i] != c.v[i] {
				t.Fatalf("median reordered its argument: %v", in)
			}
		}
	}
}

// round is a fleet round whose steady state is extra events over one
// second more.
func round(extra int64) fleetRound {
	return fleetRound{
		short: runResult{parsedOK: true, events: 1000, ran: time.Second},
		long:  runResult{parsedOK: true, events: 1000 + extra, ran: 2 * time.Second},
	}
}

// Flatness is the median of ratios taken round by round, not the ratio of
// medians: a round where the machine was slow for both sizes counts as
// flat as it was.
func TestFlatnessByRounds(t *testing.T) {
	lo := fleetSize{devices: 10_000, rounds: []fleetRound{round(100), round(400), round(200)}}
	hi := fleetSize{devices: 1_000_000, rounds: []fleetRound{round(80), round(200), round(180)}}
	r := &report{inproc: []fleetSize{lo, hi}}
	// Ratios 0.8, 0.5, 0.9: median 0.8 (the ratio of the medians would be 0.9).
	if got, ok := r.flatness(); !ok || got != 0.8 {
		t.Fatalf("flatness = %v, %v; want 0.8", got, ok)
	}
	if got, ok := lo.steady(); !ok || got != 200 {
		t.Fatalf("steady = %v, %v; want the median round, 200", got, ok)
	}
	// A round that failed is left out, not counted as zero.
	hi.rounds[1].long.limited = true
	r.inproc[1] = hi
	if got, ok := r.flatness(); !ok || math.Abs(got-0.85) > 1e-9 {
		t.Fatalf("flatness without round 2 = %v, %v; want 0.85", got, ok)
	}
	if _, ok := (&report{inproc: []fleetSize{lo}}).flatness(); ok {
		t.Fatal("flatness without the 1,000,000-device size")
	}
}

// The CPU an event at steady state is the long run's CPU beyond the short
// one's over the events beyond, and a size's figure the rounds' median;
// a round without CPU times or without a steady state has none.
func TestSteadyCPU(t *testing.T) {
	withCPU := func(extra int64, short, long time.Duration) fleetRound {
		r := round(extra)
		r.short.cpu, r.long.cpu = short, long
		return r
	}
	f := fleetSize{devices: 10_000, rounds: []fleetRound{
		withCPU(1000, time.Second, 3*time.Second),          // 2 s over 1,000 events: 2,000 us
		withCPU(2000, time.Second, 2*time.Second),          // 500 us
		withCPU(1000, 500*time.Millisecond, 2*time.Second), // 1,500 us
	}}
	if got, ok := f.rounds[0].steadyCPU(); !ok || got != 2000 {
		t.Fatalf("round 1: %v, %v; want 2000", got, ok)
	}
	if got, ok := f.steadyCPU(); !ok || got != 1500 {
		t.Fatalf("median: %v, %v; want 1500", got, ok)
	}
	f.rounds[2].long.cpu = 0
	f.rounds[1].long.limited = true
	if got, ok := f.steadyCPU(); !ok || got != 2000 {
		t.Fatalf("without rounds 2 and 3: %v, %v; want 2000", got, ok)
	}
	if _, ok := (fleetSize{rounds: []fleetRound{round(10)}}).steadyCPU(); ok {
		t.Fatal("a steady CPU from runs without CPU times")
	}
	if cpuPerEvent(2.345, true) != "2.35" || cpuPerEvent(0, false) != "-" {
		t.Fatal("cpuPerEvent")
	}
}

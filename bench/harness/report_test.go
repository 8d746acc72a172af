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

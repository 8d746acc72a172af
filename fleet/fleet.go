// Package fleet is the devices of a scenario and what they do: power on in
// a country, pick a network, register, open and close data sessions,
// travel, power off. Each device runs on its own, driven by the scenario's
// plan and a random source derived from the scenario's seed and the
// device's index, and drives the serving nodes of package sgsn.
//
// It holds no protocol state: registrations and PDP contexts are the
// serving node's.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/sgsn"
	"github.com/core-sim/core-sim/world"
)

// Device is one device of a fleet with its SIM.
type Device struct {
	Fleet *scenarios.Fleet
	Index int // 0-based within the fleet
	IMSI  string
	IMEI  string
}

// Devices lists every device of a scenario, fleet by fleet. imeiOf gives
// the IMEI the platform has for an IMSI, used when a fleet names none.
func Devices(sc *scenarios.Scenario, imeiOf func(imsi string) string) []Device {
	var out []Device
	for fi := range sc.Fleets {
		f := &sc.Fleets[fi]
		for i := 0; i < f.Count; i++ {
			d := Device{Fleet: f, Index: i, IMSI: Add(f.FirstIMSI, i)}
			switch {
			case f.FirstIMEI != "":
				d.IMEI = Add(f.FirstIMEI, i)
			case imeiOf != nil && imeiOf(d.IMSI) != "":
				d.IMEI = imeiOf(d.IMSI)
			default:
				d.IMEI = "35" + d.IMSI[len(d.IMSI)-13:]
			}
			out = append(out, d)
		}
	}
	return out
}

// Add adds n to a decimal identifier, keeping its number of digits.
func Add(first string, n int) string {
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

// Result counts what happened to the fleet.
type Result struct {
	Devices  int
	Attached int // devices that registered somewhere at least once
	Errors   []error
}

// Run runs every device until its plan ends or ctx is done. A failure to
// write an event stops the run; other failures are counted per device.
func Run(ctx context.Context, sc *scenarios.Scenario, devices []Device, nw *sgsn.Network, log *zap.Logger) Result {
	if log == nil {
		log = zap.NewNop()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		res = Result{Devices: len(devices)}
	)
	for i := range devices {
		wg.Add(1)
		go func(d *Device, seq int) {
			defer wg.Done()
			r := &runner{d: d, nw: nw, sc: sc, log: log.With(zap.String("imsi", d.IMSI)),
				rnd: rand.New(rand.NewPCG(uint64(sc.Seed), uint64(seq)))}
			attached, err := r.run(ctx)
			mu.Lock()
			defer mu.Unlock()
			if attached {
				res.Attached++
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				res.Errors = append(res.Errors, fmt.Errorf("device %s (fleet %s): %w", d.IMSI, d.Fleet.Name, err))
				if errors.Is(err, platform.ErrStream) {
					cancel(err)
				}
			}
		}(&devices[i], i)
	}
	wg.Wait()
	return res
}

type runner struct {
	d   *Device
	nw  *sgsn.Network
	sc  *scenarios.Scenario
	log *zap.Logger
	rnd *rand.Rand
}

func (r *runner) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *runner) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(r.rnd.Int64N(int64(hi-lo)+1))
}

func (r *runner) run(ctx context.Context) (attached bool, err error) {
	f := r.d.Fleet
	if err := r.sleep(ctx, r.between(0, f.StartWithin)); err != nil {
		return false, err
	}
	countries := append([]string{f.Country}, f.Travel...)
	var node *sgsn.Node
	var ue sgsn.UE
	for ci, iso := range countries {
		c, _ := r.sc.World.Country(iso)
		ue = sgsn.UE{IMSI: r.d.IMSI, IMEI: r.d.IMEI, IMEISV: r.d.IMEI[:14] + "01", RAT: f.RAT,
			LAC: uint16(1000 + r.rnd.IntN(9000)), CI: uint16(1 + r.rnd.IntN(65000))}
		var err error
		node, err = r.attach(ctx, c, ue, ci == 0)
		if err != nil {
			if errors.Is(err, errStop) {
				return attached, nil
			}
			return attached, err
		}
		if node == nil {
			continue // no network would have it in this country
		}
		attached = true
		last := ci == len(countries)-1
		for s := 0; s < f.Sessions; s++ {
			sess, err := node.CreatePDPContext(ctx, ue, f.APN)
			if err != nil {
				var rej *sgsn.Rejected
				if !errors.As(err, &rej) {
					return attached, err
				}
			} else {
				if last && s == f.Sessions-1 && f.LeaveOnline {
					break // left open on purpose: the endpoint ends ONLINE
				}
				if err := r.sleep(ctx, r.between(f.SessionLength[0], f.SessionLength[1])); err != nil {
					return attached, err
				}
				total := int64(f.VolumeKB[0]) + r.rnd.Int64N(int64(f.VolumeKB[1]-f.VolumeKB[0])+1)
				total *= 1000
				rx := total * int64(20+r.rnd.IntN(60)) / 100
				if err := node.DeletePDPContext(ctx, sess, events.Bytes(rx), events.Bytes(total-rx)); err != nil {
					return attached, err
				}
			}
			if err := r.sleep(ctx, f.Pause); err != nil {
				return attached, err
			}
		}
	}
	if f.PowerOff && node != nil {
		if err := node.Detach(ctx, ue); err != nil {
			return attached, err
		}
	}
	return attached, nil
}

var errStop = errors.New("device gives up")

// attach picks a network in country c the way a device does: the fleet's
// preferred operators first, then the others that offer the device's RAT,
// skipping those that rejected it. It registers for CS (Update Location)
// then PS (Update GPRS Location). It returns nil if no network took it.
func (r *runner) attach(ctx context.Context, c world.Country, ue sgsn.UE, first bool) (*sgsn.Node, error) {
	var order []world.Operator
	seen := map[string]bool{}
	for _, p := range r.d.Fleet.Operators {
		if op, ok := r.sc.World.Operator(p); ok && op.MCC == c.MCC {
			order = append(order, op)
			seen[p] = true
		}
	}
	for _, op := range r.sc.World.OperatorsIn(c.MCC) {
		if !seen[op.PLMN()] && op.Supports(ue.RAT) {
			order = append(order, op)
		}
	}
	for _, op := range order {
		node, err := r.nw.Node(ctx, op.PLMN())
		if err != nil {
			return nil, err
		}
		err = node.UpdateLocation(ctx, ue)
		if err == nil {
			err = node.UpdateGPRSLocation(ctx, ue)
		}
		if err == nil {
			return node, nil
		}
		var rej *sgsn.Rejected
		if !errors.As(err, &rej) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			r.log.Warn("registration failed, trying the next network", zap.String("plmn", op.PLMN()), zap.Error(err))
			continue
		}
		// IMSI unknown in HLR (GMM cause #2): the SIM is invalid until power-off.
		if rej.Result == s6a.ErrorUserUnknown {
			return nil, errStop
		}
	}
	r.log.Debug("no network accepted the device", zap.String("country", c.ISO))
	return nil, nil
}

package applet

import (
	"fmt"
	"math"
	"time"
)

// Reason is the rule that made a switch.
type Reason string

// The rules, in the order a SIM applies them when more than one is due.
const (
	ReasonBoot              Reason = "boot"
	ReasonCountryChange     Reason = "country change"
	ReasonFallbackFailures  Reason = "fallback after registration failures"
	ReasonFallbackNoService Reason = "fallback after no service"
	ReasonReturnToPreferred Reason = "return to preferred profile"
)

// Decision is what the applet did. The zero Decision is "no switch".
type Decision struct {
	Switch   bool
	From, To Profile
	Cause    Reason
	// Reason says why in words, with the details: "3 consecutive
	// registration failures on profile A (the last a timeout)".
	Reason string
	// RefreshAt is when the device re-attaches with To: the switch's time
	// plus Config.RefreshDelay.
	RefreshAt time.Time
}

// SIM is one SIM's applet state. It is a small value (88 bytes on 64-bit;
// it points only to the shared Config and to New's time.Location) and may
// be copied: the copy goes its own way. The zero SIM
// is not usable: make one with New.
type SIM struct {
	cfg   *Config
	epoch time.Time // New's now; every instant below is an offset from it

	last       time.Duration // the latest time seen: a call never goes back before it
	switchedAt time.Duration // the last switch, if flagSwitched
	refreshAt  time.Duration // until then, registration news is the old IMSI's
	noSvcSince time.Duration // if flagNoService
	awaySince  time.Duration // if flagAway: left the country's preferred profile

	failures uint32 // consecutive registration failures on the active profile
	switches uint32
	active   uint8 // index into cfg.Profiles
	flags    uint8
	mcc      mcc // the latest country reported
	applied  mcc // the country the active profile was chosen for; differs from mcc while a change waits for the dwell
}

const (
	flagSwitched  uint8 = 1 << iota // switchedAt is set: the dwell applies
	flagNoService                   // the no-service timer runs from noSvcSince
	flagAway                        // the return-to-preferred timer runs from awaySince
	flagBoot                        // a boot's selection waits for the dwell
	flagTimeout                     // the last failure was a timeout, not a reject
)

// mcc is a Mobile Country Code's three ASCII digits; the zero mcc is
// "unknown". Three bytes instead of a string keep a SIM small.
type mcc [3]byte

func parseMCC(s string) mcc {
	if !digits(s, 3, 3) {
		return mcc{}
	}
	return mcc{s[0], s[1], s[2]}
}

func (m mcc) known() bool { return m[0] != 0 }

func (m mcc) String() string {
	if !m.known() {
		return ""
	}
	return string(m[:])
}

// New returns a SIM on cfg's Default profile in an unknown country, with
// no timer armed. cfg is checked with Validate and kept, not copied.
func New(cfg *Config, now time.Time) (SIM, error) {
	if err := cfg.Validate(); err != nil {
		return SIM{}, err
	}
	return SIM{cfg: cfg, epoch: now, active: uint8(cfg.index(cfg.Default))}, nil
}

// Active is the profile whose IMSI the SIM presents.
func (s *SIM) Active() Profile { return s.cfg.Profiles[s.active] }

// Switches counts the switches so far.
func (s *SIM) Switches() int { return int(s.switches) }

// Failures counts the consecutive registration failures on the active
// profile.
func (s *SIM) Failures() int { return int(s.failures) }

// MCC is the latest country reported by Boot or Location, "" if none.
func (s *SIM) MCC() string { return s.mcc.String() }

// Boot is the device's power-on in country mcc ("" if the modem does not
// know it yet). The SIM powers up as on ModemReset; then, if the MCC is
// known, the applet selects that country's preferred profile (or Default),
// even in the country it was already in: a power cycle ends a fallback.
func (s *SIM) Boot(now time.Time, mcc string) Decision {
	t := s.at(now)
	s.powerUp()
	if m := parseMCC(mcc); m.known() {
		s.mcc = m
		s.flags |= flagBoot
	}
	return s.step(t)
}

// ModemReset is a reset of the modem, which power-cycles the SIM. Without
// Config.PersistTimers the failure counter and the no-service timer are
// lost. The active profile, the country, the dwell and the
// return-to-preferred timer are kept. It never switches.
func (s *SIM) ModemReset(now time.Time) {
	s.at(now)
	s.powerUp()
}

// Location is a location status from the modem. A change of MCC selects
// the new country's preferred profile (or Default), once the dwell allows.
// An mcc that is not three digits (no service, limited service) is ignored.
func (s *SIM) Location(now time.Time, mcc string) Decision {
	t := s.at(now)
	if m := parseMCC(mcc); m.known() {
		s.mcc = m
	}
	return s.step(t)
}

// RegistrationFailed is a registration reject (timeout false) or a
// registration that timed out. It counts, starts the no-service timer if
// it is not running, and may make a fallback. News from before the
// RefreshAt of the last switch belongs to the old IMSI and is not counted.
func (s *SIM) RegistrationFailed(now time.Time, timeout bool) Decision {
	t := s.at(now)
	if t >= s.refreshAt {
		if s.failures < math.MaxUint32 {
			s.failures++
		}
		if timeout {
			s.flags |= flagTimeout
		} else {
			s.flags &^= flagTimeout
		}
		s.startNoService(t)
	}
	return s.step(t)
}

// Registered is service obtained: the failure counter and the no-service
// timer restart. It never switches.
func (s *SIM) Registered(now time.Time) {
	t := s.at(now)
	if t >= s.refreshAt {
		s.failures = 0
		s.flags &^= flagNoService | flagTimeout
	}
}

// ServiceLost is a loss of service without a registration failure (out of
// coverage, detached by the network): it starts the no-service timer if it
// is not running. It never switches.
func (s *SIM) ServiceLost(now time.Time) {
	t := s.at(now)
	if t >= s.refreshAt {
		s.startNoService(t)
	}
}

// Tick is time passing: it fires what has come due, the no-service
// fallback, the return to the preferred profile or a change that waited
// for the dwell. Call it at NextTimer.
func (s *SIM) Tick(now time.Time) Decision {
	return s.step(s.at(now))
}

// NextTimer is when Tick has something to do; false if nothing is
// pending. The time may be in the past (Tick is late): call Tick now.
func (s *SIM) NextTimer() (time.Time, bool) {
	c := s.cfg
	var at time.Duration
	ok := false
	consider := func(d time.Duration) {
		if !ok || d < at {
			at, ok = d, true
		}
	}
	if s.flags&flagBoot != 0 || s.mcc != s.applied {
		consider(s.last)
	}
	fallback := c.next(int(s.active)) >= 0
	if n := c.FallbackAfterFailures; n > 0 && uint64(s.failures) >= uint64(n) && fallback {
		consider(s.last)
	}
	if d := c.FallbackAfterNoService; d > 0 && s.flags&flagNoService != 0 && fallback {
		consider(add(s.noSvcSince, d))
	}
	if r := c.ReturnToPreferredAfter; r > 0 && s.flags&flagAway != 0 {
		consider(add(s.awaySince, r))
	}
	if !ok {
		return time.Time{}, false
	}
	if end, dwelling := s.dwellEnd(); dwelling && at < end {
		at = end
	}
	return s.epoch.Add(at), true
}

// at turns now into an offset from the epoch and moves the SIM's clock to
// it. A time before the latest one seen counts as the latest: the rules
// (the dwell above all) hold even if a driver delivers out of order.
func (s *SIM) at(now time.Time) time.Duration {
	t := now.Sub(s.epoch)
	if t < s.last {
		t = s.last
	}
	s.last = t
	return t
}

// powerUp is the SIM's power cycle: what the applet holds in RAM only is
// lost.
func (s *SIM) powerUp() {
	if s.cfg.PersistTimers {
		return
	}
	s.failures = 0
	s.flags &^= flagNoService | flagTimeout
}

func (s *SIM) startNoService(t time.Duration) {
	if s.flags&flagNoService == 0 {
		s.flags |= flagNoService
		s.noSvcSince = t
	}
}

// dwellEnd is the end of the dwell after the last switch; false if there
// has been no switch.
func (s *SIM) dwellEnd() (time.Duration, bool) {
	if s.flags&flagSwitched == 0 {
		return 0, false
	}
	return add(s.switchedAt, s.cfg.MinDwell), true
}

// step applies the first rule that is due at t. Every rule leaves its
// trigger in the state (the country, the counter, the timers), so a rule
// held back by the dwell fires at the first step after it.
func (s *SIM) step(t time.Duration) Decision {
	c := s.cfg
	if end, ok := s.dwellEnd(); ok && t < end {
		return Decision{}
	}
	active := int(s.active)

	// A country change wins over a pending fallback: the new country's
	// preferred profile is chosen afresh, and the switch restarts the
	// counter and the timer. If the profile stays, they go on.
	if s.flags&flagBoot != 0 || s.mcc != s.applied {
		boot := s.flags&flagBoot != 0
		s.flags &^= flagBoot
		s.applied = s.mcc
		if to := c.preferred(s.applied); to != active {
			what := "preferred"
			if _, ok := c.Preferred[s.applied.String()]; !ok {
				what = "no preference, default"
			}
			if boot {
				return s.switchTo(t, to, ReasonBoot, fmt.Sprintf("boot in MCC %s: %s profile %s",
					s.applied, what, c.Profiles[to].Name))
			}
			return s.switchTo(t, to, ReasonCountryChange, fmt.Sprintf("country change to MCC %s: %s profile %s",
				s.applied, what, c.Profiles[to].Name))
		}
		s.settle(t)
	}

	if n := c.FallbackAfterFailures; n > 0 && uint64(s.failures) >= uint64(n) {
		if to := c.next(active); to >= 0 {
			last := "reject"
			if s.flags&flagTimeout != 0 {
				last = "timeout"
			}
			return s.switchTo(t, to, ReasonFallbackFailures, fmt.Sprintf(
				"%d consecutive registration failures on profile %s (the last a %s)",
				s.failures, c.Profiles[active].Name, last))
		}
	}

	if d := c.FallbackAfterNoService; d > 0 && s.flags&flagNoService != 0 && t >= add(s.noSvcSince, d) {
		if to := c.next(active); to >= 0 {
			return s.switchTo(t, to, ReasonFallbackNoService, fmt.Sprintf(
				"no service on profile %s for %v", c.Profiles[active].Name, t-s.noSvcSince))
		}
	}

	if r := c.ReturnToPreferredAfter; r > 0 && s.flags&flagAway != 0 && t >= add(s.awaySince, r) {
		if to := c.preferred(s.applied); to != active {
			where := "default"
			if _, ok := c.Preferred[s.applied.String()]; ok {
				where = "preferred for MCC " + s.applied.String()
			}
			return s.switchTo(t, to, ReasonReturnToPreferred, fmt.Sprintf(
				"%v on profile %s: back to profile %s, the %s", t-s.awaySince,
				c.Profiles[active].Name, c.Profiles[to].Name, where))
		}
	}
	return Decision{}
}

// switchTo makes the switch: the REFRESH, the restart of the counter and
// the no-service timer, the dwell, and the return timer.
func (s *SIM) switchTo(t time.Duration, to int, cause Reason, reason string) Decision {
	c := s.cfg
	from := s.active
	s.active = uint8(to)
	if s.switches < math.MaxUint32 {
		s.switches++
	}
	s.flags |= flagSwitched
	s.switchedAt = t
	s.refreshAt = add(t, c.RefreshDelay)
	s.failures = 0
	s.flags &^= flagNoService | flagTimeout
	s.settle(t)
	return Decision{
		Switch:    true,
		From:      c.Profiles[from],
		To:        c.Profiles[to],
		Cause:     cause,
		Reason:    reason,
		RefreshAt: s.epoch.Add(s.refreshAt),
	}
}

// settle runs the return-to-preferred timer while the active profile is
// not the country's preferred one, from when it left it, and stops it
// when it is back.
func (s *SIM) settle(t time.Duration) {
	if s.cfg.ReturnToPreferredAfter == 0 || int(s.active) == s.cfg.preferred(s.applied) {
		s.flags &^= flagAway
		return
	}
	if s.flags&flagAway == 0 {
		s.flags |= flagAway
		s.awaySince = t
	}
}

// add is t+d, saturating instead of wrapping.
func add(t, d time.Duration) time.Duration {
	if d > 0 && t > math.MaxInt64-d {
		return math.MaxInt64
	}
	return t + d
}

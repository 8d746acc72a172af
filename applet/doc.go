// Package applet is a model of the multi-IMSI SIM applet: a SIM that holds
// up to six IMSI profiles (its own operator's and partners') and overwrites
// the active IMSI with the preferred one of the country the device is in,
// falls back to another profile when registrations fail or service is
// gone, and returns to the preferred profile after a while.
//
// It is only the algorithm, in the manner of etcd-io/raft: a SIM opens no
// socket, reads no clock, draws no random number and starts no goroutine.
// The driver (a device of package fleet) passes the time into every call
// and acts on the Decision that comes out: on a switch, the device detaches
// and re-attaches with Decision.To's IMSI at Decision.RefreshAt, and it
// schedules a Tick at NextTimer. The decisions are a function of the
// Config and the sequence of calls with their times only, so a roaming bug
// replays from a scenario's seed. A SIM is a small value (under 100 bytes)
// that can be copied; all SIMs of a fleet share one *Config. A SIM is not
// safe for concurrent use: one device drives it.
//
// It is not the SIM's file system, the STK proactive commands or the
// network's side: which networks a profile may use in a country is the
// world's and the HLR's business.
//
// # Rules
//
// The preferred profile of a country is Config.Preferred[MCC], or
// Config.Default where the country has no preference or is unknown. A new
// SIM is on Default in an unknown country.
//
//   - Boot: at power-on in a known country the applet selects its
//     preferred profile, even if the SIM was there before on a fallback
//     profile: a power cycle ends a fallback. With an unknown MCC the
//     profile stays.
//   - Country change: a Location with another MCC than the one the active
//     profile was chosen for selects the new country's preferred profile.
//     A Location with the same MCC does nothing, so a fallback profile
//     stays in its country.
//   - Fallback by count: after Config.FallbackAfterFailures consecutive
//     registration failures (rejects and timeouts alike) the applet
//     switches to the next profile of Config.FallbackOrder after the
//     active one, wrapping around and never picking the active one.
//   - Fallback by time: the same after Config.FallbackAfterNoService
//     without service, counted from the first failure (or ServiceLost)
//     since the last Registered or switch.
//   - Return to preferred: the timer starts when a switch leaves the
//     current country's preferred profile and runs on across further
//     fallbacks; it stops when the SIM is back on the preferred profile
//     (by any rule, or because the country changed to one where the active
//     profile is preferred). When it fires after
//     Config.ReturnToPreferredAfter, the applet switches back.
//   - Every switch restarts the failure counter and the no-service timer,
//     and starts the dwell.
//   - Dwell: no switch within Config.MinDwell after the previous one. A
//     rule that comes due during the dwell is not lost: its trigger stays
//     in the state and the rule fires at the first call at or after the
//     dwell's end (NextTimer says when). Only the last country counts: a
//     border where the location flips between two MCCs makes at most one
//     switch per dwell, and none if the device is back in the country it
//     started the dwell in. Without a dwell the SIM flips its IMSI at
//     every flip of the location: the border ping-pong.
//   - With a single profile, or no other profile in FallbackOrder, there
//     is no fallback; the counter goes on counting.
//
// When several rules are due at once the first in this order wins: boot,
// country change, fallback by count, fallback by time, return to
// preferred. A country change therefore cancels a pending fallback: the
// new country's preferred profile is chosen afresh and the switch restarts
// the counter and the timer, since the old profile failed on another
// country's networks. If the new country prefers the active profile, there
// is no switch and the counter and the no-service timer go on: the outage
// of that IMSI goes on too.
//
// # Time and resets
//
// Registration news (RegistrationFailed, Registered, ServiceLost) that
// arrives before the RefreshAt of the last switch is about the old IMSI:
// it is not counted. A call with a time before the latest time seen is
// taken as happening at the latest time seen.
//
// ModemReset power-cycles the SIM. With Config.PersistTimers the failure
// counter and the no-service timer are in SIM memory and survive; without,
// they are lost, and a modem that resets more often than the no-service
// timer runs never falls back (the bug a scenario shows). The active
// profile, the country, the dwell and the return-to-preferred timer always
// survive: they live with the IMSI.
//
// Only Boot, Location, RegistrationFailed and Tick may switch; ModemReset,
// Registered and ServiceLost never do, even when a timer is overdue: the
// next Tick fires it if it is still due.
package applet

package applet

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// MaxProfiles is how many IMSI profiles one SIM holds.
const MaxProfiles = 6

// ErrInvalidConfig is wrapped by every error of Config.Validate.
var ErrInvalidConfig = errors.New("invalid applet config")

// Profile is one IMSI profile of the SIM: the identity of one issuing
// operator (EMnify's own or a partner's).
type Profile struct {
	Name     string
	IMSI     string
	HomePLMN string // MCC+MNC of the issuing home operator; if set, the IMSI starts with it
}

// Config is the applet's programming: the profiles and the rules that pick
// one. All SIMs of a fleet may share one Config by pointer; it must not be
// changed after the first New.
type Config struct {
	Profiles  []Profile         // 1..MaxProfiles
	Preferred map[string]string // MCC -> profile name: the preferred profile per country
	Default   string            // profile where no preference exists; the profile of a new SIM

	// FallbackOrder lists profile names in fallback order; empty means the
	// order of Profiles. A fallback goes to the name after the active
	// profile's, wrapping around, or to the first name if the active
	// profile is not listed.
	FallbackOrder []string

	// FallbackAfterFailures switches to the next profile after this many
	// consecutive registration failures (rejects or timeouts); 0 = never.
	FallbackAfterFailures int
	// FallbackAfterNoService switches to the next profile after this long
	// without service, counted from the first failure or loss of service;
	// 0 = never.
	FallbackAfterNoService time.Duration
	// ReturnToPreferredAfter switches back to the country's preferred
	// profile after this long on another one; 0 = never.
	ReturnToPreferredAfter time.Duration
	// MinDwell is the anti-flapping time: no switch within it after the
	// previous switch. What comes due meanwhile is applied when it ends.
	MinDwell time.Duration
	// RefreshDelay is how long after a switch the device re-attaches with
	// the new IMSI (the SIM REFRESH).
	RefreshDelay time.Duration
	// PersistTimers keeps the failure counter and the no-service timer in
	// SIM memory across a modem reset; false restarts them at each reset.
	PersistTimers bool
}

// Validate reports every problem of c, each naming the field, joined into
// one error that wraps ErrInvalidConfig.
func (c *Config) Validate() error {
	if c == nil {
		return fmt.Errorf("applet: %w: nil Config", ErrInvalidConfig)
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("applet: %w: "+format, append([]any{ErrInvalidConfig}, a...)...))
	}

	switch n := len(c.Profiles); {
	case n == 0:
		bad("Profiles is empty (a SIM needs at least one profile)")
	case n > MaxProfiles:
		bad("Profiles has %d profiles, a SIM holds at most %d", n, MaxProfiles)
	}
	for i, p := range c.Profiles {
		if p.Name == "" {
			bad("Profiles[%d].Name is empty", i)
		}
		if !digits(p.IMSI, 6, 15) {
			bad("Profiles[%d].IMSI %q is not 6 to 15 digits", i, p.IMSI)
		}
		if p.HomePLMN != "" {
			if !digits(p.HomePLMN, 5, 6) {
				bad("Profiles[%d].HomePLMN %q is not an MCC+MNC of 5 or 6 digits", i, p.HomePLMN)
			} else if len(p.IMSI) >= len(p.HomePLMN) && p.IMSI[:len(p.HomePLMN)] != p.HomePLMN {
				bad("Profiles[%d].IMSI %q does not start with its HomePLMN %q", i, p.IMSI, p.HomePLMN)
			}
		}
		for j, q := range c.Profiles[:i] {
			if p.Name != "" && p.Name == q.Name {
				bad("Profiles[%d].Name %q is also Profiles[%d]'s", i, p.Name, j)
			}
			if p.IMSI != "" && p.IMSI == q.IMSI {
				bad("Profiles[%d].IMSI %q is also Profiles[%d]'s", i, p.IMSI, j)
			}
		}
	}

	known := func(name string) bool {
		return slices.ContainsFunc(c.Profiles, func(p Profile) bool { return p.Name == name })
	}
	mccs := make([]string, 0, len(c.Preferred))
	for mcc := range c.Preferred {
		mccs = append(mccs, mcc)
	}
	slices.Sort(mccs) // the errors come out in the same order every time
	for _, mcc := range mccs {
		if !digits(mcc, 3, 3) {
			bad("Preferred key %q is not an MCC of 3 digits", mcc)
		}
		if name := c.Preferred[mcc]; !known(name) {
			bad("Preferred[%q] names unknown profile %q", mcc, name)
		}
	}
	if c.Default == "" {
		bad("Default is empty")
	} else if !known(c.Default) {
		bad("Default names unknown profile %q", c.Default)
	}
	for i, name := range c.FallbackOrder {
		if !known(name) {
			bad("FallbackOrder[%d] names unknown profile %q", i, name)
		}
		if j := slices.Index(c.FallbackOrder[:i], name); j >= 0 {
			bad("FallbackOrder[%d] %q is also FallbackOrder[%d]", i, name, j)
		}
	}

	if c.FallbackAfterFailures < 0 {
		bad("FallbackAfterFailures is negative (%d)", c.FallbackAfterFailures)
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"FallbackAfterNoService", c.FallbackAfterNoService},
		{"ReturnToPreferredAfter", c.ReturnToPreferredAfter},
		{"MinDwell", c.MinDwell},
		{"RefreshDelay", c.RefreshDelay},
	} {
		if d.d < 0 {
			bad("%s is negative (%v)", d.name, d.d)
		}
	}
	return errors.Join(errs...)
}

// index is the position of the profile called name in c.Profiles, or -1.
// A SIM has at most six profiles: a scan beats a map and needs no state.
func (c *Config) index(name string) int {
	for i := range c.Profiles {
		if c.Profiles[i].Name == name {
			return i
		}
	}
	return -1
}

// preferred is the index of the preferred profile for mcc, or of Default
// where the country has none or the MCC is unknown.
func (c *Config) preferred(mcc mcc) int {
	if mcc.known() {
		if name, ok := c.Preferred[string(mcc[:])]; ok {
			return c.index(name)
		}
	}
	return c.index(c.Default)
}

// next is the profile a fallback from active goes to, or -1 if there is
// none other than active.
func (c *Config) next(active int) int {
	if len(c.FallbackOrder) == 0 {
		if len(c.Profiles) < 2 {
			return -1
		}
		return (active + 1) % len(c.Profiles)
	}
	name := c.Profiles[active].Name
	at := slices.Index(c.FallbackOrder, name) // -1: start at the first name
	for k := 1; k <= len(c.FallbackOrder); k++ {
		i := c.index(c.FallbackOrder[(at+k)%len(c.FallbackOrder)])
		if i != active {
			return i
		}
	}
	return -1
}

// digits reports whether s is min..max ASCII digits.
func digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

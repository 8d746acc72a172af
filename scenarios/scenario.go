// Package scenarios is core-sim's scenario library and its loader. A
// scenario file (YAML) describes a world and what happens in it: the home
// networks whose IMSIs the SIMs carry and their roaming agreements, the
// multi-IMSI SIM applet's settings, the fleets of devices (their SIMs,
// where they go and when, their data sessions, their firmware's quirks),
// operator outages, the run's duration and seed, and what the run is
// expected to show. Every element (HLR, GGSN, SGSN) reads the part it needs,
// so that the processes of a distributed setup agree by sharing one file,
// or the embedded default.
//
// The loader is strict: unknown keys are errors, and every error names the
// file, the line and the field. It builds no network element itself.
package scenarios

import (
	"net/netip"
	"time"

	"github.com/core-sim/core-sim/world"
)

// Scenario is a validated scenario.
type Scenario struct {
	File        string // where it was read from ("embedded:default.yaml" for the default)
	Name        string
	Description string
	Seed        int64
	Start       time.Time     // virtual time at which the run starts
	Duration    time.Duration // virtual time the run lasts

	Organisation Organisation
	Platform     Platform
	World        *world.World
	HLR          HLR
	GGSN         GGSN
	HomeNetworks []HomeNetwork
	SIMs         []SIMType
	Fleets       []Fleet
	Outages      []Outage
	Expect       []Expectation
}

// Organisation is the platform customer that owns the endpoints.
type Organisation struct {
	ID   int64
	Name string
}

// Platform holds the values events carry that no network element knows:
// where the data plane breaks out and the tariff identifiers.
type Platform struct {
	Region          string
	BreakoutIP      string
	TariffProfileID string
	RatezoneID      string
	TariffID        string
	ProvisionedAt   time.Time // sim.production_date and imsi.import_date
}

// HLR is the HLR's Diameter identity.
type HLR struct {
	Host  string
	Realm string
}

// GGSN is what the GGSN offers.
type GGSN struct {
	APNs []APN
}

// APN is one access point name and its IPv4 pool.
type APN struct {
	Name string
	Pool netip.Prefix
}

// HomeNetwork is an operator that issues IMSIs to the SIMs (one SIM
// profile each) and the visited networks it has roaming agreements with.
type HomeNetwork struct {
	Name       string
	PLMN       string
	Agreements []string // visited PLMNs; nil (omitted, or "*") means every operator of the world
	APNs       []string // the APNs of its subscription
}

// Allows reports whether the home network has an agreement with plmn.
func (h *HomeNetwork) Allows(plmn string) bool {
	if h.Agreements == nil {
		return true
	}
	for _, p := range h.Agreements {
		if p == plmn {
			return true
		}
	}
	return false
}

// SIMType is the applet configuration shared by the SIMs of a fleet.
type SIMType struct {
	Name                   string
	Profiles               []string          // home network names, in fallback order
	Preferred              map[string]string // MCC -> profile
	Default                string
	FallbackAfterFailures  int
	FallbackAfterNoService time.Duration
	ReturnToPreferredAfter time.Duration
	MinDwell               time.Duration
	RefreshDelay           time.Duration
	PersistTimers          bool
}

// Fleet is a group of devices that behave alike.
type Fleet struct {
	Name  string
	Count int
	SIM   *SIMType
	// FirstIMSI is the first IMSI of each of the SIM's profiles, in the
	// SIM type's profile order: device n has FirstIMSI[p]+n.
	FirstIMSI       []string
	FirstICCID      string
	FirstMSISDN     string
	FirstIMEI       string
	FirstEndpointID int64
	EndpointName    string // may contain {n}: the 1-based index in the fleet
	Enabled         bool   // false: the endpoints are disabled on the platform
	Provisioned     bool   // false: the HLR does not know the IMSIs
	BlockedPLMNs    []string
	RATs            []world.RAT // what the subscription allows; empty: all

	APN       string
	RAT       world.RAT
	Operators []string // PLMNs to try first, in order; then the country's others
	Itinerary []Stop   // where the devices are from when; the first stop is at 0

	PowerOn    [2]time.Duration // devices power on spread over this window
	PowerOff   time.Duration    // 0: they stay on
	RetryAfter time.Duration    // a device without service tries again after this

	SessionEvery  time.Duration // a data session this often while registered; 0: none
	SessionLength [2]time.Duration
	VolumeKB      [2]int

	Firmware Firmware
}

// Stop is a place in an itinerary.
type Stop struct {
	At      time.Duration // since the start of the run
	Country string        // ISO code
}

// Firmware holds device behaviours that field bugs come from.
type Firmware struct {
	// ModemResetAfterNoService resets the modem (and power-cycles the SIM)
	// after this long without service; 0: never.
	ModemResetAfterNoService time.Duration
	// CachedIMSI: the firmware keeps using the IMSI it read at boot after
	// the applet switched profiles, until the next modem reset.
	CachedIMSI bool
	// APNTiedToProfile: the configured APN is stored with this profile;
	// on any other profile the firmware falls back to its factory APN
	// ("internet"), which the platform does not offer.
	APNTiedToProfile string
	// KeepForbiddenNetworks: the forbidden-network list is not cleared
	// when the IMSI changes, so networks that rejected the old IMSI are
	// never tried with the new one.
	KeepForbiddenNetworks bool
}

// Outage is an operator down between two times of the run.
type Outage struct {
	PLMN   string
	From   time.Duration
	To     time.Duration
	Reject bool // true: registrations are rejected (network failure); false: they time out
}

// Active reports whether the outage covers elapsed time t.
func (o *Outage) Active(t time.Duration) bool { return t >= o.From && t < o.To }

// ExpectKind is what an expectation checks.
type ExpectKind string

const (
	ExpectEndsOnProfile      ExpectKind = "ends_on_profile"
	ExpectSwitchesPerHour    ExpectKind = "switches_per_hour"
	ExpectEvent              ExpectKind = "event"
	ExpectOfflineAfterOutage ExpectKind = "offline_after_outage"
	ExpectStatus             ExpectKind = "status"
	ExpectWithoutService     ExpectKind = "without_service"
)

// Expectation is one assertion about a run. Which fields count depends on Kind.
type Expectation struct {
	Index int // position in the expect list, for messages
	Line  int // line in the file, for messages
	Kind  ExpectKind
	Fleet string // the fleet it is about; empty: all devices
	// ends_on_profile
	Profile string
	// switches_per_hour: Min says at least one device reaches it, Max that none exceeds it
	// event: the number of matching events is within [Min, Max]
	Min, Max *int
	// event
	Type  int    // event type id
	Cause string // a text the description contains, e.g. "5004" or "219"
	// offline_after_outage
	Within time.Duration
	// status: every device of the fleet ends in this status
	Status string
	// without_service: the longest time a powered-on device is without
	// service is at most MaxGap (no device exceeds it) or at least MinGap
	// (some device reaches it); 0 means not checked
	MinGap, MaxGap time.Duration
}

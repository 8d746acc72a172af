// Package scenarios is core-sim's scenario library and its loader. A
// scenario file (YAML) says who the subscribers are (as IMSI ranges), what
// the GGSN offers (APNs and address pools), and what the fleets of devices
// do (where they start, where they travel, their APN and data sessions).
// Every element (HLR, GGSN, SGSN) reads the part of a scenario it needs, so
// that the three processes of a distributed setup agree by sharing one
// file, or the embedded default.
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

	Organisation Organisation
	Platform     Platform
	World        *world.World
	HLR          HLR
	GGSN         GGSN
	Subscribers  []Subscribers
	Fleets       []Fleet
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

// Subscribers is a range of provisioned subscribers: the n-th subscriber
// (n from 0) has FirstIMSI+n, FirstMSISDN+n and so on.
type Subscribers struct {
	Name            string
	FirstIMSI       string
	Count           int
	FirstMSISDN     string
	FirstICCID      string
	FirstIMEI       string
	FirstEndpointID int64
	EndpointName    string // may contain {n}: the 1-based index in the range
	Enabled         bool
	AllowedPLMNs    []string // empty: all
	BlockedPLMNs    []string // the operator blacklist
	RATs            []world.RAT
	APNs            []string
}

// Fleet is a group of devices that behave alike.
type Fleet struct {
	Name      string
	FirstIMSI string
	Count     int
	FirstIMEI string   // empty: the subscriber's IMEI, or one derived from the IMSI
	Country   string   // ISO code of the country where the devices power on
	Operators []string // PLMNs to try first, in order; then the country's others
	RAT       world.RAT
	APN       string

	StartWithin   time.Duration // devices power on spread over this time
	Sessions      int           // data sessions per country visited
	SessionLength [2]time.Duration
	Pause         time.Duration // between sessions
	VolumeKB      [2]int        // total volume of a session, uniform in this range
	Travel        []string      // ISO codes of the countries visited next, in order
	LeaveOnline   bool          // the last session stays open when the run ends
	PowerOff      bool          // the device powers off at the end (purge)
}

// Package gtpc holds GTPv1-C (3GPP TS 29.060) as core-sim uses it on the Gn
// interface: the Create and Delete PDP Context and Echo messages as plain Go
// types, their cause values, a hand-written codec for exactly those messages
// (held byte for byte to github.com/wmnsk/go-gtp, which the tests use as
// the reference), and a UDP endpoint that adds what go-gtp lacks:
// sequence-number matching, T3-RESPONSE/N3-REQUESTS retransmission,
// duplicate-request detection, Echo and Recovery.
//
// It makes no decision: address pools and APN checks live in package ggsn.
package gtpc

import (
	"fmt"
	"net/netip"
)

// Port is the registered GTP-C port (TS 29.060 7.2... and IANA gtp-control).
const Port = 2123

// Cause is the Cause IE value (TS 29.060 7.7.1).
type Cause uint8

const (
	CauseRequestAccepted             Cause = 128
	CauseNonExistent                 Cause = 192
	CauseInvalidMessageFormat        Cause = 193
	CauseIMSINotKnown                Cause = 194
	CauseMSIsGPRSDetached            Cause = 195
	CauseNoResourcesAvailable        Cause = 199
	CauseServiceNotSupported         Cause = 200
	CauseMandatoryIEIncorrect        Cause = 201
	CauseMandatoryIEMissing          Cause = 202
	CauseOptionalIEIncorrect         Cause = 203
	CauseSystemFailure               Cause = 204
	CauseRoamingRestriction          Cause = 205
	CauseUserAuthenticationFailed    Cause = 209
	CauseContextNotFound             Cause = 210
	CauseAllDynamicAddressesOccupied Cause = 211
	CauseNoMemoryAvailable           Cause = 212
	CauseMissingOrUnknownAPN         Cause = 219
	CauseUnknownPDPAddressOrType     Cause = 220
	CauseAPNAccessDenied             Cause = 222
)

var causeNames = map[Cause]string{
	CauseRequestAccepted:             "Request accepted",
	CauseNonExistent:                 "Non-existent",
	CauseInvalidMessageFormat:        "Invalid message format",
	CauseIMSINotKnown:                "IMSI/IMEI not known",
	CauseMSIsGPRSDetached:            "MS is GPRS Detached",
	CauseNoResourcesAvailable:        "No resources available",
	CauseServiceNotSupported:         "Service not supported",
	CauseMandatoryIEIncorrect:        "Mandatory IE incorrect",
	CauseMandatoryIEMissing:          "Mandatory IE missing",
	CauseOptionalIEIncorrect:         "Optional IE incorrect",
	CauseSystemFailure:               "System failure",
	CauseRoamingRestriction:          "Roaming restriction",
	CauseUserAuthenticationFailed:    "User Authentication failed",
	CauseContextNotFound:             "Context not found",
	CauseAllDynamicAddressesOccupied: "All dynamic PDP addresses are occupied",
	CauseNoMemoryAvailable:           "No memory is available",
	CauseMissingOrUnknownAPN:         "Missing or unknown APN",
	CauseUnknownPDPAddressOrType:     "Unknown PDP address or PDP type",
	CauseAPNAccessDenied:             "APN access denied - no subscription",
}

// Accepted reports whether the cause is one of the acceptance values (128-191).
func (c Cause) Accepted() bool { return c >= 128 && c < 192 }

// Name is the spec's text for the cause, e.g. "Missing or unknown APN".
func (c Cause) Name() string {
	if n, ok := causeNames[c]; ok {
		return n
	}
	return "Cause"
}

// String gives the text and the number, e.g. "Missing or unknown APN (219)".
func (c Cause) String() string { return fmt.Sprintf("%s (%d)", c.Name(), uint8(c)) }

// RATType is the RAT Type IE value (TS 29.060 7.7.50).
type RATType uint8

const (
	RATUTRAN  RATType = 1
	RATGERAN  RATType = 2
	RATWLAN   RATType = 3
	RATGAN    RATType = 4
	RATHSPA   RATType = 5
	RATEUTRAN RATType = 6
)

// Location is the User Location Information IE (TS 29.060 7.7.51).
type Location struct {
	MCC, MNC string
	LAC      uint16
	CI       uint16 // Cell Identity (ULI type CGI), 0 if SAC is used
	SAC      uint16 // Service Area Code (ULI type SAI)
	RAC      uint8
}

// CreatePDPContextRequest is sent by the SGSN to open a PDP context (TS 29.060 7.3.1).
type CreatePDPContextRequest struct {
	IMSI            string
	MSISDN          string // digits, optional
	IMEISV          string // optional
	APN             string // e.g. "em"; empty means the IE is missing
	NSAPI           uint8
	SelectionMode   uint8
	TEIDData        uint32 // the SGSN's TEID for user plane (TEID Data I)
	TEIDControl     uint32 // the SGSN's TEID for control plane
	SGSNControlAddr netip.Addr
	SGSNUserAddr    netip.Addr
	RATType         RATType
	Location        *Location // optional
	Recovery        *uint8    // the sender's restart counter, sent on first contact

	// PDPType is the End User Address the SGSN asks for (TS 29.060
	// 7.7.27); zero means dynamic IPv4, which is what is sent.
	PDPType PDPType
	// QoSProfile is the QoS Profile IE payload (TS 29.060 7.7.34:
	// allocation/retention priority then the TS 24.008 10.5.6.5 octets);
	// nil sends DefaultQoSProfile.
	QoSProfile []byte
}

// CreatePDPContextResponse is the GGSN's answer (TS 29.060 7.3.2).
type CreatePDPContextResponse struct {
	// TEID is the SGSN's control-plane TEID, carried in the GTP header. A
	// server endpoint fills it from the request when a handler leaves it 0.
	TEID            uint32
	Cause           Cause
	TEIDData        uint32 // the GGSN's TEID for user plane
	TEIDControl     uint32 // the GGSN's TEID for control plane
	ChargingID      uint32
	EndUserAddress  netip.Addr
	GGSNControlAddr netip.Addr
	GGSNUserAddr    netip.Addr
	Recovery        *uint8
	// QoSProfile is the negotiated QoS Profile IE payload, sent when the
	// request is accepted; nil sends DefaultQoSProfile.
	QoSProfile []byte
}

// DeletePDPContextRequest closes a PDP context (TS 29.060 7.3.5). TEID is
// the GGSN's control-plane TEID, carried in the GTP header.
type DeletePDPContextRequest struct {
	TEID        uint32
	NSAPI       uint8
	TeardownInd bool
}

// DeletePDPContextResponse answers a DeletePDPContextRequest (TS 29.060 7.3.6).
type DeletePDPContextResponse struct {
	// TEID is the SGSN's control-plane TEID, carried in the GTP header; 0
	// when the context is unknown.
	TEID  uint32
	Cause Cause
}

// EchoRequest asks a peer whether it is alive (TS 29.060 7.2.1).
type EchoRequest struct{}

// EchoResponse answers an EchoRequest with the sender's restart counter
// (TS 29.060 7.2.2, Recovery IE 7.7.11).
type EchoResponse struct {
	Recovery uint8
}

// VersionNotSupported tells a peer that this node speaks GTPv1 only (TS
// 29.060 7.2.3). It is only a header.
type VersionNotSupported struct{}

// PDPType is the PDP Type Organisation (high byte) and PDP Type Number (low
// byte) of the End User Address IE (TS 29.060 7.7.27).
type PDPType uint16

const (
	PDPTypeIPv4   PDPType = 0xF121 // IETF, IPv4
	PDPTypeIPv6   PDPType = 0xF157 // IETF, IPv6
	PDPTypeIPv4v6 PDPType = 0xF18D // IETF, IPv4v6
	PDPTypePPP    PDPType = 0xF001 // ETSI, PPP
)

// DefaultQoSProfile is the QoS Profile IE payload sent when none is given:
// allocation/retention priority 0 and the TS 24.008 10.5.6.5 octets 3-5
// (subscribed delay/reliability, peak throughput, precedence, best effort).
var DefaultQoSProfile = []byte{0x00, 0x0b, 0x92, 0x1f}

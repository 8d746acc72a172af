// Package s6a holds the S6a/S6d application of Diameter (3GPP TS 29.272) as
// core-sim uses it: the request and answer types of Update Location,
// Cancel Location and Purge UE, their result codes, and the codec that turns
// them into Diameter messages and back.
//
// It is not a Diameter peer (see package diameter) and it makes no decision
// (see package hlr): a codec never decides policy.
package s6a

import (
	"fmt"
	"strings"
)

// ApplicationID is the S6a/S6d application (TS 29.272 7.1.8).
const ApplicationID uint32 = 16777251

// VendorID3GPP is the vendor of the S6a AVPs and of Experimental-Result codes.
const VendorID3GPP uint32 = 10415

// ULRFlags is the ULR-Flags AVP (TS 29.272 7.3.7); bit 0 is the least significant.
type ULRFlags uint32

const (
	ULRSingleRegistration      ULRFlags = 1 << 0
	ULRS6aS6dIndicator         ULRFlags = 1 << 1 // set: S6a (VLR/MME-like node); cleared: S6d (SGSN)
	ULRSkipSubscriberData      ULRFlags = 1 << 2
	ULRGPRSSubscriptionDataInd ULRFlags = 1 << 3
	ULRNodeTypeIndicator       ULRFlags = 1 << 4
	ULRInitialAttachIndicator  ULRFlags = 1 << 5
	ULRPSLCSNotSupportedByUE   ULRFlags = 1 << 6
	ULRSMSOnlyIndication       ULRFlags = 1 << 7
)

var ulrFlagNames = []string{"Single-Registration", "S6a/S6d-Indicator", "Skip-Subscriber-Data",
	"GPRS-Subscription-Data-Indicator", "Node-Type-Indicator", "Initial-Attach-Indicator",
	"PS-LCS-Not-Supported-By-UE", "SMS-Only-Indication"}

// IsS6a reports whether the request comes from the S6a side (an Update
// Location from a VLR/MME-like node) rather than from an SGSN over S6d.
func (f ULRFlags) IsS6a() bool { return f&ULRS6aS6dIndicator != 0 }

// String lists the flags that are set, e.g. "S6a/S6d-Indicator|Initial-Attach-Indicator".
func (f ULRFlags) String() string {
	var parts []string
	for i, n := range ulrFlagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := f &^ 0xff; rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// RATType is the RAT-Type AVP (TS 29.212 5.3.31).
type RATType uint32

const (
	RATUTRAN       RATType = 1000
	RATGERAN       RATType = 1001
	RATGAN         RATType = 1002
	RATHSPA        RATType = 1003
	RATEUTRAN      RATType = 1004
	RATEUTRANNBIoT RATType = 1005
)

// String names the RAT as the spec does.
func (r RATType) String() string {
	switch r {
	case RATUTRAN:
		return "UTRAN"
	case RATGERAN:
		return "GERAN"
	case RATGAN:
		return "GAN"
	case RATHSPA:
		return "HSPA_EVOLUTION"
	case RATEUTRAN:
		return "EUTRAN"
	case RATEUTRANNBIoT:
		return "EUTRAN-NB-IoT"
	}
	return fmt.Sprintf("RAT-Type(%d)", uint32(r))
}

// PLMN is a public land mobile network identity.
type PLMN struct {
	MCC string // 3 digits
	MNC string // 2 or 3 digits
}

// String gives the PLMN as MCC followed by MNC, e.g. "26201".
func (p PLMN) String() string { return p.MCC + p.MNC }

// CancellationType is the Cancellation-Type AVP (TS 29.272 7.3.24).
type CancellationType uint32

const (
	CancelMMEUpdateProcedure     CancellationType = 0
	CancelSGSNUpdateProcedure    CancellationType = 1
	CancelSubscriptionWithdrawal CancellationType = 2
	CancelUpdateProcedureIWF     CancellationType = 3
	CancelInitialAttachProcedure CancellationType = 4
)

// PURFlags is the PUR-Flags AVP (TS 29.272 7.3.149).
type PURFlags uint32

const (
	PURUEPurgedInMME  PURFlags = 1 << 0
	PURUEPurgedInSGSN PURFlags = 1 << 1
)

// Result is the outcome of a request: either a base Result-Code or, for
// the S6a-specific errors, an Experimental-Result-Code of vendor 10415.
type Result struct {
	Code         uint32
	Experimental bool
}

// Results used by core-sim. Base codes: RFC 6733 7.1; S6a codes: TS 29.272 7.4.
var (
	ResultSuccess            = Result{Code: 2001}
	ResultCommandUnsupported = Result{Code: 3001}
	ResultUnableToDeliver    = Result{Code: 3002}
	ResultInvalidAVPValue    = Result{Code: 5004}
	ResultMissingAVP         = Result{Code: 5005}
	ResultUnableToComply     = Result{Code: 5012}
	ResultInvalidAVPLength   = Result{Code: 5014}

	ErrorUserUnknown               = Result{Code: 5001, Experimental: true}
	ErrorRoamingNotAllowed         = Result{Code: 5004, Experimental: true}
	ErrorUnknownEPSSubscription    = Result{Code: 5420, Experimental: true}
	ErrorRATNotAllowed             = Result{Code: 5421, Experimental: true}
	ErrorEquipmentUnknown          = Result{Code: 5422, Experimental: true}
	ErrorUnknownServingNode        = Result{Code: 5423, Experimental: true}
	ErrorAuthenticationDataUnavail = Result{Code: 4181, Experimental: true}
)

// OK reports whether the result is a success (2xxx).
func (r Result) OK() bool { return r.Code >= 2000 && r.Code < 3000 }

// Name is the spec's name of the code, e.g. "DIAMETER_ERROR_USER_UNKNOWN".
func (r Result) Name() string {
	if r.Experimental {
		switch r.Code {
		case 5001:
			return "DIAMETER_ERROR_USER_UNKNOWN"
		case 5004:
			return "DIAMETER_ERROR_ROAMING_NOT_ALLOWED"
		case 5420:
			return "DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION"
		case 5421:
			return "DIAMETER_ERROR_RAT_NOT_ALLOWED"
		case 5422:
			return "DIAMETER_ERROR_EQUIPMENT_UNKNOWN"
		case 5423:
			return "DIAMETER_ERROR_UNKOWN_SERVING_NODE"
		case 4181:
			return "DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE"
		}
		return "EXPERIMENTAL_RESULT"
	}
	switch r.Code {
	case 2001:
		return "DIAMETER_SUCCESS"
	case 3001:
		return "DIAMETER_COMMAND_UNSUPPORTED"
	case 3002:
		return "DIAMETER_UNABLE_TO_DELIVER"
	case 3007:
		return "DIAMETER_APPLICATION_UNSUPPORTED"
	case 3008:
		return "DIAMETER_INVALID_HDR_BITS"
	case 5004:
		return "DIAMETER_INVALID_AVP_VALUE"
	case 5005:
		return "DIAMETER_MISSING_AVP"
	case 5012:
		return "DIAMETER_UNABLE_TO_COMPLY"
	case 5014:
		return "DIAMETER_INVALID_AVP_LENGTH"
	}
	return "RESULT_CODE"
}

// String gives the name and the number, e.g. "DIAMETER_ERROR_USER_UNKNOWN (5001)".
func (r Result) String() string { return fmt.Sprintf("%s (%d)", r.Name(), r.Code) }

// Peer names a Diameter node: its Origin-Host and Origin-Realm.
type Peer struct {
	Host  string
	Realm string
}

// UpdateLocationRequest is a ULR (TS 29.272 5.2.1.1, 7.2.3). With the
// S6a/S6d-Indicator set it is an Update Location from the VLR role of a
// visited network; cleared, an Update GPRS Location from an SGSN.
type UpdateLocationRequest struct {
	SessionID        string
	Origin           Peer
	DestinationHost  string // optional
	DestinationRealm string
	IMSI             string
	RATType          RATType
	Flags            ULRFlags
	VisitedPLMN      PLMN
	SGSNNumber       string // optional, digits (ISDN number of the SGSN/VLR)
}

// PDPContext is one APN configuration of GPRS-Subscription-Data (TS 29.272 7.3.74).
type PDPContext struct {
	ContextID uint32
	PDPType   uint32 // 0 IPv4, 1 IPv6, 2 IPv4v6 (TS 29.272 7.3.75)
	APN       string // Service-Selection
}

// SubscriptionData is the part of Subscription-Data core-sim fills in.
type SubscriptionData struct {
	MSISDN string // digits
	// GPRS holds the PS subscription; sent on S6d (and when the
	// GPRS-Subscription-Data-Indicator asks for it).
	GPRS []PDPContext
}

// UpdateLocationAnswer is a ULA (TS 29.272 7.2.4).
type UpdateLocationAnswer struct {
	SessionID    string
	Origin       Peer
	Result       Result
	ErrorMessage string // Error-Message: the reason in words, e.g. "endpoint disabled"
	ULAFlags     uint32
	Subscription *SubscriptionData // nil when rejected or Skip-Subscriber-Data
}

// CancelLocationRequest is a CLR (TS 29.272 7.2.7), sent by the HLR to the
// node where the subscriber was registered before.
type CancelLocationRequest struct {
	SessionID        string
	Origin           Peer
	DestinationHost  string
	DestinationRealm string
	IMSI             string
	CancellationType CancellationType
}

// CancelLocationAnswer is a CLA (TS 29.272 7.2.8).
type CancelLocationAnswer struct {
	SessionID string
	Origin    Peer
	Result    Result
}

// PurgeUERequest is a PUR (TS 29.272 7.2.13), sent by a serving node that
// drops a subscriber's data (device detached or gone for long).
type PurgeUERequest struct {
	SessionID        string
	Origin           Peer
	DestinationHost  string // optional
	DestinationRealm string
	IMSI             string
	Flags            PURFlags
}

// PurgeUEAnswer is a PUA (TS 29.272 7.2.14).
type PurgeUEAnswer struct {
	SessionID string
	Origin    Peer
	Result    Result
	PUAFlags  uint32 // bit 0 Freeze-M-TMSI, bit 1 Freeze-P-TMSI
}

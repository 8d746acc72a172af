// Package events is the platform's event model: the JSON envelope that IoT
// connectivity platforms stream to their customers (EMnify's and 1NCE's
// Data Streamer format), the constructors for the network events core-sim
// produces, the endpoint connectivity status those events drive, and the
// NDJSON stream that numbers and writes them.
//
// It knows nothing about protocols or sockets: the serving network decides
// what happened and hands the facts in; this package only shapes and
// counts them. See docs/events.md for the format decisions.
package events

import (
	"net/netip"
	"time"
)

// Type is an event type of the platform (event_type.id).
type Type int

// Event types core-sim emits (platform ids; see ../shared/reference/event-format.md).
const (
	TypeUpdateLocation     Type = 1
	TypeUpdateGPRSLocation Type = 2
	TypeCreatePDPContext   Type = 3
	TypeDeletePDPContext   Type = 5
	TypePurgeLocation      Type = 15
	TypePurgeGPRSLocation  Type = 16
)

var typeNames = map[Type]string{
	TypeUpdateLocation:     "Update location",
	TypeUpdateGPRSLocation: "Update GPRS location",
	TypeCreatePDPContext:   "Create PDP Context",
	TypeDeletePDPContext:   "Delete PDP Context",
	TypePurgeLocation:      "Purge location",
	TypePurgeGPRSLocation:  "Purge GPRS location",
}

// String is the platform's description of the type, e.g. "Update location".
func (t Type) String() string { return typeNames[t] }

// Source is event_source.id.
type Source int

const (
	SourceNetwork       Source = 0
	SourcePolicyControl Source = 1
	SourceAPI           Source = 2
)

var sourceNames = [...]string{"Network", "Policy Control", "API"}

// Severity is event_severity.id.
type Severity int

const (
	SeverityInfo     Severity = 0
	SeverityWarn     Severity = 1
	SeverityCritical Severity = 2
)

var severityNames = [...]string{"Info", "Warn", "Critical"}

// Ref is the {id, description} pair the platform uses for type, source and severity.
type Ref struct {
	ID          int    `json:"id"`
	Description string `json:"description"`
}

// Organisation is the customer organisation owning the endpoints.
type Organisation struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// User is the platform user whose API call caused an event (absent on network events).
type User struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// Endpoint is the device as the platform knows it.
type Endpoint struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	IMEI      string  `json:"imei"`
	IPAddress *string `json:"ip_address"` // null until the endpoint had a data session
	Tags      *string `json:"tags"`

	// IP is ip_address unspelled, for producers that leave the spelling
	// to the stream's encoder: it is written when IPAddress is nil.
	IP netip.Addr `json:"-"`
}

// SIM is the SIM card.
type SIM struct {
	ID             int64  `json:"id"`
	ICCID          string `json:"iccid"`
	ProductionDate string `json:"production_date"`
	MSISDN         string `json:"msisdn"`
}

// IMSI is the IMSI that was active for the event.
type IMSI struct {
	ID         int64  `json:"id"`
	IMSI       string `json:"imsi"`
	ImportDate string `json:"import_date"`
}

// Country is the country object of an event's detail.
type Country struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	CountryCode string `json:"country_code"` // dialling code, e.g. "49"
	MCC         string `json:"mcc"`
	ISOCode     string `json:"iso_code"` // lower case, e.g. "de"
}

// TapCode is one TADIG code of an operator.
type TapCode struct {
	ID      int    `json:"id"`
	TapCode string `json:"tapcode"`
}

// MNC is one mobile network code of an operator.
type MNC struct {
	ID  int    `json:"id"`
	MNC string `json:"mnc"`
}

// LocationDetail is the detail of Update location and Update GPRS location.
type LocationDetail struct {
	ID      int       `json:"id"`
	Name    string    `json:"name"`
	Country Country   `json:"country"`
	TapCode []TapCode `json:"tapcode"`
	MNC     []MNC     `json:"mnc"`
}

// PDPContext is the pdp_context object of Create and Delete PDP Context.
type PDPContext struct {
	PDPContextID              int64  `json:"pdp_context_id"`
	TunnelCreated             string `json:"tunnel_created"`
	GTPVersion                int    `json:"gtp_version"`
	UEIPAddress               string `json:"ue_ip_address"`
	APN                       string `json:"apn"`
	NSAPI                     int    `json:"nsapi"`
	IMSI                      string `json:"imsi"`
	IMEISV                    string `json:"imeisv"`
	MCC                       string `json:"mcc"`
	MNC                       string `json:"mnc"`
	LAC                       int    `json:"lac"`
	CI                        *int   `json:"ci"`
	SAC                       *int   `json:"sac"`
	RAC                       *int   `json:"rac"`
	RATType                   int    `json:"rat_type"`
	SGSNControlPlaneIPAddress string `json:"sgsn_control_plane_ip_address"`
	SGSNDataPlaneIPAddress    string `json:"sgsn_data_plane_ip_address"`
	GGSNControlPlaneIPAddress string `json:"ggsn_control_plane_ip_address"`
	GGSNDataPlaneIPAddress    string `json:"ggsn_data_plane_ip_address"`
	TxTEIDControlPlane        uint32 `json:"tx_teid_control_plane"`
	TxTEIDDataPlane           uint32 `json:"tx_teid_data_plane"`
	RxTEID                    uint32 `json:"rx_teid"`
	BreakoutIP                string `json:"breakout_ip"`
	Region                    string `json:"region"`
	OperatorID                string `json:"operator_id"`
	TariffProfileID           string `json:"tariff_profile_id"`
	RatezoneID                string `json:"ratezone_id"`
	TariffID                  string `json:"tariff_id"`

	// Unspelled forms of tunnel_created and ue_ip_address, for producers
	// that leave the spelling to the stream's encoder (the simulation's
	// goroutine then formats neither): each is written when its string is
	// empty. Materialize spells them.
	Created time.Time  `json:"-"`
	UEIP    netip.Addr `json:"-"`
}

// Volume is the data volume of a session in megabytes. Rx is what the
// device sent, Tx what it received (the platform's convention).
type Volume struct {
	Total Bytes `json:"total"`
	Rx    Bytes `json:"rx"`
	Tx    Bytes `json:"tx"`
}

// PDPDetail is the detail of Create PDP Context and Delete PDP Context.
type PDPDetail struct {
	ID         int        `json:"id"`
	Name       string     `json:"name"`
	Country    Country    `json:"country"`
	SessionID  string     `json:"session_id"`
	PDPContext PDPContext `json:"pdp_context"`
	Volume     *Volume    `json:"volume,omitempty"` // Delete PDP Context only

	// SessionNum, when SessionID is empty, is written as SessionUUID(SessionNum).
	SessionNum uint64 `json:"-"`
}

// Event is one platform event. Field order is the order of the keys in
// the output. Endpoint, SIM and IMSI are null when the network saw an IMSI
// the platform does not know; Detail is absent where the platform sends
// none (purges, rejected PDP contexts).
type Event struct {
	ID            int64        `json:"id"`
	Timestamp     string       `json:"timestamp"`
	Alert         bool         `json:"alert"`
	Description   string       `json:"description"`
	EventType     Ref          `json:"event_type"`
	EventSource   Ref          `json:"event_source"`
	EventSeverity Ref          `json:"event_severity"`
	Organisation  Organisation `json:"organisation"`
	User          *User        `json:"user,omitempty"`
	Endpoint      *Endpoint    `json:"endpoint"`
	SIM           *SIM         `json:"sim"`
	IMSI          *IMSI        `json:"imsi"`
	Detail        any          `json:"detail,omitempty"`

	// Facts kept for status tracking and summaries; not part of the JSON.
	Type   Type   `json:"-"`
	Reject string `json:"-"` // the cause of a rejection, e.g. "DIAMETER_ERROR_USER_UNKNOWN (5001)"
	Status Status `json:"-"` // the connectivity status this event leads to (StatusUnchanged if none)
	// Resolve fills in the subject's strings before the event is encoded
	// (see Subject.Resolve).
	Resolve func(*Event) `json:"-"`

	at  time.Time // when it happened: Timestamp, when that is empty
	own eventOwn  // where the constructors put the subject and the detail
}

// At is when the event happened (its timestamp, unspelled).
func (e *Event) At() time.Time {
	if e.at.IsZero() && e.Timestamp != "" {
		t, _ := time.Parse(TimestampLayout, e.Timestamp)
		return t
	}
	return e.at
}

// Materialize spells what the event's producer left unspelled (the
// timestamp, the endpoint's IP address, tunnel_created, ue_ip_address and
// session_id of a PDP context), so that its string fields say everything
// the encoder would write. The stream's encoder does not need it; readers
// of the fields do (and encoding/json).
func (e *Event) Materialize() {
	if e == nil {
		return
	}
	if e.Timestamp == "" && !e.at.IsZero() {
		e.Timestamp = FormatTimestamp(e.at)
	}
	if p := e.Endpoint; p != nil && p.IPAddress == nil && p.IP.IsValid() {
		ip := p.IP.String()
		p.IPAddress = &ip
	}
	d, ok := e.Detail.(*PDPDetail)
	if !ok || d == nil {
		return
	}
	if d.SessionID == "" && d.SessionNum != 0 {
		d.SessionID = SessionUUID(d.SessionNum)
	}
	c := &d.PDPContext
	if c.TunnelCreated == "" && !c.Created.IsZero() {
		c.TunnelCreated = TunnelCreated(c.Created)
	}
	if c.UEIPAddress == "" && c.UEIP.IsValid() {
		c.UEIPAddress = c.UEIP.String()
	}
}

// SessionUUID spells session number n as a session_id in the shape of a
// UUID (version 4, variant 10), distinct for distinct n.
func SessionUUID(n uint64) string { return string(appendSessionUUID(make([]byte, 0, 36), n)) }

func appendSessionUUID(b []byte, n uint64) []byte {
	x := n*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	b = appendHex(b, uint64(uint32(x>>32)), 8)
	b = append(b, '-')
	b = appendHex(b, uint64(uint16(x>>16)), 4)
	b = append(b, '-', '4')
	b = appendHex(b, uint64(uint16(x)&0xfff), 3)
	b = append(b, '-', '8')
	b = appendHex(b, uint64(uint16(n>>48)&0xfff), 3)
	b = append(b, '-')
	return appendHex(b, n&0xffffffffffff, 12)
}

// appendHex writes the low digits hex digits of v, lower case, zero-padded.
func appendHex(b []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[v>>(4*uint(i))&0xf])
	}
	return b
}

// TimestampLayout is the platform's usual timestamp spelling.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// tunnelLayout is how pdp_context.tunnel_created is written.
const tunnelLayout = "2006-01-02T15:04:05"

// FormatTimestamp renders t as the platform does, in UTC.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

package gtpc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/wmnsk/go-gtp/gtpv1/ie"
	"github.com/wmnsk/go-gtp/gtpv1/message"
)

// MessageType is the GTPv1 message type (TS 29.060 7.1, table 1).
type MessageType uint8

const (
	MsgEchoRequest               MessageType = 1
	MsgEchoResponse              MessageType = 2
	MsgVersionNotSupported       MessageType = 3
	MsgCreatePDPContextRequest   MessageType = 16
	MsgCreatePDPContextResponse  MessageType = 17
	MsgDeletePDPContextRequest   MessageType = 20
	MsgDeletePDPContextResponse  MessageType = 21
	MsgErrorIndication           MessageType = 26
	MsgSupportedExtensionHeaders MessageType = 31
)

var messageTypeNames = map[MessageType]string{
	MsgEchoRequest:               "Echo Request",
	MsgEchoResponse:              "Echo Response",
	MsgVersionNotSupported:       "Version Not Supported",
	MsgCreatePDPContextRequest:   "Create PDP Context Request",
	MsgCreatePDPContextResponse:  "Create PDP Context Response",
	MsgDeletePDPContextRequest:   "Delete PDP Context Request",
	MsgDeletePDPContextResponse:  "Delete PDP Context Response",
	MsgErrorIndication:           "Error Indication",
	MsgSupportedExtensionHeaders: "Supported Extension Headers Notification",
}

func (t MessageType) String() string {
	if n, ok := messageTypeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("message type %d", uint8(t))
}

// Response is the type of the response to a request type, 0 if t is not a
// request this package knows.
func (t MessageType) Response() MessageType {
	switch t {
	case MsgEchoRequest, MsgCreatePDPContextRequest, MsgDeletePDPContextRequest:
		return t + 1
	}
	return 0
}

// Header is the part of the GTPv1 header (TS 29.060 6) that matters to the
// endpoint: which message, for which tunnel, in which transaction.
type Header struct {
	Version  uint8 // 1 unless the decoder returned ErrVersionNotSupported
	Type     MessageType
	TEID     uint32
	Sequence uint16
}

// Message is one of the message types of this package: *EchoRequest,
// *EchoResponse, *VersionNotSupported, *CreatePDPContextRequest,
// *CreatePDPContextResponse, *DeletePDPContextRequest,
// *DeletePDPContextResponse.
type Message interface {
	MessageType() MessageType
}

func (*EchoRequest) MessageType() MessageType              { return MsgEchoRequest }
func (*EchoResponse) MessageType() MessageType             { return MsgEchoResponse }
func (*VersionNotSupported) MessageType() MessageType      { return MsgVersionNotSupported }
func (*CreatePDPContextRequest) MessageType() MessageType  { return MsgCreatePDPContextRequest }
func (*CreatePDPContextResponse) MessageType() MessageType { return MsgCreatePDPContextResponse }
func (*DeletePDPContextRequest) MessageType() MessageType  { return MsgDeletePDPContextRequest }
func (*DeletePDPContextResponse) MessageType() MessageType { return MsgDeletePDPContextResponse }

// Errors of the codec. Decode errors that a response can carry are a
// *DecodeError wrapping ErrMalformed.
var (
	// ErrMalformed marks any message that cannot be decoded.
	ErrMalformed = errors.New("gtpc: malformed message")
	// ErrShortHeader: fewer bytes than a GTPv1-C header, nothing to answer.
	ErrShortHeader = errors.New("gtpc: header too short")
	// ErrVersionNotSupported: the version field is not 1 (TS 29.060 7.2.3).
	ErrVersionNotSupported = errors.New("gtpc: GTP version not supported")
	// ErrNotGTPC: the protocol type bit is 0 (GTP'), or the S flag is
	// missing, which GTPv1-C always sets (TS 29.060 6).
	ErrNotGTPC = errors.New("gtpc: not a GTPv1-C header")
	// ErrUnknownMessageType: a readable header of a message type this
	// package does not handle.
	ErrUnknownMessageType = errors.New("gtpc: unknown message type")
	// ErrInvalid: a message given to Marshal is not valid.
	ErrInvalid = errors.New("gtpc: invalid message")
)

// DecodeError is a message whose header was readable but whose body was not.
// Cause is what a request's response should carry: 193 when the IEs cannot
// be parsed, 202 when a mandatory IE is missing, 201 when one is incorrect.
type DecodeError struct {
	Header Header
	Cause  Cause
	IE     uint8 // the IE type concerned; 0 if none
	Err    error // the underlying problem
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gtpc: %v seq %d: %v", e.Header.Type, e.Header.Sequence, e.Cause)
	if e.IE != 0 {
		fmt.Fprintf(&b, ": IE %s (%d)", ieName(e.IE), e.IE)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap gives ErrMalformed and the underlying error.
func (e *DecodeError) Unwrap() []error { return []error{ErrMalformed, e.Err} }

var ieNames = map[uint8]string{
	ie.Cause:                   "Cause",
	ie.IMSI:                    "IMSI",
	ie.RouteingAreaIdentity:    "Routeing Area Identity",
	ie.Recovery:                "Recovery",
	ie.SelectionMode:           "Selection Mode",
	ie.TEIDDataI:               "TEID Data I",
	ie.TEIDCPlane:              "TEID Control Plane",
	ie.TeardownInd:             "Teardown Ind",
	ie.NSAPI:                   "NSAPI",
	ie.ChargingID:              "Charging ID",
	ie.EndUserAddress:          "End User Address",
	ie.AccessPointName:         "Access Point Name",
	ie.GSNAddress:              "GSN Address",
	ie.MSISDN:                  "MSISDN",
	ie.QoSProfile:              "QoS Profile",
	ie.RATType:                 "RAT Type",
	ie.UserLocationInformation: "User Location Information",
	ie.IMEISV:                  "IMEI(SV)",
}

func ieName(t uint8) string {
	if n, ok := ieNames[t]; ok {
		return n
	}
	return (&ie.IE{Type: t}).Name()
}

// tvLength is the value length of the fixed-length (TV, type < 128) IEs of
// TS 29.060 7.7; a TV IE not listed cannot be skipped, so the message is
// invalid.
var tvLength = [128]uint8{
	1: 1, 2: 8, 3: 6, 4: 4, 5: 4, 8: 1, 9: 28, 11: 1, 12: 3, 13: 1, 14: 1, 15: 1,
	16: 4, 17: 4, 18: 4, 19: 1, 20: 1, 21: 1, 22: 9, 23: 1, 24: 1, 25: 2, 26: 2,
	27: 2, 28: 2, 29: 1, 127: 4,
}

const (
	headerLen = 12 // mandatory 8 bytes + sequence, N-PDU, next extension type
	flagsV1   = 0x32
)

// DecodeHeader reads the GTPv1-C header of b. It returns ErrShortHeader,
// ErrVersionNotSupported (with h.Version set) or ErrNotGTPC when there is no
// usable GTPv1-C header; the body is not looked at.
func DecodeHeader(b []byte) (Header, error) {
	if len(b) < 1 {
		return Header{}, ErrShortHeader
	}
	h := Header{Version: b[0] >> 5}
	if h.Version != 1 {
		return h, ErrVersionNotSupported
	}
	if len(b) < headerLen {
		return h, ErrShortHeader
	}
	if b[0]&0x10 == 0 || b[0]&0x02 == 0 {
		return h, ErrNotGTPC
	}
	h.Type = MessageType(b[1])
	h.TEID = binary.BigEndian.Uint32(b[4:8])
	h.Sequence = binary.BigEndian.Uint16(b[8:10])
	return h, nil
}

// body returns the IE bytes of a message whose header is readable.
func body(b []byte) ([]byte, error) {
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < 4 {
		return nil, fmt.Errorf("length %d shorter than the optional header fields", n)
	}
	if 8+n > len(b) {
		return nil, fmt.Errorf("length %d longer than the %d bytes received", n, len(b)-8)
	}
	// Bytes after the length are not part of the message (TS 29.060 6).
	return b[headerLen : 8+n], nil
}

func bodyWithExtensions(full []byte) ([]byte, error) {
	b, err := body(full)
	if err != nil {
		return nil, err
	}
	if full[0]&0x04 == 0 {
		return b, nil
	}
	// Extension headers (TS 29.060 6.1): length in 4-octet units, the last
	// octet names the next one.
	next := full[11]
	for next != 0 {
		if len(b) < 1 || b[0] == 0 || int(b[0])*4 > len(b) {
			return nil, errors.New("bad extension header length")
		}
		l := int(b[0]) * 4
		next = b[l-1]
		b = b[l:]
	}
	return b, nil
}

// ies splits a message body into its IEs with go-gtp. The IE payloads alias
// b.
func ies(b []byte) ([]*ie.IE, error) {
	for r := b; len(r) > 0; {
		t := r[0]
		var l int
		switch {
		case t < 128:
			if tvLength[t] == 0 {
				return nil, fmt.Errorf("unknown fixed-length IE type %d", t)
			}
			l = 1 + int(tvLength[t])
		case len(r) < 3:
			return nil, fmt.Errorf("IE type %d truncated", t)
		case t == ie.ExtensionHeaderTypeList:
			l = 2 + int(r[1])
		default:
			l = 3 + int(binary.BigEndian.Uint16(r[1:3]))
		}
		if l > len(r) {
			return nil, fmt.Errorf("IE %s (%d) truncated", ieName(t), t)
		}
		r = r[l:]
	}
	return ie.ParseMultiIEs(b)
}

// Decode reads one GTPv1-C message. Parsing does not keep b: every field of
// the returned message is a copy.
//
// Errors: ErrShortHeader, ErrVersionNotSupported and ErrNotGTPC when the
// header is unusable (h is then only partly set); ErrUnknownMessageType with
// a valid h; a *DecodeError (errors.Is ErrMalformed) with a valid h when the
// body is wrong. For a Create PDP Context Request with a missing or
// incorrect IE the partly decoded request is returned with the error, so a
// responder can find the SGSN's TEID.
func Decode(b []byte) (Header, Message, error) {
	h, err := DecodeHeader(b)
	if err != nil {
		return h, nil, err
	}
	switch h.Type {
	case MsgEchoRequest, MsgEchoResponse, MsgVersionNotSupported,
		MsgCreatePDPContextRequest, MsgCreatePDPContextResponse,
		MsgDeletePDPContextRequest, MsgDeletePDPContextResponse:
	default:
		return h, nil, fmt.Errorf("%w: %d", ErrUnknownMessageType, uint8(h.Type))
	}
	bb, err := bodyWithExtensions(b)
	if err != nil {
		return h, nil, &DecodeError{Header: h, Cause: CauseInvalidMessageFormat, Err: err}
	}
	list, err := ies(bb)
	if err != nil {
		return h, nil, &DecodeError{Header: h, Cause: CauseInvalidMessageFormat, Err: err}
	}
	d := decoder{h: h, ies: list}
	var m Message
	switch h.Type {
	case MsgEchoRequest:
		m = &EchoRequest{}
	case MsgEchoResponse:
		m = d.echoResponse()
	case MsgVersionNotSupported:
		m = &VersionNotSupported{}
	case MsgCreatePDPContextRequest:
		m = d.createRequest()
	case MsgCreatePDPContextResponse:
		m = d.createResponse()
	case MsgDeletePDPContextRequest:
		m = d.deleteRequest()
	case MsgDeletePDPContextResponse:
		m = d.deleteResponse()
	}
	if d.err != nil {
		if h.Type == MsgCreatePDPContextRequest {
			return h, m, d.err
		}
		return h, nil, d.err
	}
	return h, m, nil
}

// decoder looks IEs up and records the first problem as a *DecodeError.
type decoder struct {
	h   Header
	ies []*ie.IE
	err *DecodeError
}

// get returns the n-th (0-based) IE of type t, nil if absent.
func (d *decoder) get(t uint8, n int) *ie.IE {
	for _, i := range d.ies {
		if i.Type == t {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return nil
}

func (d *decoder) fail(c Cause, t uint8, err error) {
	if d.err == nil {
		d.err = &DecodeError{Header: d.h, Cause: c, IE: t, Err: err}
	}
}

// mandatory returns the n-th IE of type t, recording 202 if it is absent.
func (d *decoder) mandatory(t uint8, n int) *ie.IE {
	i := d.get(t, n)
	if i == nil {
		d.fail(CauseMandatoryIEMissing, t, nil)
	}
	return i
}

func (d *decoder) incorrect(t uint8, err error) { d.fail(CauseMandatoryIEIncorrect, t, err) }

func u8(i *ie.IE) uint8   { return i.Payload[0] } // TV lengths are checked by ies
func u32(i *ie.IE) uint32 { return binary.BigEndian.Uint32(i.Payload) }

func (d *decoder) addr(i *ie.IE) netip.Addr {
	if i == nil {
		return netip.Addr{}
	}
	a, ok := netip.AddrFromSlice(i.Payload)
	if !ok {
		d.incorrect(i.Type, fmt.Errorf("%d bytes is not an IPv4 or IPv6 address", len(i.Payload)))
	}
	return a
}

func (d *decoder) cause() Cause {
	if i := d.mandatory(ie.Cause, 0); i != nil {
		return Cause(u8(i))
	}
	return 0
}

func recovery(i *ie.IE) *uint8 {
	if i == nil {
		return nil
	}
	v := u8(i)
	return &v
}

func (d *decoder) echoResponse() *EchoResponse {
	m := &EchoResponse{}
	if i := d.mandatory(ie.Recovery, 0); i != nil {
		m.Recovery = u8(i)
	}
	return m
}

func (d *decoder) createRequest() *CreatePDPContextRequest {
	m := &CreatePDPContextRequest{Recovery: recovery(d.get(ie.Recovery, 0))}
	if i := d.mandatory(ie.IMSI, 0); i != nil {
		s, err := tbcdDecode(i.Payload)
		if err == nil && len(s) == 0 {
			err = errors.New("no digits")
		}
		if err != nil {
			d.incorrect(ie.IMSI, err)
		}
		m.IMSI = s
	}
	if i := d.get(ie.SelectionMode, 0); i != nil {
		m.SelectionMode = u8(i) & 0x03
	}
	if i := d.mandatory(ie.TEIDDataI, 0); i != nil {
		m.TEIDData = u32(i)
	}
	if i := d.mandatory(ie.TEIDCPlane, 0); i != nil {
		m.TEIDControl = u32(i)
	}
	if i := d.mandatory(ie.NSAPI, 0); i != nil {
		m.NSAPI = u8(i) & 0x0f
	}
	if i := d.get(ie.EndUserAddress, 0); i != nil {
		if len(i.Payload) < 2 {
			d.incorrect(ie.EndUserAddress, errors.New("shorter than the PDP type"))
		} else {
			m.PDPType = PDPType(binary.BigEndian.Uint16(i.Payload))
		}
	}
	if i := d.mandatory(ie.AccessPointName, 0); i != nil {
		apn, err := apnDecode(i.Payload)
		if err != nil {
			d.incorrect(ie.AccessPointName, err)
		}
		m.APN = apn
	}
	m.SGSNControlAddr = d.addr(d.mandatory(ie.GSNAddress, 0))
	m.SGSNUserAddr = d.addr(d.mandatory(ie.GSNAddress, 1))
	if i := d.mandatory(ie.QoSProfile, 0); i != nil {
		if len(i.Payload) < 4 {
			d.incorrect(ie.QoSProfile, errors.New("shorter than 4 octets"))
		}
		m.QoSProfile = append([]byte(nil), i.Payload...)
	}
	// Optional IEs: an incorrect one is ignored (TS 29.060 11.1.11).
	if i := d.get(ie.MSISDN, 0); i != nil && len(i.Payload) > 1 {
		if s, err := tbcdDecode(i.Payload[1:]); err == nil {
			m.MSISDN = s
		}
	}
	if i := d.get(ie.IMEISV, 0); i != nil {
		if s, err := tbcdDecode(i.Payload); err == nil {
			m.IMEISV = s
		}
	}
	if i := d.get(ie.RATType, 0); i != nil && len(i.Payload) == 1 {
		m.RATType = RATType(i.Payload[0])
	}
	m.Location = location(d.get(ie.RouteingAreaIdentity, 0), d.get(ie.UserLocationInformation, 0))
	return m
}

// location merges the RAI (MCC, MNC, LAC, RAC) and the ULI (CI or SAC).
func location(rai, uli *ie.IE) *Location {
	var l Location
	ok := false
	if rai != nil {
		if mcc, mnc, err := plmnDecode(rai.Payload[0:3]); err == nil {
			l.MCC, l.MNC = mcc, mnc
			l.LAC = binary.BigEndian.Uint16(rai.Payload[3:5])
			l.RAC = rai.Payload[5]
			ok = true
		}
	}
	if uli != nil && len(uli.Payload) >= 7 {
		p := uli.Payload
		mcc, mnc, err := plmnDecode(p[1:4])
		if err == nil && (!ok || (mcc == l.MCC && mnc == l.MNC)) {
			l.MCC, l.MNC = mcc, mnc
			l.LAC = binary.BigEndian.Uint16(p[4:6])
			switch {
			case p[0] == 0 && len(p) >= 8:
				l.CI = binary.BigEndian.Uint16(p[6:8])
				ok = true
			case p[0] == 1 && len(p) >= 8:
				l.SAC = binary.BigEndian.Uint16(p[6:8])
				ok = true
			case p[0] == 2:
				l.RAC = p[6]
				ok = true
			}
		}
	}
	if !ok {
		return nil
	}
	return &l
}

func (d *decoder) createResponse() *CreatePDPContextResponse {
	m := &CreatePDPContextResponse{
		TEID:     d.h.TEID,
		Cause:    d.cause(),
		Recovery: recovery(d.get(ie.Recovery, 0)),
	}
	if !m.Cause.Accepted() {
		return m
	}
	if i := d.mandatory(ie.TEIDDataI, 0); i != nil {
		m.TEIDData = u32(i)
	}
	if i := d.mandatory(ie.TEIDCPlane, 0); i != nil {
		m.TEIDControl = u32(i)
	}
	if i := d.get(ie.ChargingID, 0); i != nil {
		m.ChargingID = u32(i)
	}
	if i := d.mandatory(ie.EndUserAddress, 0); i != nil {
		p := i.Payload
		switch {
		case len(p) < 2:
			d.incorrect(ie.EndUserAddress, errors.New("shorter than the PDP type"))
		case len(p) == 6 && PDPType(binary.BigEndian.Uint16(p)) == PDPTypeIPv4:
			m.EndUserAddress = netip.AddrFrom4([4]byte(p[2:6]))
		case len(p) == 18 && PDPType(binary.BigEndian.Uint16(p)) == PDPTypeIPv6:
			m.EndUserAddress = netip.AddrFrom16([16]byte(p[2:18]))
		case len(p) == 22 && PDPType(binary.BigEndian.Uint16(p)) == PDPTypeIPv4v6:
			m.EndUserAddress = netip.AddrFrom4([4]byte(p[2:6]))
		}
	}
	m.GGSNControlAddr = d.addr(d.mandatory(ie.GSNAddress, 0))
	m.GGSNUserAddr = d.addr(d.mandatory(ie.GSNAddress, 1))
	if i := d.get(ie.QoSProfile, 0); i != nil {
		m.QoSProfile = append([]byte(nil), i.Payload...)
	}
	return m
}

func (d *decoder) deleteRequest() *DeletePDPContextRequest {
	m := &DeletePDPContextRequest{TEID: d.h.TEID}
	if i := d.mandatory(ie.NSAPI, 0); i != nil {
		m.NSAPI = u8(i) & 0x0f
	}
	if i := d.get(ie.TeardownInd, 0); i != nil {
		m.TeardownInd = u8(i)&0x01 == 1
	}
	return m
}

func (d *decoder) deleteResponse() *DeletePDPContextResponse {
	return &DeletePDPContextResponse{TEID: d.h.TEID, Cause: d.cause()}
}

// Marshal encodes m as a GTPv1-C message with sequence number seq. The
// header TEID comes from the message: 0 for Echo and Create PDP Context
// Request, the TEID field of the others.
//
// It validates m first (ErrInvalid), because go-gtp silently drops an IE it
// cannot build. Each call builds fresh go-gtp objects, marshalled once,
// which avoids go-gtp's marshal-twice bug.
func Marshal(m Message, seq uint16) ([]byte, error) {
	var msg message.Message
	switch m := m.(type) {
	case *EchoRequest:
		msg = message.NewEchoRequest(seq)
	case *EchoResponse:
		msg = message.NewEchoResponse(seq, ie.NewRecovery(m.Recovery))
	case *VersionNotSupported:
		msg = message.NewVersionNotSupported(0, seq)
	case *CreatePDPContextRequest:
		ies, err := createRequestIEs(m)
		if err != nil {
			return nil, err
		}
		msg = message.NewCreatePDPContextRequest(0, seq, ies...)
	case *CreatePDPContextResponse:
		ies, err := createResponseIEs(m)
		if err != nil {
			return nil, err
		}
		msg = message.NewCreatePDPContextResponse(m.TEID, seq, ies...)
	case *DeletePDPContextRequest:
		if m.NSAPI > 15 {
			return nil, fmt.Errorf("%w: NSAPI %d > 15", ErrInvalid, m.NSAPI)
		}
		ies := []*ie.IE{ie.NewNSAPI(m.NSAPI)}
		if m.TeardownInd {
			ies = append([]*ie.IE{ie.NewTeardownInd(true)}, ies...)
		}
		msg = message.NewDeletePDPContextRequest(m.TEID, seq, ies...)
	case *DeletePDPContextResponse:
		if m.Cause == 0 {
			return nil, fmt.Errorf("%w: no cause", ErrInvalid)
		}
		msg = message.NewDeletePDPContextResponse(m.TEID, seq, ie.NewCause(uint8(m.Cause)))
	case nil:
		return nil, fmt.Errorf("%w: nil message", ErrInvalid)
	default:
		return nil, fmt.Errorf("%w: %T is not a gtpc message", ErrInvalid, m)
	}
	b := make([]byte, msg.MarshalLen())
	if err := msg.MarshalTo(b); err != nil {
		return nil, fmt.Errorf("gtpc: marshal %v: %w", m.MessageType(), err)
	}
	b[0] = flagsV1 // go-gtp's default, stated here because Decode insists on it
	return b, nil
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
}

func gsnAddress(name string, a netip.Addr) (*ie.IE, error) {
	if !a.IsValid() {
		return nil, invalid("%s missing", name)
	}
	a = a.Unmap()
	s := a.AsSlice()
	return ie.New(ie.GSNAddress, s), nil
}

func createRequestIEs(m *CreatePDPContextRequest) ([]*ie.IE, error) {
	imsi, err := tbcdEncode(m.IMSI, 8)
	if err != nil || len(m.IMSI) < 6 || len(m.IMSI) > 15 {
		return nil, invalid("IMSI %q: want 6 to 15 digits", m.IMSI)
	}
	if m.APN == "" {
		return nil, invalid("APN missing")
	}
	apn, err := apnEncode(m.APN)
	if err != nil {
		return nil, invalid("APN %q: %v", m.APN, err)
	}
	if m.NSAPI > 15 {
		return nil, invalid("NSAPI %d > 15", m.NSAPI)
	}
	if m.SelectionMode > 3 {
		return nil, invalid("selection mode %d > 3", m.SelectionMode)
	}
	ctrl, err := gsnAddress("SGSN control address", m.SGSNControlAddr)
	if err != nil {
		return nil, err
	}
	user, err := gsnAddress("SGSN user address", m.SGSNUserAddr)
	if err != nil {
		return nil, err
	}
	pdp := m.PDPType
	if pdp == 0 {
		pdp = PDPTypeIPv4
	}
	qos, err := qosProfile(m.QoSProfile)
	if err != nil {
		return nil, err
	}
	list := []*ie.IE{
		ie.New(ie.IMSI, imsi),
	}
	if l := m.Location; l != nil {
		plmn, err := plmnEncode(l.MCC, l.MNC)
		if err != nil {
			return nil, invalid("location: %v", err)
		}
		rai := make([]byte, 6)
		copy(rai, plmn)
		binary.BigEndian.PutUint16(rai[3:5], l.LAC)
		rai[5] = l.RAC
		list = append(list, ie.New(ie.RouteingAreaIdentity, rai))
	}
	if m.Recovery != nil {
		list = append(list, ie.NewRecovery(*m.Recovery))
	}
	list = append(list,
		ie.NewSelectionMode(0xfc|m.SelectionMode),
		ie.NewTEIDDataI(m.TEIDData),
		ie.NewTEIDCPlane(m.TEIDControl),
		ie.NewNSAPI(m.NSAPI),
		ie.New(ie.EndUserAddress, []byte{byte(pdp >> 8), byte(pdp)}),
		ie.New(ie.AccessPointName, apn),
		ctrl, user,
	)
	if m.MSISDN != "" {
		d, err := tbcdEncode(m.MSISDN, (len(m.MSISDN)+1)/2)
		if err != nil {
			return nil, invalid("MSISDN %q: %v", m.MSISDN, err)
		}
		// 0x91: no extension, international number, ISDN/E.164 (TS 29.002 AddressString).
		list = append(list, ie.New(ie.MSISDN, append([]byte{0x91}, d...)))
	}
	list = append(list, ie.NewQoSProfile(qos))
	if m.RATType != 0 {
		list = append(list, ie.NewRATType(uint8(m.RATType)))
	}
	if l := m.Location; l != nil {
		uli := make([]byte, 8)
		plmn, _ := plmnEncode(l.MCC, l.MNC)
		copy(uli[1:4], plmn)
		binary.BigEndian.PutUint16(uli[4:6], l.LAC)
		if l.SAC != 0 {
			uli[0] = 1 // SAI
			binary.BigEndian.PutUint16(uli[6:8], l.SAC)
		} else {
			uli[0] = 0 // CGI
			binary.BigEndian.PutUint16(uli[6:8], l.CI)
		}
		list = append(list, ie.New(ie.UserLocationInformation, uli))
	}
	if m.IMEISV != "" {
		d, err := tbcdEncode(m.IMEISV, 8)
		if err != nil || len(m.IMEISV) < 14 {
			return nil, invalid("IMEISV %q: want 14 to 16 digits", m.IMEISV)
		}
		list = append(list, ie.New(ie.IMEISV, d))
	}
	return list, nil
}

func qosProfile(q []byte) ([]byte, error) {
	if q == nil {
		return append([]byte(nil), DefaultQoSProfile...), nil
	}
	if len(q) < 4 || len(q) > 255 {
		return nil, invalid("QoS profile of %d octets: want 4 to 255", len(q))
	}
	return append([]byte(nil), q...), nil
}

func createResponseIEs(m *CreatePDPContextResponse) ([]*ie.IE, error) {
	if m.Cause == 0 {
		return nil, invalid("no cause")
	}
	list := []*ie.IE{ie.NewCause(uint8(m.Cause))}
	if !m.Cause.Accepted() {
		if m.Recovery != nil {
			list = append(list, ie.NewRecovery(*m.Recovery))
		}
		return list, nil
	}
	var eua *ie.IE
	switch a := m.EndUserAddress.Unmap(); {
	case a.Is4():
		v := a.As4()
		eua = ie.New(ie.EndUserAddress, append([]byte{0xf1, 0x21}, v[:]...))
	case a.Is6():
		v := a.As16()
		eua = ie.New(ie.EndUserAddress, append([]byte{0xf1, 0x57}, v[:]...))
	default:
		return nil, invalid("accepted without an end user address")
	}
	ctrl, err := gsnAddress("GGSN control address", m.GGSNControlAddr)
	if err != nil {
		return nil, err
	}
	user, err := gsnAddress("GGSN user address", m.GGSNUserAddr)
	if err != nil {
		return nil, err
	}
	qos, err := qosProfile(m.QoSProfile)
	if err != nil {
		return nil, err
	}
	list = append(list, ie.NewReorderingRequired(false))
	if m.Recovery != nil {
		list = append(list, ie.NewRecovery(*m.Recovery))
	}
	list = append(list,
		ie.NewTEIDDataI(m.TEIDData),
		ie.NewTEIDCPlane(m.TEIDControl),
		ie.NewChargingID(m.ChargingID),
		eua, ctrl, user,
		ie.NewQoSProfile(qos),
	)
	return list, nil
}

// tbcdEncode packs digits two per octet, low nibble first, into n octets
// filled with 0xF (TS 29.002 TBCD-STRING). go-gtp fills a short IMSI with
// 0x0, which reads back as extra zeros; this is why the codec packs IMSIs
// itself.
func tbcdEncode(s string, n int) ([]byte, error) {
	if s == "" || len(s) > 2*n {
		return nil, fmt.Errorf("%d digits do not fit %d octets", len(s), n)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("%q is not a digit", c)
		}
		if i%2 == 0 {
			b[i/2] = 0xf0 | (c - '0')
		} else {
			b[i/2] = b[i/2]&0x0f | (c-'0')<<4
		}
	}
	return b, nil
}

// tbcdDecode reads digits up to the first 0xF filler; everything after it
// must be filler too.
func tbcdDecode(b []byte) (string, error) {
	var d [32]byte
	n := 0
	end := false
	for _, o := range b {
		for _, v := range [2]byte{o & 0x0f, o >> 4} {
			switch {
			case v == 0xf:
				end = true
			case end:
				return "", errors.New("digit after filler")
			case v > 9:
				return "", fmt.Errorf("nibble %#x is not a digit", v)
			case n == len(d):
				return "", errors.New("too many digits")
			default:
				d[n] = '0' + v
				n++
			}
		}
	}
	return string(d[:n]), nil
}

// plmnEncode packs MCC and a 2- or 3-digit MNC (TS 24.008 10.5.1.3).
func plmnEncode(mcc, mnc string) ([]byte, error) {
	if len(mcc) != 3 || (len(mnc) != 2 && len(mnc) != 3) || !digits(mcc) || !digits(mnc) {
		return nil, fmt.Errorf("MCC %q MNC %q: want 3 and 2 or 3 digits", mcc, mnc)
	}
	mnc3 := byte(0xf)
	if len(mnc) == 3 {
		mnc3 = mnc[2] - '0'
	}
	return []byte{
		(mcc[1]-'0')<<4 | (mcc[0] - '0'),
		mnc3<<4 | (mcc[2] - '0'),
		(mnc[1]-'0')<<4 | (mnc[0] - '0'),
	}, nil
}

func plmnDecode(b []byte) (mcc, mnc string, err error) {
	n := [6]byte{b[0] & 0xf, b[0] >> 4, b[1] & 0xf, b[2] & 0xf, b[2] >> 4, b[1] >> 4}
	l := 6
	if n[5] == 0xf {
		l = 5
	}
	s := make([]byte, l)
	for i := range l {
		if n[i] > 9 {
			return "", "", errors.New("PLMN: not a digit")
		}
		s[i] = '0' + n[i]
	}
	return string(s[:3]), string(s[3:]), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// apnEncode writes the APN's labels with their lengths (TS 23.003 9.1).
func apnEncode(apn string) ([]byte, error) {
	if len(apn) > 100 {
		return nil, errors.New("longer than 100 octets")
	}
	for _, l := range strings.Split(apn, ".") {
		if l == "" || len(l) > 63 {
			return nil, errors.New("empty or too long label")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return nil, fmt.Errorf("character %q not allowed", c)
			}
		}
	}
	return ie.NewAccessPointName(apn).Payload, nil
}

func apnDecode(b []byte) (string, error) {
	if len(b) == 0 {
		return "", errors.New("empty")
	}
	var s strings.Builder
	for len(b) > 0 {
		l := int(b[0])
		if l == 0 || 1+l > len(b) {
			return "", errors.New("bad label length")
		}
		if s.Len() > 0 {
			s.WriteByte('.')
		}
		s.Write(b[1 : 1+l])
		b = b[1+l:]
	}
	return s.String(), nil
}

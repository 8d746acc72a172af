package gtpc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/wmnsk/go-gtp/gtpv1/ie"
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

// Decode reads one GTPv1-C message. Parsing does not keep b: every field of
// the returned message is a copy.
//
// Errors: ErrShortHeader, ErrVersionNotSupported and ErrNotGTPC when the
// header is unusable (h is then only partly set); ErrUnknownMessageType with
// a valid h; a *DecodeError (errors.Is ErrMalformed) with a valid h when the
// body is wrong. For a Create PDP Context Request with a missing or
// incorrect IE the partly decoded request is returned with the error, so a
// responder can find the SGSN's TEID.
//
// The IEs are read by hand, without go-gtp's IE objects, which cost most of
// the allocations of an exchange; the tests hold it to go-gtp's reading.
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
	d := decoder{h: h}
	if err := d.scan(bb); err != nil {
		return h, nil, &DecodeError{Header: h, Cause: CauseInvalidMessageFormat, Err: err}
	}
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

// Slots of the IEs the decoder reads; every other IE is skipped by its
// length.
const (
	slotNone = iota
	slotCause
	slotIMSI
	slotRAI
	slotRecovery
	slotSelectionMode
	slotTEIDDataI
	slotTEIDCPlane
	slotTeardownInd
	slotNSAPI
	slotChargingID
	slotEndUserAddress
	slotAPN
	slotGSNAddress
	slotMSISDN
	slotQoSProfile
	slotRATType
	slotULI
	slotIMEISV
	numSlots
)

var ieSlot = [256]uint8{
	ie.Cause: slotCause, ie.IMSI: slotIMSI, ie.RouteingAreaIdentity: slotRAI,
	ie.Recovery: slotRecovery, ie.SelectionMode: slotSelectionMode,
	ie.TEIDDataI: slotTEIDDataI, ie.TEIDCPlane: slotTEIDCPlane,
	ie.TeardownInd: slotTeardownInd, ie.NSAPI: slotNSAPI, ie.ChargingID: slotChargingID,
	ie.EndUserAddress: slotEndUserAddress, ie.AccessPointName: slotAPN,
	ie.GSNAddress: slotGSNAddress, ie.MSISDN: slotMSISDN, ie.QoSProfile: slotQoSProfile,
	ie.RATType: slotRATType, ie.UserLocationInformation: slotULI, ie.IMEISV: slotIMEISV,
}

// decoder holds the payloads of the first IE of each type it reads (and of
// the second GSN Address), aliasing the message, and records the first
// problem as a *DecodeError. A nil payload is an absent IE.
type decoder struct {
	h    Header
	ies  [numSlots][]byte
	gsn2 []byte
	err  *DecodeError
}

// scan splits a message body into IEs (TS 29.060 7.7: TV IEs with the
// lengths of tvLength, TLV IEs with a 2-octet length, the Extension Header
// Type List with a 1-octet one).
func (d *decoder) scan(b []byte) error {
	for len(b) > 0 {
		t := b[0]
		var start, end int
		switch {
		case t < 128:
			if tvLength[t] == 0 {
				return fmt.Errorf("unknown fixed-length IE type %d", t)
			}
			start, end = 1, 1+int(tvLength[t])
		case len(b) < 3:
			return fmt.Errorf("IE type %d truncated", t)
		case t == ie.ExtensionHeaderTypeList:
			start, end = 2, 2+int(b[1])
		default:
			start, end = 3, 3+int(binary.BigEndian.Uint16(b[1:3]))
		}
		if end > len(b) {
			return fmt.Errorf("IE %s (%d) truncated", ieName(t), t)
		}
		if s := ieSlot[t]; s != slotNone {
			p := b[start:end:end] // never nil, even when empty
			switch {
			case d.ies[s] == nil:
				d.ies[s] = p
			case s == slotGSNAddress && d.gsn2 == nil:
				d.gsn2 = p
			}
		}
		b = b[end:]
	}
	return nil
}

// get returns the payload of the n-th (0-based) IE of type t, nil if absent;
// only the GSN Address has a second one.
func (d *decoder) get(t uint8, n int) []byte {
	switch {
	case n == 0:
		return d.ies[ieSlot[t]]
	case n == 1 && t == ie.GSNAddress:
		return d.gsn2
	}
	return nil
}

func (d *decoder) fail(c Cause, t uint8, err error) {
	if d.err == nil {
		d.err = &DecodeError{Header: d.h, Cause: c, IE: t, Err: err}
	}
}

// mandatory returns the n-th IE of type t, recording 202 if it is absent.
func (d *decoder) mandatory(t uint8, n int) []byte {
	p := d.get(t, n)
	if p == nil {
		d.fail(CauseMandatoryIEMissing, t, nil)
	}
	return p
}

func (d *decoder) incorrect(t uint8, err error) { d.fail(CauseMandatoryIEIncorrect, t, err) }

func u32(p []byte) uint32 { return binary.BigEndian.Uint32(p) } // TV lengths are checked by scan

func (d *decoder) addr(t uint8, p []byte) netip.Addr {
	if p == nil {
		return netip.Addr{}
	}
	a, ok := netip.AddrFromSlice(p)
	if !ok {
		d.incorrect(t, fmt.Errorf("%d bytes is not an IPv4 or IPv6 address", len(p)))
	}
	return a
}

func (d *decoder) cause() Cause {
	if p := d.mandatory(ie.Cause, 0); p != nil {
		return Cause(p[0])
	}
	return 0
}

func recovery(p []byte) *uint8 {
	if p == nil {
		return nil
	}
	v := p[0]
	return &v
}

func (d *decoder) echoResponse() *EchoResponse {
	m := &EchoResponse{}
	if p := d.mandatory(ie.Recovery, 0); p != nil {
		m.Recovery = p[0]
	}
	return m
}

func (d *decoder) createRequest() *CreatePDPContextRequest {
	m := &CreatePDPContextRequest{Recovery: recovery(d.get(ie.Recovery, 0))}
	if p := d.mandatory(ie.IMSI, 0); p != nil {
		s, err := tbcdDecode(p)
		if err == nil && len(s) == 0 {
			err = errors.New("no digits")
		}
		if err != nil {
			d.incorrect(ie.IMSI, err)
		}
		m.IMSI = s
	}
	if p := d.get(ie.SelectionMode, 0); p != nil {
		m.SelectionMode = p[0] & 0x03
	}
	if p := d.mandatory(ie.TEIDDataI, 0); p != nil {
		m.TEIDData = u32(p)
	}
	if p := d.mandatory(ie.TEIDCPlane, 0); p != nil {
		m.TEIDControl = u32(p)
	}
	if p := d.mandatory(ie.NSAPI, 0); p != nil {
		m.NSAPI = p[0] & 0x0f
	}
	if p := d.get(ie.EndUserAddress, 0); p != nil {
		if len(p) < 2 {
			d.incorrect(ie.EndUserAddress, errors.New("shorter than the PDP type"))
		} else {
			m.PDPType = PDPType(binary.BigEndian.Uint16(p))
		}
	}
	if p := d.mandatory(ie.AccessPointName, 0); p != nil {
		apn, err := apnDecode(p)
		if err != nil {
			d.incorrect(ie.AccessPointName, err)
		}
		m.APN = apn
	}
	m.SGSNControlAddr = d.addr(ie.GSNAddress, d.mandatory(ie.GSNAddress, 0))
	m.SGSNUserAddr = d.addr(ie.GSNAddress, d.mandatory(ie.GSNAddress, 1))
	if p := d.mandatory(ie.QoSProfile, 0); p != nil {
		if len(p) < 4 {
			d.incorrect(ie.QoSProfile, errors.New("shorter than 4 octets"))
		}
		m.QoSProfile = append([]byte(nil), p...)
	}
	// Optional IEs: an incorrect one is ignored (TS 29.060 11.1.11).
	if p := d.get(ie.MSISDN, 0); len(p) > 1 {
		if s, err := tbcdDecode(p[1:]); err == nil {
			m.MSISDN = s
		}
	}
	if p := d.get(ie.IMEISV, 0); p != nil {
		if s, err := tbcdDecode(p); err == nil {
			m.IMEISV = s
		}
	}
	if p := d.get(ie.RATType, 0); len(p) == 1 {
		m.RATType = RATType(p[0])
	}
	m.Location = location(d.get(ie.RouteingAreaIdentity, 0), d.get(ie.UserLocationInformation, 0))
	return m
}

// location merges the RAI (MCC, MNC, LAC, RAC) and the ULI (CI or SAC).
func location(rai, uli []byte) *Location {
	var l Location
	ok := false
	if rai != nil {
		if mcc, mnc, err := plmnDecode(rai[0:3]); err == nil {
			l.MCC, l.MNC = mcc, mnc
			l.LAC = binary.BigEndian.Uint16(rai[3:5])
			l.RAC = rai[5]
			ok = true
		}
	}
	if p := uli; len(p) >= 7 {
		mcc, mnc, err := l.MCC, l.MNC, error(nil)
		if !ok || !bytes.Equal(p[1:4], rai[0:3]) {
			mcc, mnc, err = plmnDecode(p[1:4])
		}
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
	if p := d.mandatory(ie.TEIDDataI, 0); p != nil {
		m.TEIDData = u32(p)
	}
	if p := d.mandatory(ie.TEIDCPlane, 0); p != nil {
		m.TEIDControl = u32(p)
	}
	if p := d.get(ie.ChargingID, 0); p != nil {
		m.ChargingID = u32(p)
	}
	if p := d.mandatory(ie.EndUserAddress, 0); p != nil {
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
	m.GGSNControlAddr = d.addr(ie.GSNAddress, d.mandatory(ie.GSNAddress, 0))
	m.GGSNUserAddr = d.addr(ie.GSNAddress, d.mandatory(ie.GSNAddress, 1))
	if p := d.get(ie.QoSProfile, 0); p != nil {
		m.QoSProfile = append([]byte(nil), p...)
	}
	return m
}

func (d *decoder) deleteRequest() *DeletePDPContextRequest {
	m := &DeletePDPContextRequest{TEID: d.h.TEID}
	if p := d.mandatory(ie.NSAPI, 0); p != nil {
		m.NSAPI = p[0] & 0x0f
	}
	if p := d.get(ie.TeardownInd, 0); p != nil {
		m.TeardownInd = p[0]&0x01 == 1
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
// It validates m first (ErrInvalid) and writes the IEs by hand in the
// order of TS 29.060 7.3, the bytes go-gtp's message objects would give
// (the tests compare both), with one allocation.
func Marshal(m Message, seq uint16) ([]byte, error) {
	return appendMessage(nil, m, seq)
}

// appendMessage is Marshal appending to b, which may be a reused buffer;
// on error b is returned unchanged.
func appendMessage(b []byte, m Message, seq uint16) ([]byte, error) {
	w := writer{b: b, start: len(b)}
	switch m := m.(type) {
	case *EchoRequest:
		w.header(MsgEchoRequest, 0, seq, 0)
	case *EchoResponse:
		w.header(MsgEchoResponse, 0, seq, 2)
		w.tv1(ie.Recovery, m.Recovery)
	case *VersionNotSupported:
		w.header(MsgVersionNotSupported, 0, seq, 0)
	case *CreatePDPContextRequest:
		if err := checkCreateRequest(m); err != nil {
			return b, err
		}
		w.createRequest(m, seq)
	case *CreatePDPContextResponse:
		if err := checkCreateResponse(m); err != nil {
			return b, err
		}
		w.createResponse(m, seq)
	case *DeletePDPContextRequest:
		if m.NSAPI > 15 {
			return b, invalid("NSAPI %d > 15", m.NSAPI)
		}
		w.header(MsgDeletePDPContextRequest, m.TEID, seq, 4)
		if m.TeardownInd {
			w.tv1(ie.TeardownInd, 0xff)
		}
		w.tv1(ie.NSAPI, m.NSAPI)
	case *DeletePDPContextResponse:
		if m.Cause == 0 {
			return b, invalid("no cause")
		}
		w.header(MsgDeletePDPContextResponse, m.TEID, seq, 2)
		w.tv1(ie.Cause, uint8(m.Cause))
	case nil:
		return b, invalid("nil message")
	default:
		return b, invalid("%T is not a gtpc message", m)
	}
	n := len(w.b) - w.start - 8
	if n > 0xffff {
		return b, invalid("%v of %d octets: longer than a GTP length can say", m.MessageType(), n+8)
	}
	binary.BigEndian.PutUint16(w.b[w.start+2:], uint16(n))
	return w.b, nil
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
}

// writer appends a message: the header (TS 29.060 6, with the sequence
// number, no N-PDU number, no extension header) then IEs (7.7).
type writer struct {
	b     []byte
	start int
}

// header writes the 12 header octets, the length left 0, making room for
// about n more octets of IEs.
func (w *writer) header(t MessageType, teid uint32, seq uint16, n int) {
	w.b = slices.Grow(w.b, headerLen+n)
	w.b = append(w.b, flagsV1, byte(t), 0, 0)
	w.b = binary.BigEndian.AppendUint32(w.b, teid)
	w.b = binary.BigEndian.AppendUint16(w.b, seq)
	w.b = append(w.b, 0, 0)
}

func (w *writer) tv1(t, v uint8) { w.b = append(w.b, t, v) }

func (w *writer) tv4(t uint8, v uint32) {
	w.b = append(w.b, t)
	w.b = binary.BigEndian.AppendUint32(w.b, v)
}

// tlv starts a TLV IE of n octets; the caller appends them.
func (w *writer) tlv(t uint8, n int) {
	w.b = append(w.b, t, byte(n>>8), byte(n))
}

func (w *writer) tlvBytes(t uint8, p []byte) {
	w.tlv(t, len(p))
	w.b = append(w.b, p...)
}

func (w *writer) gsnAddress(a netip.Addr) {
	a = a.Unmap()
	if a.Is4() {
		v := a.As4()
		w.tlvBytes(ie.GSNAddress, v[:])
		return
	}
	v := a.As16()
	w.tlvBytes(ie.GSNAddress, v[:])
}

// tbcd appends digits two per octet, low nibble first, in n octets filled
// with 0xF (TS 29.002 TBCD-STRING). go-gtp fills a short IMSI with 0x0,
// which reads back as extra zeros; this is one reason the codec packs
// digits itself. s holds only digits and fits.
func (w *writer) tbcd(s string, n int) {
	for i := range n {
		o := byte(0xff)
		if 2*i < len(s) {
			o = 0xf0 | (s[2*i] - '0')
		}
		if 2*i+1 < len(s) {
			o = o&0x0f | (s[2*i+1]-'0')<<4
		}
		w.b = append(w.b, o)
	}
}

// plmn appends MCC and a 2- or 3-digit MNC (TS 24.008 10.5.1.3), checked
// by checkPLMN.
func (w *writer) plmn(mcc, mnc string) {
	mnc3 := byte(0xf)
	if len(mnc) == 3 {
		mnc3 = mnc[2] - '0'
	}
	w.b = append(w.b,
		(mcc[1]-'0')<<4|(mcc[0]-'0'),
		mnc3<<4|(mcc[2]-'0'),
		(mnc[1]-'0')<<4|(mnc[0]-'0'),
	)
}

func checkPLMN(mcc, mnc string) error {
	if len(mcc) != 3 || (len(mnc) != 2 && len(mnc) != 3) || !digits(mcc) || !digits(mnc) {
		return fmt.Errorf("MCC %q MNC %q: want 3 and 2 or 3 digits", mcc, mnc)
	}
	return nil
}

// checkAPN checks an APN for the APN IE (TS 23.003 9.1).
func checkAPN(apn string) error {
	if len(apn) > 100 {
		return errors.New("longer than 100 octets")
	}
	for l := range strings.SplitSeq(apn, ".") {
		if l == "" || len(l) > 63 {
			return errors.New("empty or too long label")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("character %q not allowed", c)
			}
		}
	}
	return nil
}

// apn appends the APN IE payload: each label after its length.
func (w *writer) apn(apn string) {
	for l := range strings.SplitSeq(apn, ".") {
		w.b = append(w.b, byte(len(l)))
		w.b = append(w.b, l...)
	}
}

func checkQoS(q []byte) error {
	if q != nil && (len(q) < 4 || len(q) > 255) {
		return invalid("QoS profile of %d octets: want 4 to 255", len(q))
	}
	return nil
}

func qosOrDefault(q []byte) []byte {
	if q == nil {
		return DefaultQoSProfile
	}
	return q
}

// checkCreateRequest finds what Marshal cannot encode, in the order the
// fields are checked since the first version of the codec.
func checkCreateRequest(m *CreatePDPContextRequest) error {
	if len(m.IMSI) < 6 || len(m.IMSI) > 15 || !digits(m.IMSI) {
		return invalid("IMSI %q: want 6 to 15 digits", m.IMSI)
	}
	if m.APN == "" {
		return invalid("APN missing")
	}
	if err := checkAPN(m.APN); err != nil {
		return invalid("APN %q: %v", m.APN, err)
	}
	if m.NSAPI > 15 {
		return invalid("NSAPI %d > 15", m.NSAPI)
	}
	if m.SelectionMode > 3 {
		return invalid("selection mode %d > 3", m.SelectionMode)
	}
	if !m.SGSNControlAddr.IsValid() {
		return invalid("SGSN control address missing")
	}
	if !m.SGSNUserAddr.IsValid() {
		return invalid("SGSN user address missing")
	}
	if err := checkQoS(m.QoSProfile); err != nil {
		return err
	}
	if l := m.Location; l != nil {
		if err := checkPLMN(l.MCC, l.MNC); err != nil {
			return invalid("location: %v", err)
		}
	}
	if m.MSISDN != "" {
		for i := 0; i < len(m.MSISDN); i++ {
			if c := m.MSISDN[i]; c < '0' || c > '9' {
				return invalid("MSISDN %q: %q is not a digit", m.MSISDN, c)
			}
		}
	}
	if m.IMEISV != "" && (len(m.IMEISV) < 14 || len(m.IMEISV) > 16 || !digits(m.IMEISV)) {
		return invalid("IMEISV %q: want 14 to 16 digits", m.IMEISV)
	}
	return nil
}

func (w *writer) createRequest(m *CreatePDPContextRequest, seq uint16) {
	w.header(MsgCreatePDPContextRequest, 0, seq, 120+len(m.APN)+len(m.QoSProfile)+len(m.MSISDN)/2)
	w.b = append(w.b, ie.IMSI)
	w.tbcd(m.IMSI, 8)
	if l := m.Location; l != nil {
		w.b = append(w.b, ie.RouteingAreaIdentity)
		w.plmn(l.MCC, l.MNC)
		w.b = binary.BigEndian.AppendUint16(w.b, l.LAC)
		w.b = append(w.b, l.RAC)
	}
	if m.Recovery != nil {
		w.tv1(ie.Recovery, *m.Recovery)
	}
	w.tv1(ie.SelectionMode, 0xfc|m.SelectionMode)
	w.tv4(ie.TEIDDataI, m.TEIDData)
	w.tv4(ie.TEIDCPlane, m.TEIDControl)
	w.tv1(ie.NSAPI, m.NSAPI)
	pdp := m.PDPType
	if pdp == 0 {
		pdp = PDPTypeIPv4
	}
	w.tlv(ie.EndUserAddress, 2)
	w.b = binary.BigEndian.AppendUint16(w.b, uint16(pdp))
	w.tlv(ie.AccessPointName, len(m.APN)+1)
	w.apn(m.APN)
	w.gsnAddress(m.SGSNControlAddr)
	w.gsnAddress(m.SGSNUserAddr)
	if m.MSISDN != "" {
		n := (len(m.MSISDN) + 1) / 2
		w.tlv(ie.MSISDN, 1+n)
		// 0x91: no extension, international number, ISDN/E.164 (TS 29.002 AddressString).
		w.b = append(w.b, 0x91)
		w.tbcd(m.MSISDN, n)
	}
	w.tlvBytes(ie.QoSProfile, qosOrDefault(m.QoSProfile))
	if m.RATType != 0 {
		w.tlv(ie.RATType, 1)
		w.b = append(w.b, uint8(m.RATType))
	}
	if l := m.Location; l != nil {
		w.tlv(ie.UserLocationInformation, 8)
		if l.SAC != 0 {
			w.b = append(w.b, 1) // SAI
		} else {
			w.b = append(w.b, 0) // CGI
		}
		w.plmn(l.MCC, l.MNC)
		w.b = binary.BigEndian.AppendUint16(w.b, l.LAC)
		if l.SAC != 0 {
			w.b = binary.BigEndian.AppendUint16(w.b, l.SAC)
		} else {
			w.b = binary.BigEndian.AppendUint16(w.b, l.CI)
		}
	}
	if m.IMEISV != "" {
		w.tlv(ie.IMEISV, 8)
		w.tbcd(m.IMEISV, 8)
	}
}

func checkCreateResponse(m *CreatePDPContextResponse) error {
	if m.Cause == 0 {
		return invalid("no cause")
	}
	if !m.Cause.Accepted() {
		return nil
	}
	if !m.EndUserAddress.IsValid() {
		return invalid("accepted without an end user address")
	}
	if !m.GGSNControlAddr.IsValid() {
		return invalid("GGSN control address missing")
	}
	if !m.GGSNUserAddr.IsValid() {
		return invalid("GGSN user address missing")
	}
	return checkQoS(m.QoSProfile)
}

func (w *writer) createResponse(m *CreatePDPContextResponse, seq uint16) {
	if !m.Cause.Accepted() {
		w.header(MsgCreatePDPContextResponse, m.TEID, seq, 4)
		w.tv1(ie.Cause, uint8(m.Cause))
		if m.Recovery != nil {
			w.tv1(ie.Recovery, *m.Recovery)
		}
		return
	}
	w.header(MsgCreatePDPContextResponse, m.TEID, seq, 100+len(m.QoSProfile))
	w.tv1(ie.Cause, uint8(m.Cause))
	w.tv1(ie.ReorderingRequired, 0xfe) // not required
	if m.Recovery != nil {
		w.tv1(ie.Recovery, *m.Recovery)
	}
	w.tv4(ie.TEIDDataI, m.TEIDData)
	w.tv4(ie.TEIDCPlane, m.TEIDControl)
	w.tv4(ie.ChargingID, m.ChargingID)
	if a := m.EndUserAddress.Unmap(); a.Is4() {
		v := a.As4()
		w.tlv(ie.EndUserAddress, 6)
		w.b = append(w.b, 0xf1, 0x21)
		w.b = append(w.b, v[:]...)
	} else {
		v := a.As16()
		w.tlv(ie.EndUserAddress, 18)
		w.b = append(w.b, 0xf1, 0x57)
		w.b = append(w.b, v[:]...)
	}
	w.gsnAddress(m.GGSNControlAddr)
	w.gsnAddress(m.GGSNUserAddr)
	w.tlvBytes(ie.QoSProfile, qosOrDefault(m.QoSProfile))
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

func plmnDecode(b []byte) (mcc, mnc string, err error) {
	n := [6]byte{b[0] & 0xf, b[0] >> 4, b[1] & 0xf, b[2] & 0xf, b[2] >> 4, b[1] >> 4}
	l := 6
	if n[5] == 0xf {
		l = 5
	}
	var s [6]byte
	for i := range l {
		if n[i] > 9 {
			return "", "", errPLMNDigit
		}
		s[i] = '0' + n[i]
	}
	str := string(s[:l]) // one allocation for both
	return str[:3], str[3:], nil
}

var errPLMNDigit = errors.New("PLMN: not a digit")

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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

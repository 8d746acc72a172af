package diameter

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

// HeaderLength is the length of the Diameter header (RFC 6733 3).
const HeaderLength = diam.HeaderLength

// maxGroupDepth bounds the nesting of Grouped AVPs a peer may send.
const maxGroupDepth = 16

// ErrBadHeader reports a header that cannot start a Diameter message
// (wrong version, impossible length). On a stream it cannot be skipped:
// the connection is closed.
var ErrBadHeader = errors.New("diameter: bad message header")

// ErrBadMessage is the errors.Is target of every *MessageError.
var ErrBadMessage = errors.New("diameter: undecodable message")

// MessageError reports a well-framed message whose content cannot be
// decoded: the Result is the code to answer a request with (RFC 6733 7.1)
// and FailedAVP, when known, the offending AVP to put in Failed-AVP.
type MessageError struct {
	Header    diam.Header
	Result    uint32
	FailedAVP *diam.AVP
	Err       error
}

func (e *MessageError) Error() string {
	return fmt.Sprintf("diameter: command %d app %d: result %d: %v",
		e.Header.CommandCode, e.Header.ApplicationID, e.Result, e.Err)
}

// Unwrap gives the cause.
func (e *MessageError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrBadMessage) true.
func (e *MessageError) Is(target error) bool { return target == ErrBadMessage }

// checkHeader validates the fixed part of a header and returns the
// message length it announces.
func checkHeader(h []byte, maxLen int) (int, error) {
	if len(h) < HeaderLength {
		return 0, fmt.Errorf("%w: %d bytes", ErrBadHeader, len(h))
	}
	if h[0] != 1 {
		return 0, fmt.Errorf("%w: version %d", ErrBadHeader, h[0])
	}
	l := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	if l < HeaderLength || l%4 != 0 || l > maxLen {
		return 0, fmt.Errorf("%w: message length %d", ErrBadHeader, l)
	}
	return l, nil
}

func decodeHeader(b []byte) diam.Header {
	return diam.Header{
		Version:       b[0],
		MessageLength: uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]),
		CommandFlags:  b[4],
		CommandCode:   uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]),
		ApplicationID: binary.BigEndian.Uint32(b[8:12]),
		HopByHopID:    binary.BigEndian.Uint32(b[12:16]),
		EndToEndID:    binary.BigEndian.Uint32(b[16:20]),
	}
}

// DecodeMessage decodes one complete message (header and body) with the
// default dictionary. A bad header gives an error wrapping ErrBadHeader;
// a command the dictionary lacks, an AVP whose length or value is invalid,
// a *MessageError. It never panics, whatever the bytes.
func DecodeMessage(b []byte) (*diam.Message, error) {
	l, err := checkHeader(b, 1<<24-1)
	if err != nil {
		return nil, err
	}
	if l != len(b) {
		return nil, fmt.Errorf("%w: message length %d, have %d bytes", ErrBadHeader, l, len(b))
	}
	return decodeFrame(b)
}

// decodeFrame decodes a frame whose header checkHeader accepted.
func decodeFrame(b []byte) (m *diam.Message, err error) {
	h := decodeHeader(b)
	if err := checkFrame(h, b); err != nil {
		return nil, err
	}
	defer func() {
		// Last defence: the library must not take the process down.
		if r := recover(); r != nil {
			m, err = nil, &MessageError{Header: h, Result: ResultInvalidAVPValue, Err: fmt.Errorf("decoder panic: %v", r)}
		}
	}()
	m, err = diam.ReadMessage(bytes.NewReader(b), dict.Default)
	if err != nil {
		return nil, &MessageError{Header: h, Result: ResultInvalidAVPValue, Err: err}
	}
	return m, nil
}

// checkFrame is what a frame whose header checkHeader accepted must pass
// before it is decoded: header bits, a command of the dictionary, the AVPs'
// structure (checkAVPs). It fails with a *MessageError.
func checkFrame(h diam.Header, b []byte) error {
	fail := func(result uint32, failed *diam.AVP, err error) error {
		return &MessageError{Header: h, Result: result, FailedAVP: failed, Err: err}
	}
	if h.CommandFlags&diam.RequestFlag != 0 && h.CommandFlags&diam.ErrorFlag != 0 {
		return fail(ResultInvalidHdrBits, nil, errors.New("request with the E bit"))
	}
	if _, err := dict.Default.FindCommand(h.ApplicationID, h.CommandCode); err != nil {
		return fail(ResultCommandUnsupported, nil, err)
	}
	if f := checkAVPs(b[HeaderLength:], h.ApplicationID, 0); f != nil {
		return fail(f.result, f.failedAVP(), f.err)
	}
	return nil
}

// avpKey names an AVP of an application's dictionary.
type avpKey struct{ app, code, vendor uint32 }

type avpInfo struct {
	t    datatype.TypeID
	name string
	ok   bool
}

// avpTypes caches the dictionary's answers: the library's lookup takes a
// lock and several maps, for every AVP of every message. It is an
// open-addressing table of published entries: a lookup hashes the key with
// a multiply and reads a slot or two atomically, where a sync.Map hashed
// its keys through an interface and a map of the keys was as slow (each
// about 6% of the HLR's CPU). Entries are written once, under the lock, and
// never change. At most maxCachedAVPs entries, so that a peer sending
// made-up codes cannot grow it without bound (beyond that, lookups go to
// the dictionary).
var (
	avpTypes      [2 * maxCachedAVPs]atomic.Pointer[avpEntry]
	avpTypesMu    sync.Mutex // held to add an entry
	avpTypesCount int        // entries, under avpTypesMu
)

const maxCachedAVPs = 4096

type avpEntry struct {
	key  avpKey
	info avpInfo
}

// avpSlot is where the probe for k starts.
func avpSlot(k avpKey) uint32 {
	h := k.code*0x9e3779b1 ^ k.vendor*0x85ebca6b ^ k.app*0xc2b2ae35
	return (h ^ h>>15) % uint32(len(avpTypes))
}

// avpType is the data type and name of an AVP in the default dictionary.
func avpType(app, code, vendor uint32) (datatype.TypeID, string, bool) {
	k := avpKey{app, code, vendor}
	for i := avpSlot(k); ; i = (i + 1) % uint32(len(avpTypes)) {
		e := avpTypes[i].Load()
		if e == nil {
			break // not cached
		}
		if e.key == k {
			return e.info.t, e.info.name, e.info.ok
		}
	}
	var info avpInfo
	if d, err := dict.Default.FindAVPByCode(app, code, vendor); err == nil {
		info = avpInfo{t: d.Data.Type, name: d.Name, ok: true}
	}
	avpTypesMu.Lock()
	defer avpTypesMu.Unlock()
	if avpTypesCount >= maxCachedAVPs { // half the slots stay empty: probes end
		return info.t, info.name, info.ok
	}
	for i := avpSlot(k); ; i = (i + 1) % uint32(len(avpTypes)) {
		e := avpTypes[i].Load()
		if e == nil {
			avpTypes[i].Store(&avpEntry{key: k, info: info})
			avpTypesCount++
			break
		}
		if e.key == k {
			break // another goroutine added it
		}
	}
	return info.t, info.name, info.ok
}

// cachedAVPs is how many answers avpType keeps.
func cachedAVPs() int {
	avpTypesMu.Lock()
	defer avpTypesMu.Unlock()
	return avpTypesCount
}

// avpFault is an AVP that fails the structural check.
type avpFault struct {
	result       uint32
	code, vendor uint32
	flags        uint8
	payload      []byte
	minLen       int // of the AVP's type, for DIAMETER_INVALID_AVP_LENGTH
	known        bool
	err          error
}

// failedAVP builds the Failed-AVP (RFC 6733 7.5, 7.1.5): for an invalid
// length, the AVP header with a zero-filled payload of the minimum length
// of its type (so that the answer itself stays decodable); otherwise the
// AVP as received.
func (f *avpFault) failedAVP() *diam.AVP {
	if !f.known {
		return nil
	}
	payload := bytes.Clone(f.payload)
	if f.result == ResultInvalidAVPLength {
		payload = make([]byte, f.minLen)
	}
	inner := diam.NewAVP(f.code, f.flags&^avp.Vbit, f.vendor, datatype.Unknown(payload))
	return diam.NewAVP(avp.FailedAVP, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{inner}})
}

// checkAVPs walks the AVPs of b before the library decodes them: the
// library panics on a truncated AVP inside a Grouped one and silently
// turns an Unsigned32 of the wrong length into 0.
func checkAVPs(b []byte, app uint32, depth int) *avpFault {
	if depth > maxGroupDepth {
		return &avpFault{result: ResultInvalidAVPValue, err: errors.New("grouped AVPs nested too deep")}
	}
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < 8 {
			return &avpFault{result: ResultInvalidAVPLength, err: fmt.Errorf("%d trailing bytes", len(rest))}
		}
		code := binary.BigEndian.Uint32(rest[0:4])
		flags := rest[4]
		l := int(rest[5])<<16 | int(rest[6])<<8 | int(rest[7])
		hl := 8
		if flags&avp.Vbit != 0 {
			hl = 12
		}
		if l < hl || l > len(rest) {
			f := &avpFault{result: ResultInvalidAVPLength, code: code, flags: flags, known: true}
			if t, _, ok := avpType(app, code, 0); ok {
				f.minLen = minLength(t)
			}
			f.err = fmt.Errorf("AVP %d: length %d, %d bytes left", code, l, len(rest))
			return f
		}
		var vendor uint32
		if hl == 12 {
			vendor = binary.BigEndian.Uint32(rest[8:12])
		}
		payload := rest[hl:l]
		if t, name, ok := avpType(app, code, vendor); ok {
			if bad := checkValue(t, payload, app, depth); bad != nil {
				if bad.known { // fault inside a group: report the innermost AVP
					return bad
				}
				bad.code, bad.vendor, bad.flags, bad.payload, bad.known = code, vendor, flags, payload, true
				bad.minLen = minLength(t)
				if bad.err != nil {
					bad.err = fmt.Errorf("AVP %s (%d): %w", name, code, bad.err)
				}
				return bad
			}
		}
		padded := (l + 3) &^ 3
		if padded > len(rest) {
			padded = len(rest)
		}
		off += padded
	}
	return nil
}

func checkValue(t datatype.TypeID, p []byte, app uint32, depth int) *avpFault {
	if t == datatype.GroupedType {
		return checkAVPs(p, app, depth+1)
	}
	length := func(want int) *avpFault {
		if len(p) != want {
			return &avpFault{result: ResultInvalidAVPLength, err: fmt.Errorf("%d bytes, want %d", len(p), want)}
		}
		return nil
	}
	switch t {
	case datatype.Unsigned32Type, datatype.Integer32Type, datatype.EnumeratedType,
		datatype.Float32Type, datatype.TimeType, datatype.IPv4Type:
		return length(4)
	case datatype.Unsigned64Type, datatype.Integer64Type, datatype.Float64Type:
		return length(8)
	case datatype.IPv6Type:
		return length(16)
	case datatype.AddressType:
		if len(p) < 2 {
			return &avpFault{result: ResultInvalidAVPLength, err: errors.New("address too short")}
		}
		switch binary.BigEndian.Uint16(p) {
		case 0, 0xffff:
			return &avpFault{result: ResultInvalidAVPValue, err: errors.New("reserved address family")}
		case 1:
			return length(6)
		case 2:
			return length(18)
		}
		if len(p) < 3 {
			return &avpFault{result: ResultInvalidAVPLength, err: errors.New("address too short")}
		}
	case datatype.UTF8StringType, datatype.DiameterIdentityType:
		if !utf8.Valid(p) {
			return &avpFault{result: ResultInvalidAVPValue, err: errors.New("not UTF-8")}
		}
	}
	return nil
}

// minLength is the smallest valid payload of a type.
func minLength(t datatype.TypeID) int {
	switch t {
	case datatype.Unsigned32Type, datatype.Integer32Type, datatype.EnumeratedType,
		datatype.Float32Type, datatype.TimeType, datatype.IPv4Type:
		return 4
	case datatype.Unsigned64Type, datatype.Integer64Type, datatype.Float64Type:
		return 8
	case datatype.IPv6Type:
		return 16
	case datatype.AddressType:
		return 6
	}
	return 0
}

package diameter

import (
	"encoding/binary"
	"fmt"

	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
)

// RawAVP is an AVP read in place from a frame (RequestBytes): its payload
// is a slice of the frame, and its type the dictionary's, looked up as
// the library looks it up when it decodes (application, code, vendor; an
// AVP the dictionary lacks is of UnknownType).
type RawAVP struct {
	Code   uint32
	Vendor uint32 // 0 without the V bit
	Flags  uint8
	Type   datatype.TypeID
	Data   []byte // the payload, without padding
	app    uint32
}

// EachAVP calls fn for each AVP of a frame's body (header included in
// frame), in order, until fn returns false. It reads what checkFrame
// accepted; anything else gives an error naming the offset, never a panic.
func EachAVP(frame []byte, fn func(RawAVP) bool) error {
	if len(frame) < HeaderLength {
		return fmt.Errorf("diameter: frame of %d bytes", len(frame))
	}
	return eachAVP(frame[HeaderLength:], binary.BigEndian.Uint32(frame[8:12]), fn)
}

// Members calls fn for each AVP inside a Grouped one, until fn returns
// false; for an AVP of another type it does nothing.
func (a RawAVP) Members(fn func(RawAVP) bool) error {
	if a.Type != datatype.GroupedType {
		return nil
	}
	return eachAVP(a.Data, a.app, fn)
}

func eachAVP(b []byte, app uint32, fn func(RawAVP) bool) error {
	for off := 0; off < len(b); {
		rest := b[off:]
		if len(rest) < 8 {
			return fmt.Errorf("diameter: AVP at byte %d: %d bytes left", off, len(rest))
		}
		a := RawAVP{Code: binary.BigEndian.Uint32(rest[0:4]), Flags: rest[4], app: app}
		l := int(rest[5])<<16 | int(rest[6])<<8 | int(rest[7])
		hl := 8
		if a.Flags&avp.Vbit != 0 {
			hl = 12
		}
		if l < hl || l > len(rest) {
			return fmt.Errorf("diameter: AVP %d at byte %d: length %d, %d bytes left", a.Code, off, l, len(rest))
		}
		if hl == 12 {
			a.Vendor = binary.BigEndian.Uint32(rest[8:12])
		}
		a.Data = rest[hl:l:l]
		a.Type, _, _ = avpType(app, a.Code, a.Vendor)
		if !fn(a) {
			return nil
		}
		off += (l + 3) &^ 3
	}
	return nil
}

// Text is the payload of a UTF8String, DiameterIdentity or OctetString
// AVP; ok is false for another type.
func (a RawAVP) Text() (s string, ok bool) {
	switch a.Type {
	case datatype.UTF8StringType, datatype.DiameterIdentityType, datatype.OctetStringType:
		return string(a.Data), true
	}
	return "", false
}

// Bytes is the payload of an OctetString AVP or of one the dictionary
// lacks; ok is false for another type.
func (a RawAVP) Bytes() ([]byte, bool) {
	switch a.Type {
	case datatype.OctetStringType, datatype.UnknownType:
		return a.Data, true
	}
	return nil, false
}

// Uint32 is the value of an Unsigned32, Enumerated or Integer32 AVP of
// four bytes; ok is false otherwise.
func (a RawAVP) Uint32() (uint32, bool) {
	switch a.Type {
	case datatype.Unsigned32Type, datatype.EnumeratedType, datatype.Integer32Type:
		if len(a.Data) == 4 {
			return binary.BigEndian.Uint32(a.Data), true
		}
	}
	return 0, false
}

// GroupedType is the dictionary's type of a Grouped AVP (RawAVP.Type).
const GroupedType = datatype.GroupedType

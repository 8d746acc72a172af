package s6a

import (
	"encoding/binary"
	"fmt"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"

	"github.com/core-sim/core-sim/diameter"
)

// ParseULAFrame reads an Update Location Answer from its frame as
// diameter.Conn.RequestBytes returns it, without decoding it into the
// library's objects first: what ParseULA reads from the decoded message,
// read in place, with the same result for every frame (tests compare the
// two, on built answers and fuzzed bytes). A full cycle over the wire reads
// two of them; decoding them was a tenth of a serving node's time.
func ParseULAFrame(frame []byte) (*UpdateLocationAnswer, error) {
	if len(frame) < diameter.HeaderLength {
		return nil, fmt.Errorf("s6a: ULA frame of %d bytes", len(frame))
	}
	flags := frame[4]
	code := uint32(frame[5])<<16 | uint32(frame[6])<<8 | uint32(frame[7])
	app := binary.BigEndian.Uint32(frame[8:12])
	if code != CommandUpdateLocation || app != ApplicationID || flags&diam.RequestFlag != 0 {
		return nil, fmt.Errorf("%w: command %d app %d flags %#x, want %d", ErrWrongCommand, code, app, flags, CommandUpdateLocation)
	}
	a := &UpdateLocationAnswer{}
	found := false
	var bad error
	err := diameter.EachAVP(frame, func(x diameter.RawAVP) bool {
		switch x.Code {
		case avp.SessionID:
			a.SessionID, _ = x.Text()
		case avp.OriginHost:
			a.Origin.Host, _ = x.Text()
		case avp.OriginRealm:
			a.Origin.Realm, _ = x.Text()
		case avp.ResultCode:
			if v, ok := x.Uint32(); ok && !found {
				a.Result, found = Result{Code: v}, true
			}
		case avp.ExperimentalResult:
			if err := x.Members(func(g diameter.RawAVP) bool {
				if g.Code == avp.ExperimentalResultCode {
					if v, ok := g.Uint32(); ok {
						a.Result, found = Result{Code: v, Experimental: true}, true
					}
				}
				return true
			}); err != nil && bad == nil {
				bad = err
			}
		case avp.ErrorMessage:
			a.ErrorMessage, _ = x.Text()
		case avp.ULAFlags:
			a.ULAFlags, _ = x.Uint32()
		case avp.SubscriptionData:
			if x.Type != diameter.GroupedType {
				a.Subscription = &SubscriptionData{} // as ParseULA: no members
				return true
			}
			s, err := parseSubscriptionFrame(x)
			if err != nil {
				if bad == nil {
					bad = err
				}
				return true
			}
			a.Subscription = s
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	// In ParseULA's order: the result first, then the rest.
	if !found {
		return nil, fmt.Errorf("s6a: answer %d without Result-Code or Experimental-Result", CommandUpdateLocation)
	}
	if bad != nil {
		return nil, bad
	}
	return a, nil
}

func parseSubscriptionFrame(sd diameter.RawAVP) (*SubscriptionData, error) {
	s := &SubscriptionData{}
	var bad error
	err := sd.Members(func(x diameter.RawAVP) bool {
		switch x.Code {
		case avp.MSISDN:
			b, _ := x.Bytes()
			n, err := DecodeTBCD(b)
			if err != nil {
				bad = fmt.Errorf("s6a: ULA: MSISDN: %w", err)
				return false
			}
			s.MSISDN = n
		case avp.GPRSSubscriptionData:
			if err := x.Members(func(g diameter.RawAVP) bool {
				if g.Code != avp.PDPContext {
					return true
				}
				var p PDPContext
				if err := g.Members(func(f diameter.RawAVP) bool {
					switch f.Code {
					case avp.ContextIdentifier:
						p.ContextID, _ = f.Uint32()
					case avp.PDPType:
						b, _ := f.Bytes()
						t, ok := pdpType(b)
						if !ok {
							bad = fmt.Errorf("s6a: ULA: PDP-Type %x", b)
							return false
						}
						p.PDPType = t
					case avp.ServiceSelection:
						p.APN, _ = f.Text()
					}
					return true
				}); err != nil && bad == nil {
					bad = err
				}
				if bad != nil {
					return false
				}
				s.GPRS = append(s.GPRS, p)
				return true
			}); err != nil && bad == nil {
				bad = err
			}
		}
		return bad == nil
	})
	if err == nil {
		err = bad
	}
	return s, err
}

// AppendULR appends r to b as an Update Location Request: the bytes that
// BuildULR's message serializes to (identifiers 1 and 1, which
// diameter.Conn.RequestBytes overwrites), written straight rather than
// through the library's objects, which cost a serving node an allocation
// for every AVP of every request. It checks r as BuildULR does.
func AppendULR(b []byte, r *UpdateLocationRequest) ([]byte, error) {
	if !IsDigits(r.IMSI) {
		return b, fmt.Errorf("s6a: ULR: IMSI %q: %w", r.IMSI, errNotDigits)
	}
	plmn, err := r.VisitedPLMN.Encode()
	if err != nil {
		return b, fmt.Errorf("s6a: ULR: %w", err)
	}
	var sgsn []byte
	if r.SGSNNumber != "" {
		if sgsn, err = EncodeTBCD(r.SGSNNumber); err != nil {
			return b, fmt.Errorf("s6a: ULR: SGSN-Number: %w", err)
		}
	}
	start := len(b)
	const code = CommandUpdateLocation
	b = append(b, 1, 0, 0, 0, diam.RequestFlag|diam.ProxiableFlag, byte(code>>16), byte(code>>8), byte(code&0xff))
	b = binary.BigEndian.AppendUint32(b, ApplicationID)
	b = binary.BigEndian.AppendUint32(b, 1) // Hop-by-Hop
	b = binary.BigEndian.AppendUint32(b, 1) // End-to-End
	b = appendAVP(b, avp.SessionID, avp.Mbit, 0, r.SessionID)
	b = appendUint32AVP(b, avp.AuthSessionState, avp.Mbit, 0, AuthSessionStateNoStateMaintained)
	b = appendAVP(b, avp.OriginHost, avp.Mbit, 0, r.Origin.Host)
	b = appendAVP(b, avp.OriginRealm, avp.Mbit, 0, r.Origin.Realm)
	if r.DestinationHost != "" {
		b = appendAVP(b, avp.DestinationHost, avp.Mbit, 0, r.DestinationHost)
	}
	b = appendAVP(b, avp.DestinationRealm, avp.Mbit, 0, r.DestinationRealm)
	b = appendAVP(b, avp.UserName, avp.Mbit, 0, r.IMSI)
	b = appendUint32AVP(b, avp.RATType, avp.Mbit|avp.Vbit, VendorID3GPP, uint32(r.RATType))
	b = appendUint32AVP(b, avp.ULRFlags, avp.Mbit|avp.Vbit, VendorID3GPP, uint32(r.Flags))
	b = appendAVP(b, avp.VisitedPLMNID, avp.Mbit|avp.Vbit, VendorID3GPP, plmn)
	if sgsn != nil {
		b = appendAVP(b, avp.SGSNNumber, avp.Mbit|avp.Vbit, VendorID3GPP, sgsn)
	}
	l := len(b) - start
	b[start+1], b[start+2], b[start+3] = byte(l>>16), byte(l>>8), byte(l)
	return b, nil
}

// appendAVP appends an AVP whose payload is data, padded to 4 bytes.
func appendAVP[T string | []byte](b []byte, code uint32, flags uint8, vendor uint32, data T) []byte {
	hl := 8
	if flags&avp.Vbit != 0 {
		hl = 12
	}
	l := hl + len(data)
	b = binary.BigEndian.AppendUint32(b, code)
	b = append(b, flags, byte(l>>16), byte(l>>8), byte(l))
	if hl == 12 {
		b = binary.BigEndian.AppendUint32(b, vendor)
	}
	b = append(b, data...)
	for range (4 - len(data)%4) % 4 {
		b = append(b, 0)
	}
	return b
}

// appendUint32AVP appends an AVP of four bytes (Unsigned32, Enumerated).
func appendUint32AVP(b []byte, code uint32, flags uint8, vendor uint32, v uint32) []byte {
	var d [4]byte
	binary.BigEndian.PutUint32(d[:], v)
	return appendAVP(b, code, flags, vendor, d[:])
}

// ParseULRFrame reads an Update Location Request in place, from its frame
// (diameter.FrameHandler): ok only when ParseULR would read it without an
// error, and then the same request. Anything ParseULR would refuse, or
// answer with a Failed-AVP, is not ok, nor is a request with an AVP whose
// type the library's decoding checks (plain): the caller leaves those to
// the library and ParseULR, which answer them as before.
func ParseULRFrame(frame []byte) (r *UpdateLocationRequest, ok bool) {
	if len(frame) < diameter.HeaderLength {
		return nil, false
	}
	code := uint32(frame[5])<<16 | uint32(frame[6])<<8 | uint32(frame[7])
	if code != CommandUpdateLocation || binary.BigEndian.Uint32(frame[8:12]) != ApplicationID || frame[4]&diam.RequestFlag == 0 {
		return nil, false
	}
	r = &UpdateLocationRequest{}
	var auth, haveIMSI, haveRAT, haveFlags, havePLMN bool
	// Copies, not pointers to the callback's argument: a pointer made
	// every AVP escape to the heap, an allocation each.
	var rat, flags, plmn diameter.RawAVP
	bad := false
	text := func(x diameter.RawAVP, to *string) {
		if s, ok := x.Text(); ok {
			*to = s
		} else {
			bad = true
		}
	}
	err := diameter.EachAVP(frame, func(x diameter.RawAVP) bool {
		if !plain(x) {
			bad = true
			return false
		}
		switch x.Code {
		case avp.SessionID:
			text(x, &r.SessionID)
		case avp.OriginHost:
			text(x, &r.Origin.Host)
		case avp.OriginRealm:
			text(x, &r.Origin.Realm)
		case avp.DestinationHost:
			text(x, &r.DestinationHost)
		case avp.DestinationRealm:
			text(x, &r.DestinationRealm)
		case avp.UserName:
			text(x, &r.IMSI)
			haveIMSI = true
		case avp.AuthSessionState:
			auth = true
		case avp.RATType:
			rat, haveRAT = x, true
		case avp.ULRFlags:
			flags, haveFlags = x, true
		case avp.VisitedPLMNID:
			plmn, havePLMN = x, true
		case avp.SGSNNumber:
			b, _ := x.Bytes()
			n, err := DecodeTBCD(b)
			if err != nil {
				bad = true
			}
			r.SGSNNumber = n
		}
		return !bad
	})
	if err != nil || bad || !auth || !haveIMSI || !haveRAT || !haveFlags || !havePLMN ||
		r.SessionID == "" || r.Origin.Host == "" || r.Origin.Realm == "" || r.DestinationRealm == "" ||
		len(r.IMSI) < 6 || len(r.IMSI) > 15 || !IsDigits(r.IMSI) {
		return nil, false
	}
	v, ok1 := rat.Uint32()
	f, ok2 := flags.Uint32()
	b, _ := plmn.Bytes()
	p, err := DecodePLMN(b)
	if !ok1 || !ok2 || err != nil {
		return nil, false
	}
	r.RATType, r.Flags, r.VisitedPLMN = RATType(v), ULRFlags(f), p
	return r, true
}

// plain says whether the library decodes a, and every AVP inside it, with
// no chance of failing once the connection's check has passed it: the
// types whose decoding only copies bytes or reads a number. A request with
// any other (an Address, a Time: their decoding checks what they hold)
// goes to the library, so that one it cannot decode is answered as it
// always was.
func plain(a diameter.RawAVP) bool {
	switch a.Type {
	case datatype.UnknownType, datatype.OctetStringType, datatype.UTF8StringType, datatype.DiameterIdentityType,
		datatype.Unsigned32Type, datatype.Unsigned64Type, datatype.Integer32Type, datatype.Integer64Type, datatype.EnumeratedType:
		return true
	case datatype.GroupedType:
		ok := true
		err := a.Members(func(m diameter.RawAVP) bool {
			ok = plain(m)
			return ok
		})
		return ok && err == nil
	}
	return false
}

// AppendULA appends a to b as an Update Location Answer: the bytes that
// BuildULA's message serializes to (identifiers 1 and 1: the connection
// sets them from the request), written straight. It refuses what BuildULA
// refuses.
func AppendULA(b []byte, a *UpdateLocationAnswer) ([]byte, error) {
	var msisdn []byte
	if s := a.Subscription; s != nil {
		if s.MSISDN != "" {
			n, err := EncodeTBCD(s.MSISDN)
			if err != nil {
				return b, fmt.Errorf("s6a: ULA: MSISDN: %w", err)
			}
			msisdn = n
		}
		for _, p := range s.GPRS {
			if int(p.PDPType) >= len(pdpTypeNumber) {
				return b, fmt.Errorf("s6a: ULA: PDP-Context %d: PDP type %d", p.ContextID, p.PDPType)
			}
		}
	}
	start := len(b)
	const code = CommandUpdateLocation
	b = append(b, 1, 0, 0, 0, diam.ProxiableFlag, byte(code>>16), byte(code>>8), byte(code&0xff))
	b = binary.BigEndian.AppendUint32(b, ApplicationID)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = appendAVP(b, avp.SessionID, avp.Mbit, 0, a.SessionID)
	b = appendUint32AVP(b, avp.AuthSessionState, avp.Mbit, 0, AuthSessionStateNoStateMaintained)
	if a.Result.Experimental {
		g := beginGroup(&b, avp.ExperimentalResult, avp.Mbit, 0)
		b = appendUint32AVP(b, avp.VendorID, avp.Mbit, 0, VendorID3GPP)
		b = appendUint32AVP(b, avp.ExperimentalResultCode, avp.Mbit, 0, a.Result.Code)
		endGroup(b, g)
	} else {
		b = appendUint32AVP(b, avp.ResultCode, avp.Mbit, 0, a.Result.Code)
	}
	if a.ErrorMessage != "" {
		b = appendAVP(b, avp.ErrorMessage, 0, 0, a.ErrorMessage)
	}
	b = appendAVP(b, avp.OriginHost, avp.Mbit, 0, a.Origin.Host)
	b = appendAVP(b, avp.OriginRealm, avp.Mbit, 0, a.Origin.Realm)
	if a.ULAFlags != 0 || a.Result.OK() {
		b = appendUint32AVP(b, avp.ULAFlags, avp.Mbit|avp.Vbit, VendorID3GPP, a.ULAFlags)
	}
	if s := a.Subscription; s != nil {
		sd := beginGroup(&b, avp.SubscriptionData, avp.Mbit|avp.Vbit, VendorID3GPP)
		if msisdn != nil {
			b = appendAVP(b, avp.MSISDN, avp.Mbit|avp.Vbit, VendorID3GPP, msisdn)
		}
		if len(s.GPRS) > 0 {
			gd := beginGroup(&b, avp.GPRSSubscriptionData, avp.Mbit|avp.Vbit, VendorID3GPP)
			b = appendUint32AVP(b, avp.CompleteDataListIncludedIndicator, avp.Mbit|avp.Vbit, VendorID3GPP, CompleteDataListIncluded)
			for _, p := range s.GPRS {
				pc := beginGroup(&b, avp.PDPContext, avp.Mbit|avp.Vbit, VendorID3GPP)
				b = appendUint32AVP(b, avp.ContextIdentifier, avp.Mbit|avp.Vbit, VendorID3GPP, p.ContextID)
				b = appendAVP(b, avp.PDPType, avp.Mbit|avp.Vbit, VendorID3GPP, []byte{pdpTypeNumber[p.PDPType]})
				b = appendAVP(b, avp.ServiceSelection, avp.Mbit, 0, p.APN)
				endGroup(b, pc)
			}
			endGroup(b, gd)
		}
		endGroup(b, sd)
	}
	l := len(b) - start
	b[start+1], b[start+2], b[start+3] = byte(l>>16), byte(l>>8), byte(l)
	return b, nil
}

// beginGroup appends a Grouped AVP's header, its length to be set by
// endGroup once its members are appended; it returns where it starts.
func beginGroup(b *[]byte, code uint32, flags uint8, vendor uint32) int {
	at := len(*b)
	*b = appendAVP(*b, code, flags, vendor, "")
	return at
}

// endGroup sets the length of the Grouped AVP at at (its members are all
// padded, so the group needs none).
func endGroup(b []byte, at int) {
	l := len(b) - at
	b[at+5], b[at+6], b[at+7] = byte(l>>16), byte(l>>8), byte(l)
}

package s6a

import (
	"errors"
	"fmt"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
)

// Command codes of TS 29.272 7.2.
const (
	CommandUpdateLocation uint32 = 316
	CommandCancelLocation uint32 = 317
	CommandPurgeUE        uint32 = 321
)

// AuthSessionStateNoStateMaintained is the Auth-Session-State every S6a
// message carries (RFC 6733 8.11, TS 29.272 7.2).
const AuthSessionStateNoStateMaintained = 1

// CompleteDataListIncluded is ALL_PDP_CONTEXTS_INCLUDED of
// Complete-Data-List-Included-Indicator (TS 29.272 7.3.76).
const CompleteDataListIncluded = 0

// PDPContext.PDPType values.
const (
	PDPTypeIPv4   uint32 = 0
	PDPTypeIPv6   uint32 = 1
	PDPTypeIPv4v6 uint32 = 2
)

// pdpTypeNumber maps PDPType to the octet of PDP-Type (TS 29.272 7.3.75:
// the PDP Type Number of TS 29.060 7.7.27, IETF organisation).
var pdpTypeNumber = [...]byte{PDPTypeIPv4: 0x21, PDPTypeIPv6: 0x57, PDPTypeIPv4v6: 0x8d}

// ULAFlagSeparationIndication is bit 0 of ULA-Flags (TS 29.272 7.3.8): the
// HSS keeps the registrations of the S6a and S6d sides apart.
const ULAFlagSeparationIndication uint32 = 1 << 0

// PUA-Flags bits (TS 29.272 7.3.48).
const (
	PUAFreezeMTMSI uint32 = 1 << 0
	PUAFreezePTMSI uint32 = 1 << 1
)

// ErrWrongCommand: the message is not the command the parser reads.
var ErrWrongCommand = errors.New("s6a: wrong command")

// AVPError is a request AVP that is missing (DIAMETER_MISSING_AVP) or
// whose value is invalid (DIAMETER_INVALID_AVP_VALUE). The answer to the
// request carries Result and the Failed-AVP built by FailedAVP.
type AVPError struct {
	Result Result
	AVP    string // the AVP's name, e.g. "User-Name"
	Code   uint32
	Vendor uint32
	Reason string // for an invalid value: what is wrong with it
	got    *diam.AVP
}

func (e *AVPError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("s6a: %s: %s: %s", e.AVP, e.Reason, e.Result)
	}
	return fmt.Sprintf("s6a: %s: %s", e.AVP, e.Result)
}

// FailedAVP is the Failed-AVP for the answer (RFC 6733 7.5): the invalid
// AVP as received, or for a missing one an AVP of that code with a
// zero-filled payload of the minimum length of its type.
func (e *AVPError) FailedAVP() *diam.AVP {
	inner := e.got
	if inner == nil {
		flags := uint8(avp.Mbit)
		min := 0
		switch e.Code {
		case avp.RATType, avp.ULRFlags, avp.CancellationType, avp.AuthSessionState:
			min = 4
		case avp.VisitedPLMNID:
			min = 3
		}
		inner = diam.NewAVP(e.Code, flags, e.Vendor, datatype.OctetString(make([]byte, min)))
	}
	return diam.NewAVP(avp.FailedAVP, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{inner}})
}

func missing(name string, code, vendor uint32) *AVPError {
	return &AVPError{Result: ResultMissingAVP, AVP: name, Code: code, Vendor: vendor}
}

func invalid(name string, a *diam.AVP, reason string) *AVPError {
	return &AVPError{Result: ResultInvalidAVPValue, AVP: name, Code: a.Code, Vendor: a.VendorID, Reason: reason, got: a}
}

// --- building ---

func newMessage(code uint32, request bool, sessionID string) *diam.Message {
	flags := uint8(diam.ProxiableFlag)
	if request {
		flags |= diam.RequestFlag
	}
	// Identifiers are assigned by diameter.Conn (requests) or copied from
	// the request (answers); 1 keeps go-diameter from drawing random ones.
	m := diam.NewMessage(code, flags, ApplicationID, 1, 1, nil)
	m.AddAVP(diam.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(sessionID)))
	m.AddAVP(diam.NewAVP(avp.AuthSessionState, avp.Mbit, 0, datatype.Enumerated(AuthSessionStateNoStateMaintained)))
	return m
}

func addOrigin(m *diam.Message, p Peer) {
	m.AddAVP(diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(p.Host)))
	m.AddAVP(diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(p.Realm)))
}

func addDestination(m *diam.Message, host, realm string) {
	if host != "" {
		m.AddAVP(diam.NewAVP(avp.DestinationHost, avp.Mbit, 0, datatype.DiameterIdentity(host)))
	}
	m.AddAVP(diam.NewAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity(realm)))
}

func addResult(m *diam.Message, r Result) {
	if r.Experimental {
		m.AddAVP(diam.NewAVP(avp.ExperimentalResult, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(VendorID3GPP)),
			diam.NewAVP(avp.ExperimentalResultCode, avp.Mbit, 0, datatype.Unsigned32(r.Code)),
		}}))
		return
	}
	m.AddAVP(diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(r.Code)))
}

func vendorAVP(code uint32, mandatory bool, d datatype.Type) *diam.AVP {
	flags := uint8(avp.Vbit)
	if mandatory {
		flags |= avp.Mbit
	}
	return diam.NewAVP(code, flags, VendorID3GPP, d)
}

// BuildULR builds an Update Location Request. Required: SessionID,
// Origin, DestinationRealm, IMSI (digits), VisitedPLMN.
func BuildULR(r *UpdateLocationRequest) (*diam.Message, error) {
	if !IsDigits(r.IMSI) {
		return nil, fmt.Errorf("s6a: ULR: IMSI %q: %w", r.IMSI, errNotDigits)
	}
	plmn, err := r.VisitedPLMN.Encode()
	if err != nil {
		return nil, fmt.Errorf("s6a: ULR: %w", err)
	}
	m := newMessage(CommandUpdateLocation, true, r.SessionID)
	addOrigin(m, r.Origin)
	addDestination(m, r.DestinationHost, r.DestinationRealm)
	m.AddAVP(diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(r.IMSI)))
	m.AddAVP(vendorAVP(avp.RATType, true, datatype.Enumerated(r.RATType)))
	m.AddAVP(vendorAVP(avp.ULRFlags, true, datatype.Unsigned32(r.Flags)))
	m.AddAVP(vendorAVP(avp.VisitedPLMNID, true, datatype.OctetString(plmn)))
	if r.SGSNNumber != "" {
		n, err := EncodeTBCD(r.SGSNNumber)
		if err != nil {
			return nil, fmt.Errorf("s6a: ULR: SGSN-Number: %w", err)
		}
		m.AddAVP(vendorAVP(avp.SGSNNumber, true, datatype.OctetString(n)))
	}
	return m, nil
}

// BuildULA builds an Update Location Answer.
func BuildULA(a *UpdateLocationAnswer) (*diam.Message, error) {
	m := newMessage(CommandUpdateLocation, false, a.SessionID)
	addResult(m, a.Result)
	if a.ErrorMessage != "" {
		m.AddAVP(diam.NewAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(a.ErrorMessage)))
	}
	addOrigin(m, a.Origin)
	if a.ULAFlags != 0 || a.Result.OK() {
		m.AddAVP(vendorAVP(avp.ULAFlags, true, datatype.Unsigned32(a.ULAFlags)))
	}
	if s := a.Subscription; s != nil {
		var members []*diam.AVP
		if s.MSISDN != "" {
			n, err := EncodeTBCD(s.MSISDN)
			if err != nil {
				return nil, fmt.Errorf("s6a: ULA: MSISDN: %w", err)
			}
			members = append(members, vendorAVP(avp.MSISDN, true, datatype.OctetString(n)))
		}
		if len(s.GPRS) > 0 {
			gprs, err := buildGPRS(s.GPRS)
			if err != nil {
				return nil, err
			}
			members = append(members, gprs)
		}
		m.AddAVP(vendorAVP(avp.SubscriptionData, true, &diam.GroupedAVP{AVP: members}))
	}
	return m, nil
}

// buildGPRS is the GPRS-Subscription-Data AVP of list, built from the
// library's objects.
func buildGPRS(list []PDPContext) (*diam.AVP, error) {
	gprs := []*diam.AVP{vendorAVP(avp.CompleteDataListIncludedIndicator, true, datatype.Enumerated(CompleteDataListIncluded))}
	for _, p := range list {
		if int(p.PDPType) >= len(pdpTypeNumber) {
			return nil, fmt.Errorf("s6a: ULA: PDP-Context %d: PDP type %d", p.ContextID, p.PDPType)
		}
		gprs = append(gprs, vendorAVP(avp.PDPContext, true, &diam.GroupedAVP{AVP: []*diam.AVP{
			vendorAVP(avp.ContextIdentifier, true, datatype.Unsigned32(p.ContextID)),
			vendorAVP(avp.PDPType, true, datatype.OctetString([]byte{pdpTypeNumber[p.PDPType]})),
			// Service-Selection is an IETF AVP (RFC 5778): vendor 0,
			// whatever go-diameter's dictionary says.
			diam.NewAVP(avp.ServiceSelection, avp.Mbit, 0, datatype.UTF8String(p.APN)),
		}}))
	}
	return vendorAVP(avp.GPRSSubscriptionData, true, &diam.GroupedAVP{AVP: gprs}), nil
}

// BuildCLR builds a Cancel Location Request.
func BuildCLR(r *CancelLocationRequest) (*diam.Message, error) {
	if !IsDigits(r.IMSI) {
		return nil, fmt.Errorf("s6a: CLR: IMSI %q: %w", r.IMSI, errNotDigits)
	}
	m := newMessage(CommandCancelLocation, true, r.SessionID)
	addOrigin(m, r.Origin)
	if r.DestinationHost == "" {
		return nil, errors.New("s6a: CLR: Destination-Host is mandatory")
	}
	addDestination(m, r.DestinationHost, r.DestinationRealm)
	m.AddAVP(diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(r.IMSI)))
	m.AddAVP(vendorAVP(avp.CancellationType, true, datatype.Enumerated(r.CancellationType)))
	return m, nil
}

// BuildCLA builds a Cancel Location Answer.
func BuildCLA(a *CancelLocationAnswer) (*diam.Message, error) {
	m := newMessage(CommandCancelLocation, false, a.SessionID)
	addResult(m, a.Result)
	addOrigin(m, a.Origin)
	return m, nil
}

// BuildPUR builds a Purge UE Request.
func BuildPUR(r *PurgeUERequest) (*diam.Message, error) {
	if !IsDigits(r.IMSI) {
		return nil, fmt.Errorf("s6a: PUR: IMSI %q: %w", r.IMSI, errNotDigits)
	}
	m := newMessage(CommandPurgeUE, true, r.SessionID)
	addOrigin(m, r.Origin)
	addDestination(m, r.DestinationHost, r.DestinationRealm)
	m.AddAVP(diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(r.IMSI)))
	if r.Flags != 0 {
		m.AddAVP(vendorAVP(avp.PURFlags, false, datatype.Unsigned32(r.Flags)))
	}
	return m, nil
}

// BuildPUA builds a Purge UE Answer.
func BuildPUA(a *PurgeUEAnswer) (*diam.Message, error) {
	m := newMessage(CommandPurgeUE, false, a.SessionID)
	addResult(m, a.Result)
	addOrigin(m, a.Origin)
	if a.PUAFlags != 0 || a.Result.OK() {
		m.AddAVP(vendorAVP(avp.PUAFlags, true, datatype.Unsigned32(a.PUAFlags)))
	}
	return m, nil
}

// --- parsing ---

func asString(a *diam.AVP) (string, bool) {
	switch v := a.Data.(type) {
	case datatype.UTF8String:
		return string(v), true
	case datatype.DiameterIdentity:
		return string(v), true
	case datatype.OctetString:
		return string(v), true
	}
	return "", false
}

func asBytes(a *diam.AVP) ([]byte, bool) {
	switch v := a.Data.(type) {
	case datatype.OctetString:
		return []byte(v), true
	case datatype.Unknown:
		return v, true
	}
	return nil, false
}

func asUint32(a *diam.AVP) (uint32, bool) {
	switch v := a.Data.(type) {
	case datatype.Unsigned32:
		return uint32(v), true
	case datatype.Enumerated:
		return uint32(v), true
	case datatype.Integer32:
		return uint32(v), true
	}
	return 0, false
}

func members(a *diam.AVP) []*diam.AVP {
	if g, ok := a.Data.(*diam.GroupedAVP); ok {
		return g.AVP
	}
	return nil
}

func checkCommand(m *diam.Message, code uint32, request bool) error {
	h := m.Header
	if h.CommandCode != code || h.ApplicationID != ApplicationID || (h.CommandFlags&diam.RequestFlag != 0) != request {
		return fmt.Errorf("%w: command %d app %d flags %#x, want %d", ErrWrongCommand, h.CommandCode, h.ApplicationID, h.CommandFlags, code)
	}
	return nil
}

// common reads the AVPs every S6a request carries.
type common struct {
	sessionID, originHost, originRealm, destHost, destRealm, imsi string
	authState                                                     bool
	imsiAVP                                                       *diam.AVP
}

// take reads a it knows; false means the AVP is not one of them.
func (c *common) take(a *diam.AVP) (bool, *AVPError) {
	var s string
	var ok bool
	switch a.Code {
	case avp.SessionID, avp.OriginHost, avp.OriginRealm, avp.DestinationHost, avp.DestinationRealm, avp.UserName:
		if s, ok = asString(a); !ok {
			return true, invalid(avpName(a.Code), a, "not a string")
		}
	case avp.AuthSessionState:
		c.authState = true
		return true, nil
	default:
		return false, nil
	}
	switch a.Code {
	case avp.SessionID:
		c.sessionID = s
	case avp.OriginHost:
		c.originHost = s
	case avp.OriginRealm:
		c.originRealm = s
	case avp.DestinationHost:
		c.destHost = s
	case avp.DestinationRealm:
		c.destRealm = s
	case avp.UserName:
		c.imsi, c.imsiAVP = s, a
	}
	return true, nil
}

// check enforces the mandatory common AVPs and the IMSI's form.
func (c *common) check(destHostMandatory bool) *AVPError {
	switch {
	case c.sessionID == "":
		return missing("Session-Id", avp.SessionID, 0)
	case !c.authState:
		return missing("Auth-Session-State", avp.AuthSessionState, 0)
	case c.originHost == "":
		return missing("Origin-Host", avp.OriginHost, 0)
	case c.originRealm == "":
		return missing("Origin-Realm", avp.OriginRealm, 0)
	case destHostMandatory && c.destHost == "":
		return missing("Destination-Host", avp.DestinationHost, 0)
	case c.destRealm == "":
		return missing("Destination-Realm", avp.DestinationRealm, 0)
	case c.imsiAVP == nil:
		return missing("User-Name", avp.UserName, 0)
	case len(c.imsi) < 6 || len(c.imsi) > 15 || !IsDigits(c.imsi):
		return invalid("User-Name", c.imsiAVP, "IMSI must be 6 to 15 digits")
	}
	return nil
}

func avpName(code uint32) string {
	switch code {
	case avp.SessionID:
		return "Session-Id"
	case avp.OriginHost:
		return "Origin-Host"
	case avp.OriginRealm:
		return "Origin-Realm"
	case avp.DestinationHost:
		return "Destination-Host"
	case avp.DestinationRealm:
		return "Destination-Realm"
	case avp.UserName:
		return "User-Name"
	}
	return fmt.Sprintf("AVP %d", code)
}

// ParseULR reads an Update Location Request. A missing mandatory AVP or an
// invalid value gives an *AVPError to answer with.
func ParseULR(m *diam.Message) (*UpdateLocationRequest, error) {
	if err := checkCommand(m, CommandUpdateLocation, true); err != nil {
		return nil, err
	}
	var c common
	var rat, flags, plmn *diam.AVP
	r := &UpdateLocationRequest{}
	for _, a := range m.AVP {
		known, err := c.take(a)
		if err != nil {
			return nil, err
		}
		if known {
			continue
		}
		switch a.Code {
		case avp.RATType:
			rat = a
		case avp.ULRFlags:
			flags = a
		case avp.VisitedPLMNID:
			plmn = a
		case avp.SGSNNumber:
			b, _ := asBytes(a)
			n, err := DecodeTBCD(b)
			if err != nil {
				return nil, invalid("SGSN-Number", a, err.Error())
			}
			r.SGSNNumber = n
		}
	}
	if err := c.check(false); err != nil {
		return nil, err
	}
	r.SessionID, r.Origin = c.sessionID, Peer{Host: c.originHost, Realm: c.originRealm}
	r.DestinationHost, r.DestinationRealm, r.IMSI = c.destHost, c.destRealm, c.imsi
	if rat == nil {
		return nil, missing("RAT-Type", avp.RATType, VendorID3GPP)
	}
	v, ok := asUint32(rat)
	if !ok {
		return nil, invalid("RAT-Type", rat, "not Enumerated")
	}
	r.RATType = RATType(v)
	if flags == nil {
		return nil, missing("ULR-Flags", avp.ULRFlags, VendorID3GPP)
	}
	if v, ok = asUint32(flags); !ok {
		return nil, invalid("ULR-Flags", flags, "not Unsigned32")
	}
	r.Flags = ULRFlags(v)
	if plmn == nil {
		return nil, missing("Visited-PLMN-Id", avp.VisitedPLMNID, VendorID3GPP)
	}
	b, _ := asBytes(plmn)
	p, err := DecodePLMN(b)
	if err != nil {
		return nil, invalid("Visited-PLMN-Id", plmn, err.Error())
	}
	r.VisitedPLMN = p
	return r, nil
}

// answer reads what every S6a answer carries. Answers are read leniently:
// only a result is required, so that a peer's bare error answer still
// tells the caller what went wrong.
func parseAnswer(m *diam.Message, code uint32) (sid string, origin Peer, res Result, rest []*diam.AVP, err error) {
	if err = checkCommand(m, code, false); err != nil {
		return
	}
	found := false
	for _, a := range m.AVP {
		switch a.Code {
		case avp.SessionID:
			sid, _ = asString(a)
		case avp.OriginHost:
			origin.Host, _ = asString(a)
		case avp.OriginRealm:
			origin.Realm, _ = asString(a)
		case avp.ResultCode:
			if v, ok := asUint32(a); ok && !found {
				res, found = Result{Code: v}, true
			}
		case avp.ExperimentalResult:
			for _, g := range members(a) {
				if g.Code == avp.ExperimentalResultCode {
					if v, ok := asUint32(g); ok {
						res, found = Result{Code: v, Experimental: true}, true
					}
				}
			}
		default:
			rest = append(rest, a)
		}
	}
	if !found {
		err = fmt.Errorf("s6a: answer %d without Result-Code or Experimental-Result", code)
	}
	return
}

// ParseULA reads an Update Location Answer.
func ParseULA(m *diam.Message) (*UpdateLocationAnswer, error) {
	sid, origin, res, rest, err := parseAnswer(m, CommandUpdateLocation)
	if err != nil {
		return nil, err
	}
	a := &UpdateLocationAnswer{SessionID: sid, Origin: origin, Result: res}
	for _, x := range rest {
		switch x.Code {
		case avp.ErrorMessage:
			a.ErrorMessage, _ = asString(x)
		case avp.ULAFlags:
			a.ULAFlags, _ = asUint32(x)
		case avp.SubscriptionData:
			s, err := parseSubscription(x)
			if err != nil {
				return nil, err
			}
			a.Subscription = s
		}
	}
	return a, nil
}

func parseSubscription(sd *diam.AVP) (*SubscriptionData, error) {
	s := &SubscriptionData{}
	for _, x := range members(sd) {
		switch x.Code {
		case avp.MSISDN:
			b, _ := asBytes(x)
			n, err := DecodeTBCD(b)
			if err != nil {
				return nil, fmt.Errorf("s6a: ULA: MSISDN: %w", err)
			}
			s.MSISDN = n
		case avp.GPRSSubscriptionData:
			for _, g := range members(x) {
				if g.Code != avp.PDPContext {
					continue
				}
				var p PDPContext
				for _, f := range members(g) {
					switch f.Code {
					case avp.ContextIdentifier:
						p.ContextID, _ = asUint32(f)
					case avp.PDPType:
						b, _ := asBytes(f)
						t, ok := pdpType(b)
						if !ok {
							return nil, fmt.Errorf("s6a: ULA: PDP-Type %x", b)
						}
						p.PDPType = t
					case avp.ServiceSelection:
						p.APN, _ = asString(f)
					}
				}
				s.GPRS = append(s.GPRS, p)
			}
		}
	}
	return s, nil
}

func pdpType(b []byte) (uint32, bool) {
	if len(b) != 1 {
		return 0, false
	}
	for t, n := range pdpTypeNumber {
		if n == b[0] {
			return uint32(t), true
		}
	}
	return 0, false
}

// ParseCLR reads a Cancel Location Request.
func ParseCLR(m *diam.Message) (*CancelLocationRequest, error) {
	if err := checkCommand(m, CommandCancelLocation, true); err != nil {
		return nil, err
	}
	var c common
	var ct *diam.AVP
	for _, a := range m.AVP {
		known, err := c.take(a)
		if err != nil {
			return nil, err
		}
		if !known && a.Code == avp.CancellationType {
			ct = a
		}
	}
	if err := c.check(true); err != nil {
		return nil, err
	}
	if ct == nil {
		return nil, missing("Cancellation-Type", avp.CancellationType, VendorID3GPP)
	}
	v, ok := asUint32(ct)
	if !ok {
		return nil, invalid("Cancellation-Type", ct, "not Enumerated")
	}
	return &CancelLocationRequest{
		SessionID: c.sessionID, Origin: Peer{Host: c.originHost, Realm: c.originRealm},
		DestinationHost: c.destHost, DestinationRealm: c.destRealm, IMSI: c.imsi,
		CancellationType: CancellationType(v),
	}, nil
}

// ParseCLA reads a Cancel Location Answer.
func ParseCLA(m *diam.Message) (*CancelLocationAnswer, error) {
	sid, origin, res, _, err := parseAnswer(m, CommandCancelLocation)
	if err != nil {
		return nil, err
	}
	return &CancelLocationAnswer{SessionID: sid, Origin: origin, Result: res}, nil
}

// ParsePUR reads a Purge UE Request.
func ParsePUR(m *diam.Message) (*PurgeUERequest, error) {
	if err := checkCommand(m, CommandPurgeUE, true); err != nil {
		return nil, err
	}
	var c common
	r := &PurgeUERequest{}
	for _, a := range m.AVP {
		known, err := c.take(a)
		if err != nil {
			return nil, err
		}
		if !known && a.Code == avp.PURFlags {
			v, ok := asUint32(a)
			if !ok {
				return nil, invalid("PUR-Flags", a, "not Unsigned32")
			}
			r.Flags = PURFlags(v)
		}
	}
	if err := c.check(false); err != nil {
		return nil, err
	}
	r.SessionID, r.Origin = c.sessionID, Peer{Host: c.originHost, Realm: c.originRealm}
	r.DestinationHost, r.DestinationRealm, r.IMSI = c.destHost, c.destRealm, c.imsi
	return r, nil
}

// ParsePUA reads a Purge UE Answer.
func ParsePUA(m *diam.Message) (*PurgeUEAnswer, error) {
	sid, origin, res, rest, err := parseAnswer(m, CommandPurgeUE)
	if err != nil {
		return nil, err
	}
	a := &PurgeUEAnswer{SessionID: sid, Origin: origin, Result: res}
	for _, x := range rest {
		if x.Code == avp.PUAFlags {
			a.PUAFlags, _ = asUint32(x)
		}
	}
	return a, nil
}

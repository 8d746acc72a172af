package events

import (
	"math"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/core-sim/core-sim/internal/digits"
)

// A data session's two events (Create and Delete PDP Context) are most of
// a load run's events. They have a compact form, PDPEvent, that the
// serving node hands to the stream instead of an Event: the session's
// facts by pointer (they do not change once it is open), who it is about
// by its place in the platform's inventory (SubjectRef), the time and the
// volume. The stream's encoder writes it straight from those, with what a
// node's events share written once (PDPNode); nothing is built per event
// but the record itself. PDPEvent.Event builds the same event as an Event,
// for those who read events (observers, other spellings), and the tests
// hold the two to the same bytes.

// PDPNode is what the PDP context events of one serving node share: the
// organisation, the visited operator, and the fields of a pdp_context that
// are the node's (GTP version, PLMN, SGSN addresses, the platform's
// tariff). It must not change once an event refers to it.
type PDPNode struct {
	Org         Organisation
	Operator    Operator
	Base        PDPContext // the node's own fields; the session's are its PDPFacts'
	Provisioned string     // production_date and import_date, as written

	once sync.Once
	json nodeJSON // written once, by the first encoder that needs it
}

// nodeJSON is a node's share of its PDP events, as JSON.
type nodeJSON struct {
	head    [2][]byte // create, delete: from ,"alert": to the organisation's end
	detail  []byte    // ,"detail":{ the operator and its country, up to the session_id's value
	lac     []byte    // the PLMN, up to the value of lac
	rat     []byte    // ci's end to the value of rat_type
	ggsn    []byte    // the SGSN addresses, up to the value of the GGSN's control address
	tariff  []byte    // tx_teid_... are the session's; the tariff's fields and the context's end
	created string    // the Create's description
	// The provisioning date where the subject's objects have it: after
	// the ICCID up to the MSISDN's first digit; the end of the imsi
	// object (of a known IMSI or not).
	produced, imported []byte
	gtp                []byte // ,"gtp_version": to the value of ue_ip_address
}

func (n *PDPNode) jsonParts() *nodeJSON {
	n.once.Do(func() {
		j := &n.json
		j.created = createDescription(n.Base.SGSNControlPlaneIPAddress, n.Base.SGSNDataPlaneIPAddress)
		for i, t := range [2]Type{TypeCreatePDPContext, TypeDeletePDPContext} {
			e := Event{EventType: Ref{ID: int(t), Description: t.String()},
				EventSource: ref(int(SourceNetwork), sourceNames[:]), EventSeverity: ref(int(SeverityInfo), severityNames[:]),
				Organisation: n.Org}
			desc := j.created
			if t == TypeDeletePDPContext {
				desc = deleteDescription
			}
			b := append([]byte(nil), `,"alert":false,"description":`...)
			b = appendString(b, desc)
			j.head[i] = appendKind(b, &e)
		}
		d := PDPDetail{ID: n.Operator.ID, Name: n.Operator.Name, Country: n.Operator.Country}
		j.detail = appendPDPOperator(append([]byte(nil), `,"detail":`...), &d)
		c := &n.Base
		j.lac = append(appendPLMN(nil, c), `,"lac":`...)
		b := append([]byte(nil), `,"sac":`...)
		b = appendIntPtr(b, c.SAC)
		b = append(b, `,"rac":`...)
		b = appendIntPtr(b, c.RAC)
		j.rat = append(b, `,"rat_type":`...)
		b = append([]byte(nil), `,"sgsn_control_plane_ip_address":`...)
		b = appendString(b, c.SGSNControlPlaneIPAddress)
		b = append(b, `,"sgsn_data_plane_ip_address":`...)
		b = appendString(b, c.SGSNDataPlaneIPAddress)
		j.ggsn = append(b, `,"ggsn_control_plane_ip_address":`...)
		j.tariff = append(appendTariff(nil, c), '}')
		j.detail = append(j.detail, `,"session_id":`...)
		b = append([]byte(nil), `","production_date":`...)
		b = appendString(b, n.Provisioned)
		j.produced = append(b, `,"msisdn":"`...)
		b = append([]byte(nil), `,"import_date":`...)
		b = appendString(b, n.Provisioned)
		j.imported = append(b, '}')
		b = append([]byte(nil), `,"gtp_version":`...)
		b = strconv.AppendInt(b, int64(c.GTPVersion), 10)
		j.gtp = append(b, `,"ue_ip_address":`...)
	})
	return &n.json
}

const deleteDescription = "PDP Context deleted."

// PDPFacts are what a PDP context's events say of the context itself,
// beside its node's share. They must not change once an event refers to
// them (the stream reads them on its encoder's goroutine).
type PDPFacts struct {
	Node        *PDPNode
	ID          int64 // pdp_context_id; the session_id is SessionUUID(ID)
	Created     int64 // tunnel_created, Unix nanoseconds
	UEIP        netip.Addr
	GGSNControl netip.Addr
	GGSNUser    netip.Addr
	TEIDControl uint32 // tx_teid_control_plane: the SGSN's
	TEIDData    uint32 // tx_teid_data_plane: the SGSN's
	RxTEID      uint32 // the GGSN's user-plane TEID
	NSAPI       uint8
	RATType     uint8 // as GTP numbers it
	// Which of IMSI, IMEI and IMEISV are the subject's book's (Derived):
	// the encoder writes those from the book and the strings stay unread.
	// SV is the IMEISV's software version when IMEISV is derived.
	Derived Derived
	SV      uint8
	LAC     int
	CI      int
	APN     string
	IMSI    string
	IMEI    string // the device's, as endpoint.imei shows it ("": the inventory's)
	IMEISV  string
}

// Session is the context as a PDPSession, its PDPContext in full.
func (f *PDPFacts) Session() PDPSession {
	pc := f.Node.Base
	pc.PDPContextID, pc.Created = f.ID, time.Unix(0, f.Created)
	pc.UEIP, pc.APN, pc.NSAPI, pc.IMSI, pc.IMEISV = f.UEIP, f.APN, int(f.NSAPI), f.IMSI, f.IMEISV
	ci := f.CI
	pc.LAC, pc.CI, pc.RATType = f.LAC, &ci, int(f.RATType)
	pc.GGSNControlPlaneIPAddress, pc.GGSNDataPlaneIPAddress = f.GGSNControl.String(), f.GGSNUser.String()
	pc.TxTEIDControlPlane, pc.TxTEIDDataPlane, pc.RxTEID = f.TEIDControl, f.TEIDData, f.RxTEID
	return PDPSession{SessionNum: uint64(f.ID), Context: pc}
}

// SubjectBook is one range of subscribers as the platform provisioned
// them: its i-th subscriber's ids are the first ones plus i, and its ICCID
// and MSISDN the first ones plus i, keeping their digits. It must not
// change once an event refers to it.
type SubjectBook struct {
	FirstEndpointID, FirstSIMID, FirstIMSIID int64
	FirstICCID, FirstMSISDN, FirstIMEI       string // digits, or ""
	FirstIMSI                                string // digits, or "" (then the facts' IMSI is written)
	// Name appends the endpoint name of the i-th subscriber; nil: "".
	Name func(b []byte, i uint64) []byte
}

// SubjectRef is who a compact event is about: the i-th subscriber of a
// book, with the endpoint's address at the time of the event. A nil Book
// is an IMSI the platform does not know.
type SubjectRef struct {
	Book *SubjectBook
	I    uint64
	IP   netip.Addr // endpoint.ip_address; invalid: null (a stream that keeps the addresses sets it)
}

// EndpointID is the endpoint's id, 0 for an unknown IMSI.
func (r *SubjectRef) EndpointID() int64 {
	if r.Book == nil {
		return 0
	}
	return r.Book.FirstEndpointID + int64(r.I)
}

// Derived says which of a PDP context's identifiers are the ones its
// subject's book derives: the i-th IMSI; the i-th IMEI, or one of 35 and
// the IMSI's last 13 digits (what core-sim's fleets give a device with no
// IMEI range); an IMEISV of that IMEI's first 14 digits and a software
// version. The encoder writes those from the book: the facts' strings
// were made at the Create, and read again for the Delete minutes later
// each was a cache miss of its own in a large fleet.
type Derived uint8

const (
	DerivedIMSI       Derived = 1 << iota
	DerivedIMEI               // the book's i-th IMEI
	DerivedIMEIOfIMSI         // 35 and the last 13 digits of the book's i-th IMSI (with DerivedIMSI)
	DerivedIMEISV             // with DerivedIMEI or DerivedIMEIOfIMSI
)

// Derive is which of imsi, imei ("": the inventory's) and imeisv the
// subject's book derives, and the IMEISV's software version: compared
// digit for digit, so that what the encoder writes from the book is
// exactly the strings.
func (r *SubjectRef) Derive(imsi, imei, imeisv string) (d Derived, sv uint8) {
	k := r.Book
	if k == nil {
		return 0, 0
	}
	var buf [24]byte
	if k.FirstIMSI != "" && len(imsi) == len(k.FirstIMSI) && string(appendDigits(buf[:0], k.FirstIMSI, r.I)) == imsi {
		d |= DerivedIMSI
	}
	switch {
	case k.FirstIMEI != "" && (imei == "" || len(imei) == len(k.FirstIMEI)):
		d |= DerivedIMEI
	case imei != "" && d&DerivedIMSI != 0 && len(imsi) >= 13:
		d |= DerivedIMEIOfIMSI
	default:
		return d, 0
	}
	dev := k.appendIMEI(buf[:0], r.I, d)
	if imei != "" && string(dev) != imei {
		return d &^ (DerivedIMEI | DerivedIMEIOfIMSI), 0
	}
	if len(dev) >= 14 && len(imeisv) == 16 && imeisv[:14] == string(dev[:14]) &&
		isDigit(imeisv[14]) && isDigit(imeisv[15]) {
		d |= DerivedIMEISV
		sv = (imeisv[14]-'0')*10 + imeisv[15] - '0'
	}
	return d, sv
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// appendIMEI appends the digits of the i-th subscriber's IMEI as d derives
// it: of the IMSI with DerivedIMEIOfIMSI, else the book's range.
func (k *SubjectBook) appendIMEI(b []byte, i uint64, d Derived) []byte {
	if d&DerivedIMEIOfIMSI == 0 {
		return appendDigits(b, k.FirstIMEI, i)
	}
	var buf [24]byte
	return digits.AppendIMEIOfIMSI(b, appendDigits(buf[:0], k.FirstIMSI, i))
}

// appendDigits appends first plus i, keeping its digits: the inventory
// checked that they suffice.
func appendDigits(b []byte, first string, i uint64) []byte {
	n := len(b)
	b = append(b, first...)
	digits.Add(b[n:], i)
	return b
}

// Subject is the subject as an Event carries it; imsi is the IMSI in use,
// imei what the device reported ("": the inventory's).
func (r *SubjectRef) Subject(imsi, imei, provisioned string) Subject {
	k := r.Book
	if k == nil {
		return Subject{IMSI: &IMSI{IMSI: imsi, ImportDate: provisioned}}
	}
	var name []byte
	if k.Name != nil {
		name = k.Name(nil, r.I)
	}
	if imei == "" {
		imei = string(appendDigits(nil, k.FirstIMEI, r.I))
	}
	ep := Endpoint{ID: k.FirstEndpointID + int64(r.I), Name: string(name), IMEI: imei, IP: r.IP}
	return KnownSubject(ep,
		SIM{ID: k.FirstSIMID + int64(r.I), ICCID: string(appendDigits(nil, k.FirstICCID, r.I)), ProductionDate: provisioned,
			MSISDN: string(appendDigits(nil, k.FirstMSISDN, r.I))},
		IMSI{ID: k.FirstIMSIID + int64(r.I), IMSI: imsi, ImportDate: provisioned})
}

// appendJSON writes the endpoint, sim and imsi of an event as the
// encoder writes Subject's objects; j has the provisioning date's parts.
// The IMSI is written quoted where it starts at the first returned
// offset; the IMEI's digits start at the second when the book's are
// written (-1 otherwise).
func (r *SubjectRef) appendJSON(b []byte, imsi, imei string, d Derived, j *nodeJSON) ([]byte, int, int) {
	k := r.Book
	if k == nil {
		b = append(b, `,"endpoint":null,"sim":null,"imsi":{"id":0,"imsi":`...)
		at := len(b)
		b = appendString(b, imsi)
		return append(b, j.imported...), at, -1
	}
	i := r.I
	b = append(b, `,"endpoint":{"id":`...)
	b = appendInt(b, k.FirstEndpointID+int64(i))
	b = append(b, `,"name":`...)
	if k.Name != nil {
		// Written in place, then quoted as appendString quotes it: as it
		// is, unless a byte of it needs escaping.
		b = append(b, '"')
		start := len(b)
		b = k.Name(b, i)
		safe := true
		for _, c := range b[start:] {
			safe = safe && htmlSafe[c]
		}
		if safe {
			b = append(b, '"')
		} else {
			name := string(b[start:])
			b = appendString(b[:start-1], name)
		}
	} else {
		b = append(b, `""`...)
	}
	b = append(b, `,"imei":`...)
	imeiAt := -1
	if imei != "" && d&(DerivedIMEI|DerivedIMEIOfIMSI) == 0 {
		b = appendString(b, imei)
	} else {
		b = append(b, '"')
		imeiAt = len(b)
		b = k.appendIMEI(b, i, d)
		b = append(b, '"')
	}
	b = append(b, `,"ip_address":`...)
	if r.IP.IsValid() {
		b = appendQuotedAddr(b, r.IP)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"tags":null},"sim":{"id":`...)
	b = appendInt(b, k.FirstSIMID+int64(i))
	b = append(b, `,"iccid":"`...)
	b = appendDigits(b, k.FirstICCID, i)
	b = append(b, j.produced...)
	b = appendDigits(b, k.FirstMSISDN, i)
	b = append(b, `"},"imsi":{"id":`...)
	b = appendInt(b, k.FirstIMSIID+int64(i))
	b = append(b, `,"imsi":`...)
	at := len(b)
	if d&DerivedIMSI != 0 {
		b = append(b, '"')
		b = appendDigits(b, k.FirstIMSI, i)
		b = append(b, '"')
	} else {
		b = appendString(b, imsi)
	}
	return append(b, j.imported...), at, imeiAt
}

// PDPEvent is an accepted Create PDP Context (leading to ONLINE) or a
// Delete PDP Context (back to ATTACHED, with its volume) in compact form.
type PDPEvent struct {
	Type    Type  // TypeCreatePDPContext or TypeDeletePDPContext
	At      int64 // when, Unix nanoseconds
	Facts   *PDPFacts
	Subject SubjectRef
	Rx, Tx  Bytes // Delete: what the device sent and received
}

// Status is the connectivity status the event leads to.
func (p *PDPEvent) Status() Status {
	if p.Type == TypeCreatePDPContext {
		return StatusOnline
	}
	return StatusAttached
}

// Event is p as CreatePDPContext or DeletePDPContext make it.
func (p *PDPEvent) Event() *Event {
	f := p.Facts
	return p.EventAbout(p.Subject.Subject(f.IMSI, f.IMEI, f.Node.Provisioned))
}

// EventAbout is Event with the subject given (p.Subject is not read).
func (p *PDPEvent) EventAbout(subj Subject) *Event {
	f := p.Facts
	n := f.Node
	facts := Facts{At: time.Unix(0, p.At).UTC(), Organisation: n.Org, Subject: subj}
	if p.Type == TypeCreatePDPContext {
		return CreatePDPContext(facts, n.Operator, f.Session())
	}
	return DeletePDPContext(facts, n.Operator, f.Session(), p.Rx, p.Tx)
}

// check is what encoding p could refuse (as Emit refuses an Event's).
func (p *PDPEvent) check() bool {
	if p.Type != TypeDeletePDPContext {
		return true
	}
	return p.Rx != math.MinInt64 && p.Tx != math.MinInt64 && p.Rx+p.Tx != math.MinInt64
}

// pdpClocks are an encoder's spellings of the last seconds its PDP events
// were stamped with and their tunnels created in.
type pdpClocks struct{ at, created secondCache }

// appendJSON writes p with id as appendEventCached writes p.Event(); c
// is the encoder's, kept from one event to the next.
func (p *PDPEvent) appendJSON(b []byte, id int64, c *pdpClocks) []byte {
	f := p.Facts
	j := f.Node.jsonParts()
	b = append(b, `{"id":`...)
	b = appendInt(b, id)
	b = append(b, `,"timestamp":`...)
	b = c.at.appendUnixTime(b, p.At, true)
	del := p.Type == TypeDeletePDPContext
	if del {
		b = append(b, j.head[1]...)
	} else {
		b = append(b, j.head[0]...)
	}
	b, imsiAt, imeiAt := p.Subject.appendJSON(b, f.IMSI, f.IMEI, f.Derived, j)
	imsiEnd := len(b) - len(j.imported) // the same length for a known IMSI or not
	b = append(b, j.detail...)
	if f.ID != 0 {
		b = appendSessionUUIDQuoted(b, uint64(f.ID))
	} else {
		b = append(b, `""`...)
	}
	b = append(b, `,"pdp_context":{"pdp_context_id":`...)
	b = appendInt(b, f.ID)
	b = append(b, `,"tunnel_created":`...)
	b = c.created.appendUnixTime(b, f.Created, false)
	b = append(b, j.gtp...)
	if f.UEIP.IsValid() {
		b = appendQuotedAddr(b, f.UEIP)
	} else {
		b = append(b, `""`...)
	}
	b = append(b, `,"apn":`...)
	b = appendString(b, f.APN)
	b = append(b, `,"nsapi":`...)
	b = appendUint(b, uint64(f.NSAPI))
	b = append(b, `,"imsi":`...)
	b = append(b, b[imsiAt:imsiEnd]...) // as the imsi object has it
	b = append(b, `,"imeisv":`...)
	if f.Derived&DerivedIMEISV != 0 && imeiAt >= 0 { // the IMEI as the endpoint has it
		b = append(b, '"')
		b = append(b, b[imeiAt:imeiAt+14]...)
		b = append(b, '0'+f.SV/10, '0'+f.SV%10, '"')
	} else {
		b = appendString(b, f.IMEISV)
	}
	b = append(b, j.lac...)
	b = appendInt(b, int64(f.LAC))
	b = append(b, `,"ci":`...)
	b = appendInt(b, int64(f.CI))
	b = append(b, j.rat...)
	b = appendUint(b, uint64(f.RATType))
	b = append(b, j.ggsn...)
	b = appendSpelledAddr(b, f.GGSNControl)
	b = append(b, `,"ggsn_data_plane_ip_address":`...)
	b = appendSpelledAddr(b, f.GGSNUser)
	b = append(b, `,"tx_teid_control_plane":`...)
	b = appendUint(b, uint64(f.TEIDControl))
	b = append(b, `,"tx_teid_data_plane":`...)
	b = appendUint(b, uint64(f.TEIDData))
	b = append(b, `,"rx_teid":`...)
	b = appendUint(b, uint64(f.RxTEID))
	b = append(b, j.tariff...)
	if del {
		b = append(b, `,"volume":{"total":`...)
		b = appendBytes(b, p.Rx+p.Tx)
		b = append(b, `,"rx":`...)
		b = appendBytes(b, p.Rx)
		b = append(b, `,"tx":`...)
		b = appendBytes(b, p.Tx)
		b = append(b, '}')
	}
	return append(b, '}', '}')
}

// appendSpelledAddr writes what appendString writes of a.String(),
// "invalid IP" included.
func appendSpelledAddr(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return appendString(b, a.String())
	}
	return appendQuotedAddr(b, a)
}

package events

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Bytes is a data volume. It is written in megabytes with six decimals,
// as the platform's DECIMAL(14,6) volume fields are.
type Bytes int64

// MarshalJSON writes the volume as megabytes, e.g. 1234567 bytes -> 1.234567.
func (b Bytes) MarshalJSON() ([]byte, error) {
	v := int64(b)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return []byte(fmt.Sprintf("%s%d.%06d", sign, v/1000000, v%1000000)), nil
}

// Events are recycled: a load run makes hundreds of thousands a second,
// and the collector's work grows with the bytes allocated. An event holds
// its subject's objects and its detail itself (Event.own), so that one
// recycled allocation is all an event takes.
//
// The stream's encoder gives events back a batch at a time (recycled),
// to the goroutine that makes them; a sync.Pool would hand each one
// across processors (the encoder runs on the other core), which costs
// more than the event's construction.
var eventPool = sync.Pool{New: func() any { return new(Event) }}

// freeEvents are released events waiting to be made again.
var freeEvents struct {
	mu      sync.Mutex
	cur     []*Event   // taken from the end, one by one
	batches [][]*Event // given back by encoders, not yet taken
}

// maxFreeBatches bounds what freeEvents keeps: more than a run has in
// flight goes to the collector.
const maxFreeBatches = 32

// getEvent returns a zeroed event for reuse, or a new one.
func getEvent() *Event {
	f := &freeEvents
	f.mu.Lock()
	if len(f.cur) == 0 && len(f.batches) > 0 {
		last := len(f.batches) - 1
		old := f.cur
		f.cur, f.batches[last] = f.batches[last], nil
		f.batches = f.batches[:last]
		if old != nil {
			eventSlices.Put(&old)
		}
	}
	if n := len(f.cur); n > 0 {
		e := f.cur[n-1]
		f.cur[n-1] = nil
		f.cur = f.cur[:n-1]
		f.mu.Unlock()
		return e
	}
	f.mu.Unlock()
	return eventPool.Get().(*Event)
}

// recycle zeroes a batch of emitted events and keeps them, and the slice
// that holds them, for getEvent. The caller must not use them afterwards.
func recycle(batch []*Event) {
	for _, e := range batch {
		*e = Event{}
	}
	f := &freeEvents
	f.mu.Lock()
	if len(f.batches) < maxFreeBatches {
		f.batches = append(f.batches, batch)
		batch = nil
	}
	f.mu.Unlock()
	if batch != nil {
		clear(batch)
		batch = batch[:0]
		eventSlices.Put(&batch)
	}
}

// Release returns an event that has been emitted, and its detail, for
// reuse. The caller must not use e afterwards, nor keep anything that
// points into it.
func (e *Event) Release() {
	*e = Event{}
	eventPool.Put(e)
}

// eventOwn is what an event made by this package's constructors holds
// itself: its subject and its detail.
type eventOwn struct {
	subj subjectBox
	loc  LocationDetail
	pdp  PDPDetail
	vol  Volume
}

// subjectBox holds the three objects of a known subject in one allocation.
type subjectBox struct {
	ep   Endpoint
	sim  SIM
	imsi IMSI
}

var subjectBoxes = sync.Pool{New: func() any { return new(subjectBox) }}

// KnownSubject is the subject of an endpoint the platform knows, its
// three objects in one recycled allocation: the event made from it copies
// them and gives the allocation back. Make one event from it, no more (or
// nothing that is released, such as a usage record).
func KnownSubject(ep Endpoint, sim SIM, imsi IMSI) Subject {
	b := subjectBoxes.Get().(*subjectBox)
	b.ep, b.sim, b.imsi = ep, sim, imsi
	return Subject{Endpoint: &b.ep, SIM: &b.sim, IMSI: &b.imsi, box: b}
}

// Subject is who an event is about: the endpoint, its SIM and the IMSI in use.
// Endpoint and SIM are nil for an IMSI the platform does not know.
type Subject struct {
	Endpoint *Endpoint
	SIM      *SIM
	IMSI     *IMSI
	// Resolve, if set, fills in the subject's strings (names, ICCID,
	// MSISDN) of an event on the stream's encoder goroutine, off the
	// simulation's: until then they may be empty.
	Resolve func(*Event)

	box *subjectBox // KnownSubject's
}

// Operator is the visited network as events describe it.
type Operator struct {
	ID       int
	Name     string
	Country  Country
	TapCodes []TapCode
	MNCs     []MNC
}

func (o Operator) locationDetail(e *Event) *LocationDetail {
	d := &e.own.loc
	*d = LocationDetail{ID: o.ID, Name: o.Name, Country: o.Country, TapCode: o.TapCodes, MNC: o.MNCs}
	return d
}

func ref(id int, names []string) Ref {
	if id >= 0 && id < len(names) {
		return Ref{ID: id, Description: names[id]}
	}
	return Ref{ID: id, Description: strconv.Itoa(id)}
}

func newEvent(t Type, at time.Time, src Source, sev Severity, org Organisation, subj Subject, desc string) *Event {
	e := getEvent()
	*e = Event{
		at:            at,
		Alert:         sev != SeverityInfo,
		Description:   desc,
		EventType:     Ref{ID: int(t), Description: t.String()},
		EventSource:   ref(int(src), sourceNames[:]),
		EventSeverity: ref(int(sev), severityNames[:]),
		Organisation:  org,
		Endpoint:      subj.Endpoint,
		SIM:           subj.SIM,
		IMSI:          subj.IMSI,
		Resolve:       subj.Resolve,
		Type:          t,
		Status:        StatusUnchanged,
	}
	if b := subj.box; b != nil {
		// Copied into the event, which is recycled as one; the box goes
		// back to this goroutine's pool at once.
		e.own.subj = *b
		e.Endpoint, e.SIM, e.IMSI = &e.own.subj.ep, &e.own.subj.sim, &e.own.subj.imsi
		*b = subjectBox{}
		subjectBoxes.Put(b)
	}
	return e
}

func imsiOf(s Subject) string {
	if s.IMSI != nil {
		return s.IMSI.IMSI
	}
	return ""
}

// Facts carries what every event needs besides its own details.
type Facts struct {
	At           time.Time
	Organisation Organisation
	Subject      Subject
}

// UpdateLocation is an accepted Update location at a visited network's VLR
// (S6a); it leads to ATTACHED.
func UpdateLocation(f Facts, op Operator, vlrNumber string) *Event {
	e := newEvent(TypeUpdateLocation, f.At, SourceNetwork, SeverityInfo, f.Organisation, f.Subject,
		"New location received from VLR for IMSI='"+imsiOf(f.Subject)+"', now attached to VLR='"+vlrNumber+"'.")
	e.Detail = op.locationDetail(e)
	e.Status = StatusAttached
	return e
}

// UpdateGPRSLocation is an accepted Update GPRS location at a visited
// network's SGSN (S6d).
func UpdateGPRSLocation(f Facts, op Operator, sgsnNumber, sgsnIP, ratType string) *Event {
	e := newEvent(TypeUpdateGPRSLocation, f.At, SourceNetwork, SeverityInfo, f.Organisation, f.Subject,
		fmt.Sprintf("New location received from SGSN for IMSI='%s', now attached to SGSN='%s', IP='%s', RAT type='%s'.",
			imsiOf(f.Subject), sgsnNumber, sgsnIP, ratType))
	e.Detail = op.locationDetail(e)
	e.Status = StatusAttached
	return e
}

// LocationRejected is a rejected Update location (t = TypeUpdateLocation)
// or Update GPRS location (TypeUpdateGPRSLocation): severity Warn, alert,
// and a description naming the reason and the protocol cause. A rejection
// by the subscriber's policy (disabled endpoint, blacklist, roaming) comes
// from Policy Control; blocked says the endpoint is disabled and leads to
// BLOCKED.
func LocationRejected(f Facts, t Type, op Operator, node, reason, cause string, policy, blocked bool) *Event {
	src := SourceNetwork
	if policy {
		src = SourcePolicyControl
	}
	role := "VLR"
	what := "Update location"
	if t == TypeUpdateGPRSLocation {
		role, what = "SGSN", "Update GPRS location"
	}
	e := newEvent(t, f.At, src, SeverityWarn, f.Organisation, f.Subject,
		fmt.Sprintf("%s rejected for IMSI='%s' by %s='%s' (%s, %s), because %s: %s.",
			what, imsiOf(f.Subject), role, node, op.Name, op.Country.Name, reason, cause))
	e.Detail = op.locationDetail(e)
	e.Reject = cause
	if blocked {
		e.Status = StatusBlocked
	}
	return e
}

// PDPSession is what the network knows of one PDP context.
type PDPSession struct {
	SessionID  string
	SessionNum uint64 // when SessionID is empty: the session_id is SessionUUID(SessionNum)
	Context    PDPContext
}

func pdpDetail(e *Event, op Operator, s PDPSession) *PDPDetail {
	d := &e.own.pdp
	*d = PDPDetail{ID: op.ID, Name: op.Name, Country: op.Country, SessionID: s.SessionID, SessionNum: s.SessionNum, PDPContext: s.Context}
	return d
}

// TunnelCreated formats the time a PDP context was created as pdp_context.tunnel_created.
func TunnelCreated(t time.Time) string { return t.UTC().Format(tunnelLayout) }

// CreatePDPContext is an accepted PDP context activation; it leads to ONLINE.
func CreatePDPContext(f Facts, op Operator, s PDPSession) *Event {
	e := newEvent(TypeCreatePDPContext, f.At, SourceNetwork, SeverityInfo, f.Organisation, f.Subject,
		createDescription(s.Context.SGSNControlPlaneIPAddress, s.Context.SGSNDataPlaneIPAddress))
	e.Detail = pdpDetail(e, op, s)
	e.Status = StatusOnline
	return e
}

// volume is the event's data volume, if it has one.
func (e *Event) volume() *Volume {
	switch d := e.Detail.(type) {
	case *PDPDetail:
		if d != nil {
			return d.Volume
		}
	case PDPDetail:
		return d.Volume
	}
	return nil
}

// lastCreate is the last Create PDP Context description made: a node's
// SGSN addresses do not change, so a run makes the same few again and again.
var lastCreate atomic.Pointer[[3]string]

func createDescription(cp, dp string) string {
	if c := lastCreate.Load(); c != nil && c[0] == cp && c[1] == dp {
		return c[2]
	}
	d := "New PDP Context successfully activated with SGSN CP=" + cp + ", DP=" + dp + "."
	lastCreate.Store(&[3]string{cp, dp, d})
	return d
}

// CreatePDPContextRejected is a rejected PDP context activation, as the
// platform reports it: Policy Control, Warn, alert, no detail.
func CreatePDPContextRejected(f Facts, reason, cause string) *Event {
	e := newEvent(TypeCreatePDPContext, f.At, SourcePolicyControl, SeverityWarn, f.Organisation, f.Subject,
		fmt.Sprintf("PDP Context Request rejected, because %s: %s.", reason, cause))
	e.Reject = cause
	return e
}

// DeletePDPContext is the end of a data session with its volume; it leads
// back to ATTACHED.
func DeletePDPContext(f Facts, op Operator, s PDPSession, rx, tx Bytes) *Event {
	e := newEvent(TypeDeletePDPContext, f.At, SourceNetwork, SeverityInfo, f.Organisation, f.Subject, deleteDescription)
	d := pdpDetail(e, op, s)
	e.own.vol = Volume{Total: rx + tx, Rx: rx, Tx: tx}
	d.Volume = &e.own.vol
	e.Detail = d
	e.Status = StatusAttached
	return e
}

// PurgeLocation says the visited network's VLR purged the subscriber; it
// leads to OFFLINE.
func PurgeLocation(f Facts) *Event {
	e := newEvent(TypePurgeLocation, f.At, SourceNetwork, SeverityInfo, f.Organisation, f.Subject,
		"VLR location information has been purged for IMSI='"+imsiOf(f.Subject)+"'.")
	e.Status = StatusOffline
	return e
}

// PurgeGPRSLocation says the visited network's SGSN purged the subscriber.
func PurgeGPRSLocation(f Facts) *Event {
	return newEvent(TypePurgeGPRSLocation, f.At, SourceNetwork, SeverityInfo, f.Organisation, f.Subject,
		"SGSN location information has been purged for IMSI='"+imsiOf(f.Subject)+"'.")
}

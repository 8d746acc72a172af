// Package platform is the IoT connectivity platform's side of core-sim: it
// turns what the visited networks report (a location update, a PDP context)
// into the events the platform streams to its customer, enriched with what
// only the platform knows: the endpoint, its SIM, the organisation, the
// tariff. It keeps no protocol state and opens no socket.
package platform

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/world"
)

// Inventory is what the platform has provisioned: one entry per IMSI.
type Inventory interface {
	Lookup(imsi string) (Subscription, bool)
}

// Locator is an Inventory that also finds a subscription's ids without
// formatting its strings. With one, events carry the ids from the start
// and get their names, ICCID and MSISDN on the stream's encoder goroutine
// (events.Subject.Resolve): the simulation's goroutine formats none.
type Locator interface {
	Locate(imsi string) (endpointID, simID, imsiID int64, ok bool)
}

// Booker is an Inventory that finds an IMSI's place in a book of
// subscribers (events.SubjectBook): compact events (events.PDPEvent) name
// their subject by it, and the stream's encoder writes the subject's
// strings from the book, as Lookup spells them.
type Booker interface {
	Book(imsi string) (book *events.SubjectBook, i uint64, ok bool)
}

// Subscription is the platform's record of a SIM and its endpoint.
type Subscription struct {
	EndpointID   int64
	EndpointName string
	IMEI         string
	ICCID        string
	MSISDN       string
	SIMID        int64
	IMSIID       int64
}

// Clock gives the time events are stamped with.
type Clock interface{ Now() time.Time }

// WallClock is the real time.
type WallClock struct{}

// Now is time.Now.
func (WallClock) Now() time.Time { return time.Now() }

// Platform builds and emits events.
type Platform struct {
	Org       events.Organisation
	Values    scenarios.Platform
	World     *world.World
	Inventory Inventory
	Clock     Clock
	Stream    *events.Stream
	Pacer     *events.Pacer // nil: as fast as the run goes

	keepOnce sync.Once // Stream.KeepAddresses, before the first event

	resolve     func(*events.Event) // p.fill, made once
	resolveOnce sync.Once

	provisioned     string // Values.ProvisionedAt as events write it
	provisionedOnce sync.Once
}

// Subject is who an event about imsi is about; imei is what the device
// reported. An IMSI the inventory does not know gives a subject with only
// the IMSI.
func (p *Platform) Subject(imsi, imei string) events.Subject {
	provisioned := p.Provisioned()
	var sub Subscription
	var ok, lazy bool
	if loc, isLoc := p.Inventory.(Locator); isLoc {
		sub.EndpointID, sub.SIMID, sub.IMSIID, ok = loc.Locate(imsi)
		lazy = true
	} else {
		sub, ok = p.Inventory.Lookup(imsi)
		if imei == "" {
			imei = sub.IMEI
		}
	}
	if !ok {
		return events.Subject{IMSI: &events.IMSI{IMSI: imsi, ImportDate: provisioned}}
	}
	// endpoint.ip_address is the stream's (Stream.KeepAddresses).
	ep := events.Endpoint{ID: sub.EndpointID, Name: sub.EndpointName, IMEI: imei}
	subj := events.KnownSubject(ep,
		events.SIM{ID: sub.SIMID, ICCID: sub.ICCID, ProductionDate: provisioned, MSISDN: sub.MSISDN},
		events.IMSI{ID: sub.IMSIID, IMSI: imsi, ImportDate: provisioned})
	if lazy {
		p.resolveOnce.Do(func() { p.resolve = p.fill })
		subj.Resolve = p.resolve
	}
	return subj
}

// Provisioned is when the SIMs were made and their IMSIs imported, as
// events write it (sim.production_date, imsi.import_date).
func (p *Platform) Provisioned() string {
	p.provisionedOnce.Do(func() { p.provisioned = events.FormatTimestamp(p.Values.ProvisionedAt) })
	return p.provisioned
}

// PDPNode is what the PDP context events of a serving node at op share,
// whose own fields of a pdp_context are base (the platform adds its tariff).
func (p *Platform) PDPNode(op world.Operator, base events.PDPContext) *events.PDPNode {
	p.Tariff(&base, op)
	return &events.PDPNode{Org: p.Org, Operator: p.Operator(op), Base: base, Provisioned: p.Provisioned()}
}

// fill gives an event's subject the strings Subject left out.
func (p *Platform) fill(e *events.Event) {
	if e.IMSI != nil {
		p.fillSubject(e.IMSI.IMSI, e.Endpoint, e.SIM)
	}
}

func (p *Platform) fillSubject(imsi string, ep *events.Endpoint, sim *events.SIM) {
	if ep == nil || sim == nil {
		return
	}
	sub, ok := p.Inventory.Lookup(imsi)
	if !ok {
		return
	}
	ep.Name = sub.EndpointName
	if ep.IMEI == "" {
		ep.IMEI = sub.IMEI
	}
	sim.ICCID, sim.MSISDN = sub.ICCID, sub.MSISDN
}

// Facts are the common facts of an event about imsi, stamped now.
func (p *Platform) Facts(imsi, imei string) events.Facts {
	return events.Facts{At: p.Clock.Now(), Organisation: p.Org, Subject: p.Subject(imsi, imei)}
}

// SubjectRef is where imsi stands in the inventory's books, for compact
// events about it: a nil Book when the inventory has no books or does
// not know imsi. The address is left to EmitPDP.
func (p *Platform) SubjectRef(imsi string) events.SubjectRef {
	if b, ok := p.Inventory.(Booker); ok {
		if book, i, ok := b.Book(imsi); ok {
			return events.SubjectRef{Book: book, I: i}
		}
	}
	return events.SubjectRef{}
}

// EmitPDP hands a compact PDP event to the stream. The stream owns what
// the event points to from then on, which must not change. Without books
// in the inventory (or for an IMSI it does not know) it emits the event in
// full.
func (p *Platform) EmitPDP(e *events.PDPEvent) error {
	if e.Subject.Book == nil {
		return p.Emit(e.EventAbout(p.Subject(e.Facts.IMSI, e.Facts.IMEI)))
	}
	p.keepAddresses()
	if err := p.Stream.EmitPDP(e); err != nil {
		return fmt.Errorf("platform: %w: %w", ErrStream, err)
	}
	p.Pacer.Wait()
	return nil
}

// keepAddresses has the stream write the endpoints' addresses
// (endpoint.ip_address: the UE address of each one's last accepted
// Create PDP Context), in the order of the events, on its encoder's
// goroutine where nothing needs them sooner.
func (p *Platform) keepAddresses() {
	p.keepOnce.Do(p.Stream.KeepAddresses)
}

// WarmEndpoint hints what a PDP context event of endpoint id reads and
// writes of the platform's tables (its status). It only hints.
func (p *Platform) WarmEndpoint(id int64) {
	if p.Stream != nil {
		p.Stream.Statuses.Warm(id)
	}
}

// Operator describes a visited operator as events do.
func (p *Platform) Operator(op world.Operator) events.Operator {
	c, _ := p.World.Country(op.MCC)
	return events.Operator{
		ID:   op.ID,
		Name: op.Name,
		Country: events.Country{ID: c.ID, Name: c.Name, CountryCode: c.DialCode, MCC: c.MCC,
			ISOCode: lower(c.ISO)},
		TapCodes: []events.TapCode{{ID: op.ID, TapCode: op.TADIG}},
		MNCs:     []events.MNC{{ID: op.ID, MNC: op.MNC}},
	}
}

// Tariff fills the platform's own fields of a pdp_context.
func (p *Platform) Tariff(pc *events.PDPContext, op world.Operator) {
	pc.BreakoutIP = p.Values.BreakoutIP
	pc.Region = p.Values.Region
	pc.OperatorID = strconv.Itoa(op.ID)
	pc.TariffProfileID = p.Values.TariffProfileID
	pc.RatezoneID = p.Values.RatezoneID
	pc.TariffID = p.Values.TariffID
}

// ErrStream marks a failure to write an event: fatal for a run, since an
// accepted event must never be lost silently.
var ErrStream = errors.New("event stream failed")

// Emit hands an event to the stream, which owns it from then on: the
// caller must not use it afterwards.
func (p *Platform) Emit(e *events.Event) error {
	p.keepAddresses()
	err := p.Stream.Emit(e)
	if err != nil {
		return fmt.Errorf("platform: %w: %w", ErrStream, err)
	}
	p.Pacer.Wait()
	return nil
}

// UsageOn says whether the run makes usage records (a sink takes them).
func (p *Platform) UsageOn() bool { return p.Stream.UsageOn() }

// EmitUsage hands a usage record to the stream.
func (p *Platform) EmitUsage(u *events.Usage) error {
	p.keepAddresses()
	if _, lazy := p.Inventory.(Locator); lazy {
		p.fillSubject(u.IMSI, u.Endpoint, u.SIM) // usage records are encoded at once
	}
	if err := p.Stream.EmitUsage(u); err != nil {
		return fmt.Errorf("platform: %w: %w", ErrStream, err)
	}
	return nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

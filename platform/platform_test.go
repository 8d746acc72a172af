package platform

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/world"
)

type inv map[string]Subscription

func (i inv) Lookup(imsi string) (Subscription, bool) { s, ok := i[imsi]; return s, ok }

func TestSubjectAndEndpointIP(t *testing.T) {
	p := &Platform{
		World:     world.Default(),
		Values:    scenarios.Platform{ProvisionedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Inventory: inv{"295050900000001": {EndpointID: 7, EndpointName: "t-1", IMEI: "356938035640001", ICCID: "8942310000000000016", MSISDN: "4236639001", SIMID: 7, IMSIID: 7}},
		Stream:    events.NewStream(&bytes.Buffer{}),
	}
	s := p.Subject("295050900000001", "")
	if s.Endpoint == nil || s.Endpoint.ID != 7 || s.Endpoint.IMEI != "356938035640001" || s.Endpoint.IPAddress != nil {
		t.Fatalf("known subject %+v", s.Endpoint)
	}
	if s.SIM.ProductionDate != "2026-01-01T00:00:00.000Z" || s.IMSI.IMSI != "295050900000001" {
		t.Errorf("sim %+v imsi %+v", s.SIM, s.IMSI)
	}
	p.SetEndpointIP("295050900000001", netip.MustParseAddr("10.192.0.9"))
	if ip := p.Subject("295050900000001", "356938035649999").Endpoint; ip.IP.String() != "10.192.0.9" || ip.IMEI != "356938035649999" {
		t.Errorf("after a session: %+v", ip)
	}
	for _, ip := range []string{"2001:db8::9", "10.192.0.10", "0.0.0.0"} { // the last address wins, of any kind
		p.SetEndpointIP("295050900000001", netip.MustParseAddr(ip))
		if got := p.Subject("295050900000001", "").Endpoint.IP; got.String() != ip {
			t.Errorf("after a session with %s: endpoint IP %v", ip, got)
		}
	}
	u := p.Subject("295050900009999", "")
	if u.Endpoint != nil || u.SIM != nil || u.IMSI == nil || u.IMSI.IMSI != "295050900009999" {
		t.Errorf("unknown IMSI subject %+v", u)
	}
	op, _ := p.World.Operator("26201")
	eo := p.Operator(op)
	if eo.Country.ISOCode != "de" || eo.Country.CountryCode != "49" || eo.TapCodes[0].TapCode != "DEUD1" || eo.MNCs[0].MNC != "01" {
		t.Errorf("operator %+v", eo)
	}
}

// WarmEndpoint only hints: an endpoint's address and status read the same
// after hints for it and for ids the tables never held, and a platform
// without a stream takes them too.
func TestWarmEndpointChangesNothing(t *testing.T) {
	p := &Platform{World: world.Default(), Inventory: inv{}, Stream: events.NewStream(&bytes.Buffer{})}
	ip := netip.MustParseAddr("10.192.0.9")
	p.setIP(7, ip)
	p.Stream.Statuses.Apply(&events.Event{Status: events.StatusOnline, Endpoint: &events.Endpoint{ID: 7}})
	for _, id := range []int64{7, 0, -1, 1 << 40, 4096 * 5} {
		p.WarmEndpoint(id)
	}
	if got := p.endpointIP(7); got != ip {
		t.Fatalf("endpoint 7's address %v after the hints, want %v", got, ip)
	}
	if got := p.endpointIP(8); got.IsValid() {
		t.Fatalf("endpoint 8 has address %v after the hints", got)
	}
	if st := p.Stream.Statuses.Of(7); st != events.StatusOnline {
		t.Fatalf("endpoint 7 is %v after the hints", st)
	}
	if c := p.Stream.Statuses.Count(); len(c) != 1 || c[events.StatusOnline] != 1 {
		t.Fatalf("statuses %v after the hints", c)
	}
	(&Platform{}).WarmEndpoint(7)
}

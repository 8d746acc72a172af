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
	var out bytes.Buffer
	p := &Platform{
		World:     world.Default(),
		Values:    scenarios.Platform{ProvisionedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Inventory: inv{"295050900000001": {EndpointID: 7, EndpointName: "t-1", IMEI: "356938035640001", ICCID: "8942310000000000016", MSISDN: "4236639001", SIMID: 7, IMSIID: 7}},
		Clock:     WallClock{},
		Stream:    events.NewStream(&out),
	}
	s := p.Subject("295050900000001", "")
	if s.Endpoint == nil || s.Endpoint.ID != 7 || s.Endpoint.IMEI != "356938035640001" || s.Endpoint.IPAddress != nil || s.Endpoint.IP.IsValid() {
		t.Fatalf("known subject %+v", s.Endpoint)
	}
	if s.SIM.ProductionDate != "2026-01-01T00:00:00.000Z" || s.IMSI.IMSI != "295050900000001" {
		t.Errorf("sim %+v imsi %+v", s.SIM, s.IMSI)
	}
	if s := p.Subject("295050900000001", "356938035649999"); s.Endpoint.IMEI != "356938035649999" {
		t.Errorf("reported IMEI: %+v", s.Endpoint)
	}
	// The events' endpoint.ip_address is the last session's address, of
	// any kind, kept by the stream in the order of the events.
	op, _ := p.World.Operator("26201")
	eo := p.Operator(op)
	location := func() {
		if err := p.Emit(events.UpdateLocation(p.Facts("295050900000001", ""), eo, "4917")); err != nil {
			t.Fatal(err)
		}
	}
	location()
	want := []string{`"ip_address":null`}
	for _, ip := range []string{"10.192.0.9", "2001:db8::9", "10.192.0.10", "0.0.0.0"} {
		ctx := events.PDPContext{UEIP: netip.MustParseAddr(ip)}
		if err := p.Emit(events.CreatePDPContext(p.Facts("295050900000001", ""), eo, events.PDPSession{Context: ctx})); err != nil {
			t.Fatal(err)
		}
		location()
		want = append(want, `"ip_address":"`+ip+`"`, `"ip_address":"`+ip+`"`)
	}
	if err := p.Stream.Close(); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	if len(lines) != len(want) {
		t.Fatalf("%d events, want %d", len(lines), len(want))
	}
	for i, l := range lines {
		if !bytes.Contains(l, []byte(want[i])) {
			t.Errorf("event %d: want %s in %s", i+1, want[i], l)
		}
	}
	u := p.Subject("295050900009999", "")
	if u.Endpoint != nil || u.SIM != nil || u.IMSI == nil || u.IMSI.IMSI != "295050900009999" {
		t.Errorf("unknown IMSI subject %+v", u)
	}
	if eo.Country.ISOCode != "de" || eo.Country.CountryCode != "49" || eo.TapCodes[0].TapCode != "DEUD1" || eo.MNCs[0].MNC != "01" {
		t.Errorf("operator %+v", eo)
	}
}

// WarmEndpoint only hints: an endpoint's status reads the same after
// hints for it and for ids the table never held, and a platform without a
// stream takes them too.
func TestWarmEndpointChangesNothing(t *testing.T) {
	p := &Platform{World: world.Default(), Inventory: inv{}, Stream: events.NewStream(&bytes.Buffer{})}
	p.Stream.Statuses.Apply(&events.Event{Status: events.StatusOnline, Endpoint: &events.Endpoint{ID: 7}})
	for _, id := range []int64{7, 0, -1, 1 << 40, 4096 * 5} {
		p.WarmEndpoint(id)
	}
	if st := p.Stream.Statuses.Of(7); st != events.StatusOnline {
		t.Fatalf("endpoint 7 is %v after the hints", st)
	}
	if c := p.Stream.Statuses.Count(); len(c) != 1 || c[events.StatusOnline] != 1 {
		t.Fatalf("statuses %v after the hints", c)
	}
	(&Platform{}).WarmEndpoint(7)
}

package main

import (
	"net/netip"
	"testing"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/fleet"
	"github.com/core-sim/core-sim/internal/digits"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/scenarios"
)

// The books the compact PDP events name their subjects by give every
// subscriber of every profile the subject the platform's inventory gives
// (Lookup, through platform.Subject): same ids, names, ICCID, MSISDN, IMEI.
func TestBooksGiveTheInventorysSubjects(t *testing.T) {
	sc, err := scenarios.Parse("books.yaml", []byte(booksYAML))
	if err != nil {
		t.Fatal(err)
	}
	plat := inventoryOf(t, sc)
	n := 0
	for _, subs := range sc.Subscribers() {
		for i := range subs.Count {
			imsi := addDigits(t, subs.FirstIMSI, i)
			ref := plat.SubjectRef(imsi)
			if ref.Book == nil {
				t.Fatalf("IMSI %s: no book", imsi)
			}
			ref.IP = netip.MustParseAddr("10.0.0.1")
			got := ref.Subject(imsi, "", plat.Provisioned())
			want := plat.Subject(imsi, "")
			want.Resolve(&events.Event{Endpoint: want.Endpoint, SIM: want.SIM, IMSI: want.IMSI})
			want.Endpoint.IP = ref.IP
			if *got.Endpoint != *want.Endpoint || *got.SIM != *want.SIM || *got.IMSI != *want.IMSI {
				t.Fatalf("IMSI %s: book gives\n%+v %+v %+v\ninventory gives\n%+v %+v %+v", imsi,
					*got.Endpoint, *got.SIM, *got.IMSI, *want.Endpoint, *want.SIM, *want.IMSI)
			}
			n++
		}
	}
	if n != 40*2+7*2 {
		t.Fatalf("%d subscribers checked", n)
	}
	if ref := plat.SubjectRef("001019999999999"); ref.Book != nil {
		t.Fatalf("an unknown IMSI has a book: %+v", ref)
	}
}

// A fleet device's identifiers are the ones its subject's book derives
// (events.SubjectRef.Derive), so that the encoder writes them from the
// book: the IMSI of every profile, the IMEI of the fleet's range, or the
// one derived from the first profile's IMSI for that IMSI's book only.
func TestBooksDeriveTheDevicesIdentifiers(t *testing.T) {
	sc, err := scenarios.Parse("books.yaml", []byte(booksYAML))
	if err != nil {
		t.Fatal(err)
	}
	plat := inventoryOf(t, sc)
	n := 0
	for _, d := range fleet.Devices(sc) {
		for k, imsi := range d.IMSIs() {
			ref := plat.SubjectRef(imsi)
			got, sv := ref.Derive(imsi, d.IMEI(), d.IMEISV())
			want := events.DerivedIMSI | events.DerivedIMEI | events.DerivedIMEISV
			if d.Fleet.Name == "a" {
				want = events.DerivedIMSI | events.DerivedIMEIOfIMSI | events.DerivedIMEISV
				if k != 0 {
					want = events.DerivedIMSI
				}
			}
			if got != want || (want&events.DerivedIMEISV != 0 && sv != 1) {
				t.Fatalf("device %d of fleet %s, IMSI %s, IMEI %s, IMEISV %s: derived %04b software version %d, want %04b",
					d.Index, d.Fleet.Name, imsi, d.IMEI(), d.IMEISV(), got, sv, want)
			}
			n++
		}
	}
	if n != 40*2+7*2 {
		t.Fatalf("%d identifiers checked", n)
	}
}

// booksYAML has two fleets of a dual-profile SIM: one with no IMEI range
// (its devices' IMEIs derived from the first profile's IMSI), one with.
const booksYAML = `
name: books
duration: 1h
home_networks:
  - {name: LI, plmn: "29505"}
  - {name: NL, plmn: "20408"}
sims:
  - {name: dual, profiles: [LI, NL], preferred: {DE: NL}, default: LI}
fleets:
  - name: a
    count: 40
    sim: dual
    imsi: {LI: "295050900000001", NL: "204089900000001"}
    iccid: "8942310000000000016"
    msisdn: "423660000001"
    endpoint_id: 500
    endpoint_name: "trk-{n}-{imsi}-<{msisdn}>"
    itinerary: [{at: 0s, country: DE}]
  - name: b
    count: 7
    sim: dual
    imsi: {LI: "295050900000101", NL: "204089900000101"}
    iccid: "8942310000000001016"
    msisdn: "423660000101"
    imei: "355050000000101"
    endpoint_id: 900
    itinerary: [{at: 0s, country: DE}]
`

func addDigits(t *testing.T, first string, n int) string {
	t.Helper()
	b := []byte(first)
	if digits.Add(b, uint64(n)) != 0 {
		t.Fatalf("%s + %d needs more digits", first, n)
	}
	return string(b)
}

// The endpoint a device's session hints ahead of its events
// (Device.EndpointID, fleet.device.Warm) is the one its events are about,
// for every profile's IMSI of every device of the default scenario.
func TestDevicesHintTheirEventsEndpoint(t *testing.T) {
	sc, err := scenarios.Default()
	if err != nil {
		t.Fatal(err)
	}
	plat := inventoryOf(t, sc)
	n := 0
	for _, d := range fleet.Devices(sc) {
		for _, imsi := range d.IMSIs() {
			ref := plat.SubjectRef(imsi)
			if ref.Book == nil {
				continue // an IMSI the platform does not know: its events have no endpoint
			}
			if got, hint := ref.EndpointID(), d.EndpointID(); got != hint {
				t.Fatalf("device %d of fleet %s, IMSI %s: events about endpoint %d, the hint is for %d", d.Index, d.Fleet.Name, imsi, got, hint)
			}
			n++
		}
	}
	if n < 100 {
		t.Fatalf("only %d known IMSIs checked", n)
	}
}

// inventoryOf is a platform with the scenario's inventory, as run builds it.
func inventoryOf(t *testing.T, sc *scenarios.Scenario) *platform.Platform {
	t.Helper()
	store, err := newStore(sc)
	if err != nil {
		t.Fatal(err)
	}
	return &platform.Platform{Inventory: store}
}

package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/core-sim/core-sim/sink"
)

// keptStream is a stream that keeps the endpoints' addresses, writing its
// events to ev and, with usage, its usage records to us; observe, if set,
// is its observer.
func keptStream(ev, us *bytes.Buffer, usage bool, observe func(*Event)) *Stream {
	targets := []sink.Target{{Spec: sink.Spec{Raw: "events", Kind: "writer", Stream: sink.KindEvent}, Sink: sink.NewWriter("events", ev)}}
	if usage {
		targets = append(targets, sink.Target{Spec: sink.Spec{Raw: "usage", Kind: "writer", Stream: sink.KindUsage}, Sink: sink.NewWriter("usage", us)})
	}
	s := NewStreamTo(sink.Start(targets, sink.Options{}), Format{})
	if observe != nil {
		s.Observe(observe)
	}
	s.KeepAddresses()
	return s
}

// keptEvents emits the same random mix into s: compact Creates and
// Deletes of booked endpoints, full events of the same endpoints (Update
// location, accepted and rejected Creates with addresses of every kind),
// events about unknown IMSIs, and (usage) a usage record after some.
// Every address the makers put on the events is wrong on purpose: the
// stream must write its own.
func keptEvents(t *testing.T, s *Stream, usage bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 9))
	n := testPDPNode("")
	book := testBook("device-")
	wrong := netip.MustParseAddr("192.0.2.66")
	addrs := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::7"),
		netip.MustParseAddr("0.0.0.0"), {}, netip.MustParseAddr("10.255.255.254")}
	for i := range 3000 {
		id := r.IntN(20) // endpoints 100..119
		subject := func() Subject {
			ep := Endpoint{ID: 100 + int64(id), Name: "d", IMEI: "1", IP: wrong}
			if i%3 == 0 { // spelled by its maker
				ip := wrong.String()
				ep.IPAddress = &ip
			}
			return KnownSubject(ep, SIM{ID: 1, ICCID: "8942310000000000016", MSISDN: "1"}, IMSI{ID: 1, IMSI: "295050900000007"})
		}
		var err error
		switch k := r.IntN(10); {
		case k < 5:
			p := &PDPEvent{Type: TypeCreatePDPContext, At: int64(i) * 1e9, Facts: testPDPFacts(n, ""),
				Subject: SubjectRef{Book: book, I: uint64(id), IP: wrong}}
			p.Facts.UEIP = addrs[r.IntN(len(addrs))]
			if k >= 3 {
				p.Type, p.Rx, p.Tx = TypeDeletePDPContext, 10, 20
			}
			err = s.EmitPDP(p)
		case k < 7:
			err = s.Emit(UpdateLocation(Facts{At: time.Unix(int64(i), 0), Subject: subject()}, testOperator, "4917"))
		case k < 8:
			sess := realisticSession()
			sess.Context.UEIPAddress = ""
			sess.Context.UEIP = addrs[r.IntN(len(addrs))]
			if r.IntN(2) == 0 { // spelled by its maker
				sess.Context.UEIP, sess.Context.UEIPAddress = netip.Addr{}, netip.MustParseAddr("10.9.9.9").String()
			}
			err = s.Emit(CreatePDPContext(Facts{At: time.Unix(int64(i), 0), Subject: subject()}, testOperator, sess))
		case k < 9:
			err = s.Emit(CreatePDPContextRejected(Facts{At: time.Unix(int64(i), 0), Subject: subject()}, "wrong APN", "GTP cause 219"))
		default:
			err = s.Emit(UpdateLocation(Facts{At: time.Unix(int64(i), 0), Subject: Subject{IMSI: &IMSI{IMSI: "999"}}}, testOperator, "4917"))
		}
		if err != nil {
			t.Fatal(err)
		}
		if usage && i%5 == 0 {
			u := NewUsage(Facts{At: time.Unix(int64(i), 0), Subject: subject()}, testOperator, realisticSession(), time.Unix(0, 0), time.Unix(1, 0), 1, 2)
			if err := s.EmitUsage(u); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// A stream that keeps the addresses writes, on every event of an
// endpoint, the UE address of that endpoint's last accepted Create (null
// before one), whatever the event's maker put there; and it writes the
// same whether it keeps them on the encoder or as events are emitted (an
// observer, usage records), where the observer sees them too.
func TestStreamKeepsAddresses(t *testing.T) {
	var outs [3]bytes.Buffer
	var usage bytes.Buffer
	keptEvents(t, keptStream(&outs[0], nil, false, nil), false)
	var seen []string
	keptEvents(t, keptStream(&outs[1], nil, false, func(e *Event) {
		ip := "null"
		if e.Endpoint != nil && e.Endpoint.IP.IsValid() {
			ip = e.Endpoint.IP.String()
		}
		seen = append(seen, ip)
	}), false)
	keptEvents(t, keptStream(&outs[2], &usage, true, nil), true)
	for i := 1; i < 3; i++ {
		if !bytes.Equal(outs[0].Bytes(), outs[i].Bytes()) {
			t.Fatalf("stream %d writes other events than the one keeping addresses on its encoder, from byte %d", i, firstDiff(outs[0].Bytes(), outs[i].Bytes()))
		}
	}
	// The rule, on what was written.
	last := map[int64]string{}
	creates, nulls, n := 0, 0, 0
	sc := bufio.NewScanner(&outs[0])
	sc.Buffer(nil, 1<<20)
	var want []string // the address of each event's endpoint when it was written
	for sc.Scan() {
		var ev struct {
			EventType struct{ ID int } `json:"event_type"`
			Endpoint  *struct {
				ID int64   `json:"id"`
				IP *string `json:"ip_address"`
			} `json:"endpoint"`
			Detail *struct {
				PDP *struct {
					UEIP string `json:"ue_ip_address"`
				} `json:"pdp_context"`
			} `json:"detail"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if ev.Endpoint == nil {
			want = append(want, "null")
			continue
		}
		if ev.EventType.ID == int(TypeCreatePDPContext) && ev.Detail != nil && ev.Detail.PDP != nil {
			creates++
			last[ev.Endpoint.ID] = ev.Detail.PDP.UEIP
			if ev.Detail.PDP.UEIP == "" {
				last[ev.Endpoint.ID] = "null"
			}
		}
		got := "null"
		if ev.Endpoint.IP != nil {
			got = *ev.Endpoint.IP
		}
		w, ok := last[ev.Endpoint.ID]
		if !ok {
			w = "null"
		}
		if got != w {
			t.Fatalf("event %d, endpoint %d: ip_address %s, want %s (its last Create's)", n, ev.Endpoint.ID, got, w)
		}
		if got == "null" {
			nulls++
		}
		want = append(want, got)
	}
	if n != 3000 || creates < 1000 || nulls == 0 || nulls == n {
		t.Fatalf("%d events, %d accepted Creates, %d null addresses: the mix tests too little", n, creates, nulls)
	}
	if len(seen) != n {
		t.Fatalf("the observer saw %d events of %d", len(seen), n)
	}
	for i := range seen {
		if seen[i] != want[i] {
			t.Fatalf("the observer saw event %d with address %s, written %s", i+1, seen[i], want[i])
		}
	}
	// Usage records: each carries its endpoint's address at the time.
	recs := bytes.Count(usage.Bytes(), []byte("\n"))
	if recs != 600 || bytes.Contains(usage.Bytes(), []byte("192.0.2.66")) {
		t.Fatalf("%d usage records, the maker's wrong address in them: %v", recs, bytes.Contains(usage.Bytes(), []byte("192.0.2.66")))
	}
}

// A stream that does not keep addresses writes what the events' makers
// gave them.
func TestStreamWithoutKeepingWritesTheMakersAddress(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(&out)
	f := realisticFacts()
	f.Subject.Endpoint.IPAddress, f.Subject.Endpoint.IP = nil, netip.MustParseAddr("192.0.2.66")
	if err := s.Emit(UpdateLocation(f, testOperator, "4917")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out.Bytes(), []byte(`"ip_address":"192.0.2.66"`)) {
		t.Fatalf("the maker's address is gone: %s", out.Bytes())
	}
}

// Observe after the stream began keeping addresses on its encoder is a
// mistake the stream names.
func TestObserveAfterKeepAddressesPanics(t *testing.T) {
	s := NewStream(&bytes.Buffer{})
	defer s.Close()
	s.KeepAddresses()
	defer func() {
		if recover() == nil {
			t.Fatal("Observe after KeepAddresses did not panic")
		}
	}()
	s.Observe(func(*Event) {})
}

package events

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testBook is a range of subscribers named by a pattern with the 1-based
// index in it, as the platform's inventory names them.
func testBook(name string) *SubjectBook {
	return &SubjectBook{FirstEndpointID: 100, FirstSIMID: 200, FirstIMSIID: 3_000_001,
		FirstICCID: "8942310000000000016", FirstMSISDN: "423660000001", FirstIMEI: "355050000000001",
		Name: func(b []byte, i uint64) []byte {
			b = append(b, name...)
			return strconv.AppendUint(b, i+1, 10)
		}}
}

func testPDPNode(s string) *PDPNode {
	base := realisticSession().Context
	base.PDPContextID, base.TunnelCreated, base.UEIPAddress, base.APN, base.NSAPI = 0, "", "", "", 0
	base.IMSI, base.IMEISV, base.LAC, base.CI, base.RATType = "", "", 0, nil, 0
	base.GGSNControlPlaneIPAddress, base.GGSNDataPlaneIPAddress = "", ""
	base.TxTEIDControlPlane, base.TxTEIDDataPlane, base.RxTEID = 0, 0, 0
	n := &PDPNode{Org: Organisation{ID: 4711, Name: "Acme"}, Operator: testOperator, Base: base,
		Provisioned: "2025-06-01T00:00:00.000Z"}
	if s != "" {
		n.Org.Name, n.Operator, n.Provisioned = s, nastyOperator(s), s
		for _, p := range []*string{&n.Base.MCC, &n.Base.MNC, &n.Base.SGSNControlPlaneIPAddress, &n.Base.SGSNDataPlaneIPAddress,
			&n.Base.BreakoutIP, &n.Base.Region, &n.Base.OperatorID, &n.Base.TariffProfileID, &n.Base.RatezoneID, &n.Base.TariffID} {
			*p = s
		}
		n.Base.SAC, n.Base.RAC, n.Base.GTPVersion = intp(-3), intp(77), 2
	}
	return n
}

func testPDPFacts(n *PDPNode, s string) *PDPFacts {
	f := &PDPFacts{Node: n, ID: 42, Created: time.Date(2026, 11, 26, 10, 40, 1, 999e6, time.UTC).UnixNano(),
		UEIP: netip.MustParseAddr("10.192.0.9"), GGSNControl: netip.MustParseAddr("127.0.0.20"),
		GGSNUser: netip.MustParseAddr("127.0.0.21"), TEIDControl: 1, TEIDData: 2, RxTEID: 1<<31 | 1,
		NSAPI: 5, RATType: 1, LAC: 1234, CI: 40001, APN: "em", IMSI: "295050900000007", IMEI: "355050000000007",
		IMEISV: "3550500000000701"}
	if s != "" {
		f.APN, f.IMSI, f.IMEI, f.IMEISV = s, s, s, s
	}
	return f
}

// samePDPAsEncodingJSON fails t unless the compact event writes what
// encoding/json writes of the event it stands for.
func samePDPAsEncodingJSON(t *testing.T, p *PDPEvent, id int64) {
	t.Helper()
	got := p.appendJSON(nil, id, new(pdpClocks))
	e := p.Event()
	e.ID = id
	want, err := json.Marshal(spelled(e))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("compact event differs from encoding/json at byte %d:\nencoding/json: %s\ncompact:       %s",
			firstDiff(got, want), want, got)
	}
	if e.Status != p.Status() || e.Type != p.Type {
		t.Fatalf("event: type %v status %v, compact: type %v status %v", e.Type, e.Status, p.Type, p.Status())
	}
}

func TestPDPEventWritesWhatItsEventWrites(t *testing.T) {
	at := time.Date(2026, 11, 26, 10, 42, 58, 123e6, time.UTC).UnixNano()
	for _, s := range nastyStrings {
		n := testPDPNode(s)
		for _, typ := range []Type{TypeCreatePDPContext, TypeDeletePDPContext} {
			for _, subj := range []SubjectRef{
				{Book: testBook("device-"), I: 6, IP: netip.MustParseAddr("10.192.0.9")},
				{Book: testBook(s), I: 0},
				{Book: &SubjectBook{FirstEndpointID: 1, FirstSIMID: 1, FirstIMSIID: 1, FirstICCID: "", FirstMSISDN: "0", FirstIMEI: "9"}, I: 9,
					IP: netip.MustParseAddr("2001:db8::1")},
				{}, // an IMSI the platform does not know
			} {
				f := testPDPFacts(n, s)
				samePDPAsEncodingJSON(t, &PDPEvent{Type: typ, At: at, Facts: f, Subject: subj, Rx: 1234567, Tx: -1}, 7)
			}
		}
	}
	// Addresses of every kind, ids at their edges, the device's IMEI left
	// to the inventory.
	n := testPDPNode("")
	f := testPDPFacts(n, "")
	f.ID, f.IMEI, f.UEIP, f.GGSNControl, f.GGSNUser = 0, "", netip.Addr{}, netip.MustParseAddr("fe80::1%eth0"), netip.Addr{}
	f.TEIDControl, f.TEIDData, f.RxTEID, f.LAC, f.CI = math.MaxUint32, 0, 0, -1, math.MaxInt32
	samePDPAsEncodingJSON(t, &PDPEvent{Type: TypeDeletePDPContext, At: 0, Facts: f, Subject: SubjectRef{Book: testBook("x")},
		Rx: math.MaxInt64 / 2, Tx: math.MaxInt64 / 2}, math.MaxInt64)
}

// What the compact event stands for is what the stream writes of it,
// whether written compact, observed, or respelled in another format;
// and its statuses are the event's.
func TestStreamWritesPDPEventsAsTheirEvents(t *testing.T) {
	for _, f := range []Format{{}, {Timestamps: "mixed", Severities: "mixed", Mix: 0.5, Seed: 3}} {
		for _, observed := range []bool{false, true} {
			var compact, full bytes.Buffer
			s := NewStreamTo(NewStream(&compact).out, f)
			w := NewStreamTo(NewStream(&full).out, f)
			var seen []*Event
			if observed {
				s.Observe(func(e *Event) { seen = append(seen, e) })
			}
			r := rand.New(rand.NewPCG(1, 2))
			n := testPDPNode("")
			book := testBook("device-")
			for i := range 2000 {
				p := &PDPEvent{Type: TypeCreatePDPContext, At: int64(i) * 1e9, Facts: testPDPFacts(n, ""),
					Subject: SubjectRef{Book: book, I: uint64(r.IntN(50)), IP: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})}}
				p.Facts.ID = int64(i + 1)
				if i%2 == 1 {
					p.Type, p.Rx, p.Tx = TypeDeletePDPContext, Bytes(r.Int64N(1e9)), Bytes(i)
				}
				if i%7 == 0 {
					p.Subject = SubjectRef{}
				}
				if err := s.EmitPDP(p); err != nil {
					t.Fatal(err)
				}
				if err := w.Emit(p.Event()); err != nil {
					t.Fatal(err)
				}
				if i%100 == 0 { // an Event between compact ones keeps its place
					if err := s.Emit(PurgeLocation(realisticFacts())); err != nil {
						t.Fatal(err)
					}
					if err := w.Emit(PurgeLocation(realisticFacts())); err != nil {
						t.Fatal(err)
					}
				}
			}
			if observed && len(seen) != 2000+20 {
				t.Fatalf("observed %d events, want 2020", len(seen))
			}
			sc, wc := s.Statuses.Count(), w.Statuses.Count()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if compact.Len() == 0 || !bytes.Equal(compact.Bytes(), full.Bytes()) {
				t.Fatalf("format %+v, observed %v: differ at byte %d", f, observed, firstDiff(compact.Bytes(), full.Bytes()))
			}
			if len(sc) == 0 || len(sc) != len(wc) || sc[StatusOnline] != wc[StatusOnline] || sc[StatusAttached] != wc[StatusAttached] {
				t.Fatalf("statuses %v, want %v", sc, wc)
			}
			if got, want := s.Summary(50), w.Summary(50); got.String() != want.String() {
				t.Fatalf("summary:\n%s\nwant:\n%s", got, want)
			}
		}
	}
}

func TestStreamRefusesUnwritablePDPVolumes(t *testing.T) {
	for _, v := range [][2]Bytes{{math.MinInt64, 0}, {0, math.MinInt64}, {math.MinInt64 + 5, -5}} {
		var buf bytes.Buffer
		s := NewStream(&buf)
		p := &PDPEvent{Type: TypeDeletePDPContext, Facts: testPDPFacts(testPDPNode(""), ""), Rx: v[0], Tx: v[1]}
		if err := s.EmitPDP(p); err == nil || !strings.Contains(err.Error(), "volume") {
			t.Fatalf("%v: EmitPDP: %v, want the volume refused", v, err)
		}
		_ = s.Close()
		if buf.Len() != 0 {
			t.Fatalf("stream wrote %q", buf.String())
		}
	}
}

func TestPDPEventAppendDoesNotAllocate(t *testing.T) {
	p := &PDPEvent{Type: TypeDeletePDPContext, At: 1e18, Facts: testPDPFacts(testPDPNode(""), ""),
		Subject: SubjectRef{Book: testBook("device-"), I: 12, IP: netip.MustParseAddr("10.1.2.3")}, Rx: 5, Tx: 6}
	buf := make([]byte, 0, 64<<10)
	var c pdpClocks
	buf = p.appendJSON(buf, 1, &c)
	if n := testing.AllocsPerRun(100, func() { buf = p.appendJSON(buf[:0], 1, &c) }); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}

func FuzzPDPEventMatchesEncodingJSON(f *testing.F) {
	f.Add("em", "295050900000007", "device-", uint64(3), int64(42), int64(1e18), int64(5), int64(6), uint32(1), true, []byte{10, 0, 0, 1})
	for i, s := range nastyStrings[:len(nastyStrings)-1] {
		f.Add(s, s, s, uint64(i), int64(-i), int64(i)*1e15, int64(i)*999999, int64(-i), uint32(math.MaxUint32-i), i%2 == 0, []byte(s))
	}
	f.Fuzz(func(t *testing.T, apn, imsi, name string, i uint64, id, at, rx, tx int64, teid uint32, del bool, ip []byte) {
		if Bytes(rx) == math.MinInt64 || Bytes(tx) == math.MinInt64 || Bytes(rx+tx) == math.MinInt64 || i > 1e12 {
			t.Skip()
		}
		n := testPDPNode(name)
		fa := testPDPFacts(n, "")
		fa.APN, fa.IMSI, fa.IMEISV, fa.ID, fa.Created, fa.TEIDControl = apn, imsi, name, id, at/3, teid
		if a, ok := netip.AddrFromSlice(ip); ok {
			fa.UEIP, fa.GGSNUser = a, a
		}
		p := &PDPEvent{Type: TypeCreatePDPContext, At: at, Facts: fa, Subject: SubjectRef{Book: testBook(name), I: i, IP: fa.UEIP}}
		if del {
			p.Type, p.Rx, p.Tx = TypeDeletePDPContext, Bytes(rx), Bytes(tx)
		}
		if teid%5 == 0 {
			p.Subject.Book = nil
		}
		samePDPAsEncodingJSON(t, p, id)
	})
}

func BenchmarkPDPEventAppend(b *testing.B) {
	p := &PDPEvent{Type: TypeCreatePDPContext, At: 1.8e18, Facts: testPDPFacts(testPDPNode(""), ""),
		Subject: SubjectRef{Book: testBook("device-"), I: 12, IP: netip.MustParseAddr("10.1.2.3")}}
	buf := make([]byte, 0, 4096)
	var c pdpClocks
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.At += 45e6 // a new second every 22 events, as in 10,000 devices' steady state
		buf = p.appendJSON(buf[:0], int64(i), &c)
	}
	b.SetBytes(int64(len(buf)))
}

// The hand-written spellings write what the general ones write.
func TestSpellingsMatchTheGeneralOnes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	times := []int64{0, -1, 1, math.MinInt64, math.MaxInt64, 951782400e9 - 1, 951782400e9, 4107542399e9 + 999e6,
		time.Date(2026, 2, 28, 23, 59, 59, 999999999, time.UTC).UnixNano(), time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC).UnixNano(),
		time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC).UnixNano(), time.Date(2100, 2, 28, 0, 0, 0, 1, time.UTC).UnixNano()}
	for range 100000 {
		times = append(times, int64(r.Uint64()))
	}
	for _, ns := range times {
		for _, milli := range []bool{true, false} {
			layout := tunnelLayout
			if milli {
				layout = TimestampLayout
			}
			if got, want := new(secondCache).appendUnixTime(nil, ns, milli), appendTime(nil, time.Unix(0, ns), layout); !bytes.Equal(got, want) {
				t.Fatalf("%d (milli %v): %s, want %s", ns, milli, got, want)
			}
		}
	}
	for _, n := range []uint64{0, 1, math.MaxUint64, 1 << 48, 0xfff << 48} {
		if got, want := appendSessionUUIDQuoted(nil, n), `"`+SessionUUID(n)+`"`; string(got) != want {
			t.Fatalf("session %d: %s, want %s", n, got, want)
		}
	}
	for range 100000 {
		n := r.Uint64()
		if got, want := appendSessionUUIDQuoted(nil, n), `"`+SessionUUID(n)+`"`; string(got) != want {
			t.Fatalf("session %d: %s, want %s", n, got, want)
		}
		var v [4]byte
		for i := range v {
			v[i] = byte(r.Uint32())
		}
		a := netip.AddrFrom4(v)
		if got, want := appendQuotedAddr(nil, a), appendAddr(nil, a); !bytes.Equal(got, want) {
			t.Fatalf("%v: %s, want %s", a, got, want)
		}
	}
	for _, s := range []string{"0.0.0.0", "255.255.255.255", "10.0.100.9", "::1", "::ffff:10.0.0.1", "fe80::1%eth0"} {
		a := netip.MustParseAddr(s)
		if got, want := appendQuotedAddr(nil, a), appendAddr(nil, a); !bytes.Equal(got, want) {
			t.Fatalf("%v: %s, want %s", a, got, want)
		}
	}
}

// appendUint and appendInt write what strconv writes, at every length and
// around every power of ten, after what b holds.
func TestDecimalsMatchStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	vals := []uint64{0, 1, 9, 10, 11, 99, 100, math.MaxUint64, math.MaxUint64 - 1, math.MaxInt64, 1 << 63}
	for p := uint64(1); p <= 1e19; p *= 10 {
		vals = append(vals, p-1, p, p+1)
		if p == 1e19 {
			break
		}
	}
	for range 100000 {
		vals = append(vals, r.Uint64()>>r.IntN(64))
	}
	prefix := []byte("x:")
	for _, v := range vals {
		if got, want := appendUint(prefix[:2:2], v), strconv.AppendUint(prefix[:2:2], v, 10); !bytes.Equal(got, want) {
			t.Fatalf("appendUint(%d) = %s, want %s", v, got, want)
		}
		for _, s := range []int64{int64(v), -int64(v)} {
			if got, want := appendInt(prefix[:2:2], s), strconv.AppendInt(prefix[:2:2], s, 10); !bytes.Equal(got, want) {
				t.Fatalf("appendInt(%d) = %s, want %s", s, got, want)
			}
		}
	}
	if got := appendInt(nil, math.MinInt64); string(got) != "-9223372036854775808" {
		t.Fatalf("appendInt(MinInt64) = %s", got)
	}
}

// A second's cache kept from one time to the next spells what an empty one
// spells, for times in order (most in the second before), going back,
// jumping, and at the extremes.
func TestSecondCacheMatchesAppendUnixTime(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var c secondCache
	ns := int64(1.7e18)
	for i := range 300000 {
		switch k := r.IntN(100); {
		case k < 90:
			ns += r.Int64N(50e6) // mostly within the same second
		case k < 95:
			ns -= r.Int64N(3e9) // back, across seconds
		case k < 98:
			ns = int64(r.Uint64())
		default:
			ns = []int64{math.MinInt64, math.MaxInt64, -1, 0, 1, -1e9, 1e9 - 1}[r.IntN(7)]
		}
		milli := i%2 == 0
		if got, want := c.appendUnixTime([]byte("x"), ns, milli), new(secondCache).appendUnixTime([]byte("x"), ns, milli); !bytes.Equal(got, want) {
			t.Fatalf("step %d: %d (milli %v): %s, want %s", i, ns, milli, got, want)
		}
	}
}

// Derive marks an identifier derived only where the book derives exactly
// its string, and the event written from the book is the one written from
// the strings, byte for byte (and encoding/json's).
func TestDeriveWritesTheStrings(t *testing.T) {
	book := testBook("device-")
	book.FirstIMSI = "295050900000001"
	noIMEI := testBook("device-")
	noIMEI.FirstIMSI, noIMEI.FirstIMEI = "295050900000001", ""
	noIMSI := testBook("device-")
	all := DerivedIMSI | DerivedIMEI | DerivedIMEISV
	for _, c := range []struct {
		name               string
		book               *SubjectBook
		imsi, imei, imeisv string
		want               Derived
		sv                 uint8
	}{
		{"the book's", book, "295050900000007", "355050000000007", "3550500000000001", all, 1},
		{"the inventory's IMEI", book, "295050900000007", "", "3550500000000001", all, 1},
		{"software version 99", book, "295050900000007", "355050000000007", "3550500000000099", all, 99},
		{"another subscriber's IMSI", book, "295050900000008", "355050000000007", "3550500000000001", DerivedIMEI | DerivedIMEISV, 1},
		{"an IMSI of 14 digits", book, "29505090000007", "355050000000007", "3550500000000001", DerivedIMEI | DerivedIMEISV, 1},
		{"an IMSI not digits", book, "29505090000000a", "355050000000007", "3550500000000001", DerivedIMEI | DerivedIMEISV, 1},
		{"another device's IMEI", book, "295050900000007", "355050000000008", "3550500000000001", DerivedIMSI, 0},
		{"an IMEI of 14 digits", book, "295050900000007", "35505000000000", "3550500000000001", DerivedIMSI, 0},
		{"an IMEISV not digits", book, "295050900000007", "355050000000007", "355050000000000a", DerivedIMSI | DerivedIMEI, 0},
		{"another IMEI's IMEISV", book, "295050900000007", "355050000000007", "3550500000000101", DerivedIMSI | DerivedIMEI, 0},
		{"an IMEISV of 15 digits", book, "295050900000007", "355050000000007", "355050000000000", DerivedIMSI | DerivedIMEI, 0},
		{"the IMEI of the IMSI", noIMEI, "295050900000007", "355050900000007", "3550509000000001",
			DerivedIMSI | DerivedIMEIOfIMSI | DerivedIMEISV, 1},
		{"another IMEI, no range", noIMEI, "295050900000007", "355050900000008", "3550509000000001", DerivedIMSI, 0},
		{"no IMEI at all", noIMEI, "295050900000007", "", "3550509000000001", DerivedIMSI, 0},
		{"the IMEI of another IMSI", noIMEI, "295050900000008", "355050900000007", "3550509000000001", 0, 0},
		{"no IMSI range", noIMSI, "295050900000007", "355050000000007", "3550500000000001", DerivedIMEI | DerivedIMEISV, 1},
		{"an unknown IMSI", nil, "295050900000007", "355050000000007", "3550500000000001", 0, 0},
	} {
		subj := SubjectRef{Book: c.book, I: 6, IP: netip.MustParseAddr("10.1.2.3")}
		d, sv := subj.Derive(c.imsi, c.imei, c.imeisv)
		if d != c.want || sv != c.sv {
			t.Errorf("%s: derived %04b, software version %d; want %04b, %d", c.name, d, sv, c.want, c.sv)
		}
		samePDPFromBookAsFromStrings(t, c.name, subj, c.imsi, c.imei, c.imeisv)
	}
}

// samePDPFromBookAsFromStrings fails t unless the events of a context
// with these identifiers are the same written from the book (what Derive
// allows) as from the strings, and encoding/json's.
func samePDPFromBookAsFromStrings(t *testing.T, name string, subj SubjectRef, imsi, imei, imeisv string) {
	t.Helper()
	for _, typ := range []Type{TypeCreatePDPContext, TypeDeletePDPContext} {
		f := testPDPFacts(testPDPNode(""), "")
		f.IMSI, f.IMEI, f.IMEISV = imsi, imei, imeisv
		p := &PDPEvent{Type: typ, At: 1.8e18, Facts: f, Subject: subj, Rx: 5, Tx: 6}
		plain := p.appendJSON(nil, 9, new(pdpClocks))
		f.Derived, f.SV = subj.Derive(imsi, imei, imeisv)
		derived := p.appendJSON(nil, 9, new(pdpClocks))
		if !bytes.Equal(plain, derived) {
			t.Fatalf("%s (derived %04b): from the book differs at byte %d:\nstrings: %s\nbook:    %s",
				name, f.Derived, firstDiff(plain, derived), plain, derived)
		}
		samePDPAsEncodingJSON(t, p, 9)
	}
}

func FuzzDeriveWritesTheStrings(f *testing.F) {
	f.Add("295050900000001", "355050000000001", "295050900000007", "355050000000007", "3550500000000001", uint64(6))
	f.Add("295050900000001", "", "295050900000007", "355050900000007", "3550509000000001", uint64(6))
	f.Add("999999999999999", "999999999999999", "000000000000000", "000000000000000", "0000000000000099", uint64(1))
	f.Add("", "9", "", "8", "8\"", uint64(9))
	f.Fuzz(func(t *testing.T, firstIMSI, firstIMEI, imsi, imei, imeisv string, i uint64) {
		// The book's ranges are digits (its contract), as the HLR's are.
		for _, s := range []string{firstIMSI, firstIMEI} {
			for k := 0; k < len(s); k++ {
				if s[k] < '0' || s[k] > '9' {
					t.Skip()
				}
			}
		}
		if len(firstIMSI) > 19 || len(firstIMEI) > 19 || i > 1e12 {
			t.Skip()
		}
		book := testBook("device-")
		book.FirstIMSI, book.FirstIMEI = firstIMSI, firstIMEI
		samePDPFromBookAsFromStrings(t, "fuzz", SubjectRef{Book: book, I: i}, imsi, imei, imeisv)
	})
}

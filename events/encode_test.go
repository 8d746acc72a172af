package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// sameAsEncodingJSON fails t unless AppendJSON writes e exactly as
// json.Marshal does (or both refuse it), both into an empty slice and
// after a prefix.
//
// What the event's producer left unspelled (Event.Materialize) the encoder
// spells itself: it is compared with encoding/json of the spelled event.
func sameAsEncodingJSON(t *testing.T, e *Event) {
	t.Helper()
	got, gerr := appendEvent(nil, e)
	e.Materialize()
	want, werr := json.Marshal(e)
	if werr != nil || gerr != nil {
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			t.Fatalf("errors differ:\nencoding/json: %v\nAppendJSON:    %v", werr, gerr)
		}
		if b := AppendJSON([]byte("prefix"), e); string(b) != "prefix" {
			t.Fatalf("AppendJSON of an unencodable event changed dst: %q", b)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON differs from encoding/json at byte %d:\nencoding/json: %s\nAppendJSON:    %s",
			firstDiff(got, want), want, got)
	}
	prefixed := AppendJSON([]byte("prefix"), e)
	if !bytes.HasPrefix(prefixed, []byte("prefix")) || !bytes.Equal(prefixed[len("prefix"):], want) {
		t.Fatalf("AppendJSON after a prefix: %s", prefixed)
	}
}

// spelled is a copy of e with what its producer left unspelled spelled
// (Event.Materialize), for encoding/json; e itself is left as it is.
func spelled(e *Event) *Event {
	c := *e
	if e.Endpoint != nil {
		ep := *e.Endpoint
		c.Endpoint = &ep
	}
	if d, ok := e.Detail.(*PDPDetail); ok && d != nil {
		dc := *d
		c.Detail = &dc
	}
	c.Materialize()
	return &c
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Strings that exercise every branch of encoding/json's string escaping.
var nastyStrings = []string{
	"",
	"plain ascii",
	`quote " and backslash \ and slash /`,
	"controls \x00\x01\x07\b\f\n\r\t\v\x1b\x1f and DEL \x7f",
	"<script>alert('x')</script> & &amp;",
	"unicode Ünïcødé 日本語 🚀 \u00a0",
	"separators \u2028 and \u2029 and \u2027\u202a",
	"invalid \xff\xfe utf-8 \xc3( end",
	"surrogate half \xed\xa0\x80 and real U+FFFD \xef\xbf\xbd",
	"truncated at the end \xe6\x97",
	"\x80",
	strings.Repeat("long <&> \u2028 ü ", 200),
}

func intp(v int) *int       { return &v }
func strp(s string) *string { return &s }

func realisticFacts() Facts {
	f := testFacts()
	f.At = time.Date(2026, 11, 26, 10, 42, 58, 123e6, time.UTC)
	f.Organisation = Organisation{ID: 4711, Name: "Acme Tracking GmbH"}
	return f
}

func realisticSession() PDPSession {
	return PDPSession{
		SessionID: "01635f55-58ff-4c2e-8000-000000000001",
		Context: PDPContext{
			PDPContextID: 1, TunnelCreated: "2026-11-26T10:42:58", GTPVersion: 1,
			UEIPAddress: "10.192.0.1", APN: "em", NSAPI: 5, IMSI: "295050900000007",
			IMEISV: "3569380356438091", MCC: "262", MNC: "01", LAC: 1234, CI: intp(40001),
			RATType: 1, SGSNControlPlaneIPAddress: "212.23.97.1", SGSNDataPlaneIPAddress: "212.23.97.2",
			GGSNControlPlaneIPAddress: "195.226.111.1", GGSNDataPlaneIPAddress: "195.226.111.2",
			TxTEIDControlPlane: 0x1001, TxTEIDDataPlane: 0x2001, RxTEID: 0x3001,
			BreakoutIP: "52.28.13.99", Region: "eu-west-1", OperatorID: "2",
			TariffProfileID: "1", RatezoneID: "3", TariffID: "4",
		},
	}
}

// nasty puts s into every string the constructors take.
func nastyFacts(s string) Facts {
	f := realisticFacts()
	f.Organisation.Name = s
	f.Subject = Subject{
		Endpoint: &Endpoint{ID: 7, Name: s, IMEI: s, IPAddress: strp(s), Tags: strp(s)},
		SIM:      &SIM{ID: 7, ICCID: s, ProductionDate: s, MSISDN: s},
		IMSI:     &IMSI{ID: 7, IMSI: s, ImportDate: s},
	}
	return f
}

func nastyOperator(s string) Operator {
	return Operator{ID: 2, Name: s, Country: Country{ID: 276, Name: s, CountryCode: s, MCC: s, ISOCode: s},
		TapCodes: []TapCode{{ID: 1, TapCode: s}, {ID: 2, TapCode: "DEUD1"}}, MNCs: []MNC{{ID: 3, MNC: s}}}
}

func nastySession(s string) PDPSession {
	p := realisticSession()
	c := &p.Context
	p.SessionID = s
	for _, f := range []*string{&c.TunnelCreated, &c.UEIPAddress, &c.APN, &c.IMSI, &c.IMEISV, &c.MCC, &c.MNC,
		&c.SGSNControlPlaneIPAddress, &c.SGSNDataPlaneIPAddress, &c.GGSNControlPlaneIPAddress,
		&c.GGSNDataPlaneIPAddress, &c.BreakoutIP, &c.Region, &c.OperatorID, &c.TariffProfileID,
		&c.RatezoneID, &c.TariffID} {
		*f = s
	}
	return p
}

// allConstructors builds one event with each constructor of build.go.
func allConstructors(f Facts, op Operator, s PDPSession, str string, rx, tx Bytes) map[string]*Event {
	return map[string]*Event{
		"UpdateLocation":                  UpdateLocation(f, op, str),
		"UpdateGPRSLocation":              UpdateGPRSLocation(f, op, str, str, str),
		"LocationRejected/VLR/policy":     LocationRejected(f, TypeUpdateLocation, op, str, str, str, true, true),
		"LocationRejected/SGSN/network":   LocationRejected(f, TypeUpdateGPRSLocation, op, str, str, str, false, false),
		"CreatePDPContext":                CreatePDPContext(f, op, s),
		"CreatePDPContextRejected":        CreatePDPContextRejected(f, str, str),
		"DeletePDPContext":                DeletePDPContext(f, op, s, rx, tx),
		"PurgeLocation":                   PurgeLocation(f),
		"PurgeGPRSLocation":               PurgeGPRSLocation(f),
		"LocationRejected/unknown-source": LocationRejected(f, Type(99), op, str, str, str, false, false),
	}
}

func TestAppendJSONMatchesEncodingJSONForConstructors(t *testing.T) {
	type variant struct {
		name    string
		f       Facts
		op      Operator
		s       PDPSession
		str     string
		rx, tx  Bytes
		mutates func(*Event)
	}
	var variants []variant
	variants = append(variants, variant{name: "realistic", f: realisticFacts(), op: testOperator,
		s: realisticSession(), str: "4917010000001", rx: 1500000, tx: 250})
	for i, s := range nastyStrings {
		variants = append(variants, variant{name: fmt.Sprintf("nasty%d", i), f: nastyFacts(s), op: nastyOperator(s),
			s: nastySession(s), str: s, rx: 123, tx: 456789})
	}

	zero := variant{name: "zero values"} // zero Facts: nil subject, zero time, zero operator
	unknownIMSI := variant{name: "unknown IMSI", f: realisticFacts(), op: testOperator, s: realisticSession(), str: "x"}
	unknownIMSI.f.Subject.Endpoint, unknownIMSI.f.Subject.SIM = nil, nil
	noIP := variant{name: "endpoint without ip or tags", f: realisticFacts(), op: testOperator, s: realisticSession()}
	noIP.f.Subject.Endpoint = &Endpoint{ID: 1}
	emptySlices := variant{name: "empty tapcode and mnc", f: realisticFacts(), s: realisticSession(),
		op: Operator{TapCodes: []TapCode{}, MNCs: []MNC{}}}

	extremes := variant{name: "extreme numbers", f: realisticFacts(), op: testOperator, s: realisticSession(),
		rx: math.MaxInt64 / 2, tx: math.MaxInt64 / 2}
	extremes.f.Organisation.ID = math.MinInt64
	extremes.f.Subject.Endpoint.ID = math.MaxInt64
	extremes.f.Subject.SIM.ID = -1
	extremes.op.ID, extremes.op.Country.ID = math.MinInt, math.MaxInt
	extremes.op.TapCodes = []TapCode{{ID: -1}, {ID: math.MaxInt}}
	extremes.op.MNCs = []MNC{{ID: math.MinInt}}
	c := &extremes.s.Context
	c.PDPContextID, c.GTPVersion, c.NSAPI, c.LAC, c.RATType = math.MinInt64, -1, math.MaxInt, math.MinInt, -7
	c.CI, c.SAC, c.RAC = intp(math.MinInt), intp(0), intp(-1)
	c.TxTEIDControlPlane, c.TxTEIDDataPlane, c.RxTEID = math.MaxUint32, 0, 1<<31

	variants = append(variants, zero, unknownIMSI, noIP, emptySlices, extremes)
	for _, vol := range [][2]Bytes{{0, 0}, {1, 0}, {999999, 1}, {1000000, 0}, {-1, 0}, {-1500250, 0},
		{-1000000, -999999}, {math.MaxInt64, 0}, {math.MinInt64 + 1, 0}, {math.MaxInt64, 1} /* total overflows */} {
		variants = append(variants, variant{name: fmt.Sprintf("volume %d+%d", vol[0], vol[1]),
			f: realisticFacts(), op: testOperator, s: realisticSession(), rx: vol[0], tx: vol[1]})
	}

	for _, v := range variants {
		for name, e := range allConstructors(v.f, v.op, v.s, v.str, v.rx, v.tx) {
			t.Run(v.name+"/"+name, func(t *testing.T) {
				e.ID = 42
				sameAsEncodingJSON(t, e)
			})
		}
	}
}

func TestAppendJSONDetailAndOptionalFields(t *testing.T) {
	base := func() *Event { return CreatePDPContext(realisticFacts(), testOperator, realisticSession()) }
	loc := UpdateLocation(realisticFacts(), testOperator, "1").Detail.(*LocationDetail)
	pdp := DeletePDPContext(realisticFacts(), testOperator, realisticSession(), 5, 6).Detail.(*PDPDetail)
	cases := []struct {
		name    string
		mutate  func(*Event)
		wantErr bool
	}{
		{name: "nil event", mutate: nil},
		{name: "user present", mutate: func(e *Event) { e.User = &User{ID: 9, Name: "Ada <admin>", Username: "ada@example.com"} }},
		{name: "user zero", mutate: func(e *Event) { e.User = &User{} }},
		{name: "no detail", mutate: func(e *Event) { e.Detail = nil }},
		{name: "typed nil location detail", mutate: func(e *Event) { e.Detail = (*LocationDetail)(nil) }},
		{name: "typed nil pdp detail", mutate: func(e *Event) { e.Detail = (*PDPDetail)(nil) }},
		{name: "location detail value", mutate: func(e *Event) { e.Detail = *loc }},
		{name: "pdp detail value", mutate: func(e *Event) { e.Detail = *pdp }},
		{name: "zero location detail", mutate: func(e *Event) { e.Detail = &LocationDetail{} }},
		{name: "zero pdp detail", mutate: func(e *Event) { e.Detail = &PDPDetail{} }},
		{name: "zero volume", mutate: func(e *Event) { e.Detail = &PDPDetail{Volume: &Volume{}} }},
		{name: "other detail: map", mutate: func(e *Event) { e.Detail = map[string]any{"z": 1, "a": "<&>", "m": nil} }},
		{name: "other detail: string", mutate: func(e *Event) { e.Detail = "\u2028<x>\xff" }},
		{name: "other detail: float", mutate: func(e *Event) { e.Detail = 1e21 }},
		{name: "other detail: volume", mutate: func(e *Event) { e.Detail = &Volume{Total: 1, Rx: -2} }},
		{name: "other detail: typed nil", mutate: func(e *Event) { e.Detail = (*Volume)(nil) }},
		{name: "other detail: raw message", mutate: func(e *Event) { e.Detail = json.RawMessage(` { "a" : [1, 2] } `) }},
		{name: "other detail: marshaler", mutate: func(e *Event) { e.Detail = Bytes(-1) }},
		{name: "other detail: unsupported", mutate: func(e *Event) { e.Detail = make(chan int) }, wantErr: true},
		{name: "other detail: failing marshaler", mutate: func(e *Event) { e.Detail = failingMarshaler{} }, wantErr: true},
		{name: "volume MinInt64 total", wantErr: true, mutate: func(e *Event) {
			e.Detail = &PDPDetail{Volume: &Volume{Total: math.MinInt64}}
		}},
		{name: "volume MinInt64 tx", wantErr: true, mutate: func(e *Event) {
			e.Detail = &PDPDetail{Volume: &Volume{Tx: math.MinInt64}}
		}},
		{name: "volume MinInt64 in a value detail", wantErr: true, mutate: func(e *Event) {
			e.Detail = PDPDetail{Volume: &Volume{Rx: math.MinInt64}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e *Event
			if tc.mutate != nil {
				e = base()
				tc.mutate(e)
			}
			if _, err := json.Marshal(e); (err != nil) != tc.wantErr {
				t.Fatalf("encoding/json error %v, want error %v", err, tc.wantErr)
			}
			sameAsEncodingJSON(t, e)
		})
	}
}

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

// fill sets every exported field reachable from v to a distinct non-zero
// value (pointers allocated, slices of two), so that a field added to
// any event type later and missed by AppendJSON fails the test below.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x := int64(*n) * 1000003
		if *n%2 == 0 {
			x = -x
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n) * 100003)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d <&> \"\\ \u2028 é", *n))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(t, v.Index(0), n)
		fill(t, v.Index(1), n)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fill: %s of kind %s: teach AppendJSON and this test about it", v.Type(), v.Kind())
	}
}

func TestAppendJSONCoversEveryField(t *testing.T) {
	for _, detail := range []any{&LocationDetail{}, &PDPDetail{}} {
		t.Run(reflect.TypeOf(detail).Elem().Name(), func(t *testing.T) {
			var e Event
			n := 0
			rv := reflect.ValueOf(&e).Elem()
			for i := range rv.NumField() {
				if f := rv.Type().Field(i); f.IsExported() && f.Name != "Detail" && f.Type.Kind() != reflect.Func {
					fill(t, rv.Field(i), &n)
				}
			}
			fill(t, reflect.ValueOf(detail).Elem(), &n)
			e.Detail = detail
			sameAsEncodingJSON(t, &e)
		})
	}
}

func TestAppendJSONDoesNotAllocate(t *testing.T) {
	for name, e := range allConstructors(nastyFacts(nastyStrings[7]), testOperator, realisticSession(), "x", 1, 2) {
		buf := make([]byte, 0, 64<<10)
		if n := testing.AllocsPerRun(100, func() { buf = AppendJSON(buf[:0], e) }); n != 0 {
			t.Errorf("%s: %v allocations per event", name, n)
		}
	}
}

func TestStreamWritesWhatEncodingJSONWrites(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	// The stream owns an event once emitted (its encoder may take it at any
	// moment): encoding/json's rendering is taken as it is emitted.
	var want []byte
	s.Observe(func(e *Event) {
		b, err := json.Marshal(spelled(e))
		if err != nil {
			t.Error(err)
		}
		want = append(append(want, b...), '\n')
	})
	for i, str := range nastyStrings {
		for _, e := range allConstructors(nastyFacts(str), nastyOperator(str), nastySession(str), str, Bytes(i), 1) {
			if err := s.Emit(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("stream output differs from encoding/json at byte %d", firstDiff(buf.Bytes(), want))
	}
}

// The stream takes the parts events share from its fragments: what it
// writes is what AppendJSON writes of each event alone, whatever the
// operators, tariffs and addresses, and however many of them take turns
// (more than the fragments keep).
func TestStreamFragmentsWriteWhatAppendJSONWrites(t *testing.T) {
	var got bytes.Buffer
	var want []byte
	stream := NewStream(&got)
	r := rand.New(rand.NewPCG(3, 4))
	strs := append([]string{"", "Telekom", "eu-west-1"}, nastyStrings...)
	pick := func() string { return strs[r.IntN(len(strs))] }
	id := int64(0)
	for i := range 3000 {
		f := realisticFacts()
		f.Organisation.Name = pick()
		op := nastyOperator(pick())
		if i%3 == 0 {
			op = testOperator
		}
		s := realisticSession()
		s.SessionID, s.SessionNum = "", uint64(i+1)
		c := &s.Context
		for _, p := range []*string{&c.MCC, &c.MNC, &c.SGSNControlPlaneIPAddress, &c.GGSNDataPlaneIPAddress, &c.Region, &c.TariffID} {
			if r.IntN(4) == 0 {
				*p = pick()
			}
		}
		rx, tx := Bytes(r.Int64N(1e9)), Bytes(i)
		for _, e := range []*Event{CreatePDPContext(f, op, s), DeletePDPContext(f, op, s, rx, tx), UpdateLocation(f, op, pick())} {
			id++
			e.ID = id
			want = append(AppendJSON(want, e), '\n')
			if err := stream.Emit(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := stream.Close(); err != nil {
		t.Fatal(err)
	}
	if got.Len() == 0 || !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("the stream's fragments differ at byte %d", firstDiff(got.Bytes(), want))
	}
}

// Concurrent Emits share the stream's buffer under its lock; every line
// must still be exactly its own event.
func TestStreamConcurrentEmitsWriteWholeEvents(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	// The stream recycles events once encoded: keep encoding/json's
	// rendering of each as it is emitted (Observe runs under the lock,
	// after the id is given).
	want := map[int64][]byte{}
	s.Observe(func(e *Event) {
		b, err := json.Marshal(spelled(e))
		if err != nil {
			t.Error(err)
		}
		want[e.ID] = b
	})
	const writers, each = 4, 300
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				str := nastyStrings[(w+i)%len(nastyStrings)]
				var e *Event
				if i%2 == 0 {
					e = CreatePDPContext(nastyFacts(str), nastyOperator(str), nastySession(str))
				} else {
					e = PurgeLocation(nastyFacts(str))
				}
				if err := s.Emit(e); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != writers*each || len(want) != writers*each {
		t.Fatalf("%d lines, %d distinct ids, want %d", len(lines), len(want), writers*each)
	}
	for i, l := range lines {
		if w := want[int64(i+1)]; !bytes.Equal(l, w) {
			t.Fatalf("line %d is not event %d:\n got %s\nwant %s", i, i+1, l, w)
		}
	}
}

// A volume the encoder cannot write is refused by Emit, instead of
// failing on the encoder's goroutine.
func TestStreamRefusesUnwritableVolumes(t *testing.T) {
	for _, v := range [][2]Bytes{{math.MinInt64, 0}, {0, math.MinInt64}} {
		var buf bytes.Buffer
		s := NewStream(&buf)
		f, op, sess := realisticFacts(), testOperator, realisticSession()
		e := DeletePDPContext(f, op, sess, v[0], v[1])
		if err := s.Emit(e); err == nil || !strings.Contains(err.Error(), "volume") {
			t.Fatalf("%v: Emit: %v, want the volume refused", v, err)
		}
		_ = s.Close()
		if buf.Len() != 0 {
			t.Fatalf("stream wrote %q", buf.String())
		}
	}
}

func TestStreamKeepsEncodingErrors(t *testing.T) {
	var buf bytes.Buffer
	s := NewStream(&buf)
	e := PurgeLocation(realisticFacts())
	e.Detail = make(chan int)
	err := s.Emit(e)
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) {
		t.Fatalf("Emit: %v, want a json.UnsupportedTypeError", err)
	}
	if err := s.Emit(PurgeLocation(realisticFacts())); err == nil {
		t.Fatal("Emit after a failed Emit succeeded")
	}
	_ = s.Close()
	if buf.Len() != 0 {
		t.Fatalf("stream wrote %q", buf.String())
	}
}

func FuzzAppendJSONMatchesEncodingJSON(f *testing.F) {
	f.Add(uint16(0), "4917010000001", "10.192.0.1", "em", "UTRAN", int64(1), int64(1500000), uint32(0x1001))
	for i, s := range nastyStrings[:len(nastyStrings)-1] {
		f.Add(uint16(i*4099), s, nastyStrings[(i+1)%len(nastyStrings)], s, "", int64(-i), int64(i)*999999, uint32(math.MaxUint32-i))
	}
	f.Add(uint16(0xffff), "\u2029", "\xed\xbf\xbf", "<", "&", int64(math.MinInt64), int64(math.MinInt64), uint32(math.MaxUint32))
	f.Add(uint16(6), "", "", "", "", int64(math.MaxInt64), int64(1), uint32(0))

	f.Fuzz(func(t *testing.T, shape uint16, s1, s2, s3, s4 string, n1, n2 int64, u uint32) {
		bit := func(i uint) bool { return shape&(1<<i) != 0 }
		f := Facts{
			At:           time.Unix(0, n1).UTC(),
			Organisation: Organisation{ID: n1, Name: s1},
			Subject: Subject{
				Endpoint: &Endpoint{ID: n2, Name: s2, IMEI: s3, IPAddress: &s4},
				SIM:      &SIM{ID: -n1, ICCID: s4, ProductionDate: s1, MSISDN: s2},
				IMSI:     &IMSI{ID: n1 ^ n2, IMSI: s3, ImportDate: s4},
			},
		}
		if bit(3) {
			f.Subject.Endpoint = nil
		} else if bit(6) {
			f.Subject.Endpoint.IPAddress = nil
		} else if bit(7) {
			f.Subject.Endpoint.Tags = &s1
		}
		if bit(4) {
			f.Subject.SIM = nil
		}
		if bit(5) {
			f.Subject.IMSI = nil
		}
		op := Operator{ID: int(n2), Name: s2,
			Country:  Country{ID: int(n1), Name: s3, CountryCode: s4, MCC: s1, ISOCode: s2},
			TapCodes: []TapCode{{ID: int(u), TapCode: s3}}, MNCs: []MNC{{ID: -int(u), MNC: s4}, {}}}
		if bit(12) {
			op.TapCodes = nil
		}
		if bit(13) {
			op.MNCs = []MNC{}
		}
		ses := PDPSession{SessionID: s1, Context: PDPContext{
			PDPContextID: n1, TunnelCreated: s2, GTPVersion: int(n2), UEIPAddress: s3, APN: s4, NSAPI: int(u),
			IMSI: s1, IMEISV: s2, MCC: s3, MNC: s4, LAC: int(n1 >> 3), RATType: int(n2 >> 5),
			SGSNControlPlaneIPAddress: s1, SGSNDataPlaneIPAddress: s2, GGSNControlPlaneIPAddress: s3,
			GGSNDataPlaneIPAddress: s4, TxTEIDControlPlane: u, TxTEIDDataPlane: ^u, RxTEID: uint32(n2),
			BreakoutIP: s1, Region: s2, OperatorID: s3, TariffProfileID: s4, RatezoneID: s1, TariffID: s2,
		}}
		if u%3 == 1 { // the unspelled forms, as the simulation hands them over
			ses.SessionID, ses.SessionNum = "", uint64(n1)
			ses.Context.TunnelCreated, ses.Context.Created = "", time.Unix(n1%(1<<40), n2%1e9)
			ses.Context.UEIPAddress, ses.Context.UEIP = "", netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
			if u%2 == 0 {
				ses.Context.UEIP = netip.AddrFrom16([16]byte{15: byte(u), 0: 0x20, 1: 0x01})
			}
			if f.Subject.Endpoint != nil && f.Subject.Endpoint.IPAddress == nil {
				f.Subject.Endpoint.IP = ses.Context.UEIP
			}
		}
		if bit(9) {
			ses.Context.CI = intp(int(n1))
		}
		if bit(10) {
			ses.Context.SAC = intp(int(u))
		}
		if bit(11) {
			ses.Context.RAC = intp(-int(u))
		}
		var e *Event
		switch shape & 7 {
		case 0:
			e = UpdateLocation(f, op, s1)
		case 1:
			e = UpdateGPRSLocation(f, op, s1, s2, s3)
		case 2:
			e = LocationRejected(f, Type(n2), op, s1, s2, s3, bit(14), bit(15))
		case 3:
			e = CreatePDPContext(f, op, ses)
		case 4:
			e = CreatePDPContextRejected(f, s1, s2)
		case 5:
			e = DeletePDPContext(f, op, ses, Bytes(n1), Bytes(n2))
		case 6:
			e = PurgeLocation(f)
		case 7:
			e = PurgeGPRSLocation(f)
		}
		e.ID = n1
		e.Alert = bit(14)
		if bit(8) {
			e.User = &User{ID: n2, Name: s3, Username: s4}
		}
		if shape&7 != 5 && bit(14) && bit(15) { // other detail types
			switch shape >> 12 & 3 {
			case 0:
				e.Detail = (*PDPDetail)(nil)
			case 1:
				e.Detail = map[string]any{s1: n1, s2: u}
			case 2:
				e.Detail = s4
			case 3:
				e.Detail = &Volume{Total: Bytes(n1), Rx: Bytes(n2)}
			}
		}
		sameAsEncodingJSON(t, e)
	})
}

// benchCreatePDP is a Create PDP Context event as a run writes it.
func benchCreatePDP() *Event {
	e := CreatePDPContext(realisticFacts(), testOperator, realisticSession())
	e.ID = 123456
	return e
}

func BenchmarkAppendJSON(b *testing.B) {
	e := benchCreatePDP()
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendJSON(nil, e))))
	for b.Loop() {
		buf = AppendJSON(buf[:0], e)
	}
}

func BenchmarkEncodingJSON(b *testing.B) {
	e := benchCreatePDP()
	b.ReportAllocs()
	b.SetBytes(int64(len(AppendJSON(nil, e))))
	for b.Loop() {
		if _, err := json.Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStreamEmitPrebuilt is the stream's own cost, without building
// the event (BenchmarkStreamEmitCreatePDP includes the constructor). The
// stream owns (and recycles) what it is given, so each round hands it a
// copy of one event and of its detail (two allocations a round).
func BenchmarkStreamEmitPrebuilt(b *testing.B) {
	s := NewStream(io.Discard)
	e := benchCreatePDP()
	b.ReportAllocs()
	for b.Loop() {
		c, d := *e, *e.Detail.(*PDPDetail)
		c.Detail = &d
		if err := s.Emit(&c); err != nil {
			b.Fatal(err)
		}
	}
}

// appendTime writes what time.Format writes, quoted, for both layouts,
// across the years it writes by hand and beyond them.
func TestAppendTimeMatchesFormat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	times := []time.Time{time.Unix(0, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 26, 10, 42, 58, 123456789, time.FixedZone("x", 5*3600+1800))}
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(1<<38)-1<<37, r.Int64N(1e9)))
	}
	for _, tm := range times {
		for _, layout := range []string{TimestampLayout, tunnelLayout} {
			want := `"` + tm.UTC().Format(layout) + `"`
			if got := string(appendTime([]byte("x"), tm, layout)); got != "x"+want {
				t.Fatalf("appendTime(%v, %s) = %s, want %s", tm, layout, got[1:], want)
			}
		}
	}
}

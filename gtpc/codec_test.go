package gtpc

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/wmnsk/go-gtp/gtpv1/ie"
	"github.com/wmnsk/go-gtp/gtpv1/message"
)

func u8p(v uint8) *uint8 { return &v }

func sampleCreateRequest() *CreatePDPContextRequest {
	return &CreatePDPContextRequest{
		IMSI:            "262011234567890",
		MSISDN:          "4915112345678",
		IMEISV:          "3534900698733101",
		APN:             "em",
		NSAPI:           5,
		SelectionMode:   1,
		TEIDData:        0x11111111,
		TEIDControl:     0x22222222,
		SGSNControlAddr: netip.MustParseAddr("127.0.0.1"),
		SGSNUserAddr:    netip.MustParseAddr("127.0.0.1"),
		RATType:         RATGERAN,
		Location:        &Location{MCC: "262", MNC: "01", LAC: 0x1234, CI: 0x5678, RAC: 7},
		Recovery:        u8p(3),
		PDPType:         PDPTypeIPv4,
		QoSProfile:      []byte{0x02, 0x0b, 0x92, 0x1f},
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		seq  uint16
		teid uint32 // header TEID Decode should see
		msg  Message
	}{
		{"echo request", 1, 0, &EchoRequest{}},
		{"echo response", 2, 0, &EchoResponse{Recovery: 42}},
		{"version not supported", 3, 0, &VersionNotSupported{}},
		{"create request full", 4, 0, sampleCreateRequest()},
		{"create request minimal, short IMSI", 5, 0, &CreatePDPContextRequest{
			IMSI: "26201123", APN: "emnify.iot", NSAPI: 15, TEIDData: 1, TEIDControl: 2,
			SGSNControlAddr: netip.MustParseAddr("10.0.0.1"), SGSNUserAddr: netip.MustParseAddr("10.0.0.2"),
			PDPType: PDPTypeIPv4, QoSProfile: DefaultQoSProfile,
		}},
		{"create request 3-digit MNC, SAI", 6, 0, func() Message {
			r := sampleCreateRequest()
			r.Location = &Location{MCC: "310", MNC: "410", LAC: 1, SAC: 99, RAC: 1}
			r.SGSNUserAddr = netip.MustParseAddr("2001:db8::1")
			return r
		}()},
		{"create response accepted", 7, 0x22222222, &CreatePDPContextResponse{
			TEID: 0x22222222, Cause: CauseRequestAccepted, TEIDData: 0x80000001, TEIDControl: 1,
			ChargingID: 9, EndUserAddress: netip.MustParseAddr("10.192.0.1"),
			GGSNControlAddr: netip.MustParseAddr("127.0.0.2"), GGSNUserAddr: netip.MustParseAddr("127.0.0.3"),
			Recovery: u8p(0), QoSProfile: DefaultQoSProfile,
		}},
		{"create response rejected", 8, 7, &CreatePDPContextResponse{TEID: 7, Cause: CauseMissingOrUnknownAPN}},
		{"delete request", 9, 0x1234, &DeletePDPContextRequest{TEID: 0x1234, NSAPI: 5, TeardownInd: true}},
		{"delete response", 10, 0x22, &DeletePDPContextResponse{TEID: 0x22, Cause: CauseContextNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(tt.msg, tt.seq)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			// go-gtp must accept our bytes too.
			if _, err := message.Parse(b); err != nil {
				t.Fatalf("go-gtp cannot parse: %v", err)
			}
			b2, err := Marshal(tt.msg, tt.seq)
			if err != nil || !bytes.Equal(b, b2) {
				t.Fatalf("second Marshal differs: %v\n%x\n%x", err, b, b2)
			}
			h, m, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := Header{Version: 1, Type: tt.msg.MessageType(), TEID: tt.teid, Sequence: tt.seq}
			if h != want {
				t.Errorf("header %+v, want %+v", h, want)
			}
			if !reflect.DeepEqual(m, tt.msg) {
				t.Errorf("round trip:\n got %+v\nwant %+v", m, tt.msg)
			}
		})
	}
}

func TestIMSIFiller(t *testing.T) {
	b, err := Marshal(&CreatePDPContextRequest{
		IMSI: "2620112", APN: "em", SGSNControlAddr: netip.MustParseAddr("127.0.0.1"),
		SGSNUserAddr: netip.MustParseAddr("127.0.0.1"),
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	// IMSI IE right after the 12-byte header: type 2, 8 octets TBCD.
	want := []byte{2, 0x62, 0x02, 0x11, 0xf2, 0xff, 0xff, 0xff, 0xff}
	if !bytes.Equal(b[12:21], want) {
		t.Fatalf("IMSI IE %x, want %x", b[12:21], want)
	}
}

func TestMarshalInvalid(t *testing.T) {
	base := sampleCreateRequest
	tests := []struct {
		name string
		msg  Message
	}{
		{"nil", nil},
		{"IMSI with letters", func() Message { r := base(); r.IMSI = "26201ABC"; return r }()},
		{"IMSI too long", func() Message { r := base(); r.IMSI = "2620112345678901"; return r }()},
		{"IMSI empty", func() Message { r := base(); r.IMSI = ""; return r }()},
		{"MSISDN letters", func() Message { r := base(); r.MSISDN = "+49"; return r }()},
		{"APN empty", func() Message { r := base(); r.APN = ""; return r }()},
		{"APN bad label", func() Message { r := base(); r.APN = "em..x"; return r }()},
		{"no SGSN address", func() Message { r := base(); r.SGSNUserAddr = netip.Addr{}; return r }()},
		{"NSAPI 16", func() Message { r := base(); r.NSAPI = 16; return r }()},
		{"bad MCC", func() Message { r := base(); r.Location.MCC = "26"; return r }()},
		{"short QoS", func() Message { r := base(); r.QoSProfile = []byte{1}; return r }()},
		{"accepted without address", &CreatePDPContextResponse{Cause: CauseRequestAccepted,
			GGSNControlAddr: netip.MustParseAddr("127.0.0.1"), GGSNUserAddr: netip.MustParseAddr("127.0.0.1")}},
		{"response without cause", &DeletePDPContextResponse{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Marshal(tt.msg, 1); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// build makes a message with go-gtp directly, to produce what our Marshal
// refuses to.
func build(t testing.TB, m message.Message) []byte {
	t.Helper()
	b, err := message.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func createIEs(skip uint8, extra ...*ie.IE) []*ie.IE {
	all := []*ie.IE{
		ie.New(ie.IMSI, []byte{0x62, 0x02, 0x11, 0x32, 0x54, 0x76, 0x98, 0xf0}),
		ie.NewSelectionMode(0xfd),
		ie.NewTEIDDataI(1),
		ie.NewTEIDCPlane(0xabcd),
		ie.NewNSAPI(5),
		ie.NewAccessPointName("em"),
		ie.NewGSNAddress("127.0.0.1"),
		ie.NewGSNAddress("127.0.0.1"),
		ie.NewQoSProfile([]byte{0, 0x0b, 0x92, 0x1f}),
	}
	var out []*ie.IE
	for _, i := range all {
		if i.Type != skip {
			out = append(out, i)
		}
	}
	return append(out, extra...)
}

func TestDecodeErrors(t *testing.T) {
	valid := build(t, message.NewCreatePDPContextRequest(0, 77, createIEs(0)...))
	tests := []struct {
		name     string
		b        []byte
		sentinel error // errors.Is
		cause    Cause // when a *DecodeError
		ie       uint8
	}{
		{"empty", nil, ErrShortHeader, 0, 0},
		{"garbage", []byte("hello, world, this is not GTP"), ErrVersionNotSupported, 0, 0},
		{"short header", valid[:8], ErrShortHeader, 0, 0},
		{"version 2", append([]byte{0x48}, valid[1:]...), ErrVersionNotSupported, 0, 0},
		{"GTP prime", append([]byte{0x22}, valid[1:]...), ErrNotGTPC, 0, 0},
		{"unknown type", append([]byte{0x32, 99}, valid[2:]...), ErrUnknownMessageType, 0, 0},
		{"truncated", valid[:len(valid)-3], ErrMalformed, CauseInvalidMessageFormat, 0},
		{"length too small", append(valid[:2:2], append([]byte{0, 2}, valid[4:]...)...), ErrMalformed, CauseInvalidMessageFormat, 0},
		{"truncated IE", func() []byte {
			b := append([]byte(nil), valid[:len(valid)-2]...)
			b[3] -= 2
			return b
		}(), ErrMalformed, CauseInvalidMessageFormat, 0},
		{"unknown TV IE", build(t, message.NewCreatePDPContextRequest(0, 1, append([]*ie.IE{ie.New(6, []byte{1})}, createIEs(0)...)...)),
			ErrMalformed, CauseInvalidMessageFormat, 0},
		{"missing APN", build(t, message.NewCreatePDPContextRequest(0, 1, createIEs(ie.AccessPointName)...)),
			ErrMalformed, CauseMandatoryIEMissing, ie.AccessPointName},
		{"missing IMSI", build(t, message.NewCreatePDPContextRequest(0, 1, createIEs(ie.IMSI)...)),
			ErrMalformed, CauseMandatoryIEMissing, ie.IMSI},
		{"missing QoS", build(t, message.NewCreatePDPContextRequest(0, 1, createIEs(ie.QoSProfile)...)),
			ErrMalformed, CauseMandatoryIEMissing, ie.QoSProfile},
		{"bad IMSI", build(t, message.NewCreatePDPContextRequest(0, 1, append([]*ie.IE{
			ie.New(ie.IMSI, []byte{0x62, 0xa2, 0x11, 0x32, 0x54, 0x76, 0x98, 0xf0})}, createIEs(ie.IMSI)...)...)),
			ErrMalformed, CauseMandatoryIEIncorrect, ie.IMSI},
		{"IMSI digit after filler", build(t, message.NewCreatePDPContextRequest(0, 1, append([]*ie.IE{
			ie.New(ie.IMSI, []byte{0x62, 0xf2, 0x11, 0xff, 0xff, 0xff, 0xff, 0xff})}, createIEs(ie.IMSI)...)...)),
			ErrMalformed, CauseMandatoryIEIncorrect, ie.IMSI},
		{"bad GSN address", build(t, message.NewCreatePDPContextRequest(0, 1, append(createIEs(ie.GSNAddress),
			ie.New(ie.GSNAddress, []byte{1, 2, 3}), ie.NewGSNAddress("127.0.0.1"))...)),
			ErrMalformed, CauseMandatoryIEIncorrect, ie.GSNAddress},
		{"one GSN address", build(t, message.NewCreatePDPContextRequest(0, 1, append(createIEs(ie.GSNAddress),
			ie.NewGSNAddress("127.0.0.1"))...)),
			ErrMalformed, CauseMandatoryIEMissing, ie.GSNAddress},
		{"bad APN label", build(t, message.NewCreatePDPContextRequest(0, 1, append(createIEs(ie.AccessPointName),
			ie.New(ie.AccessPointName, []byte{5, 'e', 'm'}))...)),
			ErrMalformed, CauseMandatoryIEIncorrect, ie.AccessPointName},
		{"delete without NSAPI", build(t, message.NewDeletePDPContextRequest(1, 1)),
			ErrMalformed, CauseMandatoryIEMissing, ie.NSAPI},
		{"echo response without recovery", build(t, message.NewEchoResponse(1)),
			ErrMalformed, CauseMandatoryIEMissing, ie.Recovery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.b)
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			var de *DecodeError
			if tt.cause == 0 {
				if errors.As(err, &de) {
					t.Fatalf("unexpected DecodeError %v", err)
				}
				return
			}
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DecodeError", err)
			}
			if de.Cause != tt.cause || de.IE != tt.ie {
				t.Fatalf("cause %v IE %d, want %v IE %d (%v)", de.Cause, de.IE, tt.cause, tt.ie, err)
			}
			if de.Header.Type == 0 {
				t.Fatalf("header not readable in %v", err)
			}
		})
	}
}

func TestDecodeKeepsNoReference(t *testing.T) {
	b, err := Marshal(sampleCreateRequest(), 9)
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0xee
	}
	if !reflect.DeepEqual(m, sampleCreateRequest()) {
		t.Fatalf("decoded message changed with its buffer: %+v", m)
	}
}

func TestPartialCreateRequestKeepsTEID(t *testing.T) {
	b := build(t, message.NewCreatePDPContextRequest(0, 1, createIEs(ie.AccessPointName)...))
	_, m, err := Decode(b)
	req, ok := m.(*CreatePDPContextRequest)
	if err == nil || !ok || req.TEIDControl != 0xabcd {
		t.Fatalf("got %v %+v, want an error and the partial request", err, m)
	}
}

func FuzzDecode(f *testing.F) {
	for _, m := range []Message{&EchoRequest{}, &EchoResponse{Recovery: 1}, sampleCreateRequest(),
		&CreatePDPContextResponse{Cause: CauseRequestAccepted, EndUserAddress: netip.MustParseAddr("10.0.0.1"),
			GGSNControlAddr: netip.MustParseAddr("127.0.0.1"), GGSNUserAddr: netip.MustParseAddr("127.0.0.1")},
		&DeletePDPContextRequest{TEID: 1, NSAPI: 5}, &DeletePDPContextResponse{Cause: 128}} {
		b, err := Marshal(m, 1)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x36, 16, 0, 8, 0, 0, 0, 0, 0, 1, 0, 5, 0, 0, 0, 0}) // extension header
	f.Fuzz(func(t *testing.T, b []byte) {
		h, m, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes must encode again, and after that first
		// normalisation (defaults filled in) encode and decode stably.
		out, err := Marshal(m, h.Sequence)
		if err != nil {
			return // e.g. an accepted response with an odd address
		}
		_, m2, err := Decode(out)
		if err != nil {
			t.Fatalf("re-decode of %x: %v", out, err)
		}
		out2, err := Marshal(m2, h.Sequence)
		if err != nil {
			t.Fatalf("re-marshal %+v: %v", m2, err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("unstable encoding:\n%x\n%x", out, out2)
		}
		h3, m3, err := Decode(out2)
		if err != nil || h3.Sequence != h.Sequence || h3.Type != h.Type || !reflect.DeepEqual(m2, m3) {
			t.Fatalf("%+v %+v became %+v %+v (%v)", h, m2, h3, m3, err)
		}
	})
}

func BenchmarkCreatePDPContextCodec(b *testing.B) {
	req := sampleCreateRequest()
	b.ReportAllocs()
	for b.Loop() {
		out, err := Marshal(req, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := Decode(out); err != nil {
			b.Fatal(err)
		}
	}
}

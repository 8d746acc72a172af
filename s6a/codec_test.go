package s6a

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/core-sim/core-sim/diameter"
	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
)

// wire serializes m and decodes it again as a peer would.
func wire(t testing.TB, m *diam.Message) (*diam.Message, []byte) {
	t.Helper()
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	got, err := diameter.DecodeMessage(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return got, b
}

func sampleULR() *UpdateLocationRequest {
	return &UpdateLocationRequest{
		SessionID:        "sgsn.test;1;2",
		Origin:           Peer{Host: "sgsn.test", Realm: "visited.test"},
		DestinationHost:  "hlr.test",
		DestinationRealm: "home.test",
		IMSI:             "262011234567890",
		RATType:          RATUTRAN,
		Flags:            ULRSingleRegistration | ULRInitialAttachIndicator,
		VisitedPLMN:      PLMN{MCC: "262", MNC: "01"},
		SGSNNumber:       "4917012345",
	}
}

func TestRoundTrip(t *testing.T) {
	ula := &UpdateLocationAnswer{
		SessionID: "sgsn.test;1;2", Origin: Peer{Host: "hlr.test", Realm: "home.test"},
		Result: ResultSuccess, ULAFlags: ULAFlagSeparationIndication,
		Subscription: &SubscriptionData{MSISDN: "491701234567", GPRS: []PDPContext{
			{ContextID: 1, PDPType: PDPTypeIPv4, APN: "iot.example"},
			{ContextID: 2, PDPType: PDPTypeIPv4v6, APN: "em"},
		}},
	}
	tests := []struct {
		name  string
		in    any
		build func(any) (*diam.Message, error)
		parse func(*diam.Message) (any, error)
	}{
		{"ULR S6d", sampleULR(),
			func(v any) (*diam.Message, error) { return BuildULR(v.(*UpdateLocationRequest)) },
			func(m *diam.Message) (any, error) { return ParseULR(m) }},
		{"ULR S6a, 3-digit MNC, no options", &UpdateLocationRequest{SessionID: "s", Origin: Peer{"vlr", "r"}, DestinationRealm: "h",
			IMSI: "310150123456789", RATType: RATGERAN, Flags: ULRS6aS6dIndicator, VisitedPLMN: PLMN{"310", "150"}},
			func(v any) (*diam.Message, error) { return BuildULR(v.(*UpdateLocationRequest)) },
			func(m *diam.Message) (any, error) { return ParseULR(m) }},
		{"ULA success", ula,
			func(v any) (*diam.Message, error) { return BuildULA(v.(*UpdateLocationAnswer)) },
			func(m *diam.Message) (any, error) { return ParseULA(m) }},
		{"ULA S6a success, MSISDN only", &UpdateLocationAnswer{SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultSuccess,
			ULAFlags: 1, Subscription: &SubscriptionData{MSISDN: "4917"}},
			func(v any) (*diam.Message, error) { return BuildULA(v.(*UpdateLocationAnswer)) },
			func(m *diam.Message) (any, error) { return ParseULA(m) }},
		{"ULA roaming not allowed", &UpdateLocationAnswer{SessionID: "s", Origin: Peer{"h", "r"}, Result: ErrorRoamingNotAllowed,
			ErrorMessage: "roaming not allowed in PLMN 26201"},
			func(v any) (*diam.Message, error) { return BuildULA(v.(*UpdateLocationAnswer)) },
			func(m *diam.Message) (any, error) { return ParseULA(m) }},
		{"ULA missing AVP", &UpdateLocationAnswer{SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultMissingAVP},
			func(v any) (*diam.Message, error) { return BuildULA(v.(*UpdateLocationAnswer)) },
			func(m *diam.Message) (any, error) { return ParseULA(m) }},
		{"CLR", &CancelLocationRequest{SessionID: "hlr;1;1", Origin: Peer{"hlr.test", "home.test"}, DestinationHost: "sgsn.test",
			DestinationRealm: "visited.test", IMSI: "262011234567890", CancellationType: CancelSGSNUpdateProcedure},
			func(v any) (*diam.Message, error) { return BuildCLR(v.(*CancelLocationRequest)) },
			func(m *diam.Message) (any, error) { return ParseCLR(m) }},
		{"CLA", &CancelLocationAnswer{SessionID: "hlr;1;1", Origin: Peer{"sgsn.test", "visited.test"}, Result: ResultSuccess},
			func(v any) (*diam.Message, error) { return BuildCLA(v.(*CancelLocationAnswer)) },
			func(m *diam.Message) (any, error) { return ParseCLA(m) }},
		{"PUR", &PurgeUERequest{SessionID: "s", Origin: Peer{"sgsn.test", "v"}, DestinationRealm: "h", IMSI: "262011234567890",
			Flags: PURUEPurgedInSGSN},
			func(v any) (*diam.Message, error) { return BuildPUR(v.(*PurgeUERequest)) },
			func(m *diam.Message) (any, error) { return ParsePUR(m) }},
		{"PUA", &PurgeUEAnswer{SessionID: "s", Origin: Peer{"hlr", "h"}, Result: ResultSuccess, PUAFlags: PUAFreezePTMSI},
			func(v any) (*diam.Message, error) { return BuildPUA(v.(*PurgeUEAnswer)) },
			func(m *diam.Message) (any, error) { return ParsePUA(m) }},
		{"PUA user unknown", &PurgeUEAnswer{SessionID: "s", Origin: Peer{"hlr", "h"}, Result: ErrorUserUnknown},
			func(v any) (*diam.Message, error) { return BuildPUA(v.(*PurgeUEAnswer)) },
			func(m *diam.Message) (any, error) { return ParsePUA(m) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.build(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if m.AVP[0].Code != avp.SessionID {
				t.Errorf("first AVP is %d, want Session-Id", m.AVP[0].Code)
			}
			got, _ := wire(t, m)
			out, err := tt.parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, tt.in) {
				t.Errorf("round trip:\n got %+v\nwant %+v", out, tt.in)
			}
		})
	}
}

func TestVisitedPLMNEncoding(t *testing.T) {
	tests := []struct {
		plmn PLMN
		want []byte
	}{
		{PLMN{"262", "01"}, []byte{0x62, 0xf2, 0x10}},
		{PLMN{"310", "150"}, []byte{0x13, 0x00, 0x51}},
		{PLMN{"001", "01"}, []byte{0x00, 0xf1, 0x10}},
	}
	for _, tt := range tests {
		b, err := tt.plmn.Encode()
		if err != nil || !bytes.Equal(b, tt.want) {
			t.Errorf("%v: %x, %v; want %x", tt.plmn, b, err, tt.want)
		}
		p, err := DecodePLMN(tt.want)
		if err != nil || p != tt.plmn {
			t.Errorf("decode %x: %v, %v", tt.want, p, err)
		}
	}
	for _, bad := range [][]byte{{0x62, 0xf2}, {0x6a, 0xf2, 0x10}, {0x62, 0xf2, 0x1f}} {
		if _, err := DecodePLMN(bad); err == nil {
			t.Errorf("DecodePLMN(%x) accepted", bad)
		}
	}
	for _, bad := range []PLMN{{"26", "01"}, {"262", "1"}, {"2a2", "01"}} {
		if _, err := bad.Encode(); err == nil {
			t.Errorf("Encode(%v) accepted", bad)
		}
	}
}

func TestTBCD(t *testing.T) {
	for _, tt := range []struct {
		digits string
		want   []byte
	}{{"491701234567", []byte{0x94, 0x71, 0x10, 0x32, 0x54, 0x76}}, {"123", []byte{0x21, 0xf3}}} {
		b, err := EncodeTBCD(tt.digits)
		if err != nil || !bytes.Equal(b, tt.want) {
			t.Errorf("EncodeTBCD(%s) = %x, %v", tt.digits, b, err)
		}
		d, err := DecodeTBCD(b)
		if err != nil || d != tt.digits {
			t.Errorf("DecodeTBCD(%x) = %s, %v", b, d, err)
		}
	}
	if _, err := EncodeTBCD("12a"); err == nil {
		t.Error("EncodeTBCD accepted a letter")
	}
	if _, err := DecodeTBCD([]byte{0xf1, 0x22}); err == nil {
		t.Error("DecodeTBCD accepted a filler in the middle")
	}
}

// Service-Selection must leave with vendor 0 (go-diameter's dictionary
// says 10415) and must be read with either.
func TestServiceSelectionVendor(t *testing.T) {
	m, err := BuildULA(&UpdateLocationAnswer{SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultSuccess,
		Subscription: &SubscriptionData{GPRS: []PDPContext{{ContextID: 1, APN: "iot.example"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, b := wire(t, m)
	want := []byte{0, 0, 0x01, 0xed, 0x40, 0, 0, 8 + 11}
	if i := bytes.Index(b, want); i < 0 {
		t.Fatalf("no vendor-0 Service-Selection header %x in %x", want, b)
	}
	// A peer that follows the dictionary's mistake: vendor 10415.
	m2, _ := BuildULA(&UpdateLocationAnswer{SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultSuccess})
	m2.AddAVP(vendorAVP(avp.SubscriptionData, true, &diam.GroupedAVP{AVP: []*diam.AVP{
		vendorAVP(avp.GPRSSubscriptionData, true, &diam.GroupedAVP{AVP: []*diam.AVP{
			vendorAVP(avp.PDPContext, true, &diam.GroupedAVP{AVP: []*diam.AVP{
				vendorAVP(avp.ContextIdentifier, true, datatype.Unsigned32(1)),
				vendorAVP(avp.ServiceSelection, true, datatype.UTF8String("em")),
			}}),
		}}),
	}}))
	got, _ := wire(t, m2)
	a, err := ParseULA(got)
	if err != nil {
		t.Fatal(err)
	}
	if a.Subscription == nil || len(a.Subscription.GPRS) != 1 || a.Subscription.GPRS[0].APN != "em" {
		t.Errorf("subscription %+v", a.Subscription)
	}
}

// ulrWithout builds a valid ULR, then drops or replaces one AVP.
func ulrWithout(t *testing.T, code uint32, replace *diam.AVP) *diam.Message {
	t.Helper()
	m, err := BuildULR(sampleULR())
	if err != nil {
		t.Fatal(err)
	}
	var keep []*diam.AVP
	for _, a := range m.AVP {
		if a.Code == code {
			if replace != nil {
				keep = append(keep, replace)
			}
			continue
		}
		keep = append(keep, a)
	}
	m.AVP = keep
	got, _ := wire(t, m)
	return got
}

func TestParseULRErrors(t *testing.T) {
	tests := []struct {
		name    string
		msg     func(t *testing.T) *diam.Message
		result  Result
		avpName string
	}{
		{"no User-Name", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.UserName, nil) }, ResultMissingAVP, "User-Name"},
		{"no Session-Id", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.SessionID, nil) }, ResultMissingAVP, "Session-Id"},
		{"no Auth-Session-State", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.AuthSessionState, nil) }, ResultMissingAVP, "Auth-Session-State"},
		{"no Origin-Host", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.OriginHost, nil) }, ResultMissingAVP, "Origin-Host"},
		{"no Destination-Realm", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.DestinationRealm, nil) }, ResultMissingAVP, "Destination-Realm"},
		{"no RAT-Type", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.RATType, nil) }, ResultMissingAVP, "RAT-Type"},
		{"no ULR-Flags", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.ULRFlags, nil) }, ResultMissingAVP, "ULR-Flags"},
		{"no Visited-PLMN-Id", func(t *testing.T) *diam.Message { return ulrWithout(t, avp.VisitedPLMNID, nil) }, ResultMissingAVP, "Visited-PLMN-Id"},
		{"IMSI with a letter", func(t *testing.T) *diam.Message {
			return ulrWithout(t, avp.UserName, diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("26201123456789X")))
		}, ResultInvalidAVPValue, "User-Name"},
		{"IMSI too long", func(t *testing.T) *diam.Message {
			return ulrWithout(t, avp.UserName, diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("2620112345678901")))
		}, ResultInvalidAVPValue, "User-Name"},
		{"Visited-PLMN-Id of 2 octets", func(t *testing.T) *diam.Message {
			return ulrWithout(t, avp.VisitedPLMNID, vendorAVP(avp.VisitedPLMNID, true, datatype.OctetString("\x62\xf2")))
		}, ResultInvalidAVPValue, "Visited-PLMN-Id"},
		{"Visited-PLMN-Id not BCD", func(t *testing.T) *diam.Message {
			return ulrWithout(t, avp.VisitedPLMNID, vendorAVP(avp.VisitedPLMNID, true, datatype.OctetString("\xab\xf2\x10")))
		}, ResultInvalidAVPValue, "Visited-PLMN-Id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseULR(tt.msg(t))
			var ae *AVPError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *AVPError", err)
			}
			if ae.Result != tt.result || ae.AVP != tt.avpName {
				t.Errorf("got %v (%s), want %v (%s)", ae.Result, ae.AVP, tt.result, tt.avpName)
			}
			f := ae.FailedAVP()
			if f.Code != avp.FailedAVP || len(f.Data.(*diam.GroupedAVP).AVP) != 1 || f.Data.(*diam.GroupedAVP).AVP[0].Code != ae.Code {
				t.Errorf("Failed-AVP %v", f)
			}
		})
	}
}

func TestParseWrongCommand(t *testing.T) {
	m, _ := BuildCLR(&CancelLocationRequest{SessionID: "s", Origin: Peer{"a", "b"}, DestinationHost: "c", DestinationRealm: "d", IMSI: "262011234567890"})
	if _, err := ParseULR(m); !errors.Is(err, ErrWrongCommand) {
		t.Errorf("err = %v", err)
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	r := sampleULR()
	r.IMSI = "abc"
	if _, err := BuildULR(r); err == nil {
		t.Error("BuildULR accepted IMSI abc")
	}
	r = sampleULR()
	r.VisitedPLMN = PLMN{"26", "01"}
	if _, err := BuildULR(r); err == nil {
		t.Error("BuildULR accepted a bad PLMN")
	}
}

func FuzzDecode(f *testing.F) {
	for _, build := range []func() (*diam.Message, error){
		func() (*diam.Message, error) { return BuildULR(sampleULR()) },
		func() (*diam.Message, error) {
			return BuildULA(&UpdateLocationAnswer{SessionID: "s", Result: ResultSuccess, Subscription: &SubscriptionData{MSISDN: "49", GPRS: []PDPContext{{1, 0, "em"}}}})
		},
		func() (*diam.Message, error) {
			return BuildCLR(&CancelLocationRequest{SessionID: "s", DestinationHost: "d", IMSI: "262011234567890"})
		},
		func() (*diam.Message, error) {
			return BuildPUR(&PurgeUERequest{SessionID: "s", IMSI: "262011234567890", Flags: 2})
		},
	} {
		m, err := build()
		if err != nil {
			f.Fatal(err)
		}
		m.Header.MessageLength = uint32(m.Len())
		b, _ := m.Serialize()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := diameter.DecodeMessage(b)
		if err != nil {
			return
		}
		ParseULR(m)
		ParseULA(m)
		ParseCLR(m)
		ParseCLA(m)
		ParsePUR(m)
		ParsePUA(m)
		// Parsers must not depend on the command code being right.
		m.Header.CommandFlags |= diam.RequestFlag
		m.Header.ApplicationID = ApplicationID
		m.Header.CommandCode = CommandUpdateLocation
		ParseULR(m)
	})
}

func FuzzParseULR(f *testing.F) {
	f.Add("s;1", "sgsn", "visited", "home", "262011234567890", uint32(1000), uint32(2), []byte{0x62, 0xf2, 0x10}, []byte{0x94, 0x71}, uint8(0))
	f.Add("", "", "", "", "x", uint32(0), uint32(0), []byte{}, []byte{0xff}, uint8(0xff))
	f.Fuzz(func(t *testing.T, sid, host, realm, dest, imsi string, rat, flags uint32, plmn, sgsn []byte, drop uint8) {
		m := diam.NewMessage(CommandUpdateLocation, diam.RequestFlag, ApplicationID, 1, 1, nil)
		all := []*diam.AVP{
			diam.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(sid)),
			diam.NewAVP(avp.AuthSessionState, avp.Mbit, 0, datatype.Enumerated(1)),
			diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(host)),
			diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(realm)),
			diam.NewAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity(dest)),
			diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(imsi)),
			vendorAVP(avp.RATType, true, datatype.Enumerated(rat)),
			vendorAVP(avp.ULRFlags, true, datatype.Unsigned32(flags)),
			vendorAVP(avp.VisitedPLMNID, true, datatype.OctetString(plmn)),
			vendorAVP(avp.SGSNNumber, true, datatype.OctetString(sgsn)),
		}
		for i, a := range all {
			if drop&(1<<(i%8)) == 0 || i >= 8 {
				m.AddAVP(a)
			}
		}
		m.Header.MessageLength = uint32(m.Len())
		b, err := m.Serialize()
		if err != nil {
			return
		}
		dm, err := diameter.DecodeMessage(b)
		if err != nil {
			return
		}
		r, err := ParseULR(dm)
		if err != nil {
			var ae *AVPError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *AVPError", err)
			}
			ae.FailedAVP().Serialize()
			return
		}
		// What parses must build again and parse to the same request.
		m2, err := BuildULR(r)
		if err != nil {
			t.Fatalf("parsed %+v does not build: %v", r, err)
		}
		got, _ := wire(t, m2)
		r2, err := ParseULR(got)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("rebuild: %+v, %v; want %+v", r2, err, r)
		}
		if binary.BigEndian.Uint32(b[8:12]) != ApplicationID {
			t.Fatal("application id lost")
		}
	})
}

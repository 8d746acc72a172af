package s6a

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"

	"github.com/core-sim/core-sim/diameter"
)

// ulaFrames are Update Location Answers as bytes: built by BuildULA, and
// made by hand where BuildULA would not make them (no result, both kinds
// of result, undecodable MSISDN or PDP-Type, repeated or unknown AVPs).
func ulaFrames(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for name, a := range map[string]*UpdateLocationAnswer{
		"success, two contexts": {SessionID: "sgsn.test;1;2", Origin: Peer{"hlr.test", "home.test"}, Result: ResultSuccess,
			ULAFlags: ULAFlagSeparationIndication, Subscription: &SubscriptionData{MSISDN: "491701234567", GPRS: []PDPContext{
				{ContextID: 1, PDPType: PDPTypeIPv4, APN: "iot.example"}, {ContextID: 2, PDPType: PDPTypeIPv4v6, APN: "em"}}}},
		"MSISDN only":         {SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultSuccess, ULAFlags: 1, Subscription: &SubscriptionData{MSISDN: "4917"}},
		"roaming not allowed": {SessionID: "s", Origin: Peer{"h", "r"}, Result: ErrorRoamingNotAllowed, ErrorMessage: "operator barred"},
		"missing AVP":         {SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultMissingAVP},
		"empty subscription":  {SessionID: "s", Result: ResultSuccess, Subscription: &SubscriptionData{}},
	} {
		m, err := BuildULA(a)
		if err != nil {
			t.Fatal(name, err)
		}
		_, b := wire(t, m)
		out["built: "+name] = b
	}
	msisdn := func(b []byte) *diam.AVP { return vendorAVP(avp.MSISDN, true, datatype.OctetString(b)) }
	pdp := func(typ []byte) *diam.AVP {
		return vendorAVP(avp.PDPContext, true, &diam.GroupedAVP{AVP: []*diam.AVP{
			vendorAVP(avp.ContextIdentifier, true, datatype.Unsigned32(3)),
			vendorAVP(avp.PDPType, true, datatype.OctetString(typ)),
			diam.NewAVP(avp.ServiceSelection, avp.Mbit, 0, datatype.UTF8String("apn")),
		}})
	}
	sub := func(members ...*diam.AVP) *diam.AVP {
		return vendorAVP(avp.SubscriptionData, true, &diam.GroupedAVP{AVP: members})
	}
	gprs := func(members ...*diam.AVP) *diam.AVP {
		return vendorAVP(avp.GPRSSubscriptionData, true, &diam.GroupedAVP{AVP: members})
	}
	result := diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(2001))
	experimental := diam.NewAVP(avp.ExperimentalResult, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(10415)),
		diam.NewAVP(avp.ExperimentalResultCode, avp.Mbit, 0, datatype.Unsigned32(5004)),
	}})
	for name, avps := range map[string][]*diam.AVP{
		"no result":                   {sub(msisdn([]byte{0x94}))},
		"result then experimental":    {result, experimental},
		"experimental then result":    {experimental, result},
		"two results":                 {result, diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(5001))},
		"bad MSISDN":                  {result, sub(msisdn([]byte{0xab}))},
		"bad PDP-Type":                {result, sub(gprs(pdp([]byte{0x21, 0x21})))},
		"bad PDP-Type, no result":     {sub(gprs(pdp([]byte{}))), diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("x"))},
		"two subscriptions":           {result, sub(msisdn([]byte{0x94})), sub(gprs(pdp([]byte{0x57})))},
		"two ULA-Flags":               {result, vendorAVP(avp.ULAFlags, true, datatype.Unsigned32(1)), vendorAVP(avp.ULAFlags, true, datatype.Unsigned32(0))},
		"unknown AVPs":                {diam.NewAVP(99999, 0, 0, datatype.OctetString("?")), result, diam.NewAVP(99998, avp.Vbit, 77, datatype.OctetString("??"))},
		"GPRS data without contexts":  {result, sub(gprs(vendorAVP(avp.ContextIdentifier, true, datatype.Unsigned32(1))))},
		"context with foreign member": {result, sub(gprs(pdp([]byte{0x8d}), diam.NewAVP(avp.UserName, 0, 0, datatype.UTF8String("u"))))},
		"origin and error message": {diam.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("hss")),
			diam.NewAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String("why")), result,
			diam.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("realm"))},
	} {
		m := diam.NewMessage(CommandUpdateLocation, 0, ApplicationID, 7, 8, nil)
		m.AddAVP(diam.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String("s;"+name)))
		for _, a := range avps {
			m.AddAVP(a)
		}
		_, b := wire(t, m)
		out["made: "+name] = b
	}
	return out
}

// sameULA reads frame both ways, through the library's decoding and
// ParseULA and in place with ParseULAFrame, and says how they differ.
func sameULA(t *testing.T, name string, frame []byte) {
	t.Helper()
	m, err := diameter.DecodeMessage(frame)
	if err != nil {
		return // not a message RequestBytes would hand over
	}
	want, wantErr := ParseULA(m)
	got, gotErr := ParseULAFrame(frame)
	if (wantErr == nil) != (gotErr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: ParseULAFrame gave %+v, %v; ParseULA %+v, %v", name, got, gotErr, want, wantErr)
	}
	if wantErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("%s: ParseULAFrame said %q, ParseULA %q", name, gotErr, wantErr)
	}
}

func TestParseULAFrameReadsWhatParseULAReads(t *testing.T) {
	frames := ulaFrames(t)
	oks, errs := 0, 0
	for name, b := range frames {
		sameULA(t, name, b)
		if _, err := ParseULAFrame(b); err == nil {
			oks++
		} else {
			errs++
		}
	}
	if oks < 8 || errs < 4 {
		t.Fatalf("%d answers read, %d refused: the cases do not cover both", oks, errs)
	}
	a, err := ParseULAFrame(frames["built: success, two contexts"])
	if err != nil || a.Subscription == nil || len(a.Subscription.GPRS) != 2 || a.Subscription.GPRS[1].APN != "em" ||
		a.Subscription.MSISDN != "491701234567" || a.Origin.Host != "hlr.test" || a.ULAFlags != ULAFlagSeparationIndication {
		t.Fatalf("success answer read as %+v, %v", a, err)
	}
	if a, err := ParseULAFrame(frames["made: experimental then result"]); err != nil || a.Result != (Result{Code: 5004, Experimental: true}) {
		t.Fatalf("experimental result read as %+v, %v", a, err)
	}
}

func TestParseULAFrameRefusesOtherCommands(t *testing.T) {
	m, err := BuildULR(sampleULR())
	if err != nil {
		t.Fatal(err)
	}
	_, b := wire(t, m)
	if _, err := ParseULAFrame(b); err == nil {
		t.Fatal("ParseULAFrame read a ULR")
	}
	for _, n := range []int{0, 5, 19} {
		if _, err := ParseULAFrame(b[:n]); err == nil {
			t.Fatalf("ParseULAFrame read %d bytes", n)
		}
	}
}

// Any bytes: ParseULAFrame never panics, and for a frame the library
// decodes (what RequestBytes hands over has passed the same checks) it
// reads what ParseULA reads.
func FuzzParseULAFrame(f *testing.F) {
	for _, b := range ulaFrames(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseULAFrame(b)
		sameULA(t, "fuzzed", b)
	})
}

// sameULR builds r both ways and says how they differ: the same refusal,
// or the same bytes (AppendULR after a prefix it must leave alone).
func sameULR(t *testing.T, r *UpdateLocationRequest) {
	t.Helper()
	m, wantErr := BuildULR(r)
	prefix := []byte("prefix")
	got, gotErr := AppendULR(bytes.Clone(prefix), r)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%+v: AppendULR said %v, BuildULR %v", r, gotErr, wantErr)
	}
	if wantErr != nil {
		if gotErr.Error() != wantErr.Error() || !bytes.Equal(got, prefix) {
			t.Fatalf("%+v: AppendULR said %q and left %q, BuildULR %q", r, gotErr, got, wantErr)
		}
		return
	}
	m.Header.MessageLength = uint32(m.Len())
	want, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%+v:\nAppendULR % x\nBuildULR  % x", r, got[len(prefix):], want)
	}
}

func TestAppendULRWritesWhatBuildULRBuilds(t *testing.T) {
	for _, r := range []*UpdateLocationRequest{
		sampleULR(),
		{SessionID: "s", Origin: Peer{"vlr", "r"}, DestinationRealm: "h", IMSI: "310150123456789", RATType: RATGERAN,
			Flags: ULRS6aS6dIndicator, VisitedPLMN: PLMN{"310", "150"}},
		{SessionID: "sgsn01.epc.mnc001.mcc262.3gppnetwork.org;1700000000;12", Origin: Peer{"a", "bc"}, DestinationHost: "hlr",
			DestinationRealm: "home.example.org", IMSI: "26201", RATType: RATUTRAN, VisitedPLMN: PLMN{"262", "01"}, SGSNNumber: "491"},
		{SessionID: "", IMSI: "1", VisitedPLMN: PLMN{"262", "01"}},                          // empty strings: AVPs of no payload
		{SessionID: "s", IMSI: "26201x", VisitedPLMN: PLMN{"262", "01"}},                    // refused: IMSI
		{SessionID: "s", IMSI: "26201", VisitedPLMN: PLMN{"26", "01"}},                      // refused: PLMN
		{SessionID: "s", IMSI: "26201", VisitedPLMN: PLMN{"262", "01"}, SGSNNumber: "49-1"}, // refused: SGSN-Number
	} {
		sameULR(t, r)
	}
}

// Any request: AppendULR writes BuildULR's bytes, or refuses what it refuses.
func FuzzAppendULR(f *testing.F) {
	f.Add("sgsn.test;1;2", "sgsn.test", "visited.test", "hlr.test", "home.test", "262011234567890", uint32(1001), uint32(34), "262", "01", "4917012345")
	f.Add("", "", "", "", "", "1", uint32(0), uint32(0), "310", "150", "")
	f.Fuzz(func(t *testing.T, sid, host, realm, dhost, drealm, imsi string, rat, flags uint32, mcc, mnc, sgsn string) {
		sameULR(t, &UpdateLocationRequest{SessionID: sid, Origin: Peer{host, realm}, DestinationHost: dhost, DestinationRealm: drealm,
			IMSI: imsi, RATType: RATType(rat), Flags: ULRFlags(flags), VisitedPLMN: PLMN{mcc, mnc}, SGSNNumber: sgsn})
	})
}

// sameULRRead reads a ULR frame both ways: where ParseULR reads it,
// ParseULRFrame reads the same; where ParseULR refuses it, ParseULRFrame
// leaves it to ParseULR (not ok).
func sameULRRead(t *testing.T, name string, frame []byte) (read bool) {
	t.Helper()
	m, err := diameter.DecodeMessage(frame)
	if err != nil {
		return false
	}
	want, wantErr := ParseULR(m)
	got, ok := ParseULRFrame(frame)
	allPlain := true
	diameter.EachAVP(frame, func(a diameter.RawAVP) bool {
		allPlain = plain(a)
		return allPlain
	})
	// Read in place only what ParseULR reads, the same; leave to it only
	// what it refuses, or what has an AVP of a type the library checks.
	if (ok && (wantErr != nil || !reflect.DeepEqual(got, want))) || (!ok && wantErr == nil && allPlain) {
		t.Fatalf("%s: ParseULRFrame gave %+v, %v; ParseULR %+v, %v (all plain %v)", name, got, ok, want, wantErr, allPlain)
	}
	return ok
}

func ulrFrames(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for name, r := range map[string]*UpdateLocationRequest{
		"sample": sampleULR(),
		"S6a, 3-digit MNC": {SessionID: "s", Origin: Peer{"vlr", "r"}, DestinationRealm: "h", IMSI: "310150123456789",
			RATType: RATGERAN, Flags: ULRS6aS6dIndicator, VisitedPLMN: PLMN{"310", "150"}},
		"short IMSI": {SessionID: "s", Origin: Peer{"vlr", "r"}, DestinationRealm: "h", IMSI: "26201",
			VisitedPLMN: PLMN{"262", "01"}},
		"no origin host": {SessionID: "s", Origin: Peer{"", "r"}, DestinationRealm: "h", IMSI: "262011234567890",
			VisitedPLMN: PLMN{"262", "01"}},
	} {
		b, err := AppendULR(nil, r)
		if err != nil {
			t.Fatal(name, err)
		}
		out["built: "+name] = b
	}
	base := func() *diam.Message {
		m, err := BuildULR(sampleULR())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for name, edit := range map[string]func(m *diam.Message){
		"without RAT-Type":         func(m *diam.Message) { m.AVP = dropAVP(m.AVP, avp.RATType) },
		"without Auth-Session":     func(m *diam.Message) { m.AVP = dropAVP(m.AVP, avp.AuthSessionState) },
		"without User-Name":        func(m *diam.Message) { m.AVP = dropAVP(m.AVP, avp.UserName) },
		"without Visited-PLMN":     func(m *diam.Message) { m.AVP = dropAVP(m.AVP, avp.VisitedPLMNID) },
		"without ULR-Flags":        func(m *diam.Message) { m.AVP = dropAVP(m.AVP, avp.ULRFlags) },
		"without Destination-Host": func(m *diam.Message) { m.AVP = dropAVP(m.AVP, avp.DestinationHost) },
		"IMSI with a letter": func(m *diam.Message) {
			m.AVP = append(dropAVP(m.AVP, avp.UserName), diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("26201123456789a")))
		},
		"PLMN of 2 bytes": func(m *diam.Message) {
			m.AVP = append(dropAVP(m.AVP, avp.VisitedPLMNID), vendorAVP(avp.VisitedPLMNID, true, datatype.OctetString([]byte{0x62, 0xf2})))
		},
		"bad SGSN-Number": func(m *diam.Message) {
			m.AVP = append(dropAVP(m.AVP, avp.SGSNNumber), vendorAVP(avp.SGSNNumber, true, datatype.OctetString([]byte{0xab})))
		},
		"two User-Names, the last good": func(m *diam.Message) {
			m.AVP = append([]*diam.AVP{diam.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("x"))}, m.AVP...)
		},
		"two RAT-Types": func(m *diam.Message) {
			m.AVP = append(m.AVP, vendorAVP(avp.RATType, true, datatype.Enumerated(RATGERAN)))
		},
		"an unknown AVP": func(m *diam.Message) { m.AVP = append(m.AVP, diam.NewAVP(99999, 0, 0, datatype.OctetString("?"))) },
		"a good Address": func(m *diam.Message) {
			m.AVP = append(m.AVP, diam.NewAVP(avp.HostIPAddress, avp.Mbit, 0, datatype.Address([]byte{127, 0, 0, 1})))
		},
		"a grouped AVP": func(m *diam.Message) {
			m.AVP = append(m.AVP, diam.NewAVP(avp.VendorSpecificApplicationID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
				diam.NewAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(VendorID3GPP)),
				diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(ApplicationID))}}))
		},
		"as an answer": func(m *diam.Message) { m.Header.CommandFlags &^= diam.RequestFlag },
	} {
		m := base()
		edit(m)
		_, b := wire(t, m)
		out["made: "+name] = b
	}
	return out
}

func dropAVP(avps []*diam.AVP, code uint32) []*diam.AVP {
	var out []*diam.AVP
	for _, a := range avps {
		if a.Code != code {
			out = append(out, a)
		}
	}
	return out
}

// A ULR the library cannot decode (an Address of family 0 beside
// well-formed AVPs, which the connection's check lets through) is left to
// the library, to be answered as before, not read in place.
func TestParseULRFrameLeavesWhatTheLibraryRefuses(t *testing.T) {
	m, err := BuildULR(sampleULR())
	if err != nil {
		t.Fatal(err)
	}
	m.AddAVP(diam.NewAVP(avp.HostIPAddress, avp.Mbit, 0, datatype.Unknown([]byte{0, 0, 10, 0, 0, 1})))
	m.Header.MessageLength = uint32(m.Len())
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := diameter.DecodeMessage(b); err == nil {
		t.Fatal("the library decoded an Address of family 0: the case tests nothing")
	}
	if r, ok := ParseULRFrame(b); ok {
		t.Fatalf("read in place as %+v", r)
	}
	if _, ok := ParseULRFrame(b[:len(b)-12]); ok { // without it: read
		t.Fatal("the same ULR without the bad Address was not read")
	}
}

func TestParseULRFrameReadsWhatParseULRReads(t *testing.T) {
	read, left := 0, 0
	for name, b := range ulrFrames(t) {
		if sameULRRead(t, name, b) {
			read++
		} else {
			left++
		}
	}
	if read < 4 || left < 8 {
		t.Fatalf("%d read, %d left to ParseULR: the cases do not cover both", read, left)
	}
}

// Any bytes: ParseULRFrame never panics, and for a frame the library
// decodes it reads what ParseULR reads, or leaves it to ParseULR.
func FuzzParseULRFrame(f *testing.F) {
	for _, b := range ulrFrames(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseULRFrame(b)
		sameULRRead(t, "fuzzed", b)
	})
}

// sameULABytes builds a both ways: the same refusal, or the same bytes.
func sameULABytes(t *testing.T, a *UpdateLocationAnswer) {
	t.Helper()
	m, wantErr := BuildULA(a)
	got, gotErr := AppendULA([]byte("p"), a)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%+v: AppendULA said %v, BuildULA %v", a, gotErr, wantErr)
	}
	if wantErr != nil {
		if gotErr.Error() != wantErr.Error() {
			t.Fatalf("AppendULA said %q, BuildULA %q", gotErr, wantErr)
		}
		return
	}
	m.Header.MessageLength = uint32(m.Len())
	want, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 'p' || !bytes.Equal(got[1:], want) {
		t.Fatalf("%+v:\nAppendULA % x\nBuildULA  % x", a, got[1:], want)
	}
}

func TestAppendULAWritesWhatBuildULABuilds(t *testing.T) {
	for _, a := range []*UpdateLocationAnswer{
		{SessionID: "sgsn.test;1;2", Origin: Peer{"hlr.test", "home.test"}, Result: ResultSuccess, ULAFlags: ULAFlagSeparationIndication,
			Subscription: &SubscriptionData{MSISDN: "491701234567", GPRS: []PDPContext{{1, PDPTypeIPv4, "iot.example"}, {2, PDPTypeIPv4v6, "em"}}}},
		{SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultSuccess, Subscription: &SubscriptionData{MSISDN: "4917"}},
		{SessionID: "s", Origin: Peer{"h", "r"}, Result: ResultSuccess, Subscription: &SubscriptionData{}},
		{SessionID: "s", Origin: Peer{"h", "r"}, Result: ErrorRoamingNotAllowed, ErrorMessage: "operator barred"},
		{SessionID: "", Result: ResultMissingAVP},
		{SessionID: "s", Result: ResultSuccess, ULAFlags: 0},
		{SessionID: "s", Result: ResultSuccess, Subscription: &SubscriptionData{MSISDN: "49x"}},                    // refused
		{SessionID: "s", Result: ResultSuccess, Subscription: &SubscriptionData{GPRS: []PDPContext{{PDPType: 7}}}}, // refused
	} {
		sameULABytes(t, a)
	}
}

// Any answer: AppendULA writes BuildULA's bytes, or refuses what it refuses.
func FuzzAppendULA(f *testing.F) {
	f.Add("s;1", "hlr", "home", uint32(2001), false, "", uint32(1), true, "4917", uint32(1), uint32(0), "em", uint8(2))
	f.Add("", "", "", uint32(5004), true, "barred", uint32(0), false, "", uint32(0), uint32(3), "", uint8(0))
	f.Fuzz(func(t *testing.T, sid, host, realm string, code uint32, exp bool, msg string, flags uint32, sub bool, msisdn string,
		ctx, typ uint32, apn string, n uint8) {
		a := &UpdateLocationAnswer{SessionID: sid, Origin: Peer{host, realm}, Result: Result{Code: code, Experimental: exp},
			ErrorMessage: msg, ULAFlags: flags}
		if sub {
			a.Subscription = &SubscriptionData{MSISDN: msisdn}
			for i := range n % 4 {
				a.Subscription.GPRS = append(a.Subscription.GPRS, PDPContext{ContextID: ctx + uint32(i), PDPType: typ, APN: apn})
			}
		}
		sameULABytes(t, a)
	})
}

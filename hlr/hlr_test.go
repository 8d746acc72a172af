package hlr

import (
	"reflect"
	"sync"
	"testing"

	"github.com/core-sim/core-sim/s6a"
)

var (
	home  = s6a.Peer{Host: "hlr.home", Realm: "home"}
	vlr1  = s6a.Peer{Host: "vlr1.visited", Realm: "visited"}
	vlr2  = s6a.Peer{Host: "vlr2.visited", Realm: "visited"}
	sgsn1 = s6a.Peer{Host: "sgsn1.visited", Realm: "visited"}
	sgsn2 = s6a.Peer{Host: "sgsn2.other", Realm: "other"}
)

const (
	imsiOK       = "262019900000007"
	imsiDisabled = "262018800000001"
	imsiNoAPN    = "262017700000001"
	imsiUnknown  = "262010000000001"
)

func testStore(t testing.TB) *Store {
	t.Helper()
	r := trackers()
	st, err := NewStore([]Range{
		r,
		{FirstIMSI: "262018800000000", Count: 10, FirstMSISDN: "4917088000000", Enabled: false, APNs: []string{"em"}},
		{FirstIMSI: "262017700000000", Count: 10, FirstMSISDN: "4917077000000", Enabled: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func ulr(imsi string, from s6a.Peer, flags s6a.ULRFlags, plmn string, rat s6a.RATType) *s6a.UpdateLocationRequest {
	p, _ := s6a.ParsePLMN(plmn)
	return &s6a.UpdateLocationRequest{SessionID: "sid", Origin: from, DestinationRealm: "home", IMSI: imsi,
		RATType: rat, Flags: flags, VisitedPLMN: p}
}

const (
	s6aSide = s6a.ULRS6aS6dIndicator
	s6dSide = s6a.ULRFlags(0)
)

func TestUpdateLocationDecisions(t *testing.T) {
	tests := []struct {
		name    string
		req     *s6a.UpdateLocationRequest
		result  s6a.Result
		message string
		sub     *s6a.SubscriptionData
	}{
		{"unknown IMSI", ulr(imsiUnknown, sgsn1, s6dSide, "26201", s6a.RATUTRAN), s6a.ErrorUserUnknown, ReasonUnknownIMSI, nil},
		{"endpoint disabled", ulr(imsiDisabled, sgsn1, s6dSide, "26201", s6a.RATUTRAN), s6a.ErrorRoamingNotAllowed, "endpoint disabled", nil},
		{"PLMN not allowed", ulr(imsiOK, sgsn1, s6dSide, "20801", s6a.RATUTRAN), s6a.ErrorRoamingNotAllowed, "roaming not allowed in PLMN 20801", nil},
		{"PLMN blacklisted", ulr(imsiOK, sgsn1, s6dSide, "26203", s6a.RATUTRAN), s6a.ErrorRoamingNotAllowed, "operator blacklisted: 26203", nil},
		{"RAT not allowed", ulr(imsiOK, sgsn1, s6dSide, "26201", s6a.RATEUTRAN), s6a.ErrorRATNotAllowed, "RAT EUTRAN not allowed", nil},
		{"S6d without APN", ulr(imsiNoAPN, sgsn1, s6dSide, "26201", s6a.RATUTRAN), s6a.ErrorUnknownEPSSubscription, ReasonNoGPRSSubscription, nil},
		{"S6a without APN is fine", ulr(imsiNoAPN, vlr1, s6aSide, "26201", s6a.RATGERAN), s6a.ResultSuccess, "",
			&s6a.SubscriptionData{MSISDN: "4917077000001"}},
		{"success S6a: MSISDN only", ulr(imsiOK, vlr1, s6aSide, "26201", s6a.RATGERAN), s6a.ResultSuccess, "",
			&s6a.SubscriptionData{MSISDN: "4917099000007"}},
		{"success S6a asking for GPRS data", ulr(imsiOK, vlr1, s6aSide|s6a.ULRGPRSSubscriptionDataInd, "23415", s6a.RATGERAN), s6a.ResultSuccess, "",
			&s6a.SubscriptionData{MSISDN: "4917099000007", GPRS: []s6a.PDPContext{{ContextID: 1, PDPType: s6a.PDPTypeIPv4, APN: "iot.example"}, {ContextID: 2, PDPType: s6a.PDPTypeIPv4, APN: "em"}}}},
		{"success S6d: PDP context per APN", ulr(imsiOK, sgsn1, s6dSide, "26202", s6a.RATUTRAN), s6a.ResultSuccess, "",
			&s6a.SubscriptionData{MSISDN: "4917099000007", GPRS: []s6a.PDPContext{{ContextID: 1, PDPType: s6a.PDPTypeIPv4, APN: "iot.example"}, {ContextID: 2, PDPType: s6a.PDPTypeIPv4, APN: "em"}}}},
		{"success with Skip-Subscriber-Data", ulr(imsiOK, sgsn1, s6dSide|s6a.ULRSkipSubscriberData, "26201", s6a.RATUTRAN), s6a.ResultSuccess, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(testStore(t), home)
			ans, clr := h.UpdateLocation(tt.req)
			if clr != nil {
				t.Errorf("unexpected CLR %+v", clr)
			}
			if ans.Result != tt.result || ans.ErrorMessage != tt.message {
				t.Errorf("got %v %q, want %v %q", ans.Result, ans.ErrorMessage, tt.result, tt.message)
			}
			if !reflect.DeepEqual(ans.Subscription, tt.sub) {
				t.Errorf("subscription %+v, want %+v", ans.Subscription, tt.sub)
			}
			if ans.SessionID != "sid" || ans.Origin != home {
				t.Errorf("answer header %q %v", ans.SessionID, ans.Origin)
			}
			reg, registered := h.Registration(tt.req.IMSI)
			if registered != tt.result.OK() {
				t.Errorf("registered %v (%v) after %v", registered, reg, tt.result)
			}
			if tt.result.OK() && ans.ULAFlags != s6a.ULAFlagSeparationIndication {
				t.Errorf("ULA-Flags %d", ans.ULAFlags)
			}
		})
	}
}

func TestCancelLocationOnNodeChange(t *testing.T) {
	type step struct {
		from   s6a.Peer
		side   s6a.ULRFlags
		cancel *s6a.CancelLocationRequest // nil: none expected
		reg    Registration
	}
	clr := func(to s6a.Peer, ct s6a.CancellationType) *s6a.CancelLocationRequest {
		return &s6a.CancelLocationRequest{Origin: home, DestinationHost: to.Host, DestinationRealm: to.Realm, IMSI: imsiOK, CancellationType: ct}
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"S6a: new VLR cancels the old one", []step{
			{vlr1, s6aSide, nil, Registration{S6a: vlr1}},
			{vlr2, s6aSide, clr(vlr1, s6a.CancelMMEUpdateProcedure), Registration{S6a: vlr2}},
		}},
		{"S6d: new SGSN cancels the old one", []step{
			{sgsn1, s6dSide, nil, Registration{S6d: sgsn1}},
			{sgsn2, s6dSide, clr(sgsn1, s6a.CancelSGSNUpdateProcedure), Registration{S6d: sgsn2}},
		}},
		{"same node again: no CLR", []step{
			{sgsn1, s6dSide, nil, Registration{S6d: sgsn1}},
			{sgsn1, s6dSide, nil, Registration{S6d: sgsn1}},
		}},
		{"sides are separate", []step{
			{vlr1, s6aSide, nil, Registration{S6a: vlr1}},
			{sgsn1, s6dSide, nil, Registration{S6a: vlr1, S6d: sgsn1}},
			{sgsn2, s6dSide, clr(sgsn1, s6a.CancelSGSNUpdateProcedure), Registration{S6a: vlr1, S6d: sgsn2}},
			{vlr2, s6aSide, clr(vlr1, s6a.CancelMMEUpdateProcedure), Registration{S6a: vlr2, S6d: sgsn2}},
		}},
		{"a node serving both sides", []step{
			{sgsn1, s6aSide, nil, Registration{S6a: sgsn1}},
			{sgsn1, s6dSide, nil, Registration{S6a: sgsn1, S6d: sgsn1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(testStore(t), home)
			for i, s := range tt.steps {
				rat := s6a.RATUTRAN
				ans, got := h.UpdateLocation(ulr(imsiOK, s.from, s.side, "26201", rat))
				if !ans.Result.OK() {
					t.Fatalf("step %d: %v %s", i, ans.Result, ans.ErrorMessage)
				}
				if !reflect.DeepEqual(got, s.cancel) {
					t.Errorf("step %d: CLR %+v, want %+v", i, got, s.cancel)
				}
				if reg, _ := h.Registration(imsiOK); reg != s.reg {
					t.Errorf("step %d: registration %v, want %v", i, reg, s.reg)
				}
			}
		})
	}
}

func TestRejectedULRKeepsRegistration(t *testing.T) {
	h := New(testStore(t), home)
	h.UpdateLocation(ulr(imsiOK, sgsn1, s6dSide, "26201", s6a.RATUTRAN))
	ans, clr := h.UpdateLocation(ulr(imsiOK, sgsn2, s6dSide, "26203", s6a.RATUTRAN))
	if ans.Result.OK() || clr != nil {
		t.Fatalf("blacklisted ULR: %v, CLR %v", ans.Result, clr)
	}
	if reg, _ := h.Registration(imsiOK); reg.S6d != sgsn1 {
		t.Errorf("registration %v", reg)
	}
}

func TestPurgeUE(t *testing.T) {
	pur := func(imsi string, from s6a.Peer) *s6a.PurgeUERequest {
		return &s6a.PurgeUERequest{SessionID: "p", Origin: from, DestinationRealm: "home", IMSI: imsi}
	}
	tests := []struct {
		name     string
		register []s6a.Peer // S6d registrations, then S6a for vlr*
		purge    *s6a.PurgeUERequest
		result   s6a.Result
		flags    uint32
		reg      Registration
		stays    bool
	}{
		{"unknown IMSI", nil, pur(imsiUnknown, sgsn1), s6a.ErrorUserUnknown, 0, Registration{}, false},
		{"registered SGSN purges", []s6a.Peer{sgsn1}, pur(imsiOK, sgsn1), s6a.ResultSuccess, s6a.PUAFreezePTMSI, Registration{}, false},
		{"registered VLR purges", []s6a.Peer{vlr1, sgsn1}, pur(imsiOK, vlr1), s6a.ResultSuccess, s6a.PUAFreezeMTMSI, Registration{S6d: sgsn1}, true},
		{"old SGSN purges after a move: ignored", []s6a.Peer{sgsn1, sgsn2}, pur(imsiOK, sgsn1), s6a.ResultSuccess, 0, Registration{S6d: sgsn2}, true},
		{"never registered", nil, pur(imsiOK, sgsn1), s6a.ResultSuccess, 0, Registration{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(testStore(t), home)
			for _, p := range tt.register {
				side := s6dSide
				if p == vlr1 || p == vlr2 {
					side = s6aSide
				}
				h.UpdateLocation(ulr(imsiOK, p, side, "26201", s6a.RATUTRAN))
			}
			ans := h.PurgeUE(tt.purge)
			if ans.Result != tt.result || ans.PUAFlags != tt.flags || ans.SessionID != "p" || ans.Origin != home {
				t.Errorf("PUA %+v", ans)
			}
			reg, ok := h.Registration(tt.purge.IMSI)
			if ok != tt.stays || reg != tt.reg {
				t.Errorf("registration %v %v, want %v %v", reg, ok, tt.reg, tt.stays)
			}
		})
	}
}

// The same requests in the same order give the same answers, whatever
// the concurrency of other subscribers' requests.
func TestDeterministicAndConcurrent(t *testing.T) {
	run := func() []string {
		h := New(testStore(t), home)
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 500; i++ {
					imsi := "2620199" + "0001" + string(rune('0'+g)) + "000"
					from := []s6a.Peer{sgsn1, sgsn2}[i%2]
					h.UpdateLocation(ulr(imsi, from, s6dSide, "26201", s6a.RATUTRAN))
				}
			}()
		}
		wg.Wait()
		var out []string
		for g := 0; g < 8; g++ {
			reg, _ := h.Registration("2620199" + "0001" + string(rune('0'+g)) + "000")
			out = append(out, reg.String())
		}
		return out
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Errorf("runs differ: %v vs %v", a, b)
	}
	if a[0] != "S6a= S6d=sgsn2.other" {
		t.Errorf("final registration %s", a[0])
	}
}

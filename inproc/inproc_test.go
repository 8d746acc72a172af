package inproc

import (
	"context"
	"net/netip"
	"testing"

	"github.com/core-sim/core-sim/ggsn"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/hlr"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/sgsn"
)

type node struct{ cancelled []string }

func (n *node) CancelLocation(_ context.Context, clr *s6a.CancelLocationRequest) *s6a.CancelLocationAnswer {
	n.cancelled = append(n.cancelled, clr.IMSI)
	return &s6a.CancelLocationAnswer{SessionID: clr.SessionID, Result: s6a.ResultSuccess}
}

func identity(host string) sgsn.Identity {
	return sgsn.Identity{Diameter: s6a.Peer{Host: host, Realm: "r"}}
}

func TestHLRDecidesAndCancelsTheOldNode(t *testing.T) {
	store, err := hlr.NewStore([]hlr.Range{{FirstIMSI: "295050900000001", Count: 10, FirstMSISDN: "4236639001",
		FirstICCID: "8942310000000000016", FirstEndpointID: 1, Enabled: true, APNs: []string{"em"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHLR(hlr.New(store, s6a.Peer{Host: "hlr", Realm: "r"}))
	ctx := context.Background()
	a, b := &node{}, &node{}
	hssA, closeA, err := h.Connect(ctx, identity("a"), a)
	if err != nil {
		t.Fatal(err)
	}
	hssB, _, err := h.Connect(ctx, identity("b"), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Connect(ctx, identity("a"), a); err == nil {
		t.Error("a second node with the same name was accepted")
	}
	ulr := func(hss sgsn.HSS, host, imsi string) *s6a.UpdateLocationAnswer {
		ans, err := hss.UpdateLocation(ctx, &s6a.UpdateLocationRequest{Origin: s6a.Peer{Host: host, Realm: "r"}, IMSI: imsi,
			RATType: s6a.RATUTRAN, Flags: s6a.ULRS6aS6dIndicator, VisitedPLMN: s6a.PLMN{MCC: "262", MNC: "01"}})
		if err != nil {
			t.Fatal(err)
		}
		return ans
	}
	if ans := ulr(hssA, "a", "295050900000001"); !ans.Result.OK() || ans.Subscription.MSISDN != "4236639001" {
		t.Fatalf("ULA %+v", ans)
	}
	if ans := ulr(hssA, "a", "295050900000099"); ans.Result != s6a.ErrorUserUnknown {
		t.Errorf("unknown IMSI: %v", ans.Result)
	}
	ulr(hssB, "b", "295050900000001") // the subscriber moves to b: a is cancelled first
	if len(a.cancelled) != 1 || a.cancelled[0] != "295050900000001" || len(b.cancelled) != 0 {
		t.Errorf("cancelled at a %v, at b %v", a.cancelled, b.cancelled)
	}
	closeA.Close()
	ulr(hssA, "a", "295050900000001") // a is gone: nothing to cancel it at, b is cancelled
	if len(b.cancelled) != 1 {
		t.Errorf("cancelled at b %v", b.cancelled)
	}
}

func TestGGSNDecides(t *testing.T) {
	core, err := ggsn.New(ggsn.Config{ControlAddr: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	g := NewGGSN(core, netip.MustParseAddrPort("127.0.0.1:2123"))
	ctx := context.Background()
	req := &gtpc.CreatePDPContextRequest{IMSI: "295050900000001", APN: "em", NSAPI: 5, TEIDData: 1, TEIDControl: 2,
		SGSNControlAddr: netip.MustParseAddr("127.0.0.1"), SGSNUserAddr: netip.MustParseAddr("127.0.0.1"), RATType: gtpc.RATUTRAN}
	res, err := g.CreatePDPContext(ctx, netip.AddrPort{}, req)
	if err != nil || res.Cause != gtpc.CauseRequestAccepted || !res.EndUserAddress.IsValid() {
		t.Fatalf("create: %+v %v", res, err)
	}
	req.APN = "internet"
	if res, _ := g.CreatePDPContext(ctx, netip.AddrPort{}, req); res.Cause != gtpc.CauseMissingOrUnknownAPN {
		t.Errorf("unknown APN: %v", res.Cause)
	}
	if core.Active() != 1 {
		t.Errorf("%d active contexts, want 1", core.Active())
	}
	del, err := g.DeletePDPContext(ctx, netip.AddrPort{}, &gtpc.DeletePDPContextRequest{TEID: res.TEIDControl, NSAPI: 5})
	if err != nil || del.Cause != gtpc.CauseRequestAccepted || core.Active() != 0 {
		t.Fatalf("delete: %+v %v, %d active", del, err, core.Active())
	}
	if del, _ := g.DeletePDPContext(ctx, netip.AddrPort{}, &gtpc.DeletePDPContextRequest{TEID: res.TEIDControl, NSAPI: 5}); del.Cause != gtpc.CauseContextNotFound {
		t.Errorf("second delete: %v", del.Cause)
	}
}

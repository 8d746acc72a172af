package gtpc

// Interop with a real GGSN: our Endpoint as the SGSN side against osmocom's
// osmo-ggsn. Skipped when osmo-ggsn is not installed, unless
// CORESIM_REQUIRE_PEERS=1.

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/core-sim/core-sim/peers"
)

func TestInteropOsmoGGSN(t *testing.T) {
	// This test owns 127.20.1.2 (osmo-ggsn: GTP-C, VTY, CTRL) and the pool
	// 10.177.0.0/16 on tun device csimtun0.
	const ggsnIP = "127.20.1.2"
	pool := netip.MustParsePrefix("10.177.0.0/16")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	peers.OsmoGGSN{IP: netip.MustParseAddr(ggsnIP), Pool: pool, Tun: "csimtun0"}.Start(t, ctx)

	cli := listen(t, Config{T3Response: 200 * time.Millisecond, N3Requests: 3, Recovery: 1})
	ggsn := netip.AddrPortFrom(netip.MustParseAddr(ggsnIP), Port)
	// Wait until it answers.
	var rec uint8
	var err error
	for start := time.Now(); ; {
		if rec, err = cli.Echo(ctx, ggsn); err == nil {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("osmo-ggsn does not answer Echo: %v", err)
		}
	}
	t.Logf("osmo-ggsn Recovery %d", rec)

	const n = 20
	teids := make([]uint32, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := &CreatePDPContextRequest{
				IMSI: fmt.Sprintf("2620100000%05d", i), MSISDN: "4915100000001", APN: "em",
				NSAPI: 5, SelectionMode: 1, TEIDData: uint32(1000 + i), TEIDControl: uint32(2000 + i),
				SGSNControlAddr: cli.LocalAddr().Addr(), SGSNUserAddr: cli.LocalAddr().Addr(),
				RATType: RATGERAN, Location: &Location{MCC: "262", MNC: "01", LAC: 1, CI: 2, RAC: 3},
				IMEISV: "3534900698733101",
			}
			res, err := cli.CreatePDPContext(ctx, ggsn, req)
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			if res.Cause != CauseRequestAccepted || !pool.Contains(res.EndUserAddress) || res.TEIDControl == 0 ||
				res.TEID != req.TEIDControl || !res.GGSNControlAddr.IsValid() {
				t.Errorf("create %d: %+v", i, res)
				return
			}
			teids[i] = res.TEIDControl
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// libgtp ignores a Delete of a PDP address's last context without
	// Teardown Ind (TS 29.060 7.3.5): an SGSN sets it, as sgsnemu does.
	for i, teid := range teids {
		wg.Go(func() {
			res, err := cli.DeletePDPContext(ctx, ggsn, &DeletePDPContextRequest{TEID: teid, NSAPI: 5, TeardownInd: true})
			if err != nil || res.Cause != CauseRequestAccepted || res.TEID != uint32(2000+i) {
				t.Errorf("delete %d (TEID %#x): %+v %v", i, teid, res, err)
			}
		})
	}
	wg.Wait()
	// A second delete of the same context is refused by the real GGSN too.
	if res, err := cli.DeletePDPContext(ctx, ggsn, &DeletePDPContextRequest{TEID: teids[0], NSAPI: 5, TeardownInd: true}); err != nil ||
		res.Cause == CauseRequestAccepted {
		t.Errorf("delete of a deleted context: %+v %v", res, err)
	} else {
		t.Logf("osmo-ggsn answers a deleted TEID with %v", res.Cause)
	}
	if s := cli.Stats(); s.Malformed != 0 || s.Timeouts != 0 {
		t.Errorf("client stats %+v", s)
	}
}

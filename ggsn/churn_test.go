package ggsn

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/core-sim/core-sim/gtpc"
)

// BenchmarkGGSNChurnMillion is a million-device run's steady state at the
// GGSN: a million contexts open, and each op closes one at random and
// opens its subscriber's next (a Delete and a Create), the tables far
// larger than the caches.
func BenchmarkGGSNChurnMillion(b *testing.B) {
	const n = 1 << 20
	g, err := New(Config{APNs: []APN{{"em", netip.MustParsePrefix("10.0.0.0/8")}}})
	if err != nil {
		b.Fatal(err)
	}
	reqs := make([]gtpc.CreatePDPContextRequest, n)
	teids := make([]uint32, n)
	var res gtpc.CreatePDPContextResponse
	for i := range reqs {
		reqs[i] = *createReq(fmt.Sprintf("29505%010d", i), "em")
		g.CreatePDPContextInto(sgsn, &reqs[i], &res)
		if res.Cause != gtpc.CauseRequestAccepted {
			b.Fatalf("create %d: %v", i, res.Cause)
		}
		teids[i] = res.TEIDControl
	}
	order := make([]int32, n)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range order {
		order[i] = int32(r.IntN(n))
	}
	var del gtpc.DeletePDPContextRequest
	var dres gtpc.DeletePDPContextResponse
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		k := order[i&(n-1)]
		i++
		del = gtpc.DeletePDPContextRequest{TEID: teids[k], NSAPI: 5}
		g.DeletePDPContextInto(sgsn, &del, &dres)
		g.CreatePDPContextInto(sgsn, &reqs[k], &res)
		if dres.Cause != gtpc.CauseRequestAccepted || res.Cause != gtpc.CauseRequestAccepted {
			b.Fatalf("op %d: delete %v, create %v", i, dres.Cause, res.Cause)
		}
		teids[k] = res.TEIDControl
	}
}

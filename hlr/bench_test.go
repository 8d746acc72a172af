package hlr

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/core-sim/core-sim/diameter"
	"github.com/core-sim/core-sim/s6a"
	"go.uber.org/zap"
)

// BenchmarkHLRUpdateLocation is the pure core: lookup, policy, answer,
// registration, across a million subscribers and two SGSNs (so that half
// the requests also produce a Cancel Location).
func BenchmarkHLRUpdateLocation(b *testing.B) {
	h := New(testStore(b), home)
	var n atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := ulr(imsiOK, sgsn1, s6dSide, "26201", s6a.RATUTRAN)
		for pb.Next() {
			i := n.Add(1)
			req.IMSI = "2620199" + strconv.FormatUint(100_000_000+i%1_000_000, 10)[1:]
			if i&1 == 0 {
				req.Origin = sgsn1
			} else {
				req.Origin = sgsn2
			}
			if ans, _ := h.UpdateLocation(req); !ans.Result.OK() {
				b.Fatalf("%s: %v", req.IMSI, ans.Result)
			}
		}
	})
}

// BenchmarkULRoverTCP sends ULRs from 4 serving-node connections with 64
// requests in flight over TCP loopback and reports ULR/ULA per second.
func BenchmarkULRoverTCP(b *testing.B) {
	s, err := Start(context.Background(), Options{Listen: "127.0.0.1:0", Transport: "tcp", Host: "hlr.home", Realm: "home",
		Store: testStore(b), Logger: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const conns = 4
	clients := make([]*s6a.Client, conns)
	for i := range clients {
		c, err := s6a.Dial(context.Background(), "tcp", s.Addr().String(),
			diameter.Config{Host: "sgsn" + strconv.Itoa(i) + ".visited", Realm: "visited", Logger: zap.NewNop()}, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	var next, n atomic.Uint64
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := clients[next.Add(1)%conns]
		for pb.Next() {
			i := n.Add(1)
			req := gprsULR("2620199" + strconv.FormatUint(100_000_000+i%1_000_000, 10)[1:])
			ans, err := c.UpdateLocation(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			if !ans.Result.OK() {
				b.Fatalf("%s: %v", req.IMSI, ans.Result)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ULR/s")
}

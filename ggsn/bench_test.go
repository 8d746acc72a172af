package ggsn

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/core-sim/core-sim/gtpc"
)

// BenchmarkServerCreateDelete measures issue #4's target: Create + Delete
// PDP Context exchanges per second between core-sim's client (a
// gtpc.Endpoint, as the SGSN uses it) and the GGSN server over UDP loopback.
// One op, and one "exchange" in exchanges/s, is a Create and its Delete.
// Client and server share the machine's cores; 64 goroutines keep that
// many exchanges in flight, each with its own IMSI.
func BenchmarkServerCreateDelete(b *testing.B) {
	ctx := context.Background()
	srv, err := Start(ctx, Options{Listen: "127.0.0.1:0", Recovery: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cli, err := gtpc.Listen("127.0.0.1:0", gtpc.Config{Recovery: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	var next atomic.Uint32
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		n := next.Add(1)
		// What sgsn.Node sends.
		req := &gtpc.CreatePDPContextRequest{
			IMSI: fmt.Sprintf("26201%010d", n), MSISDN: fmt.Sprintf("49151%08d", n), IMEISV: "3534900698733101",
			APN: "em", NSAPI: 5,
			SGSNControlAddr: cli.LocalAddr().Addr(), SGSNUserAddr: cli.LocalAddr().Addr(),
			RATType: gtpc.RATUTRAN, Location: &gtpc.Location{MCC: "262", MNC: "01", LAC: 0x1234, CI: 0x5678},
		}
		del := &gtpc.DeletePDPContextRequest{NSAPI: 5}
		for i := uint32(0); pb.Next(); i++ {
			// A new TEID per activation, as an SGSN gives: at this rate the
			// client's 16-bit sequence numbers wrap within the GGSN's
			// duplicate-detection time, and an identical request under a
			// reused number would be taken for a retransmission.
			req.TEIDControl = n<<16 | i&0xffff
			req.TEIDData = req.TEIDControl | 1<<31
			res, err := cli.CreatePDPContext(ctx, srv.Addr(), req)
			if err != nil || res.Cause != gtpc.CauseRequestAccepted {
				b.Errorf("create: %v %+v", err, res)
				return
			}
			del.TEID = res.TEIDControl
			d, err := cli.DeletePDPContext(ctx, srv.Addr(), del)
			if err != nil || d.Cause != gtpc.CauseRequestAccepted {
				b.Errorf("delete: %v %+v", err, d)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exchanges/s")
	// CPU time per exchange, client and server together: on a shared
	// machine it says more than the wall clock. 2 cores / 20 us = 100,000/s.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-us/op")
	if s := cli.Stats(); s.Retransmissions > 0 {
		b.Logf("client retransmissions: %d", s.Retransmissions)
	}
	if n := srv.GGSN().Active(); n != 0 {
		b.Errorf("%d contexts left", n)
	}
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"

	"github.com/core-sim/core-sim/sink"
)

// BenchmarkSend produces b.N event-sized records (about 700 bytes, 1,000
// endpoints' keys) in the sink's batches to franz-go's in-process cluster
// (kfake) on loopback: events/s is what the sink delivers, acknowledged.
func BenchmarkSend(b *testing.B) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	spec, err := sink.ParseSpec("kafka:" + c.ListenAddrs()[0] + "/events")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(spec, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	pad := strings.Repeat("x", 640)
	recs := make([]sink.Record, MaxBatch)
	for i := range recs {
		recs[i] = sink.Record{ID: int64(i + 1), Type: 3, Key: []byte(fmt.Sprint(i % 1000)),
			Value: []byte(fmt.Sprintf(`{"id":%d,"description":"%s"}`, i+1, pad))}
	}
	ctx := context.Background()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += MaxBatch {
		if err := s.Send(ctx, recs[:min(MaxBatch, b.N-sent)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

package webhook

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/sink"
)

// benchRecords are n records shaped like platform events (about 700 bytes).
func benchRecords(n int) []sink.Record {
	pad := strings.Repeat("x", 640)
	out := make([]sink.Record, n)
	for i := range out {
		out[i] = sink.Record{ID: int64(i + 1), Type: 3, Key: []byte("1001"),
			Value: []byte(fmt.Sprintf(`{"id":%d,"description":"%s"}`, i+1, pad))}
	}
	return out
}

// benchSend posts b.N events through a webhook sink to a local receiver
// that reads and discards, with the options given; events/s is b.N over the
// elapsed time (receiver on the same cores).
func benchSend(b *testing.B, opts string, per int) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	spec, err := sink.ParseSpec("webhook:" + srv.URL + opts)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(spec, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	recs := benchRecords(per)
	ctx := context.Background()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += per {
		n := min(per, b.N-sent)
		if err := s.Send(ctx, recs[:n]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkSendOneARequest(b *testing.B) { benchSend(b, "", 1) }
func BenchmarkSendParallel8(b *testing.B)   { benchSend(b, ";parallel=8", 57) }
func BenchmarkSendBulk1000(b *testing.B)    { benchSend(b, ";bulk=1000", 1000) }

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/metrics"
	"github.com/core-sim/core-sim/sink"
	"github.com/core-sim/core-sim/sink/kafka"
	"github.com/core-sim/core-sim/sink/webhook"
)

// outputFlags are the flags of the commands that emit events: where they
// go and how they are delivered and spelled.
type outputFlags struct {
	events     multiFlag
	overflow   string
	queue      int
	giveUp     time.Duration
	timestamps string
	severities string
	mix        float64
	metrics    string
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (o *outputFlags) register(fs *flag.FlagSet) {
	fs.Var(&o.events, "events", "where events go; repeat to fan out (default stdout):\n"+
		"  stdout, file:PATH[;rotate=100MB;keep=10] (or just PATH),\n"+
		"  webhook:URL[;bulk=N;interval=1s;parallel=N;header=Name: value;ca=FILE;timeout=10s],\n"+
		"  kafka:BROKER[,BROKER...]/TOPIC[;client-id=NAME]\n"+
		"  and on any of them: ;types=1,2 ;alert=true ;stream=usage (see docs/sinks.md)")
	fs.StringVar(&o.overflow, "on-overflow", "block", "when a sink's queue is full: block (the simulation slows down) or drop (counted and reported)")
	fs.IntVar(&o.queue, "queue", 65536, "events a sink may have waiting before --on-overflow applies")
	fs.DurationVar(&o.giveUp, "give-up", 2*time.Minute, "how long a sink may keep failing on the same events before core-sim gives up on it")
	fs.StringVar(&o.timestamps, "timestamps", "zulu", "timestamp spelling: zulu (…000Z), offset (…000+0000), space (2026-11-26 10:42:58) or mixed")
	fs.StringVar(&o.severities, "severities", "title", "severity spelling: title (Info), upper (INFO) or mixed")
	fs.Float64Var(&o.mix, "mix", 0.1, "with mixed spellings, the fraction of events spelled otherwise than usual")
	fs.StringVar(&o.metrics, "metrics", "", "serve Prometheus metrics on this address (e.g. 127.0.0.1:9464; off by default)")
}

// format is the event spelling the flags ask for.
func (o *outputFlags) format(seed uint64) (events.Format, error) {
	f := events.Format{Timestamps: o.timestamps, Severities: o.severities, Mix: o.mix, Seed: seed}
	return f, f.Check()
}

// specs parses every --events argument; stdout if none.
func (o *outputFlags) specs() ([]sink.Spec, error) {
	args := o.events
	if len(args) == 0 {
		args = []string{"stdout"}
	}
	var specs []sink.Spec
	seen := map[string]bool{}
	for _, a := range args {
		s, err := sink.ParseSpec(a)
		if err != nil {
			return nil, err
		}
		if s.Kind == "file" && seen["file:"+s.Target] {
			return nil, s.Errorf("", "the file %s is already a sink", s.Target)
		}
		seen[s.Kind+":"+s.Target] = true
		specs = append(specs, s)
	}
	if o.queue <= 0 {
		return nil, fmt.Errorf("--queue %d: want a number of events above 0", o.queue)
	}
	if o.giveUp <= 0 {
		return nil, fmt.Errorf("--give-up %v: want a duration above 0", o.giveUp)
	}
	return specs, nil
}

// openSinks builds and checks every sink before any event is generated: a
// malformed URL, an unreachable broker or a TLS error stops the run here,
// naming the sink.
func openSinks(ctx context.Context, specs []sink.Spec, stdout io.Writer, log *zap.Logger) ([]sink.Target, error) {
	var targets []sink.Target
	closeAll := func() {
		for _, t := range targets {
			t.Sink.Close()
		}
	}
	for _, spec := range specs {
		s, err := newSink(spec, stdout, log)
		if err != nil {
			closeAll()
			return nil, err
		}
		targets = append(targets, sink.Target{Spec: spec, Sink: s})
		if o, ok := s.(sink.Opener); ok {
			octx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err := o.Open(octx)
			cancel()
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("--events %q: %w", spec.Raw, err)
			}
		}
	}
	return targets, nil
}

// newSink makes the sink a spec names.
func newSink(spec sink.Spec, stdout io.Writer, log *zap.Logger) (sink.Sink, error) {
	switch spec.Kind {
	case "stdout":
		if err := spec.Check(); err != nil {
			return nil, err
		}
		return sink.NewWriter("stdout", stdout), nil
	case "file":
		return sink.NewFile(spec)
	case "webhook":
		return webhook.New(spec, log.Named("webhook"))
	case "kafka":
		return kafka.New(spec, log.Named("kafka"))
	}
	return nil, spec.Errorf("", "unknown sink kind %q", spec.Kind)
}

// openStream starts the delivery pipeline and the event stream in front of it.
func openStream(ctx context.Context, of *outputFlags, seed uint64, stdout io.Writer, log *zap.Logger) (*events.Stream, *sink.Pipeline, error) {
	f, err := of.format(seed)
	if err != nil {
		return nil, nil, err
	}
	p, err := openPipeline(ctx, of, stdout, log)
	if err != nil {
		return nil, nil, err
	}
	return events.NewStreamTo(p, f), p, nil
}

// openPipeline opens the sinks the flags name and starts their delivery.
func openPipeline(ctx context.Context, of *outputFlags, stdout io.Writer, log *zap.Logger) (*sink.Pipeline, error) {
	overflow, err := sink.ParseOverflow(of.overflow)
	if err != nil {
		return nil, err
	}
	specs, err := of.specs()
	if err != nil {
		return nil, err
	}
	targets, err := openSinks(ctx, specs, stdout, log)
	if err != nil {
		return nil, err
	}
	return sink.Start(targets, sink.Options{Queue: of.queue, Overflow: overflow, GiveUp: of.giveUp, Logger: log.Named("sink")}), nil
}

// reportSinks writes a line per sink and returns an error if any sink did
// not deliver everything it accepted.
func reportSinks(w io.Writer, p *sink.Pipeline) error {
	var errs []error
	for _, r := range p.Runners() {
		s := r.Stats()
		fmt.Fprintf(w, "sink %s: %d delivered in %d deliveries, %d retries", s.Name, s.Delivered, s.Deliveries, s.Retries)
		if s.Filtered > 0 {
			fmt.Fprintf(w, ", %d filtered out", s.Filtered)
		}
		if s.Dropped > 0 {
			fmt.Fprintf(w, ", %d DROPPED (--on-overflow drop)", s.Dropped)
		}
		if s.Failed > 0 {
			fmt.Fprintf(w, ", %d NOT DELIVERED", s.Failed)
		}
		if s.Err != nil {
			fmt.Fprintf(w, ": %v", s.Err)
		}
		fmt.Fprintln(w)
		if s.Failed > 0 {
			errs = append(errs, fmt.Errorf("sink %s: %d events not delivered", s.Name, s.Failed))
		} else if s.Err != nil {
			errs = append(errs, fmt.Errorf("sink %s: %w", s.Name, s.Err))
		}
	}
	return errors.Join(errs...)
}

// afterInterrupt makes a second SIGINT or SIGTERM, while the stream is
// being flushed, stop waiting for sinks that keep failing.
func afterInterrupt(ctx context.Context, p *sink.Pipeline, stderr io.Writer) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		sigs, stopSigs := signalContext()
		defer stopSigs()
		select {
		case <-sigs.Done():
			fmt.Fprintln(stderr, "\ncore-sim: interrupted again: no more retries; undelivered events are counted")
			p.Abort()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// startMetrics serves the run's Prometheus metrics on addr; nil (and no
// cost on the hot path) when addr is empty.
func startMetrics(addr string, stream *events.Stream, p *sink.Pipeline, devices *atomic.Int64, log *zap.Logger) (*metrics.Metrics, error) {
	if addr == "" {
		return nil, nil
	}
	summary := func() events.Summary { return stream.Summary(int(devices.Load())) }
	m := metrics.New(metrics.Sources{
		Events: func() map[int]int64 {
			out := map[int]int64{}
			for t, n := range summary().ByType {
				out[int(t)] = int64(n)
			}
			return out
		},
		TypeNames: func(id int) string { return events.Type(id).String() },
		Rejects: func() map[string]int64 {
			out := map[string]int64{}
			for c, n := range summary().Rejects {
				out[c] = int64(n)
			}
			return out
		},
		Statuses: func() map[string]int64 {
			out := map[string]int64{}
			for st, n := range summary().ByStatus {
				out[st.String()] = int64(n)
			}
			return out
		},
		// A device holds one PDP context at most: those ONLINE have one.
		ActivePDP: func() int64 { return int64(summary().ByStatus[events.StatusOnline]) },
		Sinks:     func() []metrics.SinkStats { return sinkStats(p) },
	})
	return serveMetrics(m, addr, log)
}

func serveMetrics(m *metrics.Metrics, addr string, log *zap.Logger) (*metrics.Metrics, error) {
	a, err := m.Serve(addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %s: %w", addr, err)
	}
	log.Info("metrics", zap.String("url", "http://"+a.String()+"/metrics"))
	return m, nil
}

// sinkStats are the pipeline's sinks as metrics shows them.
func sinkStats(p *sink.Pipeline) []metrics.SinkStats {
	var out []metrics.SinkStats
	for _, r := range p.Runners() {
		s := r.Stats()
		out = append(out, metrics.SinkStats{Name: s.Name, ByType: s.ByType, Deliveries: s.Deliveries, Retries: s.Retries,
			Dropped: s.Dropped, Failed: s.Failed, QueueDepth: s.QueueDepth, QueueCap: s.QueueCap})
	}
	return out
}

// startProcsMetrics serves the metrics of a run in several processes: the
// events as merged, the sinks, and the endpoints by status and the rejects
// as the lanes last told them (sumLanes). The elements' request latencies
// are each lane's own and not served (docs/procs.md).
func startProcsMetrics(addr string, mg *merger, counts []laneCounts, p *sink.Pipeline, devices int, log *zap.Logger) (*metrics.Metrics, error) {
	if addr == "" {
		return nil, nil
	}
	m := metrics.New(metrics.Sources{
		Events:    mg.eventsByType,
		TypeNames: func(id int) string { return events.Type(id).String() },
		Rejects: func() map[string]int64 {
			_, _, _, rejects := sumLanes(counts)
			out := map[string]int64{}
			for c, n := range rejects {
				out[c] = int64(n)
			}
			return out
		},
		Statuses: func() map[string]int64 {
			online, attached, blocked, _ := sumLanes(counts)
			return map[string]int64{events.StatusOnline.String(): int64(online), events.StatusAttached.String(): int64(attached),
				events.StatusBlocked.String(): int64(blocked), events.StatusOffline.String(): int64(devices - online - attached - blocked)}
		},
		ActivePDP: func() int64 { online, _, _, _ := sumLanes(counts); return int64(online) },
		Sinks:     func() []metrics.SinkStats { return sinkStats(p) },
		NoLatency: true,
	})
	return serveMetrics(m, addr, log)
}

package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"

	"github.com/core-sim/core-sim/sink"
)

// cluster starts a one-broker kfake cluster on 127.0.0.1 with the topic
// "events" in 3 partitions, and returns its address.
func cluster(t *testing.T) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

func newSink(t *testing.T, arg string) *Sink {
	t.Helper()
	spec, err := sink.ParseSpec(arg)
	if err != nil {
		t.Fatal(err)
	}
	// Not zaptest: franz-go's broker goroutines may still log while the
	// client closes, after the test has ended (a race on testing.T).
	s, err := New(spec, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// unusedPort is a loopback address nothing listens on.
func unusedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

type value struct {
	ID       int64  `json:"id"`
	Endpoint string `json:"endpoint"`
}

// consume reads n records of topic from the start, failing after 10s.
func consume(t *testing.T, addr, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records before the time limit", len(out), n)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", topic, p, err)
		})
		out = append(out, fs.Records()...)
	}
	// Anything beyond n would be a duplicate: give it a moment to show.
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	out = append(out, cl.PollFetches(short).Records()...)
	return out
}

func TestSendConsume(t *testing.T) {
	start := time.Now()
	addr := cluster(t)
	s := newSink(t, "kafka:"+addr+"/events;client-id=test-sim;timeout=10s")
	if err := s.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}

	const total, endpoints = 5000, 50
	endpoint := func(id int) string { return strconv.Itoa(1_000_000 + id%endpoints*7919) }
	want := make(map[int64]value, total)

	// Batches of varying size, up to the sink's maximum. The keys and
	// values live in one buffer that is reused, and scribbled over after
	// each Send: the sink must not hold on to them.
	sizes := []int{1, 7, 500, MaxBatch, 333, 1}
	var buf []byte
	recs := make([]sink.Record, 0, MaxBatch)
	id, round := 0, 0
	for id < total {
		n := min(sizes[round%len(sizes)], total-id)
		round++
		buf, recs = buf[:0], recs[:0]
		type span struct{ k0, k1, v0, v1 int }
		spans := make([]span, n)
		for i := range n {
			ep := endpoint(id + i)
			var sp span
			sp.k0 = len(buf)
			buf = append(buf, ep...)
			sp.k1 = len(buf)
			sp.v0 = len(buf)
			buf = fmt.Appendf(buf, `{"id":%d,"endpoint":%q}`, id+i, ep)
			sp.v1 = len(buf)
			spans[i] = sp
			want[int64(id+i)] = value{int64(id + i), ep}
		}
		for i, sp := range spans {
			recs = append(recs, sink.Record{ID: int64(id + i), Type: 1, Key: buf[sp.k0:sp.k1], Value: buf[sp.v0:sp.v1]})
		}
		if err := s.Send(context.Background(), recs); err != nil {
			t.Fatalf("Send of %d records from id %d: %v", n, id, err)
		}
		for i := range buf {
			buf[i] = 'X'
		}
		id += n
	}
	sent := time.Since(start)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	got := consume(t, addr, "events", total)
	seen := make(map[int64]int, total)
	last := make(map[string]int64)
	part := make(map[string]int32)
	for _, r := range got {
		var v value
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("record at %d/%d: value %q: %v", r.Partition, r.Offset, r.Value, err)
		}
		seen[v.ID]++
		w, ok := want[v.ID]
		if !ok {
			t.Fatalf("record with id %d was never sent", v.ID)
		}
		if v != w || string(r.Key) != w.Endpoint {
			t.Errorf("id %d: key %q value %q; want key %q endpoint %q", v.ID, r.Key, r.Value, w.Endpoint, w.Endpoint)
		}
		k := string(r.Key)
		if p, ok := part[k]; ok && p != r.Partition {
			t.Errorf("key %s in partitions %d and %d", k, p, r.Partition)
		}
		part[k] = r.Partition
		if prev, ok := last[k]; ok && v.ID <= prev {
			t.Errorf("key %s: id %d after id %d", k, v.ID, prev)
		}
		last[k] = v.ID
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("id %d consumed %d times, want exactly once", id, seen[id])
		}
	}
	if len(got) != total || len(last) != endpoints {
		t.Errorf("consumed %d records of %d keys, want %d of %d", len(got), len(last), total, endpoints)
	}
	used := map[int32]bool{}
	for _, p := range part {
		used[p] = true
	}
	if len(used) < 2 {
		t.Errorf("50 keys all in partitions %v: the partitioner does not spread keys", used)
	}
	t.Logf("sent %d records in %d Sends in %v; total %v", total, round, sent.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

func TestSendPermanent(t *testing.T) {
	addr := cluster(t)
	s := newSink(t, "kafka:"+addr+"/events")
	big := bytes.Repeat([]byte("x"), 2<<20) // above the 1 MB batch limit
	recs := []sink.Record{
		{ID: 1, Key: []byte("42"), Value: []byte(`{"id":1}`)},
		{ID: 2, Key: []byte("42"), Value: big},
		{ID: 3, Value: []byte(`{"id":3}`)}, // no key: any partition
	}
	err := s.Send(context.Background(), recs)
	if err == nil {
		t.Fatal("Send of a 2 MiB record: no error")
	}
	if !sink.IsPermanent(err) || !errors.Is(err, kerr.MessageTooLarge) {
		t.Fatalf("Send of a 2 MiB record: %v; want permanent MESSAGE_TOO_LARGE", err)
	}
	if want := "kafka sink " + addr + "/events: 1 of 3 records refused; record 1 (id 2): "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q; want it to start with %q", err, want)
	}
	// The others were delivered all the same.
	got := consume(t, addr, "events", 2)
	if len(got) != 2 {
		t.Fatalf("consumed %d records, want 2", len(got))
	}
	for _, r := range got {
		switch string(r.Value) {
		case `{"id":1}`:
			if string(r.Key) != "42" {
				t.Errorf("id 1 has key %q", r.Key)
			}
		case `{"id":3}`:
			if r.Key != nil {
				t.Errorf("id 3 has key %q, want null", r.Key)
			}
		default:
			t.Errorf("unexpected record %q", r.Value)
		}
	}

	// A closed sink is not worth retrying either.
	s.Close()
	err = s.Send(context.Background(), recs[:1])
	if err == nil || !sink.IsPermanent(err) {
		t.Errorf("Send after Close: %v; want a permanent error", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSendTimeout(t *testing.T) {
	addr := unusedPort(t)
	s := newSink(t, "kafka:"+addr+"/events;timeout=500ms")
	start := time.Now()
	err := s.Send(context.Background(), []sink.Record{{ID: 7, Key: []byte("1"), Value: []byte(`{}`)}})
	took := time.Since(start)
	if err == nil {
		t.Fatal("Send with no broker: no error")
	}
	if sink.IsPermanent(err) {
		t.Errorf("Send with no broker: %v is permanent; want retryable", err)
	}
	if !strings.HasPrefix(err.Error(), "kafka sink "+addr+"/events: 1 of 1 records not delivered; record 0 (id 7): ") {
		t.Errorf("error %q does not name the sink and record", err)
	}
	if took > 3*time.Second {
		t.Errorf("Send took %v with timeout=500ms", took)
	}
	t.Logf("Send failed after %v: %v", took.Round(time.Millisecond), err)
}

func TestOpen(t *testing.T) {
	addr := cluster(t)

	t.Run("ok", func(t *testing.T) {
		s := newSink(t, "kafka:"+addr+"/events")
		if err := s.Open(context.Background()); err != nil {
			t.Fatalf("Open: %v", err)
		}
	})

	t.Run("missing topic", func(t *testing.T) {
		s := newSink(t, "kafka:"+addr+"/nope")
		err := s.Open(context.Background())
		want := fmt.Sprintf("kafka sink %s/nope: topic \"nope\" does not exist", addr)
		if err == nil || err.Error() != want {
			t.Fatalf("Open: %v; want %q", err, want)
		}
	})

	t.Run("no broker", func(t *testing.T) {
		bad := unusedPort(t)
		s := newSink(t, "kafka:"+bad+"/events")
		start := time.Now()
		err := s.Open(context.Background())
		took := time.Since(start)
		want := fmt.Sprintf("kafka sink %s/events: no broker reachable at %s: ", bad, bad)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("Open: %v; want it to start with %q", err, want)
		}
		if took > 2*time.Second {
			t.Errorf("Open took %v to fail", took)
		}
		t.Logf("failed in %v: %v", took.Round(time.Millisecond), err)
	})

	t.Run("no broker, two seeds", func(t *testing.T) {
		a, b := unusedPort(t), unusedPort(t)
		s := newSink(t, "kafka:"+a+","+b+"/events")
		err := s.Open(context.Background())
		want := fmt.Sprintf("no broker reachable at %s,%s: ", a, b)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("Open: %v; want %q", err, want)
		}
	})

	t.Run("context deadline", func(t *testing.T) {
		// A listener that accepts and never answers: Open must give up
		// when ctx does.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			var conns []net.Conn
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				conns = append(conns, c)
			}
		}()
		s := newSink(t, "kafka:"+l.Addr().String()+"/events")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = s.Open(ctx)
		took := time.Since(start)
		if err == nil || !strings.Contains(err.Error(), "no broker reachable") {
			t.Fatalf("Open against a silent listener: %v", err)
		}
		if took > 2*time.Second {
			t.Errorf("Open took %v with a 300ms context", took)
		}
	})
}

func TestNew(t *testing.T) {
	spec, err := sink.ParseSpec("kafka:127.0.0.1:9092,[::1]:9093/core.events-v1_x")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(spec, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer s.Close()
	if got := strings.Join(s.Brokers(), " "); got != "127.0.0.1:9092 [::1]:9093" {
		t.Errorf("brokers %q", got)
	}
	if s.Topic() != "core.events-v1_x" || s.ClientID() != DefaultClientID || s.Timeout() != DefaultTimeout {
		t.Errorf("topic %q client id %q timeout %v", s.Topic(), s.ClientID(), s.Timeout())
	}
	if b := s.Batching(); b != (sink.Batching{Max: 2000}) {
		t.Errorf("Batching %+v", b)
	}

	spec, _ = sink.ParseSpec("kafka:h:1/t;client-id=sim-7;timeout=2s;types=1,2")
	s2, err := New(spec, nil)
	if err != nil {
		t.Fatalf("New with options: %v", err)
	}
	defer s2.Close()
	if s2.ClientID() != "sim-7" || s2.Timeout() != 2*time.Second {
		t.Errorf("client id %q timeout %v", s2.ClientID(), s2.Timeout())
	}

	long := strings.Repeat("a", 250)
	for _, c := range []struct{ arg, want string }{
		{"kafka:127.0.0.1:9092", `--events "kafka:127.0.0.1:9092": no topic: want kafka:BROKER[,BROKER...]/TOPIC`},
		{"kafka:127.0.0.1:9092/", "no topic"},
		{"kafka:/events", `empty broker in ""`},
		{"kafka:a:1,,b:2/events", `empty broker in "a:1,,b:2"`},
		{"kafka:a:1,/events", "empty broker"},
		{"kafka:127.0.0.1/events", `broker "127.0.0.1": want HOST:PORT`},
		{"kafka::9092/events", `broker ":9092": want HOST:PORT`},
		{"kafka:h:x/events", `broker "h:x": port "x" is not a number`},
		{"kafka:h:70000/events", `port "70000" is not a number from 1 to 65535`},
		{"kafka:h:1/ev ents", `topic "ev ents": character ' ' not allowed`},
		{"kafka:h:1/a/b", `topic "a/b": character '/' not allowed`},
		{"kafka:h:1/.", `topic "." is not allowed`},
		{"kafka:h:1/..", `topic ".." is not allowed`},
		{"kafka:h:1/" + long, "is 250 characters long; Kafka allows at most 249"},
		{"kafka:h:1/t;timeout=0s", "option timeout: \"0s\" is not a duration above 0"},
		{"kafka:h:1/t;timeout=soon", "option timeout:"},
		{"kafka:h:1/t;client-id=", "option client-id: empty"},
		{"kafka:h:1/t;acks=1", "option acks: unknown for a kafka sink (known: client-id, timeout, stream, types, alert)"},
		{"webhook:https://x/y", "not a kafka sink"},
	} {
		spec, err := sink.ParseSpec(c.arg)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", c.arg, err)
			continue
		}
		s, err := New(spec, nil)
		if err == nil {
			s.Close()
			t.Errorf("New(%q): no error, want %q", c.arg, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), fmt.Sprintf("--events %q", c.arg)) {
			t.Errorf("New(%q): %v\nwant the spec named and %q", c.arg, err, c.want)
		}
	}
	if err := checkTopic(strings.Repeat("a", 249)); err != nil {
		t.Errorf("a 249-character topic: %v", err)
	}
}

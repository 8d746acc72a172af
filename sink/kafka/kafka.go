// Package kafka is the sink that produces records to a Kafka topic, with
// franz-go (github.com/twmb/franz-go/pkg/kgo).
//
//	kafka:BROKER[,BROKER...]/TOPIC[;client-id=NAME][;timeout=DURATION]
//
// The choices, and why:
//
//   - acks=all. A record counts as delivered only once every in-sync replica
//     has it, so losing the partition leader right after the
//     acknowledgement does not lose the record. (How many replicas that is,
//     and min.insync.replicas, are the topic's business, not the sink's.)
//
//   - Idempotent producer, franz-go's default, left on. The client numbers
//     each partition's batches; when it resends a batch whose answer it
//     never got (a timeout, a dropped connection), the broker drops the
//     copy it already has. Retries inside one Send therefore neither
//     duplicate nor reorder records. It needs the IDEMPOTENT_WRITE
//     permission on the cluster before Kafka 3.0; without it every Send
//     fails with CLUSTER_AUTHORIZATION_FAILED, marked permanent.
//
//   - Records are keyed by the endpoint id (sink.Record.Key) and placed by
//     the default partitioner, which hashes the key (murmur2, as the Java
//     client does): one device's events always land in one partition, and a
//     partition keeps the order they were produced in. A Send produces its
//     records in stream order and returns only when all are answered, so
//     the next Send cannot overtake it. Records without a key (an unknown
//     endpoint) are produced with a null key and may go to any partition.
//
//   - Send makes one attempt: it produces every record and waits until each
//     is acknowledged or has failed (franz-go retries internally until the
//     per-Send timeout option passes). It returns nil only when every record
//     is acknowledged. Since it always waits, franz-go holds no record past
//     Send's return, and keys and values are not copied. The one wait the
//     timeout cannot cut short is a produce request already on the wire:
//     an idempotent producer may not forget it unanswered, so Send waits
//     for its answer or for the connection to fail, at worst franz-go's
//     produce request timeout plus its overhead (10s + 10s).
//
// At least once, here, means: the runner resends the whole batch after
// a failed Send, including the records of it that were acknowledged (when
// some partitions succeeded and others failed), and a record whose
// acknowledgement was lost when the time ran out may be written although
// Send reported a failure. Such records appear in the topic twice, later
// copies after earlier ones; per key the first copies are still in order.
// Consumers that need exactly once drop records whose id (per stream) they
// have already seen. Without failures, each record is written exactly once.
//
// Failures that resending cannot fix are marked sink.Permanent: no
// permission on the topic or the cluster, a record too large for the
// broker, an invalid topic, a record the broker refuses as invalid, and a
// closed sink. A Send is permanent only if each of its failed records
// failed permanently; otherwise resending may still deliver the rest. A
// topic that does not exist (UNKNOWN_TOPIC_OR_PARTITION) stays retryable:
// it may yet be created, and the runner's give-up limit ends the wait.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"

	"github.com/core-sim/core-sim/sink"
)

// Defaults of the options.
const (
	DefaultClientID = "core-sim"
	DefaultTimeout  = 30 * time.Second
	// OpenTimeout bounds Open's check, unless its context ends first.
	OpenTimeout = 10 * time.Second
	// MaxBatch is the most records a Send gets.
	MaxBatch = 2000
)

// Option keys of a kafka spec, besides the common ones.
const (
	OptClientID = "client-id"
	OptTimeout  = "timeout"
)

// Sink produces records to one Kafka topic. It implements sink.Sink,
// sink.Batcher and sink.Opener. Send is called from one goroutine at a time.
type Sink struct {
	name     string // "kafka sink BROKERS/TOPIC", the prefix of its errors
	brokers  []string
	topic    string
	clientID string
	timeout  time.Duration
	log      *zap.Logger

	cl        *kgo.Client
	closeOnce sync.Once
	closeErr  error
}

var (
	_ sink.Sink    = (*Sink)(nil)
	_ sink.Batcher = (*Sink)(nil)
	_ sink.Opener  = (*Sink)(nil)
)

// New makes the sink of a "kafka" spec, whose target is
// BROKER[,BROKER...]/TOPIC (each broker HOST:PORT). It creates the client
// without connecting; Open checks the brokers and the topic. Close the
// sink even if Open fails. A nil log discards franz-go's messages.
func New(spec sink.Spec, log *zap.Logger) (*Sink, error) {
	if spec.Kind != "kafka" {
		return nil, spec.Errorf("", "not a kafka sink (kind %q)", spec.Kind)
	}
	if err := spec.Check(OptClientID, OptTimeout); err != nil {
		return nil, err
	}
	brokers, topic, err := parseTarget(spec)
	if err != nil {
		return nil, err
	}
	clientID := DefaultClientID
	if v, ok := spec.Get(OptClientID); ok {
		if v = strings.TrimSpace(v); v == "" {
			return nil, spec.Errorf(OptClientID, "empty")
		}
		clientID = v
	}
	timeout, err := spec.Duration(OptTimeout, DefaultTimeout)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	s := &Sink{
		name:     "kafka sink " + spec.Target,
		brokers:  brokers,
		topic:    topic,
		clientID: clientID,
		timeout:  timeout,
		log:      log,
	}
	s.cl, err = kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(clientID),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Idempotent writes and the key-hashing partitioner are
		// franz-go's defaults: deliberately not overridden.
		kgo.WithLogger(zapLogger{log.With(zap.String("sink", s.name))}),
	)
	if err != nil {
		return nil, spec.Errorf("", "kafka client: %v", err)
	}
	return s, nil
}

// parseTarget splits BROKER[,BROKER...]/TOPIC and checks both parts.
func parseTarget(spec sink.Spec) ([]string, string, error) {
	list, topic, ok := strings.Cut(spec.Target, "/")
	if !ok || topic == "" {
		return nil, "", spec.Errorf("", "no topic: want kafka:BROKER[,BROKER...]/TOPIC")
	}
	if err := checkTopic(topic); err != nil {
		return nil, "", spec.Errorf("", "%v", err)
	}
	var brokers []string
	for _, b := range strings.Split(list, ",") {
		b = strings.TrimSpace(b)
		if b == "" {
			return nil, "", spec.Errorf("", "empty broker in %q: want kafka:HOST:PORT[,HOST:PORT...]/TOPIC", list)
		}
		host, port, err := net.SplitHostPort(b)
		if err != nil || host == "" {
			return nil, "", spec.Errorf("", "broker %q: want HOST:PORT (e.g. 127.0.0.1:9092)", b)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, "", spec.Errorf("", "broker %q: port %q is not a number from 1 to 65535", b, port)
		}
		brokers = append(brokers, b)
	}
	return brokers, topic, nil
}

// checkTopic applies Kafka's rules for topic names.
func checkTopic(t string) error {
	switch {
	case t == "." || t == "..":
		return fmt.Errorf("topic %q is not allowed by Kafka", t)
	case len(t) > 249:
		return fmt.Errorf("topic %.20q... is %d characters long; Kafka allows at most 249", t, len(t))
	}
	for _, c := range t {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("topic %q: character %q not allowed (Kafka allows letters, digits, '.', '_' and '-')", t, c)
		}
	}
	return nil
}

// Topic is the topic the sink produces to.
func (s *Sink) Topic() string { return s.topic }

// Brokers are the seed brokers, as given.
func (s *Sink) Brokers() []string { return s.brokers }

// ClientID is the client id the sink names itself with to the brokers.
func (s *Sink) ClientID() string { return s.clientID }

// Timeout is how long one Send may take to deliver its records.
func (s *Sink) Timeout() time.Duration { return s.timeout }

// Batching asks for up to MaxBatch records a Send, as soon as they are
// there: franz-go batches per partition itself.
func (s *Sink) Batching() sink.Batching { return sink.Batching{Max: MaxBatch} }

// Open checks, within OpenTimeout or ctx, that a broker answers and that
// the topic exists.
func (s *Sink) Open(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	// Ping tries each seed broker once, without franz-go's request
	// retries: an unreachable cluster fails at once, not after them.
	if err := s.cl.Ping(ctx); err != nil {
		return fmt.Errorf("%s: no broker reachable at %s: %w", s.name, strings.Join(s.brokers, ","), err)
	}
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(s.topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = false
	kresp, err := s.cl.Request(ctx, req)
	if err != nil {
		return fmt.Errorf("%s: metadata of topic %q: %w", s.name, s.topic, err)
	}
	resp := kresp.(*kmsg.MetadataResponse)
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != s.topic {
			continue
		}
		err := kerr.ErrorForCode(t.ErrorCode)
		switch {
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return fmt.Errorf("%s: topic %q does not exist", s.name, s.topic)
		case err != nil:
			return fmt.Errorf("%s: topic %q: %w", s.name, s.topic, err)
		case len(t.Partitions) == 0:
			return fmt.Errorf("%s: topic %q has no partitions", s.name, s.topic)
		}
		s.log.Debug("kafka sink open", zap.String("sink", s.name), zap.Int("partitions", len(t.Partitions)))
		return nil
	}
	return fmt.Errorf("%s: topic %q does not exist (not in the metadata answer)", s.name, s.topic)
}

// Send produces recs in order and waits until each is acknowledged by all
// in-sync replicas, or failed, or Timeout has passed. It returns nil only
// if all are acknowledged; otherwise the first failure, in record order,
// among the ones retrying may fix, or, if none may, the first failure
// marked sink.Permanent.
func (s *Sink) Send(ctx context.Context, recs []sink.Record) error {
	if len(recs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()

	// Keys and values are not copied: ProduceSync returns only once every
	// record's promise has run, after which franz-go keeps no reference.
	krs := make([]kgo.Record, len(recs))
	ptrs := make([]*kgo.Record, len(recs))
	for i := range recs {
		r := &krs[i]
		r.Topic = s.topic
		if len(recs[i].Key) > 0 {
			r.Key = recs[i].Key
		} // else a null key: any partition
		r.Value = recs[i].Value
		ptrs[i] = r
	}
	res := s.cl.ProduceSync(ctx, ptrs...)
	if res.FirstErr() == nil {
		return nil
	}

	failed := make(map[*kgo.Record]error)
	for _, r := range res {
		if r.Err != nil {
			failed[r.Record] = r.Err
		}
	}
	first, firstRetry := -1, -1
	var errFirst, errRetry error
	for i := range krs {
		err, ok := failed[&krs[i]]
		if !ok {
			continue
		}
		if first < 0 {
			first, errFirst = i, err
		}
		if !permanent(err) {
			firstRetry, errRetry = i, err
			break
		}
	}
	if firstRetry >= 0 {
		return fmt.Errorf("%s: %d of %d records not delivered; record %d (id %d): %w",
			s.name, len(failed), len(recs), firstRetry, recs[firstRetry].ID, errRetry)
	}
	return sink.Permanent(fmt.Errorf("%s: %d of %d records refused; record %d (id %d): %w",
		s.name, len(failed), len(recs), first, recs[first].ID, errFirst))
}

// permanent says whether resending cannot fix err.
func permanent(err error) bool {
	for _, p := range permanentErrs {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}

var permanentErrs = []error{
	kerr.TopicAuthorizationFailed,
	kerr.ClusterAuthorizationFailed, // IDEMPOTENT_WRITE missing
	kerr.TransactionalIDAuthorizationFailed,
	kerr.SaslAuthenticationFailed,
	kerr.MessageTooLarge,
	kerr.RecordListTooLarge,
	kerr.InvalidTopicException,
	kerr.InvalidRecord,
	kerr.InvalidRequiredAcks,
	kerr.UnsupportedForMessageFormat,
	kerr.UnsupportedCompressionType,
	kgo.ErrClientClosed,
}

// Close waits, at most Timeout, for anything still buffered, then closes
// the client. Later calls return the first one's result.
func (s *Sink) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		if err := s.cl.Flush(ctx); err != nil {
			s.closeErr = fmt.Errorf("%s: flush on close: %w", s.name, err)
		}
		s.cl.Close()
	})
	return s.closeErr
}

// zapLogger passes franz-go's messages to zap. franz-go's debug level is
// a line per request, so it logs at info when zap's debug is on, at
// warn otherwise.
type zapLogger struct{ l *zap.Logger }

func (z zapLogger) Level() kgo.LogLevel {
	if z.l.Core().Enabled(zap.DebugLevel) {
		return kgo.LogLevelInfo
	}
	return kgo.LogLevelWarn
}

func (z zapLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	fields := make([]zap.Field, 0, len(keyvals)/2)
	for i := 0; i+1 < len(keyvals); i += 2 {
		k, _ := keyvals[i].(string)
		fields = append(fields, zap.Any(k, keyvals[i+1]))
	}
	switch level {
	case kgo.LogLevelError:
		z.l.Error(msg, fields...)
	case kgo.LogLevelWarn:
		z.l.Warn(msg, fields...)
	case kgo.LogLevelInfo:
		z.l.Info(msg, fields...)
	default:
		z.l.Debug(msg, fields...)
	}
}

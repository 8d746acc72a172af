// Package sink delivers encoded events to where a run sends them: stdout,
// files, webhooks, Kafka. Each sink gets its own bounded queue and goroutine
// (a Runner); a Pipeline fans the stream out to every runner. Delivery is at
// least once: a failed Send is retried with exponential backoff and jitter
// until it succeeds, fails permanently, or the give-up limit passes.
//
// The package knows nothing of the event format: it moves records, each one
// JSON object with the few facts that filters and Kafka keys need.
package sink

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind is which stream a record belongs to.
type Kind uint8

const (
	// KindEvent is the platform's event stream.
	KindEvent Kind = iota
	// KindUsage is the usage-record stream.
	KindUsage
)

func (k Kind) String() string {
	if k == KindUsage {
		return "usage"
	}
	return "events"
}

// Record is one event or usage record, encoded.
type Record struct {
	ID    int64  // the record's id, increasing within its stream
	Type  int    // the event type id (event_type.id); 0 for usage records
	Alert bool   // the event's alert flag
	Key   []byte // the endpoint id in decimal, empty if unknown: Kafka's record key
	Value []byte // one JSON object, without a newline
	// Line is Value and its newline where the producer laid its records
	// out as lines (AddLine), else nil. The next record's Line may follow
	// it in the same array, so that a writer can write a run of records in
	// one call: read it, never append to it.
	Line []byte
	At   int64 // the event's virtual time (Unix ns) where known, else 0: how the lanes of a run in several processes are merged
}

// Sink delivers records to one destination. The runner calls Send from one
// goroutine, records in stream order; the records and their bytes are valid
// only during the call. Send returns nil once every record is delivered.
// Any other return is retried with the same records, unless it wraps
// Permanent; RetryAfter asks for a given wait before the next attempt.
type Sink interface {
	Send(ctx context.Context, recs []Record) error
	// Close flushes what the sink buffers and releases it.
	Close() error
}

// Flusher is a Sink that buffers delivered records (a file behind a
// buffered writer) and can push them out when the stream goes idle.
type Flusher interface {
	Flush() error
}

// Batching is how a sink likes its records grouped.
type Batching struct {
	// Max is the most records a Send gets (1: one record a Send). 0 means
	// the runner's default.
	Max int
	// Interval, when set, holds records until Max are pending or Interval
	// has passed since the first of them (a webhook's bulk mode). When 0
	// the runner sends what it has as soon as its queue runs empty.
	Interval time.Duration
}

// Batcher is a Sink with a preferred Batching.
type Batcher interface {
	Batching() Batching
}

// Opener is a Sink that can check its destination before the run starts
// (a broker reachable, a TLS handshake that succeeds).
type Opener interface {
	Open(ctx context.Context) error
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (a 4xx answer other than 429).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent says whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type retryAfterError struct {
	after time.Duration
	err   error
}

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %v)", e.err, e.after)
}
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter marks err as retryable no sooner than d from now (a 429 or 503
// with a Retry-After header).
func RetryAfter(d time.Duration, err error) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{after: d, err: err}
}

// RetryAfterOf returns the wait asked for by err, if any.
func RetryAfterOf(err error) (time.Duration, bool) {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after, true
	}
	return 0, false
}

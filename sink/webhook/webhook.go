// Package webhook is the sink that POSTs records to an HTTP(S) endpoint:
//
//	webhook:https://example.net/hook;header=Authorization: Bearer x;ca=ca.pem
//	webhook:http://127.0.0.1:8080/in;bulk=500;interval=1s
//
// # Modes
//
// In single mode (the default) every record is one POST whose body is the
// record's JSON object, Content-Type application/json, sent in stream order;
// a Send stops at the first failure and returns it. The runner then retries
// the whole slice, so a receiver may see a record twice (at least once).
//
// In bulk mode (bulk=N and/or interval=D) one POST carries a JSON array of
// up to N records, [v1,v2,...], built from the records' values as they are
// with no re-encoding. A plain array rather than NDJSON or an envelope
// object keeps the body valid JSON that any receiver can decode, with the
// same objects as single mode. The runner collects records until N are
// pending or the interval has passed; with bulk alone the interval is 1s,
// with interval alone bulk is 1000.
//
// # Ids header
//
// Every request carries X-Core-Sim-Event-Ids: FIRST-LAST, the ids of the
// first and last record in the body (in single mode both are the record's
// id, e.g. "42-42"). Ids increase within a stream, so a receiver can spot
// duplicates and gaps from the header alone, without parsing the body.
//
// # Classification
//
// The sink makes one attempt per Send; retries, backoff and give-up are the
// runner's. The outcome is classified for it:
//
//   - 2xx: delivered.
//   - 429 or 503 with a Retry-After header (delta-seconds or an HTTP date in
//     the future): sink.RetryAfter with that wait (at most 24h).
//   - any other 5xx, 408, and 429 or 503 without a usable Retry-After:
//     a plain error, retried with backoff.
//   - every other status, 3xx included (redirects are not followed, a POST
//     should not silently move) and the remaining 4xx: sink.Permanent, with
//     the status and up to 512 bytes of the response body in the text.
//   - transport errors (refused, reset, closed, TLS) and timeouts: plain
//     errors, retried.
//
// Response bodies are always drained (up to 64 KiB) and closed, so
// keep-alive connections are reused; one http.Client with its own
// Transport (a clone of http.DefaultTransport, so HTTPS_PROXY and friends
// apply) serves the sink for the whole run.
//
// # TLS
//
// For an https URL, Open does one TLS handshake to the host before the
// run. A certificate the sink cannot verify is an error then, not a
// stream of retries later; ca=FILE adds a PEM bundle to the system roots.
// A receiver that cannot be reached yet is only a warning: it may start
// after the simulator.
package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/core-sim/core-sim/sink"
)

// IDsHeader carries the first and last record id of a request, "FIRST-LAST".
const IDsHeader = "X-Core-Sim-Event-Ids"

// Option keys of a webhook spec.
const (
	OptBulk     = "bulk"     // bulk mode: at most N records a POST
	OptInterval = "interval" // bulk mode: post at least this often
	OptHeader   = "header"   // "Name: value", repeatable
	OptCA       = "ca"       // PEM CA bundle trusted for https
	OptTimeout  = "timeout"  // per request
	OptParallel = "parallel" // single mode: requests in flight at once
)

// Defaults.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultBulk     = 1000
	DefaultInterval = time.Second
	// OpenTimeout bounds Open's TLS handshake.
	OpenTimeout = 5 * time.Second
)

const (
	maxErrBody    = 512      // response body bytes quoted in an error
	maxDrain      = 64 << 10 // response body bytes read to keep a connection
	maxRetryAfter = 24 * time.Hour
)

// Sink posts records to one URL. Send is called from one goroutine at a
// time (the runner's); Open and Close may be called from others.
type Sink struct {
	spec    sink.Spec
	log     *zap.Logger
	url     string // as given, for requests
	name    string // "webhook sink URL" with any password redacted
	host    string // host:port for Open's handshake (https only)
	https   bool
	ca      string      // the ca= file, "" when none
	tlsConf *tls.Config // nil for http
	header  http.Header // Content-Type, User-Agent and the header= options
	reqHost string      // a header=Host: value, "" when none
	bulk    int         // 0 in single mode
	// parallel is how many single-mode requests are in flight at once; done
	// holds the ids a failed Send did deliver, so that its retry skips them.
	parallel int
	done     map[int64]bool
	every    time.Duration
	timeout  time.Duration
	client   *http.Client
}

var (
	_ sink.Sink    = (*Sink)(nil)
	_ sink.Batcher = (*Sink)(nil)
	_ sink.Opener  = (*Sink)(nil)
)

// New builds a webhook sink from a spec of kind "webhook" whose target is an
// http:// or https:// URL. log may be nil.
func New(spec sink.Spec, log *zap.Logger) (*Sink, error) {
	if spec.Kind != "webhook" {
		return nil, spec.Errorf("", "not a webhook sink (kind %q)", spec.Kind)
	}
	if err := spec.Check(OptBulk, OptInterval, OptHeader, OptCA, OptTimeout, OptParallel); err != nil {
		return nil, err
	}
	if log == nil {
		log = zap.NewNop()
	}
	s := &Sink{spec: spec, url: spec.Target}

	u, err := url.Parse(spec.Target)
	if err != nil {
		return nil, spec.Errorf("", "malformed URL %q: %v", spec.Target, unwrapURLError(err))
	}
	switch u.Scheme {
	case "http":
	case "https":
		s.https = true
	case "":
		return nil, spec.Errorf("", "URL %q has no scheme: want http:// or https://", spec.Target)
	default:
		return nil, spec.Errorf("", "URL %q: scheme %q is not http or https", spec.Target, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, spec.Errorf("", "URL %q has no host", spec.Target)
	}
	s.name = "webhook sink " + u.Redacted()
	port := u.Port()
	if port == "" {
		port = "80"
		if s.https {
			port = "443"
		}
	}
	s.host = net.JoinHostPort(u.Hostname(), port)
	s.log = log.With(zap.String("sink", "webhook:"+u.Redacted()))

	// Modes.
	_, hasBulk := spec.Get(OptBulk)
	_, hasInterval := spec.Get(OptInterval)
	if hasBulk || hasInterval {
		if s.bulk, err = spec.Int(OptBulk, DefaultBulk, 1); err != nil {
			return nil, err
		}
		if s.every, err = spec.Duration(OptInterval, DefaultInterval); err != nil {
			return nil, err
		}
	}
	if s.timeout, err = spec.Duration(OptTimeout, DefaultTimeout); err != nil {
		return nil, err
	}
	if s.parallel, err = spec.Int(OptParallel, 1, 1); err != nil {
		return nil, err
	}
	if _, ok := spec.Get(OptParallel); ok && s.bulk > 0 {
		return nil, spec.Errorf(OptParallel, "only in single mode (without bulk= and interval=)")
	}

	// Headers: ours first, so that a header= option can replace them.
	s.header = http.Header{}
	for _, h := range spec.All(OptHeader) {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return nil, spec.Errorf(OptHeader, "%q has no colon: want Name: value", h)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !validHeaderName(name) {
			return nil, spec.Errorf(OptHeader, "%q: %q is not a header name", h, name)
		}
		if !validHeaderValue(value) {
			return nil, spec.Errorf(OptHeader, "%q: the value has control characters", h)
		}
		switch http.CanonicalHeaderKey(name) {
		case "Host":
			s.reqHost = value
			continue
		case "Content-Length", "Transfer-Encoding", "Connection", http.CanonicalHeaderKey(IDsHeader):
			return nil, spec.Errorf(OptHeader, "%q: the sink sets %s itself", h, name)
		}
		s.header.Add(name, value)
	}
	if s.header.Get("Content-Type") == "" {
		s.header.Set("Content-Type", "application/json")
	}
	if s.header.Get("User-Agent") == "" {
		s.header.Set("User-Agent", "core-sim")
	}

	// TLS.
	if ca, ok := spec.Get(OptCA); ok {
		if !s.https {
			return nil, spec.Errorf(OptCA, "a CA is for an https URL, not %q", spec.Target)
		}
		pool, err := loadCA(ca)
		if err != nil {
			return nil, spec.Errorf(OptCA, "%v", err)
		}
		s.ca = ca
		s.tlsConf = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	} else if s.https {
		s.tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 16
	tr.MaxIdleConnsPerHost = max(4, s.parallel)
	tr.IdleConnTimeout = 90 * time.Second
	if s.tlsConf != nil {
		tr.TLSClientConfig = s.tlsConf.Clone()
	}
	s.client = &http.Client{
		Transport: tr,
		Timeout:   s.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return s, nil
}

// loadCA reads a PEM bundle into a copy of the system roots (a new pool if
// the system has none).
func loadCA(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA bundle: %v", err)
	}
	if len(bytes.TrimSpace(pem)) == 0 {
		return nil, fmt.Errorf("CA bundle %s is empty", file)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA bundle %s holds no PEM certificate", file)
	}
	return pool, nil
}

// Batching is one record a Send in single mode, up to bulk records every
// interval in bulk mode.
func (s *Sink) Batching() sink.Batching {
	if s.bulk == 0 {
		// In parallel, a Send posts up to 8 records per request in flight.
		return sink.Batching{Max: 1 + 8*(s.parallel-1)}
	}
	return sink.Batching{Max: s.bulk, Interval: s.every}
}

// Open checks an https destination with one TLS handshake. A certificate
// or TLS protocol failure is an error; a receiver that cannot be reached
// (refused, unresolved, timed out) is logged as a warning only.
func (s *Sink) Open(ctx context.Context) error {
	if !s.https {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	d := tls.Dialer{Config: s.tlsConf.Clone()}
	conn, err := d.DialContext(ctx, "tcp", s.host)
	if err == nil {
		return conn.Close()
	}
	var (
		verr *tls.CertificateVerificationError
		uerr x509.UnknownAuthorityError
		herr x509.HostnameError
		ierr x509.CertificateInvalidError
		rerr tls.RecordHeaderError
		aerr tls.AlertError
	)
	switch {
	case errors.As(err, &verr), errors.As(err, &uerr), errors.As(err, &herr), errors.As(err, &ierr):
		cause := err
		if verr != nil {
			cause = verr.Err
		}
		hint := ""
		if errors.As(err, &uerr) {
			if s.ca == "" {
				hint = " (give the CA with ;ca=FILE)"
			} else {
				hint = fmt.Sprintf(" (the CA bundle %s does not sign it)", s.ca)
			}
		}
		return fmt.Errorf("%s: TLS: %v%s", s.name, cause, hint)
	case errors.As(err, &rerr):
		return fmt.Errorf("%s: TLS: %s does not speak TLS (an http:// URL?): %v", s.name, s.host, err)
	case errors.As(err, &aerr):
		return fmt.Errorf("%s: TLS: handshake refused by the server: %v", s.name, err)
	}
	s.log.Warn("webhook receiver not reachable yet; delivery will retry", zap.String("addr", s.host), zap.Error(err))
	return nil
}

// Close releases the idle connections.
func (s *Sink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}

// Send posts recs: one request a record in single mode, one JSON array of
// up to bulk records a request in bulk mode. It stops at the first failure.
func (s *Sink) Send(ctx context.Context, recs []sink.Record) error {
	if s.bulk == 0 && s.parallel > 1 {
		return s.sendParallel(ctx, recs)
	}
	if s.bulk == 0 {
		for i := range recs {
			r := &recs[i]
			// A copy: the transport may still hold the body after Do
			// returns, and a record's bytes are only valid during Send.
			if err := s.post(ctx, bytes.Clone(r.Value), r.ID, r.ID); err != nil {
				return err
			}
		}
		return nil
	}
	for len(recs) > 0 {
		n := min(len(recs), s.bulk)
		if err := s.post(ctx, arrayBody(recs[:n]), recs[0].ID, recs[n-1].ID); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

// sendParallel posts one record a request with s.parallel requests in
// flight. A device's events may then arrive out of order. When some fail,
// the error is returned and the retry of the same records skips those
// already delivered.
func (s *Sink) sendParallel(ctx context.Context, recs []sink.Record) error {
	if s.done == nil {
		s.done = map[int64]bool{}
	}
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for range min(s.parallel, len(recs)) {
		wg.Go(func() {
			for {
				mu.Lock()
				if next >= len(recs) || first != nil {
					mu.Unlock()
					return
				}
				r := &recs[next]
				next++
				skip := s.done[r.ID]
				mu.Unlock()
				if skip {
					continue
				}
				err := s.post(ctx, bytes.Clone(r.Value), r.ID, r.ID)
				mu.Lock()
				if err == nil {
					s.done[r.ID] = true
				} else if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	clear(s.done)
	return nil
}

// arrayBody is [v1,v2,...] of the records' values.
func arrayBody(recs []sink.Record) []byte {
	size := 2 + len(recs)
	for i := range recs {
		size += len(recs[i].Value)
	}
	b := make([]byte, 0, size)
	b = append(b, '[')
	for i := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, recs[i].Value...)
	}
	return append(b, ']')
}

// post makes one request and classifies its outcome.
func (s *Sink) post(ctx context.Context, body []byte, first, last int64) error {
	ids := strconv.FormatInt(first, 10) + "-" + strconv.FormatInt(last, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return sink.Permanent(fmt.Errorf("%s: records %s: %v", s.name, ids, err))
	}
	req.Header = s.header.Clone()
	req.Header.Set(IDsHeader, ids)
	if s.reqHost != "" {
		req.Host = s.reqHost
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: records %s: %w", s.name, ids, unwrapURLError(err))
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
		resp.Body.Close()
	}()
	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	err = fmt.Errorf("%s: records %s: HTTP %s%s", s.name, ids, resp.Status, bodySnippet(resp.Body))
	switch {
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return sink.RetryAfter(d, err)
		}
		return err
	case code >= 500 || code == http.StatusRequestTimeout:
		return err
	}
	return sink.Permanent(err)
}

// bodySnippet is ": " and up to maxErrBody bytes of a response body, on one
// line; "" for an empty body.
func bodySnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxErrBody+1))
	more := len(b) > maxErrBody
	if more {
		b = b[:maxErrBody]
	}
	t := strings.ToValidUTF8(string(b), "\uFFFD")
	t = strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7f {
			return ' '
		}
		return c
	}, t)
	t = strings.TrimSpace(t)
	if t == "" {
		return ""
	}
	if more {
		t += "…"
	}
	return ": " + t
}

// retryAfter reads a Retry-After value, delta-seconds or an HTTP date, as a
// wait from now, at most maxRetryAfter. A date not in the future, or a
// value it cannot read, gives false: the runner's backoff decides.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// unwrapURLError drops the *url.Error wrapper: its text repeats the method
// and URL the sink's own message already gives.
func unwrapURLError(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Err
	}
	return err
}

func validHeaderName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

package webhook

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/core-sim/core-sim/sink"
)

// request is what the test server saw of one request.
type request struct {
	method string
	body   string
	header http.Header
}

// recorder is a test server that records requests and answers with the
// handler's status (200 unless set).
type recorder struct {
	mu   sync.Mutex
	reqs []request
	srv  *httptest.Server
	// answer, when set, writes the response for request number n (0-based).
	answer func(w http.ResponseWriter, n int)
}

func newRecorder(t *testing.T, answer func(w http.ResponseWriter, n int)) *recorder {
	t.Helper()
	rec := &recorder{answer: answer}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		n := len(rec.reqs)
		rec.reqs = append(rec.reqs, request{r.Method, string(b), r.Header.Clone()})
		rec.mu.Unlock()
		if rec.answer != nil {
			rec.answer(w, n)
		}
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func newSink(t *testing.T, arg string) *Sink {
	t.Helper()
	spec, err := sink.ParseSpec(arg)
	if err != nil {
		t.Fatalf("ParseSpec(%q): %v", arg, err)
	}
	s, err := New(spec, zap.NewNop())
	if err != nil {
		t.Fatalf("New(%q): %v", arg, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func recs(ids ...int64) []sink.Record {
	var rs []sink.Record
	for _, id := range ids {
		rs = append(rs, sink.Record{ID: id, Type: 1, Value: []byte(`{"id":` + itoa(id) + `}`)})
	}
	return rs
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSingleBodies(t *testing.T) {
	rec := newRecorder(t, nil)
	s := newSink(t, "webhook:"+rec.srv.URL+"/hook")
	if got := s.Batching(); got != (sink.Batching{Max: 1}) {
		t.Errorf("Batching() = %+v, want {Max:1}", got)
	}
	if err := s.Send(context.Background(), recs(7, 8, 9)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := rec.requests()
	want := []struct{ body, ids string }{{`{"id":7}`, "7-7"}, {`{"id":8}`, "8-8"}, {`{"id":9}`, "9-9"}}
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].method != http.MethodPost {
			t.Errorf("request %d: method %s", i, got[i].method)
		}
		if got[i].body != w.body {
			t.Errorf("request %d: body %q, want %q", i, got[i].body, w.body)
		}
		if h := got[i].header.Get(IDsHeader); h != w.ids {
			t.Errorf("request %d: %s %q, want %q", i, IDsHeader, h, w.ids)
		}
		if ct := got[i].header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, ct)
		}
	}
}

func TestSingleStopsAtFirstFailure(t *testing.T) {
	rec := newRecorder(t, func(w http.ResponseWriter, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	s := newSink(t, "webhook:"+rec.srv.URL)
	err := s.Send(context.Background(), recs(1, 2, 3))
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
	if !strings.Contains(err.Error(), "records 2-2") || !strings.Contains(err.Error(), "500") {
		t.Errorf("error %q should name records 2-2 and the status", err)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("%d requests, want 2 (none after the failure)", n)
	}
}

func TestBulkBody(t *testing.T) {
	rec := newRecorder(t, nil)
	s := newSink(t, "webhook:"+rec.srv.URL+";bulk=2")
	if got := s.Batching(); got != (sink.Batching{Max: 2, Interval: time.Second}) {
		t.Errorf("Batching() = %+v, want {Max:2 Interval:1s}", got)
	}
	// More than bulk records: split into posts of at most 2.
	if err := s.Send(context.Background(), recs(10, 11, 12)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := rec.requests()
	want := []struct{ body, ids string }{{`[{"id":10},{"id":11}]`, "10-11"}, {`[{"id":12}]`, "12-12"}}
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].body != w.body {
			t.Errorf("request %d: body %q, want %q", i, got[i].body, w.body)
		}
		if h := got[i].header.Get(IDsHeader); h != w.ids {
			t.Errorf("request %d: %s %q, want %q", i, IDsHeader, h, w.ids)
		}
	}
}

func TestBatchingDefaults(t *testing.T) {
	for _, c := range []struct {
		opts string
		want sink.Batching
	}{
		{"", sink.Batching{Max: 1}},
		{";bulk=500", sink.Batching{Max: 500, Interval: time.Second}},
		{";interval=250ms", sink.Batching{Max: 1000, Interval: 250 * time.Millisecond}},
		{";bulk=5;interval=2s", sink.Batching{Max: 5, Interval: 2 * time.Second}},
	} {
		s := newSink(t, "webhook:http://127.0.0.1:1/x"+c.opts)
		if got := s.Batching(); got != c.want {
			t.Errorf("%q: Batching() = %+v, want %+v", c.opts, got, c.want)
		}
	}
}

func TestCustomHeaders(t *testing.T) {
	rec := newRecorder(t, nil)
	s := newSink(t, "webhook:"+rec.srv.URL+";header=Authorization: Bearer abc;header=X-Tag: a;header=X-Tag: b;header=Content-Type: application/vnd.x+json")
	if err := s.Send(context.Background(), recs(1)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	h := rec.requests()[0].header
	if got := h.Get("Authorization"); got != "Bearer abc" {
		t.Errorf("Authorization %q", got)
	}
	if got := h.Values("X-Tag"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("X-Tag %q, want [a b]", got)
	}
	if got := h.Values("Content-Type"); len(got) != 1 || got[0] != "application/vnd.x+json" {
		t.Errorf("Content-Type %q, want the header= value alone", got)
	}
	if got := h.Get(IDsHeader); got != "1-1" {
		t.Errorf("%s %q", IDsHeader, got)
	}
}

func TestClassification(t *testing.T) {
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	const (
		ok = iota
		retry
		retryAfter
		permanent
	)
	for _, c := range []struct {
		status     int
		retryAfter string
		body       string
		want       int
		min, max   time.Duration // the wait, for retryAfter
	}{
		{status: 200, want: ok},
		{status: 201, want: ok},
		{status: 204, want: ok},
		{status: 400, body: `{"error":"bad event"}`, want: permanent},
		{status: 404, want: permanent},
		{status: 301, want: permanent},
		{status: 408, want: retry},
		{status: 429, want: retry},
		{status: 429, retryAfter: "7", want: retryAfter, min: 7 * time.Second, max: 7 * time.Second},
		{status: 429, retryAfter: date, want: retryAfter, min: 28 * time.Second, max: 30 * time.Second},
		{status: 429, retryAfter: past, want: retry},
		{status: 429, retryAfter: "soon", want: retry},
		{status: 500, want: retry},
		{status: 502, retryAfter: "5", want: retry},
		{status: 503, want: retry},
		{status: 503, retryAfter: "120", want: retryAfter, min: 2 * time.Minute, max: 2 * time.Minute},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.retryAfter != "" {
				w.Header().Set("Retry-After", c.retryAfter)
			}
			if c.status == 301 {
				w.Header().Set("Location", "/elsewhere")
			}
			w.WriteHeader(c.status)
			io.WriteString(w, c.body)
		}))
		s := newSink(t, "webhook:"+srv.URL)
		err := s.Send(context.Background(), recs(1))
		srv.Close()
		name := http.StatusText(c.status)
		if c.retryAfter != "" {
			name += " Retry-After " + c.retryAfter
		}
		d, hasWait := sink.RetryAfterOf(err)
		switch c.want {
		case ok:
			if err != nil {
				t.Errorf("%d %s: %v, want success", c.status, name, err)
			}
			continue
		case retry:
			if err == nil || sink.IsPermanent(err) || hasWait {
				t.Errorf("%d %s: %v, want a plain retryable error", c.status, name, err)
			}
		case retryAfter:
			if err == nil || sink.IsPermanent(err) || !hasWait || d < c.min || d > c.max {
				t.Errorf("%d %s: %v (wait %v), want RetryAfter in [%v, %v]", c.status, name, err, d, c.min, c.max)
			}
		case permanent:
			if !sink.IsPermanent(err) || hasWait {
				t.Errorf("%d %s: %v, want Permanent", c.status, name, err)
			}
		}
		if err != nil && !strings.Contains(err.Error(), itoa(int64(c.status))) {
			t.Errorf("%d: error %q does not give the status", c.status, err)
		}
		if c.body != "" && (err == nil || !strings.Contains(err.Error(), c.body)) {
			t.Errorf("%d: error %v does not quote the body %q", c.status, err, c.body)
		}
	}
}

func TestErrorBodyTruncated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, strings.Repeat("a", 512)+strings.Repeat("b", 5000))
	}))
	defer srv.Close()
	err := newSink(t, "webhook:"+srv.URL).Send(context.Background(), recs(1))
	if !sink.IsPermanent(err) {
		t.Fatalf("Send = %v, want Permanent", err)
	}
	if !strings.HasSuffix(err.Error(), ": "+strings.Repeat("a", 512)+"…") {
		t.Errorf("error should end with the first 512 bytes of the body and an ellipsis, got %q", err)
	}
}

func TestKeepAliveReused(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest) // an error answer with a body to drain
		io.WriteString(w, strings.Repeat("x", 4096))
	}))
	defer srv.Close()
	s := newSink(t, "webhook:"+srv.URL)
	for i := range 5 {
		if err := s.Send(context.Background(), recs(int64(i))); !sink.IsPermanent(err) {
			t.Fatalf("Send = %v, want Permanent", err)
		}
	}
	if len(conns) != 1 {
		t.Errorf("%d connections for 5 sequential requests, want 1", len(conns))
	}
}

func TestConnectionClosed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	}))
	defer srv.Close()
	err := newSink(t, "webhook:"+srv.URL).Send(context.Background(), recs(1))
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
	if _, ok := sink.RetryAfterOf(err); ok {
		t.Errorf("Send = %v: no Retry-After expected", err)
	}
}

func TestRefused(t *testing.T) {
	addr := closedAddr(t)
	err := newSink(t, "webhook:http://"+addr+"/x").Send(context.Background(), recs(1))
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice the client hang up.
		io.ReadAll(r.Body)
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	s := newSink(t, "webhook:"+srv.URL+";timeout=50ms")
	start := time.Now()
	err := s.Send(context.Background(), recs(1))
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("Send = %v, want a retryable error", err)
	}
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Errorf("Send took %v with timeout=50ms", el)
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Errorf("Send = %v, want a timeout error", err)
	}
}

func TestContextCanceled(t *testing.T) {
	rec := newRecorder(t, nil)
	s := newSink(t, "webhook:"+rec.srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Send(ctx, recs(1))
	if !errors.Is(err, context.Canceled) || sink.IsPermanent(err) {
		t.Errorf("Send = %v, want a retryable context.Canceled", err)
	}
}

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// newTLSServer is httptest.NewTLSServer without the log lines of the
// handshakes the tests make fail on purpose.
func newTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

// writeCA writes the TLS server's certificate as a PEM file.
func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestTLS(t *testing.T) {
	var got []string
	var mu sync.Mutex
	srv := newTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer srv.Close()
	ca := writeCA(t, srv)

	// Without the CA: Open refuses, naming the sink and the fix.
	s := newSink(t, "webhook:"+srv.URL)
	err := s.Open(context.Background())
	if err == nil {
		t.Fatal("Open without the CA succeeded")
	}
	for _, want := range []string{"webhook sink " + srv.URL, "TLS: x509:", "unknown authority", ";ca=FILE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error %q lacks %q", err, want)
		}
	}
	if err := s.Send(context.Background(), recs(1)); err == nil || sink.IsPermanent(err) {
		t.Errorf("Send without the CA = %v, want a retryable error", err)
	}

	// With it: Open and Send succeed.
	s = newSink(t, "webhook:"+srv.URL+";ca="+ca)
	if err := s.Open(context.Background()); err != nil {
		t.Fatalf("Open with ca=: %v", err)
	}
	if err := s.Send(context.Background(), recs(5)); err != nil {
		t.Fatalf("Send with ca=: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0] != `{"id":5}` {
		t.Errorf("server got %q", got)
	}
}

func TestOpenWrongCA(t *testing.T) {
	srv := newTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	// httptest servers share one certificate: a fresh self-signed CA is
	// one that does not sign it.
	file := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(file, selfSignedCA(t), 0o600); err != nil {
		t.Fatal(err)
	}
	err := newSink(t, "webhook:"+srv.URL+";ca="+file).Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "does not sign it") {
		t.Errorf("Open with a foreign CA = %v, want a TLS error naming the CA", err)
	}
}

func TestOpenPlainServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	url := "https://" + strings.TrimPrefix(srv.URL, "http://")
	err := newSink(t, "webhook:"+url).Open(context.Background())
	if err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Errorf("Open against a plain HTTP server = %v, want a TLS error", err)
	}
}

func TestOpenRefusedWarns(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	spec, err := sink.ParseSpec("webhook:https://" + closedAddr(t) + "/x")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(spec, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Open(context.Background()); err != nil {
		t.Errorf("Open with nothing listening = %v, want nil", err)
	}
	if logs.Len() != 1 {
		t.Fatalf("%d warnings logged, want 1", logs.Len())
	}
	if e := logs.All()[0]; !strings.Contains(e.ContextMap()["error"].(string), "refused") {
		t.Errorf("warning %q %v should give the refusal", e.Message, e.ContextMap())
	}
}

func TestOpenHTTPNoop(t *testing.T) {
	// Nothing listens; http needs no check.
	if err := newSink(t, "webhook:http://"+closedAddr(t)).Open(context.Background()); err != nil {
		t.Errorf("Open for http = %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(junk, []byte("not a certificate\n"), 0o600)
	for _, c := range []struct {
		arg  string
		want []string // substrings of the error
	}{
		{"webhook:ftp://h/x", []string{`"webhook:ftp://h/x"`, `scheme "ftp"`}},
		{"webhook:h/x", []string{`"webhook:h/x"`, "no scheme"}},
		{"webhook:http://", []string{`"webhook:http://"`, "no host"}},
		{"webhook:http://:80/x", []string{"no host"}},
		{"webhook:http://h:port/x", []string{"malformed URL", "port"}},
		{"webhook:http://h/%zz", []string{"malformed URL"}},
		{"webhook:https://h;ca=" + filepath.Join(dir, "missing.pem"), []string{"option ca", "cannot read"}},
		{"webhook:https://h;ca=" + empty, []string{"option ca", "empty"}},
		{"webhook:https://h;ca=" + junk, []string{"option ca", "no PEM certificate"}},
		{"webhook:http://h;ca=" + junk, []string{"option ca", "https"}},
		{"webhook:http://h;header=Authorization Bearer x", []string{"option header", "no colon"}},
		{"webhook:http://h;header=: x", []string{"option header", "not a header name"}},
		{"webhook:http://h;header=Bad Name: x", []string{"option header", "not a header name"}},
		{"webhook:http://h;header=" + IDsHeader + ": 1-2", []string{"option header", "sets"}},
		{"webhook:http://h;bulk=0", []string{"option bulk"}},
		{"webhook:http://h;bulk=many", []string{"option bulk"}},
		{"webhook:http://h;interval=0s", []string{"option interval"}},
		{"webhook:http://h;timeout=soon", []string{"option timeout"}},
		{"webhook:http://h;retries=3", []string{"option retries", "unknown"}},
		{"file:out.ndjson", []string{"not a webhook"}},
	} {
		spec, err := sink.ParseSpec(c.arg)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", c.arg, err)
			continue
		}
		s, err := New(spec, nil)
		if err == nil {
			s.Close()
			t.Errorf("New(%q) succeeded", c.arg)
			continue
		}
		for _, w := range append(c.want, "--events") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%q) = %q, lacks %q", c.arg, err, w)
			}
		}
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		v    string
		d    time.Duration
		isOK bool
	}{
		{"0", 0, true},
		{"30", 30 * time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"99999999999999999", maxRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"", 0, false},
	} {
		d, ok := retryAfter(c.v, now)
		if d != c.d || ok != c.isOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.v, d, ok, c.d, c.isOK)
		}
	}
}

// selfSignedCA is a new self-signed CA certificate as PEM.
func selfSignedCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "other test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// parallel=N keeps N requests in flight; a retry after a partial failure
// posts only the records that were not delivered.
func TestParallelSingleMode(t *testing.T) {
	var mu sync.Mutex
	got := map[int64]int{}
	inFlight, most := 0, 0
	failed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct{ ID int64 }
		json.NewDecoder(r.Body).Decode(&e)
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		fail := e.ID == 7 && !failed
		if fail {
			failed = true
		}
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		if !fail {
			got[e.ID]++
		}
		mu.Unlock()
		if fail {
			http.Error(w, "once", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	spec, err := sink.ParseSpec("webhook:" + srv.URL + ";parallel=4")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b := s.Batching(); b.Max != 25 || b.Interval != 0 {
		t.Fatalf("Batching %+v", b)
	}
	var recs []sink.Record
	for id := int64(1); id <= 20; id++ {
		recs = append(recs, sink.Record{ID: id, Value: []byte(fmt.Sprintf(`{"id":%d}`, id))})
	}
	if err := s.Send(context.Background(), recs); err == nil {
		t.Fatal("the 500 was not reported")
	}
	if err := s.Send(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for id := int64(1); id <= 20; id++ {
		if got[id] != 1 {
			t.Fatalf("event %d received %d times (want once: the retry skips what was delivered)", id, got[id])
		}
	}
	if most < 2 || most > 4 {
		t.Fatalf("at most %d requests in flight, want 2 to 4", most)
	}
	if _, err := New(mustSpec(t, "webhook:"+srv.URL+";parallel=2;bulk=10"), nil); err == nil {
		t.Fatal("parallel with bulk accepted")
	}
}

func mustSpec(t *testing.T, s string) sink.Spec {
	t.Helper()
	spec, err := sink.ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

package main

// End-to-end tests: they build the real binary and run it over real
// loopback sockets, alone or as three processes, and read what it prints.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds core-sim once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "core-sim-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "core-sim")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type event map[string]json.RawMessage

func parseEvents(t *testing.T, b []byte) []event {
	t.Helper()
	var out []event
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("stdout line is not a JSON event: %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

func (e event) typ() int {
	var r struct{ ID int }
	_ = json.Unmarshal(e["event_type"], &r)
	return r.ID
}

func (e event) str(k string) string {
	var s string
	_ = json.Unmarshal(e[k], &s)
	return s
}

// orderedKeys returns the keys of a JSON object in order.
func orderedKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

var envelope = []string{"id", "timestamp", "alert", "description", "event_type", "event_source",
	"event_severity", "organisation", "endpoint", "sim", "imsi", "detail"}

// checkStream asserts what every run of the default scenario must show.
func checkStream(t *testing.T, stdout []byte) []event {
	t.Helper()
	evs := parseEvents(t, stdout)
	byType := map[int]int{}
	for i, e := range evs {
		byType[e.typ()]++
		var id int
		_ = json.Unmarshal(e["id"], &id)
		if id != i+1 {
			t.Fatalf("event %d has id %d", i+1, id)
		}
	}
	for _, ty := range []int{1, 2, 3, 5} {
		if byType[ty] == 0 {
			t.Errorf("no event of type %d in %d events (%v)", ty, len(evs), byType)
		}
	}
	// Raw key order, line by line.
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		keys := orderedKeys(t, sc.Bytes())
		want := envelope
		if keys[len(keys)-1] != "detail" {
			want = envelope[:len(envelope)-1]
		}
		if !reflect.DeepEqual(keys, want) {
			t.Fatalf("keys %v\nwant %v\nin %s", keys, want, sc.Text())
		}
	}
	return evs
}

func descriptions(evs []event, ty int, contains string) int {
	n := 0
	for _, e := range evs {
		if e.typ() == ty && strings.Contains(e.str("description"), contains) {
			n++
		}
	}
	return n
}

func runDefault(t *testing.T, args ...string) (stdout []byte, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"run"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("core-sim run %v: %v\n%s", args, err, errOut.String())
	}
	return out.Bytes(), errOut.String()
}

func TestRunDefaultScenario(t *testing.T) {
	stdout, errOut := runDefault(t, "--transport", "auto", "--check")
	evs := checkStream(t, stdout)
	// The default fleet's troubleshooting paths, end to end.
	for _, c := range []struct {
		typ  int
		text string
	}{
		{1, "DIAMETER_ERROR_USER_UNKNOWN (5001)"},
		{3, "APN 'internet' is unknown: GTP cause Missing or unknown APN (219)"},
		{1, "because endpoint disabled"},
		{1, "because operator blacklisted: 26201"},
		{1, "because roaming not allowed in PLMN 23201"},
	} {
		if descriptions(evs, c.typ, c.text) == 0 {
			t.Errorf("no event of type %d saying %q", c.typ, c.text)
		}
	}
	for _, want := range []string{"events by type", "rejects by cause", "endpoints by status", "BLOCKED", "transport",
		"expectations: 9, failed: 0", "IMSI switch", "country change to MCC 208"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(string(stdout), "INFO") {
		t.Errorf("log lines on stdout")
	}
	// The event's imsi object follows the applet: a tracker registers with
	// its LI IMSI in Germany and with its NL IMSI in France.
	if descriptions(evs, 1, "IMSI='295050900000001'") == 0 || descriptions(evs, 1, "IMSI='204089900000001'") == 0 {
		t.Errorf("tracker #1 did not register with both of its IMSIs")
	}
}

// TestSameSeedSameStream: under the virtual clock the same scenario and
// seed give a byte-identical event stream.
func TestSameSeedSameStream(t *testing.T) {
	a, _ := runDefault(t, "--transport", "tcp")
	b, _ := runDefault(t, "--transport", "tcp")
	if !bytes.Equal(a, b) {
		la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
		for i := range min(len(la), len(lb)) {
			if !bytes.Equal(la[i], lb[i]) {
				t.Fatalf("runs differ at line %d:\n%s\n%s", i+1, la[i], lb[i])
			}
		}
		t.Fatalf("runs differ in length: %d and %d lines", len(la), len(lb))
	}
}

func TestBadScenarioNamesFileLineAndField(t *testing.T) {
	bin := binary(t)
	f := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(f, []byte("name: bad\nfleets:\n  - imsi: \"2950509\"\n    count: 1\n    country: DE\n    colour: red\n"), 0o644)
	out, err := exec.Command(bin, "run", f).CombinedOutput()
	if err == nil {
		t.Fatalf("a bad scenario was accepted:\n%s", out)
	}
	for _, want := range []string{f + ":6:", `unknown key "colour"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error output lacks %q:\n%s", want, out)
		}
	}
}

func freePort(t *testing.T, network, ip string) int {
	t.Helper()
	switch network {
	case "tcp":
		l, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	default:
		c, err := net.ListenPacket("udp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
}

// syncBuffer is a bytes.Buffer a running process may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDaemon starts an element and waits until it logs that it is ready.
func startDaemon(t *testing.T, ctx context.Context, name string, args ...string) *syncBuffer {
	t.Helper()
	stderr := &syncBuffer{}
	cmd := exec.CommandContext(ctx, binary(t), append([]string{name}, args...)...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "ready") {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get ready:\n%s", name, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stderr
}

func TestEventsToFile(t *testing.T) {
	bin := binary(t)
	path := filepath.Join(t.TempDir(), "events.ndjson")
	cmd := exec.Command(bin, "run", "--events", path, "--log-format", "json", "--log-level", "warn")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout is not empty with --events FILE: %q", stdout.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, b)
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if strings.HasPrefix(l, "{") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil || m["level"] == nil {
				t.Errorf("--log-format json wrote a line that is not a JSON log: %q", l)
			}
		}
	}
}

func TestUnreachableElementsFailFast(t *testing.T) {
	bin := binary(t)
	ggsnAddr := "127.0.0.2:" + strconv.Itoa(freePort(t, "udp", "127.0.0.2"))
	cmd := exec.Command(bin, "sgsn", "--hlr", "127.0.0.1:1", "--ggsn", ggsnAddr, "--gtp", "127.0.0.1:0", "--transport", "tcp")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "does not answer GTP Echo") || strings.Contains(string(out), "device error") {
		t.Fatalf("want one clear error about the GGSN, got %v:\n%s", err, out)
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

// A run over the wire goes to one processor unless GOMAXPROCS is set; an
// in-process run keeps them all. Both collect at GOGC=400 unless GOGC or
// GOMEMLIMIT is set (said at info level over the wire, at debug level for
// a small run in process).
func TestWireRunTunesProcessorsAndCollectorUnlessTold(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: there is nothing to change")
	}
	bin := binary(t)
	run := func(env []string, transport string, level ...string) string {
		cmd := exec.Command(bin, "run", "--transport", transport, "--events", os.DevNull, "--log-level", append(level, "info")[0])
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v %s: %v\n%s", env, transport, err, out)
		}
		return string(out)
	}
	const said = "wire transport: running on one processor"
	const gc = "garbage collection at GOGC=400 within a soft memory limit"
	env := []string{"GOMAXPROCS=", "GOGC=", "GOMEMLIMIT="} // unset for the child, whatever the test runs with
	if out := run(env, "tcp"); !strings.Contains(out, said) || !strings.Contains(out, gc) {
		t.Errorf("tcp run without GOMAXPROCS and GOGC did not go to one processor and GOGC=400:\n%s", out)
	}
	if out := run([]string{"GOMAXPROCS=2", "GOGC=100"}, "tcp"); strings.Contains(out, said) || strings.Contains(out, gc) {
		t.Errorf("tcp run with GOMAXPROCS=2 GOGC=100 changed them:\n%s", out)
	}
	if out := run([]string{"GOMAXPROCS=", "GOGC=", "GOMEMLIMIT=1GiB"}, "tcp"); strings.Contains(out, gc) {
		t.Errorf("tcp run with GOMEMLIMIT changed the collector's settings:\n%s", out)
	}
	if out := run(env, "inproc"); strings.Contains(out, said) || strings.Contains(out, gc) {
		t.Errorf("small inproc run went to one processor, or said GOGC=400 at info level:\n%s", out)
	}
	if out := run(env, "inproc", "debug"); strings.Contains(out, said) || !strings.Contains(out, gc) {
		t.Errorf("inproc run went to one processor or did not collect at GOGC=400:\n%s", out)
	}
	if out := run([]string{"GOMAXPROCS=", "GOGC=200", "GOMEMLIMIT="}, "inproc", "debug"); strings.Contains(out, gc) {
		t.Errorf("inproc run with GOGC set changed the collector's settings:\n%s", out)
	}
}

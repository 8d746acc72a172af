package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/core-sim/core-sim/peers"
)

// The side-by-side measurement owns 127.30.0.10-11 (core-sim's GGSN and its
// sgsnemu) and 127.30.0.20-21 (osmo-ggsn and its sgsnemu): sgsnemu only
// talks from port 2123 to port 2123, and the tests use 127.20.0.0/16.
const (
	coreGGSNIP  = "127.30.0.10"
	coreEmuIP   = "127.30.0.11"
	osmoGGSNIP  = "127.30.0.20"
	osmoEmuIP   = "127.30.0.21"
	osmoPool    = "10.230.0.0/16"
	osmoTun     = "csbench0"
	emuExitWait = 60 * time.Second // sgsnemu exits about 30 s after its start
)

// emuRun is sgsnemu creating and deleting N contexts against one GGSN.
// Times are from sgsnemu's start, read off its output line by line.
type emuRun struct {
	ggsn      string // "core-sim" or "osmo-ggsn"
	ggsnCmd   string
	emuCmd    string
	n         int
	firstSent time.Duration // "Setting up PDP context #0"
	creates   int           // create responses with an address
	created   time.Duration // the Nth create response
	deletes   int           // delete responses with cause 128
	deleted   time.Duration // the Nth delete response
	exited    time.Duration // sgsnemu's exit; 0 when killed
	lineBuf   bool          // output read line by line (stdbuf): else times are at best at exit
	full      bool          // waited for the deletes and the exit; else stopped once every create was answered
	err       string
	skipped   string
	// The run on the wire (from the capture, when there is one): between
	// sgsnemu's start and its end, the Creates to this GGSN's address.
	ggsnIP     string
	begin, end time.Time
	wire       wireTimes
}

// createRate is Create PDP Context per second: N over the time from
// sgsnemu's first request to its Nth answer.
func (e emuRun) createRate() (float64, bool) {
	if e.skipped != "" || e.creates < e.n || e.created <= e.firstSent {
		return 0, false
	}
	return float64(e.n) / (e.created - e.firstSent).Seconds(), true
}

// sideBySide is sgsnemu against both GGSNs: one full run each (creates,
// deletes, exit), then short runs (creates only) alternating between them.
type sideBySide struct {
	core, osmo   emuRun   // the full runs
	coreR, osmoR []emuRun // every run, the full one first
	note         string
	wireNote     string // why answers are not timed on the wire
}

// emuShortRuns is how many create-only runs each GGSN gets beside its full one.
const emuShortRuns = 14

// medianRate is the median creates/s of runs, and how many runs had one.
func medianRate(runs []emuRun) (float64, int) {
	var v []float64
	for _, r := range runs {
		if x, ok := r.createRate(); ok {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], len(v)
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, len(v)
}

func runSideBySide(ctx context.Context, bin, dir string, n int) sideBySide {
	var s sideBySide
	emu, err := exec.LookPath("sgsnemu")
	if err != nil {
		s.note = "sgsnemu is not installed (`make peers` installs it): side by side skipped."
		s.core.skipped, s.osmo.skipped = s.note, s.note
		return s
	}
	n = min(max(n, 1), 1000)
	coreGGSN := func(state string) (*child, string) {
		args := []string{"ggsn", "--listen", coreGGSNIP + ":2123", "--log-level", "warn"}
		return newChild(bin, args...), "core-sim " + strings.Join(args, " ")
	}
	var osmoGGSN func(state string) (*child, string)
	osmo, err := exec.LookPath("osmo-ggsn")
	switch {
	case err != nil:
		s.osmo.skipped = "osmo-ggsn is not installed (`make peers` installs it)"
	case !exists("/dev/net/tun"):
		s.osmo.skipped = "osmo-ggsn needs /dev/net/tun"
	default:
		osmoGGSN = func(state string) (*child, string) {
			conf := filepath.Join(state, "osmo-ggsn.cfg")
			if err := os.WriteFile(conf, []byte(osmoConfig(state)), 0o600); err != nil {
				return nil, ""
			}
			return newChild(osmo, "-c", conf), "osmo-ggsn -c osmo-ggsn.cfg"
		}
	}
	s.osmo.ggsn = "osmo-ggsn"
	capture := startWireCapture(ctx, dir)
	for i := 0; i <= emuShortRuns && ctx.Err() == nil; i++ {
		full := i == 0
		s.coreR = append(s.coreR, emuAgainst(ctx, emu, dir, n, "core-sim", coreGGSN, coreGGSNIP, coreEmuIP, full))
		if osmoGGSN == nil {
			continue
		}
		s.osmoR = append(s.osmoR, emuAgainst(ctx, emu, dir, n, "osmo-ggsn", osmoGGSN, osmoGGSNIP, osmoEmuIP, full))
	}
	capture.stop()
	s.wireNote = capture.note
	if capture.note == "" {
		pkts, err := readGTPCapture(capture.file)
		if err != nil {
			s.wireNote = err.Error()
		}
		for _, runs := range [][]emuRun{s.coreR, s.osmoR} {
			for i := range runs {
				r := &runs[i]
				r.wire = createTimes(pkts, netip.MustParseAddr(r.ggsnIP), r.begin, r.end)
			}
		}
	}
	// The full runs are each GGSN's first, timed on the wire by now.
	s.core, s.osmo = firstOr(s.coreR, s.core), firstOr(s.osmoR, s.osmo)
	return s
}

// firstOr is runs[0] (the full run) or, when there are none, r.
func firstOr(runs []emuRun, r emuRun) emuRun {
	if len(runs) > 0 {
		return runs[0]
	}
	return r
}

// osmoConfig is osmo-ggsn's configuration: GTP-C, VTY and CTRL on its own
// address, a tun device and a /16 pool for APN em.
func osmoConfig(state string) string {
	return peers.OsmoGGSN{IP: netip.MustParseAddr(osmoGGSNIP), Pool: netip.MustParsePrefix(osmoPool), Tun: osmoTun}.Config(state)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// emuAgainst starts a GGSN, waits until it answers a GTP Echo, runs sgsnemu
// against it and stops both.
func emuAgainst(ctx context.Context, emu, dir string, n int, name string, ggsn func(state string) (*child, string), ggsnIP, emuIP string, full bool) emuRun {
	r := emuRun{ggsn: name, n: n, full: full, ggsnIP: ggsnIP}
	state, err := os.MkdirTemp(dir, name+"-")
	if err != nil {
		r.err = err.Error()
		return r
	}
	g, cmd := ggsn(state)
	if g == nil {
		r.err = "cannot write the GGSN's configuration"
		return r
	}
	r.ggsnCmd = cmd
	log.Printf("%s", cmd)
	if err := g.startCmd(); err != nil {
		r.err = err.Error()
		return r
	}
	defer g.kill()
	if err := waitEcho(ctx, ggsnIP+":2123", 10*time.Second); err != nil {
		r.err = fmt.Sprintf("%s did not answer: %v\n%s", name, err, lastLines(g.stderr.String(), 5))
		return r
	}

	emuState := filepath.Join(state, "sgsnemu")
	os.Mkdir(emuState, 0o755)
	args := []string{"--listen", emuIP, "--remote", ggsnIP, "--apn", "em", "--imsi", "262011234567890",
		"--contexts", strconv.Itoa(n), "--timelimit", "1", "--statedir", emuState, "--pidfile", filepath.Join(emuState, "pid")}
	r.emuCmd = "sgsnemu " + strings.ReplaceAll(strings.Join(args, " "), emuState, "DIR")
	prog, pargs := emu, args
	// sgsnemu's stdout is block-buffered on a pipe; stdbuf makes it line
	// by line, so that each line's time is when sgsnemu wrote it.
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		prog, pargs, r.lineBuf = sb, append([]string{"-oL", emu}, args...), true
		r.emuCmd = "stdbuf -oL " + r.emuCmd
	}
	log.Printf("%s", r.emuCmd)
	c := newChild(prog, pargs...)
	pr, pw, err := os.Pipe()
	if err != nil {
		r.err = err.Error()
		return r
	}
	c.cmd.Stdout = pw
	if err := c.startCmd(); err != nil {
		pw.Close()
		pr.Close()
		r.err = err.Error()
		return r
	}
	pw.Close()
	r.begin = c.start
	var mu sync.Mutex
	allCreated := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer pr.Close()
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			at := time.Since(c.start)
			line := sc.Text()
			mu.Lock()
			switch {
			case strings.HasPrefix(line, "Setting up PDP context #0"):
				r.firstSent = at
			case strings.HasPrefix(line, "PDP ctx: received EUA with IP address"):
				if r.creates++; r.creates == n {
					r.created = at
					close(allCreated)
				}
			case strings.HasPrefix(line, "Received delete PDP context response. Cause value: 128"):
				if r.deletes++; r.deletes == n {
					r.deleted = at
				}
			}
			mu.Unlock()
		}
	}()
	if full {
		// sgsnemu deletes its contexts about 10 s after creating them and
		// exits about 20 s later; past that it is stopped.
		c.wait(ctx, emuExitWait)
	} else {
		select {
		case <-allCreated:
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
		}
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		c.wait(ctx, 5*time.Second)
	}
	<-readDone
	r.end = time.Now()
	mu.Lock()
	defer mu.Unlock()
	if full && !c.limited && c.err == nil {
		r.exited = c.wall
	}
	if r.creates < n || (full && r.deletes < n) {
		r.err = fmt.Sprintf("%d of %d creates and %d deletes answered (sgsnemu never retransmits)", r.creates, n, r.deletes)
	}
	log.Printf("  %s: first request at %s, creates answered at %s, deletes at %s, exit %s", name, r.firstSent.Round(time.Millisecond),
		r.created.Round(time.Millisecond), r.deleted.Round(time.Millisecond), r.exited.Round(time.Millisecond))
	return r
}

// waitEcho sends GTPv1 Echo Requests until one is answered.
func waitEcho(ctx context.Context, addr string, limit time.Duration) error {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(limit)
	buf := make([]byte, 64)
	for seq := uint16(1); time.Now().Before(deadline) && ctx.Err() == nil; seq++ {
		// Version 1, PT 1, S flag; Echo Request (1); length 4; TEID 0.
		req := []byte{0x32, 1, 0, 4, 0, 0, 0, 0, byte(seq >> 8), byte(seq), 0, 0}
		if _, err := conn.Write(req); err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if k, err := conn.Read(buf); err == nil && k >= 8 && buf[1] == 2 {
			return nil
		}
	}
	return errors.New("no Echo Response")
}

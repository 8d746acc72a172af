package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/core-sim/core-sim/scenarios"
)

// TestLibraryScenariosPassTheirChecks runs every scenario of the library
// with --check, as CI does: each one's expectations must hold (the bug
// scenarios' expectations assert that the bug shows).
func TestLibraryScenariosPassTheirChecks(t *testing.T) {
	bin := binary(t)
	lib := scenarios.Library()
	if len(lib) < 10 {
		t.Fatalf("the library has %d scenarios", len(lib))
	}
	for _, e := range lib {
		t.Run(e.Name, func(t *testing.T) {
			if e.Err != nil {
				t.Fatal(e.Err)
			}
			src, err := scenarios.Source(e.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(src, []byte("# ")) || !bytes.Contains(src, []byte("core-sim run "+e.Name)) && e.Name != "default" {
				t.Errorf("%s.yaml must open with a comment on what it shows and how to run it", e.Name)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "run", e.Name, "--check", "--log-level", "warn")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("core-sim run %s --check: %v\n%s", e.Name, err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "failed: 0") {
				t.Errorf("no expectation report:\n%s", stderr.String())
			}
		})
	}
}

// TestCheckReportsFailures: a failed expectation names the device, the
// virtual time and what was seen, and the exit code is not 0.
func TestCheckReportsFailures(t *testing.T) {
	src, err := scenarios.Source("border-pingpong-bug")
	if err != nil {
		t.Fatal(err)
	}
	// The bug scenario with the fixed scenario's expectation: it must fail.
	bad := strings.Replace(string(src), "switches_per_hour: {fleet: border, min: 5}", "switches_per_hour: {fleet: border, max: 1}", 1)
	f := t.TempDir() + "/pingpong.yaml"
	if err := writeFile(f, bad); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "run", f, "--check", "--log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil {
		t.Fatalf("a failing expectation exited 0:\n%s", stderr.String())
	}
	out := stderr.String()
	for _, want := range []string{"FAIL expect[0]", "switches_per_hour at most 1 (fleet border)", "device border#", "at 2026-01-01T0", "switches in the hour from", "LI->NL", "1 of 2 expectations failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("failure report lacks %q:\n%s", want, out)
		}
	}
}

// TestSpeedPacesButDoesNotChangeTheRun: a finite speed only makes the run
// wait for the wall clock; the events are the same as at --speed max.
func TestSpeedPacesButDoesNotChangeTheRun(t *testing.T) {
	fast, _ := runDefault(t, "wrong-apn", "--speed", "max")
	paced, _ := runDefault(t, "wrong-apn", "--speed", "60000") // 6 h of virtual time in about 0.4 s
	if !bytes.Equal(fast, paced) {
		t.Fatalf("--speed 60000 gave another event stream than --speed max")
	}
	if len(fast) == 0 {
		t.Fatal("no events")
	}
}

// TestInprocAndWireGiveTheSameEvents: for the same scenario and seed the
// in-process transport and the wire (Diameter over TCP, GTP over UDP) give
// byte-identical event streams.
func TestInprocAndWireGiveTheSameEvents(t *testing.T) {
	for _, name := range []string{"default", "outage-fallback", "border-pingpong-bug", "modem-reset-fixed", "operator-blacklisted"} {
		t.Run(name, func(t *testing.T) {
			wire, _ := runDefault(t, name, "--transport", "tcp")
			in, _ := runDefault(t, name, "--transport", "inproc")
			if len(wire) == 0 || !bytes.Equal(wire, in) {
				lw, li := bytes.Split(wire, []byte("\n")), bytes.Split(in, []byte("\n"))
				for i := range min(len(lw), len(li)) {
					if !bytes.Equal(lw[i], li[i]) {
						t.Fatalf("line %d differs:\nwire:   %s\ninproc: %s", i+1, lw[i], li[i])
					}
				}
				t.Fatalf("%d lines on the wire, %d in process", len(lw), len(li))
			}
		})
	}
}

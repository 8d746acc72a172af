package ggsn

// Interop with a real SGSN: osmocom's sgsnemu (Debian package osmo-ggsn)
// creates and deletes PDP contexts against our GGSN. Skipped when sgsnemu is
// not installed, unless CORESIM_REQUIRE_PEERS=1.

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/core-sim/core-sim/peers"
)

func TestInteropSGSNEmu(t *testing.T) {
	sgsnemu := peers.Require(t, "sgsnemu")
	const contexts = 200
	// sgsnemu only talks to port 2123 from port 2123: this test owns
	// 127.20.0.20 (our GGSN) and 127.20.0.21 (sgsnemu).
	core, logs := observer.New(zapcore.DebugLevel)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := Start(ctx, Options{Listen: "127.20.0.20:2123", Logger: zap.New(core), Recovery: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, sgsnemu,
		"--listen", "127.20.0.21", "--remote", "127.20.0.20", "--apn", "em",
		"--imsi", "262011234567890", "--contexts", "200", "--timelimit", "2",
		"--statedir", dir, "--pidfile", filepath.Join(dir, "pid"))
	out, err := cmd.CombinedOutput()
	t.Logf("sgsnemu output (tail):\n%s", tail(out, 15))
	if err != nil {
		t.Fatalf("sgsnemu: %v", err)
	}

	created, deleted := 0, 0
	for _, e := range logs.All() {
		f := e.ContextMap()
		switch e.Message {
		case "create PDP context":
			if f["cause"] == "Request accepted (128)" {
				created++
			} else {
				t.Errorf("create refused: %v", f)
			}
		case "delete PDP context":
			if f["cause"] == "Request accepted (128)" {
				deleted++
			} else {
				t.Errorf("delete refused: %v", f)
			}
		}
	}
	if created != contexts || deleted != contexts {
		t.Fatalf("GGSN accepted %d creates and %d deletes, want %d each (stats %+v)", created, deleted, contexts, srv.Stats())
	}
	if n := srv.GGSN().Active(); n != 0 {
		t.Fatalf("%d contexts still active", n)
	}
	if s := srv.Stats(); s.Malformed != 0 {
		t.Fatalf("sgsnemu sent malformed messages: %+v", s)
	}
	// sgsnemu prints a line per accepted context ("Received create PDP
	// context response. IP address: ...").
	if n := len(regexp.MustCompile(`(?i)create pdp context response. ip address`).FindAll(out, -1)); n != 0 && n != contexts {
		t.Fatalf("sgsnemu reports %d contexts, want %d", n, contexts)
	}
}

func tail(b []byte, lines int) []byte {
	n := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			n++
			if n > lines {
				return b[i+1:]
			}
		}
	}
	return b
}

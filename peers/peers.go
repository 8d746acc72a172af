// Package peers finds and starts the real, independent implementations
// that core-sim's interoperability tests talk to (osmocom's osmo-ggsn and
// sgsnemu, freeDiameter, tshark). It is test support only: nothing in the
// simulator imports it.
//
// A missing peer skips the test, except where CORESIM_REQUIRE_PEERS=1 (as
// in CI, which installs them with `make peers`): there it fails.
package peers

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Required reports whether missing peers fail tests instead of skipping them.
func Required() bool { return os.Getenv("CORESIM_REQUIRE_PEERS") == "1" }

// Require returns the path of a peer's binary, or skips (or, when peers
// are required, fails) the test.
func Require(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if Required() {
			t.Fatalf("%s is not installed and CORESIM_REQUIRE_PEERS=1 (install the peers: make peers)", name)
		}
		t.Skipf("%s is not installed (make peers)", name)
	}
	return p
}

// Output collects a process's output; safe to read while it runs.
type Output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// OsmoGGSN is the configuration of an osmo-ggsn for one test. Each test
// owns its address (GTP-C on port 2123, VTY and CTRL on the same address,
// so that tests running at once do not clash), its pool and its tun device.
type OsmoGGSN struct {
	IP   netip.Addr   // e.g. 127.20.1.2
	Pool netip.Prefix // the dynamic IPv4 pool of APN "em"
	Tun  string       // tun device name, at most 15 characters
}

// Config is osmo-ggsn's configuration file: GTP-C, VTY and CTRL on IP, a
// tun device and the pool for APN em, its state in stateDir.
func (o OsmoGGSN) Config(stateDir string) string {
	return fmt.Sprintf(`log stderr
 logging filter all 1
 logging level all error
line vty
 no login
 bind %[1]s
ctrl
 bind %[1]s
ggsn ggsn0
 gtp state-dir %[2]s
 gtp bind-ip %[1]s
 apn em
  gtpu-mode tun
  tun-device %[4]s
  type-support v4
  ip prefix dynamic %[3]s
  ip dns 0 127.0.0.53
  ip ifconfig %[3]s
  no shutdown
 default-apn em
 no shutdown ggsn
`, o.IP, stateDir, o.Pool, o.Tun)
}

// Start writes the configuration, starts osmo-ggsn, and stops it when the
// test ends (printing its output if the test failed). With default-apn em
// it maps unknown APNs to "em" instead of rejecting them.
func (o OsmoGGSN) Start(t testing.TB, ctx context.Context) *Output {
	t.Helper()
	bin := Require(t, "osmo-ggsn")
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("osmo-ggsn needs /dev/net/tun: %v", err)
	}
	dir := t.TempDir()
	conf := o.Config(dir)
	file := filepath.Join(dir, "osmo-ggsn.cfg")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	out := &Output{}
	cmd := exec.CommandContext(ctx, bin, "-c", file)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("osmo-ggsn output:\n%s", out.String())
		}
	})
	// osmo-ggsn writes its restart counter once its GTP socket is up.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "gsn_restart")); err == nil {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("osmo-ggsn did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

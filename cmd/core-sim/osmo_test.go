package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// osmoScenario is a small fleet whose sessions go to a real GGSN.
const osmoScenario = `name: osmo-interop
seed: 7
subscribers:
  - {imsi: "262019900000001", count: 20, msisdn: "4915199000001", iccid: "8949019900000000019", endpoint_id: 1}
fleets:
  - {name: interop, imsi: "262019900000001", count: 20, country: DE, apn: em, sessions: 2, pause: 5ms,
     session_length: [5ms, 20ms], power_off: true}
`

// TestSessionsThroughOsmoGGSN runs core-sim's HLR and SGSN against
// osmocom's osmo-ggsn, an independent GTPv1-C implementation.
func TestSessionsThroughOsmoGGSN(t *testing.T) {
	requirePeer(t, "osmo-ggsn")
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skip("no /dev/net/tun: osmo-ggsn cannot make its tun device")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	// osmo-ggsn listens on port 2123 of its own address, and its VTY and CTRL
	// ports on the same address, so that it does not clash with other tests.
	const ggsnIP = "127.0.0.23"
	pool := netip.MustParsePrefix("10.46.0.0/16")
	conf := fmt.Sprintf(`log stderr
 logging filter all 1
 logging level all error
line vty
 no login
 bind %[2]s
ctrl
 bind %[2]s
ggsn ggsn0
 gtp state-dir %[1]s
 gtp bind-ip %[2]s
 apn em
  gtpu-mode tun
  tun-device tcse2e
  type-support v4
  ip prefix dynamic %[3]s
  ip dns 0 127.0.0.53
  ip ifconfig %[3]s
  no shutdown
 default-apn em
 no shutdown ggsn
`, dir, ggsnIP, pool)
	cfgPath := filepath.Join(dir, "osmo-ggsn.cfg")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var ggsnErr syncBuffer
	osmo := exec.CommandContext(ctx, "osmo-ggsn", "-c", cfgPath)
	osmo.Stderr = &ggsnErr
	if err := osmo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { osmo.Process.Kill(); osmo.Wait() })
	time.Sleep(500 * time.Millisecond) // osmo-ggsn has no readiness signal; the SGSN retransmits anyway

	scen := filepath.Join(dir, "osmo.yaml")
	if err := os.WriteFile(scen, []byte(osmoScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	hlrAddr := "127.0.0.1:" + strconv.Itoa(freePort(t, "tcp", "127.0.0.1"))
	startDaemon(t, ctx, "hlr", "--listen", hlrAddr, "--transport", "tcp", "--config", scen)
	out := runSGSN(t, ctx, "--config", scen, "--hlr", hlrAddr, "--ggsn", ggsnIP+":2123",
		"--gtp", "127.0.0.1:"+strconv.Itoa(freePort(t, "udp", "127.0.0.1")), "--transport", "tcp")
	evs := parseEvents(t, out)
	created, deleted := 0, 0
	for _, e := range evs {
		switch e.typ() {
		case 3:
			var d struct {
				PDPContext struct {
					UEIPAddress string `json:"ue_ip_address"`
					GGSN        string `json:"ggsn_control_plane_ip_address"`
				} `json:"pdp_context"`
			}
			if err := json.Unmarshal(e["detail"], &d); err != nil {
				t.Fatalf("Create PDP Context without a detail (rejected?): %s", e.str("description"))
			}
			ip, err := netip.ParseAddr(d.PDPContext.UEIPAddress)
			if err != nil || !pool.Contains(ip) {
				t.Errorf("UE address %q is not from osmo-ggsn's pool %s", d.PDPContext.UEIPAddress, pool)
			}
			if d.PDPContext.GGSN != ggsnIP {
				t.Errorf("GGSN address %q, want %s", d.PDPContext.GGSN, ggsnIP)
			}
			created++
		case 5:
			deleted++
		}
	}
	if created != 40 || deleted != 40 {
		t.Errorf("%d sessions created and %d deleted through osmo-ggsn, want 40 and 40\nosmo-ggsn: %s",
			created, deleted, strings.TrimSpace(ggsnErr.String()))
	}
}

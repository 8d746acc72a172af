package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/core-sim/core-sim/peers"
)

// osmoScenario is a small fleet whose sessions go to a real GGSN.
const osmoScenario = `name: osmo-interop
seed: 7
duration: 3h
fleets:
  - {name: interop, imsi: "262019900000001", count: 20, country: DE, apn: em, msisdn: "4915199000001",
     iccid: "8949019900000000019", endpoint_id: 1, power_off: 2h,
     sessions: {every: 50m, length: [5m, 20m]}}
`

// TestSessionsThroughOsmoGGSN runs core-sim's HLR and SGSN against
// osmocom's osmo-ggsn, an independent GTPv1-C implementation.
func TestSessionsThroughOsmoGGSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// This test owns 127.0.0.23 (GTP-C on 2123, VTY, CTRL), the pool
	// 10.46.0.0/16 and the tun device tcse2e.
	const ggsnIP = "127.0.0.23"
	pool := netip.MustParsePrefix("10.46.0.0/16")
	ggsnOut := peers.OsmoGGSN{IP: netip.MustParseAddr(ggsnIP), Pool: pool, Tun: "tcse2e"}.Start(t, ctx)
	dir := t.TempDir()

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
	if created < 20 || deleted != created {
		t.Errorf("%d sessions created and %d deleted through osmo-ggsn, want at least 20, all deleted\nosmo-ggsn: %s",
			created, deleted, strings.TrimSpace(ggsnOut.String()))
	}
}

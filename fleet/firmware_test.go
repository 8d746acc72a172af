package fleet

import (
	"bytes"
	"context"
	"io"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/core-sim/core-sim/applet"
	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/sgsn"
	"github.com/core-sim/core-sim/sim"
)

// network is an in-memory HLR and GGSN: an IMSI prefix's allowed PLMNs,
// and every request recorded with its virtual time.
type network struct {
	mu      sync.Mutex
	clock   *sim.Scheduler
	allowed map[string][]string // IMSI prefix -> PLMNs
	ulrs    []string            // "time imsi plmn result"
	apns    []string            // "time imsi apn"
}

func (n *network) UpdateLocation(_ context.Context, r *s6a.UpdateLocationRequest) (*s6a.UpdateLocationAnswer, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	res := s6a.ErrorRoamingNotAllowed
	for prefix, plmns := range n.allowed {
		if strings.HasPrefix(r.IMSI, prefix) {
			for _, p := range plmns {
				if p == r.VisitedPLMN.String() {
					res = s6a.ResultSuccess
				}
			}
		}
	}
	n.ulrs = append(n.ulrs, strings.Join([]string{n.clock.Elapsed().String(), r.IMSI, r.VisitedPLMN.String(), res.Name()}, " "))
	return &s6a.UpdateLocationAnswer{Result: res, Subscription: &s6a.SubscriptionData{MSISDN: "4236639"}}, nil
}

func (n *network) PurgeUE(context.Context, *s6a.PurgeUERequest) (*s6a.PurgeUEAnswer, error) {
	return &s6a.PurgeUEAnswer{Result: s6a.ResultSuccess}, nil
}

func (n *network) CreatePDPContext(_ context.Context, _ netip.AddrPort, r *gtpc.CreatePDPContextRequest) (*gtpc.CreatePDPContextResponse, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.apns = append(n.apns, n.clock.Elapsed().String()+" "+r.IMSI+" "+r.APN)
	if r.APN != "em" {
		return &gtpc.CreatePDPContextResponse{Cause: gtpc.CauseMissingOrUnknownAPN}, nil
	}
	return &gtpc.CreatePDPContextResponse{Cause: gtpc.CauseRequestAccepted, TEIDControl: 1, TEIDData: 2,
		EndUserAddress: netip.MustParseAddr("10.192.0.1"), GGSNControlAddr: netip.MustParseAddr("127.0.0.2"),
		GGSNUserAddr: netip.MustParseAddr("127.0.0.2")}, nil
}

func (n *network) DeletePDPContext(context.Context, netip.AddrPort, *gtpc.DeletePDPContextRequest) (*gtpc.DeletePDPContextResponse, error) {
	return &gtpc.DeletePDPContextResponse{Cause: gtpc.CauseRequestAccepted}, nil
}

type noInventory struct{}

func (noInventory) Lookup(string) (platform.Subscription, bool) {
	return platform.Subscription{}, false
}

type recorder struct{ switches []string }

func (r *recorder) Switched(d *Device, at time.Time, dec applet.Decision) {
	r.switches = append(r.switches, dec.From.Name+"->"+dec.To.Name)
}
func (r *recorder) Service(*Device, time.Time, bool) {}

// run runs a scenario against the in-memory network.
func run(t *testing.T, yaml string, allowed map[string][]string, opts ...Option) (*network, *recorder, *Runner) {
	t.Helper()
	sc, err := scenarios.Parse("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc.Start, sim.Max)
	n := &network{clock: s, allowed: allowed}
	plat := &platform.Platform{World: sc.World, Inventory: noInventory{}, Clock: s, Stream: events.NewStream(io.Discard)}
	nw := sgsn.NewNetwork(sgsn.Options{World: sc.World, HLRRealm: "t", GTPAddr: netip.MustParseAddr("127.0.0.1"),
		GGSN: netip.MustParseAddrPort("127.0.0.2:2123"), Gn: n, Platform: plat,
		DialHSS: func(context.Context, sgsn.Identity, sgsn.ServingNode) (sgsn.HSS, io.Closer, error) {
			return n, io.NopCloser(&bytes.Buffer{}), nil
		}})
	rec := &recorder{}
	r, err := NewRunner(sc, s, nw, rec, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n, rec, r
}

// An outage of the preferred profile's only network (26202) from 1h makes
// the applet fall back to NL after 2 failures; NL is accepted at 26201 only.
const firmwareScenario = `name: firmware
duration: 3h
home_networks: [{name: LI, plmn: "29505"}, {name: NL, plmn: "20408"}]
sims:
  - {name: m, profiles: [LI, NL], preferred: {DE: LI}, fallback_after_failures: 2, refresh_delay: 30s}
fleets:
  - name: f
    count: 1
    sim: m
    imsi: {LI: "295050900000001", NL: "204089900000001"}
    iccid: "8942310000000000016"
    msisdn: "423663900001"
    endpoint_id: 1
    country: DE
    operators: ["26201", "26202"]
    power_on: 0s
    retry_after: 10m
    sessions: {every: 20m, length: 5m}
    firmware: {FIRMWARE}
outages: [{operator: "26202", from: 1h, to: 3h}]
`

var firmwareNetwork = map[string][]string{"29505": {"26202"}, "20408": {"26201"}}

func scenarioWith(firmware string) string {
	return strings.Replace(firmwareScenario, "{FIRMWARE}", firmware, 1)
}

func after(lines []string, from time.Duration, contains string) int {
	n := 0
	for _, l := range lines {
		d, _ := time.ParseDuration(strings.Fields(l)[0])
		if d >= from && strings.Contains(l, contains) {
			n++
		}
	}
	return n
}

// between counts the lines in [from, to) that contain a text.
func between(lines []string, from, to time.Duration, contains string) int {
	n := 0
	for _, l := range lines {
		d, _ := time.ParseDuration(strings.Fields(l)[0])
		if d >= from && d < to && strings.Contains(l, contains) {
			n++
		}
	}
	return n
}

func TestFirmwareBehaviours(t *testing.T) {
	t.Run("healthy firmware falls back and registers with the NL IMSI", func(t *testing.T) {
		n, rec, r := run(t, scenarioWith(""), firmwareNetwork)
		if len(rec.switches) != 1 || rec.switches[0] != "LI->NL" {
			t.Fatalf("switches %v", rec.switches)
		}
		if after(n.ulrs, time.Hour, "204089900000001 26201 DIAMETER_SUCCESS") == 0 {
			t.Errorf("no NL registration at 26201 after the outage began:\n%s", strings.Join(n.ulrs, "\n"))
		}
		if st := r.States()[0]; !st.Service || st.Profile != "NL" {
			t.Errorf("end state %+v", st)
		}
		if after(n.apns, time.Hour, "204089900000001 em") == 0 {
			t.Errorf("no session with APN em on NL: %v", n.apns)
		}
	})
	t.Run("the forbidden list is cleared on a switch unless the firmware keeps it", func(t *testing.T) {
		// 26201 rejected the LI IMSI at power-on, so it is forbidden: a
		// firmware that keeps the list never tries it with the NL IMSI.
		// Without service on NL either, the applet goes on falling back
		// between the two profiles: the device is stuck.
		n, rec, _ := run(t, scenarioWith("{keep_forbidden_networks: true}"), firmwareNetwork)
		if len(rec.switches) < 2 {
			t.Fatalf("switches %v", rec.switches)
		}
		if got := after(n.ulrs, time.Hour, "204089900000001 26201"); got != 0 {
			t.Errorf("the NL IMSI tried the forbidden 26201 %d times", got)
		}
		if got := between(n.ulrs, time.Hour, 3*time.Hour, "DIAMETER_SUCCESS"); got != 0 {
			t.Errorf("%d successful registrations during the outage although the NL IMSI's only network is forbidden", got)
		}
	})
	t.Run("a firmware that caches the IMSI keeps registering with the old one", func(t *testing.T) {
		n, rec, _ := run(t, scenarioWith("{cached_imsi: true}"), firmwareNetwork)
		if len(rec.switches) == 0 {
			t.Fatalf("the applet did not switch: %v", rec.switches)
		}
		if got := after(n.ulrs, time.Hour, "204089900000001"); got != 0 {
			t.Errorf("the NL IMSI was used %d times by a firmware that caches the boot IMSI", got)
		}
		if after(n.ulrs, 70*time.Minute, "295050900000001 26201") == 0 {
			t.Errorf("the cached LI IMSI was not retried:\n%s", strings.Join(n.ulrs, "\n"))
		}
	})
	t.Run("an APN tied to one profile is lost on the other", func(t *testing.T) {
		n, _, _ := run(t, scenarioWith("{apn_tied_to_profile: LI}"), firmwareNetwork)
		if after(n.apns, 0, "295050900000001 em") == 0 {
			t.Errorf("no session with em on LI: %v", n.apns)
		}
		if after(n.apns, time.Hour, "204089900000001 "+FactoryAPN) == 0 || after(n.apns, time.Hour, "204089900000001 em") != 0 {
			t.Errorf("on NL the firmware should send %q: %v", FactoryAPN, n.apns)
		}
	})
}

func TestModemResetRestartsVolatileTimers(t *testing.T) {
	yaml := `name: reset
duration: 4h
home_networks: [{name: LI, plmn: "29505"}, {name: NL, plmn: "20408"}]
sims:
  - {name: m, profiles: [LI, NL], preferred: {DE: LI}, fallback_after_no_service: 10m, persist_timers: PERSIST}
fleets:
  - {name: f, count: 1, sim: m, imsi: {LI: "295050900000001", NL: "204089900000001"}, iccid: "8942310000000000016",
     msisdn: "423663900001", endpoint_id: 1, country: DE, operators: ["26202"], power_on: 0s, retry_after: 1m,
     firmware: {modem_reset_after_no_service: 5m}}
outages: [{operator: "26202", from: 1h, to: 4h}]
`
	allowed := map[string][]string{"29505": {"26202"}, "20408": {"26201", "26202", "26203"}}
	_, rec, _ := run(t, strings.Replace(yaml, "PERSIST", "false", 1), allowed)
	if len(rec.switches) != 0 {
		t.Errorf("volatile timers: the applet switched %v although every reset restarted its timer", rec.switches)
	}
	_, rec, _ = run(t, strings.Replace(yaml, "PERSIST", "true", 1), allowed)
	if len(rec.switches) != 1 {
		t.Errorf("persistent timers: switches %v, want one fallback", rec.switches)
	}
}

func TestSameSeedSameRun(t *testing.T) {
	a, _, _ := run(t, scenarioWith(""), firmwareNetwork)
	b, _, _ := run(t, scenarioWith(""), firmwareNetwork)
	if strings.Join(a.ulrs, "\n") != strings.Join(b.ulrs, "\n") || strings.Join(a.apns, "\n") != strings.Join(b.apns, "\n") {
		t.Errorf("two runs of the same scenario differ")
	}
}

// byIMSI groups a run's "time imsi ..." lines by IMSI, in order.
func byIMSI(lines []string) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines {
		imsi := strings.Fields(l)[1]
		out[imsi] = append(out[imsi], l)
	}
	return out
}

// Lanes split the fleet: each device runs in exactly one lane, and does
// there what it does in the whole fleet (its own random stream, the same
// requests at the same virtual times).
func TestLanesSplitTheFleet(t *testing.T) {
	yaml := strings.Replace(scenarioWith(""), "count: 1", "count: 7", 1)
	whole, _, wr := run(t, yaml, firmwareNetwork)
	if n := len(wr.States()); n != 7 {
		t.Fatalf("whole fleet: %d devices", n)
	}
	wantULR, wantAPN := byIMSI(whole.ulrs), byIMSI(whole.apns)
	if len(wantULR) < 7 {
		t.Fatalf("whole fleet: %d IMSIs registered, want every device's", len(wantULR))
	}
	const lanes = 3
	gotULR, gotAPN := map[string][]string{}, map[string][]string{}
	seen := map[int]int{}
	for k := 0; k < lanes; k++ {
		n, _, r := run(t, yaml, firmwareNetwork, Lane(k, lanes))
		for _, st := range r.States() {
			seen[st.Device.Index]++
			if st.Device.Index%lanes != k {
				t.Errorf("lane %d holds device %d", k, st.Device.Index)
			}
		}
		for imsi, l := range byIMSI(n.ulrs) {
			if gotULR[imsi] != nil {
				t.Errorf("IMSI %s registered in two lanes", imsi)
			}
			gotULR[imsi] = l
		}
		for imsi, l := range byIMSI(n.apns) {
			gotAPN[imsi] = l
		}
	}
	if len(seen) != 7 {
		t.Errorf("the lanes hold devices %v, want each of 0 to 6 once", seen)
	}
	for imsi, want := range wantULR {
		if got := strings.Join(gotULR[imsi], "\n"); got != strings.Join(want, "\n") {
			t.Errorf("IMSI %s: in its lane\n%s\nin the whole fleet\n%s", imsi, got, strings.Join(want, "\n"))
		}
	}
	for imsi, want := range wantAPN {
		if got := strings.Join(gotAPN[imsi], "\n"); got != strings.Join(want, "\n") {
			t.Errorf("IMSI %s: sessions in its lane\n%s\nin the whole fleet\n%s", imsi, got, strings.Join(want, "\n"))
		}
	}
	if _, err := NewRunner(&scenarios.Scenario{}, sim.New(time.Time{}, sim.Max), nil, nil, nil, Lane(3, 3)); err == nil ||
		!strings.Contains(err.Error(), "lane 3 of 3") {
		t.Errorf("lane 3 of 3: %v, want it refused", err)
	}
}

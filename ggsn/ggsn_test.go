package ggsn

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/core-sim/core-sim/gtpc"
)

var sgsn = netip.MustParseAddrPort("127.0.0.1:2123")

func createReq(imsi, apn string) *gtpc.CreatePDPContextRequest {
	return &gtpc.CreatePDPContextRequest{
		IMSI: imsi, APN: apn, NSAPI: 5, TEIDData: 0x100, TEIDControl: 0x200,
		SGSNControlAddr: netip.MustParseAddr("127.0.0.1"), SGSNUserAddr: netip.MustParseAddr("127.0.0.1"),
	}
}

func TestNewValidates(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"zero value", Config{}, ""},
		{"custom", Config{APNs: []APN{{"iot.example", p("10.0.0.0/24")}}}, ""},
		{"empty name", Config{APNs: []APN{{"", p("10.0.0.0/24")}}}, "empty name"},
		{"bad name", Config{APNs: []APN{{"em_1", p("10.0.0.0/24")}}}, `character '_'`},
		{"duplicate ignoring case", Config{APNs: []APN{{"em", p("10.0.0.0/24")}, {"EM", p("10.0.1.0/24")}}}, "twice"},
		{"no pool", Config{APNs: []APN{{"em", netip.Prefix{}}}}, "no pool"},
		{"IPv6 pool", Config{APNs: []APN{{"em", p("2001:db8::/64")}}}, "only IPv4"},
		{"host bits", Config{APNs: []APN{{"em", p("10.0.0.1/24")}}}, "did you mean 10.0.0.0/24"},
		{"too small", Config{APNs: []APN{{"em", p("10.0.0.0/31")}}}, "fewer than 2"},
		{"overlap", Config{APNs: []APN{{"em", p("10.0.0.0/16")}, {"emnify", p("10.0.5.0/24")}}}, "overlaps"},
		{"lane out of range", Config{Lane: 2, Lanes: 2}, "lane 2 of 2"},
		{"negative lane", Config{Lane: -1, Lanes: 2}, "lane -1 of 2"},
		{"pool too small for the lane", Config{APNs: []APN{{"em", p("10.0.0.0/30")}}, Lane: 2, Lanes: 3}, "too few for lane 2 of 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestCreateDelete(t *testing.T) {
	type step struct {
		delete  bool   // else create
		imsi    string // create
		apn     string // create
		teid    uint32 // delete: our control TEID
		cause   gtpc.Cause
		ip      string // create accepted: expected address
		wantAct int
	}
	cfg := Config{
		APNs: []APN{
			{"em", netip.MustParsePrefix("10.0.0.0/30")}, // hosts .1 and .2
			{"emnify", netip.MustParsePrefix("10.1.0.0/24")},
		},
		ControlAddr: netip.MustParseAddr("127.0.0.2"),
		UserAddr:    netip.MustParseAddr("127.0.0.3"),
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"accept", []step{{imsi: "262010000000001", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 1}}},
		{"APN case-insensitive", []step{{imsi: "262010000000001", apn: "EmNiFy", cause: 128, ip: "10.1.0.1", wantAct: 1}}},
		{"unknown APN", []step{{imsi: "262010000000001", apn: "internet", cause: 219}}},
		{"missing APN", []step{{imsi: "262010000000001", apn: "", cause: 219}}},
		{"pool exhausted", []step{
			{imsi: "262010000000001", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 1},
			{imsi: "262010000000002", apn: "em", cause: 128, ip: "10.0.0.2", wantAct: 2},
			{imsi: "262010000000003", apn: "em", cause: 211, wantAct: 2},
			{imsi: "262010000000003", apn: "emnify", cause: 128, ip: "10.1.0.1", wantAct: 3},
		}},
		{"release and reuse", []step{
			{imsi: "262010000000001", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 1},
			{imsi: "262010000000002", apn: "em", cause: 128, ip: "10.0.0.2", wantAct: 2},
			{delete: true, teid: 1, cause: 128, wantAct: 1},
			{imsi: "262010000000003", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 2},
			{delete: true, teid: 1, cause: 210, wantAct: 2}, // TEID 1 is not reused at once
		}},
		{"context not found", []step{
			{delete: true, teid: 42, cause: 210},
			{delete: true, teid: 0, cause: 210},
		}},
		{"same IMSI and NSAPI replaces", []step{
			{imsi: "262010000000001", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 1},
			{imsi: "262010000000001", apn: "em", cause: 128, ip: "10.0.0.2", wantAct: 1},
			{delete: true, teid: 1, cause: 210, wantAct: 1},
			{delete: true, teid: 2, cause: 128, wantAct: 0},
		}},
		{"an IMSI not of digits replaces too", []step{
			{imsi: "26201000000000x", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 1},
			{imsi: "262010000000001", apn: "em", cause: 128, ip: "10.0.0.2", wantAct: 2},
			{delete: true, teid: 1, cause: 128, wantAct: 1},
			{imsi: "26201000000000x", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 2},
			{imsi: "26201000000000x", apn: "em", cause: 128, ip: "10.0.0.1", wantAct: 2},
			{delete: true, teid: 3, cause: 210, wantAct: 2},
			{delete: true, teid: 4, cause: 128, wantAct: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.steps {
				if s.delete {
					res := g.DeletePDPContext(sgsn, &gtpc.DeletePDPContextRequest{TEID: s.teid, NSAPI: 5})
					if res.Cause != s.cause {
						t.Fatalf("step %d delete %d: %v, want %v", i, s.teid, res.Cause, s.cause)
					}
					if s.cause == 128 && res.TEID != 0x200 {
						t.Fatalf("step %d: response TEID %#x, want the SGSN's 0x200", i, res.TEID)
					}
				} else {
					res := g.CreatePDPContext(sgsn, createReq(s.imsi, s.apn))
					if res.Cause != s.cause {
						t.Fatalf("step %d create %s %q: %v, want %v", i, s.imsi, s.apn, res.Cause, s.cause)
					}
					if res.TEID != 0x200 {
						t.Fatalf("step %d: response TEID %#x, want the SGSN's 0x200", i, res.TEID)
					}
					if s.cause == 128 {
						if res.EndUserAddress.String() != s.ip {
							t.Fatalf("step %d: address %v, want %s", i, res.EndUserAddress, s.ip)
						}
						if res.TEIDControl == 0 || res.TEIDData == 0 || res.TEIDControl == res.TEIDData || res.ChargingID == 0 {
							t.Fatalf("step %d: TEIDs %d/%d charging %d", i, res.TEIDControl, res.TEIDData, res.ChargingID)
						}
						if res.GGSNControlAddr != cfg.ControlAddr || res.GGSNUserAddr != cfg.UserAddr {
							t.Fatalf("step %d: GSN addresses %v %v", i, res.GGSNControlAddr, res.GGSNUserAddr)
						}
						// The response must be encodable as is.
						if _, err := gtpc.Marshal(res, 1); err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
					}
				}
				if got := g.Active(); got != s.wantAct {
					t.Fatalf("step %d: %d active, want %d", i, got, s.wantAct)
				}
			}
		})
	}
}

func TestPDPTypeNotIPv4(t *testing.T) {
	g, _ := New(Config{})
	req := createReq("262010000000001", "em")
	req.PDPType = gtpc.PDPTypeIPv6
	if res := g.CreatePDPContext(sgsn, req); res.Cause != gtpc.CauseUnknownPDPAddressOrType {
		t.Fatalf("cause %v", res.Cause)
	}
}

func TestReleasePeerAndInspect(t *testing.T) {
	g, _ := New(Config{})
	other := netip.MustParseAddrPort("127.0.0.9:2123")
	for i := range 5 {
		g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("26201000000000%d", i), "em"))
		g.CreatePDPContext(other, createReq(fmt.Sprintf("26201000000001%d", i), "emnify"))
	}
	cs := g.Contexts()
	if len(cs) != 10 || cs[0].TEIDControl != 1 || cs[0].IMSI != "262010000000000" || cs[1].APN != "emnify" || cs[1].SGSN != other {
		t.Fatalf("contexts %+v", cs)
	}
	if c, ok := g.Context(2); !ok || c.Address.String() != "10.193.0.1" || c.TEIDData != 2|1<<31 {
		t.Fatalf("context 2: %+v %v", c, ok)
	}
	if n := g.ReleasePeer(other); n != 5 || g.Active() != 5 {
		t.Fatalf("released %d, %d active", n, g.Active())
	}
	if u := g.Pools(); u[0].InUse != 5 || u[1].InUse != 0 || u[1].Capacity != 65534 || u[0].APN != "em" {
		t.Fatalf("pools %+v", u)
	}
}

// TestDeterministic: the same requests in the same order give the same
// answers.
func TestDeterministic(t *testing.T) {
	run := func() []string {
		g, _ := New(Config{APNs: []APN{{"em", netip.MustParsePrefix("10.0.0.0/28")}}})
		var out []string
		for i := range 40 {
			if i%3 == 2 {
				res := g.DeletePDPContext(sgsn, &gtpc.DeletePDPContextRequest{TEID: uint32(i / 2)})
				out = append(out, res.Cause.String())
				continue
			}
			res := g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("2620100000000%02d", i), "em"))
			out = append(out, fmt.Sprint(res.Cause, res.EndUserAddress, res.TEIDControl, res.ChargingID))
		}
		return out
	}
	a, b := run(), run()
	if strings.Join(a, "|") != strings.Join(b, "|") {
		t.Fatalf("runs differ:\n%v\n%v", a, b)
	}
}

func TestConcurrentUse(t *testing.T) {
	g, _ := New(Config{APNs: []APN{{"em", netip.MustParsePrefix("10.0.0.0/22")}}}) // 1022 hosts
	var wg sync.WaitGroup
	seen := make([]map[netip.Addr]bool, 8)
	for w := range 8 {
		seen[w] = map[netip.Addr]bool{}
		wg.Go(func() {
			for i := range 100 {
				res := g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("2620%d%010d", w, i), "em"))
				if res.Cause != 128 {
					t.Errorf("cause %v", res.Cause)
					return
				}
				seen[w][res.EndUserAddress] = true
				if i%2 == 0 {
					g.DeletePDPContext(sgsn, &gtpc.DeletePDPContextRequest{TEID: res.TEIDControl})
				}
			}
		})
	}
	wg.Wait()
	if g.Active() != 400 {
		t.Fatalf("%d active, want 400", g.Active())
	}
	addrs := map[netip.Addr]bool{}
	for _, c := range g.Contexts() {
		if addrs[c.Address] {
			t.Fatalf("address %v given twice", c.Address)
		}
		addrs[c.Address] = true
	}
}

func BenchmarkGGSNCreateDelete(b *testing.B) {
	g, _ := New(Config{})
	req := createReq("262011234567890", "em")
	del := &gtpc.DeletePDPContextRequest{NSAPI: 5}
	b.ReportAllocs()
	for b.Loop() {
		res := g.CreatePDPContext(sgsn, req)
		del.TEID = res.TEIDControl
		if g.DeletePDPContext(sgsn, del).Cause != gtpc.CauseRequestAccepted {
			b.Fatal("delete failed")
		}
	}
}

// Lanes of one pool hand out disjoint addresses, TEIDs and charging ids,
// each lane its own share in order, and together all of the pool.
func TestLanesShareThePool(t *testing.T) {
	const lanes = 3
	apns := []APN{{"em", netip.MustParsePrefix("10.0.0.0/29")}} // 6 host addresses: 2 per lane
	seenIP, seenTEID, seenCID := map[netip.Addr]int{}, map[uint32]int{}, map[uint32]int{}
	for lane := 0; lane < lanes; lane++ {
		g, err := New(Config{APNs: apns, Lane: lane, Lanes: lanes})
		if err != nil {
			t.Fatal(err)
		}
		if u := g.Pools()[0]; u.Capacity != 2 || u.InUse != 0 {
			t.Fatalf("lane %d: pool usage %+v, want capacity 2, none in use", lane, u)
		}
		var teids []uint32
		for i := 0; i < 2; i++ {
			res := g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("90170000000000%d", i), "em"))
			if res.Cause != gtpc.CauseRequestAccepted {
				t.Fatalf("lane %d, create %d: cause %v", lane, i, res.Cause)
			}
			want := netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + lane + i*lanes)})
			if res.EndUserAddress != want {
				t.Errorf("lane %d, create %d: address %v, want %v", lane, i, res.EndUserAddress, want)
			}
			if res.TEIDControl%lanes != uint32(lane) || res.ChargingID%lanes != uint32(lane) || res.TEIDControl == 0 || res.ChargingID == 0 {
				t.Errorf("lane %d: TEID %d, charging id %d: not of the lane, or 0", lane, res.TEIDControl, res.ChargingID)
			}
			seenIP[res.EndUserAddress]++
			seenTEID[res.TEIDControl]++
			seenCID[res.ChargingID]++
			teids = append(teids, res.TEIDControl)
		}
		if u := g.Pools()[0]; u.InUse != 2 {
			t.Fatalf("lane %d: %d in use, want 2", lane, u.InUse)
		}
		if res := g.CreatePDPContext(sgsn, createReq("901700000000009", "em")); res.Cause != gtpc.CauseAllDynamicAddressesOccupied {
			t.Errorf("lane %d: a third create got %v, want the pool exhausted", lane, res.Cause)
		}
		// A released address comes back to its own lane.
		g.DeletePDPContext(sgsn, &gtpc.DeletePDPContextRequest{TEID: teids[0]})
		res := g.CreatePDPContext(sgsn, createReq("901700000000009", "em"))
		if want := netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + lane)}); res.EndUserAddress != want {
			t.Errorf("lane %d: after a release got %v, want %v again", lane, res.EndUserAddress, want)
		}
	}
	if len(seenIP) != 6 || len(seenTEID) != 6 || len(seenCID) != 6 {
		t.Errorf("the lanes handed out %d addresses, %d TEIDs, %d charging ids; want 6 distinct of each", len(seenIP), len(seenTEID), len(seenCID))
	}
}

// One lane (the default) allocates as a GGSN always has: 1, 2, 3...
func TestOneLaneCountsFromOne(t *testing.T) {
	g, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint32(1); i <= 3; i++ {
		res := g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("90170000000000%d", i), "em"))
		if res.TEIDControl != i || res.ChargingID != i {
			t.Fatalf("create %d: TEID %d, charging id %d", i, res.TEIDControl, res.ChargingID)
		}
	}
}

// Control TEIDs are handed out in order; once the counter wraps, those
// still in use are skipped.
func TestTEIDsSkipTheBusyOnceWrapped(t *testing.T) {
	g, err := New(Config{APNs: []APN{{Name: "em", Pool: netip.MustParsePrefix("10.0.0.0/16")}}})
	if err != nil {
		t.Fatal(err)
	}
	var held []uint32
	for i := range 3 { // TEIDs 1, 2, 3 stay in use
		res := g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("29505000000000%d", i), "em"))
		held = append(held, res.TEIDControl)
	}
	if want := []uint32{1, 2, 3}; !slices.Equal(held, want) {
		t.Fatalf("TEIDs %v, want %v", held, want)
	}
	g.nextTEID = teidData - 2 // the counter about to wrap
	var got []uint32
	for i := range 4 {
		res := g.CreatePDPContext(sgsn, createReq(fmt.Sprintf("29505000000100%d", i), "em"))
		if res.Cause != gtpc.CauseRequestAccepted {
			t.Fatalf("create %d: cause %v", i, res.Cause)
		}
		got = append(got, res.TEIDControl)
	}
	if want := []uint32{teidData - 1, 4, 5, 6}; !slices.Equal(got, want) {
		t.Fatalf("TEIDs after the wrap %v, want %v (1 to 3 are in use)", got, want)
	}
}

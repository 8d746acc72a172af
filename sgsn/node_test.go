package sgsn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/platform"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/scenarios"
	"github.com/core-sim/core-sim/world"
)

// fakeHSS answers from a table; it records the requests.
type fakeHSS struct {
	mu      sync.Mutex
	results map[string]s6a.Result // by IMSI; missing: success
	ulrs    []s6a.UpdateLocationRequest
	purs    []s6a.PurgeUERequest
}

func (f *fakeHSS) UpdateLocation(_ context.Context, r *s6a.UpdateLocationRequest) (*s6a.UpdateLocationAnswer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ulrs = append(f.ulrs, *r)
	res, ok := f.results[r.IMSI]
	if !ok {
		return &s6a.UpdateLocationAnswer{Result: s6a.ResultSuccess, Subscription: &s6a.SubscriptionData{MSISDN: "4236639000"}}, nil
	}
	msg := ""
	if res == s6a.ErrorRoamingNotAllowed {
		msg = "endpoint disabled"
	}
	return &s6a.UpdateLocationAnswer{Result: res, ErrorMessage: msg}, nil
}

func (f *fakeHSS) PurgeUE(_ context.Context, r *s6a.PurgeUERequest) (*s6a.PurgeUEAnswer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purs = append(f.purs, *r)
	return &s6a.PurgeUEAnswer{Result: s6a.ResultSuccess}, nil
}

// fakeGn accepts the APN "em" only.
type fakeGn struct {
	mu      sync.Mutex
	creates []gtpc.CreatePDPContextRequest
	deletes []gtpc.DeletePDPContextRequest
}

func (g *fakeGn) CreatePDPContext(_ context.Context, _ netip.AddrPort, r *gtpc.CreatePDPContextRequest) (*gtpc.CreatePDPContextResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.creates = append(g.creates, *r)
	if r.APN != "em" {
		return &gtpc.CreatePDPContextResponse{Cause: gtpc.CauseMissingOrUnknownAPN}, nil
	}
	return &gtpc.CreatePDPContextResponse{Cause: gtpc.CauseRequestAccepted, TEIDControl: 77, TEIDData: 78,
		EndUserAddress: netip.MustParseAddr("10.192.0.1"), GGSNControlAddr: netip.MustParseAddr("127.0.0.2"),
		GGSNUserAddr: netip.MustParseAddr("127.0.0.2")}, nil
}

func (g *fakeGn) DeletePDPContext(_ context.Context, _ netip.AddrPort, r *gtpc.DeletePDPContextRequest) (*gtpc.DeletePDPContextResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deletes = append(g.deletes, *r)
	return &gtpc.DeletePDPContextResponse{Cause: gtpc.CauseRequestAccepted}, nil
}

type inventory map[string]platform.Subscription

func (i inventory) Lookup(imsi string) (platform.Subscription, bool) { s, ok := i[imsi]; return s, ok }

type fixedClock struct{}

func (fixedClock) Now() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) }

const known, unknown = "295050900000001", "295050900009999"

func newTestNode(t *testing.T) (*Node, *fakeHSS, *fakeGn, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	n, hss, gn := newTestNodeTo(t, events.NewStream(&out))
	return n, hss, gn, &out
}

// newTestNodeTo is newTestNode with the events going to stream.
func newTestNodeTo(t *testing.T, stream *events.Stream) (*Node, *fakeHSS, *fakeGn) {
	t.Helper()
	plat := &platform.Platform{
		Org: events.Organisation{ID: 1, Name: "org"}, World: world.Default(), Clock: fixedClock{},
		Values:    scenarios.Platform{Region: "eu-west-1"},
		Inventory: inventory{known: {EndpointID: 10, EndpointName: "tracker-1", ICCID: "8942310000000000016", MSISDN: "4236639000"}},
		Stream:    stream,
	}
	hss := &fakeHSS{results: map[string]s6a.Result{unknown: s6a.ErrorUserUnknown}}
	gn := &fakeGn{}
	nw := NewNetwork(Options{World: world.Default(), HLRRealm: "core-sim.test", GTPAddr: netip.MustParseAddr("127.0.0.1"),
		GGSN: netip.MustParseAddrPort("127.0.0.2:2123"), Gn: gn, Platform: plat,
		DialHSS: func(context.Context, Identity, ServingNode) (HSS, io.Closer, error) { return hss, nopCloser{}, nil }})
	n, err := nw.Node(context.Background(), "26201")
	if err != nil {
		t.Fatal(err)
	}
	return n, hss, gn
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func decodeEvents(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad event line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func eventType(e map[string]any) int { return int(e["event_type"].(map[string]any)["id"].(float64)) }

// register registers ue at n on both sides (Update Location, Update GPRS
// Location).
func register(t *testing.T, n *Node, ue UE) {
	t.Helper()
	ctx := context.Background()
	if err := n.UpdateLocation(ctx, ue); err != nil {
		t.Fatal(err)
	}
	if err := n.UpdateGPRSLocation(ctx, ue); err != nil {
		t.Fatal(err)
	}
}

func TestFullCycleEmitsEventsInOrder(t *testing.T) {
	n, hss, gn, out := newTestNode(t)
	ctx := context.Background()
	ue := UE{IMSI: known, IMEISV: "3569380356400101", RAT: world.UTRAN, LAC: 1001, CI: 7}
	register(t, n, ue)
	s, err := n.CreatePDPContext(ctx, ue, "em")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.DeletePDPContext(ctx, s, 1000, 2000); err != nil {
		t.Fatal(err)
	}
	if err := n.Detach(ctx, ue); err != nil {
		t.Fatal(err)
	}
	n.plat.Stream.Flush()
	evs := decodeEvents(t, out)
	var types []int
	for _, e := range evs {
		types = append(types, eventType(e))
	}
	if want := []int{1, 2, 3, 5, 16, 15}; !equal(types, want) {
		t.Fatalf("event types %v, want %v", types, want)
	}
	if !hss.ulrs[0].Flags.IsS6a() || hss.ulrs[1].Flags.IsS6a() {
		t.Errorf("ULR flags: first %v, second %v: want S6a then S6d", hss.ulrs[0].Flags, hss.ulrs[1].Flags)
	}
	if c := gn.creates[0]; c.IMSI != known || c.SGSNControlAddr.String() != "127.0.0.1" || c.MSISDN != "4236639000" {
		t.Errorf("create request %+v", c)
	}
	if d := gn.deletes[0]; d.TEID != 77 {
		t.Errorf("delete went to TEID %d, want the GGSN's 77", d.TEID)
	}
	pc := evs[2]["detail"].(map[string]any)["pdp_context"].(map[string]any)
	if pc["ue_ip_address"] != "10.192.0.1" || pc["apn"] != "em" || pc["ggsn_control_plane_ip_address"] != "127.0.0.2" {
		t.Errorf("pdp_context %v", pc)
	}
	vol := evs[3]["detail"].(map[string]any)["volume"].(map[string]any)
	if vol["total"].(float64) != 0.003 || vol["rx"].(float64) != 0.001 {
		t.Errorf("volume %v", vol)
	}
	if ep := evs[3]["endpoint"].(map[string]any); ep["ip_address"] != "10.192.0.1" {
		t.Errorf("endpoint after the session %v", ep)
	}
	if st := n.plat.Stream.Statuses.Of(10); st != events.StatusOffline {
		t.Errorf("status after purge %v", st)
	}
	if len(hss.purs) != 2 {
		t.Errorf("%d PURs, want 2", len(hss.purs))
	}
}

func TestRejectionsEmitWarnEvents(t *testing.T) {
	n, _, _, out := newTestNode(t)
	ctx := context.Background()
	err := n.UpdateLocation(ctx, UE{IMSI: unknown, RAT: world.UTRAN})
	var rej *Rejected
	if !errors.As(err, &rej) || rej.Result != s6a.ErrorUserUnknown {
		t.Fatalf("unknown IMSI: %v", err)
	}
	ue := UE{IMSI: known, RAT: world.UTRAN}
	if _, err := n.CreatePDPContext(ctx, ue, "em"); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("PDP before registration: %v", err)
	}
	_ = n.UpdateLocation(ctx, ue)
	_ = n.UpdateGPRSLocation(ctx, ue)
	if _, err := n.CreatePDPContext(ctx, ue, "internet"); !errors.As(err, &rej) || rej.GTPCause != gtpc.CauseMissingOrUnknownAPN {
		t.Fatalf("wrong APN: %v", err)
	}
	n.plat.Stream.Flush()
	evs := decodeEvents(t, out)
	first, last := evs[0], evs[len(evs)-1]
	if eventType(first) != 1 || first["alert"] != true || first["endpoint"] != nil ||
		!strings.Contains(first["description"].(string), "DIAMETER_ERROR_USER_UNKNOWN (5001)") {
		t.Errorf("unknown IMSI event %v", first)
	}
	if eventType(last) != 3 || last["alert"] != true || last["event_source"].(map[string]any)["description"] != "Policy Control" ||
		!strings.Contains(last["description"].(string), "APN 'internet' is unknown") || !strings.Contains(last["description"].(string), "219") {
		t.Errorf("wrong APN event %v", last)
	}
	if _, ok := last["detail"]; ok {
		t.Errorf("rejected PDP event has a detail")
	}
}

func TestCancelLocationDropsStateAndSessions(t *testing.T) {
	n, _, gn, _ := newTestNode(t)
	ctx := context.Background()
	ue := UE{IMSI: known, RAT: world.UTRAN}
	_ = n.UpdateLocation(ctx, ue)
	_ = n.UpdateGPRSLocation(ctx, ue)
	s, err := n.CreatePDPContext(ctx, ue, "em")
	if err != nil {
		t.Fatal(err)
	}
	cla := n.CancelLocation(ctx, &s6a.CancelLocationRequest{SessionID: "x", IMSI: known, CancellationType: s6a.CancelSGSNUpdateProcedure})
	if cla.Result != s6a.ResultSuccess || cla.SessionID != "x" {
		t.Errorf("CLA %+v", cla)
	}
	if cs, ps := n.Registered(known); !cs || ps {
		t.Errorf("after an SGSN CLR: cs=%v ps=%v, want true false", cs, ps)
	}
	if len(gn.deletes) != 1 {
		t.Errorf("the open session was not deleted at the GGSN (%d deletes)", len(gn.deletes))
	}
	if err := n.DeletePDPContext(ctx, s, 0, 0); err != nil || len(gn.deletes) != 1 {
		t.Errorf("deleting a cancelled session again: err %v, %d deletes", err, len(gn.deletes))
	}
	n.CancelLocation(ctx, &s6a.CancelLocationRequest{IMSI: known, CancellationType: s6a.CancelMMEUpdateProcedure})
	if cs, ps := n.Registered(known); cs || ps {
		t.Errorf("after both CLRs: cs=%v ps=%v", cs, ps)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDigitsKey(t *testing.T) {
	for _, d := range []string{"295050900000001", "001010000000001", "0", "4236639000", "12345678901234567"} {
		if got := keyOf(d).String(); got != d {
			t.Errorf("keyOf(%q).String() = %q", d, got)
		}
	}
	if keyOf("001") == keyOf("01") || keyOf("") != 0 || keyOf("12a") != 0 || keyOf("123456789012345678") != 0 {
		t.Error("keys of different digit strings collide, or bad input has a key")
	}
}

// TestSessionIDsAreRFC6733Shaped: <DiameterIdentity>;<high 32 bits>;<low 32
// bits>;<kind>, distinct per request, the high part counting once the low
// part wraps.
func TestSessionIDsAreRFC6733Shaped(t *testing.T) {
	n, hss, _, _ := newTestNode(t)
	ctx := context.Background()
	ue := UE{IMSI: known, IMEI: "355050900000127", IMEISV: "3550509000001201", RAT: world.UTRAN, LAC: 1, CI: 2}
	n.ids.session.Store(1<<32 - 2) // the next two ids straddle the low part's wrap
	if err := n.UpdateLocation(ctx, ue); err != nil {
		t.Fatal(err)
	}
	if err := n.UpdateGPRSLocation(ctx, ue); err != nil {
		t.Fatal(err)
	}
	host := n.ID.Diameter.Host
	want := []string{host + ";0;4294967295;ulr", host + ";1;0;ulr"}
	if len(hss.ulrs) != 2 {
		t.Fatalf("%d ULRs, want 2", len(hss.ulrs))
	}
	for i, w := range want {
		if got := hss.ulrs[i].SessionID; got != w {
			t.Errorf("ULR %d Session-Id %q, want %q", i, got, w)
		}
	}
	// Across the counter's range, as fmt spells the RFC's shape.
	for _, v := range []uint64{0, 9, 1<<32 - 1, 1 << 32, 1<<63 + 12345, 1<<64 - 2} {
		n.ids.session.Store(v)
		want := fmt.Sprintf("%s;%d;%d;%s", host, (v+1)>>32, (v+1)&0xffffffff, "pur")
		if got := n.sessionID("pur"); got != want {
			t.Errorf("after %d: Session-Id %q, want %q", v, got, want)
		}
	}
}

// A registration keeps its open sessions oldest first through any mix of
// opens and closes (the first in the registration, the rest behind a
// pointer), and in at most 48 bytes.
func TestRegistrationKeepsSessionsInOrder(t *testing.T) {
	if sz := unsafe.Sizeof(registration{}); sz > 48 {
		t.Errorf("a registration takes %d bytes, want at most 48 (a million of them are held)", sz)
	}
	s := make([]*Session, 5)
	for i := range s {
		s[i] = &Session{ggsnTEID: uint32(i)}
	}
	var r registration
	if got := r.take(); got != nil {
		t.Fatalf("empty registration took %v", got)
	}
	r.remove(s[0]) // not open: nothing happens
	for _, x := range s {
		r.add(x)
	}
	r.remove(s[0]) // the first: the next moves up
	r.remove(s[3]) // one of the rest
	r.remove(s[3]) // twice: nothing more
	r.add(s[0])    // opened again: the newest
	var teids []uint32
	for _, x := range r.take() {
		teids = append(teids, x.ggsnTEID)
	}
	if want := []uint32{1, 2, 4, 0}; !slices.Equal(teids, want) {
		t.Fatalf("took sessions %v, want %v", teids, want)
	}
	if r.first != nil || r.more != nil || r.take() != nil {
		t.Fatal("a registration still holds sessions after take")
	}
	r.add(s[2])
	r.remove(s[2])
	if r.first != nil || r.take() != nil {
		t.Fatal("the only session, closed, is still held")
	}
}

package sgsn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/s6a"
	"github.com/core-sim/core-sim/sink"
	"github.com/core-sim/core-sim/world"
)

// gatedOutput takes the encoder's batches only once its gate is open:
// until then the encoder waits in Submit, done with none of its events.
type gatedOutput struct {
	gate   chan struct{}
	mu     sync.Mutex
	lines  []string
	failed chan struct{}
}

func (o *gatedOutput) Submit(b *sink.Batch) {
	<-o.gate
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lines = append(o.lines, strings.Split(strings.TrimSuffix(string(b.Buf), "\n"), "\n")...)
}
func (o *gatedOutput) Flush()                  {}
func (o *gatedOutput) Close() error            { return nil }
func (o *gatedOutput) Failed() <-chan struct{} { return o.failed }
func (o *gatedOutput) Err() error              { return nil }
func (o *gatedOutput) Wants(k sink.Kind) bool  { return k == sink.KindEvent }

// pdpIDs are the pdp_context_id of every PDP event written, in order,
// and the event types.
func (o *gatedOutput) pdpIDs(t *testing.T) (ids []int64, types []int) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.lines {
		var e struct {
			Type   struct{ ID int } `json:"event_type"`
			Detail struct {
				PDP struct {
					ID int64 `json:"pdp_context_id"`
				} `json:"pdp_context"`
			} `json:"detail"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("event %q: %v", l, err)
		}
		if e.Type.ID == int(events.TypeCreatePDPContext) || e.Type.ID == int(events.TypeDeletePDPContext) {
			ids, types = append(ids, e.Detail.PDP.ID), append(types, e.Type.ID)
		}
	}
	return ids, types
}

func (n *Node) freedLen() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.freed.q) - n.freed.head
}

// A closed session that its holder let go of is reused, oldest first,
// but only once the stream's encoder has written the events that point to
// it: while the encoder is held, every Create gets a session of its own
// and the events written later still tell each session's own facts.
func TestClosedSessionsAreReusedOnceEncoded(t *testing.T) {
	out := &gatedOutput{gate: make(chan struct{}), failed: make(chan struct{})}
	st := events.NewStreamTo(out, events.Format{})
	n, _, _ := newTestNodeTo(t, st)
	ctx := context.Background()
	ue := UE{IMSI: known, IMEISV: "3569380356400101", RAT: world.UTRAN, LAC: 1001, CI: 7}
	register(t, n, ue)
	cycle := func() *Session {
		t.Helper()
		s := mustCreate(t, n, ue)
		if err := n.DeletePDPContext(ctx, s, 1000, 2000); err != nil {
			t.Fatal(err)
		}
		s.Release()
		return s
	}
	var held []*Session
	for range 3 {
		s := cycle()
		for _, h := range held {
			if s == h {
				t.Fatal("a session was reused while the encoder had not written its events")
			}
		}
		held = append(held, s)
	}
	if got := n.freedLen(); got != 3 {
		t.Fatalf("%d sessions wait for reuse, want 3", got)
	}
	close(out.gate)
	if err := st.Flush(); err != nil { // the encoder is done with all of them
		t.Fatal(err)
	}
	ids, types := out.pdpIDs(t)
	if len(ids) != 6 {
		t.Fatalf("%d PDP events written, want 6", len(ids))
	}
	for i := 0; i < 6; i += 2 {
		if types[i] != int(events.TypeCreatePDPContext) || types[i+1] != int(events.TypeDeletePDPContext) || ids[i] != ids[i+1] || (i > 0 && ids[i] == ids[i-2]) {
			t.Fatalf("PDP events (type, pdp_context_id): %v %v; want each session's Create and Delete with its own id", types, ids)
		}
	}
	last := ids[5]
	for i := range 3 {
		s, err := n.CreatePDPContext(ctx, ue, "em")
		if err != nil {
			t.Fatal(err)
		}
		if s != held[i] {
			t.Fatalf("Create %d after the encoder caught up got a session other than the %d-th freed", i, i)
		}
		if s.state.Load() != 0 || s.reg == nil || s.facts.ID <= last {
			t.Fatalf("reused session %d: state %d, registration %v, pdp id %d after %d", i, s.state.Load(), s.reg, s.facts.ID, last)
		}
		last = s.facts.ID
	}
	if s, _ := n.CreatePDPContext(ctx, ue, "em"); s == held[0] || s == held[1] || s == held[2] {
		t.Fatal("a session open twice")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// A session is reused only when both its close is done and its holder let
// go of it, in either order, and once however often it is let go of.
func TestSessionReuseNeedsCloseAndRelease(t *testing.T) {
	// The encoder is held throughout: nothing queued is taken back out.
	out := &gatedOutput{gate: make(chan struct{}), failed: make(chan struct{})}
	t.Cleanup(func() { close(out.gate) })
	n, _, _ := newTestNodeTo(t, events.NewStreamTo(out, events.Format{}))
	ctx := context.Background()
	ue := UE{IMSI: known, RAT: world.UTRAN}
	register(t, n, ue)
	open := func() *Session { t.Helper(); return mustCreate(t, n, ue) }
	s := open()
	s.Release() // let go of while open: the registration still has it
	if n.freedLen() != 0 {
		t.Fatal("an open session was queued for reuse")
	}
	_ = n.DeletePDPContext(ctx, s, 0, 0)
	if n.freedLen() != 1 {
		t.Fatal("a session closed after its release was not queued")
	}
	s = open()
	_ = n.DeletePDPContext(ctx, s, 0, 0)
	if n.freedLen() != 1 {
		t.Fatal("a closed session still held was queued")
	}
	s.Release()
	s.Release()
	if n.freedLen() != 2 {
		t.Fatalf("%d sessions queued after one was released twice, want 2", n.freedLen())
	}
	// Closed by the network (the HLR cancels), then let go of.
	s = open()
	n.CancelLocation(ctx, &s6a.CancelLocationRequest{IMSI: known, CancellationType: s6a.CancelSGSNUpdateProcedure})
	if n.freedLen() != 2 {
		t.Fatal("a session closed by a cancel but still held was queued")
	}
	_ = n.DeletePDPContext(ctx, s, 0, 0) // the holder's own close does nothing more
	s.Release()
	if n.freedLen() != 3 {
		t.Fatal("a cancelled session let go of was not queued")
	}
}

// The key WarmRegistration hints is the one a Create PDP Context of that
// IMSI looks up, for fleets' numbering (the first IMSI plus the device's
// index), as the first IMSI changes from one call to the next; and the
// hints find the registration without changing anything.
func TestWarmRegistrationHintsTheCreatesKey(t *testing.T) {
	n, _, _, _ := newTestNode(t)
	for _, c := range []struct {
		first string
		index int
	}{{"295050000000001", 0}, {"295050000000001", 12345}, {"001010123456789", 9876543}, {"295050000000001", 99}, {"0010", 5}} {
		v, _ := strconv.ParseUint(c.first, 10, 64)
		imsi := fmt.Sprintf("%0*d", len(c.first), v+uint64(c.index))
		if got, want := n.warmKey(c.first, c.index), uint64(keyOf(imsi)); got != want {
			t.Errorf("warm key of %s plus %d: %#x, want %#x (IMSI %s)", c.first, c.index, got, want, imsi)
		}
	}
	register(t, n, UE{IMSI: known, RAT: world.UTRAN})
	for ahead := 3; ahead >= 0; ahead-- {
		n.WarmRegistration("295050900000000", 1, ahead)
	}
	if cs, ps := n.Registered(known); !cs || !ps {
		t.Fatalf("after the hints: cs=%v ps=%v", cs, ps)
	}
	if k := n.warmKey("295050900000000", 1); k != uint64(keyOf(known)) {
		t.Fatalf("the hints' key %#x is not the registration's %#x", k, uint64(keyOf(known)))
	}
}

// mustCreate opens a session of ue at n on the APN em.
func mustCreate(t *testing.T, n *Node, ue UE) *Session {
	t.Helper()
	s, err := n.CreatePDPContext(context.Background(), ue, "em")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// warmRecorder is a GnWarmer that records the hints it is given.
type warmRecorder struct {
	warms bool
	got   []string
}

func (w *warmRecorder) Warms() bool { return w.warms }
func (w *warmRecorder) WarmSubscriber(v uint64, digits int, nsapi uint8) {
	w.got = append(w.got, fmt.Sprintf("subscriber %0*d nsapi %d", digits, v, nsapi))
}
func (w *warmRecorder) WarmContext(teid uint32) {
	w.got = append(w.got, fmt.Sprintf("context %d", teid))
}
func (w *warmRecorder) WarmRecord(teid uint32) {
	w.got = append(w.got, fmt.Sprintf("record %d", teid))
}

// A session's start and end hint the GGSN's look-ups of their context, in
// stages, once the GGSN says hints pay, and not before.
func TestWarmHintsTheGGSNsLookups(t *testing.T) {
	n, _, _, _ := newTestNode(t)
	ue := UE{IMSI: known, RAT: world.UTRAN}
	register(t, n, ue)
	s := mustCreate(t, n, ue) // the fake GGSN gives control TEID 77
	w := &warmRecorder{}
	n.gw = w
	stages := func() []string {
		w.got = nil
		for ahead := 3; ahead >= 0; ahead-- {
			n.WarmRegistration("295050900000000", 1, ahead)
		}
		for ahead := 3; ahead >= 0; ahead-- {
			n.WarmClose(s, "295050900000000", 1, ahead)
		}
		return w.got
	}
	if got := stages(); len(got) != 0 {
		t.Fatalf("hints before the GGSN wants them: %q", got)
	}
	w.warms = true
	want := []string{"subscriber " + known + " nsapi 5", "subscriber " + known + " nsapi 5", "context 77", "record 77"}
	if got := stages(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("hints %q, want %q", got, want)
	}
	if err := n.DeletePDPContext(context.Background(), s, 0, 0); err != nil {
		t.Fatal(err)
	}
}

// A Create that the GGSN refuses gives back the freed session it took:
// it waits in the queue as before, and the next Create that is accepted
// reuses it, with its own facts.
func TestRefusedCreateGivesBackItsSession(t *testing.T) {
	var out bytes.Buffer
	st := events.NewStream(&out)
	n, _, _ := newTestNodeTo(t, st)
	ctx := context.Background()
	ue := UE{IMSI: known, RAT: world.UTRAN, LAC: 1001, CI: 7}
	register(t, n, ue)
	s := mustCreate(t, n, ue)
	if err := n.DeletePDPContext(ctx, s, 0, 0); err != nil {
		t.Fatal(err)
	}
	s.Release()
	if err := st.Flush(); err != nil { // the encoder is done with s's events
		t.Fatal(err)
	}
	if got := n.freedLen(); got != 1 {
		t.Fatalf("%d sessions queued for reuse, want 1", got)
	}
	var rej *Rejected
	if _, err := n.CreatePDPContext(ctx, ue, "no-such-apn"); !errors.As(err, &rej) {
		t.Fatalf("Create on an unknown APN: %v, want a *Rejected", err)
	}
	if got := n.freedLen(); got != 1 {
		t.Fatalf("after a refused Create %d sessions queued for reuse, want 1 (the one it took given back)", got)
	}
	again := mustCreate(t, n, ue)
	if again != s {
		t.Fatal("the Create after a refused one did not reuse the session given back")
	}
	if again.state.Load() != 0 || again.reg == nil || again.facts.APN != "em" || again.facts.LAC != 1001 {
		t.Fatalf("reused session: state %d, registration %v, APN %q, LAC %d", again.state.Load(), again.reg, again.facts.APN, again.facts.LAC)
	}
	if got := n.freedLen(); got != 0 {
		t.Fatalf("%d sessions queued after the reuse, want 0", got)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

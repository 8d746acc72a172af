package ggsn

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"unsafe"

	"github.com/core-sim/core-sim/gtpc"
)

// A context's record is one cache line.
func TestRecordIsOneLine(t *testing.T) {
	if n := unsafe.Sizeof(record{}); n != 64 {
		t.Fatalf("record is %d bytes, want 64", n)
	}
}

// Every context reads back as it was created, whether its record holds it
// (an IMSI of digits, IPv4) or it is kept whole (anything else), and a Delete of it
// leaves nothing behind: not its slot, its key, its address nor its copy.
func TestContextsReadBackAsCreated(t *testing.T) {
	a := netip.MustParseAddr
	v4peer := netip.MustParseAddrPort("127.0.0.7:2123")
	cases := []struct {
		name   string
		imsi   string
		msisdn string
		peer   netip.AddrPort
		ctl    netip.Addr
		user   netip.Addr
		wide   bool
	}{
		{"digits", "262011234567890", "491701234567", v4peer, a("127.0.0.7"), a("127.0.0.8"), false},
		{"leading zeros", "001010000000001", "0049170", v4peer, a("10.0.0.1"), a("10.0.0.2"), false},
		{"one digit, no MSISDN", "7", "", v4peer, a("0.0.0.0"), a("255.255.255.255"), false},
		{"17-digit MSISDN", "999999999999999", "99999999999999999", netip.MustParseAddrPort("127.255.255.254:65535"), a("127.0.0.7"), a("127.0.0.7"), false},
		{"18-digit MSISDN", "262011234567891", "123456789012345678", v4peer, a("127.0.0.7"), a("127.0.0.7"), false},
		{"MSISDN not digits", "262011234567892", "+4917", v4peer, a("127.0.0.7"), a("127.0.0.7"), false},
		{"IMSI not digits", "26201x", "4917", v4peer, a("127.0.0.7"), a("127.0.0.7"), true},
		{"16-digit IMSI", "2620112345678901", "4917", v4peer, a("127.0.0.7"), a("127.0.0.7"), true},
		{"empty IMSI", "", "4917", v4peer, a("127.0.0.7"), a("127.0.0.7"), false}, // keyed as no digits
		{"IPv6 peer", "262011234567893", "4917", netip.MustParseAddrPort("[::1]:2123"), a("::1"), a("::1"), true},
		{"IPv4-mapped peer", "262011234567894", "4917", netip.MustParseAddrPort("[::ffff:127.0.0.7]:2123"), a("127.0.0.7"), a("127.0.0.7"), true},
		{"no SGSN address", "262011234567895", "4917", v4peer, netip.Addr{}, a("127.0.0.7"), true},
		{"IPv6 user address", "262011234567896", "4917", v4peer, a("127.0.0.7"), a("fd00::1"), true},
	}
	g, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]PDPContext{}
	for i, c := range cases {
		req := &gtpc.CreatePDPContextRequest{
			IMSI: c.imsi, MSISDN: c.msisdn, APN: []string{"em", "EMnify"}[i%2], NSAPI: uint8(5 + i%11),
			TEIDControl: 0x1000 + uint32(i), TEIDData: 0x2000 + uint32(i), RATType: gtpc.RATType(1 + i%2),
			SGSNControlAddr: c.ctl, SGSNUserAddr: c.user,
		}
		res := g.CreatePDPContext(c.peer, req)
		if res.Cause != gtpc.CauseRequestAccepted {
			t.Fatalf("%s: cause %v", c.name, res.Cause)
		}
		slot, _ := g.byTEID.Get(uint64(res.TEIDControl))
		if got := g.rec(slot).wide; got != c.wide {
			t.Errorf("%s: kept whole %v, want %v", c.name, got, c.wide)
		}
		want[res.TEIDControl] = PDPContext{
			IMSI: c.imsi, MSISDN: c.msisdn, APN: []string{"em", "emnify"}[i%2], NSAPI: req.NSAPI,
			Address: res.EndUserAddress, TEIDControl: res.TEIDControl, TEIDData: res.TEIDData, ChargingID: res.ChargingID,
			RATType: req.RATType, SGSN: c.peer, SGSNTEIDControl: req.TEIDControl, SGSNTEIDData: req.TEIDData,
			SGSNControlAddr: c.ctl, SGSNUserAddr: c.user,
		}
	}
	for teid, w := range want {
		if got, ok := g.Context(teid); !ok || got != w {
			t.Errorf("context %d:\n got %+v\nwant %+v", teid, got, w)
		}
	}
	if cs := g.Contexts(); len(cs) != len(cases) {
		t.Fatalf("%d contexts, want %d", len(cs), len(cases))
	}
	// A Create for the same IMSI and NSAPI replaces the context, found
	// by the key the record (or the whole copy) keeps.
	for teid, w := range want {
		req := &gtpc.CreatePDPContextRequest{IMSI: w.IMSI, MSISDN: w.MSISDN, APN: w.APN, NSAPI: w.NSAPI,
			SGSNControlAddr: w.SGSNControlAddr, SGSNUserAddr: w.SGSNUserAddr}
		res := g.CreatePDPContext(w.SGSN, req)
		if _, ok := g.Context(teid); ok || res.Cause != gtpc.CauseRequestAccepted {
			t.Errorf("IMSI %q NSAPI %d: context %d not replaced (cause %v)", w.IMSI, w.NSAPI, teid, res.Cause)
		}
		d := g.DeletePDPContext(w.SGSN, &gtpc.DeletePDPContextRequest{TEID: res.TEIDControl})
		if d.Cause != gtpc.CauseRequestAccepted || d.TEID != req.TEIDControl {
			t.Errorf("IMSI %q: delete %+v", w.IMSI, d)
		}
	}
	if g.Active() != 0 || len(g.wide) != 0 || g.bySub.Len() != 0 || len(g.byOther) != 0 {
		t.Fatalf("left behind: %d active, %d whole, %d+%d keys", g.Active(), len(g.wide), g.bySub.Len(), len(g.byOther))
	}
	for _, u := range g.Pools() {
		if u.InUse != 0 {
			t.Errorf("pool %s: %d addresses in use", u.APN, u.InUse)
		}
	}
	for i := range g.nCtxs {
		if r := g.rec(i); *r != (record{}) || *g.msisdn(i) != "" {
			t.Errorf("slot %d not cleared: %+v, MSISDN %q", i, *r, *g.msisdn(i))
		}
	}
}

// ReleasePeer finds the peer of compact and whole contexts alike.
func TestReleasePeerOfEveryKind(t *testing.T) {
	g, _ := New(Config{})
	v6 := netip.MustParseAddrPort("[::1]:2123")
	for i := range 6 {
		peer := sgsn
		if i%2 == 1 {
			peer = v6
		}
		imsi := fmt.Sprintf("26201000000000%d", i)
		if i >= 4 {
			imsi += "x"
		}
		g.CreatePDPContext(peer, createReq(imsi, "em"))
	}
	if n := g.ReleasePeer(v6); n != 3 || g.Active() != 3 {
		t.Fatalf("released %d of [::1], %d left, want 3 and 3", n, g.Active())
	}
	for _, c := range g.Contexts() {
		if c.SGSN != sgsn {
			t.Errorf("left %+v", c)
		}
	}
}

func TestNewRefusesTooManyAPNs(t *testing.T) {
	apns := make([]APN, maxAPNs+1)
	if _, err := New(Config{APNs: apns}); err == nil || !strings.Contains(err.Error(), "65536 APNs configured, at most 65535") {
		t.Fatalf("error %v", err)
	}
}

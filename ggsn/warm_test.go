package ggsn

import (
	"fmt"
	"net/netip"
	"strconv"
	"testing"

	"github.com/core-sim/core-sim/gtpc"
)

// The hints find the key a Create of the IMSI uses, from its digits as a
// number.
func TestDigitsWordIsTheIMSIsKey(t *testing.T) {
	for _, imsi := range []string{"295050900000001", "001010000000000", "0", "1", "09", "999999999999999", "26201"} {
		v, err := strconv.ParseUint(imsi, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		for _, nsapi := range []uint8{5, 15} {
			if got, want := digitsWord(v, len(imsi), nsapi), keyOf(imsi, nsapi).word(); got != want {
				t.Errorf("digitsWord(%d, %d, %d) = %#x, want keyOf(%q).word() = %#x", v, len(imsi), nsapi, got, imsi, want)
			}
		}
	}
}

// Hints change no answer, and are given only once the GGSN has held
// warmFrom contexts at once.
func TestWarmChangesNothing(t *testing.T) {
	cfg := Config{APNs: []APN{{"em", netip.MustParsePrefix("10.0.0.0/8")}}}
	plain, _ := New(cfg)
	hinted, _ := New(cfg)
	const first = 295050000000000
	var teids []uint32
	answer := func(g *GGSN, i int, hint bool) string {
		imsi := strconv.Itoa(first + i%(2*warmFrom))
		if hint {
			g.WarmSubscriber(uint64(first+i%(2*warmFrom)), len(imsi), 5)
			g.WarmSubscriber(uint64(i), 3, 5) // a key no context has
			g.WarmContext(uint32(i * 7919))
			g.WarmRecord(uint32(i * 7919)) // mostly a TEID no context has
			if len(teids) > 0 {
				g.WarmContext(teids[i%len(teids)])
				g.WarmRecord(teids[i%len(teids)])
			}
		}
		if i%4 == 3 && len(teids) > 0 { // a Delete of an earlier context, found or not
			var res gtpc.DeletePDPContextResponse
			g.DeletePDPContextInto(sgsn, &gtpc.DeletePDPContextRequest{TEID: teids[(i*31)%len(teids)]}, &res)
			return fmt.Sprint("delete ", res.Cause, res.TEID)
		}
		var res gtpc.CreatePDPContextResponse
		g.CreatePDPContextInto(sgsn, createReq(imsi, "em"), &res)
		return fmt.Sprint("create ", res.Cause, res.EndUserAddress, res.TEIDControl, res.TEIDData, res.ChargingID)
	}
	sawWarm := false
	for i := range 3 * warmFrom {
		a, b := answer(plain, i, false), answer(hinted, i, true)
		if a != b {
			t.Fatalf("request %d: %s with hints, %s without", i, b, a)
		}
		if i%4 != 3 || len(teids) == 0 {
			teids = append(teids, plain.nextTEID) // the TEID the Create was given
		}
		held := int(hinted.nCtxs)
		if got, want := hinted.Warms(), held >= warmFrom; got != want {
			t.Fatalf("request %d: Warms() = %v having held %d contexts at once (warmFrom %d)", i, got, held, warmFrom)
		}
		sawWarm = sawWarm || hinted.Warms()
	}
	if !sawWarm {
		t.Fatalf("the GGSN never held %d contexts at once: the hints were never given", warmFrom)
	}
	if plain.Active() != hinted.Active() {
		t.Fatalf("%d contexts with hints, %d without", hinted.Active(), plain.Active())
	}
}

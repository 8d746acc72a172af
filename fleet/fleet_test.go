package fleet

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/core-sim/core-sim/scenarios"
)

func TestAddKeepsDigits(t *testing.T) {
	for _, c := range []struct {
		first string
		n     int
		want  string
	}{
		{"295050900000001", 0, "295050900000001"},
		{"295050900000001", 41, "295050900000042"},
		{"001010000000009", 1, "001010000000010"},
	} {
		if got := Add(c.first, c.n); got != c.want {
			t.Errorf("Add(%s, %d) = %s, want %s", c.first, c.n, got, c.want)
		}
	}
}

// The in-place addition gives what parsing and formatting give, carries,
// longer results, bad digits and all.
func TestAddAgreesWithParsing(t *testing.T) {
	firsts := []string{"0", "9", "99", "0999", "999999999999999", "295050900000001", "8942310000000000016",
		"9999999999999999999", "18446744073709551615", "12a4", "", "-12", "+12", " 12", "001010000000009"}
	ns := []int{0, 1, 9, 10, 11, 99, 1000, 999_999, 1_000_000_000, -1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b strings.Builder
		for range 1 + r.IntN(19) {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		firsts = append(firsts, b.String())
		ns = append(ns, r.IntN(10_000_000))
	}
	for i, f := range firsts {
		for _, n := range []int{ns[i%len(ns)], ns[(i*7+3)%len(ns)], 1} {
			if got, want := Add(f, n), addParsed(f, n); got != want {
				t.Fatalf("Add(%q, %d) = %q, parsing gives %q", f, n, got, want)
			}
		}
	}
}

func TestDevicesFollowTheRanges(t *testing.T) {
	sc, err := scenarios.Default()
	if err != nil {
		t.Fatal(err)
	}
	devs := Devices(sc)
	if len(devs) != 100 {
		t.Fatalf("%d devices, want 100", len(devs))
	}
	seen := map[string]bool{}
	for _, d := range devs {
		for _, imsi := range d.IMSIs() {
			if seen[imsi] {
				t.Fatalf("IMSI %s twice", imsi)
			}
			seen[imsi] = true
		}
		if len(d.IMEI()) != 15 {
			t.Errorf("device %v has IMEI %q", d.IMSIs(), d.IMEI())
		}
	}
	if devs[1].IMEI() != "356938035640002" || devs[1].IMSI(1) != "204089900000002" {
		t.Errorf("second tracker: %+v", devs[1])
	}
	last := devs[len(devs)-1]
	if last.Fleet.Name != "unknown-sims" || last.IMSI(0) != "295060900009002" {
		t.Errorf("last device %v of %s", last.IMSIs(), last.Fleet.Name)
	}
}

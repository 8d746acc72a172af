package fleet

import (
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

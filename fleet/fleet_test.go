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
	imeis := map[string]string{"295050900000001": "356938035640001"}
	devs := Devices(sc, func(imsi string) string { return imeis[imsi] })
	if len(devs) != 100 {
		t.Fatalf("%d devices, want 100", len(devs))
	}
	seen := map[string]bool{}
	for _, d := range devs {
		if seen[d.IMSI] {
			t.Fatalf("IMSI %s twice", d.IMSI)
		}
		seen[d.IMSI] = true
		if len(d.IMEI) != 15 {
			t.Errorf("device %s has IMEI %q", d.IMSI, d.IMEI)
		}
	}
	if devs[0].IMEI != "356938035640001" {
		t.Errorf("the platform's IMEI was not used: %s", devs[0].IMEI)
	}
	last := devs[len(devs)-1]
	if last.Fleet.Name != "unknown-sims" || last.IMSI != "295050900009002" {
		t.Errorf("last device %s of %s", last.IMSI, last.Fleet.Name)
	}
}

package expect

import (
	"strings"
	"testing"
	"time"

	"github.com/core-sim/core-sim/applet"
	"github.com/core-sim/core-sim/events"
	"github.com/core-sim/core-sim/fleet"
	"github.com/core-sim/core-sim/scenarios"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestMaxInHour(t *testing.T) {
	sw := func(ds ...time.Duration) []switchRec {
		var out []switchRec
		for _, d := range ds {
			out = append(out, switchRec{at: at(d)})
		}
		return out
	}
	cases := []struct {
		in   []switchRec
		want int
		from time.Duration
	}{
		{nil, 0, 0},
		{sw(time.Minute), 1, time.Minute},
		{sw(0, 30*time.Minute, 59*time.Minute, 60*time.Minute), 3, 0},
		{sw(0, 2*time.Hour, 2*time.Hour+10*time.Minute, 2*time.Hour+20*time.Minute, 5*time.Hour), 3, 2 * time.Hour},
	}
	for _, c := range cases {
		n, from := maxInHour(c.in)
		if n != c.want || (n > 0 && !from.Equal(at(c.from))) {
			t.Errorf("maxInHour(%v) = %d from %v, want %d from %v", c.in, n, from, c.want, c.from)
		}
	}
}

func TestLongestGap(t *testing.T) {
	f := &scenarios.Fleet{Name: "f"}
	l := &deviceLog{d: &fleet.Device{Fleet: f}, service: []serviceRec{
		{at(0), false}, {at(time.Minute), true}, {at(time.Hour), false}, {at(3 * time.Hour), true}, {at(5 * time.Hour), false},
	}}
	if g, from := longestGap(l, t0, at(6*time.Hour)); g != 2*time.Hour || !from.Equal(at(time.Hour)) {
		t.Errorf("gap %v from %v, want 2h from 01:00", g, from)
	}
	if g, _ := longestGap(l, t0, at(8*time.Hour)); g != 3*time.Hour {
		t.Errorf("an open gap at the end counts to the end: %v", g)
	}
	f.PowerOff = 6 * time.Hour
	if g, _ := longestGap(l, t0, at(8*time.Hour)); g != 2*time.Hour {
		t.Errorf("a powered-off device is not without service: %v", g)
	}
}

func TestCheckNamesDeviceTimeAndWhatWasSeen(t *testing.T) {
	sc, err := scenarios.Parse("t.yaml", []byte(`name: t
home_networks: [{name: A, plmn: "29505"}, {name: B, plmn: "20408"}]
sims: [{name: m, profiles: [A, B]}]
fleets:
  - {name: f, sim: m, imsi: {A: "295050900000001", B: "204089900000001"}, count: 2, country: DE,
     msisdn: "4236639001", iccid: "8942310000000000016", endpoint_id: 1}
expect:
  - ends_on_profile: {fleet: f, profile: B}
  - switches_per_hour: {max: 1}
  - event: {type: 3, cause: "(219)", max: 0}
  - event: {type: 1, cause: "5001"}
  - status: {fleet: f, status: ONLINE}
`))
	if err != nil {
		t.Fatal(err)
	}
	devs := fleet.Devices(sc)
	c := New(sc)
	states := []fleet.State{{Device: &devs[0], Profile: "B"}, {Device: &devs[1], Profile: "A", Switches: 2}}
	c.Devices(states)
	c.Switched(&devs[1], at(10*time.Minute), applet.Decision{From: applet.Profile{Name: "A"}, To: applet.Profile{Name: "B"}})
	c.Switched(&devs[1], at(20*time.Minute), applet.Decision{From: applet.Profile{Name: "B"}, To: applet.Profile{Name: "A"}})
	c.Event(&events.Event{Type: events.TypeCreatePDPContext, Timestamp: "2026-01-01T00:30:00.000Z",
		Description: "PDP Context Request rejected, because APN 'x' is unknown: GTP cause Missing or unknown APN (219).",
		IMSI:        &events.IMSI{IMSI: "295050900000001"}})
	var st events.Statuses
	st.Apply(&events.Event{Endpoint: &events.Endpoint{ID: 1}, Status: events.StatusOnline})
	st.Apply(&events.Event{Endpoint: &events.Endpoint{ID: 2}, Status: events.StatusAttached})
	fails := c.Check(states, &st, at(24*time.Hour))
	var got []string
	for _, f := range fails {
		got = append(got, f.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"expect[0] (line 8) ends_on_profile B (fleet f): device f#2 (IMSI 295050900000002/204089900000002) at 2026-01-02T00:00:00Z: ends on profile A after 2 switches",
		"expect[1] (line 9) switches_per_hour at most 1 (all devices): device f#2",
		"2 switches in the hour from 00:10:00: 00:10:00 A->B, 00:20:00 B->A",
		"expect[2] (line 10) event type 3 containing \"(219)\" at most 0 (all devices) at 2026-01-01T00:30:00Z: 1 matching events",
		"expect[3] (line 11) event type 1 containing \"5001\" at least 1 (all devices): 0 matching events",
		"expect[4] (line 12) status ONLINE (fleet f): device f#2",
		"status ATTACHED",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failures lack %q:\n%s", want, all)
		}
	}
	if len(fails) != 5 {
		t.Errorf("%d failures, want 5", len(fails))
	}
}

// Checkers of parts of a fleet (the lanes of a run in several processes),
// combined, say what one checker of all of it says: the first failing
// device in fleet order, the largest value over all devices and the first
// device with it, events summed and the first of them.
func TestCombineOfPartsIsTheWholeCheck(t *testing.T) {
	sc, err := scenarios.Parse("t.yaml", []byte(`name: t
home_networks: [{name: A, plmn: "29505"}, {name: B, plmn: "20408"}]
sims: [{name: m, profiles: [A, B]}]
fleets:
  - {name: f, sim: m, imsi: {A: "295050900000001", B: "204089900000001"}, count: 5, country: DE,
     msisdn: "4236639001", iccid: "8942310000000000016", endpoint_id: 1}
expect:
  - ends_on_profile: {fleet: f, profile: B}
  - switches_per_hour: {max: 1}
  - switches_per_hour: {min: 9}
  - event: {type: 1, cause: "5001", max: 1}
  - without_service: {max: 90m}
  - without_service: {min: 5h}
  - status: {fleet: f, status: ONLINE}
`))
	if err != nil {
		t.Fatal(err)
	}
	devs := fleet.Devices(sc)
	var states []fleet.State
	for i := range devs {
		p := "B"
		if i%2 == 1 { // devices 1 and 3 end on A: the first failing is 1
			p = "A"
		}
		states = append(states, fleet.State{Device: &devs[i], Profile: p, Switches: i})
	}
	var st events.Statuses
	for i := range devs {
		s := events.StatusOnline
		if i >= 2 {
			s = events.StatusAttached
		}
		st.Apply(&events.Event{Endpoint: &events.Endpoint{ID: int64(i + 1)}, Status: s})
	}
	observe := func(c *Checker, i int) {
		d := &devs[i]
		sw := func(m time.Duration) {
			c.Switched(d, at(m), applet.Decision{From: applet.Profile{Name: "A"}, To: applet.Profile{Name: "B"}})
		}
		for k := 0; k < i; k++ { // device i switches i times within an hour: 2, 3 and 4 exceed max 1
			sw(time.Duration(10+k) * time.Minute)
		}
		// Gaps without service: 2h for devices 2 and 4 (the longest; 2 is the first), 1h for the others.
		c.Service(d, at(time.Hour), true)
		c.Service(d, at(2*time.Hour), false)
		gap := time.Hour
		if i%2 == 0 && i > 0 {
			gap = 2 * time.Hour
		}
		c.Service(d, at(2*time.Hour+gap), true)
		if i >= 3 { // one Update location rejected 5001 for devices 3 and 4, device 3's first (observed in time order, as a run does)
			c.Event(&events.Event{Type: events.TypeUpdateLocation, Timestamp: at(time.Duration(20+i) * time.Minute).Format("2006-01-02T15:04:05.000Z"),
				Description: "Update location rejected: DIAMETER_ERROR_USER_UNKNOWN (5001)"})
		}
	}
	end := at(24 * time.Hour)
	whole := New(sc)
	whole.Devices(states)
	for i := range devs {
		observe(whole, i)
	}
	want := whole.Check(states, &st, end)
	var parts [][]Part
	for lane := range 2 {
		c := New(sc)
		var mine []fleet.State
		for i, s := range states {
			if i%2 == lane {
				mine = append(mine, s)
			}
		}
		c.Devices(mine)
		for i := range devs {
			if i%2 == lane {
				observe(c, i)
			}
		}
		parts = append(parts, c.Partial(mine, &st, end))
	}
	got := Combine(sc, parts)
	if len(want) != 7 {
		t.Fatalf("the whole check failed %d expectations, want all 7: %v", len(want), want)
	}
	if len(got) != len(want) {
		t.Fatalf("combined: %d failures, whole: %d\n%v\n%v", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i].String() != want[i].String() {
			t.Errorf("failure %d\ncombined: %s\nwhole:    %s", i, got[i], want[i])
		}
	}
	for i, frag := range []string{"device f#2 ", "device f#3 ", "device f#5 ", "2 matching events (the first at 00:23:00)", "device f#3 ", "device f#3 ", "device f#3 "} {
		if !strings.Contains(got[i].String(), frag) {
			t.Errorf("failure %d: %s, want it to say %q", i, got[i], frag)
		}
	}
}

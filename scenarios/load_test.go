package scenarios

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDefaultScenarioIsValid(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	devices := 0
	for _, f := range s.Fleets {
		devices += f.Count
	}
	if devices != 100 {
		t.Errorf("default fleet has %d devices, want 100", devices)
	}
	if len(s.GGSN.APNs) != 2 || s.GGSN.APNs[0].Name != "em" || s.GGSN.APNs[1].Name != "emnify" {
		t.Errorf("default APNs %v", s.GGSN.APNs)
	}
	if s.Duration != 24*time.Hour || len(s.Expect) == 0 || len(s.Outages) != 1 {
		t.Errorf("duration %v, %d expectations, %d outages", s.Duration, len(s.Expect), len(s.Outages))
	}
	tr := s.Fleets[0]
	if tr.SIM.Name != "multi" || len(tr.FirstIMSI) != 2 || tr.FirstIMSI[1] != "204089900000001" || tr.SIM.Preferred["208"] != "NL" {
		t.Errorf("trackers: SIM %+v IMSIs %v", tr.SIM, tr.FirstIMSI)
	}
	if len(tr.Itinerary) != 2 || tr.Itinerary[1].At != 2*time.Hour || tr.Itinerary[1].Country != "FR" {
		t.Errorf("itinerary %v", tr.Itinerary)
	}
}

func TestSubscribersFollowProfilesAndAgreements(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	subs := s.Subscribers()
	byIMSI := map[string]Subscribers{}
	for _, r := range subs {
		byIMSI[r.FirstIMSI] = r
	}
	li, nl := byIMSI["295050900000001"], byIMSI["204089900000001"]
	if li.Profile != "LI" || nl.Profile != "NL" || li.FirstEndpointID != nl.FirstEndpointID || li.FirstICCID != nl.FirstICCID {
		t.Errorf("the two profiles of a device must share its endpoint and SIM: %+v %+v", li, nl)
	}
	if nl.AllowedPLMNs != nil {
		t.Errorf("NL roams everywhere, got %v", nl.AllowedPLMNs)
	}
	if len(li.AllowedPLMNs) == 0 || li.AllowedPLMNs[0] != "26202" || slices.Contains(li.AllowedPLMNs, "26201") {
		t.Errorf("LI agreements %v: want 26202 and no other German network", li.AllowedPLMNs)
	}
	eu := byIMSI["295060900000001"]
	want := len(s.World.OperatorsIn("262")) + len(s.World.OperatorsIn("208"))
	if len(eu.AllowedPLMNs) != want { // every German and French operator
		t.Errorf("EU agreements %v, want the %d operators of DE and FR", eu.AllowedPLMNs, want)
	}
	for _, p := range eu.AllowedPLMNs {
		if !strings.HasPrefix(p, "262") && !strings.HasPrefix(p, "208") {
			t.Errorf("EU agreement with %s", p)
		}
	}
	if _, ok := byIMSI["295060900009001"]; ok {
		t.Error("an unprovisioned fleet is in the HLR")
	}
}

const base = `name: t
fleets:
  - imsi: "295050900000001"
    count: 2
    country: DE
    msisdn: "4236639001"
    iccid: "8942310000000000016"
    endpoint_id: 1
`

func TestErrorsNameFileLineAndField(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", base + "    colour: red\n", []string{"t.yaml:9:", `unknown key "colour"`}},
		{"unknown top-level key", "nme: x\n" + base, []string{"t.yaml:1:", `unknown key "nme"`}},
		{"bad imsi", strings.Replace(base, `"295050900000001"`, `"29505x"`, 1), []string{"t.yaml:3:", "fleets[0].imsi", "must be digits"}},
		{"unknown country", strings.Replace(base, "DE", "XX", 1), []string{"t.yaml:5:", "fleets[0].country", `unknown country "XX"`}},
		{"bad duration", base + "    retry_after: soon\n", []string{"t.yaml:9:", "fleets[0].retry_after", "not a duration"}},
		{"bad pool", base + "ggsn:\n  apns:\n    - {name: em, pool: 10.0.0.0/31}\n", []string{"t.yaml:11:", "ggsn.apns[0].pool"}},
		{"unknown operator", base + "    operators: [\"99999\"]\n", []string{"t.yaml:9:", "fleets[0].operators[0]", "unknown operator"}},
		{"overlapping fleets", base + `  - {name: b, imsi: "295050900000002", count: 2, country: FR, msisdn: "4236639101", iccid: "8942310000000100016", endpoint_id: 20}
`, []string{"t.yaml:9:", "fleets[1].imsi", "overlaps fleets[0]"}},
		{"unknown sim", base + "    sim: multi\n", []string{"t.yaml:9:", "fleets[0].sim", `no SIM type named "multi"`}},
		{"profile IMSIs", `name: t
home_networks: [{name: A, plmn: "29505"}, {name: B, plmn: "20408"}]
sims: [{name: m, profiles: [A, B], preferred: {DE: C}}]
fleets:
  - {sim: m, imsi: {A: "295050900000001"}, count: 1, country: DE, msisdn: "4236639001", iccid: "8942310000000000016", endpoint_id: 1}
`, []string{"t.yaml:3:", `sims[0].preferred.DE: "C" is not one of the SIM's profiles`, "t.yaml:5:", `no IMSI range for profile "B"`}},
		{"itinerary order", strings.Replace(base, "    country: DE\n", "    itinerary: [{at: 0s, country: DE}, {at: 2h, country: FR}, {at: 1h, country: AT}]\n", 1),
			[]string{"fleets[0].itinerary[2].at", "not after the previous stop"}},
		{"outage", base + "outages: [{operator: \"26201\", from: 2h, to: 1h}]\n", []string{"t.yaml:9:", "outages[0].to", "not after from"}},
		{"expectation", base + "expect: [{event: {type: 1}, status: {status: ONLINE}}]\n", []string{"t.yaml:9:", "exactly one of"}},
		{"expectation fleet", base + "expect: [{ends_on_profile: {fleet: nope, profile: home}}]\n", []string{"t.yaml:9:", `no fleet named "nope"`}},
		{"range past the home network", `name: t
home_networks: [{name: A, plmn: "29505"}]
sims: [{name: m, profiles: [A]}]
fleets:
  - {sim: m, imsi: "295059999999990", count: 20, country: DE, msisdn: "4236639001", iccid: "8942310000000000016", endpoint_id: 1}
`, []string{"t.yaml:5:", "fleets[0].imsi", "20 devices from IMSI 295059999999990 run past home network A's range: the last would be 295060000000009"}},
		{"IMSI outside the home network", `name: t
home_networks: [{name: A, plmn: "29505"}]
sims: [{name: m, profiles: [A]}]
fleets:
  - {sim: m, imsi: "262019999999990", count: 2, country: DE, msisdn: "4236639001", iccid: "8942310000000000016", endpoint_id: 1}
`, []string{"t.yaml:5:", "IMSI 262019999999990 is not in home network A (PLMN 29505)"}},
		{"syntax", "name: [\n", []string{"t.yaml:"}},
		{"no fleets", "name: t\n", []string{"fleets", "at least one fleet"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

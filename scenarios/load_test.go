package scenarios

import (
	"strings"
	"testing"
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
}

func TestErrorsNameFileLineAndField(t *testing.T) {
	base := `name: t
fleets:
  - imsi: "295050900000001"
    count: 2
    country: DE
`
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", base + "    colour: red\n", []string{"t.yaml:6:", `unknown key "colour"`}},
		{"unknown top-level key", "nme: x\n" + base, []string{"t.yaml:1:", `unknown key "nme"`}},
		{"bad imsi", strings.Replace(base, `"295050900000001"`, `"29505x"`, 1), []string{"t.yaml:3:", "fleets[0].imsi", "must be digits"}},
		{"unknown country", strings.Replace(base, "DE", "XX", 1), []string{"t.yaml:5:", "fleets[0].country", `unknown country "XX"`}},
		{"bad duration", base + "    pause: soon\n", []string{"t.yaml:6:", "fleets[0].pause", "not a duration"}},
		{"bad pool", base + "ggsn:\n  apns:\n    - {name: em, pool: 10.0.0.0/31}\n", []string{"t.yaml:8:", "ggsn.apns[0].pool"}},
		{"operator in other country", base + "    operators: [\"20801\"]\n", []string{"t.yaml:6:", "fleets[0].operators[0]", "not in Germany"}},
		{"overlapping subscribers", base + `subscribers:
  - {imsi: "295050900000001", count: 10, msisdn: "4236639001", iccid: "8942310000000000016", endpoint_id: 1}
  - {imsi: "295050900000005", count: 10, msisdn: "4236639101", iccid: "8942310000000100016", endpoint_id: 20}
`, []string{"t.yaml:8:", "subscribers[1].imsi", "overlaps subscribers[0]"}},
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

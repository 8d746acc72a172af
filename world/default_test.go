package world

import (
	"regexp"
	"testing"
)

func TestDefaultWorldIsConsistent(t *testing.T) {
	if _, err := New(defaultCountries, defaultOperators); err != nil {
		t.Fatalf("New rejects the default world: %v", err)
	}
	w := Default()

	iso := regexp.MustCompile(`^[A-Z]{2}$`)
	ids := map[int]bool{}
	for _, c := range w.Countries() {
		if !iso.MatchString(c.ISO) {
			t.Errorf("%s: ISO code %q is not two upper-case letters", c.Name, c.ISO)
		}
		if c.ID <= 0 || ids[c.ID] {
			t.Errorf("%s: country id %d is not positive or used twice", c.Name, c.ID)
		}
		ids[c.ID] = true
		if c.DialCode == "" || !digits(c.DialCode) {
			t.Errorf("%s: dial code %q", c.Name, c.DialCode)
		}
		if n := len(w.OperatorsIn(c.MCC)); n < 2 {
			t.Errorf("%s (%s): %d operators, want at least 2", c.Name, c.MCC, n)
		}
	}

	tadig := regexp.MustCompile(`^[A-Z0-9]{5}$`)
	seen := map[string]string{}
	for _, o := range defaultOperators {
		if !tadig.MatchString(o.TADIG) {
			t.Errorf("%s (%s): TADIG %q is not 5 upper-case alphanumerics", o.Name, o.PLMN(), o.TADIG)
		}
		if other, ok := seen[o.TADIG]; ok {
			t.Errorf("%s (%s): TADIG %s already used by %s", o.Name, o.PLMN(), o.TADIG, other)
		}
		seen[o.TADIG] = o.Name
		if n := len(o.MNC); n != 2 && n != 3 {
			t.Errorf("%s: MNC %q has %d digits", o.Name, o.MNC, n)
		}
		if o.Name == "" {
			t.Errorf("%s: operator without a name", o.PLMN())
		}
		if !o.Supports(GERAN) && !o.Supports(UTRAN) {
			t.Errorf("%s (%s): offers neither GERAN nor UTRAN", o.Name, o.PLMN())
		}
	}
}

// The default scenario depends on the order of the operators in Germany and
// France, and on their RATs (UTRAN fleets in DE and AT, a GERAN fleet in FR).
func TestDefaultWorldScenarioOperators(t *testing.T) {
	w := Default()
	for mcc, want := range map[string][]string{
		"262": {"26201", "26202", "26203"},
		"208": {"20801", "20810", "20820"},
	} {
		ops := w.OperatorsIn(mcc)
		if len(ops) < len(want) {
			t.Fatalf("%s: %d operators", mcc, len(ops))
		}
		for i, p := range want {
			if ops[i].PLMN() != p {
				t.Errorf("%s: operator %d is %s, want %s", mcc, i, ops[i].PLMN(), p)
			}
		}
	}
	for _, c := range []struct {
		mcc string
		rat RAT
	}{{"262", UTRAN}, {"232", UTRAN}, {"208", GERAN}} {
		n := 0
		for _, o := range w.OperatorsIn(c.mcc) {
			if o.Supports(c.rat) {
				n++
			}
		}
		if n < 2 {
			t.Errorf("%s: %d operators offer %s", c.mcc, n, c.rat)
		}
	}
}

package world

import (
	"strings"
	"testing"
)

func TestDefaultWorld(t *testing.T) {
	w := Default()
	de, ok := w.Country("de")
	if !ok || de.MCC != "262" || de.DialCode != "49" {
		t.Fatalf("Germany: %+v %v", de, ok)
	}
	if c, ok := w.Country("208"); !ok || c.ISO != "FR" {
		t.Errorf("lookup by MCC: %+v", c)
	}
	op, ok := w.Operator("26201")
	if !ok || op.TADIG != "DEUD1" || !op.Supports(UTRAN) {
		t.Errorf("26201: %+v", op)
	}
	if n := len(w.OperatorsIn("262")); n != 3 {
		t.Errorf("%d operators in Germany", n)
	}
}

func TestNewRejectsInconsistentWorlds(t *testing.T) {
	de := Country{ID: 276, ISO: "DE", Name: "Germany", MCC: "262", DialCode: "49"}
	cases := []struct {
		name string
		cs   []Country
		ops  []Operator
		want string
	}{
		{"bad MCC", []Country{{ISO: "XX", MCC: "26"}}, nil, "not 3 digits"},
		{"country twice", []Country{de, de}, nil, "used twice"},
		{"operator without country", []Country{de}, []Operator{{ID: 1, MCC: "208", MNC: "01"}}, "no country"},
		{"bad MNC", []Country{de}, []Operator{{ID: 1, MCC: "262", MNC: "1"}}, "not 2 or 3 digits"},
		{"PLMN twice", []Country{de}, []Operator{{ID: 1, MCC: "262", MNC: "01"}, {ID: 2, MCC: "262", MNC: "01"}}, "used twice"},
	}
	for _, c := range cases {
		if _, err := New(c.cs, c.ops); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestParseRAT(t *testing.T) {
	for in, want := range map[string]RAT{"geran": GERAN, "2G": GERAN, "UTRAN": UTRAN, "3g": UTRAN} {
		if got, err := ParseRAT(in); err != nil || got != want {
			t.Errorf("ParseRAT(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseRAT("lte"); err == nil {
		t.Error("lte accepted")
	}
}

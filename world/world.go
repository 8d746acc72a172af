// Package world is the geography core-sim's devices roam in: countries and
// their mobile operators (MCC/MNC, name, TADIG code, radio access
// technologies). It is data and lookups only; who may roam where is the
// HLR's policy, and where a device goes is the fleet's plan.
package world

import (
	"fmt"
	"sort"
	"strings"
)

// RAT is a radio access technology an operator offers and a device supports.
type RAT string

const (
	GERAN RAT = "geran" // 2G
	UTRAN RAT = "utran" // 3G
)

// ParseRAT accepts "geran"/"2g" and "utran"/"3g", in any case.
func ParseRAT(s string) (RAT, error) {
	switch strings.ToLower(s) {
	case "geran", "2g":
		return GERAN, nil
	case "utran", "3g":
		return UTRAN, nil
	}
	return "", fmt.Errorf("unknown RAT %q (want geran or utran)", s)
}

// Country is a country as the platform's events describe it.
type Country struct {
	ID       int    // ISO 3166-1 numeric code
	ISO      string // ISO 3166-1 alpha-2, upper case, e.g. "DE"
	Name     string
	MCC      string
	DialCode string // e.g. "49"
}

// Operator is a mobile network operator of a visited network.
type Operator struct {
	ID    int
	Name  string
	MCC   string
	MNC   string
	TADIG string // GSMA TADIG code, e.g. "DEUD1"
	RATs  []RAT
}

// PLMN is the operator's MCC and MNC, e.g. "26201".
func (o Operator) PLMN() string { return o.MCC + o.MNC }

// Supports reports whether the operator offers the RAT.
func (o Operator) Supports(r RAT) bool {
	for _, x := range o.RATs {
		if x == r {
			return true
		}
	}
	return false
}

// World is a set of countries and operators.
type World struct {
	countries []Country
	operators []Operator
	byMCC     map[string][]Operator // OperatorsIn, made once
	byPLMN    map[string]int        // index into operators
}

// New builds a world and checks it: unique ISO codes and MCCs per country,
// unique PLMNs and ids per operator, and every operator in a known country.
func New(countries []Country, operators []Operator) (*World, error) {
	w := &World{countries: append([]Country(nil), countries...), operators: append([]Operator(nil), operators...)}
	iso := map[string]bool{}
	mcc := map[string]bool{}
	for i, c := range w.countries {
		if len(c.MCC) != 3 || !digits(c.MCC) {
			return nil, fmt.Errorf("country %d (%s): MCC %q is not 3 digits", i, c.Name, c.MCC)
		}
		if iso[c.ISO] || mcc[c.MCC] {
			return nil, fmt.Errorf("country %d (%s): ISO code %s or MCC %s used twice", i, c.Name, c.ISO, c.MCC)
		}
		iso[c.ISO], mcc[c.MCC] = true, true
	}
	plmn := map[string]bool{}
	ids := map[int]bool{}
	for i, o := range w.operators {
		if !mcc[o.MCC] {
			return nil, fmt.Errorf("operator %d (%s): no country with MCC %s", i, o.Name, o.MCC)
		}
		if (len(o.MNC) != 2 && len(o.MNC) != 3) || !digits(o.MNC) {
			return nil, fmt.Errorf("operator %d (%s): MNC %q is not 2 or 3 digits", i, o.Name, o.MNC)
		}
		if plmn[o.PLMN()] || ids[o.ID] {
			return nil, fmt.Errorf("operator %d (%s): PLMN %s or id %d used twice", i, o.Name, o.PLMN(), o.ID)
		}
		plmn[o.PLMN()], ids[o.ID] = true, true
	}
	w.byMCC = map[string][]Operator{}
	w.byPLMN = map[string]int{}
	for i, o := range w.operators {
		w.byMCC[o.MCC] = append(w.byMCC[o.MCC], o)
		w.byPLMN[o.PLMN()] = i
	}
	return w, nil
}

// Country finds a country by ISO code (any case) or by MCC.
func (w *World) Country(isoOrMCC string) (Country, bool) {
	for _, c := range w.countries {
		if strings.EqualFold(c.ISO, isoOrMCC) || c.MCC == isoOrMCC {
			return c, true
		}
	}
	return Country{}, false
}

// Operator finds an operator by PLMN (MCC+MNC).
func (w *World) Operator(plmn string) (Operator, bool) {
	if i, ok := w.byPLMN[plmn]; ok {
		return w.operators[i], true
	}
	return Operator{}, false
}

// OperatorsIn lists the operators of a country, in the order the world lists them.
// The slice is shared: do not change it.
func (w *World) OperatorsIn(mcc string) []Operator {
	return w.byMCC[mcc]
}

// Countries lists all countries by name.
func (w *World) Countries() []Country {
	out := append([]Country(nil), w.countries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

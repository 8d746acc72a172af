package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/core-sim/core-sim/world"
)

//go:embed *.yaml
var library embed.FS

// DefaultName is the scenario run when no file is given.
const DefaultName = "default.yaml"

// Error is a problem in a scenario file, with where it is.
type Error struct {
	File  string
	Line  int    // 0 if unknown
	Field string // e.g. "fleets[2].imsi"
	Msg   string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Default loads the embedded default scenario.
func Default() (*Scenario, error) {
	b, err := library.ReadFile(DefaultName)
	if err != nil {
		return nil, err
	}
	return Parse("embedded:"+DefaultName, b)
}

// Load reads a scenario file; an empty path means the embedded default,
// and the name of a library scenario (e.g. "outage-fallback") that is not a
// file here means that scenario.
func Load(path string) (*Scenario, error) {
	if path == "" {
		return Default()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !strings.ContainsRune(path, '/') {
			name := strings.TrimSuffix(path, ".yaml") + ".yaml"
			if lb, lerr := library.ReadFile(name); lerr == nil {
				return Parse("embedded:"+name, lb)
			}
		}
		return nil, fmt.Errorf("scenario: %w (nor is it a library scenario: see core-sim scenarios)", err)
	}
	return Parse(path, b)
}

// Entry is a scenario of the library.
type Entry struct {
	Name        string // e.g. "outage-fallback"
	Description string
	Err         error // the scenario does not load (a bug in the library)
}

// Library lists the embedded scenarios by name.
func Library() []Entry {
	files, _ := fs.Glob(library, "*.yaml")
	sort.Strings(files)
	out := make([]Entry, 0, len(files))
	for _, f := range files {
		e := Entry{Name: strings.TrimSuffix(f, ".yaml")}
		b, err := library.ReadFile(f)
		if err == nil {
			var sc *Scenario
			if sc, err = Parse("embedded:"+f, b); err == nil {
				e.Description = sc.Description
			}
		}
		e.Err = err
		out = append(out, e)
	}
	return out
}

// Source is the text of a library scenario.
func Source(name string) ([]byte, error) {
	return library.ReadFile(strings.TrimSuffix(name, ".yaml") + ".yaml")
}

// The file's shape. Field names are the YAML keys.
type rawScenario struct {
	Name         string           `yaml:"name"`
	Description  string           `yaml:"description"`
	Seed         int64            `yaml:"seed"`
	Start        string           `yaml:"start"`
	Duration     string           `yaml:"duration"`
	Organisation rawOrganisation  `yaml:"organisation"`
	Platform     rawPlatform      `yaml:"platform"`
	HLR          rawHLR           `yaml:"hlr"`
	GGSN         rawGGSN          `yaml:"ggsn"`
	HomeNetworks []rawHome        `yaml:"home_networks"`
	SIMs         []rawSIM         `yaml:"sims"`
	Fleets       []rawFleet       `yaml:"fleets"`
	Outages      []rawOutage      `yaml:"outages"`
	Expect       []rawExpectation `yaml:"expect"`
}

type rawOrganisation struct {
	ID   int64  `yaml:"id"`
	Name string `yaml:"name"`
}

type rawPlatform struct {
	Region          string `yaml:"region"`
	BreakoutIP      string `yaml:"breakout_ip"`
	TariffProfileID string `yaml:"tariff_profile_id"`
	RatezoneID      string `yaml:"ratezone_id"`
	TariffID        string `yaml:"tariff_id"`
	ProvisionedAt   string `yaml:"provisioned_at"`
}

type rawHLR struct {
	Host  string `yaml:"host"`
	Realm string `yaml:"realm"`
}

type rawGGSN struct {
	APNs []rawAPN `yaml:"apns"`
}

type rawAPN struct {
	Name string `yaml:"name"`
	Pool string `yaml:"pool"`
}

type rawHome struct {
	Name       string   `yaml:"name"`
	PLMN       string   `yaml:"plmn"`
	Agreements []string `yaml:"agreements"`
	APNs       []string `yaml:"apns"`
}

type rawSIM struct {
	Name                   string            `yaml:"name"`
	Profiles               []string          `yaml:"profiles"`
	Preferred              map[string]string `yaml:"preferred"`
	Default                string            `yaml:"default"`
	FallbackAfterFailures  int               `yaml:"fallback_after_failures"`
	FallbackAfterNoService string            `yaml:"fallback_after_no_service"`
	ReturnToPreferredAfter string            `yaml:"return_to_preferred_after"`
	MinDwell               string            `yaml:"min_dwell"`
	RefreshDelay           string            `yaml:"refresh_delay"`
	PersistTimers          bool              `yaml:"persist_timers"`
}

// oneOrTwo is a value given as a scalar or as a list, e.g. 5m or [5m, 15m].
type oneOrTwo []string

func (o *oneOrTwo) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*o = []string{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*o = l
		return nil
	}
	return fmt.Errorf("line %d: want a value or a list of values", n.Line)
}

type rawStop struct {
	At      string `yaml:"at"`
	Country string `yaml:"country"`
}

type rawSessions struct {
	Every    string   `yaml:"every"`
	Length   oneOrTwo `yaml:"length"`
	VolumeKB []int    `yaml:"volume_kb"`
}

type rawFirmware struct {
	ModemResetAfterNoService string `yaml:"modem_reset_after_no_service"`
	CachedIMSI               bool   `yaml:"cached_imsi"`
	APNTiedToProfile         string `yaml:"apn_tied_to_profile"`
	KeepForbiddenNetworks    bool   `yaml:"keep_forbidden_networks"`
}

type rawFleet struct {
	Name         string       `yaml:"name"`
	Count        int          `yaml:"count"`
	SIM          string       `yaml:"sim"`
	IMSI         yaml.Node    `yaml:"imsi"` // one IMSI, or profile: IMSI
	ICCID        string       `yaml:"iccid"`
	MSISDN       string       `yaml:"msisdn"`
	IMEI         string       `yaml:"imei"`
	EndpointID   int64        `yaml:"endpoint_id"`
	EndpointName string       `yaml:"endpoint_name"`
	Enabled      *bool        `yaml:"enabled"`
	Provisioned  *bool        `yaml:"provisioned"`
	BlockedPLMNs []string     `yaml:"blocked_plmns"`
	RATs         []string     `yaml:"rats"`
	APN          string       `yaml:"apn"`
	RAT          string       `yaml:"rat"`
	Operators    []string     `yaml:"operators"`
	Country      string       `yaml:"country"`
	Itinerary    []rawStop    `yaml:"itinerary"`
	PowerOn      oneOrTwo     `yaml:"power_on"`
	PowerOff     string       `yaml:"power_off"`
	RetryAfter   string       `yaml:"retry_after"`
	Sessions     *rawSessions `yaml:"sessions"`
	Firmware     rawFirmware  `yaml:"firmware"`
}

type rawOutage struct {
	Operator string `yaml:"operator"`
	From     string `yaml:"from"`
	To       string `yaml:"to"`
	Mode     string `yaml:"mode"`
}

type rawExpectation struct {
	EndsOnProfile   *struct{ Fleet, Profile string } `yaml:"ends_on_profile"`
	SwitchesPerHour *struct {
		Fleet    string
		Min, Max *int
	} `yaml:"switches_per_hour"`
	Event              *rawEventExpectation              `yaml:"event"`
	OfflineAfterOutage *struct{ Fleet, Within string }   `yaml:"offline_after_outage"`
	Status             *struct{ Fleet, Status string }   `yaml:"status"`
	WithoutService     *struct{ Fleet, Min, Max string } `yaml:"without_service"`
}

type rawEventExpectation struct {
	Type  int    `yaml:"type"`
	Cause string `yaml:"cause"`
	Fleet string `yaml:"fleet"`
	Min   *int   `yaml:"min"`
	Max   *int   `yaml:"max"`
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// Parse reads a scenario from b; file names it in errors.
func Parse(file string, b []byte) (*Scenario, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, yamlError(file, err)
	}
	var raw rawScenario
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "empty scenario"}
		}
		return nil, yamlError(file, err)
	}
	v := &validator{file: file, root: &root}
	s := v.scenario(&raw)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return s, nil
}

// yamlError turns yaml.v3's messages into file:line errors.
func yamlError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var errs []error
		for _, m := range te.Errors {
			e := &Error{File: file, Msg: m}
			if g := yamlLine.FindStringSubmatch(m); g != nil {
				e.Line, _ = strconv.Atoi(g[1])
				e.Msg = g[2]
				if f := strings.TrimPrefix(e.Msg, "field "); f != e.Msg {
					if i := strings.Index(f, " not found in type "); i >= 0 {
						e.Msg = fmt.Sprintf("unknown key %q", f[:i])
					}
				}
			}
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file, Msg: msg}
	if g := yamlLine.FindStringSubmatch(msg); g != nil {
		e.Line, _ = strconv.Atoi(g[1])
		e.Msg = g[2]
	}
	return e
}

type validator struct {
	file          string
	root          *yaml.Node
	errs          []error
	explicitHomes bool // the file declares home_networks
}

// fail records an error at the node found by path (keys and indexes).
func (v *validator) fail(path []any, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: v.line(path), Field: fieldName(path), Msg: fmt.Sprintf(format, args...)})
}

func fieldName(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		}
	}
	return b.String()
}

// line finds the line of the deepest node on path that exists.
func (v *validator) line(path []any) int {
	n := v.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch p := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == p {
						next = n.Content[i+1]
						line = n.Content[i].Line
						break
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && p < len(n.Content) {
				next = n.Content[p]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

func path(p ...any) []any { return p }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// identifier checks a first value of a range: digits, of the given lengths,
// with room for count values without changing its length.
func (v *validator) identifier(p []any, what, s string, count int, lengths ...int) {
	if !isDigits(s) {
		v.fail(p, "%s %q must be digits", what, s)
		return
	}
	ok := false
	for _, l := range lengths {
		ok = ok || len(s) == l
	}
	if !ok {
		v.fail(p, "%s %q has %d digits, want %v", what, s, len(s), lengths)
		return
	}
	if count > 0 && !fits(s, count) {
		v.fail(p, "%s range %s + %d overflows %d digits", what, s, count, len(s))
	}
}

// fits reports whether first+count-1 still has len(first) digits.
func fits(first string, count int) bool {
	n, err := strconv.ParseUint(first, 10, 64)
	if err != nil {
		// 19-20 digit ICCIDs: only the low digits move.
		tail := first[len(first)-9:]
		n, _ = strconv.ParseUint(tail, 10, 64)
		return n+uint64(count)-1 < 1e9
	}
	last := n + uint64(count) - 1
	return len(strconv.FormatUint(last, 10)) <= len(first)
}

func (v *validator) duration(p []any, s string, def time.Duration) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		v.fail(p, "%q is not a duration such as 200ms or 1.5s", s)
		return def
	}
	return d
}

// durationPair reads one duration or [from, to]; def when omitted.
func (v *validator) durationPair(p []any, raw oneOrTwo, def [2]time.Duration) [2]time.Duration {
	switch len(raw) {
	case 0:
		return def
	case 1, 2:
		lo := v.duration(append(p, 0), raw[0], 0)
		hi := lo
		if len(raw) == 2 {
			hi = v.duration(append(p, 1), raw[1], 0)
		}
		if hi < lo {
			v.fail(p, "%v is below %v: give [from, to] in order", hi, lo)
		}
		return [2]time.Duration{lo, hi}
	}
	v.fail(p, "give one duration or [from, to]")
	return def
}

func (v *validator) plmn(p []any, s string) {
	if !isDigits(s) || (len(s) != 5 && len(s) != 6) {
		v.fail(p, "%q is not a PLMN (MCC+MNC, 5 or 6 digits)", s)
	}
}

func (v *validator) scenario(r *rawScenario) *Scenario {
	s := &Scenario{File: v.file, Name: r.Name, Description: r.Description, Seed: r.Seed, World: world.Default()}
	if s.Name == "" {
		v.fail(path("name"), "missing: every scenario has a name")
	}
	s.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if r.Start != "" {
		t, err := time.Parse(time.RFC3339, r.Start)
		if err != nil {
			v.fail(path("start"), "%q is not an RFC 3339 time such as 2026-01-01T00:00:00Z", r.Start)
		}
		s.Start = t.UTC()
	}
	s.Duration = v.duration(path("duration"), r.Duration, 24*time.Hour)
	if s.Duration <= 0 {
		v.fail(path("duration"), "must be above 0")
	}
	s.Organisation = Organisation{ID: r.Organisation.ID, Name: r.Organisation.Name}
	if s.Organisation.Name == "" {
		s.Organisation = Organisation{ID: 1, Name: "core-sim"}
	}
	p := r.Platform
	s.Platform = Platform{Region: or(p.Region, "eu-west-1"), BreakoutIP: or(p.BreakoutIP, "unavailable"),
		TariffProfileID: or(p.TariffProfileID, "1"), RatezoneID: or(p.RatezoneID, "1"), TariffID: or(p.TariffID, "1")}
	s.Platform.ProvisionedAt = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	if p.ProvisionedAt != "" {
		t, err := time.Parse(time.RFC3339, p.ProvisionedAt)
		if err != nil {
			v.fail(path("platform", "provisioned_at"), "%q is not an RFC 3339 time such as 2026-01-01T00:00:00Z", p.ProvisionedAt)
		}
		s.Platform.ProvisionedAt = t.UTC()
	}
	s.HLR = HLR{Host: or(r.HLR.Host, "hlr.core-sim.test"), Realm: or(r.HLR.Realm, "core-sim.test")}
	s.GGSN.APNs = v.apns(r.GGSN.APNs)
	s.HomeNetworks = v.homes(s, r.HomeNetworks)
	s.SIMs = v.sims(s, r.SIMs)
	s.Fleets = v.fleets(s, r.Fleets)
	s.Outages = v.outages(s, r.Outages)
	s.Expect = v.expectations(s, r.Expect)
	return s
}

// DefaultHome is the home network of fleets that name no SIM type.
var DefaultHome = HomeNetwork{Name: "home", PLMN: "29505", APNs: []string{"em", "emnify"}}

func (v *validator) homes(s *Scenario, raw []rawHome) []HomeNetwork {
	if len(raw) == 0 {
		return []HomeNetwork{DefaultHome}
	}
	v.explicitHomes = true
	var out []HomeNetwork
	seen := map[string]bool{}
	for i, r := range raw {
		p := path("home_networks", i)
		h := HomeNetwork{Name: r.Name, PLMN: r.PLMN, APNs: r.APNs}
		if r.Name == "" {
			v.fail(append(p, "name"), "missing: profiles refer to home networks by name")
		}
		if seen[r.Name] {
			v.fail(append(p, "name"), "home network %q defined twice", r.Name)
		}
		seen[r.Name] = true
		v.plmn(append(p, "plmn"), r.PLMN)
		for j, a := range r.Agreements {
			switch {
			case a == "*":
				h.Agreements = nil
			case isDigits(a):
				if _, ok := s.World.Operator(a); !ok {
					v.fail(append(p, "agreements", j), "no operator with PLMN %q in the world", a)
				}
				h.Agreements = append(h.Agreements, a)
			default:
				c, ok := s.World.Country(a)
				if !ok {
					v.fail(append(p, "agreements", j), "%q is neither a PLMN, a country ISO code nor *", a)
					continue
				}
				for _, op := range s.World.OperatorsIn(c.MCC) {
					h.Agreements = append(h.Agreements, op.PLMN())
				}
			}
			if a == "*" {
				break
			}
		}
		if len(h.APNs) == 0 {
			h.APNs = []string{"em", "emnify"}
		}
		for j, a := range h.APNs {
			if !validAPN(a) {
				v.fail(append(p, "apns", j), "%q is not an APN name", a)
			}
		}
		out = append(out, h)
	}
	return out
}

func (s *Scenario) home(name string) *HomeNetwork {
	for i := range s.HomeNetworks {
		if s.HomeNetworks[i].Name == name {
			return &s.HomeNetworks[i]
		}
	}
	return nil
}

// Home finds a home network by name.
func (s *Scenario) Home(name string) (*HomeNetwork, bool) {
	h := s.home(name)
	return h, h != nil
}

func (v *validator) sims(s *Scenario, raw []rawSIM) []SIMType {
	var out []SIMType
	for i, r := range raw {
		p := path("sims", i)
		t := SIMType{Name: r.Name, Profiles: r.Profiles, Default: r.Default, FallbackAfterFailures: r.FallbackAfterFailures,
			PersistTimers: r.PersistTimers, Preferred: map[string]string{}}
		if r.Name == "" {
			v.fail(append(p, "name"), "missing: fleets refer to SIM types by name")
		}
		for _, o := range out {
			if o.Name == r.Name {
				v.fail(append(p, "name"), "SIM type %q defined twice", r.Name)
			}
		}
		if len(r.Profiles) == 0 || len(r.Profiles) > 6 {
			v.fail(append(p, "profiles"), "a SIM holds 1 to 6 IMSI profiles, got %d", len(r.Profiles))
		}
		known := map[string]bool{}
		for j, name := range r.Profiles {
			if s.home(name) == nil {
				v.fail(append(p, "profiles", j), "no home network named %q", name)
			}
			if known[name] {
				v.fail(append(p, "profiles", j), "profile %q listed twice", name)
			}
			known[name] = true
		}
		if t.Default == "" && len(r.Profiles) > 0 {
			t.Default = r.Profiles[0]
		}
		if !known[t.Default] {
			v.fail(append(p, "default"), "%q is not one of the SIM's profiles %v", t.Default, r.Profiles)
		}
		for country, prof := range r.Preferred {
			c, ok := s.World.Country(country)
			if !ok {
				v.fail(append(p, "preferred", country), "unknown country %q", country)
				continue
			}
			if !known[prof] {
				v.fail(append(p, "preferred", country), "%q is not one of the SIM's profiles %v", prof, r.Profiles)
			}
			t.Preferred[c.MCC] = prof
		}
		if r.FallbackAfterFailures < 0 {
			v.fail(append(p, "fallback_after_failures"), "must not be negative")
		}
		t.FallbackAfterNoService = v.duration(append(p, "fallback_after_no_service"), r.FallbackAfterNoService, 0)
		t.ReturnToPreferredAfter = v.duration(append(p, "return_to_preferred_after"), r.ReturnToPreferredAfter, 0)
		t.MinDwell = v.duration(append(p, "min_dwell"), r.MinDwell, 0)
		t.RefreshDelay = v.duration(append(p, "refresh_delay"), r.RefreshDelay, 30*time.Second)
		out = append(out, t)
	}
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var apnLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`)

func validAPN(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !apnLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func (v *validator) apns(raw []rawAPN) []APN {
	if len(raw) == 0 {
		return []APN{
			{Name: "em", Pool: netip.MustParsePrefix("10.192.0.0/16")},
			{Name: "emnify", Pool: netip.MustParsePrefix("10.193.0.0/16")},
		}
	}
	var out []APN
	seen := map[string]bool{}
	for i, a := range raw {
		p := path("ggsn", "apns", i)
		if !validAPN(a.Name) {
			v.fail(append(p, "name"), "%q is not an APN name (labels of letters, digits and '-', separated by '.')", a.Name)
		}
		if seen[strings.ToLower(a.Name)] {
			v.fail(append(p, "name"), "APN %q listed twice", a.Name)
		}
		seen[strings.ToLower(a.Name)] = true
		pool, err := netip.ParsePrefix(a.Pool)
		if err != nil || !pool.Addr().Is4() || pool.Bits() > 30 {
			v.fail(append(p, "pool"), "%q is not an IPv4 prefix of at most /30, such as 10.192.0.0/16", a.Pool)
		}
		out = append(out, APN{Name: a.Name, Pool: pool.Masked()})
	}
	return out
}

func overlaps(a string, na int, b string, nb int) bool {
	if len(a) != len(b) {
		return false
	}
	x, err1 := strconv.ParseUint(a, 10, 64)
	y, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return x < y+uint64(nb) && y < x+uint64(na)
}

// implicitSIM is the SIM type of a fleet that names none: one profile.
var implicitSIM = SIMType{Name: "single", Profiles: []string{DefaultHome.Name}, Default: DefaultHome.Name,
	Preferred: map[string]string{}, RefreshDelay: 30 * time.Second}

// imsiRanges checks that a fleet's IMSI ranges stay within their home
// networks: every IMSI of the range starts with the home network's PLMN.
func (v *validator) imsiRanges(p []any, s *Scenario, n *yaml.Node, f Fleet) {
	for k, first := range f.FirstIMSI {
		h := s.home(f.SIM.Profiles[k])
		if h == nil || first == "" || !isDigits(first) || f.Count <= 0 {
			continue
		}
		q := p
		if n.Kind == yaml.MappingNode {
			q = append(append([]any{}, p...), f.SIM.Profiles[k])
		}
		last := addDigits(first, f.Count-1)
		switch {
		case !strings.HasPrefix(first, h.PLMN):
			v.fail(q, "IMSI %s is not in home network %s (PLMN %s)", first, h.Name, h.PLMN)
		case !strings.HasPrefix(last, h.PLMN):
			v.fail(q, "%d devices from IMSI %s run past home network %s's range: the last would be %s", f.Count, first, h.Name, last)
		}
	}
}

// addDigits adds n to a decimal string, keeping its length (it may carry
// into the first digits, which is what imsiRanges looks for).
func addDigits(first string, n int) string {
	x, err := strconv.ParseUint(first, 10, 64)
	if err != nil {
		return first
	}
	out := strconv.FormatUint(x+uint64(n), 10)
	for len(out) < len(first) {
		out = "0" + out
	}
	return out
}

func (v *validator) fleets(s *Scenario, raw []rawFleet) []Fleet {
	if len(raw) == 0 {
		v.fail(path("fleets"), "missing: a scenario needs at least one fleet")
	}
	var out []Fleet
	type used struct {
		first string
		count int
		where string
	}
	var imsis []used
	for i, r := range raw {
		p := path("fleets", i)
		f := Fleet{Name: or(r.Name, fmt.Sprintf("fleet-%d", i+1)), Count: r.Count, FirstICCID: r.ICCID, FirstMSISDN: r.MSISDN,
			FirstIMEI: r.IMEI, FirstEndpointID: r.EndpointID, EndpointName: r.EndpointName,
			Enabled: r.Enabled == nil || *r.Enabled, Provisioned: r.Provisioned == nil || *r.Provisioned,
			BlockedPLMNs: r.BlockedPLMNs, APN: or(r.APN, "em"), Operators: r.Operators, Firmware: Firmware{
				CachedIMSI: r.Firmware.CachedIMSI, APNTiedToProfile: r.Firmware.APNTiedToProfile,
				KeepForbiddenNetworks: r.Firmware.KeepForbiddenNetworks}}
		for _, o := range out {
			if o.Name == f.Name {
				v.fail(append(p, "name"), "fleet %q defined twice", f.Name)
			}
		}
		if r.Count <= 0 {
			v.fail(append(p, "count"), "must be at least 1, got %d", r.Count)
		}
		// The SIM and its IMSI ranges.
		if r.SIM == "" {
			if len(s.HomeNetworks) == 1 && s.HomeNetworks[0].Name == DefaultHome.Name {
				t := implicitSIM
				f.SIM = &t
			} else {
				v.fail(append(p, "sim"), "missing: name one of the sims (this scenario defines home networks)")
				t := implicitSIM
				f.SIM = &t
			}
		} else {
			for k := range s.SIMs {
				if s.SIMs[k].Name == r.SIM {
					f.SIM = &s.SIMs[k]
				}
			}
			if f.SIM == nil {
				v.fail(append(p, "sim"), "no SIM type named %q", r.SIM)
				t := implicitSIM
				f.SIM = &t
			}
		}
		f.FirstIMSI = v.fleetIMSIs(append(p, "imsi"), &r.IMSI, f.SIM, r.Count)
		if v.explicitHomes {
			v.imsiRanges(append(p, "imsi"), s, &r.IMSI, f)
		}
		for k, first := range f.FirstIMSI {
			where := fmt.Sprintf("fleets[%d] (%s) profile %s", i, f.Name, f.SIM.Profiles[k])
			for _, u := range imsis {
				if overlaps(u.first, u.count, first, f.Count) {
					v.fail(append(p, "imsi"), "IMSI range %s+%d overlaps %s: a SIM is in one device", first, f.Count, u.where)
				}
			}
			imsis = append(imsis, used{first, f.Count, where})
		}
		if f.Provisioned {
			v.identifier(append(p, "msisdn"), "MSISDN", r.MSISDN, r.Count, 8, 9, 10, 11, 12, 13, 14, 15)
			v.identifier(append(p, "iccid"), "ICCID", r.ICCID, r.Count, 19, 20)
			if r.EndpointID <= 0 {
				v.fail(append(p, "endpoint_id"), "must be a positive number, the id of the fleet's first endpoint")
			}
		}
		if r.IMEI != "" {
			v.identifier(append(p, "imei"), "IMEI", r.IMEI, r.Count, 15)
		}
		if f.EndpointName == "" {
			f.EndpointName = f.Name + "-{n}"
		}
		for j, pl := range r.BlockedPLMNs {
			v.plmn(append(p, "blocked_plmns", j), pl)
		}
		for j, rs := range r.RATs {
			rat, err := world.ParseRAT(rs)
			if err != nil {
				v.fail(append(p, "rats", j), "%v", err)
			}
			f.RATs = append(f.RATs, rat)
		}
		f.RAT = world.UTRAN
		if r.RAT != "" {
			rat, err := world.ParseRAT(r.RAT)
			if err != nil {
				v.fail(append(p, "rat"), "%v", err)
			}
			f.RAT = rat
		}
		if !validAPN(f.APN) {
			v.fail(append(p, "apn"), "%q is not an APN name", f.APN)
		}
		// Where the devices go.
		switch {
		case r.Country != "" && len(r.Itinerary) > 0:
			v.fail(append(p, "country"), "give either country or itinerary, not both")
		case r.Country != "":
			f.Itinerary = []Stop{{Country: strings.ToUpper(r.Country)}}
			if _, ok := s.World.Country(r.Country); !ok {
				v.fail(append(p, "country"), "unknown country %q (use an ISO code such as DE)", r.Country)
			}
		case len(r.Itinerary) == 0:
			v.fail(append(p, "country"), "missing: where the devices are (country, or an itinerary)")
		}
		var last time.Duration
		for j, st := range r.Itinerary {
			at := v.duration(append(p, "itinerary", j, "at"), st.At, 0)
			if j == 0 && at != 0 {
				v.fail(append(p, "itinerary", 0, "at"), "the first stop is where the devices start: at 0s")
			}
			if j > 0 && at <= last {
				v.fail(append(p, "itinerary", j, "at"), "%v is not after the previous stop (%v)", at, last)
			}
			last = at
			if _, ok := s.World.Country(st.Country); !ok {
				v.fail(append(p, "itinerary", j, "country"), "unknown country %q", st.Country)
			}
			f.Itinerary = append(f.Itinerary, Stop{At: at, Country: strings.ToUpper(st.Country)})
		}
		for j, o := range r.Operators {
			if _, ok := s.World.Operator(o); !ok {
				v.fail(append(p, "operators", j), "unknown operator PLMN %q", o)
			}
		}
		// When.
		f.PowerOn = v.durationPair(append(p, "power_on"), r.PowerOn, [2]time.Duration{0, time.Minute})
		f.PowerOff = v.duration(append(p, "power_off"), r.PowerOff, 0)
		if f.PowerOff != 0 && f.PowerOff <= f.PowerOn[1] {
			v.fail(append(p, "power_off"), "%v is not after power_on", f.PowerOff)
		}
		f.RetryAfter = v.duration(append(p, "retry_after"), r.RetryAfter, time.Minute)
		if f.RetryAfter <= 0 {
			v.fail(append(p, "retry_after"), "must be above 0")
		}
		f.Firmware.ModemResetAfterNoService = v.duration(append(p, "firmware", "modem_reset_after_no_service"), r.Firmware.ModemResetAfterNoService, 0)
		if t := r.Firmware.APNTiedToProfile; t != "" && !contains(f.SIM.Profiles, t) {
			v.fail(append(p, "firmware", "apn_tied_to_profile"), "%q is not one of the SIM's profiles %v", t, f.SIM.Profiles)
		}
		// Data sessions.
		f.SessionLength = [2]time.Duration{5 * time.Minute, 15 * time.Minute}
		f.VolumeKB = [2]int{10, 500}
		if ss := r.Sessions; ss != nil {
			sp := append(p, "sessions")
			f.SessionEvery = v.duration(append(sp, "every"), ss.Every, 0)
			f.SessionLength = v.durationPair(append(sp, "length"), ss.Length, f.SessionLength)
			if f.SessionEvery > 0 && f.SessionLength[1] >= f.SessionEvery {
				v.fail(append(sp, "length"), "a session (up to %v) must be shorter than the interval between sessions (%v)", f.SessionLength[1], f.SessionEvery)
			}
			switch len(ss.VolumeKB) {
			case 0:
			case 1, 2:
				f.VolumeKB = [2]int{ss.VolumeKB[0], ss.VolumeKB[len(ss.VolumeKB)-1]}
				if f.VolumeKB[0] < 0 || f.VolumeKB[1] < f.VolumeKB[0] {
					v.fail(append(sp, "volume_kb"), "want [min, max] with 0 <= min <= max, got %v", ss.VolumeKB)
				}
			default:
				v.fail(append(sp, "volume_kb"), "give one size or [min, max]")
			}
		}
		out = append(out, f)
	}
	return out
}

// fleetIMSIs reads a fleet's imsi: one IMSI for a single-profile SIM, or a
// map from profile name to the first IMSI of that profile's range.
func (v *validator) fleetIMSIs(p []any, n *yaml.Node, t *SIMType, count int) []string {
	out := make([]string, len(t.Profiles))
	switch n.Kind {
	case yaml.ScalarNode:
		if len(t.Profiles) != 1 {
			v.fail(p, "the SIM type %q has %d profiles: give the first IMSI of each, e.g. {%s: \"...\"}", t.Name, len(t.Profiles), t.Profiles[0])
			return out
		}
		out[0] = n.Value
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			name, val := n.Content[i].Value, n.Content[i+1].Value
			k := indexOf(t.Profiles, name)
			if k < 0 {
				v.fail(append(p, name), "%q is not one of the SIM's profiles %v", name, t.Profiles)
				continue
			}
			out[k] = val
			seen[name] = true
		}
		for _, name := range t.Profiles {
			if !seen[name] {
				v.fail(p, "no IMSI range for profile %q", name)
			}
		}
	case 0:
		v.fail(p, "missing: the first IMSI of the fleet's range")
		return out
	default:
		v.fail(p, "want an IMSI, or profile: IMSI pairs")
		return out
	}
	for k, first := range out {
		if first == "" {
			continue
		}
		q := p
		if n.Kind == yaml.MappingNode {
			q = append(append([]any{}, p...), t.Profiles[k])
		}
		v.identifier(q, "IMSI", first, count, 14, 15)
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func (v *validator) outages(s *Scenario, raw []rawOutage) []Outage {
	var out []Outage
	for i, r := range raw {
		p := path("outages", i)
		o := Outage{PLMN: r.Operator}
		if _, ok := s.World.Operator(r.Operator); !ok {
			v.fail(append(p, "operator"), "unknown operator PLMN %q", r.Operator)
		}
		o.From = v.duration(append(p, "from"), r.From, 0)
		o.To = v.duration(append(p, "to"), r.To, 0)
		if o.To <= o.From {
			v.fail(append(p, "to"), "%v is not after from (%v)", o.To, o.From)
		}
		switch r.Mode {
		case "", "timeout":
		case "reject":
			o.Reject = true
		default:
			v.fail(append(p, "mode"), "%q: want timeout or reject", r.Mode)
		}
		out = append(out, o)
	}
	return out
}

func (v *validator) fleetRef(p []any, s *Scenario, name string) {
	if name == "" {
		return
	}
	for _, f := range s.Fleets {
		if f.Name == name {
			return
		}
	}
	v.fail(p, "no fleet named %q", name)
}

func (v *validator) expectations(s *Scenario, raw []rawExpectation) []Expectation {
	var out []Expectation
	for i, r := range raw {
		p := path("expect", i)
		e := Expectation{Index: i, Line: v.line(p)}
		n := 0
		if x := r.EndsOnProfile; x != nil {
			n++
			e.Kind, e.Fleet, e.Profile = ExpectEndsOnProfile, x.Fleet, x.Profile
			v.fleetRef(append(p, "ends_on_profile", "fleet"), s, x.Fleet)
			if s.home(x.Profile) == nil {
				v.fail(append(p, "ends_on_profile", "profile"), "no home network (profile) named %q", x.Profile)
			}
		}
		if x := r.SwitchesPerHour; x != nil {
			n++
			e.Kind, e.Fleet, e.Min, e.Max = ExpectSwitchesPerHour, x.Fleet, x.Min, x.Max
			v.fleetRef(append(p, "switches_per_hour", "fleet"), s, x.Fleet)
			if x.Min == nil && x.Max == nil {
				v.fail(append(p, "switches_per_hour"), "give min (at least one device reaches it) or max (no device exceeds it)")
			}
		}
		if x := r.Event; x != nil {
			n++
			e.Kind, e.Fleet, e.Type, e.Cause, e.Min, e.Max = ExpectEvent, x.Fleet, x.Type, x.Cause, x.Min, x.Max
			v.fleetRef(append(p, "event", "fleet"), s, x.Fleet)
			if x.Type <= 0 {
				v.fail(append(p, "event", "type"), "missing: the event type id, e.g. 1 for Update location")
			}
			if x.Min == nil && x.Max == nil {
				one := 1
				e.Min = &one // "appears"
			}
		}
		if x := r.OfflineAfterOutage; x != nil {
			n++
			e.Kind, e.Fleet = ExpectOfflineAfterOutage, x.Fleet
			v.fleetRef(append(p, "offline_after_outage", "fleet"), s, x.Fleet)
			e.Within = v.duration(append(p, "offline_after_outage", "within"), x.Within, 0)
			if len(s.Outages) == 0 {
				v.fail(append(p, "offline_after_outage"), "the scenario has no outage")
			}
		}
		if x := r.Status; x != nil {
			n++
			e.Kind, e.Fleet, e.Status = ExpectStatus, x.Fleet, strings.ToUpper(x.Status)
			v.fleetRef(append(p, "status", "fleet"), s, x.Fleet)
			switch e.Status {
			case "OFFLINE", "ATTACHED", "ONLINE", "BLOCKED":
			default:
				v.fail(append(p, "status", "status"), "%q: want OFFLINE, ATTACHED, ONLINE or BLOCKED", x.Status)
			}
		}
		if x := r.WithoutService; x != nil {
			n++
			e.Kind, e.Fleet = ExpectWithoutService, x.Fleet
			v.fleetRef(append(p, "without_service", "fleet"), s, x.Fleet)
			e.MinGap = v.duration(append(p, "without_service", "min"), x.Min, 0)
			e.MaxGap = v.duration(append(p, "without_service", "max"), x.Max, 0)
			if e.MinGap == 0 && e.MaxGap == 0 {
				v.fail(append(p, "without_service"), "give max (no device is longer without service) or min (some device is at least that long)")
			}
		}
		if n != 1 {
			v.fail(p, "each expectation is exactly one of ends_on_profile, switches_per_hour, event, offline_after_outage, status, without_service")
			continue
		}
		out = append(out, e)
	}
	return out
}

// Subscribers is a range of provisioned subscribers as the HLR holds them:
// one per fleet and SIM profile.
type Subscribers struct {
	Fleet           string
	Profile         string
	FirstIMSI       string
	Count           int
	FirstMSISDN     string
	FirstICCID      string
	FirstIMEI       string
	FirstEndpointID int64
	EndpointName    string
	Enabled         bool
	AllowedPLMNs    []string // nil: all
	BlockedPLMNs    []string
	RATs            []world.RAT
	APNs            []string
}

// Subscribers lists what the HLR provisions: for every provisioned fleet,
// one range per profile of its SIM, whose roaming follows the home
// network's agreements. All profiles of a device share its endpoint,
// ICCID and MSISDN.
func (s *Scenario) Subscribers() []Subscribers {
	var out []Subscribers
	for _, f := range s.Fleets {
		if !f.Provisioned {
			continue
		}
		for k, prof := range f.SIM.Profiles {
			h := s.home(prof)
			if h == nil {
				h = &DefaultHome
			}
			allowed := h.Agreements
			out = append(out, Subscribers{Fleet: f.Name, Profile: prof, FirstIMSI: f.FirstIMSI[k], Count: f.Count,
				FirstMSISDN: f.FirstMSISDN, FirstICCID: f.FirstICCID, FirstIMEI: f.FirstIMEI,
				FirstEndpointID: f.FirstEndpointID, EndpointName: f.EndpointName, Enabled: f.Enabled,
				AllowedPLMNs: allowed, BlockedPLMNs: f.BlockedPLMNs, RATs: f.RATs, APNs: h.APNs})
		}
	}
	return out
}

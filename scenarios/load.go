package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"regexp"
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

// Load reads a scenario file; an empty path means the embedded default.
func Load(path string) (*Scenario, error) {
	if path == "" {
		return Default()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(path, b)
}

// The file's shape. Field names are the YAML keys.
type rawScenario struct {
	Name         string           `yaml:"name"`
	Description  string           `yaml:"description"`
	Seed         int64            `yaml:"seed"`
	Organisation rawOrganisation  `yaml:"organisation"`
	Platform     rawPlatform      `yaml:"platform"`
	HLR          rawHLR           `yaml:"hlr"`
	GGSN         rawGGSN          `yaml:"ggsn"`
	Subscribers  []rawSubscribers `yaml:"subscribers"`
	Fleets       []rawFleet       `yaml:"fleets"`
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

type rawSubscribers struct {
	Name         string   `yaml:"name"`
	IMSI         string   `yaml:"imsi"`
	Count        int      `yaml:"count"`
	MSISDN       string   `yaml:"msisdn"`
	ICCID        string   `yaml:"iccid"`
	IMEI         string   `yaml:"imei"`
	EndpointID   int64    `yaml:"endpoint_id"`
	EndpointName string   `yaml:"endpoint_name"`
	Enabled      *bool    `yaml:"enabled"`
	AllowedPLMNs []string `yaml:"allowed_plmns"`
	BlockedPLMNs []string `yaml:"blocked_plmns"`
	RATs         []string `yaml:"rats"`
	APNs         []string `yaml:"apns"`
}

type rawFleet struct {
	Name          string   `yaml:"name"`
	IMSI          string   `yaml:"imsi"`
	Count         int      `yaml:"count"`
	IMEI          string   `yaml:"imei"`
	Country       string   `yaml:"country"`
	Operators     []string `yaml:"operators"`
	RAT           string   `yaml:"rat"`
	APN           string   `yaml:"apn"`
	StartWithin   string   `yaml:"start_within"`
	Sessions      *int     `yaml:"sessions"`
	SessionLength []string `yaml:"session_length"`
	Pause         string   `yaml:"pause"`
	VolumeKB      []int    `yaml:"volume_kb"`
	Travel        []string `yaml:"travel"`
	LeaveOnline   bool     `yaml:"leave_online"`
	PowerOff      bool     `yaml:"power_off"`
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
	file string
	root *yaml.Node
	errs []error
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
	s.Organisation = Organisation{ID: r.Organisation.ID, Name: r.Organisation.Name}
	if s.Organisation.Name == "" {
		s.Organisation = Organisation{ID: 1, Name: "core-sim"}
	}
	p := r.Platform
	s.Platform = Platform{Region: or(p.Region, "eu-west-1"), BreakoutIP: or(p.BreakoutIP, "unavailable"),
		TariffProfileID: or(p.TariffProfileID, "1"), RatezoneID: or(p.RatezoneID, "1"), TariffID: or(p.TariffID, "1")}
	s.Platform.ProvisionedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if p.ProvisionedAt != "" {
		t, err := time.Parse(time.RFC3339, p.ProvisionedAt)
		if err != nil {
			v.fail(path("platform", "provisioned_at"), "%q is not an RFC 3339 time such as 2026-01-01T00:00:00Z", p.ProvisionedAt)
		}
		s.Platform.ProvisionedAt = t.UTC()
	}
	s.HLR = HLR{Host: or(r.HLR.Host, "hlr.core-sim.test"), Realm: or(r.HLR.Realm, "core-sim.test")}

	s.GGSN.APNs = v.apns(r.GGSN.APNs)
	s.Subscribers = v.subscribers(r.Subscribers)
	s.Fleets = v.fleets(s, r.Fleets)
	return s
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

func (v *validator) subscribers(raw []rawSubscribers) []Subscribers {
	var out []Subscribers
	for i, r := range raw {
		p := path("subscribers", i)
		s := Subscribers{Name: or(r.Name, fmt.Sprintf("subscribers-%d", i+1)), FirstIMSI: r.IMSI, Count: r.Count,
			FirstMSISDN: r.MSISDN, FirstICCID: r.ICCID, FirstIMEI: r.IMEI, FirstEndpointID: r.EndpointID,
			EndpointName: r.EndpointName, Enabled: r.Enabled == nil || *r.Enabled,
			AllowedPLMNs: r.AllowedPLMNs, BlockedPLMNs: r.BlockedPLMNs, APNs: r.APNs}
		if r.Count <= 0 {
			v.fail(append(p, "count"), "must be at least 1, got %d", r.Count)
		}
		v.identifier(append(p, "imsi"), "IMSI", r.IMSI, r.Count, 14, 15)
		v.identifier(append(p, "msisdn"), "MSISDN", r.MSISDN, r.Count, 8, 9, 10, 11, 12, 13, 14, 15)
		v.identifier(append(p, "iccid"), "ICCID", r.ICCID, r.Count, 19, 20)
		if r.IMEI != "" {
			v.identifier(append(p, "imei"), "IMEI", r.IMEI, r.Count, 15)
		}
		if r.EndpointID <= 0 {
			v.fail(append(p, "endpoint_id"), "must be a positive number, the id of the range's first endpoint")
		}
		if s.EndpointName == "" {
			s.EndpointName = s.Name + "-{n}"
		}
		for j, pl := range r.AllowedPLMNs {
			v.plmn(append(p, "allowed_plmns", j), pl)
		}
		for j, pl := range r.BlockedPLMNs {
			v.plmn(append(p, "blocked_plmns", j), pl)
		}
		for j, rs := range r.RATs {
			rat, err := world.ParseRAT(rs)
			if err != nil {
				v.fail(append(p, "rats", j), "%v", err)
			}
			s.RATs = append(s.RATs, rat)
		}
		if len(s.APNs) == 0 {
			s.APNs = []string{"em", "emnify"}
		}
		for j, a := range s.APNs {
			if !validAPN(a) {
				v.fail(append(p, "apns", j), "%q is not an APN name", a)
			}
		}
		for k, o := range out {
			if overlaps(o.FirstIMSI, o.Count, s.FirstIMSI, s.Count) {
				v.fail(append(p, "imsi"), "IMSI range %s+%d overlaps subscribers[%d] (%s)", s.FirstIMSI, s.Count, k, o.Name)
			}
		}
		out = append(out, s)
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

func (v *validator) fleets(s *Scenario, raw []rawFleet) []Fleet {
	if len(raw) == 0 {
		v.fail(path("fleets"), "missing: a scenario needs at least one fleet")
	}
	var out []Fleet
	for i, r := range raw {
		p := path("fleets", i)
		f := Fleet{Name: or(r.Name, fmt.Sprintf("fleet-%d", i+1)), FirstIMSI: r.IMSI, Count: r.Count, FirstIMEI: r.IMEI,
			Country: strings.ToUpper(r.Country), Operators: r.Operators, APN: r.APN, Travel: r.Travel,
			LeaveOnline: r.LeaveOnline, PowerOff: r.PowerOff, Sessions: 1}
		if r.Count <= 0 {
			v.fail(append(p, "count"), "must be at least 1, got %d", r.Count)
		}
		v.identifier(append(p, "imsi"), "IMSI", r.IMSI, r.Count, 14, 15)
		if r.IMEI != "" {
			v.identifier(append(p, "imei"), "IMEI", r.IMEI, r.Count, 15)
		}
		c, ok := s.World.Country(r.Country)
		if !ok {
			v.fail(append(p, "country"), "unknown country %q (use an ISO code such as DE)", r.Country)
		}
		for j, o := range r.Operators {
			op, ok := s.World.Operator(o)
			switch {
			case !ok:
				v.fail(append(p, "operators", j), "unknown operator PLMN %q", o)
			case op.MCC != c.MCC && ok:
				v.fail(append(p, "operators", j), "operator %s (%s) is not in %s", o, op.Name, c.Name)
			}
		}
		for j, t := range r.Travel {
			if _, ok := s.World.Country(t); !ok {
				v.fail(append(p, "travel", j), "unknown country %q", t)
			}
		}
		f.RAT = world.UTRAN
		if r.RAT != "" {
			rat, err := world.ParseRAT(r.RAT)
			if err != nil {
				v.fail(append(p, "rat"), "%v", err)
			}
			f.RAT = rat
		}
		if f.APN == "" {
			f.APN = "em"
		}
		if !validAPN(f.APN) {
			v.fail(append(p, "apn"), "%q is not an APN name", f.APN)
		}
		f.StartWithin = v.duration(append(p, "start_within"), r.StartWithin, 100*time.Millisecond)
		if r.Sessions != nil {
			f.Sessions = *r.Sessions
			if f.Sessions < 0 {
				v.fail(append(p, "sessions"), "must not be negative")
			}
		}
		f.SessionLength = [2]time.Duration{50 * time.Millisecond, 150 * time.Millisecond}
		switch len(r.SessionLength) {
		case 0:
		case 1, 2:
			f.SessionLength[0] = v.duration(append(p, "session_length", 0), r.SessionLength[0], 0)
			f.SessionLength[1] = f.SessionLength[0]
			if len(r.SessionLength) == 2 {
				f.SessionLength[1] = v.duration(append(p, "session_length", 1), r.SessionLength[1], 0)
			}
			if f.SessionLength[1] < f.SessionLength[0] {
				v.fail(append(p, "session_length"), "the maximum %v is below the minimum %v", f.SessionLength[1], f.SessionLength[0])
			}
		default:
			v.fail(append(p, "session_length"), "give one duration or [min, max]")
		}
		f.Pause = v.duration(append(p, "pause"), r.Pause, 20*time.Millisecond)
		f.VolumeKB = [2]int{10, 500}
		switch len(r.VolumeKB) {
		case 0:
		case 1, 2:
			f.VolumeKB = [2]int{r.VolumeKB[0], r.VolumeKB[len(r.VolumeKB)-1]}
			if f.VolumeKB[0] < 0 || f.VolumeKB[1] < f.VolumeKB[0] {
				v.fail(append(p, "volume_kb"), "want [min, max] with 0 <= min <= max, got %v", r.VolumeKB)
			}
		default:
			v.fail(append(p, "volume_kb"), "give one size or [min, max]")
		}
		for k, o := range out {
			if overlaps(o.FirstIMSI, o.Count, f.FirstIMSI, f.Count) {
				v.fail(append(p, "imsi"), "IMSI range %s+%d overlaps fleets[%d] (%s): a SIM is in one device", f.FirstIMSI, f.Count, k, o.Name)
			}
		}
		out = append(out, f)
	}
	return out
}

package sink

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Spec is one --events argument: KIND:TARGET followed by options, each
// ";key=value" (a key may repeat, e.g. header). A bare path or "-" is
// accepted as file:PATH or stdout.
//
//	stdout
//	file:out.ndjson;rotate=100MB;keep=5
//	webhook:https://example.net/hook;bulk=500;interval=1s;header=Authorization: Bearer x;ca=ca.pem
//	kafka:127.0.0.1:9092,127.0.0.2:9092/events;types=1,2
type Spec struct {
	Raw    string // the argument as given
	Kind   string // stdout, file, webhook, kafka
	Target string // the path, URL or BROKERS/TOPIC; empty for stdout
	Opts   []Opt  // the options in order, the common ones included

	Stream Kind   // which stream the sink takes (stream=events|usage)
	Filter Filter // types=, alert=
}

// Opt is one key=value option of a Spec.
type Opt struct{ Key, Value string }

// Name is how reports and metrics name the sink: its kind and target.
func (s Spec) Name() string {
	if s.Target == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Target
}

// Get returns the last value given for key.
func (s Spec) Get(key string) (string, bool) {
	for i := len(s.Opts) - 1; i >= 0; i-- {
		if s.Opts[i].Key == key {
			return s.Opts[i].Value, true
		}
	}
	return "", false
}

// All returns every value given for key, in order.
func (s Spec) All(key string) []string {
	var vs []string
	for _, o := range s.Opts {
		if o.Key == key {
			vs = append(vs, o.Value)
		}
	}
	return vs
}

// Errorf is an error about the sink's option key.
func (s Spec) Errorf(key, format string, args ...any) error {
	if key == "" {
		return fmt.Errorf("--events %q: %s", s.Raw, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("--events %q: option %s: %s", s.Raw, key, fmt.Sprintf(format, args...))
}

// Check refuses options the sink does not know: known are the sink's own
// keys and the common ones (stream, types, alert).
func (s Spec) Check(known ...string) error {
	for _, o := range s.Opts {
		if !slices.Contains(known, o.Key) && !slices.Contains(commonKeys, o.Key) {
			all := append(slices.Clone(known), commonKeys...)
			return s.Errorf(o.Key, "unknown for a %s sink (known: %s)", s.Kind, strings.Join(all, ", "))
		}
	}
	return nil
}

// Duration parses option key as a Go duration above 0; def if absent.
func (s Spec) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := s.Get(key)
	if !ok {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, s.Errorf(key, "%q is not a duration above 0 (e.g. 500ms, 2s)", v)
	}
	return d, nil
}

// Int parses option key as an integer of at least min; def if absent.
func (s Spec) Int(key string, def, min int) (int, error) {
	v, ok := s.Get(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, s.Errorf(key, "%q is not a whole number of at least %d", v, min)
	}
	return n, nil
}

// Size parses option key as a size in bytes (100MB, 64KiB, 1000000); def if absent.
func (s Spec) Size(key string, def int64) (int64, error) {
	v, ok := s.Get(key)
	if !ok {
		return def, nil
	}
	n, err := ParseSize(v)
	if err != nil {
		return 0, s.Errorf(key, "%v", err)
	}
	return n, nil
}

// ParseSize reads 1000, 64KB, 64KiB, 100MB, 1GiB (KB = 1000 bytes, KiB = 1024).
func ParseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := v, int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size above 0 (e.g. 64KiB, 100MB)", v)
	}
	return n * mult, nil
}

var commonKeys = []string{"stream", "types", "alert"}

var kinds = []string{"stdout", "file", "webhook", "kafka"}

// ParseSpec reads one --events argument.
func ParseSpec(arg string) (Spec, error) {
	s := Spec{Raw: arg}
	head, rest, _ := strings.Cut(arg, ";")
	switch {
	case head == "" && rest == "":
		return s, fmt.Errorf("--events: empty; want stdout, file:PATH, webhook:URL or kafka:BROKERS/TOPIC")
	case head == "-" || head == "stdout":
		s.Kind = "stdout"
	default:
		kind, target, ok := strings.Cut(head, ":")
		if !ok || !slices.Contains(kinds, kind) {
			// A plain path, as --events out.ndjson has always meant. A
			// URL-looking argument is a mistake more likely than a file.
			if strings.Contains(head, "://") {
				return s, s.Errorf("", "a URL needs a kind: webhook:%s", head)
			}
			kind, target = "file", head
		}
		s.Kind, s.Target = kind, target
		if s.Kind == "stdout" && target != "" {
			return s, s.Errorf("", "stdout takes no target")
		}
		if s.Kind != "stdout" && target == "" {
			return s, s.Errorf("", "%s needs a target after %q", kind, kind+":")
		}
	}
	if rest != "" {
		for _, part := range strings.Split(rest, ";") {
			if part == "" {
				continue
			}
			k, v, ok := strings.Cut(part, "=")
			k = strings.TrimSpace(k)
			if k == "" {
				return s, s.Errorf("", "option %q has no name", part)
			}
			if !ok {
				v = "true"
			}
			s.Opts = append(s.Opts, Opt{Key: k, Value: v})
		}
	}
	if v, ok := s.Get("stream"); ok {
		switch v {
		case "events":
			s.Stream = KindEvent
		case "usage":
			s.Stream = KindUsage
		default:
			return s, s.Errorf("stream", "%q: want events or usage", v)
		}
	}
	if v, ok := s.Get("types"); ok {
		for _, t := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(t))
			if err != nil || n <= 0 {
				return s, s.Errorf("types", "%q is not an event type id (e.g. types=1,2,3)", t)
			}
			s.Filter.Types = append(s.Filter.Types, n)
		}
	}
	if v, ok := s.Get("alert"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return s, s.Errorf("alert", "%q: want true or false", v)
		}
		s.Filter.Alert = &b
	}
	return s, nil
}

// Filter keeps the records a platform stream would: by event type id and
// by alert. The zero Filter keeps everything.
type Filter struct {
	Types []int // keep only these event types; empty for all
	Alert *bool // keep only events with this alert flag; nil for both
}

// Keep says whether r passes the filter.
func (f Filter) Keep(r *Record) bool {
	if len(f.Types) > 0 && !slices.Contains(f.Types, r.Type) {
		return false
	}
	if f.Alert != nil && *f.Alert != r.Alert {
		return false
	}
	return true
}

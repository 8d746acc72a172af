package events

import (
	"fmt"
	"math"
	"strings"
)

// Format picks how the stream spells what the platform spells in more
// than one way (see the quirks in docs/events.md): timestamps as
// 2026-11-26T10:42:58.000Z (zulu, the default), 2026-11-26T10:42:58.000+0000
// (offset) or 2026-11-26 10:42:58 (space); severities as Info and Warn
// (title, the default) or INFO and WARN (upper). "mixed" gives the default
// spelling to most events and one of the others to the fraction Mix of
// them, chosen by the event's id and Seed: the same run spells the same
// event the same way every time.
type Format struct {
	Timestamps string // zulu (or ""), offset, space, mixed
	Severities string // title (or ""), upper, mixed
	Mix        float64
	Seed       uint64
}

var (
	timestampStyles = []string{"zulu", "offset", "space", "mixed"}
	severityStyles  = []string{"title", "upper", "mixed"}
)

// Check says what is wrong with f, naming the flag.
func (f Format) Check() error {
	if f.Timestamps != "" && !contains(timestampStyles, f.Timestamps) {
		return fmt.Errorf("--timestamps %q: want one of %s", f.Timestamps, strings.Join(timestampStyles, ", "))
	}
	if f.Severities != "" && !contains(severityStyles, f.Severities) {
		return fmt.Errorf("--severities %q: want one of %s", f.Severities, strings.Join(severityStyles, ", "))
	}
	if math.IsNaN(f.Mix) || f.Mix < 0 || f.Mix > 1 {
		return fmt.Errorf("--mix %v: want a fraction from 0 to 1", f.Mix)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Plain says whether f is the platform's usual spelling throughout.
func (f Format) Plain() bool {
	return (f.Timestamps == "" || f.Timestamps == "zulu") && (f.Severities == "" || f.Severities == "title")
}

// apply respells e's timestamp and severity as f asks.
func (f *Format) apply(e *Event) {
	if f.Plain() {
		return
	}
	if e.Timestamp == "" && !e.at.IsZero() {
		e.Timestamp = FormatTimestamp(e.at)
	}
	h := mix64(uint64(e.ID) ^ f.Seed)
	ts := f.Timestamps
	if ts == "mixed" {
		ts = "zulu"
		if unit(h) < f.Mix {
			ts = [...]string{"offset", "space"}[h>>62&1]
		}
	}
	switch ts {
	case "offset":
		if strings.HasSuffix(e.Timestamp, "Z") {
			e.Timestamp = e.Timestamp[:len(e.Timestamp)-1] + "+0000"
		}
	case "space":
		if len(e.Timestamp) >= 19 && e.Timestamp[10] == 'T' {
			e.Timestamp = e.Timestamp[:10] + " " + e.Timestamp[11:19]
		}
	}
	sev := f.Severities
	if sev == "mixed" {
		sev = "title"
		if unit(mix64(h)) < f.Mix {
			sev = "upper"
		}
	}
	if sev == "upper" {
		e.EventSeverity.Description = upperSeverity(e.EventSeverity.Description)
	}
}

func upperSeverity(s string) string {
	switch s {
	case "Info":
		return "INFO"
	case "Warn":
		return "WARN"
	case "Critical":
		return "CRITICAL"
	}
	return strings.ToUpper(s)
}

// mix64 is SplitMix64's finaliser: a well-spread hash of an id.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit maps h to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// fastDetail says whether the fast encoder writes d itself (it cannot fail
// on these); any other detail goes through encoding/json.
func fastDetail(d any) bool {
	switch d.(type) {
	case nil, *LocationDetail, LocationDetail, *PDPDetail, PDPDetail:
		return true
	}
	return false
}

package trace

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// longValue is wider than any width the tests draw at.
var longValue = "SGSN_UPDATE_PROCEDURE (1): the device registered at another SGSN, " +
	"so this one forgets it: " + strings.Repeat("0123456789abcdef", 8)

// attach is an attach and PDP activation as the elements would record it:
// power on, the applet's choice, NAS, S6d, an event, a rejection and a
// retry, Gn create and delete, a cancellation with a long value.
func attach() []Step {
	t0 := time.Date(2025, 3, 14, 23, 59, 59, 990_000_000, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	const imsi = "228011234567890"
	return []Step{
		{At: at(0), Kind: Note, From: Device, OK: true, Name: "power on", IMSI: imsi},
		{At: at(0), Kind: Decision, From: Device, OK: true, Name: `switch to profile "ch"`,
			Fields: []Field{{Key: "IMSI", Value: imsi}}, Text: "home network of the profile is in the visited country", IMSI: imsi},
		{At: at(5), Kind: Message, From: Device, To: Serving, Protocol: NAS, Name: "Attach Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: imsi}, {Key: "PLMN", Value: "22801 (Swisscom)"}, {Key: "LAC", Value: "0x0101"}, {Key: "RAT", Value: "UTRAN (3G)"}}},
		{At: at(6), Kind: Message, From: Serving, To: HLR, Protocol: S6d, Name: "Update-Location-Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: imsi}, {Key: "ULR-Flags", Value: "0x22 single-registration-indication|initial-attach-indicator"},
				{Key: "Visited-PLMN", Value: "228 01"}, {Key: "RAT-Type", Value: "UTRAN"}}},
		{At: at(9), Kind: Message, From: HLR, To: Serving, Protocol: S6d, Name: "Update-Location-Answer", OK: true,
			Fields: []Field{{Key: "Result", Value: "DIAMETER_SUCCESS (2001)"}, {Key: "MSISDN", Value: "41790000001"}, {Key: "APNs", Value: "internet, iot.m2m"}}},
		{At: at(10), Kind: Event, From: Platform, OK: true, EventID: 12, EventType: 1, Name: "Update location", Status: "ATTACHED",
			Text: "the device registered at the SGSN of Swisscom (228 01)"},
		{At: at(10), Kind: Message, From: Serving, To: Device, Protocol: NAS, Name: "Attach Accept", OK: true, Fields: []Field{{Key: "PLMN", Value: "22801"}}},
		{At: at(20), Kind: Message, From: Serving, To: HLR, Protocol: S6a, Name: "Update-Location-Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: imsi}, {Key: "ULR-Flags", Value: "0x21 S6a/S6d-Indicator clear"}}},
		{At: at(23), Kind: Message, From: HLR, To: Serving, Protocol: S6a, Name: "Update-Location-Answer", OK: false,
			Fields: []Field{{Key: "Result", Value: "DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)"}, {Key: "Error-Message", Value: "roaming not allowed for this subscriber; #barred"}}},
		{At: at(23), Kind: Event, From: Platform, OK: false, EventID: 13, Name: "Update location rejected", Status: "BLOCKED", Text: "roaming not allowed (5004)"},
		{At: at(30), Kind: Message, From: Device, To: Serving, Protocol: NAS, Name: "Activate PDP Context Request", OK: true,
			Fields: []Field{{Key: "APN", Value: "internet"}, {Key: "NSAPI", Value: "5"}}},
		{At: at(31), Kind: Message, From: Serving, To: GGSN, Protocol: Gn, Name: "Create PDP Context Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: imsi}, {Key: "APN", Value: "internet"}, {Key: "TEID-C (SGSN)", Value: "0x00000011"},
				{Key: "TEID-U (SGSN)", Value: "0x00000012"}, {Key: "SGSN address", Value: "10.0.0.1"}}},
		{At: at(35), Kind: Message, From: GGSN, To: Serving, Protocol: Gn, Name: "Create PDP Context Response", OK: true,
			Fields: []Field{{Key: "Cause", Value: "Request accepted (128)"}, {Key: "End User Address", Value: "100.64.0.7"},
				{Key: "TEID-C (GGSN)", Value: "0x0000a001"}, {Key: "TEID-U (GGSN)", Value: "0x0000a002"}}},
		{At: at(35), Kind: Event, From: Platform, OK: true, EventID: 14, Name: "Create PDP Context", Status: "ONLINE", Text: "PDP context on APN internet, IP 100.64.0.7"},
		{At: at(36), Kind: Message, From: Serving, To: Device, Protocol: NAS, Name: "Activate PDP Context Accept", OK: true,
			Fields: []Field{{Key: "PDP address", Value: "100.64.0.7"}}},
		{At: at(5000), Kind: Message, From: Serving, To: GGSN, Protocol: Gn, Name: "Delete PDP Context Request", OK: true,
			Fields: []Field{{Key: "TEID (GGSN)", Value: "0x0000a001"}, {Key: "NSAPI", Value: "5"}}},
		{At: at(5002), Kind: Message, From: GGSN, To: Serving, Protocol: Gn, Name: "Delete PDP Context Response", OK: true,
			Fields: []Field{{Key: "Cause", Value: "Request accepted (128)"}}},
		{At: at(5002), Kind: Event, From: Platform, OK: true, EventID: 15, Name: "Delete PDP Context", Status: "ATTACHED"},
		{At: at(6000), Kind: Message, From: HLR, To: Serving, Protocol: S6d, Name: "Cancel-Location-Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: imsi}, {Key: "Cancellation-Type", Value: longValue}}},
		{At: at(6001), Kind: Note, From: Serving, OK: false, Name: "no answer", Text: "context deadline exceeded"},
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func draw(t *testing.T, steps []Step, o LadderOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := Ladder(&b, steps, o); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("TRACE_SHOW") != "" {
		fmt.Println(b.String())
	}
	return b.String()
}

// squeeze drops the spaces and the lifelines: what a step wrote, wrapped
// or not, reads in one piece.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '|' {
			return -1
		}
		return r
	}, s)
}

func TestLadderContent(t *testing.T) {
	steps := attach()
	for _, w := range []int{80, 100, 120, 200} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			out := squeeze(draw(t, steps, LadderOptions{Width: w}))
			rest := out
			next := func(what string) {
				t.Helper()
				i := strings.Index(rest, squeeze(what))
				if i < 0 {
					t.Fatalf("%q missing, or out of order, in\n%s", what, draw(t, steps, LadderOptions{Width: w}))
				}
				rest = rest[i+len(squeeze(what)):]
			}
			next(Device.String())
			next(Serving.String())
			next(HLR.String())
			next(GGSN.String())
			next("2025-03-14")
			for i, s := range steps {
				if i > 0 && s.At.Day() != steps[i-1].At.Day() {
					next(s.At.Format("2006-01-02"))
				}
				for _, d := range drawn(s) {
					next(d)
				}
			}
		})
	}
}

// drawn is what the ladder shows of a step, in order.
func drawn(s Step) []string {
	switch s.Kind {
	case Message:
		return append([]string{s.Name}, fieldStrings(s)...)
	case Decision:
		return append(append([]string{s.Name}, fieldStrings(s)...), s.Text)
	case Event:
		return append([]string{s.Name, s.Status, s.Text}, fieldStrings(s)...)
	}
	return append([]string{s.Name, s.Text}, fieldStrings(s)...)
}

func TestLadderGutter(t *testing.T) {
	out := draw(t, attach(), LadderOptions{})
	for _, want := range []string{"\n2025-03-14 ", "\n23:59:59.990 ", "\n2025-03-15 ", "\n00:00:00.010 ", "\n00:00:04.992 "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// A time is printed once, when it changes.
	if n := strings.Count(out, "00:00:00.025 "); n != 1 {
		t.Errorf("00:00:00.025 printed %d times", n)
	}
}

func TestLadderWidth(t *testing.T) {
	for _, o := range []LadderOptions{{Width: 80}, {Width: 81}, {Width: 100}, {}, {Width: 133}, {Width: 80, Color: true}, {Color: true}, {Width: 40}} {
		out := draw(t, attach(), o)
		limit := o.Width
		if limit == 0 {
			limit = 120
		}
		limit = max(limit, 80)
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := utf8.RuneCountInString(ansi.ReplaceAllString(l, "")); n > limit {
				t.Errorf("%+v: line of %d runes: %q", o, n, l)
			}
		}
		if !utf8.ValidString(out) {
			t.Errorf("%+v: invalid UTF-8", o)
		}
	}
}

func TestLadderColor(t *testing.T) {
	steps := attach()
	plain := draw(t, steps, LadderOptions{})
	if strings.ContainsRune(plain, 0x1b) {
		t.Errorf("escape without Color:\n%q", plain)
	}
	for _, r := range plain {
		if r > unicode.MaxASCII {
			t.Fatalf("non-ASCII %q in plain output", r)
		}
	}
	col := draw(t, steps, LadderOptions{Color: true})
	if !strings.Contains(col, "\x1b[") {
		t.Fatal("no escape with Color")
	}
	if got := ansi.ReplaceAllString(col, ""); got != plain {
		t.Errorf("coloured ladder without its escapes differs from the plain one:\n%s\n%s", got, plain)
	}
	// The rejection is red, and marked in plain text.
	red := regexp.MustCompile("\x1b\\[31m[^\x1b]*! Update-Location-Answer \\(S6a\\)[^\x1b]*\x1b\\[0m")
	if !red.MatchString(col) {
		t.Errorf("rejected ULA not red:\n%q", col)
	}
	if !strings.Contains(plain, "! Update-Location-Answer (S6a)") || !strings.Contains(plain, "! => event 13") ||
		!strings.Contains(plain, "! - no answer") {
		t.Errorf("rejection not marked in plain text:\n%s", plain)
	}
	for _, want := range []string{
		"\x1b[36m", // S6d
		"\x1b[34m", // S6a
		"\x1b[35m", // Gn
		"\x1b[32m=> event 12 Update",
		"\x1b[32m=> event 14 Create",
	} {
		if !strings.Contains(col, want) {
			t.Errorf("no %q", want)
		}
	}
	// What is red is what the failed steps say (and their arrows), all of
	// it.
	var failed strings.Builder
	for _, s := range steps {
		if s.OK {
			continue
		}
		switch s.Kind {
		case Message:
			failed.WriteString(arrowLabel(&s))
		case Note:
			failed.WriteString(noteText(&s))
		case Event:
			failed.WriteString(eventText(&s) + s.Text)
		}
		for _, f := range s.Fields {
			failed.WriteString(fieldText(f))
		}
	}
	var reds strings.Builder
	for _, m := range regexp.MustCompile("\x1b\\[31m([^\x1b]*)\x1b\\[0m").FindAllStringSubmatch(col, -1) {
		seg := strings.Trim(squeeze(m[1]), "-<>!")
		if seg != "" && !strings.Contains(squeeze(failed.String()), seg) {
			t.Errorf("red, of no failed step: %q", m[1])
		}
		reds.WriteString(m[1])
	}
	if r := squeeze(reds.String()); !strings.Contains(r, "DIAMETER_ERROR_ROAMING_NOT_ALLOWED(5004)") ||
		!strings.Contains(r, "#barred") || !strings.Contains(r, "contextdeadlineexceeded") || !strings.Contains(r, "BLOCKED") {
		t.Errorf("failed steps not all red: %q", r)
	}
	yellow := draw(t, []Step{{Kind: Event, OK: true, EventID: 3, Name: "Purge location", Status: "OFFLINE"}}, LadderOptions{Color: true})
	if !strings.Contains(yellow, "\x1b[33m=> event 3 Purge location -> OFFLINE") {
		t.Errorf("OFFLINE not yellow: %q", yellow)
	}
}

// lifelines are the lifelines' columns, read from the row under the header.
func lifelines(t *testing.T, lines []string) []int {
	t.Helper()
	var cols []int
	for i, r := range []rune(lines[1]) {
		if r == '|' {
			cols = append(cols, i)
		}
	}
	if len(cols) != 4 {
		t.Fatalf("%d lifelines in %q", len(cols), lines[1])
	}
	return cols
}

func at(l []rune, i int) rune {
	if i < len(l) {
		return l[i]
	}
	return ' '
}

func TestLadderGeometry(t *testing.T) {
	steps := attach()
	for _, w := range []int{80, 90, 120, 160} {
		geometry(t, steps, draw(t, steps, LadderOptions{Width: w}), w)
	}
}

// geometry checks that the titles are over their lifelines, that every
// row has the lifelines at the same columns but where an arrow crosses
// them, and that there is an arrow per message, between its columns,
// pointing the right way. The messages are between network elements.
func geometry(t *testing.T, steps []Step, out string, w int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	cols := lifelines(t, lines)
	col := func(c Column) int { return cols[c] }
	// The titles are centred on their lifelines.
	for i, c := range Columns {
		title := c.String()
		start := strings.Index(lines[0], title)
		if start < 0 || start > cols[i] || start+len(title) <= cols[i] {
			t.Errorf("width %d: title %q at %d, lifeline at %d", w, title, start, cols[i])
		}
	}
	arrows := 0
	for n, l := range lines[1:] {
		rs := []rune(l)
		right := strings.Index(l, "->|")
		left := strings.Index(l, "|<-")
		lo, hi := -1, -1
		switch {
		case right >= 0 && left >= 0:
			t.Fatalf("width %d: two arrows on %q", w, l)
		case right >= 0:
			hi = right + 2
			lo = strings.LastIndex(l[:right], "|-")
		case left >= 0:
			lo = left
			hi = left + 2 + strings.Index(l[left+2:], "-|") + 1
		}
		if right >= 0 || left >= 0 {
			arrows++
			s := messageAt(steps, arrows)
			if s == nil {
				t.Fatalf("width %d: arrow %d of too many: %q", w, arrows, l)
			}
			from, to := col(s.From), col(s.To)
			if right >= 0 && (from != lo || to != hi) || left >= 0 && (from != hi || to != lo) {
				t.Errorf("width %d: %s %v->%v drawn %d..%d (right %v): %q", w, s.Name, s.From, s.To, lo, hi, right >= 0, l)
			}
		}
		for _, c := range cols {
			r := at(rs, c)
			if r == '|' || lo < c && c < hi {
				continue
			}
			t.Errorf("width %d: row %d has %q at lifeline %d: %q", w, n+1, r, c, l)
		}
	}
	if want := messageCount(steps); arrows != want {
		t.Errorf("width %d: %d arrows, want %d", w, arrows, want)
	}
}

// messageCount is how many arrows steps make.
func messageCount(steps []Step) (n int) {
	for _, s := range steps {
		if s.Kind == Message && s.From != s.To {
			n++
		}
	}
	return n
}

// messageAt is the step of the nth (from 1) arrow.
func messageAt(steps []Step, n int) *Step {
	for i := range steps {
		if steps[i].Kind == Message && steps[i].From != steps[i].To {
			n--
			if n == 0 {
				return &steps[i]
			}
		}
	}
	return nil
}

// TestLadderRandom draws random steps at random widths: never wider than
// the width, the lifelines where they belong, every word drawn.
func TestLadderRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.,:()\"'/;#%<>"
		b := make([]byte, 1+rng.IntN(n))
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	text := func(words, n int) string {
		var w []string
		for range rng.IntN(words + 1) {
			w = append(w, word(n))
		}
		return strings.Join(w, " ")
	}
	for round := range 200 {
		var steps []Step
		at := time.Date(2025, 1, 1, 23, 59, 0, 0, time.UTC)
		for range 1 + rng.IntN(12) {
			at = at.Add(time.Duration(rng.IntN(40)) * time.Second)
			s := Step{At: at, Kind: Kind(rng.IntN(4)), From: Column(rng.IntN(4)), To: Column(rng.IntN(4)),
				Protocol: Protocol(rng.IntN(4)), Name: text(4, 30), OK: rng.IntN(4) > 0, Text: text(12, 20),
				Status: word(10), EventID: rng.Int64N(1000)}
			if s.Kind != Message && rng.IntN(3) == 0 {
				s.From = Platform
			}
			for range rng.IntN(6) {
				s.Fields = append(s.Fields, Field{Key: word(15), Value: text(3, 70)})
			}
			steps = append(steps, s)
		}
		w := 80 + rng.IntN(140)
		out := draw(t, steps, LadderOptions{Width: w, Color: round%2 == 0})
		for _, l := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(ansi.ReplaceAllString(l, "")); n > w {
				t.Fatalf("round %d: line of %d runes at width %d: %q", round, n, w, l)
			}
		}
		plain := ansi.ReplaceAllString(out, "")
		geometry(t, steps, plain, w)
		rest := squeeze(plain)
		for _, s := range steps {
			for _, want := range drawn(s) {
				i := strings.Index(rest, squeeze(want))
				if i < 0 {
					t.Fatalf("round %d: %q missing or out of order in\n%s", round, want, plain)
				}
				rest = rest[i+len(squeeze(want)):]
			}
		}
		if t.Failed() {
			t.Fatalf("round %d:\n%s", round, plain)
		}
		var m bytes.Buffer
		if err := Mermaid(&m, steps); err != nil {
			t.Fatal(err)
		}
		body := strings.Split(strings.TrimSuffix(m.String(), "\n"), "\n")[5:]
		if len(body) != len(steps) {
			t.Fatalf("round %d: %d Mermaid lines for %d steps", round, len(body), len(steps))
		}
		for _, l := range body {
			_, text, ok := strings.Cut(l, ": ")
			bare := entity.ReplaceAllString(strings.ReplaceAll(text, "<br/>", ""), "")
			if !ok || strings.TrimSpace(text) == "" || strings.ContainsAny(bare, ";#<>%") {
				t.Fatalf("round %d: Mermaid line %q", round, l)
			}
		}
	}
}

func TestLadderArrowHeads(t *testing.T) {
	for _, c := range []struct {
		from, to Column
		want     string
	}{
		{Device, Serving, "->|"}, {Serving, Device, "|<-"},
		{Serving, GGSN, "->|"}, {GGSN, Serving, "|<-"},
		{Device, GGSN, "->|"}, {HLR, Device, "|<-"},
	} {
		s := Step{At: time.Unix(0, 0), Kind: Message, From: c.from, To: c.to, Protocol: Gn, Name: "X", OK: true}
		out := draw(t, []Step{s}, LadderOptions{Width: 100})
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		cols := lifelines(t, lines)
		arrow := []rune(lines[2])
		f, to := cols[c.from], cols[c.to]
		if strings.Count(lines[2], c.want) != 1 || arrow[f] != '|' || arrow[to] != '|' {
			t.Errorf("%v->%v: %q", c.from, c.to, lines[2])
		}
		if f < to && arrow[to-1] != '>' || f > to && arrow[to+1] != '<' {
			t.Errorf("%v->%v: head not at %d: %q", c.from, c.to, to, lines[2])
		}
		if !strings.Contains(lines[2], " X (Gn) ") || !strings.HasPrefix(lines[2], "00:00:00.000 ") {
			t.Errorf("%v->%v: no label on the arrow, or no time: %q", c.from, c.to, lines[2])
		}
	}
}

func TestLadderNarrowLabel(t *testing.T) {
	// A label too long for its lane goes above the arrow, wrapped.
	name := strings.Repeat("Very-Long-Message-Name-", 5) + "Request"
	out := draw(t, []Step{{Kind: Message, From: Serving, To: HLR, Protocol: S6d, Name: name, OK: true,
		Fields: []Field{{Key: "IMSI", Value: "001010000000001"}}}}, LadderOptions{Width: 80})
	if !strings.Contains(squeeze(out), name+"(S6d)") {
		t.Errorf("label lost:\n%s", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	arrow := -1
	for i, l := range lines {
		if strings.Contains(l, "->|") {
			arrow = i
		}
	}
	if arrow < 3 || !strings.Contains(lines[arrow+1], "IMSI: 001010000000001") {
		t.Errorf("label not above the arrow, or fields not under it:\n%s", out)
	}
}

func TestLadderEmptyAndOdd(t *testing.T) {
	out := draw(t, nil, LadderOptions{})
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "Device / SIM applet") {
		t.Errorf("empty: %q", out)
	}
	// Columns with no lifeline, no time, control characters, empty names:
	// drawn, within the width, no escape.
	odd := []Step{
		{Kind: Message, From: Platform, To: Device, Name: "odd\x1b[31m", OK: true},
		{Kind: Message, From: HLR, To: HLR, Protocol: S6a, Name: "self", OK: true, Fields: []Field{{Value: "no key"}}},
		{Kind: Note, From: Column(9), Text: "line one\nline two"},
		{Kind: Decision, From: Device, OK: true},
		{Kind: Event, OK: true},
		{Kind: Kind(42), From: GGSN, OK: true, Name: "unknown kind"},
	}
	out = draw(t, odd, LadderOptions{Width: 80})
	if strings.ContainsRune(out, 0x1b) {
		t.Errorf("escape: %q", out)
	}
	for _, want := range []string{"odd [31m", "self (S6a)", "no key", "line one", "line two", "* applet:", "=> event", "unknown kind"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if utf8.RuneCountInString(l) > 80 {
			t.Errorf("wide: %q", l)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestLadderWriteError(t *testing.T) {
	if err := Ladder(failWriter{}, attach(), LadderOptions{}); err == nil {
		t.Error("no error")
	}
	if err := Mermaid(failWriter{}, attach()); err == nil {
		t.Error("no error")
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		s      string
		width  int
		indent int
		want   []string
	}{
		{"short", 10, 2, []string{"short"}},
		{"one two three four", 9, 0, []string{"one two", "three", "four"}},
		{"one two three four", 9, 2, []string{"one two", "  three", "  four"}},
		{"abcdefghijklmnop", 5, 0, []string{"abcde", "fghij", "klmno", "p"}},
		{"Update-Location-Request", 12, 0, []string{"Update-", "Location-", "Request"}},
		{"a\nb", 5, 1, []string{"a", " b"}},
		{"k:abc", 2, 1, []string{"k:", " a", " b", " c"}},
		{"abc", 1, 3, []string{"a", "b", "c"}},
		{"", 5, 0, []string{""}},
	} {
		got := wrap(c.s, c.width, c.indent)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("wrap(%q, %d, %d) = %q, want %q", c.s, c.width, c.indent, got, c.want)
		}
	}
}

func ExampleLadder() {
	t0 := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	steps := []Step{
		{At: t0, Kind: Note, From: Device, OK: true, Name: "power on"},
		{At: t0, Kind: Decision, From: Device, OK: true, Name: `keep profile "ch"`, Text: "home network"},
		{At: t0.Add(5 * time.Millisecond), Kind: Message, From: Device, To: Serving, Protocol: NAS, Name: "Attach Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: "228011234567890"}, {Key: "RAT", Value: "UTRAN (3G)"}}},
		{At: t0.Add(6 * time.Millisecond), Kind: Message, From: Serving, To: HLR, Protocol: S6d, Name: "Update-Location-Request", OK: true,
			Fields: []Field{{Key: "IMSI", Value: "228011234567890"}, {Key: "ULR-Flags", Value: "0x22"}, {Key: "Visited-PLMN", Value: "228 01"}}},
		{At: t0.Add(9 * time.Millisecond), Kind: Message, From: HLR, To: Serving, Protocol: S6d, Name: "Update-Location-Answer", OK: true,
			Fields: []Field{{Key: "Result", Value: "DIAMETER_SUCCESS (2001)"}}},
		{At: t0.Add(9 * time.Millisecond), Kind: Event, From: Platform, OK: true, EventID: 12, Name: "Update location", Status: "ATTACHED",
			Text: "registered at Swisscom"},
		{At: t0.Add(10 * time.Millisecond), Kind: Message, From: Serving, To: Device, Protocol: NAS, Name: "Attach Accept", OK: true},
		{At: t0.Add(20 * time.Millisecond), Kind: Message, From: Serving, To: GGSN, Protocol: Gn, Name: "Create PDP Context Request", OK: true,
			Fields: []Field{{Key: "APN", Value: "internet"}, {Key: "TEID-C", Value: "0x00000011"}}},
		{At: t0.Add(24 * time.Millisecond), Kind: Message, From: GGSN, To: Serving, Protocol: Gn, Name: "Create PDP Context Response", OK: false,
			Fields: []Field{{Key: "Cause", Value: "Missing or unknown APN (219)"}}},
	}
	Ladder(os.Stdout, steps, LadderOptions{})
	// Output:
	// Device / SIM applet                 VLR / SGSN                              HLR   GGSN
	// 2025-03-14    |                               |                                   |      |
	// 09:30:00.000  | - power on                    |                                   |      |
	//               |                               |                                   |      |
	//               | * applet: keep profile "ch":  |                                   |      |
	//               |   home network                |                                   |      |
	//               |                               |                                   |      |
	// 09:30:00.005  |---- Attach Request (NAS) ---->|                                   |      |
	//               |  IMSI: 228011234567890        |                                   |      |
	//               |  RAT: UTRAN (3G)              |                                   |      |
	//               |                               |                                   |      |
	// 09:30:00.006  |                               |-- Update-Location-Request (S6d) ->|      |
	//               |                               |  IMSI: 228011234567890            |      |
	//               |                               |  ULR-Flags: 0x22                  |      |
	//               |                               |  Visited-PLMN: 228 01             |      |
	//               |                               |                                   |      |
	// 09:30:00.009  |                               |<- Update-Location-Answer (S6d) ---|      |
	//               |                               |  Result: DIAMETER_SUCCESS (2001)  |      |
	//               |                               |                                   |      |
	//               |                               |                                   |      | => event 12 Update location
	//               |                               |                                   |      |    -> ATTACHED
	//               |                               |                                   |      |    registered at Swisscom
	//               |                               |                                   |      |
	// 09:30:00.010  |<---- Attach Accept (NAS) -----|                                   |      |
	// 09:30:00.020  |                               |---- Create PDP Context Request (Gn) ---->|
	//               |                               |  APN: internet                    |      |
	//               |                               |  TEID-C: 0x00000011               |      |
	//               |                               |                                   |      |
	// 09:30:00.024  |                               |<-- ! Create PDP Context Response (Gn) ---|
	//               |                               |  Cause:                           |      |
	//               |                               |    Missing or unknown APN (219)   |      |
}

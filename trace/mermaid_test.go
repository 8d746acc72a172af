package trace

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

func mermaid(t *testing.T, steps []Step) string {
	t.Helper()
	var b bytes.Buffer
	if err := Mermaid(&b, steps); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("TRACE_SHOW") != "" {
		t.Log("\n" + b.String())
	}
	return b.String()
}

var (
	mermaidArrow = regexp.MustCompile(`^    ([DSHGP])(-->>|->>)([DSHGP]): (.*)$`)
	mermaidNote  = regexp.MustCompile(`^    Note over ([DSHGP](?:,[DSHGP])?): (.*)$`)
	entity       = regexp.MustCompile(`#[0-9]+;`)
)

func TestMermaid(t *testing.T) {
	steps := attach()
	out := mermaid(t, steps)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "sequenceDiagram" {
		t.Fatalf("starts with %q", lines[0])
	}
	want := []string{
		"    participant D as Device / SIM applet",
		"    participant S as VLR / SGSN",
		"    participant H as HLR",
		"    participant G as GGSN",
	}
	for i, w := range want {
		if lines[1+i] != w {
			t.Errorf("line %d: %q, want %q", 1+i, lines[1+i], w)
		}
	}
	body := lines[1+len(want):]
	if len(body) != len(steps) {
		t.Fatalf("%d lines for %d steps:\n%s", len(body), len(steps), out)
	}
	id := map[Column]string{Device: "D", Serving: "S", HLR: "H", GGSN: "G"}
	for i, s := range steps {
		l := body[i]
		var text string
		if s.Kind == Message {
			m := mermaidArrow.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: not an arrow: %q", s.Name, l)
				continue
			}
			if m[1] != id[s.From] || m[3] != id[s.To] {
				t.Errorf("%s: %s to %s: %q", s.Name, s.From, s.To, l)
			}
			answer := strings.HasSuffix(s.Name, "Answer") || strings.HasSuffix(s.Name, "Response") ||
				strings.HasSuffix(s.Name, "Accept") || strings.HasSuffix(s.Name, "Reject") || strings.HasSuffix(s.Name, "Ack")
			if answer != (m[2] == "-->>") {
				t.Errorf("%s: arrow %s", s.Name, m[2])
			}
			text = m[4]
		} else {
			m := mermaidNote.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("%s: not a note: %q", s.Name, l)
				continue
			}
			switch {
			case s.Kind == Event && m[1] != "S,G":
				t.Errorf("event %d over %s", s.EventID, m[1])
			case s.Kind != Event && m[1] != id[s.From]:
				t.Errorf("%s over %s, not %s", s.Name, m[1], s.From)
			}
			text = m[2]
		}
		// Nothing Mermaid treats specially in the text but the entity
		// codes and the line breaks added.
		bare := entity.ReplaceAllString(strings.ReplaceAll(text, "<br/>", "\n"), "")
		if strings.ContainsAny(bare, ";#<>") || strings.Contains(text, "%%") {
			t.Errorf("unescaped: %q", text)
		}
		// The name, the fields and the text, in order, one per line.
		var parts []string
		for _, p := range strings.Split(text, "<br/>") {
			parts = append(parts, unescape(p))
		}
		joined := strings.Join(parts, "\n")
		rest := joined
		for _, w := range append([]string{s.Name}, fieldStrings(s)...) {
			k := strings.Index(rest, w)
			if k < 0 {
				t.Errorf("%q missing or out of order in %q", w, joined)
				break
			}
			rest = rest[k+len(w):]
		}
		if s.Text != "" && !strings.Contains(joined, s.Text) {
			t.Errorf("text %q missing in %q", s.Text, joined)
		}
		if s.Kind == Message && !strings.Contains(parts[0], "("+s.Protocol.String()+")") {
			t.Errorf("no protocol in %q", parts[0])
		}
		if !s.OK != strings.HasPrefix(parts[0], "❌") {
			t.Errorf("OK %v: %q", s.OK, parts[0])
		}
		if s.Kind == Event && !strings.Contains(parts[0], "event 1") {
			t.Errorf("event: %q", parts[0])
		}
	}
	if !strings.Contains(out, "Note over S,G: event 12 Update location → ATTACHED<br/>the device registered") {
		t.Errorf("event 12:\n%s", out)
	}
	if !strings.Contains(out, "    H-->>S: ❌ Update-Location-Answer (S6a)<br/>Result: DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)<br/>"+
		"Error-Message: roaming not allowed for this subscriber#59; #35;barred") {
		t.Errorf("rejection:\n%s", out)
	}
	if !strings.Contains(out, `    Note over D: applet: switch to profile "ch"<br/>IMSI: 228011234567890<br/>home network`) {
		t.Errorf("decision:\n%s", out)
	}
}

func fieldStrings(s Step) []string {
	var r []string
	for _, f := range s.Fields {
		r = append(r, f.Key+": "+f.Value)
	}
	return r
}

func unescape(s string) string {
	return entity.ReplaceAllStringFunc(s, func(e string) string {
		switch e {
		case "#59;":
			return ";"
		case "#35;":
			return "#"
		case "#37;":
			return "%"
		case "#60;":
			return "<"
		case "#62;":
			return ">"
		}
		return e
	})
}

func TestMermaidEscape(t *testing.T) {
	steps := []Step{
		{Kind: Message, From: Device, To: Serving, Name: "a;b #c <d> 100%% e&f", OK: true,
			Fields: []Field{{Key: "k;", Value: "line one\nline two"}}},
		{Kind: Note, From: Platform, OK: true, Text: "end; %%{init}%%"},
		{Kind: Note, From: HLR, OK: true},
		{Kind: Message, From: GGSN, To: Platform, Protocol: Gn, Name: "Echo Response", OK: true},
	}
	out := mermaid(t, steps)
	for _, want := range []string{
		"    D->>S: a#59;b #35;c #60;d#62; 100#37;#37; e&f (NAS)<br/>k#59;: line one<br/>line two\n",
		"    Note over P: end#59; #37;#37;{init}#37;#37;\n",
		"    participant P as Platform\n",
		"    G-->>P: Echo Response (Gn)\n",
		"    Note over H: note\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "%%") {
		t.Errorf("%%%% in\n%s", out)
	}
	if strings.Count(out, "\n") != 1+5+len(steps) {
		t.Errorf("a newline got through:\n%s", out)
	}
}

func TestIsAnswer(t *testing.T) {
	for name, want := range map[string]bool{
		"Update-Location-Answer": true, "Create PDP Context Response": true, "Attach Accept": true,
		"Activate PDP Context Reject": true, "Routing Area Update Ack": true, "Attach Request": false,
		"Update-Location-Request": false, "Attach Complete": false, "": false,
	} {
		if isAnswer(name) != want {
			t.Errorf("isAnswer(%q) = %v", name, !want)
		}
	}
}

package trace

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Mermaid writes steps as a Mermaid sequence diagram: a participant per
// column (D, S, H, G; P for the platform if a message involves it), a
// message arrow per Message step with its name, protocol and key fields
// ("D->>S: Attach Request (NAS)<br/>IMSI: 228..."; an answer, response,
// accept, reject or ack "-->>"), a note over the device for a decision of
// the SIM applet, over the serving node to the GGSN for an event, over its
// column for a note. A failed step (OK false) starts with "❌". Text is
// escaped for Mermaid: ';', '#', '%', '<' and '>' become entity codes, and
// lines are joined by "<br/>".
func Mermaid(w io.Writer, steps []Step) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("sequenceDiagram\n")
	platform := false
	for i := range steps {
		if s := &steps[i]; s.Kind == Message && (s.From > GGSN || s.To > GGSN) {
			platform = true
		}
	}
	for _, c := range Columns {
		bw.WriteString("    participant " + participant(c) + " as " + mermaidText(c.String()) + "\n")
	}
	if platform {
		bw.WriteString("    participant P as " + mermaidText(Platform.String()) + "\n")
	}
	for i := range steps {
		s := &steps[i]
		var lines []string
		mark := ""
		if !s.OK {
			mark = "❌ "
		}
		switch s.Kind {
		case Message:
			lines = append(lines, mark+s.Name+" ("+s.Protocol.String()+")")
			lines = append(lines, fieldLines(s.Fields)...)
			if s.From == s.To || participant(s.From) == participant(s.To) {
				bw.WriteString("    Note over " + participant(s.From) + ": " + joinText(lines) + "\n")
				continue
			}
			arrow := "->>"
			if isAnswer(s.Name) {
				arrow = "-->>"
			}
			bw.WriteString("    " + participant(s.From) + arrow + participant(s.To) + ": " + joinText(lines) + "\n")
		case Decision:
			t := mark + "applet"
			if s.Name != "" {
				t += ": " + s.Name
			}
			lines = append(lines, t)
			lines = append(lines, fieldLines(s.Fields)...)
			if s.Text != "" {
				lines = append(lines, s.Text)
			}
			bw.WriteString("    Note over " + noteParticipant(s.From, platform) + ": " + joinText(lines) + "\n")
		case Event:
			t := mark + "event"
			if s.EventID != 0 {
				t += " " + strconv.FormatInt(s.EventID, 10)
			}
			if s.Name != "" {
				t += " " + s.Name
			} else if s.EventType != 0 {
				t += " type " + strconv.Itoa(s.EventType)
			}
			if s.Status != "" {
				t += " → " + s.Status
			}
			lines = append(lines, t)
			if s.Text != "" {
				lines = append(lines, s.Text)
			}
			lines = append(lines, fieldLines(s.Fields)...)
			bw.WriteString("    Note over S,G: " + joinText(lines) + "\n")
		default: // Note
			t := s.Name
			if s.Text != "" {
				if t != "" {
					t += ": "
				}
				t += s.Text
			}
			if t == "" {
				t = "note" // Mermaid wants some text
			}
			lines = append(lines, mark+t)
			lines = append(lines, fieldLines(s.Fields)...)
			bw.WriteString("    Note over " + noteParticipant(s.From, platform) + ": " + joinText(lines) + "\n")
		}
	}
	return bw.Flush()
}

// isAnswer says whether a message name is an answer to a request (drawn
// dashed): it ends in Answer, Response, Accept, Reject or Ack.
func isAnswer(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, s := range []string{"answer", "response", "accept", "reject", "ack"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

func participant(c Column) string {
	switch c {
	case Device:
		return "D"
	case Serving:
		return "S"
	case HLR:
		return "H"
	case GGSN:
		return "G"
	}
	return "P"
}

// noteParticipant is where a note about c goes: over the GGSN for the
// platform unless a message involves it (and it is a participant).
func noteParticipant(c Column, platform bool) string {
	if c > GGSN && !platform {
		return "G"
	}
	return participant(c)
}

func fieldLines(fields []Field) []string {
	lines := make([]string, 0, len(fields))
	for _, f := range fields {
		if f.Key == "" {
			lines = append(lines, f.Value)
		} else {
			lines = append(lines, f.Key+": "+f.Value)
		}
	}
	return lines
}

// joinText escapes lines and joins them with <br/>, the newlines within
// them too.
func joinText(lines []string) string {
	var parts []string
	for _, l := range lines {
		for _, p := range strings.Split(strings.ReplaceAll(l, "\r\n", "\n"), "\n") {
			parts = append(parts, mermaidText(p))
		}
	}
	return strings.Join(parts, "<br/>")
}

// mermaidText escapes one line of text for Mermaid: ';' ends a statement,
// '#' starts an entity code, "%%" a comment, '<' and '>' would be HTML;
// each becomes an entity code. Other control characters become spaces.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ';':
			b.WriteString("#59;")
		case '#':
			b.WriteString("#35;")
		case '%':
			b.WriteString("#37;")
		case '<':
			b.WriteString("#60;")
		case '>':
			b.WriteString("#62;")
		default:
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

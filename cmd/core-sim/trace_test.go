package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/core-sim/core-sim/peers"
)

// The ladder of one device: the messages in order with their key fields,
// the events with their statuses, plain text off a terminal.
func TestTraceLadder(t *testing.T) {
	dir := t.TempDir()
	mmd := filepath.Join(dir, "t.mmd")
	out, stderr, err := runCore(t, "trace", "--until", "1h", "--device", "trackers:1", "--mermaid", mmd, "--log-level", "warn")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if strings.Contains(out, "\x1b[") {
		t.Fatal("colour escapes in output that is not a terminal")
	}
	if !strings.Contains(stderr, "tracing device 1") {
		t.Fatalf("stderr: %s", stderr)
	}
	// The attach and PDP activation, in order.
	order := []string{
		"power on", "applet", "Location Updating Request (NAS)", "Capabilities-Exchange-Request",
		"Update-Location-Request (S6a)", "ULR-Flags:", "Update-Location-Answer (S6a)", "DIAMETER_SUCCESS (2001)",
		"Location Updating Accept", "Update location -> ATTACHED",
		"Attach Request (NAS)", "Update-Location-Request (S6d)", "GPRS-Subscription-Data-Indicator", "Attach Accept",
		"Update GPRS location", "Activate PDP Context Request", "Create PDP Context Request (Gn)", "APN: ",
		"TEID-C (SGSN)", "Create PDP Context Response (Gn)", "Request accepted (128)", "End User Address:",
		"Activate PDP Context Accept", "Create PDP Context", "-> ONLINE",
		"Delete PDP Context Request (Gn)", "Delete PDP Context Response (Gn)", "-> ATTACHED",
	}
	rest := squeeze(out)
	for _, want := range order {
		i := strings.Index(rest, squeeze(want))
		if i < 0 {
			t.Fatalf("%q missing (or out of order) in the ladder:\n%s", want, out)
		}
		rest = rest[i+len(squeeze(want)):]
	}
	// Lifelines line up: every body line has its | at the header's columns.
	lines := strings.Split(out, "\n")
	cols := []int{}
	for i, c := range lines[1] {
		if c == '|' {
			cols = append(cols, i)
		}
	}
	if len(cols) != 4 {
		t.Fatalf("first body line %q: want 4 lifelines", lines[1])
	}
	for _, l := range lines[1:] {
		if l == "" || strings.Contains(l, "--") {
			continue // an arrow crosses the lifelines between its ends
		}
		for _, c := range cols {
			if c >= len(l) || l[c] != '|' {
				t.Fatalf("lifeline at column %d broken in %q", c, l)
			}
		}
	}
	m, err := os.ReadFile(mmd)
	if err != nil {
		t.Fatal(err)
	}
	ms := string(m)
	if !strings.HasPrefix(ms, "sequenceDiagram\n") || !strings.Contains(ms, "S->>H: Update-Location-Request (S6a)") ||
		!strings.Contains(ms, "G-->>S: Create PDP Context Response (Gn)") || !strings.Contains(ms, "D->>S: Attach Request (NAS)") {
		t.Fatalf("mermaid:\n%s", ms)
	}
}

// A fallback: the applet's switch and its reason are in the trace.
func TestTraceShowsTheAppletSwitch(t *testing.T) {
	out, stderr, err := runCore(t, "trace", "outage-fallback", "--device", "3", "--until", "3h", "--no-color", "--log-level", "warn")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	flat := squeeze(out)
	for _, want := range []string{"outage: Vodafone Germany (26202) goes down", "DIAMETER_ERROR_ROAMING_NOT_ALLOWED (5004)",
		"applet: IMSI switch", "3 consecutive registration failures on profile LI", "profile NL (IMSI 204089900700003)"} {
		if !strings.Contains(flat, squeeze(want)) {
			t.Errorf("%q not in the trace", want)
		}
	}
}

// squeeze drops the lifelines and every space: the ladder wraps names and
// values anywhere, so text is looked for without them.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '|' || r == ' ' || r == '\n' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

func TestTraceBadDevice(t *testing.T) {
	for _, c := range []struct{ arg, want string }{
		{"0", "want a number from 1 to 100"},
		{"trackers:0", "fleet trackers has devices 1 to"},
		{"nope:1", `has no fleet "nope"`},
	} {
		_, stderr, err := runCore(t, "trace", "--device", c.arg)
		if err == nil || !strings.Contains(stderr, c.want) {
			t.Errorf("--device %s: %v\n%s", c.arg, err, stderr)
		}
	}
}

// Captures open in tshark with every message decoded, no malformed packet
// and no expert error or warning: from trace and from run, over the wire
// and in process, with Diameter over TCP and over SCTP.
func TestCapturesDecodeInTshark(t *testing.T) {
	tshark := peers.Require(t, "tshark")
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		sctp bool
	}{
		{"trace", []string{"trace", "outage-fallback", "--device", "3", "--until", "3h"}, false},
		{"trace-sctp", []string{"trace", "--until", "2h", "--pcap-sctp"}, true},
		{"run-inproc", []string{"run", "--transport", "inproc", "--events", os.DevNull}, false},
		{"run-tcp", []string{"run", "--transport", "tcp", "--events", os.DevNull}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, c.name+".pcap")
			if _, stderr, err := runCore(t, append(c.args, "--pcap", f, "--log-level", "warn")...); err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			prefs := []string{"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "sctp.checksum:CRC-32C"}
			bad, err := exec.Command(tshark, append(append([]string{"-r", f}, prefs...), "-Y", "_ws.malformed || _ws.expert.severity >= warning")...).Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			if len(strings.TrimSpace(string(bad))) > 0 {
				t.Fatalf("malformed packets or expert warnings/errors:\n%s", bad)
			}
			fields, err := exec.Command(tshark, append(append([]string{"-r", f}, prefs...), "-T", "fields", "-e", "frame.protocols", "-e", "diameter.cmd.code", "-e", "gtp.message")...).Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			seen := map[string]int{}
			transport := "tcp"
			if c.sctp {
				transport = "sctp"
			}
			for _, l := range strings.Split(strings.TrimSpace(string(fields)), "\n") {
				p := strings.Split(l, "\t")
				switch {
				case strings.HasSuffix(p[0], ":"+transport+":diameter"):
					seen["diameter "+p[1]]++
				case strings.HasSuffix(p[0], ":udp:gtp"):
					seen["gtp "+p[2]]++
				case strings.Contains(p[0], "diameter") || strings.Contains(p[0], "gtp"):
					t.Fatalf("unexpected stack %q", p[0])
				}
			}
			// CER/CEA, ULR/ULA; GTP 0x10, 0x11 (create) and 0x14, 0x15 (delete).
			for _, want := range []string{"diameter 257", "diameter 316", "gtp 0x10", "gtp 0x11", "gtp 0x14", "gtp 0x15"} {
				if seen[want] == 0 {
					t.Errorf("no %s in the capture (seen %v)", want, seen)
				}
			}
			if strings.HasPrefix(c.name, "run") && seen["diameter 321"] == 0 {
				t.Errorf("a run of the default scenario has purges (321): seen %v", seen)
			}
		})
	}
}

// docs/attach-flow.md shows trace output: each excerpt must be what its
// command prints today, so that a newcomer following the walkthrough sees
// what the page shows.
func TestAttachFlowDocIsRealOutput(t *testing.T) {
	doc, err := os.ReadFile("../../docs/attach-flow.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```")
	var cmd string
	checked := 0
	outputs := map[string]string{}
	for i := 1; i < len(blocks); i += 2 {
		b := blocks[i]
		if strings.HasPrefix(b, "sh\n") {
			cmd = ""
			first := strings.SplitN(strings.TrimPrefix(b, "sh\n"), "\n", 2)[0]
			if strings.HasPrefix(first, "core-sim trace") && !strings.Contains(first, "--pcap") {
				cmd = strings.TrimSpace(strings.SplitN(first, "#", 2)[0])
			}
			continue
		}
		if cmd == "" {
			continue
		}
		out, ok := outputs[cmd]
		if !ok {
			args := append(strings.Fields(strings.TrimPrefix(cmd, "core-sim ")), "--width", "132", "--no-color", "--log-level", "warn")
			var stderr string
			out, stderr, err = runCore(t, args...)
			if err != nil {
				t.Fatalf("%s: %v\n%s", cmd, err, stderr)
			}
			outputs[cmd] = out
		}
		excerpt := strings.TrimPrefix(b, "\n")
		if !strings.Contains(out, excerpt) {
			t.Errorf("docs/attach-flow.md: the excerpt after %q is not in its output any more (regenerate the page):\n%s", cmd, excerpt)
		}
		checked++
	}
	if checked < 8 {
		t.Fatalf("only %d excerpts checked", checked)
	}
}

package pcap

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tsharkPath finds tshark: without it the test is skipped, unless
// CORESIM_REQUIRE_PEERS=1 asks for every peer program to be there.
func tsharkPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CORESIM_REQUIRE_PEERS") == "1" {
			t.Fatalf("tshark not found (CORESIM_REQUIRE_PEERS=1): %v", err)
		}
		t.Skipf("tshark not found: %v", err)
	}
	return p
}

// verify turns checksum verification on: IPv4, TCP and UDP checksums, and
// SCTP's CRC-32C (preference sctp.checksum, "None, Adler 32, CRC 32c,
// Automatic" in tshark 4.0; its value names are accepted too).
var verify = []string{
	"-o", "ip.check_checksum:TRUE",
	"-o", "tcp.check_checksum:TRUE",
	"-o", "udp.check_checksum:TRUE",
	"-o", "sctp.checksum:CRC-32C",
}

// runTshark reads file with tshark (no name resolution, a fresh
// configuration directory so that no personal preference counts) and
// returns its output's lines.
func runTshark(t *testing.T, bin, file string, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"-n", "-r", file}, args...)...)
	cmd.Env = append(os.Environ(), "WIRESHARK_CONFIG_DIR="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	s := strings.TrimRight(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestTshark writes the scenario in both transports, with a ULA of 50
// APN configurations (about 3.8 KB: three TCP segments) and one of 1200
// (about 86 KB: pure ACKs keep TCP's window; two DATA chunks over SCTP),
// and has tshark decode it.
func TestTshark(t *testing.T) {
	bin := tsharkPath(t)
	for _, transport := range []string{"tcp", "sctp"} {
		for _, apns := range []int{50, 1200} {
			t.Run(fmt.Sprintf("%s/%d APNs", transport, apns), func(t *testing.T) {
				t.Parallel()
				steps, want := scenario(t, apns)
				file := filepath.Join(t.TempDir(), "core-sim.pcap")
				if err := os.WriteFile(file, write(t, transport, steps), 0o644); err != nil {
					t.Fatal(err)
				}
				checkDecode(t, bin, file, transport, want)
				checkClean(t, bin, file, transport)
			})
		}
	}
}

// checkDecode reads every frame's protocols and fields: Diameter and GTP
// where they were written, in order, checksums verified good, every
// segment or chunk accounted for.
func checkDecode(t *testing.T, bin, file, transport string, want want) {
	t.Helper()
	fields := []string{"frame.number", "frame.protocols", "diameter.cmd.code", "diameter.flags.request", "gtp.message",
		"ip.checksum.status", "tcp.checksum.status", "udp.checksum.status", "sctp.checksum.status",
		"tcp.len", "tcp.reassembled_in", "sctp.chunk_type", "sctp.acked"}
	// Two passes, for SCTP's TSN analysis to say in which frame each DATA
	// chunk is acknowledged. tshark 4.0 matches TSNs and SACKs only with
	// absolute TSNs (with relative ones it shows no acknowledgement at all).
	args := append([]string{"-2", "-o", "sctp.relative_tsns:FALSE", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a"}, verify...)
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	lines := runTshark(t, bin, file, args...)
	if len(lines) == 0 {
		t.Fatal("tshark read no frame")
	}
	var diameter, gtp []string
	diameterFrames := map[string]bool{}
	var reassembled []string // frames that tcp.reassembled_in names
	for _, line := range lines {
		v := strings.Split(line, "\t")
		if len(v) != len(fields) {
			t.Fatalf("tshark line %q: %d fields, want %d", line, len(v), len(fields))
		}
		f := map[string]string{}
		for i, name := range fields {
			f[name] = v[i]
		}
		num, protos := f["frame.number"], f["frame.protocols"]
		bad := func(format string, a ...any) {
			t.Helper()
			t.Errorf("frame %s (%s): %s", num, protos, fmt.Sprintf(format, a...))
		}
		if f["ip.checksum.status"] != "1" {
			bad("IPv4 checksum status %q", f["ip.checksum.status"])
		}
		switch {
		case strings.HasPrefix(protos, "eth:ethertype:ip:udp"):
			if protos != "eth:ethertype:ip:udp:gtp" {
				bad("a UDP datagram that is not GTP")
			}
			if f["udp.checksum.status"] != "1" {
				bad("UDP checksum status %q", f["udp.checksum.status"])
			}
			gtp = append(gtp, f["gtp.message"])
		case transport == "tcp" && strings.HasPrefix(protos, "eth:ethertype:ip:tcp"):
			if f["tcp.checksum.status"] != "1" {
				bad("TCP checksum status %q", f["tcp.checksum.status"])
			}
			switch {
			case protos == "eth:ethertype:ip:tcp:diameter":
				diameterFrames[num] = true
			case protos != "eth:ethertype:ip:tcp":
				bad("unexpected protocols")
			case f["tcp.len"] != "0":
				// A segment of a longer message: reassembled in a later frame.
				if f["tcp.reassembled_in"] == "" {
					bad("%s bytes of TCP payload that are not Diameter and not reassembled", f["tcp.len"])
				}
				reassembled = append(reassembled, f["tcp.reassembled_in"])
			}
		case transport == "sctp" && strings.HasPrefix(protos, "eth:ethertype:ip:sctp"):
			if f["sctp.checksum.status"] != "1" {
				bad("SCTP checksum status %q", f["sctp.checksum.status"])
			}
			if f["sctp.chunk_type"] == "0" {
				if f["sctp.acked"] == "" {
					bad("DATA chunk never acknowledged")
				}
				// A DATA chunk holds a whole message (decoded here) or a
				// fragment of one (decoded where the last one is).
				if protos == "eth:ethertype:ip:sctp:diameter" {
					diameterFrames[num] = true
				} else if protos != "eth:ethertype:ip:sctp" {
					bad("unexpected protocols")
				}
			} else if protos != "eth:ethertype:ip:sctp" {
				bad("a control chunk with protocols above SCTP")
			}
		default:
			bad("unexpected protocols for %s", transport)
		}
		if f["diameter.cmd.code"] != "" {
			kind := "A"
			if f["diameter.flags.request"] == "1" || f["diameter.flags.request"] == "True" {
				kind = "R"
			}
			diameter = append(diameter, f["diameter.cmd.code"]+kind)
		}
	}
	if fmt.Sprint(diameter) != fmt.Sprint(want.diameter) {
		t.Errorf("Diameter commands\n got %v\nwant %v", diameter, want.diameter)
	}
	if len(diameterFrames) != len(want.diameter) {
		t.Errorf("%d frames decode as Diameter, want %d", len(diameterFrames), len(want.diameter))
	}
	for _, n := range reassembled {
		if !diameterFrames[n] {
			t.Errorf("a segment is reassembled in frame %s, which is not Diameter", n)
		}
	}
	var wantGTP []string
	for _, m := range want.gtp {
		wantGTP = append(wantGTP, fmt.Sprintf("0x%02x", uint8(m)))
	}
	if fmt.Sprint(gtp) != fmt.Sprint(wantGTP) {
		t.Errorf("GTP messages\n got %v\nwant %v", gtp, wantGTP)
	}
}

// checkClean asks tshark for what is wrong: malformed packets, expert
// infos of severity error or warning, TCP analysis flags (retransmission,
// lost or out-of-order segment, window full, duplicate ACK...), SCTP
// retransmissions, gaps and duplicates. Each must find nothing. (Expert
// infos of severity note and chat remain: the TCP handshake and the FINs
// are reported as "Connection establish request" and "Connection finish".)
func checkClean(t *testing.T, bin, file, transport string) {
	t.Helper()
	filters := []string{
		"_ws.malformed || _ws.expert.severity == error",
		"_ws.expert.severity == warning",
	}
	if transport == "tcp" {
		filters = append(filters, "tcp.analysis.flags")
	} else {
		filters = append(filters, "sctp.retransmission || sctp.retransmitted || sctp.sack_gap_block_start || sctp.sack_duplicate_tsn || sctp.duplicate")
	}
	for _, filter := range filters {
		args := append([]string{"-2", "-o", "sctp.relative_tsns:FALSE", "-Y", filter}, verify...)
		args = append(args, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info", "-e", "_ws.expert.message")
		if lines := runTshark(t, bin, file, args...); len(lines) > 0 {
			t.Errorf("tshark -Y %q finds %d frames:\n%s", filter, len(lines), strings.Join(lines, "\n"))
		}
	}
}

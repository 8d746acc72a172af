package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/core-sim/core-sim/peers"
)

// runSGSN runs `core-sim sgsn` to completion and returns its stdout.
func runSGSN(t *testing.T, ctx context.Context, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary(t), append([]string{"sgsn"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("core-sim sgsn: %v\n%s", err, stderr.String())
	}
	return stdout.Bytes()
}

// TestThreeProcesses runs HLR, GGSN and SGSN as separate processes, as the
// README shows, captures the exchange with tshark when it is installed, and
// checks that tshark decodes both ULR forms and GTP with no malformed packet.
func TestThreeProcesses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hlrPort := freePort(t, "tcp", "127.0.0.1")
	ggsnPort := freePort(t, "udp", "127.0.0.2")
	sgsnPort := freePort(t, "udp", "127.0.0.1")

	var capture *exec.Cmd
	var pcap string
	var capErr syncBuffer
	if _, err := exec.LookPath("tshark"); err == nil {
		pcap = filepath.Join(t.TempDir(), "three.pcap")
		filter := fmt.Sprintf("tcp port %d or udp port %d or udp port %d", hlrPort, ggsnPort, sgsnPort)
		capture = exec.CommandContext(ctx, "tshark", "-i", "lo", "-f", filter, "-w", pcap)
		capture.Stderr = &capErr
		if err := capture.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(capErr.String(), "Capturing on") {
			if time.Now().After(deadline) {
				t.Fatalf("tshark did not start capturing: %s", capErr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	} else if peers.Required() {
		t.Fatal("tshark is not installed and CORESIM_REQUIRE_PEERS=1")
	}

	hlrAddr := "127.0.0.1:" + strconv.Itoa(hlrPort)
	ggsnAddr := "127.0.0.2:" + strconv.Itoa(ggsnPort)
	startDaemon(t, ctx, "hlr", "--listen", hlrAddr, "--transport", "tcp")
	startDaemon(t, ctx, "ggsn", "--listen", ggsnAddr)
	out := runSGSN(t, ctx, "--hlr", hlrAddr, "--ggsn", ggsnAddr, "--gtp", "127.0.0.1:"+strconv.Itoa(sgsnPort), "--transport", "tcp")
	evs := checkStream(t, out)
	if n := descriptions(evs, 1, "(5001)"); n == 0 {
		t.Errorf("no unknown-IMSI rejection")
	}

	if capture == nil {
		t.Log("tshark not installed: capture not checked")
		return
	}
	time.Sleep(300 * time.Millisecond) // let the last packets reach the capture
	capture.Process.Signal(os.Interrupt)
	capture.Wait()
	decode := []string{"-r", pcap, "-d", fmt.Sprintf("tcp.port==%d,diameter", hlrPort),
		"-d", fmt.Sprintf("udp.port==%d,gtp", ggsnPort), "-d", fmt.Sprintf("udp.port==%d,gtp", sgsnPort)}
	fields, err := exec.Command("tshark", append(decode, "-Y", "diameter.cmd.code == 316 && diameter.flags.request == 1",
		"-T", "fields", "-e", "diameter.ULR-Flags")...).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var s6aForm, s6dForm int
	for _, l := range strings.Fields(string(fields)) {
		for _, v := range strings.Split(l, ",") {
			f, err := strconv.ParseUint(v, 0, 32) // tshark prints decimal
			if err != nil {
				t.Fatalf("ULR-Flags %q: %v", v, err)
			}
			if f&0x2 != 0 {
				s6aForm++
			} else {
				s6dForm++
			}
		}
	}
	if s6aForm == 0 || s6dForm == 0 {
		t.Errorf("tshark decoded %d ULRs with the S6a indicator and %d without; want both", s6aForm, s6dForm)
	}
	gtpMsgs, err := exec.Command("tshark", append(decode, "-Y", "gtp", "-T", "fields", "-e", "gtp.message")...).Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range strings.Fields(string(gtpMsgs)) {
		seen[m]++
	}
	for _, m := range []string{"0x10", "0x11", "0x14", "0x15"} { // Create/Delete PDP Context Request/Response
		if seen[m] == 0 {
			t.Errorf("no GTP message %s in the capture (seen %v)", m, seen)
		}
	}
	bad, err := exec.Command("tshark", append(decode, "-Y", "_ws.malformed || _ws.expert.severity >= error")...).Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(bytes.TrimSpace(bad)) > 0 {
		t.Errorf("tshark reports malformed packets or errors:\n%s", bad)
	}
	t.Logf("capture: %d ULR (S6a) + %d ULR (S6d), GTP %v", s6aForm, s6dForm, seen)
}

// TestGarbageLeavesElementsAnswering throws garbage and truncated packets
// at a running HLR and GGSN, then runs a fleet through them.
func TestGarbageLeavesElementsAnswering(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hlrAddr := "127.0.0.1:" + strconv.Itoa(freePort(t, "tcp", "127.0.0.1"))
	ggsnAddr := "127.0.0.2:" + strconv.Itoa(freePort(t, "udp", "127.0.0.2"))
	hlrLog := startDaemon(t, ctx, "hlr", "--listen", hlrAddr, "--transport", "tcp")
	ggsnLog := startDaemon(t, ctx, "ggsn", "--listen", ggsnAddr)

	garbage := [][]byte{
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		{0x01, 0x00, 0x00, 0x14}, // a truncated Diameter header
		{0x01, 0xff, 0xff, 0xff, 0x80, 0x00, 0x01, 0x3c, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1}, // length 16 MiB
		bytes.Repeat([]byte{0xff}, 64),
	}
	for _, g := range garbage {
		c, err := net.Dial("tcp", hlrAddr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(g)
		c.Close()
	}
	u, err := net.Dial("udp", ggsnAddr)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range [][]byte{
		{0x32},                               // truncated header
		{0x32, 0x10, 0x00, 0xff, 0, 0, 0, 0}, // Create PDP header whose length exceeds the packet
		{0x32, 0x10, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0, 0}, // Create PDP with no IE at all
		bytes.Repeat([]byte{0x00}, 40),
		[]byte("hello"),
	} {
		u.Write(g)
	}
	u.Close()

	out := runSGSN(t, ctx, "--hlr", hlrAddr, "--ggsn", ggsnAddr, "--gtp", "127.0.0.1:0", "--transport", "tcp")
	checkStream(t, out)
	// Each piece of garbage was logged as a warning naming the peer.
	hl, gl := hlrLog.String(), ggsnLog.String()
	if n := strings.Count(hl, "WARN"); n < len(garbage) || !strings.Contains(hl, `"peer_addr": "127.0.0.1:`) {
		t.Errorf("HLR logged %d warnings for %d bad connections:\n%s", n, len(garbage), hl)
	}
	if !strings.Contains(gl, "malformed") || !strings.Contains(gl, "Mandatory IE missing (202)") || !strings.Contains(gl, `"peer": "127.0.0.1:`) {
		t.Errorf("GGSN log does not name the malformed packets and their peer:\n%s", gl)
	}
}

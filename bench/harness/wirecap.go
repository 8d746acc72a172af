package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// wireCapture records the side-by-side runs' GTP-C on the loopback device
// with dumpcap, so that each GGSN's answers are timed on the wire: from a
// Create PDP Context Request leaving sgsnemu's socket to its Response
// leaving the GGSN's, which is the GGSN's own time, free of how fast
// sgsnemu takes the answers in and prints them.
type wireCapture struct {
	file string
	cmd  *exec.Cmd
	done chan error
	note string // why there is no capture
}

// startWireCapture starts dumpcap on lo for GTP-C of the side-by-side
// addresses (127.30.0.0/24) and waits until it captures. Without dumpcap,
// or when it cannot capture (no permission), the note says so.
func startWireCapture(ctx context.Context, dir string) *wireCapture {
	w := &wireCapture{file: filepath.Join(dir, "sidebyside.pcap")}
	bin, err := exec.LookPath("dumpcap")
	if err != nil {
		w.note = "dumpcap is not installed (`make peers` installs it with tshark): answers not timed on the wire"
		return w
	}
	w.cmd = exec.CommandContext(ctx, bin, "-q", "-i", "lo", "-P", "-f", "udp port 2123 and net 127.30.0.0/24", "-w", w.file)
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := w.cmd.StderrPipe()
	if err != nil {
		w.note = err.Error()
		return w
	}
	if err := w.cmd.Start(); err != nil {
		w.note = "dumpcap: " + err.Error()
		return w
	}
	ready := make(chan bool, 1)
	var tail strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			if !said && strings.HasPrefix(sc.Text(), "Capturing on") {
				said = true
				ready <- true
			} else if tail.Len() == 0 {
				tail.WriteString(sc.Text()) // the first line says why
			}
		}
		if !said {
			ready <- false
		}
	}()
	w.done = make(chan error, 1)
	go func() { w.done <- w.cmd.Wait() }()
	select {
	case ok := <-ready:
		if ok {
			return w
		}
		<-w.done
		w.note = "dumpcap could not capture on lo: " + tail.String()
	case <-time.After(10 * time.Second):
		w.stop()
		w.note = "dumpcap did not start capturing within 10 s"
	}
	w.cmd = nil
	return w
}

// stop ends the capture. dumpcap takes packets from the kernel's ring in
// blocks, the last one after a timeout: a SIGINT right after the last
// packet would lose it, so stop waits first.
func (w *wireCapture) stop() {
	if w.cmd == nil || w.cmd.Process == nil {
		return
	}
	time.Sleep(2 * time.Second)
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
		<-w.done
	}
}

// gtpPacket is one GTP-C message seen on lo.
type gtpPacket struct {
	at       time.Time
	src, dst netip.Addr
	msgType  uint8
	seq      uint16
}

// readGTPCapture reads a classic pcap file of Ethernet frames (what Linux
// gives for lo) and returns the GTPv1-C messages with a sequence number in
// it, in capture order.
func readGTPCapture(file string) ([]gtpPacket, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var gh [24]byte
	if _, err := io.ReadFull(r, gh[:]); err != nil {
		return nil, fmt.Errorf("%s: pcap header: %w", file, err)
	}
	var order binary.ByteOrder
	nano := false
	switch binary.LittleEndian.Uint32(gh[0:4]) {
	case 0xa1b2c3d4:
		order = binary.LittleEndian
	case 0xa1b23c4d:
		order, nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		order = binary.BigEndian
	case 0x4d3cb2a1:
		order, nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%s: not a classic pcap file", file)
	}
	if lt := order.Uint32(gh[20:24]); lt != 1 {
		return nil, fmt.Errorf("%s: link type %d, want Ethernet (1)", file, lt)
	}
	var out []gtpPacket
	var rh [16]byte
	buf := make([]byte, 0, 65536)
	for {
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return out, nil // dumpcap stopped mid-record at worst
			}
			return out, err
		}
		sec, frac, n := order.Uint32(rh[0:4]), order.Uint32(rh[4:8]), order.Uint32(rh[8:12])
		if n > 1<<18 {
			return out, fmt.Errorf("%s: record of %d bytes", file, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return out, nil
		}
		ns := int64(frac) * 1000
		if nano {
			ns = int64(frac)
		}
		if p, ok := parseGTPFrame(buf); ok {
			p.at = time.Unix(int64(sec), ns)
			out = append(out, p)
		}
	}
}

// parseGTPFrame finds a GTPv1-C header with a sequence number in an
// Ethernet/IPv4/UDP frame.
func parseGTPFrame(b []byte) (gtpPacket, bool) {
	var p gtpPacket
	if len(b) < 14 || binary.BigEndian.Uint16(b[12:14]) != 0x0800 {
		return p, false
	}
	ip := b[14:]
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != 17 {
		return p, false
	}
	ihl := int(ip[0]&0x0f) * 4
	if len(ip) < ihl+8 {
		return p, false
	}
	p.src, p.dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
	g := ip[ihl+8:]
	if len(g) < 12 || g[0]>>5 != 1 || g[0]&0x02 == 0 { // version 1 with S flag
		return p, false
	}
	p.msgType, p.seq = g[1], binary.BigEndian.Uint16(g[8:10])
	return p, true
}

// wireTimes is a run's Create PDP Context exchanges seen on the wire.
type wireTimes struct {
	answer []time.Duration // each matched response's time after its request, sorted
	phase  time.Duration   // first request to last response
}

func (w wireTimes) quantile(q float64) time.Duration {
	if len(w.answer) == 0 {
		return 0
	}
	return w.answer[min(len(w.answer)-1, int(math.Floor(q*float64(len(w.answer)))))]
}

// createTimes matches the Create PDP Context Requests to ggsn and their
// responses from it, between from and to.
func createTimes(pkts []gtpPacket, ggsn netip.Addr, from, to time.Time) wireTimes {
	const createReq, createRes = 16, 17
	var w wireTimes
	sent := map[uint16]time.Time{}
	var first, last time.Time
	for _, p := range pkts {
		if p.at.Before(from) || p.at.After(to) {
			continue
		}
		switch {
		case p.msgType == createReq && p.dst == ggsn:
			if _, dup := sent[p.seq]; !dup { // a retransmission keeps the first
				sent[p.seq] = p.at
			}
			if first.IsZero() {
				first = p.at
			}
		case p.msgType == createRes && p.src == ggsn:
			if t, ok := sent[p.seq]; ok {
				w.answer = append(w.answer, p.at.Sub(t))
				delete(sent, p.seq)
				last = p.at
			}
		}
	}
	sort.Slice(w.answer, func(i, j int) bool { return w.answer[i] < w.answer[j] })
	if !first.IsZero() && !last.IsZero() {
		w.phase = last.Sub(first)
	}
	return w
}

// pooledAnswer is the median answer time over every exchange of runs, and
// how many exchanges it is of.
func pooledAnswer(runs []emuRun) (time.Duration, int) {
	var all []time.Duration
	for _, r := range runs {
		all = append(all, r.wire.answer...)
	}
	if len(all) == 0 {
		return 0, 0
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	return all[len(all)/2], len(all)
}

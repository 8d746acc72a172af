package main

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// frame is an Ethernet/IPv4/UDP frame carrying a GTPv1-C header with the S
// flag: type t, sequence seq.
func frame(src, dst string, t uint8, seq uint16) []byte {
	g := []byte{0x32, t, 0, 4, 0, 0, 0, 0, byte(seq >> 8), byte(seq), 0, 0}
	udp := make([]byte, 8, 8+len(g))
	binary.BigEndian.PutUint16(udp[0:], 2123)
	binary.BigEndian.PutUint16(udp[2:], 2123)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(g)))
	udp = append(udp, g...)
	ip := make([]byte, 20, 20+len(udp))
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(ip[12:], s[:])
	copy(ip[16:], d[:])
	ip = append(ip, udp...)
	eth := make([]byte, 12, 14+len(ip))
	eth = append(eth, 0x08, 0x00)
	return append(eth, ip...)
}

type rec struct {
	at time.Time
	b  []byte
}

// writePcap writes a classic little-endian microsecond pcap of Ethernet
// frames.
func writePcap(t *testing.T, recs []rec) string {
	t.Helper()
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 1)
	for _, r := range recs {
		var rh [16]byte
		binary.LittleEndian.PutUint32(rh[0:], uint32(r.at.Unix()))
		binary.LittleEndian.PutUint32(rh[4:], uint32(r.at.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(r.b)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(r.b)))
		h = append(append(h, rh[:]...), r.b...)
	}
	f := filepath.Join(t.TempDir(), "c.pcap")
	if err := os.WriteFile(f, h, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestCreateTimesOnTheWire(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	const core, emu, osmo, osmoEmu = "127.30.0.10", "127.30.0.11", "127.30.0.20", "127.30.0.21"
	recs := []rec{
		{at(0), frame(emu, core, 16, 1)},
		{at(10), frame(emu, core, 16, 2)},
		{at(40), frame(core, emu, 17, 1)},       // 40 us
		{at(1010), frame(emu, core, 16, 2)},     // retransmission: the first send counts
		{at(1100), frame(core, emu, 17, 2)},     // 1090 us
		{at(1200), frame(core, emu, 17, 9)},     // answer to nothing seen
		{at(1300), frame(emu, core, 1, 3)},      // an Echo Request is not a Create
		{at(1400), frame(osmoEmu, osmo, 16, 1)}, // the other GGSN
		{at(1500), frame(osmo, osmoEmu, 17, 1)},
		{at(5000), frame(emu, core, 16, 4)}, // outside the window
		{at(5100), frame(core, emu, 17, 4)},
	}
	f := writePcap(t, recs)
	pkts, err := readGTPCapture(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkts) != len(recs) {
		t.Fatalf("read %d GTP messages, want %d", len(pkts), len(recs))
	}
	if p := pkts[2]; p.msgType != 17 || p.seq != 1 || p.src.String() != core || !p.at.Equal(at(40)) {
		t.Fatalf("third message read as %+v", p)
	}
	w := createTimes(pkts, netip.MustParseAddr(core), at(0), at(2000))
	if len(w.answer) != 2 {
		t.Fatalf("answered %v, want 2", w.answer)
	}
	if w.answer[0] != 40*time.Microsecond || w.answer[1] != 1090*time.Microsecond {
		t.Fatalf("answer times %v, want [40µs 1.09ms]", w.answer)
	}
	if w.phase != 1100*time.Microsecond {
		t.Fatalf("phase %v, want 1.1ms", w.phase)
	}
	if q := w.quantile(0.9); q != 1090*time.Microsecond {
		t.Fatalf("90th percentile %v", q)
	}
	o := createTimes(pkts, netip.MustParseAddr(osmo), at(0), at(2000))
	if len(o.answer) != 1 || o.answer[0] != 100*time.Microsecond {
		t.Fatalf("osmo-ggsn's run: %+v", o)
	}
	med, n := pooledAnswer([]emuRun{{wire: w}, {wire: o}})
	if n != 3 || med != 100*time.Microsecond {
		t.Fatalf("pooled median %v over %d, want 100µs over 3", med, n)
	}
}

func TestReadGTPCaptureRefusesOtherFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x")
	os.WriteFile(f, make([]byte, 24), 0o600)
	if _, err := readGTPCapture(f); err == nil {
		t.Fatal("a file of zeros read as a capture")
	}
	if _, ok := parseGTPFrame([]byte{1, 2, 3}); ok {
		t.Fatal("three bytes parsed as a GTP frame")
	}
}

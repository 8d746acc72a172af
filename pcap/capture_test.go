package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/core-sim/core-sim/gtpc"
	"github.com/core-sim/core-sim/trace"
)

// packet is one record of a capture, as the test reads it back.
type packet struct {
	at       int64 // µs since 1970
	src, dst netip.AddrPort
	proto    uint8
	l4       []byte
}

// readCapture parses a capture the way a reader of the format would,
// checking the file header, the records, the Ethernet and IPv4 headers.
func readCapture(t *testing.T, b []byte) []packet {
	t.Helper()
	if len(b) < 24 {
		t.Fatalf("capture of %d bytes", len(b))
	}
	le := binary.LittleEndian
	if m, maj, min, snap, lt := le.Uint32(b), le.Uint16(b[4:]), le.Uint16(b[6:]), le.Uint32(b[16:]), le.Uint32(b[20:]); m != 0xa1b2c3d4 || maj != 2 || min != 4 || snap != snapLen || lt != 1 {
		t.Fatalf("file header % x", b[:24])
	}
	var out []packet
	for b = b[24:]; len(b) > 0; {
		if len(b) < 16 {
			t.Fatalf("record header cut: %d bytes", len(b))
		}
		sec, usec, incl, orig := le.Uint32(b), le.Uint32(b[4:]), int(le.Uint32(b[8:])), int(le.Uint32(b[12:]))
		if usec >= 1_000_000 || incl != orig || incl > len(b)-16 {
			t.Fatalf("record %d: usec %d incl %d orig %d left %d", len(out)+1, usec, incl, orig, len(b)-16)
		}
		f := b[16 : 16+incl]
		b = b[16+incl:]
		if len(f) < ethHeaderLen+ipHeaderLen || f[12] != 0x08 || f[13] != 0 {
			t.Fatalf("record %d: not Ethernet/IPv4: % x", len(out)+1, f[:min(len(f), 34)])
		}
		ip := f[ethHeaderLen:]
		if ip[0] != 0x45 || int(binary.BigEndian.Uint16(ip[2:])) != len(ip) || ip[6] != 0x40 || ip[8] != 64 {
			t.Fatalf("record %d: IPv4 header % x (frame %d bytes)", len(out)+1, ip[:20], len(f))
		}
		if c := fold(sum16(0, ip[:20])); c != 0 {
			t.Fatalf("record %d: IPv4 header checksum does not verify", len(out)+1)
		}
		src, dst := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		if !bytes.Equal(f[0:6], mac(nil, dst)) || !bytes.Equal(f[6:12], mac(nil, src)) {
			t.Fatalf("record %d: MACs % x for %v > %v", len(out)+1, f[:12], src, dst)
		}
		l4 := ip[20:]
		p := packet{at: int64(sec)*1_000_000 + int64(usec), proto: ip[9], l4: l4,
			src: netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4)), dst: netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:]))}
		switch p.proto {
		case protoUDP, protoTCP:
			var ph [12]byte
			copy(ph[:], ip[12:20])
			ph[9] = p.proto
			binary.BigEndian.PutUint16(ph[10:], uint16(len(l4)))
			if c := fold(sum16(sum16(0, ph[:]), l4)); c != 0 {
				t.Fatalf("record %d: %d checksum does not verify", len(out)+1, p.proto)
			}
			if p.proto == protoUDP && int(binary.BigEndian.Uint16(l4[4:])) != len(l4) {
				t.Fatalf("record %d: UDP length", len(out)+1)
			}
		case protoSCTP:
			cp := bytes.Clone(l4)
			sum := le.Uint32(cp[8:])
			clear(cp[8:12])
			if crc32c(cp) != sum {
				t.Fatalf("record %d: SCTP checksum %08x, want %08x", len(out)+1, sum, crc32c(cp))
			}
		default:
			t.Fatalf("record %d: protocol %d", len(out)+1, p.proto)
		}
		if n := len(out); n > 0 && p.at <= out[n-1].at {
			t.Fatalf("record %d: time %d not after %d", n+1, p.at, out[n-1].at)
		}
		out = append(out, p)
	}
	return out
}

// flow is what a test reads of one connection.
type flow struct {
	client  netip.AddrPort
	data    [2][]byte   // the bytes each side sent (0 the client)
	msgs    [2][][]byte // over SCTP: the messages each side sent
	closed  bool
	packets int
}

// checkTCP follows each TCP connection: handshake, sequence and
// acknowledgement numbers, window, close. It returns the flows by pair.
func checkTCP(t *testing.T, pkts []packet) map[pair]*flow {
	t.Helper()
	type state struct {
		f       *flow
		phase   int       // 0 SYN sent, 1 SYN-ACK sent, 2 established, 3.. closing
		nxt     [2]uint32 // next sequence number of each side
		lastAck [2]uint32 // last acknowledgement sent by each side
	}
	conns := map[pair]*state{}
	be := binary.BigEndian
	for i, p := range pkts {
		if p.proto != protoTCP {
			continue
		}
		seq, ack, hl, flags, win := be.Uint32(p.l4[4:]), be.Uint32(p.l4[8:]), int(p.l4[12]>>4)*4, p.l4[13], be.Uint16(p.l4[14:])
		payload := p.l4[hl:]
		if win != tcpWindow {
			t.Fatalf("packet %d: window %d", i+1, win)
		}
		k := pairOf(p.src, p.dst)
		s := conns[k]
		if s == nil {
			if flags != tcpSYN || hl != 24 || !bytes.Equal(p.l4[20:24], []byte{2, 4, 0x05, 0xb4}) {
				t.Fatalf("packet %d: connection opens with flags %02x header %d", i+1, flags, hl)
			}
			s = &state{f: &flow{client: p.src}}
			s.nxt[0] = seq + 1
			conns[k] = s
			s.f.packets++
			continue
		}
		s.f.packets++
		from := 0
		if p.src != s.f.client {
			from = 1
		}
		to := 1 - from
		if s.phase == 0 {
			if from != 1 || flags != tcpSYN|tcpACK || ack != s.nxt[0] || hl != 24 {
				t.Fatalf("packet %d: want SYN-ACK, got flags %02x ack %d", i+1, flags, ack)
			}
			s.nxt[1] = seq + 1
			s.lastAck[1] = ack
			s.phase = 1
			continue
		}
		if seq != s.nxt[from] {
			t.Fatalf("packet %d: seq %d, want %d", i+1, seq, s.nxt[from])
		}
		if flags&tcpACK == 0 || ack != s.nxt[to] {
			t.Fatalf("packet %d: flags %02x ack %d, want ACK of %d", i+1, flags, ack, s.nxt[to])
		}
		if len(payload) > mss {
			t.Fatalf("packet %d: %d bytes of payload", i+1, len(payload))
		}
		s.lastAck[from] = ack
		s.nxt[from] += uint32(len(payload))
		if s.nxt[from]-s.lastAck[to] >= tcpWindow {
			t.Fatalf("packet %d: %d bytes in flight", i+1, s.nxt[from]-s.lastAck[to])
		}
		s.f.data[from] = append(s.f.data[from], payload...)
		switch {
		case s.phase == 1:
			if from != 0 || flags != tcpACK || len(payload) != 0 {
				t.Fatalf("packet %d: want the handshake's ACK, got flags %02x", i+1, flags)
			}
			s.phase = 2
		case flags&tcpFIN != 0:
			if s.phase != 2+from || flags != tcpFIN|tcpACK || len(payload) != 0 {
				t.Fatalf("packet %d: FIN from side %d in phase %d", i+1, from, s.phase)
			}
			s.nxt[from]++
			s.phase++
		case s.phase == 4:
			if from != 0 || flags != tcpACK || len(payload) != 0 {
				t.Fatalf("packet %d: want the last ACK", i+1)
			}
			s.phase = 5
			s.f.closed = true
		case s.phase > 2:
			t.Fatalf("packet %d: data while closing", i+1)
		case len(payload) == 0 && flags != tcpACK:
			t.Fatalf("packet %d: empty segment with flags %02x", i+1, flags)
		}
	}
	out := map[pair]*flow{}
	for k, s := range conns {
		out[k] = s.f
	}
	return out
}

// checkSCTP follows each association: handshake and verification tags,
// TSNs, stream sequence numbers, SACKs, shutdown.
func checkSCTP(t *testing.T, pkts []packet) map[pair]*flow {
	t.Helper()
	type state struct {
		f       *flow
		phase   int // 0 INIT, 1 INIT-ACK, 2 COOKIE-ECHO, 3 established, 4.. shutting down
		tag     [2]uint32
		tsn     [2]uint32 // next TSN of each side
		ssn     [2]uint16
		partial [2][]byte
		sackDue [2]bool // side i must SACK next
	}
	conns := map[pair]*state{}
	be := binary.BigEndian
	for i, p := range pkts {
		if p.proto != protoSCTP {
			continue
		}
		vtag := be.Uint32(p.l4[4:])
		ch := p.l4[12:]
		if len(ch) < 4 || len(ch)%4 != 0 {
			t.Fatalf("packet %d: chunks of %d bytes", i+1, len(ch))
		}
		typ, flags, n := ch[0], ch[1], int(be.Uint16(ch[2:]))
		if (n+3)&^3 != len(ch) {
			t.Fatalf("packet %d: one chunk of %d bytes in %d", i+1, n, len(ch))
		}
		v := ch[4:n]
		k := pairOf(p.src, p.dst)
		s := conns[k]
		if s == nil {
			if typ != chunkINIT || vtag != 0 || n != 20 {
				t.Fatalf("packet %d: association opens with chunk %d vtag %x", i+1, typ, vtag)
			}
			s = &state{f: &flow{client: p.src}}
			s.tag[0], s.tsn[0] = be.Uint32(v), be.Uint32(v[12:])
			if s.tag[0] == 0 {
				t.Fatalf("packet %d: zero Initiate Tag", i+1)
			}
			conns[k] = s
			s.f.packets++
			continue
		}
		s.f.packets++
		from := 0
		if p.src != s.f.client {
			from = 1
		}
		to := 1 - from
		want := func(ph, f, ty int) {
			t.Helper()
			if s.phase != ph || from != f || int(typ) != ty {
				t.Fatalf("packet %d: chunk %d from side %d in phase %d, want chunk %d from %d in %d", i+1, typ, from, s.phase, ty, f, ph)
			}
			s.phase++
		}
		if s.phase > 0 && vtag != s.tag[to] {
			t.Fatalf("packet %d: verification tag %x, want %x", i+1, vtag, s.tag[to])
		}
		if s.sackDue[from] != (typ == chunkSACK) {
			t.Fatalf("packet %d: chunk %d; SACK due: %v", i+1, typ, s.sackDue[from])
		}
		switch {
		case s.phase == 0:
			want(0, 1, chunkINITACK)
			if vtag != s.tag[0] || n != 56 || be.Uint16(v[16:]) != paramStateCookie || be.Uint16(v[18:]) != 36 {
				t.Fatalf("packet %d: INIT-ACK % x", i+1, ch)
			}
			s.tag[1], s.tsn[1] = be.Uint32(v), be.Uint32(v[12:])
			s.f.data[1] = append(s.f.data[1], v[20:]...) // the cookie, removed below
		case s.phase == 1:
			want(1, 0, chunkCOOKIEECHO)
			if !bytes.Equal(v, s.f.data[1]) {
				t.Fatalf("packet %d: COOKIE-ECHO does not echo the cookie", i+1)
			}
			s.f.data[1] = nil
		case s.phase == 2:
			want(2, 1, chunkCOOKIEACK)
		case typ == chunkDATA:
			if s.phase != 3 || flags&^(dataFlagB|dataFlagE) != 0 || be.Uint32(v) != s.tsn[from] || be.Uint16(v[4:]) != 0 ||
				be.Uint16(v[6:]) != s.ssn[from] || be.Uint32(v[8:]) != ppidDiameter {
				t.Fatalf("packet %d: DATA flags %x % x, want TSN %d SSN %d", i+1, flags, v[:12], s.tsn[from], s.ssn[from])
			}
			if (flags&dataFlagB != 0) != (s.partial[from] == nil) {
				t.Fatalf("packet %d: B flag %v with %d bytes pending", i+1, flags&dataFlagB != 0, len(s.partial[from]))
			}
			s.partial[from] = append(append([]byte{}, s.partial[from]...), v[12:]...)
			if flags&dataFlagE != 0 {
				s.f.msgs[from] = append(s.f.msgs[from], s.partial[from])
				s.f.data[from] = append(s.f.data[from], s.partial[from]...)
				s.partial[from] = nil
				s.ssn[from]++
			}
			s.tsn[from]++
			s.sackDue[to] = true
		case typ == chunkSACK:
			if n != 16 || be.Uint32(v) != s.tsn[to]-1 || be.Uint32(v[4:]) != sctpRwnd || be.Uint32(v[8:]) != 0 {
				t.Fatalf("packet %d: SACK % x, want cumulative TSN %d", i+1, v, s.tsn[to]-1)
			}
			s.sackDue[from] = false
		case s.phase == 3:
			want(3, 0, chunkSHUTDOWN)
			if be.Uint32(v) != s.tsn[1]-1 {
				t.Fatalf("packet %d: SHUTDOWN acks %d, want %d", i+1, be.Uint32(v), s.tsn[1]-1)
			}
		case s.phase == 4:
			want(4, 1, chunkSHUTDOWNACK)
		case s.phase == 5:
			want(5, 0, chunkSHUTDOWNCOMPLETE)
			if flags != 0 {
				t.Fatalf("packet %d: SHUTDOWN-COMPLETE flags %x", i+1, flags)
			}
			s.f.closed = true
		default:
			t.Fatalf("packet %d: chunk %d after the shutdown", i+1, typ)
		}
	}
	out := map[pair]*flow{}
	for k, s := range conns {
		out[k] = s.f
	}
	return out
}

func write(t *testing.T, transport string, steps []trace.Step) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, transport)
	if err != nil {
		t.Fatal(err)
	}
	for i := range steps {
		w.Step(&steps[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCaptureStructure(t *testing.T) {
	for _, tc := range []struct {
		transport string
		apns      int
	}{{"tcp", 50}, {"sctp", 50}, {"tcp", 1200}, {"sctp", 1200}} {
		t.Run(fmt.Sprintf("%s/%d APNs", tc.transport, tc.apns), func(t *testing.T) {
			steps, want := scenario(t, tc.apns)
			pkts := readCapture(t, write(t, tc.transport, steps))
			var flows map[pair]*flow
			if tc.transport == "tcp" {
				flows = checkTCP(t, pkts)
			} else {
				flows = checkSCTP(t, pkts)
			}
			if len(flows) != len(want.bytes) {
				t.Fatalf("%d connections, want %d", len(flows), len(want.bytes))
			}
			for k, b := range want.bytes {
				f := flows[k]
				if f == nil {
					t.Fatalf("no connection %v", k)
				}
				if !f.closed {
					t.Errorf("%v: not closed", k)
				}
				for side := range 2 {
					if !bytes.Equal(f.data[side], b[side]) {
						t.Errorf("%v side %d: %d bytes sent, want %d", k, side, len(f.data[side]), len(b[side]))
					}
				}
			}
			var gtps []gtpc.MessageType
			for _, p := range pkts {
				if p.proto == protoUDP {
					if p.src.Port() != 2123 || p.dst.Port() != 2123 {
						t.Errorf("GTP between %v and %v", p.src, p.dst)
					}
					gtps = append(gtps, gtpc.MessageType(p.l4[9]))
				}
			}
			if fmt.Sprint(gtps) != fmt.Sprint(want.gtp) {
				t.Errorf("GTP messages %v, want %v", gtps, want.gtp)
			}
		})
	}
}

// TestSCTPMessages checks that each Diameter message is one DATA chunk
// with B|E when it fits in a packet, and is cut, not lost, when not.
func TestSCTPMessages(t *testing.T) {
	steps, _ := scenario(t, 1200)
	flows := checkSCTP(t, readCapture(t, write(t, "sctp", steps)))
	f := flows[pairOf(node1Diam, hlrAddr)]
	var sent [2][][]byte
	for _, s := range steps {
		if s.Protocol == trace.S6d && pairOf(s.Src, s.Dst) == pairOf(node1Diam, hlrAddr) {
			side := 0
			if s.Src == hlrAddr {
				side = 1
			}
			sent[side] = append(sent[side], s.Bytes)
		}
	}
	for side := range 2 {
		if len(f.msgs[side]) != len(sent[side]) {
			t.Fatalf("side %d: %d messages, want %d", side, len(f.msgs[side]), len(sent[side]))
		}
		for i := range sent[side] {
			if !bytes.Equal(f.msgs[side][i], sent[side][i]) {
				t.Errorf("side %d message %d differs", side, i)
			}
		}
	}
	if n := len(sent[1][1]); n <= maxSCTPData {
		t.Fatalf("the long ULA has %d bytes: not long enough to be cut", n)
	}
}

func TestNewWriterTransport(t *testing.T) {
	for _, bad := range []string{"", "udp", "TCP", "sctp "} {
		_, err := NewWriter(&bytes.Buffer{}, bad)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("NewWriter(%q): %v", bad, err)
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "tcp")
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 24 {
		t.Fatalf("file header of %d bytes", buf.Len())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if readCapture(t, buf.Bytes()) != nil {
		t.Fatal("an empty capture has packets")
	}
}

func TestSkipped(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := []byte{1, 2, 3, 4}
	steps := []trace.Step{
		{At: at, Kind: trace.Message, Protocol: trace.NAS, Src: node1GTP, Dst: ggsnGTP, Bytes: b},
		{At: at, Kind: trace.Note, Protocol: trace.Gn, Src: node1GTP, Dst: ggsnGTP, Bytes: b},
		{At: at, Kind: trace.Event, Protocol: trace.S6a, Src: node1Diam, Dst: hlrAddr, Bytes: b},
		{At: at, Kind: trace.Decision},
		{At: at, Kind: trace.Message, Protocol: trace.S6a, Src: node1Diam, Dst: hlrAddr}, // no bytes
		{At: at, Kind: trace.Message, Protocol: trace.Gn, Src: node1GTP, Dst: ggsnGTP, Bytes: b},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, "sctp")
	if err != nil {
		t.Fatal(err)
	}
	w.Step(nil)
	for i := range steps {
		w.Step(&steps[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Step(&steps[5]) // after Close: skipped
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if pkts := readCapture(t, buf.Bytes()); len(pkts) != 1 || pkts[0].proto != protoUDP {
		t.Fatalf("%d packets, want the one Gn datagram", len(pkts))
	}
}

func TestNotIPv4(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, "tcp")
	v6 := netip.MustParseAddrPort("[2001:db8::1]:3868")
	mapped := netip.AddrPortFrom(netip.AddrFrom16(netip.MustParseAddr("::ffff:127.0.0.1").As16()), 2123)
	w.Step(&trace.Step{Kind: trace.Message, Protocol: trace.S6a, Name: "Update-Location-Request", Src: node1Diam, Dst: v6, Bytes: []byte{1}})
	w.Step(&trace.Step{Kind: trace.Message, Protocol: trace.Gn, Name: "x", Src: mapped, Dst: ggsnGTP, Bytes: []byte{1}})
	w.Step(&trace.Step{Kind: trace.Message, Protocol: trace.Gn, Name: "y", Dst: ggsnGTP, Bytes: []byte{1}})
	err := w.Close()
	if err == nil || !strings.Contains(err.Error(), "Update-Location-Request") || !strings.Contains(err.Error(), "IPv4") {
		t.Fatalf("Close: %v", err)
	}
	if pkts := readCapture(t, buf.Bytes()); len(pkts) != 1 || pkts[0].src != netip.MustParseAddrPort("127.0.0.1:2123") {
		t.Fatalf("packets %+v, want the mapped address's datagram", pkts)
	}
}

func TestTimestamps(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	gn := func(t time.Time) trace.Step {
		return trace.Step{At: t, Kind: trace.Message, Protocol: trace.Gn, Src: node1GTP, Dst: ggsnGTP, Bytes: []byte{0x32, 1, 0, 4, 0, 0, 0, 0}}
	}
	dia := trace.Step{At: at.Add(time.Second), Kind: trace.Message, Protocol: trace.S6d, Src: node1Diam, Dst: hlrAddr, Bytes: make([]byte, 3000)}
	steps := []trace.Step{gn(at), gn(at), gn(at.Add(-time.Hour)), gn(at.Add(5 * time.Microsecond)), dia, gn(time.Time{})}
	pkts := readCapture(t, write(t, "tcp", steps))
	base := at.UnixMicro()
	s := base + 1_000_000
	want := []int64{base, base + 1, base + 2, base + 5,
		s, s + 1, s + 2, s + 3, s + 4, s + 5, // SYN, SYN-ACK, ACK, 3 segments
		s + 6,               // the zero time
		s + 7, s + 8, s + 9, // Close: FIN, FIN, ACK
	}
	var got []int64
	for _, p := range pkts {
		got = append(got, p.at)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("times\n got %v\nwant %v", got, want)
	}

	// Before 1970 and after 2106.
	steps = []trace.Step{gn(time.Unix(-5, 0)), gn(time.Unix(1<<40, 0)), gn(time.Unix(1<<40, 0))}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, "tcp")
	for i := range steps {
		w.Step(&steps[i])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()[24:]
	for i, want := range [][2]uint32{{0, 0}, {math.MaxUint32, 999_999}, {math.MaxUint32, 999_999}} {
		if sec, usec := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]); sec != want[0] || usec != want[1] {
			t.Errorf("packet %d at %d.%06d, want %d.%06d", i+1, sec, usec, want[0], want[1])
		}
		b = b[16+binary.LittleEndian.Uint32(b[8:]):]
	}
}

// failWriter fails once n bytes were written.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (f *failWriter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		n := f.n
		f.n = 0
		return n, errFull
	}
	f.n -= len(b)
	return len(b), nil
}

func TestWriteError(t *testing.T) {
	if _, err := NewWriter(&failWriter{n: 10}, "tcp"); !errors.Is(err, errFull) {
		t.Fatalf("NewWriter: %v", err)
	}
	steps, _ := scenario(t, 50)
	w, err := NewWriter(&failWriter{n: 5000}, "tcp")
	if err != nil {
		t.Fatal(err)
	}
	for i := range steps {
		w.Step(&steps[i])
	}
	if err := w.Flush(); !errors.Is(err, errFull) {
		t.Fatalf("Flush: %v", err)
	}
	if err := w.Close(); !errors.Is(err, errFull) {
		t.Fatalf("Close: %v", err)
	}
}

// TestConcurrent writes steps from many goroutines: each connection's
// packets stay consistent whatever the order.
func TestConcurrent(t *testing.T) {
	for _, transport := range []string{"tcp", "sctp"} {
		t.Run(transport, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, transport)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			for g := range 8 {
				node := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 1, byte(g + 1)}), uint16(40000+g))
				wg.Go(func() {
					for i := range 50 {
						s := trace.Step{At: at.Add(time.Duration(i) * time.Millisecond), Kind: trace.Message, Protocol: trace.S6a,
							Src: node, Dst: hlrAddr, Stream: fmt.Sprint(g), Bytes: make([]byte, 100+i*40)}
						if i%2 == 1 {
							s.Src, s.Dst = s.Dst, s.Src
						}
						w.Step(&s)
						w.Step(&trace.Step{At: s.At, Kind: trace.Message, Protocol: trace.Gn, Src: node, Dst: ggsnGTP, Bytes: []byte{1, 2, 3}})
					}
				})
			}
			wg.Wait()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			pkts := readCapture(t, buf.Bytes())
			var flows map[pair]*flow
			if transport == "tcp" {
				flows = checkTCP(t, pkts)
			} else {
				flows = checkSCTP(t, pkts)
			}
			if len(flows) != 8 {
				t.Fatalf("%d connections", len(flows))
			}
			for k, f := range flows {
				if !f.closed || len(f.data[0])+len(f.data[1]) != 50*100+40*49*50/2 {
					t.Errorf("%v: closed %v, %d+%d bytes", k, f.closed, len(f.data[0]), len(f.data[1]))
				}
			}
		})
	}
}

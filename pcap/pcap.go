// Package pcap writes the Diameter and GTP-C messages of a trace as a
// capture file that Wireshark and tshark open and decode as if the
// messages had been captured on a wire.
//
// A Writer is a trace.Sink. It keeps the steps that carry bytes — the
// S6a/S6d (Diameter) and Gn (GTPv1-C) messages between Step.Src and
// Step.Dst — and skips every other step (NAS messages, decisions, events,
// notes, and messages recorded without their encoding). What the capture
// holds:
//
//   - The file is a classic libpcap file (magic 0xa1b2c3d4, version 2.4,
//     written little-endian) with microsecond timestamps and link type
//     Ethernet (LINKTYPE_ETHERNET, 1), which every tool decodes. The MAC
//     addresses are made up but valid: locally administered unicast
//     02:00:a:b:c:d for the IPv4 address a.b.c.d, so that each element
//     keeps one MAC.
//   - Timestamps are the steps' virtual times (Step.At), in microseconds.
//     Every packet is at least 1 µs after the one before it: a packet whose
//     step is at the same time as the previous packet or earlier (steps
//     recorded concurrently, or the several packets one step makes: a TCP
//     handshake before the first message, segments, SACKs) is nudged to the
//     previous packet's time plus 1 µs. Times before 1970 count as 1970,
//     times after what a record holds (2106) as the last it holds.
//   - Packets are IPv4 (header checksum set, Don't Fragment, TTL 64, the
//     identification counting packets). Only IPv4 addresses are written: a
//     step with another address is skipped and reported by Close.
//   - A Gn message is one UDP datagram from Src to Dst with the UDP
//     checksum set (GTP-C travels on port 2123, which Wireshark decodes as
//     GTP without being told).
//   - Diameter messages travel over TCP or over SCTP, as NewWriter is told.
//     A connection is the pair of addresses of a Diameter connection
//     (Step.Stream names it; core-sim gives each serving node its own
//     address, so a stream and an address pair are the same thing, and a
//     capture cannot hold two open connections on one pair: steps of two
//     streams with one pair share a connection). The side that sends the
//     first message of a connection is the client and opens it just before
//     that message.
//   - Over TCP: SYN, SYN-ACK (both with an MSS option of 1460, no window
//     scaling, window 65535), ACK, then each message as segments of at
//     most 1460 bytes, the last with PSH|ACK, sequence and acknowledgement
//     numbers right in both directions, checksums set. The receiver sends
//     a pure ACK when the sender's unacknowledged bytes would otherwise
//     reach the window, so that no segment fills it. Wireshark decodes
//     Diameter over TCP on port 3868; on another port use Decode As
//     (tshark -d tcp.port==N,diameter).
//   - Over SCTP: INIT, INIT-ACK (with a State Cookie), COOKIE-ECHO,
//     COOKIE-ACK with the verification tags the handshake chose, then each
//     message as one DATA chunk (flags B|E, stream 0, stream sequence
//     numbers and TSNs counting per direction, PPID 46 for Diameter, which
//     Wireshark decodes on any port) followed by a SACK from the receiver,
//     so that nothing looks lost. A message too long for one IPv4 packet
//     (over 65484 bytes) is cut into several DATA chunks of one message,
//     each in its own packet and SACKed. The checksum is CRC-32C.
//   - Connections stay open until Close, which ends each at the last
//     packet's time: FIN|ACK, FIN|ACK, ACK over TCP; SHUTDOWN,
//     SHUTDOWN-ACK, SHUTDOWN-COMPLETE over SCTP.
//
// Initial sequence numbers, TSNs and verification tags are derived from
// the connection's addresses, so the same steps give the same file.
package pcap

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/core-sim/core-sim/trace"
)

const (
	linkTypeEthernet = 1
	snapLen          = 262144

	// mss is the TCP maximum segment size: longer Diameter messages are
	// sent in several segments.
	mss = 1460

	tcpWindow = 65535
	sctpRwnd  = 106496
	sctpIOS   = 10 // outbound and inbound streams announced by INIT and INIT-ACK

	// ppidDiameter is the SCTP payload protocol identifier of Diameter
	// (RFC 6733 2.1, IANA).
	ppidDiameter = 46

	ipHeaderLen   = 20
	ethHeaderLen  = 14
	maxIPPacket   = 65535
	maxUDPPayload = maxIPPacket - ipHeaderLen - 8
	// maxSCTPData is the longest DATA chunk payload that, padded, fits in
	// one IPv4 packet with the SCTP common header and DATA chunk header.
	maxSCTPData = (maxIPPacket - ipHeaderLen - 12 - 16) &^ 3

	maxMicros = math.MaxUint32*1_000_000 + 999_999
)

// TCP flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

// SCTP chunk types (RFC 9260 3.2).
const (
	chunkDATA             = 0
	chunkINIT             = 1
	chunkINITACK          = 2
	chunkSACK             = 3
	chunkSHUTDOWN         = 7
	chunkSHUTDOWNACK      = 8
	chunkCOOKIEECHO       = 10
	chunkCOOKIEACK        = 11
	chunkSHUTDOWNCOMPLETE = 14

	paramStateCookie = 7

	dataFlagE = 0x01
	dataFlagB = 0x02
)

// Writer writes a capture. It is a trace.Sink, safe for concurrent use.
// Its output is buffered: Close (or Flush) writes it out.
type Writer struct {
	mu     sync.Mutex
	bw     *bufio.Writer
	sctp   bool
	conns  map[pair]*conn
	order  []*conn // in the order they were opened, for Close
	last   int64   // the last packet's time, in µs since 1970; -1 before the first
	ipID   uint16
	err    error
	closed bool
	seg    []byte // scratch: the transport segment being built
	hdr    []byte // scratch: record, Ethernet and IPv4 headers
}

// pair is a connection's addresses, the lower first.
type pair struct{ lo, hi netip.AddrPort }

func pairOf(a, b netip.AddrPort) pair {
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return pair{a, b}
}

// conn is a Diameter connection. Side 0 is the client, side 1 the server;
// the arrays are indexed by side.
type conn struct {
	addr [2]netip.AddrPort
	// TCP
	nxt [2]uint32 // the next sequence number side i sends
	ack [2]uint32 // the last acknowledgement number side i sent
	// SCTP
	tag [2]uint32 // side i's Initiate Tag: the verification tag of the packets to side i
	tsn [2]uint32 // the next TSN side i sends
	ssn [2]uint16 // the next stream sequence number side i sends on stream 0
}

// NewWriter writes a capture file's header to w and returns a Writer of
// packets to it. diameter is how Diameter messages travel: "tcp" or
// "sctp".
func NewWriter(w io.Writer, diameter string) (*Writer, error) {
	var sctp bool
	switch diameter {
	case "tcp":
	case "sctp":
		sctp = true
	default:
		return nil, fmt.Errorf("pcap: Diameter transport %q: want tcp or sctp", diameter)
	}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4) // microsecond timestamps
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	// thiszone and sigfigs stay 0
	binary.LittleEndian.PutUint32(h[16:], snapLen)
	binary.LittleEndian.PutUint32(h[20:], linkTypeEthernet)
	if _, err := w.Write(h[:]); err != nil {
		return nil, fmt.Errorf("pcap: writing the file header: %w", err)
	}
	return &Writer{bw: bufio.NewWriterSize(w, 64<<10), sctp: sctp, conns: map[pair]*conn{}, last: -1}, nil
}

// Step writes the packets of s if it is an S6a, S6d or Gn message with
// bytes; it skips any other step, and every step after Close.
func (w *Writer) Step(s *trace.Step) {
	if s == nil || s.Kind != trace.Message || len(s.Bytes) == 0 {
		return
	}
	switch s.Protocol {
	case trace.S6a, trace.S6d, trace.Gn, trace.Diameter:
	default:
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	src, dst := unmap(s.Src), unmap(s.Dst)
	if !src.Addr().Is4() || !dst.Addr().Is4() {
		w.fail(fmt.Errorf("pcap: %s %q from %v to %v skipped: the capture holds IPv4 addresses only", s.Protocol, s.Name, s.Src, s.Dst))
		return
	}
	at := micros(s.At)
	if s.Protocol == trace.Gn {
		if len(s.Bytes) > maxUDPPayload {
			w.fail(fmt.Errorf("pcap: Gn %q skipped: %d bytes do not fit in a UDP datagram", s.Name, len(s.Bytes)))
			return
		}
		w.udp(at, src, dst, s.Bytes)
		return
	}
	c, from := w.conn(at, src, dst)
	if w.sctp {
		w.sctpMessage(at, c, from, s.Bytes)
	} else {
		w.tcpMessage(at, c, from, s.Bytes)
	}
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.bw.Flush(); err != nil {
		w.fail(fmt.Errorf("pcap: %w", err))
	}
	return w.err
}

// Close ends every connection at the last packet's time (TCP: FIN|ACK
// both ways and the last ACK; SCTP: SHUTDOWN, SHUTDOWN-ACK,
// SHUTDOWN-COMPLETE), in the order they were opened, and flushes. It
// returns the first error the Writer met: writing, or a step it could not
// write. It does not close the underlying io.Writer. Steps after Close are
// skipped; closing again returns the same error.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	for _, c := range w.order {
		if w.sctp {
			w.sctpShutdown(w.last, c)
		} else {
			w.tcpClose(w.last, c)
		}
	}
	if err := w.bw.Flush(); err != nil {
		w.fail(fmt.Errorf("pcap: %w", err))
	}
	return w.err
}

func (w *Writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func unmap(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// micros is t in µs since 1970, within what a pcap record holds.
func micros(t time.Time) int64 {
	if t.Before(time.Unix(0, 0)) {
		return 0
	}
	if t.After(time.Unix(math.MaxUint32, 999_999_000)) {
		return maxMicros
	}
	return t.UnixMicro()
}

// stamp is the time of the next packet of a step at µs: at least 1 µs
// after the previous packet (but no later than a record holds).
func (w *Writer) stamp(at int64) int64 {
	if w.last >= 0 && at <= w.last {
		at = min(w.last+1, maxMicros)
	}
	w.last = at
	return at
}

// conn finds or opens the connection between src and dst; from is src's
// side.
func (w *Writer) conn(at int64, src, dst netip.AddrPort) (*conn, int) {
	p := pairOf(src, dst)
	if c := w.conns[p]; c != nil {
		if c.addr[0] == src {
			return c, 0
		}
		return c, 1
	}
	c := &conn{addr: [2]netip.AddrPort{src, dst}}
	seed := newSeed(src, dst)
	w.conns[p] = c
	w.order = append(w.order, c)
	if w.sctp {
		c.tag[0], c.tag[1] = nonzero(seed.next()), nonzero(seed.next())
		c.tsn[0], c.tsn[1] = seed.next(), seed.next()
		w.sctpOpen(at, c, seed)
	} else {
		w.tcpOpen(at, c, seed.next(), seed.next())
	}
	return c, 0
}

// seed draws a connection's numbers from its addresses (FNV-1a, then
// splitmix64).
type seed uint64

func newSeed(a, b netip.AddrPort) *seed {
	h := uint64(14695981039346656037)
	for _, x := range []netip.AddrPort{a, b} {
		ip := x.Addr().As4()
		for _, c := range append(ip[:], byte(x.Port()>>8), byte(x.Port())) {
			h ^= uint64(c)
			h *= 1099511628211
		}
	}
	s := seed(h)
	return &s
}

func (s *seed) next() uint32 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return uint32((z ^ z>>31) >> 16)
}

func nonzero(v uint32) uint32 {
	if v == 0 {
		return 1
	}
	return v
}

// --- packets ---

// mac is the made-up MAC of an IPv4 address: 02:00 and the address.
func mac(b []byte, a netip.Addr) []byte {
	ip := a.As4()
	return append(b, 0x02, 0x00, ip[0], ip[1], ip[2], ip[3])
}

// emit writes one packet at µs: Ethernet, IPv4 from src to dst with
// protocol proto, and the transport segment l4 (its checksum set).
func (w *Writer) emit(at int64, src, dst netip.Addr, proto uint8, l4 []byte) {
	n := ethHeaderLen + ipHeaderLen + len(l4)
	b := w.hdr[:0]
	b = binary.LittleEndian.AppendUint32(b, uint32(at/1_000_000))
	b = binary.LittleEndian.AppendUint32(b, uint32(at%1_000_000))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = mac(b, dst)
	b = mac(b, src)
	b = append(b, 0x08, 0x00) // IPv4
	ip := len(b)
	w.ipID++
	b = append(b, 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(ipHeaderLen+len(l4)))
	b = binary.BigEndian.AppendUint16(b, w.ipID)
	b = append(b, 0x40, 0, 64, proto, 0, 0) // Don't Fragment, TTL 64
	s4, d4 := src.As4(), dst.As4()
	b = append(b, s4[:]...)
	b = append(b, d4[:]...)
	binary.BigEndian.PutUint16(b[ip+10:], ipv4Checksum(b[ip:]))
	w.hdr = b
	if _, err := w.bw.Write(b); err != nil {
		w.fail(fmt.Errorf("pcap: %w", err))
		return
	}
	if _, err := w.bw.Write(l4); err != nil {
		w.fail(fmt.Errorf("pcap: %w", err))
	}
}

// udp writes a datagram.
func (w *Writer) udp(at int64, src, dst netip.AddrPort, payload []byte) {
	b := w.seg[:0]
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0)
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[6:], transportChecksum(src.Addr().As4(), dst.Addr().As4(), protoUDP, b))
	w.seg = b
	w.emit(w.stamp(at), src.Addr(), dst.Addr(), protoUDP, b)
}

// --- TCP ---

// tcp writes a segment from side from of c, acknowledging everything the
// other side sent (when flags has ACK).
func (w *Writer) tcp(at int64, c *conn, from int, flags uint8, payload []byte) {
	to := 1 - from
	src, dst := c.addr[from], c.addr[to]
	var ack uint32
	if flags&tcpACK != 0 {
		ack = c.nxt[to]
		c.ack[from] = ack
	}
	hlen := 20
	if flags&tcpSYN != 0 {
		hlen = 24 // MSS option
	}
	b := w.seg[:0]
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint32(b, c.nxt[from])
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, byte(hlen/4)<<4, flags)
	b = binary.BigEndian.AppendUint16(b, tcpWindow)
	b = append(b, 0, 0, 0, 0) // checksum, urgent pointer
	if flags&tcpSYN != 0 {
		b = append(b, 2, 4, mss>>8, mss&0xff)
	}
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[16:], transportChecksum(src.Addr().As4(), dst.Addr().As4(), protoTCP, b))
	w.seg = b
	c.nxt[from] += uint32(len(payload))
	if flags&(tcpSYN|tcpFIN) != 0 {
		c.nxt[from]++
	}
	w.emit(w.stamp(at), src.Addr(), dst.Addr(), protoTCP, b)
}

func (w *Writer) tcpOpen(at int64, c *conn, isn0, isn1 uint32) {
	c.nxt[0], c.nxt[1] = isn0, isn1
	w.tcp(at, c, 0, tcpSYN, nil)
	w.tcp(at, c, 1, tcpSYN|tcpACK, nil)
	w.tcp(at, c, 0, tcpACK, nil)
}

// tcpMessage sends msg from side from in segments of at most mss bytes.
func (w *Writer) tcpMessage(at int64, c *conn, from int, msg []byte) {
	to := 1 - from
	for off := 0; off < len(msg); {
		n := min(mss, len(msg)-off)
		// Keep the bytes in flight below the receiver's window.
		if c.nxt[from]-c.ack[to]+uint32(n) >= tcpWindow {
			w.tcp(at, c, to, tcpACK, nil)
		}
		flags := uint8(tcpACK)
		if off+n == len(msg) {
			flags |= tcpPSH
		}
		w.tcp(at, c, from, flags, msg[off:off+n])
		off += n
	}
}

func (w *Writer) tcpClose(at int64, c *conn) {
	w.tcp(at, c, 0, tcpFIN|tcpACK, nil)
	w.tcp(at, c, 1, tcpFIN|tcpACK, nil)
	w.tcp(at, c, 0, tcpACK, nil)
}

// --- SCTP ---

// chunk appends a chunk's header for a value of n bytes; the caller
// appends the value, then pad.
func chunk(b []byte, typ, flags uint8, n int) []byte {
	b = append(b, typ, flags)
	return binary.BigEndian.AppendUint16(b, uint16(4+n))
}

// pad pads b to a multiple of 4 bytes (chunks start on 4-byte boundaries;
// the SCTP packet starts at offset 0 of b).
func pad(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// sctpHeader starts a packet from side from of c to the other side.
func (w *Writer) sctpHeader(c *conn, from int, vtag uint32) []byte {
	b := w.seg[:0]
	b = binary.BigEndian.AppendUint16(b, c.addr[from].Port())
	b = binary.BigEndian.AppendUint16(b, c.addr[1-from].Port())
	b = binary.BigEndian.AppendUint32(b, vtag)
	return append(b, 0, 0, 0, 0)
}

// sctpSend sets the checksum of the packet b and writes it.
func (w *Writer) sctpSend(at int64, c *conn, from int, b []byte) {
	putSCTPChecksum(b)
	w.seg = b
	w.emit(w.stamp(at), c.addr[from].Addr(), c.addr[1-from].Addr(), protoSCTP, b)
}

// initChunk appends an INIT or INIT-ACK chunk of side.
func initChunk(b []byte, typ uint8, c *conn, side int, params []byte) []byte {
	b = chunk(b, typ, 0, 16+len(params))
	b = binary.BigEndian.AppendUint32(b, c.tag[side])
	b = binary.BigEndian.AppendUint32(b, sctpRwnd)
	b = binary.BigEndian.AppendUint16(b, sctpIOS)
	b = binary.BigEndian.AppendUint16(b, sctpIOS)
	b = binary.BigEndian.AppendUint32(b, c.tsn[side])
	return pad(append(b, params...))
}

func (w *Writer) sctpOpen(at int64, c *conn, s *seed) {
	cookie := make([]byte, 0, 32)
	for range 8 {
		cookie = binary.BigEndian.AppendUint32(cookie, s.next())
	}
	param := binary.BigEndian.AppendUint16(nil, paramStateCookie)
	param = binary.BigEndian.AppendUint16(param, uint16(4+len(cookie)))
	param = append(param, cookie...)

	w.sctpSend(at, c, 0, initChunk(w.sctpHeader(c, 0, 0), chunkINIT, c, 0, nil))
	w.sctpSend(at, c, 1, initChunk(w.sctpHeader(c, 1, c.tag[0]), chunkINITACK, c, 1, param))
	b := chunk(w.sctpHeader(c, 0, c.tag[1]), chunkCOOKIEECHO, 0, len(cookie))
	w.sctpSend(at, c, 0, pad(append(b, cookie...)))
	w.sctpSend(at, c, 1, chunk(w.sctpHeader(c, 1, c.tag[0]), chunkCOOKIEACK, 0, 0))
}

// sctpMessage sends msg from side from as one DATA chunk (several if it
// does not fit in one IPv4 packet), each SACKed by the other side.
func (w *Writer) sctpMessage(at int64, c *conn, from int, msg []byte) {
	to := 1 - from
	ssn := c.ssn[from]
	c.ssn[from]++
	for off := 0; off < len(msg); {
		n := min(maxSCTPData, len(msg)-off)
		var flags uint8
		if off == 0 {
			flags |= dataFlagB
		}
		if off+n == len(msg) {
			flags |= dataFlagE
		}
		b := chunk(w.sctpHeader(c, from, c.tag[to]), chunkDATA, flags, 12+n)
		b = binary.BigEndian.AppendUint32(b, c.tsn[from])
		b = binary.BigEndian.AppendUint16(b, 0) // stream
		b = binary.BigEndian.AppendUint16(b, ssn)
		b = binary.BigEndian.AppendUint32(b, ppidDiameter)
		b = pad(append(b, msg[off:off+n]...))
		c.tsn[from]++
		w.sctpSend(at, c, from, b)

		b = chunk(w.sctpHeader(c, to, c.tag[from]), chunkSACK, 0, 12)
		b = binary.BigEndian.AppendUint32(b, c.tsn[from]-1) // cumulative TSN ack
		b = binary.BigEndian.AppendUint32(b, sctpRwnd)
		b = append(b, 0, 0, 0, 0) // no gap ack blocks, no duplicate TSNs
		w.sctpSend(at, c, to, b)
		off += n
	}
}

func (w *Writer) sctpShutdown(at int64, c *conn) {
	b := chunk(w.sctpHeader(c, 0, c.tag[1]), chunkSHUTDOWN, 0, 4)
	w.sctpSend(at, c, 0, binary.BigEndian.AppendUint32(b, c.tsn[1]-1))
	w.sctpSend(at, c, 1, chunk(w.sctpHeader(c, 1, c.tag[0]), chunkSHUTDOWNACK, 0, 0))
	w.sctpSend(at, c, 0, chunk(w.sctpHeader(c, 0, c.tag[1]), chunkSHUTDOWNCOMPLETE, 0, 0))
}

//go:build linux && (amd64 || arm64)

package gtpc

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux an endpoint reads datagrams in batches: recvmmsg(2) takes every
// datagram waiting (up to batchSize) in one system call, and the answers
// the reading goroutine makes of them (all of an Inline server's) leave
// together by sendmmsg(2). Under load most of a GTP-C exchange's cost is
// system calls and the wake-ups behind them, not the messages.

// batchSize is the most datagrams one call reads or writes.
const batchSize = 32

// slotSize is the room for each datagram read in a batch. GTP-C messages
// are a few hundred octets (TS 29.060 keeps them within a path's MTU); a
// longer datagram is cut short, seen as such (MSG_TRUNC) and counted as
// malformed.
const slotSize = 8 << 10

// mmsghdr is struct mmsghdr of <sys/socket.h>.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// sockaddr has room for the addresses of both families.
type sockaddr struct {
	raw unix.RawSockaddrInet6 // or a RawSockaddrInet4 at its start
	_   [4]byte
}

// batcher reads and writes an endpoint's socket in batches, on the
// endpoint's reading goroutine.
type batcher struct {
	mwriter

	rhdr   [batchSize]mmsghdr
	riov   [batchSize]unix.Iovec
	rname  [batchSize]sockaddr
	rbuf   []byte // batchSize slots of slotSize
	rerrno syscall.Errno
	rn     int
}

// mwriter sends datagrams to an endpoint's socket in batches of up to
// batchSize, for one goroutine at a time.
type mwriter struct {
	rc syscall.RawConn

	whdr   [batchSize]mmsghdr
	wiov   [batchSize]unix.Iovec
	wname  [batchSize]sockaddr
	werrno syscall.Errno
	wn     int
	wsent  int
}

func newBatcher(c *net.UDPConn) *batcher {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	b := &batcher{mwriter: mwriter{rc: rc}, rbuf: make([]byte, batchSize*slotSize)}
	for i := range b.rhdr {
		b.riov[i] = unix.Iovec{Base: &b.rbuf[i*slotSize], Len: slotSize}
		b.rhdr[i].hdr.Iov = &b.riov[i]
		b.rhdr[i].hdr.Iovlen = 1
		b.rhdr[i].hdr.Name = (*byte)(unsafe.Pointer(&b.rname[i]))
	}
	b.mwriter.init()
	return b
}

func newMWriter(c *net.UDPConn) *mwriter {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	w := &mwriter{rc: rc}
	w.init()
	return w
}

func (w *mwriter) init() {
	for i := range w.whdr {
		w.whdr[i].hdr.Iov = &w.wiov[i]
		w.whdr[i].hdr.Iovlen = 1
		w.whdr[i].hdr.Name = (*byte)(unsafe.Pointer(&w.wname[i]))
	}
}

// read waits for datagrams and reads those waiting, at least one.
func (b *batcher) read() (int, error) {
	for i := range b.rhdr {
		b.rhdr[i].hdr.Namelen = uint32(unsafe.Sizeof(sockaddr{}))
		b.rhdr[i].hdr.Flags = 0
		b.rhdr[i].n = 0
	}
	err := b.rc.Read(b.recv)
	if err != nil {
		return 0, err
	}
	if b.rerrno != 0 {
		return 0, b.rerrno
	}
	return b.rn, nil
}

func (b *batcher) recv(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.rhdr[0])), batchSize, unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		return false // wait until readable
	}
	b.rn, b.rerrno = int(n), errno
	return true
}

// datagram is the i-th datagram of the last read, its sender, and whether
// it was cut short.
func (b *batcher) datagram(i int) ([]byte, netip.AddrPort, bool) {
	h := &b.rhdr[i]
	d := b.rbuf[i*slotSize : i*slotSize+int(min(h.n, slotSize))]
	return d, sockaddrPort(&b.rname[i], h.hdr.Namelen), h.hdr.Flags&unix.MSG_TRUNC != 0
}

func sockaddrPort(sa *sockaddr, n uint32) netip.AddrPort {
	switch sa.raw.Family {
	case unix.AF_INET:
		if n < uint32(unsafe.Sizeof(unix.RawSockaddrInet4{})) {
			return netip.AddrPort{}
		}
		s4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa.raw))
		return netip.AddrPortFrom(netip.AddrFrom4(s4.Addr), ntohs(s4.Port))
	case unix.AF_INET6:
		if n < uint32(unsafe.Sizeof(unix.RawSockaddrInet6{})) {
			return netip.AddrPort{}
		}
		return netip.AddrPortFrom(netip.AddrFrom16(sa.raw.Addr).Unmap(), ntohs(sa.raw.Port))
	}
	return netip.AddrPort{}
}

// ntohs reads a port as the system writes it, in network order.
func ntohs(p uint16) uint16 { return binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&p))[:]) }

// htons writes a port in network order.
func htons(p uint16) (n uint16) {
	binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&n))[:], p)
	return n
}

// add queues datagram d to peer for the next flush; false when the batch
// is full (flush first). An IPv4 peer is written as such even on an IPv6
// (wildcard) socket, which Linux takes as its mapped address.
func (b *mwriter) add(d []byte, peer netip.AddrPort) bool {
	if b.wn == batchSize {
		return false
	}
	i := b.wn
	sa := &b.wname[i]
	*sa = sockaddr{}
	if a := peer.Addr().Unmap(); a.Is4() {
		s4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sa.raw))
		s4.Family, s4.Port, s4.Addr = unix.AF_INET, htons(peer.Port()), a.As4()
		b.whdr[i].hdr.Namelen = uint32(unsafe.Sizeof(unix.RawSockaddrInet4{}))
	} else {
		sa.raw.Family, sa.raw.Port, sa.raw.Addr = unix.AF_INET6, htons(peer.Port()), a.As16()
		b.whdr[i].hdr.Namelen = uint32(unsafe.Sizeof(unix.RawSockaddrInet6{}))
	}
	b.wiov[i] = unix.Iovec{Base: unsafe.SliceData(d), Len: uint64(len(d))}
	b.wn++
	return true
}

// flush sends the queued datagrams: a datagram the system refuses (its
// peer unreachable, say) is skipped, as a lone send would fail alone. It
// returns how many left and the first refusal.
func (b *mwriter) flush() (int, error) {
	defer b.clearWrites()
	var first error
	sent, at := 0, 0
	for at < b.wn {
		b.wsent, b.werrno = at, 0
		if err := b.rc.Write(b.send); err != nil {
			return sent, err // the socket is closed
		}
		if b.werrno != 0 {
			if first == nil {
				first = fmt.Errorf("to %v: %w", sockaddrPort(&b.wname[at], b.whdr[at].hdr.Namelen), b.werrno)
			}
			at++
			continue
		}
		sent += b.wsent - at
		at = b.wsent
	}
	return sent, first
}

func (b *mwriter) send(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.whdr[b.wsent])), uintptr(b.wn-b.wsent), unix.MSG_DONTWAIT, 0, 0)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		return false
	}
	if errno != 0 {
		b.werrno = errno
		return true
	}
	b.wsent += int(n)
	return true
}

func (b *mwriter) clearWrites() {
	for i := range b.wn {
		b.wiov[i] = unix.Iovec{} // no datagram kept alive past its send
	}
	b.wn = 0
}

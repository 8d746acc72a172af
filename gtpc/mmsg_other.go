//go:build !linux || !(amd64 || arm64)

package gtpc

import (
	"net"
	"net/netip"
)

// batcher is Linux's batched reads and writes (on amd64 and arm64, where its
// structures are laid out as the kernel's); elsewhere an endpoint reads
// and writes a datagram at a time.
type batcher struct{}

// mwriter is Linux's batched writes; elsewhere each datagram is sent alone.
type mwriter struct{}

const slotSize = 0

func newBatcher(*net.UDPConn) *batcher                       { return nil }
func isV6(*net.UDPConn) bool                                 { return false }
func (*batcher) read() (int, error)                          { return 0, net.ErrClosed }
func (*batcher) datagram(int) ([]byte, netip.AddrPort, bool) { return nil, netip.AddrPort{}, false }
func (*batcher) add([]byte, netip.AddrPort) bool             { return false }
func (*batcher) flush() (int, error)                         { return 0, nil }
func newMWriter(*net.UDPConn) *mwriter                       { return nil }
func (*mwriter) add([]byte, netip.AddrPort) bool             { return false }
func (*mwriter) flush() (int, error)                         { return 0, nil }

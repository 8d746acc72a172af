//go:build !linux

package gtpc

import "net"

// setBuffers sizes the socket buffers, as far as the system allows.
func setBuffers(c *net.UDPConn, n int) {
	_ = c.SetReadBuffer(n)
	_ = c.SetWriteBuffer(n)
}

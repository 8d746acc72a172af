package gtpc

import (
	"net"
	"syscall"
)

// setBuffers sizes the socket buffers. As root, SO_RCVBUFFORCE goes past
// net.core.rmem_max, which otherwise caps the buffer (212 KiB by default)
// and loses bursts such as sgsnemu's; without the privilege it falls back
// to the capped size.
func setBuffers(c *net.UDPConn, n int) {
	forced := false
	if rc, err := c.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			forced = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n) == nil &&
				syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUFFORCE, n) == nil
		})
	}
	if !forced {
		_ = c.SetReadBuffer(n)
		_ = c.SetWriteBuffer(n)
	}
}

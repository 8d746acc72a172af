//go:build linux && (amd64 || arm64)

package gtpc

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"
)

// Senders sharing an endpoint's queue: every datagram arrives once, each
// sender's in the order it sent them, and all are counted as sent.
func TestSendQueueConcurrentSenders(t *testing.T) {
	e, err := Listen("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.out == nil {
		t.Fatal("no send queue on Linux")
	}
	dst, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	dst.SetReadBuffer(8 << 20)
	to := dst.LocalAddr().(*net.UDPAddr).AddrPort()
	const senders, each = 16, 200
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d [8]byte
			for i := range each {
				binary.BigEndian.PutUint32(d[:4], uint32(s))
				binary.BigEndian.PutUint32(d[4:], uint32(i))
				e.send(d[:], to) // d is reused at once: the queue keeps a copy
			}
		}()
	}
	next := make([]uint32, senders)
	buf := make([]byte, 64)
	for range senders * each {
		dst.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := dst.ReadFromUDPAddrPort(buf)
		if err != nil || n != 8 {
			t.Fatalf("read %d bytes: %v", n, err)
		}
		s, i := binary.BigEndian.Uint32(buf[:4]), binary.BigEndian.Uint32(buf[4:8])
		if s >= senders || i != next[s] {
			t.Fatalf("sender %d's datagram %d arrived, want its %d", s, i, next[s])
		}
		next[s]++
	}
	wg.Wait()
	// The last batch is counted once its system call returns, which may
	// be just after its datagrams were read here.
	for deadline := time.Now().Add(2 * time.Second); e.Stats().Sent != senders*each && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if got := e.Stats().Sent; got != senders*each {
		t.Errorf("sent %d, want %d", got, senders*each)
	}
}

//go:build linux && (amd64 || arm64)

package gtpc

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// A burst of requests is read and answered in batches: every one gets its
// own answer (its sequence number), to the peer that sent it.
func TestBatchedBurst(t *testing.T) {
	for _, inline := range []bool{true, false} {
		srv := listen(t, Config{Handler: &fakeHandler{}, Recovery: 9, Inline: inline})
		peers := []*rawPeer{newRawPeer(t, srv.LocalAddr()), newRawPeer(t, srv.LocalAddr())}
		const n = 200 // several batches, within the socket buffers
		for seq := range uint16(n) {
			b, err := Marshal(testRequest("26201000000"+string(rune('0'+seq%10))+"123"), seq)
			if err != nil {
				t.Fatal(err)
			}
			peers[seq%2].send(b)
		}
		for i, p := range peers {
			seen := map[uint16]bool{}
			for range n / 2 {
				r := p.recv(5 * time.Second)
				h, m, err := Decode(r)
				if err != nil {
					t.Fatalf("inline %v peer %d: answer %x: %v (after %d answers)", inline, i, r, err, len(seen))
				}
				if h.Sequence%2 != uint16(i) || seen[h.Sequence] || m.(*CreatePDPContextResponse).Cause != CauseRequestAccepted {
					t.Fatalf("inline %v peer %d: answer seq %d (seen before: %v), %+v", inline, i, h.Sequence, seen[h.Sequence], m)
				}
				seen[h.Sequence] = true
			}
		}
		if s := srv.Stats(); s.Received != n || s.Malformed != 0 || s.Dropped != 0 {
			t.Fatalf("inline %v: server stats %+v", inline, s)
		}
	}
}

// A datagram longer than a batch's slot is counted as malformed and
// dropped; the server goes on answering.
func TestBatchedOversizedDatagram(t *testing.T) {
	srv := listen(t, Config{Handler: &fakeHandler{}, Recovery: 4, Inline: true})
	p := newRawPeer(t, srv.LocalAddr())
	valid, _ := Marshal(testRequest("262011234567890"), 7)
	huge := append(append([]byte(nil), valid...), make([]byte, slotSize)...)
	p.send(huge)
	if r := p.recv(200 * time.Millisecond); r != nil {
		t.Fatalf("oversized datagram answered: %x", r[:min(len(r), 16)])
	}
	cli := listen(t, Config{})
	if rec, err := cli.Echo(ctxT(t), srv.LocalAddr()); err != nil || rec != 4 {
		t.Fatalf("after the oversized datagram: Echo = %d, %v", rec, err)
	}
	if s := srv.Stats(); s.Malformed != 1 || s.Received != 2 {
		t.Fatalf("server stats %+v", s)
	}
}

// A wildcard listener is an IPv6 socket: its batches read IPv4 peers as
// mapped addresses and answer them, and IPv6 peers.
func TestBatchedDualStack(t *testing.T) {
	srv, err := Listen("[::]:0", Config{Handler: &fakeHandler{}, Recovery: 5, Inline: true})
	if err != nil {
		t.Skipf("no IPv6 socket here: %v", err)
	}
	defer srv.Close()
	port := srv.LocalAddr().Port()
	for _, addr := range []string{"127.0.0.1", "::1"} {
		cli, err := Listen(net.JoinHostPort(addr, "0"), Config{})
		if err != nil {
			t.Fatal(err)
		}
		to := netip.AddrPortFrom(netip.MustParseAddr(addr), port)
		if rec, err := cli.Echo(ctxT(t), to); err != nil || rec != 5 {
			t.Fatalf("%s: Echo = %d, %v", addr, rec, err)
		}
		res, err := cli.CreatePDPContext(ctxT(t), to, testRequest("262011234567890"))
		if err != nil || res.Cause != CauseRequestAccepted {
			t.Fatalf("%s: Create = %+v, %v", addr, res, err)
		}
		cli.Close()
	}
}

// A batch's datagram that the system refuses is skipped; those after it
// still leave, and the refusal is reported.
func TestBatchSkipsRefusedDatagram(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	to := dst.LocalAddr().(*net.UDPAddr).AddrPort()
	b := newBatcher(c)
	b.add([]byte("one"), to)
	b.add([]byte("bad"), netip.MustParseAddrPort("[2001:db8::1]:2123")) // no IPv6 on an IPv4 socket
	b.add([]byte("two"), to)
	sent, err := b.flush()
	if sent != 2 || err == nil {
		t.Fatalf("flush = %d, %v; want 2 sent and the refusal", sent, err)
	}
	buf := make([]byte, 16)
	for _, want := range []string{"one", "two"} {
		dst.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := dst.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("got %q, %v; want %q", buf[:n], err, want)
		}
	}
	// Emptied: the next flush sends nothing.
	if sent, err := b.flush(); sent != 0 || err != nil {
		t.Fatalf("second flush = %d, %v", sent, err)
	}
}

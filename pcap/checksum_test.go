package pcap

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInternetChecksum(t *testing.T) {
	// RFC 1071 1.: the sum of 0001 f203 f4f5 f6f7 is ddf2 once folded.
	if c := fold(sum16(0, unhex(t, "0001f203f4f5f6f7"))); c != ^uint16(0xddf2) {
		t.Errorf("RFC 1071 example: %04x, want %04x", c, ^uint16(0xddf2))
	}
	// An odd length is padded with a zero byte.
	if a, b := fold(sum16(0, []byte{1, 2, 3})), fold(sum16(0, []byte{1, 2, 3, 0})); a != b {
		t.Errorf("odd length: %04x, want %04x", a, b)
	}
}

func TestIPv4Checksum(t *testing.T) {
	// The usual example: 192.168.0.1 to 192.168.0.199, UDP, 115 bytes.
	h := unhex(t, "450000730000400040110000c0a80001c0a800c7")
	if c := ipv4Checksum(h); c != 0xb861 {
		t.Fatalf("checksum %04x, want b861", c)
	}
	binary.BigEndian.PutUint16(h[10:], 0xb861)
	if c := ipv4Checksum(h); c != 0 {
		t.Fatalf("a header with its checksum sums to %04x, want 0", c)
	}
}

func TestTransportChecksum(t *testing.T) {
	src, dst, hlr := [4]byte{127, 0, 0, 21}, [4]byte{127, 0, 0, 31}, [4]byte{127, 0, 0, 11}
	// UDP 127.0.0.21:2123 > 127.0.0.31:2123, 3 bytes of payload (odd).
	udp := unhex(t, "084b084b000b0000010203")
	if c := transportChecksum(src, dst, protoUDP, udp); c != 0xed0b {
		t.Errorf("UDP checksum %04x, want ed0b", c)
	}
	// TCP SYN 127.0.0.21:38612 > 127.0.0.11:3868 with an MSS option.
	syn := unhex(t, "96d40f1c01020304000000006002ffff00000000020405b4")
	if c := transportChecksum(src, hlr, protoTCP, syn); c != 0xf00f {
		t.Errorf("TCP checksum %04x, want f00f", c)
	}
	// Put in place, the checksum verifies: the pseudo-header and the
	// segment sum to zero.
	binary.BigEndian.PutUint16(syn[16:], 0xf00f)
	if c := transportChecksum(src, hlr, protoTCP, syn); c != 0 {
		t.Errorf("TCP segment with its checksum sums to %04x", c)
	}

	// A UDP checksum that computes to 0 is sent as ffff (0 means none); a
	// TCP one stays 0.
	for _, proto := range []uint8{protoUDP, protoTCP} {
		seg := append(bytes.Clone(udp[:8]), 0x12, 0x34, 0, 0)
		binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
		var ph [12]byte
		copy(ph[:], src[:])
		copy(ph[4:], dst[:])
		ph[9] = proto
		binary.BigEndian.PutUint16(ph[10:], uint16(len(seg)))
		sum := ^fold(sum16(sum16(0, ph[:]), seg))  // the folded sum, not complemented
		binary.BigEndian.PutUint16(seg[10:], ^sum) // makes the sum ffff: checksum 0
		want := uint16(0)
		if proto == protoUDP {
			want = 0xffff
		}
		if c := transportChecksum(src, dst, proto, seg); c != want {
			t.Errorf("protocol %d: zero checksum sent as %04x, want %04x", proto, c, want)
		}
	}
}

func TestCRC32c(t *testing.T) {
	asc, desc := make([]byte, 32), make([]byte, 32)
	for i := range 32 {
		asc[i], desc[i] = byte(i), byte(31-i)
	}
	for _, tt := range []struct {
		name string
		in   []byte
		want uint32
	}{
		{"123456789", []byte("123456789"), 0xe3069283}, // the CRC catalogue's check value
		// RFC 3720 B.4
		{"32 zeros", make([]byte, 32), 0x8a9136aa},
		{"32 ones", bytes.Repeat([]byte{0xff}, 32), 0x62a8ab43},
		{"0..31", asc, 0x46dd794e},
		{"31..0", desc, 0x113fdb5c},
	} {
		if c := crc32c(tt.in); c != tt.want {
			t.Errorf("%s: %08x, want %08x", tt.name, c, tt.want)
		}
	}
}

func TestSCTPChecksum(t *testing.T) {
	// A COOKIE-ACK 3868 > 38612 with verification tag 0x01020304 and a
	// stale checksum: the checksum is computed with the field zero and
	// stored least significant byte first (RFC 9260 appendix A; tshark
	// verifies the packets of the capture tests).
	p := unhex(t, "0f1c96d401020304ffffffff0b000004")
	putSCTPChecksum(p)
	z := bytes.Clone(p)
	clear(z[8:12])
	want := crc32c(z)
	if got := binary.LittleEndian.Uint32(p[8:]); got != want {
		t.Fatalf("checksum field %08x, want %08x", got, want)
	}
	if !bytes.Equal(p[:8], unhex(t, "0f1c96d401020304")) || !bytes.Equal(p[12:], unhex(t, "0b000004")) {
		t.Fatalf("packet changed outside its checksum: % x", p)
	}
}

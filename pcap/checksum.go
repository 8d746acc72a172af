package pcap

import (
	"encoding/binary"
	"hash/crc32"
)

// Protocol numbers of the IPv4 header.
const (
	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
)

// sum16 adds b as big-endian 16-bit words to sum (an odd last byte is
// padded with a zero), without folding.
func sum16(sum uint32, b []byte) uint32 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)&1 != 0 {
		sum += uint32(b[len(b)-1]) << 8
	}
	return sum
}

// fold folds the carries of sum and complements it (RFC 1071).
func fold(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// ipv4Checksum is the header checksum of an IPv4 header whose checksum
// field is zero (RFC 791).
func ipv4Checksum(hdr []byte) uint16 { return fold(sum16(0, hdr)) }

// transportChecksum is the UDP or TCP checksum (RFC 768, RFC 793) of seg,
// the whole segment (header and data) with a zero checksum field, between
// src and dst: over the IPv4 pseudo-header (source, destination, zero,
// protocol, segment length) and seg. For UDP a result of 0 is sent as
// 0xffff (0 means "no checksum").
func transportChecksum(src, dst [4]byte, proto uint8, seg []byte) uint16 {
	var ph [12]byte
	copy(ph[0:4], src[:])
	copy(ph[4:8], dst[:])
	ph[9] = proto
	binary.BigEndian.PutUint16(ph[10:], uint16(len(seg)))
	c := fold(sum16(sum16(0, ph[:]), seg))
	if c == 0 && proto == protoUDP {
		c = 0xffff
	}
	return c
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32c is CRC-32C (Castagnoli), the SCTP checksum (RFC 9260 appendix A).
func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// putSCTPChecksum sets the checksum of the SCTP packet p (common header and
// chunks): CRC-32C over the packet with a zero checksum field, stored as
// RFC 9260 appendix A says, least significant byte first.
func putSCTPChecksum(p []byte) {
	binary.LittleEndian.PutUint32(p[8:12], 0)
	binary.LittleEndian.PutUint32(p[8:12], crc32c(p))
}

package sockopt

import (
	"encoding/binary"
	"net/netip"
)

// Checksum is the Internet checksum (RFC 1071) of parts laid end to end,
// each but the last of an even length: an IPv4 header, an ICMP message,
// or a pseudo-header and the segment behind it. The checksum field must
// be zero in what is summed.
func Checksum(parts ...[]byte) uint16 {
	var sum uint32
	for _, b := range parts {
		for ; len(b) >= 2; b = b[2:] {
			sum += uint32(b[0])<<8 | uint32(b[1])
		}
		if len(b) == 1 {
			sum += uint32(b[0]) << 8
		}
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// PseudoHeader is what TCP, UDP, DCCP and ICMPv6 sum in front of a
// segment of length bytes of IP protocol proto from src to dst: over
// IPv4 the addresses, a zero, the protocol and a 16-bit length (RFC
// 793); over IPv6 the addresses, a 32-bit length, three zeros and the
// next header (RFC 8200 8.1).
func PseudoHeader(src, dst netip.Addr, proto, length int) []byte {
	if src.Is4() {
		b := make([]byte, 12)
		s, d := src.As4(), dst.As4()
		copy(b, s[:])
		copy(b[4:], d[:])
		b[9] = byte(proto)
		binary.BigEndian.PutUint16(b[10:], uint16(length))
		return b
	}
	b := make([]byte, 40)
	s, d := src.As16(), dst.As16()
	copy(b, s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint32(b[32:], uint32(length))
	b[39] = byte(proto)
	return b
}

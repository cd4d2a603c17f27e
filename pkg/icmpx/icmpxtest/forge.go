package icmpxtest

import (
	"encoding/binary"
	"gnetutils/pkg/sockopt"
	"net/netip"
)

// Reply is an echo reply to p from its destination carrying data (which
// cannot hold the prober's cookie: the Spoofer never read it).
func (p Probe) Reply(data []byte) []byte {
	typ := uint8(0)
	if p.Src.Is6() {
		typ = 129
	}
	return packet(p.Dst, p.Src, echo(typ, p.ID, p.Seq, data))
}

// Error is an ICMP error from `from` about p (its sequence number set to
// seq), quoting p's IP header, its echo header and quoted as its payload.
func (p Probe) Error(from netip.Addr, typ, code uint8, rest [4]byte, seq uint16, quoted []byte) []byte {
	req := uint8(8)
	if p.Src.Is6() {
		req = 128
	}
	inner := packet(p.Src, p.Dst, echo(req, p.ID, seq, quoted))
	if p.Src.Is4() {
		// The quoted header's length is the probe's, not the quote's.
		binary.BigEndian.PutUint16(inner[2:4], uint16(20+8+p.Len))
		inner[8] = 1
	} else {
		binary.BigEndian.PutUint16(inner[4:6], uint16(8+p.Len))
		inner[7] = 1
	}
	m := append([]byte{typ, code, 0, 0, rest[0], rest[1], rest[2], rest[3]}, inner...)
	return packet(from, p.Src, m)
}

func echo(typ uint8, id, seq uint16, data []byte) []byte {
	b := make([]byte, 8, 8+len(data))
	b[0] = typ
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	return append(b, data...)
}

// packet puts an IP header from src to dst in front of the ICMP (ICMPv6)
// message m and fills in the checksums.
func packet(src, dst netip.Addr, m []byte) []byte {
	if src.Is4() {
		h := make([]byte, 20, 20+len(m))
		h[0], h[8], h[9] = 0x45, 64, 1
		binary.BigEndian.PutUint16(h[2:], uint16(20+len(m)))
		s, d := src.As4(), dst.As4()
		copy(h[12:], s[:])
		copy(h[16:], d[:])
		binary.BigEndian.PutUint16(h[10:], sockopt.Checksum(h))
		binary.BigEndian.PutUint16(m[2:], sockopt.Checksum(m))
		return append(h, m...)
	}
	h := make([]byte, 40, 40+len(m))
	h[0], h[6], h[7] = 0x60, 58, 64
	binary.BigEndian.PutUint16(h[4:], uint16(len(m)))
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	// RFC 4443 2.3: ICMPv6 sums a pseudo-header too.
	binary.BigEndian.PutUint16(m[2:], sockopt.Checksum(sockopt.PseudoHeader(src, dst, 58, len(m)), m))
	return append(h, m...)
}

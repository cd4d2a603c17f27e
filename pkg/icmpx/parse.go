package icmpx

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/sockopt"
)

// ICMP and ICMPv6 types the engine understands.
const (
	v4EchoReply   = 0
	v4EchoRequest = 8
	v6EchoRequest = 128
	v6EchoReply   = 129
	protoICMP     = 1
	protoICMPv6   = 58
	icmpHeaderLen = 8
)

// Message is one parsed ICMP or ICMPv6 message.
type Message struct {
	Type, Code uint8
	// Echo request/reply fields.
	ID, Seq uint16
	Data    []byte // echo payload (aliases the input)
	// Error fields: MTU of frag-needed (IPv4 code 4, bytes 6-7) or packet
	// too big (IPv6, bytes 4-7); Quote is the offending packet.
	MTU   int
	Quote *Quote
}

// Quote is the start of the packet an ICMP error is about, as the router
// quoted it.
type Quote struct {
	Src, Dst  netip.Addr
	Proto     uint8  // the quoted packet's transport protocol
	IPID      uint16 // IPv4 identification (0 for IPv6)
	TotalLen  int    // the quoted IP header's length field: the original packet size
	Transport []byte // the quoted transport header and what follows it (aliases the input)
}

// ErrShort is returned for messages too short for their type.
var ErrShort = errors.New("icmpx: message too short")

// isError reports whether the message is an ICMP error (carrying a quote).
func isError(v6 bool, typ uint8) bool {
	if v6 {
		return typ < 128
	}
	return typ == icmpkind.V4DestUnreach || typ == icmpkind.V4TimeExceeded || typ == icmpkind.V4ParamProblem || typ == 4 || typ == 5
}

// Parse decodes an ICMP (v6 false) or ICMPv6 message starting at its ICMP
// header. It bounds every length and never panics on hostile input.
func Parse(v6 bool, b []byte) (Message, error) {
	if len(b) < icmpHeaderLen {
		return Message{}, ErrShort
	}
	m := Message{Type: b[0], Code: b[1]}
	switch {
	case (!v6 && (m.Type == v4EchoReply || m.Type == v4EchoRequest)) || (v6 && (m.Type == v6EchoReply || m.Type == v6EchoRequest)):
		m.ID = binary.BigEndian.Uint16(b[4:6])
		m.Seq = binary.BigEndian.Uint16(b[6:8])
		m.Data = b[8:]
		return m, nil
	case isError(v6, m.Type):
		if !v6 && m.Type == icmpkind.V4DestUnreach && m.Code == 4 {
			m.MTU = int(binary.BigEndian.Uint16(b[6:8]))
		}
		if v6 && m.Type == icmpkind.V6PacketTooBig {
			m.MTU = int(binary.BigEndian.Uint32(b[4:8]))
		}
		q, err := parseQuote(v6, quotedPart(v6, b))
		if err != nil {
			return m, err
		}
		m.Quote = &q
		return m, nil
	}
	return m, nil
}

// quotedPart skips the ICMP header; with an RFC 4884 length field the
// quote ends where the extension structure starts.
func quotedPart(v6 bool, b []byte) []byte {
	q := b[icmpHeaderLen:]
	// RFC 4884: the original-datagram length, in 32-bit words (IPv4, byte
	// 5) or 64-bit words (IPv6, byte 4), for time exceeded and unreachable.
	var words, unit int
	if v6 && (b[0] == icmpkind.V6DestUnreach || b[0] == icmpkind.V6TimeExceeded) {
		words, unit = int(b[4]), 8
	} else if !v6 && (b[0] == icmpkind.V4DestUnreach || b[0] == icmpkind.V4TimeExceeded || b[0] == icmpkind.V4ParamProblem) {
		words, unit = int(b[5]), 4
	}
	if words > 0 && words*unit <= len(q) {
		q = q[:words*unit]
	}
	return q
}

// parseQuote decodes the quoted IP header of an error.
func parseQuote(v6 bool, b []byte) (Quote, error) {
	var q Quote
	if v6 {
		if len(b) < sockopt.IPv6HeaderLen {
			return q, ErrShort
		}
		if b[0]>>4 != 6 {
			return q, errors.New("icmpx: quoted packet is not IPv6")
		}
		q.TotalLen = int(binary.BigEndian.Uint16(b[4:6])) + sockopt.IPv6HeaderLen
		q.Proto = b[6]
		q.Src = netip.AddrFrom16([16]byte(b[8:24]))
		q.Dst = netip.AddrFrom16([16]byte(b[24:40]))
		q.Transport = b[sockopt.IPv6HeaderLen:]
		return q, nil
	}
	if len(b) < sockopt.IPv4HeaderLen {
		return q, ErrShort
	}
	if b[0]>>4 != 4 {
		return q, errors.New("icmpx: quoted packet is not IPv4")
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < sockopt.IPv4HeaderLen || ihl > len(b) {
		return q, ErrShort
	}
	q.TotalLen = int(binary.BigEndian.Uint16(b[2:4]))
	q.IPID = binary.BigEndian.Uint16(b[4:6])
	q.Proto = b[9]
	q.Src = netip.AddrFrom4([4]byte(b[12:16]))
	q.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	q.Transport = b[ihl:]
	return q, nil
}

// QuotedEcho returns the id and sequence of the echo request a quote
// carries, if it carries one.
func (q *Quote) QuotedEcho() (id, seq uint16, ok bool) {
	if len(q.Transport) < icmpHeaderLen {
		return 0, 0, false
	}
	t := q.Transport[0]
	if !(q.Proto == protoICMP && t == v4EchoRequest) && !(q.Proto == protoICMPv6 && t == v6EchoRequest) {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(q.Transport[4:6]), binary.BigEndian.Uint16(q.Transport[6:8]), true
}

// StripIPv4Header returns the ICMP message inside an IPv4 packet as raw
// IPv4 ICMP sockets deliver it, and the packet's TTL.
func StripIPv4Header(b []byte) (icmp []byte, ttl int, err error) {
	if len(b) < sockopt.IPv4HeaderLen || b[0]>>4 != 4 {
		return nil, 0, ErrShort
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < sockopt.IPv4HeaderLen || ihl > len(b) {
		return nil, 0, ErrShort
	}
	return b[ihl:], int(b[8]), nil
}

package icmpx

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// MPLSLabel is one entry of an MPLS label stack a router reported in an
// ICMP extension (RFC 4950).
type MPLSLabel struct {
	Label uint32
	TC    uint8 // traffic class (the former EXP bits)
	S     bool  // bottom of stack
	TTL   uint8
}

// MPLSString is traceroute -e's rendering: "MPLS:L=100,E=0,S=1,T=1", entries
// joined by "/".
func MPLSString(labels []MPLSLabel) string {
	var parts []string
	for _, l := range labels {
		s := 0
		if l.S {
			s = 1
		}
		parts = append(parts, fmt.Sprintf("L=%d,E=%d,S=%d,T=%d", l.Label, l.TC, s, l.TTL))
	}
	if len(parts) == 0 {
		return ""
	}
	return "MPLS:" + strings.Join(parts, "/")
}

// compatQuoteLen is where RFC 4884 says non-compliant (length-less)
// extensions start: the original datagram padded to 128 bytes.
const compatQuoteLen = 128

// MPLSLabels returns the MPLS label stack in an ICMP error's multi-part
// extension (RFC 4884 / RFC 4950), or nil. b starts at the ICMP header.
// It bounds every length: the input comes from any router on the path.
func MPLSLabels(v6 bool, b []byte) []MPLSLabel {
	if len(b) < icmpHeaderLen || !isError(v6, b[0]) {
		return nil
	}
	var start int
	switch {
	case v6 && b[4] > 0:
		start = icmpHeaderLen + int(b[4])*8
	case !v6 && b[5] > 0:
		start = icmpHeaderLen + int(b[5])*4
	default:
		start = icmpHeaderLen + compatQuoteLen
	}
	if start+4 > len(b) || b[start]>>4 != 2 {
		return nil // no extension structure (version 2) there
	}
	ext := b[start+4:]
	var labels []MPLSLabel
	for len(ext) >= 4 {
		objLen := int(binary.BigEndian.Uint16(ext[0:2]))
		class, ctype := ext[2], ext[3]
		if objLen < 4 || objLen > len(ext) {
			break
		}
		if class == 1 && ctype == 1 { // MPLS label stack, incoming
			for e := ext[4:objLen]; len(e) >= 4; e = e[4:] {
				v := binary.BigEndian.Uint32(e)
				labels = append(labels, MPLSLabel{Label: v >> 12, TC: uint8(v>>9) & 7, S: v>>8&1 == 1, TTL: uint8(v)})
			}
		}
		ext = ext[objLen:]
	}
	return labels
}

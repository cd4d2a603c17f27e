package gdig

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// +dns64prefix: dig asks ipv4only.arpa's AAAA records (RFC 7050) and
// prints the NAT64 prefixes they hold, found as BIND finds them
// (dns_dns64_findprefix): a prefix of one of RFC 6052's lengths whose
// address of 192.0.0.170 and of 192.0.0.171 are both there.

// dns64Name is the name whose AAAA records a DNS64 resolver synthesises
// from its A records, 192.0.0.170 and 192.0.0.171 (RFC 8880).
const dns64Name = "ipv4only.arpa."

// dns64MaxPrefixes is as many prefixes as dig prints.
const dns64MaxPrefixes = 10

// dns64Lengths are RFC 6052's prefix lengths, in BIND's order.
var dns64Lengths = []int{32, 40, 48, 56, 64, 96}

// dns64Lookup starts +dns64prefix's lookup where dig does: a new lookup
// from the default one, of ipv4only.arpa AAAA, printed as its prefixes
// alone; the options that follow are its own, and no lookup of the
// command line prints dig's opening lines.
func (ps *argParser) dns64Lookup() {
	l := ps.newLookup(dns64Name)
	l.qtype = "AAAA"
	l.disp.dns64 = true
	l.sw = sections{answer: true}
	l.disp.rrComments, l.disp.rrCommentsSet = false, true
	l.globals.noCmd = true
}

// dns64Prefixes are the NAT64 prefixes of an answer to ipv4only.arpa
// AAAA, at most dns64MaxPrefixes, in the order of their records.
func dns64Prefixes(m *dns.Msg) []netip.Prefix {
	var addrs [][16]byte
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.AAAA); ok && strings.EqualFold(a.Hdr.Name, dns64Name) {
			if b, ok := netip.AddrFromSlice(a.AAAA); ok {
				addrs = append(addrs, b.As16())
			}
		}
	}
	var out []netip.Prefix
	for _, a := range addrs {
		for _, bits := range dns64Lengths {
			if !dns64Match(a, bits, 170) || !dns64Pair(a, bits, addrs) {
				continue
			}
			var p [16]byte
			copy(p[:bits/8], a[:bits/8])
			out = append(out, netip.PrefixFrom(netip.AddrFrom16(p), bits))
			break
		}
	}
	return out[:min(len(out), dns64MaxPrefixes)]
}

// dns64Pair says whether addrs hold the address of 192.0.0.171 under a's
// prefix of bits.
func dns64Pair(a [16]byte, bits int, addrs [][16]byte) bool {
	for _, b := range addrs {
		if string(a[:bits/8]) == string(b[:bits/8]) && dns64Match(b, bits, 171) {
			return true
		}
	}
	return false
}

// dns64Match says whether a holds 192.0.0.last after a prefix of bits,
// as RFC 6052 places it: the IPv4 address's bytes from byte bits/8 on,
// past byte 8 (the u octet), which must be 0. The suffix is not looked
// at, as BIND does not.
func dns64Match(a [16]byte, bits int, last byte) bool {
	if a[8] != 0 {
		return false
	}
	want := []byte{192, 0, 0, last}
	i := bits / 8
	for _, w := range want {
		if i == 8 {
			i++
		}
		if a[i] != w {
			return false
		}
		i++
	}
	return true
}

// dns64Text is the prefixes as dig prints them, one a line.
func dns64Text(m *dns.Msg) string {
	var b strings.Builder
	for _, p := range dns64Prefixes(m) {
		fmt.Fprintf(&b, "%s\n", p)
	}
	return b.String()
}

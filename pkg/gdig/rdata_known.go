package gdig

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// Types dig prints by their fields that reach gdig in RFC 3597 form:
// those miekg/dns does not know (WKS, NSAP, ATMA, A6, SINK, DOA, WALLET),
// and NXT, which it knows wrongly.

func init() {
	// miekg/dns reads NXT (RFC 2535) as NSEC, whose windowed type bitmap
	// NXT's is not: the unpacking fails, and with it the whole message,
	// which a stub then takes for junk. Without a type of its own, an NXT
	// comes as RFC 3597 data, which nxtParts decodes as dig does.
	delete(dns.TypeToRR, dns.TypeNXT)
}

// knownToDig decode the data of the types dig knows that come in RFC
// 3597 form, as dig lays them out; !ok when the data is not what the type
// holds (then dig's generic form is printed).
var knownToDig = map[uint16]func(raw []byte) (p rdataParts, ok bool){
	11:  wksParts,    // WKS (RFC 1035)
	22:  nsapParts,   // NSAP (RFC 1706)
	30:  nxtParts,    // NXT (RFC 2535)
	34:  atmaParts,   // ATMA (ATM Forum)
	38:  a6Parts,     // A6 (RFC 2874)
	40:  sinkParts,   // SINK (draft-eastlake-kitchen-sink)
	259: doaParts,    // DOA (draft-durand-doa-over-dns)
	262: walletParts, // WALLET (IANA)
}

// decodedGeneric is an RFC 3597 record's data as dig prints it, if its
// type is one dig knows and gdig can decode.
func decodedGeneric(rr dns.RR) (rdataParts, bool) {
	u, ok := rr.(*dns.RFC3597)
	if !ok {
		return rdataParts{}, false
	}
	f := knownToDig[u.Hdr.Rrtype]
	if f == nil {
		return rdataParts{}, false
	}
	raw, err := hex.DecodeString(u.Rdata)
	if err != nil {
		return rdataParts{}, false
	}
	return f(raw)
}

// nsapParts is an NSAP address as 0x and hex.
func nsapParts(raw []byte) (rdataParts, bool) {
	return rdataParts{head: "0x" + hex.EncodeToString(raw)}, len(raw) > 0
}

// wksParts is WKS: the address, the protocol's number, and the ports its
// bitmap holds.
func wksParts(raw []byte) (rdataParts, bool) {
	if len(raw) < 5 {
		return rdataParts{}, false
	}
	parts := []string{netip.AddrFrom4([4]byte(raw[:4])).String(), fmt.Sprint(raw[4])}
	return rdataParts{head: strings.Join(append(parts, bitmapNumbers(raw[5:])...), " ")}, true
}

// bitmapNumbers are the numbers whose bits a flat bitmap sets, the first
// byte's high bit 0 (WKS's ports, NXT's types).
func bitmapNumbers(bitmap []byte) []string {
	var out []string
	for i, b := range bitmap {
		for bit := 0; bit < 8; bit++ {
			if b&(0x80>>bit) != 0 {
				out = append(out, fmt.Sprint(i*8+bit))
			}
		}
	}
	return out
}

// nxtParts is NXT: the next name, and the types of its flat bitmap by
// dig's names (a type dig has no name for as its number, as dig does).
func nxtParts(raw []byte) (rdataParts, bool) {
	name, off, err := dns.UnpackDomainName(raw, 0)
	if err != nil {
		return rdataParts{}, false
	}
	parts := []string{escapeControl(name)}
	for _, n := range bitmapNumbers(raw[off:]) {
		var t uint16
		fmt.Sscan(n, &t)
		if s := typeName(t); !strings.HasPrefix(s, "TYPE") {
			n = s
		}
		parts = append(parts, n)
	}
	return rdataParts{head: strings.Join(parts, " ")}, true
}

// atmaParts is an ATM address: an AESA's bytes in hex, an E.164
// number's digits after a "+".
func atmaParts(raw []byte) (rdataParts, bool) {
	switch {
	case len(raw) < 2:
		return rdataParts{}, false
	case raw[0] == 0:
		return rdataParts{head: hex.EncodeToString(raw[1:])}, true
	case raw[0] == 1:
		return rdataParts{head: "+" + string(raw[1:])}, true
	}
	return rdataParts{}, false
}

// a6Parts is A6: the prefix length, the address's suffix (the prefix's
// bits zero), and the prefix's name when there is a prefix. BIND refuses
// a suffix with bits set under the prefix (FORMERR); gdig prints it.
func a6Parts(raw []byte) (rdataParts, bool) {
	if len(raw) < 1 || raw[0] > 128 {
		return rdataParts{}, false
	}
	plen := int(raw[0])
	octets := 16 - plen/8
	if len(raw) < 1+octets {
		return rdataParts{}, false
	}
	// Without a suffix, BIND leaves its place empty: two spaces.
	parts := []string{fmt.Sprint(plen), ""}
	if plen < 128 {
		var a [16]byte
		copy(a[16-octets:], raw[1:1+octets])
		a[16-octets] &= 0xff >> (plen % 8)
		parts[1] = netip.AddrFrom16(a).String()
	}
	if plen > 0 {
		name, _, err := dns.UnpackDomainName(raw, 1+octets)
		if err != nil {
			return rdataParts{}, false
		}
		parts = append(parts, escapeControl(name))
	}
	return rdataParts{head: strings.Join(parts, " ")}, true
}

// sinkParts is SINK: its meaning, coding and subcoding, then its data in
// base64, split as dig splits it.
func sinkParts(raw []byte) (rdataParts, bool) {
	if len(raw) < 3 {
		return rdataParts{}, false
	}
	return rdataParts{head: fmt.Sprintf("%d %d %d", raw[0], raw[1], raw[2]), blob: base64.StdEncoding.EncodeToString(raw[3:])}, true
}

// doaParts is DOA: enterprise, type, location, the media type quoted,
// then the data in base64 (unsplit), "-" when there is none.
func doaParts(raw []byte) (rdataParts, bool) {
	if len(raw) < 10 || len(raw) < 10+int(raw[9]) {
		return rdataParts{}, false
	}
	media := raw[10 : 10+int(raw[9])]
	data := "-"
	if rest := raw[10+len(media):]; len(rest) > 0 {
		data = base64.StdEncoding.EncodeToString(rest)
	}
	return rdataParts{head: fmt.Sprintf("%d %d %d \"%s\" %s", binary.BigEndian.Uint32(raw), binary.BigEndian.Uint32(raw[4:]), raw[8],
		quoteText(string(media)), data)}, true
}

// walletParts is WALLET: character strings, as TXT's.
func walletParts(raw []byte) (rdataParts, bool) {
	var parts []string
	for len(raw) > 0 {
		n := int(raw[0])
		if len(raw) < 1+n {
			return rdataParts{}, false
		}
		parts = append(parts, `"`+quoteText(string(raw[1:1+n]))+`"`)
		raw = raw[1+n:]
	}
	return rdataParts{head: strings.Join(parts, " ")}, len(parts) > 0
}

package gdig

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// request is the one lookup the command line asks for, validated.
type request struct {
	name          string
	qtype, qclass uint16
	serial        uint32 // ixfr=SERIAL's
	cmdLine       string // dig's opening "; <<>> ... <<>> args" line
}

// newRequest validates the lookup o asks for, warning on stderr, as dig
// does, about a type or class it ignores.
func (o *options) newRequest(stderr io.Writer) (request, error) {
	name := o.name
	qtype := o.flagType(stderr)
	var qclass uint16
	if o.qclass != "" {
		if c, ok := parseClass(o.qclass); ok {
			qclass = c
		} else {
			fmt.Fprintf(stderr, ";; Warning, ignoring invalid class %s\n", o.qclass)
		}
	}
	if qclass == 0 {
		qclass = dns.ClassINET
	}
	if o.reverse != "" {
		r, err := reverseName(o.reverse)
		if err != nil {
			return request{}, fmt.Errorf("'%s' is not a legal IPv4 or IPv6 address", o.reverse)
		}
		name, qtype = r, dns.TypePTR
	}
	if name == "" {
		name = "."
		if qtype == 0 {
			qtype = dns.TypeNS
		}
	}
	if qtype == 0 {
		qtype = dns.TypeA
	}
	if o.family.V4 && o.family.V6 {
		return request{}, errors.New("-4 and -6 exclude each other")
	}
	if o.idnin && name != "" {
		n, err := idnToASCII(name)
		if err != nil {
			return request{}, err
		}
		name = n
	}
	// The bytes of a name sent as given (+noidnin) are \DDD in the
	// master-file form miekg/dns packs, as dig shows them.
	name = escape(name, func(c byte) bool { return c >= 0x80 })
	if _, ok := dns.IsDomainName(name); !ok {
		return request{}, fmt.Errorf("'%s' is not a legal name", name)
	}
	if o.server == "" && qclass != dns.ClassINET {
		return request{}, fmt.Errorf("class %s: the resolution from the root is for class IN; ask a server with @server", dns.ClassToString[qclass])
	}
	return request{name: name, qtype: qtype, qclass: qclass, serial: o.ixfrSerial()}, nil
}

// flagType is -t's type, or 0 when -t is not given or names no type (dig
// warns and goes on with the default).
func (o *options) flagType(stderr io.Writer) uint16 {
	if o.qtype == "" {
		return 0
	}
	t, ok := parseTypeWord(o.qtype)
	if !ok {
		fmt.Fprintf(stderr, ";; Warning, ignoring invalid type %s\n", o.qtype)
	}
	return t
}

// parseType reads a type mnemonic (MX) or its generic form (TYPE65).
func parseType(s string) (uint16, bool) {
	if t, ok := digOnlyTypes[strings.ToUpper(s)]; ok {
		return t, true
	}
	return parseMnemonic(s, dns.StringToType, "TYPE")
}

// parseTypeWord is parseType, and ixfr=SERIAL as IXFR.
func parseTypeWord(s string) (uint16, bool) {
	if serial, ok := cutFold(s, "ixfr="); ok {
		_, err := strconv.ParseUint(serial, 10, 32)
		return dns.TypeIXFR, err == nil
	}
	return parseType(s)
}

// ixfrSerial is the serial of the lookup's ixfr=SERIAL, or 0.
func (o *options) ixfrSerial() uint32 {
	serial, _ := cutFold(o.qtype, "ixfr=")
	n, _ := strconv.ParseUint(serial, 10, 32)
	return uint32(n)
}

// cutFold is strings.CutPrefix without regard to case.
func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// parseClass reads a class mnemonic (IN, CH) or its generic form (CLASS3).
func parseClass(s string) (uint16, bool) { return parseMnemonic(s, dns.StringToClass, "CLASS") }

// parseMnemonic reads a name from table, or RFC 3597's generic form:
// prefix and a number.
func parseMnemonic(s string, table map[string]uint16, prefix string) (uint16, bool) {
	u := strings.ToUpper(s)
	if v, ok := table[u]; ok {
		return v, true
	}
	if num, ok := strings.CutPrefix(u, prefix); ok {
		if n, err := strconv.ParseUint(num, 10, 16); err == nil {
			return uint16(n), true
		}
	}
	return 0, false
}

// reverseName is -x's name: an address's in-addr.arpa or ip6.arpa name,
// or, as dig takes them, the first one to three octets of an IPv4 address
// (10.1 -> 1.10.in-addr.arpa.).
func reverseName(addr string) (string, error) {
	if r, err := dns.ReverseAddr(addr); err == nil {
		return r, nil
	}
	octets := strings.Split(addr, ".")
	if len(octets) > 3 {
		return "", fmt.Errorf("bad address %s", addr)
	}
	var b strings.Builder
	for i := len(octets) - 1; i >= 0; i-- {
		if n, err := strconv.ParseUint(octets[i], 10, 8); err != nil || strconv.FormatUint(n, 10) != octets[i] {
			return "", fmt.Errorf("bad address %s", addr)
		}
		b.WriteString(octets[i] + ".")
	}
	return b.String() + "in-addr.arpa.", nil
}

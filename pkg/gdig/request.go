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
	cmdLine       string // dig's opening "; <<>> ... <<>> args" line
}

// newRequest validates the lookup the words and flags ask for, warning on
// stderr, as dig does, about a type or class it ignores.
func (o *options) newRequest(words []string, stderr io.Writer) (request, error) {
	name, qtype, qclass, err := splitWords(words)
	if err != nil {
		return request{}, err
	}
	if t := o.flagType(stderr); t != 0 {
		qtype = t
	}
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
	if _, ok := dns.IsDomainName(name); !ok {
		return request{}, fmt.Errorf("'%s' is not a legal name", name)
	}
	if o.server == "" && qclass != dns.ClassINET {
		return request{}, fmt.Errorf("class %s: the resolution from the root is for class IN; ask a server with @server", dns.ClassToString[qclass])
	}
	return request{name: name, qtype: qtype, qclass: qclass}, nil
}

// splitWords reads the words as dig does: a word that names a type or a
// class is one, before the name or after it (the first of each); the other
// word is the name.
func splitWords(words []string) (name string, qtype, qclass uint16, err error) {
	for _, a := range words {
		if t, ok := parseType(a); ok && qtype == 0 {
			qtype = t
			continue
		}
		if c, ok := parseClass(a); ok && qclass == 0 {
			qclass = c
			continue
		}
		if name != "" {
			return "", 0, 0, fmt.Errorf("unexpected argument %q", a)
		}
		name = a
	}
	return name, qtype, qclass, nil
}

// batchJob is what -f asks for, validated.
type batchJob struct {
	file        string
	qtype       uint16 // for lines that name none
	concurrency int
	unordered   bool
}

// newBatchJob validates -f's options, warning as dig does about a -t it
// ignores.
func (o *options) newBatchJob(stderr io.Writer) (batchJob, error) {
	if o.conc < 1 {
		return batchJob{}, errors.New("--concurrency must be positive")
	}
	job := batchJob{file: o.file, qtype: dns.TypeA, concurrency: o.conc, unordered: o.unorder}
	if t := o.flagType(stderr); t != 0 {
		job.qtype = t
	}
	return job, nil
}

// flagType is -t's type, or 0 when -t is not given or names no type (dig
// warns and goes on with the default).
func (o *options) flagType(stderr io.Writer) uint16 {
	if o.qtype == "" {
		return 0
	}
	t, ok := parseType(o.qtype)
	if !ok {
		fmt.Fprintf(stderr, ";; Warning, ignoring invalid type %s\n", o.qtype)
	}
	return t
}

// parseType reads a type mnemonic (MX) or its generic form (TYPE65).
func parseType(s string) (uint16, bool) { return parseMnemonic(s, dns.StringToType, "TYPE") }

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

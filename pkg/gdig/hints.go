package gdig

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/miekg/dns"
)

// builtinRoots are the IANA root servers' IPv4 addresses (named.root).
// Only a user's real lookups ever use them: every test, benchmark and demo
// passes the lab's own roots with --root or --root-hints.
var builtinRoots = []string{
	"198.41.0.4", "170.247.170.2", "192.33.4.12", "199.7.91.13", "192.203.230.10", "192.5.5.241", "192.112.36.4",
	"198.97.190.53", "192.36.148.17", "192.58.128.30", "193.0.14.129", "199.7.83.42", "202.12.27.33",
}

// rootAddrs are the root servers: --root, --root-hints, or the built-in
// hints.
func (o *options) rootAddrs() ([]netip.AddrPort, error) {
	var addrs []string
	addrs = append(addrs, o.roots...)
	if o.hints != "" {
		f, err := os.Open(o.hints)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		hs, err := parseHints(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", o.hints, err)
		}
		addrs = append(addrs, hs...)
	}
	if len(addrs) == 0 {
		addrs = builtinRoots
	}
	var out []netip.AddrPort
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("bad root server address %q", a)
		}
		out = append(out, netip.AddrPortFrom(ip.Unmap(), uint16(o.port)))
	}
	return out, nil
}

// parseHints reads the A and AAAA records of a named.root-style file.
func parseHints(r io.Reader) ([]string, error) {
	var out []string
	zp := dns.NewZoneParser(bufio.NewReader(r), ".", "hints")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		switch a := rr.(type) {
		case *dns.A:
			out = append(out, a.A.String())
		case *dns.AAAA:
			out = append(out, a.AAAA.String())
		}
	}
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no root server addresses in the hints")
	}
	return out, nil
}

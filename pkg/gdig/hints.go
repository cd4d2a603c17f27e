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

// ianaRoots are the root servers' addresses, a.root-servers.net to m, as
// IANA's named.root lists them: both families, so that -6, or a host with
// IPv6 only, has roots to start from.
var ianaRoots = []string{
	"198.41.0.4", "2001:503:ba3e::2:30", // a
	"170.247.170.2", "2801:1b8:10::b", // b
	"192.33.4.12", "2001:500:2::c", // c
	"199.7.91.13", "2001:500:2d::d", // d
	"192.203.230.10", "2001:500:a8::e", // e
	"192.5.5.241", "2001:500:2f::f", // f
	"192.112.36.4", "2001:500:12::d0d", // g
	"198.97.190.53", "2001:500:1::53", // h
	"192.36.148.17", "2001:7fe::53", // i
	"192.58.128.30", "2001:503:c27::2:30", // j
	"193.0.14.129", "2001:7fd::1", // k
	"199.7.83.42", "2001:500:9f::42", // l
	"202.12.27.33", "2001:dc3::35", // m
}

// builtinRoots are the roots without --root or --root-hints. Only a
// user's real lookups ever use them: every test, benchmark and demo passes
// the lab's own roots, and the tests point this at loopback (TestMain).
var builtinRoots = ianaRoots

// rootAddrs are the root servers: --root, --root-hints, or the built-in
// hints; read once for all the lookups of a batch.
func (o *options) rootAddrs() ([]netip.AddrPort, error) {
	if o.pool != nil {
		return o.pool.roots(o)
	}
	return o.readRootAddrs()
}

// readRootAddrs reads the root servers from the flags.
func (o *options) readRootAddrs() ([]netip.AddrPort, error) {
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

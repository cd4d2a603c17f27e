package gtraceroute

// -A: the AS path of each hop's address, printed as traceroute prints it
// ("[AS64500]"), looked up in the DNS as mtr -z does: Team Cymru's
// IP-to-ASN service answers TXT queries for the reversed address under
// origin.asn.cymru.com (IPv6: its reversed nibbles under
// origin6.asn.cymru.com) with "64500 | 198.51.100.0/24 | ZZ | arin |
// 2001-01-01", one record per announced prefix. (traceroute asks RADB's
// whois for route objects instead; what it prints is the same: the
// origins of the longest prefix, "/" between them, "*" for none, "!!"
// when the lookup failed.) --as-server and --as-zone point it at another
// server and zone.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// defASZone is the zone whose origin. and origin6. subzones answer.
const defASZone = "asn.cymru.com"

// asLookup finds and words the AS paths, each address once.
type asLookup struct {
	r     *net.Resolver
	zone  string
	mu    sync.Mutex
	paths map[netip.Addr]string
}

// newASLookup asks server ("" for the system's resolver; an address, with
// a port or not) under zone ("" for Team Cymru's).
func newASLookup(server, zone string) (*asLookup, error) {
	l := &asLookup{r: net.DefaultResolver, zone: strings.Trim(zone, "."), paths: map[netip.Addr]string{}}
	if l.zone == "" {
		l.zone = defASZone
	}
	if server == "" {
		return l, nil
	}
	ap, err := netip.ParseAddrPort(server)
	if err != nil {
		a, err := netip.ParseAddr(server)
		if err != nil {
			return nil, fmt.Errorf("bad --as-server %q: an address, with a port or not", server)
		}
		ap = netip.AddrPortFrom(a, 53)
	}
	l.r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, ap.String())
	}}
	return l, nil
}

// path is a's AS path as traceroute prints it between brackets.
func (l *asLookup) path(a netip.Addr) string {
	l.mu.Lock()
	p, ok := l.paths[a]
	l.mu.Unlock()
	if ok {
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	txts, err := l.r.LookupTXT(ctx, asQuery(a, l.zone))
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		p = "*"
	case err != nil:
		p = "!!"
	default:
		p = originPath(txts)
	}
	l.mu.Lock()
	l.paths[a] = p
	l.mu.Unlock()
	return p
}

// asQuery is the name that holds a's origins: 1.2.0.192.origin.ZONE.,
// or for IPv6 its 32 nibbles reversed under origin6.ZONE.
func asQuery(a netip.Addr, zone string) string {
	var b strings.Builder
	a = a.Unmap()
	if a.Is4() {
		v := a.As4()
		for i := 3; i >= 0; i-- {
			fmt.Fprintf(&b, "%d.", v[i])
		}
		return b.String() + "origin." + zone + "."
	}
	v := a.As16()
	for i := 15; i >= 0; i-- {
		fmt.Fprintf(&b, "%x.%x.", v[i]&0x0f, v[i]>>4)
	}
	return b.String() + "origin6." + zone + "."
}

// originPath reads the TXT records of one address ("64500 64501 |
// 198.51.100.0/24 | ..."): the origins of the longest prefix, in the
// order given, as "AS64500/AS64501"; "*" when no record reads.
func originPath(txts []string) string {
	best := -1
	var origins []string
	for _, txt := range txts {
		fields := strings.Split(txt, "|")
		if len(fields) < 2 {
			continue
		}
		_, bits, ok := strings.Cut(strings.TrimSpace(fields[1]), "/")
		n, err := strconv.Atoi(bits)
		if !ok || err != nil || n < best {
			continue
		}
		if n > best {
			best, origins = n, nil
		}
		for _, as := range strings.Fields(fields[0]) {
			if _, err := strconv.ParseUint(as, 10, 32); err == nil && !slices.Contains(origins, "AS"+as) {
				origins = append(origins, "AS"+as)
			}
		}
	}
	if len(origins) == 0 {
		return "*"
	}
	return strings.Join(origins, "/")
}

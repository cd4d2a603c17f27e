package gdig

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"

	"gnetutils/pkg/cli"
)

// stubServer is one address of the @server: the address, the name the
// user gave and the port, as dig names a server in its messages.
type stubServer struct {
	addr netip.Addr
	host string
	port int
}

func (s stubServer) target() string { return net.JoinHostPort(s.addr.String(), strconv.Itoa(s.port)) }

// stubServers are the addresses a lookup asks, in dig's order: every
// address of its @server (a name's, as getaddrinfo orders them for dig),
// then those of its own @server when one came before the first name too
// (nextServer). When there is none to ask, after dig's words, !ok and
// the lookup's status.
func (o *options) stubServers(ctx context.Context, p printer, stderr io.Writer) (servers []stubServer, ok bool, code int) {
	for i, host := range []string{o.server, o.nextServer} {
		if host == "" {
			continue
		}
		addrs, ok, code := o.serverAddrs(ctx, host, p, stderr)
		if !ok {
			return nil, false, code
		}
		if i == 0 {
			p.stubServers(len(addrs))
		}
		for _, a := range addrs {
			servers = append(servers, stubServer{addr: a, host: host, port: o.transportPort()})
		}
	}
	return servers, true, cli.ExitOK
}

// serverAddrs are the addresses of one @server: the address it is, or
// every address of the name of the lookup's family.
func (o *options) serverAddrs(ctx context.Context, host string, p printer, stderr io.Writer) (addrs []netip.Addr, ok bool, code int) {
	addr, err := netip.ParseAddr(host)
	switch {
	case err != nil:
		if addrs, err = lookupServer(ctx, host, o.family.Family()); err != nil {
			return nil, false, command.Fail(stderr, exitUsage, "couldn't get address for '%s': not found", host)
		}
		return addrs, true, cli.ExitOK
	case o.family.V4 && !addr.Unmap().Is4():
		return nil, false, command.Fail(stderr, exitUsage, "couldn't get address for '%s': address family not supported", host)
	case o.family.V6 && addr.Is4():
		// dig 9.18 maps the address to IPv6, and will not ask that.
		p.stubWarning(fmt.Sprintf(";; Skipping mapped address '::ffff:%s'", addr))
		p.stubWarning(";; No acceptable nameservers")
		return nil, false, cli.ExitOK
	}
	return []netip.Addr{addr}, true, cli.ExitOK
}

// serverList is a lookup's servers in the order dig asks them, and the
// tries it has left: one count for the whole lookup, as dig 9.18 keeps
// it. A server that does not answer is asked again while more than one
// try is left, and after that each server left is asked once.
type serverList struct {
	all   []stubServer
	i     int
	tries int
}

// cur is the server to ask.
func (l *serverList) cur() stubServer { return l.all[l.i] }

// failed: the server did not answer; whether there is a server to ask.
func (l *serverList) failed() bool {
	if l.tries > 1 {
		l.tries--
		return true
	}
	return l.next()
}

// moving: after a failure now, the next try goes to the next server.
func (l *serverList) moving() bool { return l.tries <= 1 && l.i+1 < len(l.all) }

// next moves on to the next server, if there is one.
func (l *serverList) next() bool {
	if l.i+1 >= len(l.all) {
		return false
	}
	l.i++
	return true
}

// lookupServer is every address of an @server's name of the family, as
// getaddrinfo gives them to dig: glibc sorts them by the default
// precedence of RFC 3484 (section 2.1, glibc's table when gai.conf sets
// none), so IPv6 comes before IPv4, where Go's resolver keeps the hosts
// file's order and sorts DNS answers by RFC 6724's, IPv4 before ULAs.
// glibc's first rules (no route, scope) are not followed.
func lookupServer(ctx context.Context, host string, family cli.Family) ([]netip.Addr, error) {
	addrs, err := cli.ResolveAll(ctx, host, family)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int { return cmp.Compare(precedence(b), precedence(a)) })
	return addrs, nil
}

// precedence is an address's in glibc's default table (RFC 3484 2.1):
// ::1 50, ::/0 40, 2002::/16 (6to4) 30, ::/96 (IPv4-compatible) 20,
// IPv4 (as ::ffff:0:0/96) 10.
func precedence(a netip.Addr) int {
	b := a.As16()
	switch {
	case a.Is4():
		return 10
	case a == netip.IPv6Loopback():
		return 50
	case b[0] == 0x20 && b[1] == 0x02:
		return 30
	case [12]byte(b[:12]) == [12]byte{}:
		return 20
	}
	return 40
}

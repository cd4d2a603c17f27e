package sockopt

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// SetLooseSourceRoute sets the loose source route through gateways that
// traceroute -g sets. IPv4: an LSRR option (RFC 791: NOP, type 131,
// length, pointer 4, the gateways, then dst) in IP_OPTIONS. IPv6: a type 0
// routing header (RFC 2460) in IPV6_RTHDR, which Linux refuses (EINVAL)
// since RFC 5095 deprecated it, as it refuses traceroute's.
func SetLooseSourceRoute(fd int, gateways []netip.Addr, dst netip.Addr) error {
	if dst.Is6() {
		hdr := []byte{0, byte(2 * len(gateways)), 0, byte(len(gateways)), 0, 0, 0, 0}
		for _, g := range gateways {
			a := g.As16()
			hdr = append(hdr, a[:]...)
		}
		return unix.SetsockoptString(fd, unix.IPPROTO_IPV6, unix.IPV6_RTHDR, string(hdr))
	}
	opt := []byte{1, 131, byte(3 + 4*(len(gateways)+1)), 4}
	for _, g := range append(gateways, dst) {
		a := g.Unmap().As4()
		opt = append(opt, a[:]...)
	}
	return unix.SetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, string(opt))
}

// LooseSourceRouteLen is what the option or header adds to each packet.
func LooseSourceRouteLen(gateways int, v6 bool) int {
	if v6 {
		return 8 + 16*gateways
	}
	return 4 + 4*(gateways+1)
}

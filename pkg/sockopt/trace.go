package sockopt

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// The socket options traceroute sets on request: -d (SO_DEBUG), -r
// (SO_DONTROUTE) and --fwmark (SO_MARK). SO_DEBUG and SO_MARK need
// CAP_NET_ADMIN; the kernel refuses them with EPERM (EACCES for SO_DEBUG)
// otherwise, as it refuses traceroute.

// SetDebug sets SO_DEBUG, the socket-level debugging flag.
func SetDebug(fd int, on bool) error { return setBool(fd, unix.SOL_SOCKET, unix.SO_DEBUG, on) }

// Debug reads SO_DEBUG.
func Debug(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_DEBUG) }

// SetDontRoute sets SO_DONTROUTE: packets go only to hosts on an attached
// network, as if every destination were on the link, bypassing the routes.
func SetDontRoute(fd int, on bool) error {
	return setBool(fd, unix.SOL_SOCKET, unix.SO_DONTROUTE, on)
}

// DontRoute reads SO_DONTROUTE.
func DontRoute(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_DONTROUTE) }

// SetMark sets SO_MARK, the firewall mark of the socket's packets (what
// nftables matches as meta mark and ip rule as fwmark).
func SetMark(fd int, mark uint32) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_MARK, int(int32(mark)))
}

// Mark reads SO_MARK.
func Mark(fd int) (uint32, error) {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_MARK)
	return uint32(int32(v)), err
}

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

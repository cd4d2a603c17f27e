package sockopt

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Sockaddr is ap for bind(2), connect(2) and sendto(2). An IPv4-mapped
// address stays IPv6 (a dual-stack socket wants it so); a zone names the
// IPv6 scope, by number or by interface name, and an unknown zone is an
// error.
func Sockaddr(ap netip.AddrPort) (unix.Sockaddr, error) {
	a := ap.Addr()
	if a.Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: a.As16()}
	if zone := a.Zone(); zone != "" {
		if id, err := strconv.Atoi(zone); err == nil {
			sa.ZoneId = uint32(id)
		} else if ifi, err := net.InterfaceByName(zone); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else {
			return nil, fmt.Errorf("zone %q: %w", zone, err)
		}
	}
	return sa, nil
}

// MustSockaddr is Sockaddr for an address without a zone (or with a
// numeric one), where no error is possible: probe destinations and
// sources the tool itself resolved.
func MustSockaddr(ap netip.AddrPort) unix.Sockaddr {
	sa, err := Sockaddr(ap)
	if err != nil {
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	return sa
}

// AddrPortOf is what getsockname, getpeername, accept or recvfrom returned,
// as an address; an IPv4 peer of a dual-stack socket reads as IPv4, as Go's
// RemoteAddr has it. Anything but an inet sockaddr is the zero AddrPort.
func AddrPortOf(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// Htons is v in network byte order, as AF_PACKET's protocol numbers want it
// (the kernel compares them with the frame's big-endian EtherType).
func Htons(v uint16) uint16 { return v<<8 | v>>8 }

// OpenPacket opens a non-blocking AF_PACKET socket of sotype
// (unix.SOCK_RAW for whole frames, unix.SOCK_DGRAM without the link
// header) for EtherType proto (unix.ETH_P_ARP, unix.ETH_P_ALL, ...),
// bound to the interface ifindex; 0 leaves it unbound, seeing every
// interface. Being non-blocking, its reads go through Go's poller once it
// is wrapped in an *os.File, and Close interrupts them.
func OpenPacket(ifindex, sotype int, proto uint16) (int, error) {
	fd, err := unix.Socket(unix.AF_PACKET, sotype|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(Htons(proto)))
	if err != nil {
		return -1, os.NewSyscallError("socket(AF_PACKET)", err)
	}
	if ifindex != 0 {
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: Htons(proto), Ifindex: ifindex}); err != nil {
			unix.Close(fd)
			return -1, os.NewSyscallError("bind(AF_PACKET)", err)
		}
	}
	return fd, nil
}

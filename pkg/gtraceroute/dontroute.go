package gtraceroute

import (
	"net/netip"
	"os"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netroute"
	"gnetutils/pkg/sockopt"
)

// reachable fails as traceroute's connect fails when there is no way to
// dst: no route, or with -r (SO_DONTROUTE) no attached network that
// holds it.
func (c config) reachable() error {
	if _, err := netroute.Source(c.addr, c.probe.src); err != nil {
		return err
	}
	if !c.probe.noRoute {
		return nil
	}
	family := unix.AF_INET
	if c.addr.Is6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	if err := sockopt.SetDontRoute(fd, true); err != nil {
		return os.NewSyscallError("setsockopt SO_DONTROUTE", err)
	}
	if err := unix.Connect(fd, sockopt.MustSockaddr(netip.AddrPortFrom(c.addr, 33434))); err != nil {
		return os.NewSyscallError("connect", err)
	}
	return nil
}

package echo

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// listenBacklog asks for the longest accept queue; the kernel caps it at
// net.core.somaxconn, as Go's own listeners get.
const listenBacklog = 1 << 16

// reusePortSocket opens one raw socket of a SO_REUSEPORT group bound to
// addr (typ unix.SOCK_DGRAM or unix.SOCK_STREAM, then listening) and says
// which address it got. The shards serve these descriptors from their own
// threads with plain system calls, outside Go's netpoller: UDP sockets
// stay blocking (a shard sleeps in recvmmsg itself), TCP listeners are
// non-blocking (a shard's epoll set watches them).
func reusePortSocket(addr netip.AddrPort, typ int) (int, netip.AddrPort, error) {
	family := unix.AF_INET6
	if addr.Addr().Unmap().Is4() {
		family, addr = unix.AF_INET, netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	}
	flags := unix.SOCK_CLOEXEC
	if typ == unix.SOCK_STREAM {
		flags |= unix.SOCK_NONBLOCK
	}
	fd, err := unix.Socket(family, typ|flags, 0)
	if err != nil {
		return -1, netip.AddrPort{}, fmt.Errorf("socket: %w", err)
	}
	fail := func(what string, err error) (int, netip.AddrPort, error) {
		unix.Close(fd)
		return -1, netip.AddrPort{}, fmt.Errorf("%s %s: %w", what, addr, err)
	}
	if err := sockopt.SetReusePort(fd, true); err != nil {
		return fail("SO_REUSEPORT", err)
	}
	if typ == unix.SOCK_STREAM {
		// As Go's listeners: a restart may bind while old connections linger
		// in TIME_WAIT.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("SO_REUSEADDR", err)
		}
	}
	if family == unix.AF_INET6 {
		// As Go's "udp"/"tcp" networks: :: takes IPv4 (mapped) too.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0); err != nil {
			return fail("IPV6_V6ONLY", err)
		}
	}
	sa, err := sockopt.Sockaddr(addr)
	if err != nil {
		// The zone's own error: addr, in the message already, names the zone.
		if inner := errors.Unwrap(err); inner != nil {
			err = inner
		}
		return fail("bind", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if typ == unix.SOCK_STREAM {
		if err := unix.Listen(fd, listenBacklog); err != nil {
			return fail("listen", err)
		}
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, sockopt.AddrPortOf(got), nil
}

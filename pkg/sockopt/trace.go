package sockopt

import "golang.org/x/sys/unix"

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

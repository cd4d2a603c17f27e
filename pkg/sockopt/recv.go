package sockopt

import (
	"encoding/binary"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Receiver is one reader's recvmsg(2) state, set up once and reused for
// every message: the buffers, the source address and the msghdr. It exists
// because unix.Recvmsg allocates a Sockaddr per message and, for every
// AF_INET or AF_INET6 source, asks the kernel for SO_PROTOCOL (an L2TP
// check): a second syscall per packet, which a ping flood paid on every
// reply. A Receiver is not safe for concurrent use.
type Receiver struct {
	Buf []byte // the last message read is Buf[:n]
	oob []byte
	src unix.RawSockaddrAny
	iov unix.Iovec
	msg unix.Msghdr
}

// NewReceiver makes a Receiver for messages of up to size bytes.
func NewReceiver(size int) *Receiver {
	r := &Receiver{Buf: make([]byte, max(size, 1)), oob: make([]byte, OOBSize)}
	r.iov.Base = &r.Buf[0]
	r.iov.SetLen(len(r.Buf))
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	return r
}

// Read reads one message into r.Buf without blocking (unix.EAGAIN when
// there is none; flags may add unix.MSG_ERRQUEUE): its length, ancillary
// data and source address (from the error queue: the destination of the
// packet the error is about). A malformed control message is an error
// beside a valid n.
func (r *Receiver) Read(fd, flags int) (n int, anc Ancillary, from netip.AddrPort, err error) {
	r.msg.Name = (*byte)(unsafe.Pointer(&r.src))
	r.msg.Namelen = unix.SizeofSockaddrAny
	r.msg.Control = &r.oob[0]
	r.msg.SetControllen(len(r.oob))
	r.msg.Flags = 0
	// RawSyscall: with MSG_DONTWAIT recvmsg never blocks, so the runtime
	// need not hand this thread's P to another while it runs.
	ret, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.msg)), uintptr(flags|unix.MSG_DONTWAIT))
	if errno != 0 {
		return 0, Ancillary{TTL: -1}, netip.AddrPort{}, errno
	}
	name := unsafe.Slice((*byte)(unsafe.Pointer(&r.src)), unix.SizeofSockaddrAny)[:min(int(r.msg.Namelen), unix.SizeofSockaddrAny)]
	from = ParseSockaddr(name)
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	anc, err = ParseAncillary(r.oob[:r.msg.Controllen])
	return int(ret), anc, from, err
}

// ParseSockaddr decodes a sockaddr_in or sockaddr_in6 as the kernel wrote
// it (an IPv4-mapped address stays mapped); the zero AddrPort for any other
// family or short input.
func ParseSockaddr(b []byte) netip.AddrPort {
	if len(b) < 2 {
		return netip.AddrPort{}
	}
	switch binary.NativeEndian.Uint16(b[0:2]) { // sa_family
	case unix.AF_INET:
		if len(b) >= unix.SizeofSockaddrInet4 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4]))
		}
	case unix.AF_INET6:
		if len(b) >= unix.SizeofSockaddrInet6 {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), binary.BigEndian.Uint16(b[2:4]))
		}
	}
	return netip.AddrPort{}
}

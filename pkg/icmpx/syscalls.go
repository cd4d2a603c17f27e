package icmpx

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// receiver is one reader's recvmsg(2) state, set up once and reused for
// every message. unix.Recvmsg, which sockopt.Recv wraps, allocates a
// Sockaddr per message and, for every AF_INET source, asks the kernel for
// SO_PROTOCOL (an L2TP check): a second syscall per reply. A flood paid for
// both on every packet.
type receiver struct {
	buf, oob []byte
	from     unix.RawSockaddrAny
	iov      unix.Iovec
	msg      unix.Msghdr
}

func newReceiver(size int) *receiver {
	r := &receiver{buf: make([]byte, size), oob: make([]byte, sockopt.OOBSize)}
	r.iov.Base = &r.buf[0]
	r.iov.SetLen(len(r.buf))
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	return r
}

// read reads one message without blocking (flags add MSG_ERRQUEUE) into
// r.buf: its length, ancillary data and source (or, from the error queue,
// the destination of the packet the error is about).
func (r *receiver) read(fd, flags int) (n int, anc sockopt.Ancillary, addr netip.Addr, err error) {
	r.msg.Name = (*byte)(unsafe.Pointer(&r.from))
	r.msg.Namelen = unix.SizeofSockaddrAny
	r.msg.Control = &r.oob[0]
	r.msg.SetControllen(len(r.oob))
	r.msg.Flags = 0
	// RawSyscall: MSG_DONTWAIT never blocks, so the runtime need not hand
	// this thread's P to another while it runs.
	ret, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&r.msg)), uintptr(flags|unix.MSG_DONTWAIT))
	if errno != 0 {
		return 0, sockopt.Ancillary{TTL: -1}, netip.Addr{}, errno
	}
	anc, err = sockopt.ParseAncillary(r.oob[:r.msg.Controllen])
	return int(ret), anc, r.source(), err
}

// source is the address recvmsg filled in (sockaddr_in or sockaddr_in6).
func (r *receiver) source() netip.Addr {
	if r.msg.Namelen < 2 {
		return netip.Addr{}
	}
	switch r.from.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&r.from))
		return netip.AddrFrom4(sa.Addr)
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(&r.from))
		return netip.AddrFrom16(sa.Addr).Unmap()
	}
	return netip.Addr{}
}

// setDst builds dstSA from dst.
func (c *Conn) setDst() {
	if c.dst.Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&c.dstSA))
		sa.Family, sa.Addr = unix.AF_INET, c.dst.As4()
		c.dstSALen = unix.SizeofSockaddrInet4
		return
	}
	c.dstSA.Family, c.dstSA.Addr = unix.AF_INET6, c.dst.As16()
	c.dstSALen = unix.SizeofSockaddrInet6
}

// sendto sends b to the destination without blocking. RawSyscall, as for
// read: with MSG_DONTWAIT it never blocks. Through Syscall a flood's
// sendto, which carries the reply's whole round trip in its softirq, was
// long enough for the runtime's monitor to take the P away from it on
// every packet it caught, a thread hand-over each time.
func (c *Conn) sendto(fd int, b []byte) error {
	_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)),
		unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&c.dstSA)), c.dstSALen)
	if errno != 0 {
		return errno
	}
	return nil
}

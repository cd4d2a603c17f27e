package icmpx

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

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

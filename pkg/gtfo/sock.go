package gtfo

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TEMPORARY: replaced by pkg/sockopt once it is committed.

func control(c syscall.RawConn, f func(fd int) error) error {
	var ferr error
	if err := c.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func connControl(conn net.Conn, f func(fd int) error) error {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return syscall.EINVAL
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return control(rc, f)
}

func setFastOpen(fd, qlen int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN, qlen)
}

func setFastOpenConnect(fd int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN_CONNECT, 1)
}

func setQuickAck(fd int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1)
}

type tcpInfo struct {
	SynData       bool
	ClientFail    int
	BytesReceived uint64
	RTTMicros     uint32
}

func getTCPInfo(fd int) (tcpInfo, error) {
	ti, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return tcpInfo{}, err
	}
	// struct tcp_info's byte 7 holds tcpi_delivery_rate_app_limited:1 and
	// tcpi_fastopen_client_fail:2 (bit fields x/sys leaves as padding).
	b7 := *(*uint8)(unsafe.Add(unsafe.Pointer(ti), 7))
	return tcpInfo{SynData: ti.Options&0x20 != 0, ClientFail: int(b7>>1) & 3, BytesReceived: ti.Bytes_received, RTTMicros: ti.Rtt}, nil
}

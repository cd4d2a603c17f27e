package sockopt

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Ancillary is what the kernel attached to one received message.
type Ancillary struct {
	// Time is the kernel's receive timestamp (SO_TIMESTAMPNS); zero if none.
	Time time.Time
	// TTL is the received TTL or hop limit (SetRecvTTL); -1 if none.
	TTL int
	// Err is the extended error of a message read from the error queue
	// (IP_RECVERR / IPV6_RECVERR); nil if none.
	Err *ExtendedErr
}

// ExtendedErr is the kernel's struct sock_extended_err with its offender.
type ExtendedErr struct {
	Errno  unix.Errno
	Origin uint8 // unix.SO_EE_ORIGIN_LOCAL, _ICMP, _ICMP6, ...
	Type   uint8 // ICMP type, for ICMP origins
	Code   uint8 // ICMP code, for ICMP origins
	// Info is the next-hop MTU for "fragmentation needed" and "packet too
	// big", and for local EMSGSIZE errors the MTU the kernel knows.
	Info uint32
	Data uint32
	// Offender is who sent the ICMP error (a router, or the destination);
	// invalid when the kernel gave none (local errors).
	Offender netip.Addr
}

// FromICMP reports whether the error came from an ICMP (v4 or v6) message
// rather than from the local stack.
func (e *ExtendedErr) FromICMP() bool {
	return e.Origin == unix.SO_EE_ORIGIN_ICMP || e.Origin == unix.SO_EE_ORIGIN_ICMP6
}

// errShortCmsg is returned for control messages shorter than their type
// requires; the kernel never sends one, so it means a corrupt buffer.
var errShortCmsg = errors.New("sockopt: control message too short")

const sizeofSockExtendedErr = 16

// ParseAncillary decodes the control messages of one recvmsg: receive
// timestamp, TTL or hop limit, and extended error. Unknown messages are
// skipped; malformed ones are an error, never a panic.
func ParseAncillary(oob []byte) (Ancillary, error) {
	anc := Ancillary{TTL: -1}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return anc, err
	}
	for _, m := range msgs {
		h, data := m.Header, m.Data
		switch {
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS:
			if len(data) < 16 {
				return anc, errShortCmsg
			}
			sec := int64(binary.NativeEndian.Uint64(data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(data[8:16]))
			anc.Time = time.Unix(sec, nsec)
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_TTL,
			h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_HOPLIMIT:
			if len(data) < 4 {
				return anc, errShortCmsg
			}
			anc.TTL = int(int32(binary.NativeEndian.Uint32(data[0:4])))
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_RECVERR,
			h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_RECVERR:
			ee, err := parseExtendedErr(data)
			if err != nil {
				return anc, err
			}
			anc.Err = ee
		}
	}
	return anc, nil
}

// parseExtendedErr decodes struct sock_extended_err and the sockaddr the
// kernel appends to it (SO_EE_OFFENDER).
func parseExtendedErr(b []byte) (*ExtendedErr, error) {
	if len(b) < sizeofSockExtendedErr {
		return nil, errShortCmsg
	}
	ee := &ExtendedErr{
		Errno:  unix.Errno(binary.NativeEndian.Uint32(b[0:4])),
		Origin: b[4],
		Type:   b[5],
		Code:   b[6],
		Info:   binary.NativeEndian.Uint32(b[8:12]),
		Data:   binary.NativeEndian.Uint32(b[12:16]),
	}
	ee.Offender = parseSockaddr(b[sizeofSockExtendedErr:])
	return ee, nil
}

// parseSockaddr decodes a sockaddr_in or sockaddr_in6 address (the port is
// not needed by any caller); the zero Addr for AF_UNSPEC or short input.
func parseSockaddr(b []byte) netip.Addr {
	if len(b) < 2 {
		return netip.Addr{}
	}
	switch binary.NativeEndian.Uint16(b[0:2]) {
	case unix.AF_INET:
		if len(b) >= 8 {
			return netip.AddrFrom4([4]byte(b[4:8]))
		}
	case unix.AF_INET6:
		if len(b) >= 24 {
			return netip.AddrFrom16([16]byte(b[8:24])).Unmap()
		}
	}
	return netip.Addr{}
}

// sockaddrAddrPort converts what Recvmsg returned as the message's address.
func sockaddrAddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// OOBSize is a control-message buffer large enough for everything
// ParseAncillary understands arriving at once.
const OOBSize = 512

// RecvErrQueue reads one message from the socket's error queue without
// blocking (unix.EAGAIN when it is empty). buf receives the start of the
// packet that caused the error (for ICMP sockets the ICMP header, for UDP
// the payload); dst is that packet's destination, anc.Err the error.
func RecvErrQueue(fd int, buf, oob []byte) (n int, anc Ancillary, dst netip.AddrPort, err error) {
	n, oobn, _, sa, err := unix.Recvmsg(fd, buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	if err != nil {
		return 0, Ancillary{TTL: -1}, netip.AddrPort{}, err
	}
	anc, err = ParseAncillary(oob[:oobn])
	return n, anc, sockaddrAddrPort(sa), err
}

// Recv reads one message (blocking unless flags say otherwise) with its
// ancillary data.
func Recv(fd int, buf, oob []byte, flags int) (n int, anc Ancillary, from netip.AddrPort, err error) {
	n, oobn, _, sa, err := unix.Recvmsg(fd, buf, oob, flags)
	if err != nil {
		return 0, Ancillary{TTL: -1}, netip.AddrPort{}, err
	}
	anc, err = ParseAncillary(oob[:oobn])
	return n, anc, sockaddrAddrPort(sa), err
}

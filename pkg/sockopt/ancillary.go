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

// cmsgLenSize is the size of struct cmsghdr's cmsg_len (a size_t): the
// header's level and type follow it.
const cmsgLenSize = unix.SizeofCmsghdr - 8

// cmsgAlign rounds n up to the alignment of control messages (a long).
func cmsgAlign(n int) int {
	const salign = unix.SizeofPtr
	return (n + salign - 1) &^ (salign - 1)
}

// ParseAncillary decodes the control messages of one recvmsg: receive
// timestamp, TTL or hop limit, and extended error. Unknown messages are
// skipped; malformed ones are an error, never a panic.
func ParseAncillary(oob []byte) (Ancillary, error) {
	anc := Ancillary{TTL: -1}
	// Walked in place, as unix.ParseSocketControlMessage walks it, without
	// the slice of messages it allocates for every packet.
	for len(oob) >= unix.CmsgLen(0) {
		msgLen := uint64(binary.NativeEndian.Uint32(oob))
		if cmsgLenSize == 8 {
			msgLen = binary.NativeEndian.Uint64(oob)
		}
		if msgLen < unix.SizeofCmsghdr || msgLen > uint64(len(oob)) {
			return anc, unix.EINVAL
		}
		h := struct{ Level, Type int32 }{int32(binary.NativeEndian.Uint32(oob[cmsgLenSize:])), int32(binary.NativeEndian.Uint32(oob[cmsgLenSize+4:]))}
		data := oob[unix.CmsgLen(0):msgLen]
		oob = oob[min(cmsgAlign(int(msgLen)), len(oob)):]
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
	ee.Offender = ParseSockaddr(b[sizeofSockExtendedErr:]).Addr().Unmap()
	return ee, nil
}

// OOBSize is a control-message buffer large enough for everything
// ParseAncillary understands arriving at once.
const OOBSize = 512

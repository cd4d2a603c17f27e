// Package sockopt holds the Linux socket options the suite uses, once, as
// small typed helpers over golang.org/x/sys/unix, and the parsers for what
// the kernel hands back through them: control messages (receive timestamps,
// TTL, IP_RECVERR extended errors) and TCP_INFO.
//
// Every helper takes a raw file descriptor; Control and ControlFunc reach the
// descriptor of a Go socket without taking it out of the runtime poller.
package sockopt

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Control runs f with the file descriptor of c, which is a syscall.RawConn
// or anything with a SyscallConn method (*net.UDPConn, *net.TCPConn,
// *net.IPConn, net.Listener implementations, ...).
func Control(c any, f func(fd int) error) error {
	var rc syscall.RawConn
	switch v := c.(type) {
	case syscall.RawConn:
		rc = v
	case syscall.Conn:
		var err error
		if rc, err = v.SyscallConn(); err != nil {
			return err
		}
	default:
		return fmt.Errorf("sockopt: %T has no file descriptor", c)
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// ControlFunc adapts f to the Control field of net.ListenConfig and
// net.Dialer, so options are set before bind/connect (SO_REUSEPORT and
// TCP_FASTOPEN_CONNECT must be).
func ControlFunc(f func(fd int) error) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error { return Control(c, f) }
}

func setBool(fd, level, opt int, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return unix.SetsockoptInt(fd, level, opt, v)
}

func getBool(fd, level, opt int) (bool, error) {
	v, err := unix.GetsockoptInt(fd, level, opt)
	return v != 0, err
}

// ipLevel picks the IPv4 or IPv6 variant of an option.
func ipLevel(v6 bool, opt4, opt6 int) (level, opt int) {
	if v6 {
		return unix.IPPROTO_IPV6, opt6
	}
	return unix.IPPROTO_IP, opt4
}

// SetReusePort sets SO_REUSEPORT: several sockets bound to one address, the
// kernel spreading flows across them.
func SetReusePort(fd int, on bool) error { return setBool(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, on) }

// ReusePort reads SO_REUSEPORT.
func ReusePort(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT) }

// SetFastOpen enables TCP Fast Open on a listening socket with a queue of
// qlen pending fast-open requests (0 disables).
func SetFastOpen(fd, qlen int) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN, qlen)
}

// FastOpen reads TCP_FASTOPEN (the queue length).
func FastOpen(fd int) (int, error) {
	return unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN)
}

// SetFastOpenConnect makes connect() defer the SYN to the first write, so
// the data rides in it when the client holds a cookie.
func SetFastOpenConnect(fd int, on bool) error {
	return setBool(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN_CONNECT, on)
}

// FastOpenConnect reads TCP_FASTOPEN_CONNECT.
func FastOpenConnect(fd int) (bool, error) {
	return getBool(fd, unix.IPPROTO_TCP, unix.TCP_FASTOPEN_CONNECT)
}

// SetNoDelay sets TCP_NODELAY (disables Nagle's algorithm).
func SetNoDelay(fd int, on bool) error { return setBool(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, on) }

// NoDelay reads TCP_NODELAY.
func NoDelay(fd int) (bool, error) { return getBool(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY) }

// SetQuickAck sets TCP_QUICKACK. The kernel clears it again on its own (it
// is not sticky), so callers that want it throughout set it after each read.
func SetQuickAck(fd int, on bool) error { return setBool(fd, unix.IPPROTO_TCP, unix.TCP_QUICKACK, on) }

// QuickAck reads TCP_QUICKACK.
func QuickAck(fd int) (bool, error) { return getBool(fd, unix.IPPROTO_TCP, unix.TCP_QUICKACK) }

// PMTUDMode is a value of IP_MTU_DISCOVER / IPV6_MTU_DISCOVER.
type PMTUDMode int

// The path-MTU discovery modes; the IPv4 and IPv6 constants have the same
// values.
const (
	PMTUDDont  PMTUDMode = unix.IP_PMTUDISC_DONT  // never set DF, fragment locally
	PMTUDWant  PMTUDMode = unix.IP_PMTUDISC_WANT  // DF unless the route's MTU is smaller
	PMTUDDo    PMTUDMode = unix.IP_PMTUDISC_DO    // always DF, EMSGSIZE above the path MTU
	PMTUDProbe PMTUDMode = unix.IP_PMTUDISC_PROBE // always DF, ignore the cached path MTU (for probing)
)

// String names the mode as ping's -M does.
func (m PMTUDMode) String() string {
	switch m {
	case PMTUDDont:
		return "dont"
	case PMTUDWant:
		return "want"
	case PMTUDDo:
		return "do"
	case PMTUDProbe:
		return "probe"
	}
	return fmt.Sprintf("PMTUDMode(%d)", int(m))
}

// ParsePMTUDMode parses ping's -M argument.
func ParsePMTUDMode(s string) (PMTUDMode, error) {
	for _, m := range []PMTUDMode{PMTUDDont, PMTUDWant, PMTUDDo, PMTUDProbe} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, errors.New("invalid -M argument: " + s + " (want do, dont, want or probe)")
}

// SetMTUDiscover sets IP_MTU_DISCOVER (or IPV6_MTU_DISCOVER).
func SetMTUDiscover(fd int, v6 bool, m PMTUDMode) error {
	level, opt := ipLevel(v6, unix.IP_MTU_DISCOVER, unix.IPV6_MTU_DISCOVER)
	return unix.SetsockoptInt(fd, level, opt, int(m))
}

// MTUDiscover reads IP_MTU_DISCOVER (or IPV6_MTU_DISCOVER).
func MTUDiscover(fd int, v6 bool) (PMTUDMode, error) {
	level, opt := ipLevel(v6, unix.IP_MTU_DISCOVER, unix.IPV6_MTU_DISCOVER)
	v, err := unix.GetsockoptInt(fd, level, opt)
	return PMTUDMode(v), err
}

// PathMTU reads the kernel's current path MTU towards the peer of a
// connected socket (IP_MTU / IPV6_MTU).
func PathMTU(fd int, v6 bool) (int, error) {
	level, opt := ipLevel(v6, unix.IP_MTU, unix.IPV6_MTU)
	return unix.GetsockoptInt(fd, level, opt)
}

// The IP header a packet size counts besides its transport: IPv4's
// without options (as every probe engine sends it), IPv6's fixed header.
const (
	IPv4HeaderLen = 20
	IPv6HeaderLen = 40
)

// IPHeaderLen is IPv6HeaderLen for v6, IPv4HeaderLen otherwise.
func IPHeaderLen(v6 bool) int {
	if v6 {
		return IPv6HeaderLen
	}
	return IPv4HeaderLen
}

// SetRecvErr sets IP_RECVERR (or IPV6_RECVERR): ICMP errors about our
// packets are queued on the socket's error queue, with the offender's
// address, instead of being reduced to an errno (or lost).
func SetRecvErr(fd int, v6, on bool) error {
	level, opt := ipLevel(v6, unix.IP_RECVERR, unix.IPV6_RECVERR)
	return setBool(fd, level, opt, on)
}

// RecvErr reads IP_RECVERR (or IPV6_RECVERR).
func RecvErr(fd int, v6 bool) (bool, error) {
	level, opt := ipLevel(v6, unix.IP_RECVERR, unix.IPV6_RECVERR)
	return getBool(fd, level, opt)
}

// SetTTL sets the TTL (IPv4) or unicast hop limit (IPv6) of outgoing packets.
func SetTTL(fd int, v6 bool, ttl int) error {
	level, opt := ipLevel(v6, unix.IP_TTL, unix.IPV6_UNICAST_HOPS)
	return unix.SetsockoptInt(fd, level, opt, ttl)
}

// TTL reads IP_TTL (or IPV6_UNICAST_HOPS).
func TTL(fd int, v6 bool) (int, error) {
	level, opt := ipLevel(v6, unix.IP_TTL, unix.IPV6_UNICAST_HOPS)
	return unix.GetsockoptInt(fd, level, opt)
}

// SetTOS sets the IPv4 TOS byte (or the IPv6 traffic class).
func SetTOS(fd int, v6 bool, tos int) error {
	level, opt := ipLevel(v6, unix.IP_TOS, unix.IPV6_TCLASS)
	return unix.SetsockoptInt(fd, level, opt, tos)
}

// TOS reads IP_TOS (or IPV6_TCLASS).
func TOS(fd int, v6 bool) (int, error) {
	level, opt := ipLevel(v6, unix.IP_TOS, unix.IPV6_TCLASS)
	return unix.GetsockoptInt(fd, level, opt)
}

// SetRecvTTL asks for the received packet's TTL (or hop limit) as a control
// message.
func SetRecvTTL(fd int, v6, on bool) error {
	level, opt := ipLevel(v6, unix.IP_RECVTTL, unix.IPV6_RECVHOPLIMIT)
	return setBool(fd, level, opt, on)
}

// RecvTTL reads IP_RECVTTL (or IPV6_RECVHOPLIMIT).
func RecvTTL(fd int, v6 bool) (bool, error) {
	level, opt := ipLevel(v6, unix.IP_RECVTTL, unix.IPV6_RECVHOPLIMIT)
	return getBool(fd, level, opt)
}

// SetTimestampNS asks for the kernel's receive time of each packet, in
// nanoseconds, as a control message (SO_TIMESTAMPNS): RTTs then exclude our
// own scheduling delay.
func SetTimestampNS(fd int, on bool) error {
	return setBool(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, on)
}

// TimestampNS reads SO_TIMESTAMPNS.
func TimestampNS(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS) }

// SetBindToDevice binds the socket to an interface (SO_BINDTODEVICE), as
// ping -I <ifname> does.
func SetBindToDevice(fd int, ifname string) error {
	return unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname)
}

// BindToDevice reads SO_BINDTODEVICE ("" when unbound).
func BindToDevice(fd int) (string, error) {
	return unix.GetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE)
}

// ICMP_FILTER (linux/icmp.h, level SOL_RAW) and ICMPV6_FILTER
// (linux/icmpv6.h, level IPPROTO_ICMPV6): x/sys/unix has neither.
const (
	icmpFilter   = 1
	icmpv6Filter = 1
)

// SetICMPFilter lets a raw ICMP (v6: ICMPv6) socket receive only messages
// of the given types, as ping's raw sockets do: every other ICMP message
// the host gets (echo requests, neighbour discovery, ...) no longer wakes
// the socket. In both kernel filters a set bit blocks its type; IPv4's
// covers types 0-31 only and lets every higher type through.
func SetICMPFilter(fd int, v6 bool, pass ...uint8) error {
	if !v6 {
		block := ^uint32(0)
		for _, t := range pass {
			if t < 32 {
				block &^= 1 << t
			}
		}
		return unix.SetsockoptInt(fd, unix.SOL_RAW, icmpFilter, int(int32(block)))
	}
	var f unix.ICMPv6Filter // struct icmp6_filter: bit t&31 of word t>>5
	for i := range f.Data {
		f.Data[i] = ^uint32(0)
	}
	for _, t := range pass {
		f.Data[t>>5] &^= 1 << (t & 31)
	}
	return unix.SetsockoptICMPv6Filter(fd, unix.IPPROTO_ICMPV6, icmpv6Filter, &f)
}

// ICMPFilterPasses reads the socket's ICMP filter: does a message of type
// typ get through?
func ICMPFilterPasses(fd int, v6 bool, typ uint8) (bool, error) {
	if !v6 {
		block, err := unix.GetsockoptInt(fd, unix.SOL_RAW, icmpFilter)
		if err != nil {
			return false, err
		}
		return typ >= 32 || uint32(block)&(1<<typ) == 0, nil
	}
	f, err := unix.GetsockoptICMPv6Filter(fd, unix.IPPROTO_ICMPV6, icmpv6Filter)
	if err != nil {
		return false, err
	}
	return f.Data[typ>>5]&(1<<(typ&31)) == 0, nil
}

// SetDebug sets SO_DEBUG (ping -d, traceroute -d); the kernel wants
// CAP_NET_ADMIN to turn it on.
func SetDebug(fd int, on bool) error { return setBool(fd, unix.SOL_SOCKET, unix.SO_DEBUG, on) }

// Debug reads SO_DEBUG.
func Debug(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_DEBUG) }

// SetDontRoute sets SO_DONTROUTE (ping -r, traceroute -r): only hosts on a directly
// attached network are reached, whatever the routing table says.
func SetDontRoute(fd int, on bool) error { return setBool(fd, unix.SOL_SOCKET, unix.SO_DONTROUTE, on) }

// DontRoute reads SO_DONTROUTE.
func DontRoute(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_DONTROUTE) }

// SetBroadcast sets SO_BROADCAST (ping -b): sends to a broadcast address
// are allowed.
func SetBroadcast(fd int, on bool) error { return setBool(fd, unix.SOL_SOCKET, unix.SO_BROADCAST, on) }

// Broadcast reads SO_BROADCAST.
func Broadcast(fd int) (bool, error) { return getBool(fd, unix.SOL_SOCKET, unix.SO_BROADCAST) }

// SetMark sets SO_MARK (ping -m, traceroute --fwmark), the firewall mark of outgoing packets;
// it needs CAP_NET_ADMIN (or CAP_NET_RAW).
func SetMark(fd int, mark uint32) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_MARK, int(mark))
}

// Mark reads SO_MARK.
func Mark(fd int) (uint32, error) {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_MARK)
	return uint32(v), err
}

// SetSendBuffer sets SO_SNDBUF (ping -S); the kernel doubles the value
// for its own bookkeeping, and SendBuffer reads the doubled value.
func SetSendBuffer(fd, size int) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, size)
}

// SendBuffer reads SO_SNDBUF.
func SendBuffer(fd int) (int, error) { return unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF) }

// SetMulticastLoop sets IP_MULTICAST_LOOP (or IPV6_MULTICAST_LOOP): off
// (ping -L), our own multicast packets are not looped back to us.
func SetMulticastLoop(fd int, v6, on bool) error {
	level, opt := ipLevel(v6, unix.IP_MULTICAST_LOOP, unix.IPV6_MULTICAST_LOOP)
	return setBool(fd, level, opt, on)
}

// MulticastLoop reads IP_MULTICAST_LOOP (or IPV6_MULTICAST_LOOP).
func MulticastLoop(fd int, v6 bool) (bool, error) {
	level, opt := ipLevel(v6, unix.IP_MULTICAST_LOOP, unix.IPV6_MULTICAST_LOOP)
	return getBool(fd, level, opt)
}

// IPv6 flow label management (linux/in6.h); x/sys/unix has none of it.
const (
	ipv6FlowlabelMgr = 32  // IPV6_FLOWLABEL_MGR
	ipv6FlowinfoSend = 33  // IPV6_FLOWINFO_SEND
	ipv6FlAGet       = 0   // IPV6_FL_A_GET
	ipv6FlSExcl      = 1   // IPV6_FL_S_EXCL
	ipv6FlSAny       = 255 // IPV6_FL_S_ANY
	ipv6FlFCreate    = 1   // IPV6_FL_F_CREATE
)

// in6FlowlabelReq is struct in6_flowlabel_req.
type in6FlowlabelReq struct {
	dst     [16]byte
	label   uint32 // network order
	action  uint8
	share   uint8
	flags   uint16
	expires uint16
	linger  uint16
	_       uint32
}

// RequestFlowLabel asks the kernel for flow label label (20 bits) towards
// dst, for this socket alone, as ping -F does; label 0 lets the kernel
// pick one at random. It returns the label granted.
func RequestFlowLabel(fd int, dst netip.Addr, label uint32) (uint32, error) {
	return requestFlowLabel(fd, dst, label, ipv6FlSExcl)
}

// RequestSharedFlowLabel asks for flow label label towards dst as
// traceroute -l does: shared with any socket (IPV6_FL_S_ANY), so that
// every socket of a run, and the next run while the kernel still keeps
// the label (6 s after its last socket closed), may have it too.
func RequestSharedFlowLabel(fd int, dst netip.Addr, label uint32) (uint32, error) {
	return requestFlowLabel(fd, dst, label, ipv6FlSAny)
}

func requestFlowLabel(fd int, dst netip.Addr, label uint32, share uint8) (uint32, error) {
	req := in6FlowlabelReq{dst: dst.As16(), label: Htonl(label & 0xfffff), action: ipv6FlAGet, share: share, flags: ipv6FlFCreate}
	_, _, errno := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_IPV6, ipv6FlowlabelMgr,
		uintptr(unsafe.Pointer(&req)), unsafe.Sizeof(req), 0)
	if errno != 0 {
		return 0, errno
	}
	return Htonl(req.label), nil // the kernel writes a label it picked back
}

// SetFlowInfoSend sets IPV6_FLOWINFO_SEND: the flow information in the
// destination address given to sendto goes into the packets.
func SetFlowInfoSend(fd int, on bool) error {
	return setBool(fd, unix.IPPROTO_IPV6, ipv6FlowinfoSend, on)
}

// FlowInfoSend reads IPV6_FLOWINFO_SEND.
func FlowInfoSend(fd int) (bool, error) { return getBool(fd, unix.IPPROTO_IPV6, ipv6FlowinfoSend) }

// rawSockaddr6 is dst as a sockaddr_in6 with flow information flowinfo
// (traffic class and flow label, host order): unix.SockaddrInet6 has no
// place for it.
func rawSockaddr6(dst netip.AddrPort, flowinfo uint32) unix.RawSockaddrInet6 {
	return unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: Htons(dst.Port()), Flowinfo: Htonl(flowinfo), Addr: dst.Addr().As16()}
}

// SendtoFlow is sendto(2) to the IPv6 destination dst with flowinfo in
// its address: with IPV6_FLOWINFO_SEND on and the label granted
// (RequestFlowLabel), the packet carries it.
func SendtoFlow(fd int, b []byte, flags int, dst netip.AddrPort, flowinfo uint32) error {
	sa := rawSockaddr6(dst, flowinfo)
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	_, _, errno := unix.Syscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(p), uintptr(len(b)), uintptr(flags),
		uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet6)
	if errno != 0 {
		return errno
	}
	return nil
}

// ConnectFlow is connect(2) to the IPv6 destination dst with flowinfo in
// its address: a TCP connection's packets, or a connected datagram
// socket's, then carry the flow label (as SendtoFlow's).
func ConnectFlow(fd int, dst netip.AddrPort, flowinfo uint32) error {
	sa := rawSockaddr6(dst, flowinfo)
	_, _, errno := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet6)
	if errno != 0 {
		return errno
	}
	return nil
}

// Htonl swaps a uint32 between host (little-endian) and network order.
func Htonl(v uint32) uint32 { return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24 }

// SetIPOptions sets IP_OPTIONS: the options of every IPv4 header the
// socket sends (ping -R's record route).
func SetIPOptions(fd int, opts []byte) error {
	return unix.SetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, string(opts))
}

// IPOptions reads IP_OPTIONS.
func IPOptions(fd int) ([]byte, error) {
	b := make([]byte, 40)
	n, err := getsockoptBytes(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, b)
	return b[:n], err
}

func getsockoptBytes(fd, level, opt int, b []byte) (int, error) {
	n := uint32(len(b))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt),
		uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// UDP-Lite's checksum coverage options (linux/udp.h); x/sys/unix has none.
const (
	udpliteSendCscov = 10 // UDPLITE_SEND_CSCOV
	udpliteRecvCscov = 11 // UDPLITE_RECV_CSCOV
)

// SetUDPLiteCoverage sets a UDP-Lite socket's checksum coverage (RFC
// 3828): send is how many bytes of each datagram it sends the checksum
// covers, recv the fewest it takes in one it receives; 0 is the whole
// datagram, and the kernel raises anything else below 8 to the header's 8.
func SetUDPLiteCoverage(fd, send, recv int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_UDPLITE, udpliteSendCscov, send); err != nil {
		return err
	}
	return unix.SetsockoptInt(fd, unix.IPPROTO_UDPLITE, udpliteRecvCscov, recv)
}

// UDPLiteCoverage reads UDPLITE_SEND_CSCOV and UDPLITE_RECV_CSCOV.
func UDPLiteCoverage(fd int) (send, recv int, err error) {
	if send, err = unix.GetsockoptInt(fd, unix.IPPROTO_UDPLITE, udpliteSendCscov); err != nil {
		return 0, 0, err
	}
	recv, err = unix.GetsockoptInt(fd, unix.IPPROTO_UDPLITE, udpliteRecvCscov)
	return send, recv, err
}

package sockopt

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// socket opens a real socket of the given family and type for an option test.
func socket(t *testing.T, v6 bool, typ int) int {
	t.Helper()
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if v6 && errors.Is(err, unix.EAFNOSUPPORT) {
			t.Skip("no IPv6 on this machine")
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestOptionsRoundTrip sets each option on a real socket and reads the
// kernel's value back.
func TestOptionsRoundTrip(t *testing.T) {
	type check struct {
		name string
		v6   bool
		typ  int
		set  func(fd int) error
		get  func(fd int) (any, error)
		want any
	}
	b := func(v bool, err error) (any, error) { return v, err }
	i := func(v int, err error) (any, error) { return v, err }
	tests := []check{
		{"SO_REUSEPORT", false, unix.SOCK_DGRAM, func(fd int) error { return SetReusePort(fd, true) }, func(fd int) (any, error) { return b(ReusePort(fd)) }, true},
		{"TCP_FASTOPEN", false, unix.SOCK_STREAM, func(fd int) error { return SetFastOpen(fd, 16) }, func(fd int) (any, error) { return i(FastOpen(fd)) }, 16},
		{"TCP_FASTOPEN_CONNECT", false, unix.SOCK_STREAM, func(fd int) error { return SetFastOpenConnect(fd, true) }, func(fd int) (any, error) { return b(FastOpenConnect(fd)) }, true},
		{"TCP_NODELAY", true, unix.SOCK_STREAM, func(fd int) error { return SetNoDelay(fd, true) }, func(fd int) (any, error) { return b(NoDelay(fd)) }, true},
		{"TCP_QUICKACK off", false, unix.SOCK_STREAM, func(fd int) error { return SetQuickAck(fd, false) }, func(fd int) (any, error) { return b(QuickAck(fd)) }, false},
		{"IP_MTU_DISCOVER do", false, unix.SOCK_DGRAM, func(fd int) error { return SetMTUDiscover(fd, false, PMTUDDo) }, func(fd int) (any, error) { m, err := MTUDiscover(fd, false); return m, err }, PMTUDDo},
		{"IP_MTU_DISCOVER probe", false, unix.SOCK_DGRAM, func(fd int) error { return SetMTUDiscover(fd, false, PMTUDProbe) }, func(fd int) (any, error) { m, err := MTUDiscover(fd, false); return m, err }, PMTUDProbe},
		{"IPV6_MTU_DISCOVER dont", true, unix.SOCK_DGRAM, func(fd int) error { return SetMTUDiscover(fd, true, PMTUDDont) }, func(fd int) (any, error) { m, err := MTUDiscover(fd, true); return m, err }, PMTUDDont},
		{"IP_RECVERR", false, unix.SOCK_DGRAM, func(fd int) error { return SetRecvErr(fd, false, true) }, func(fd int) (any, error) { return b(RecvErr(fd, false)) }, true},
		{"IPV6_RECVERR", true, unix.SOCK_DGRAM, func(fd int) error { return SetRecvErr(fd, true, true) }, func(fd int) (any, error) { return b(RecvErr(fd, true)) }, true},
		{"IP_TTL", false, unix.SOCK_DGRAM, func(fd int) error { return SetTTL(fd, false, 7) }, func(fd int) (any, error) { return i(TTL(fd, false)) }, 7},
		{"IPV6_UNICAST_HOPS", true, unix.SOCK_DGRAM, func(fd int) error { return SetTTL(fd, true, 9) }, func(fd int) (any, error) { return i(TTL(fd, true)) }, 9},
		{"IP_TOS", false, unix.SOCK_DGRAM, func(fd int) error { return SetTOS(fd, false, 0x10) }, func(fd int) (any, error) { return i(TOS(fd, false)) }, 0x10},
		{"IPV6_TCLASS", true, unix.SOCK_DGRAM, func(fd int) error { return SetTOS(fd, true, 0xb8) }, func(fd int) (any, error) { return i(TOS(fd, true)) }, 0xb8},
		{"IP_RECVTTL", false, unix.SOCK_DGRAM, func(fd int) error { return SetRecvTTL(fd, false, true) }, func(fd int) (any, error) { return b(RecvTTL(fd, false)) }, true},
		{"IPV6_RECVHOPLIMIT", true, unix.SOCK_DGRAM, func(fd int) error { return SetRecvTTL(fd, true, true) }, func(fd int) (any, error) { return b(RecvTTL(fd, true)) }, true},
		{"SO_TIMESTAMPNS", false, unix.SOCK_DGRAM, func(fd int) error { return SetTimestampNS(fd, true) }, func(fd int) (any, error) { return b(TimestampNS(fd)) }, true},
		{"SO_DEBUG", false, unix.SOCK_DGRAM, func(fd int) error { return SetDebug(fd, true) }, func(fd int) (any, error) { return b(Debug(fd)) }, true},
		{"SO_DONTROUTE", false, unix.SOCK_DGRAM, func(fd int) error { return SetDontRoute(fd, true) }, func(fd int) (any, error) { return b(DontRoute(fd)) }, true},
		{"SO_BROADCAST", false, unix.SOCK_DGRAM, func(fd int) error { return SetBroadcast(fd, true) }, func(fd int) (any, error) { return b(Broadcast(fd)) }, true},
		{"SO_MARK", false, unix.SOCK_DGRAM, func(fd int) error { return SetMark(fd, 0x2a) }, func(fd int) (any, error) { m, err := Mark(fd); return m, err }, uint32(0x2a)},
		// The kernel doubles SO_SNDBUF for its bookkeeping.
		{"SO_SNDBUF", false, unix.SOCK_DGRAM, func(fd int) error { return SetSendBuffer(fd, 8192) }, func(fd int) (any, error) { return i(SendBuffer(fd)) }, 16384},
		{"IP_MULTICAST_LOOP off", false, unix.SOCK_DGRAM, func(fd int) error { return SetMulticastLoop(fd, false, false) }, func(fd int) (any, error) { return b(MulticastLoop(fd, false)) }, false},
		{"IPV6_MULTICAST_LOOP off", true, unix.SOCK_DGRAM, func(fd int) error { return SetMulticastLoop(fd, true, false) }, func(fd int) (any, error) { return b(MulticastLoop(fd, true)) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fd := socket(t, tc.v6, tc.typ)
			if err := tc.set(fd); err != nil {
				if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
					t.Skipf("%s needs CAP_NET_ADMIN: %v", tc.name, err)
				}
				t.Fatalf("set: %v", err)
			}
			got, err := tc.get(fd)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got != tc.want {
				t.Errorf("read back %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBindToDevice(t *testing.T) {
	fd := socket(t, false, unix.SOCK_DGRAM)
	if err := SetBindToDevice(fd, "lo"); err != nil {
		if errors.Is(err, unix.EPERM) {
			t.Skip("SO_BINDTODEVICE needs CAP_NET_RAW")
		}
		t.Fatal(err)
	}
	if got, err := BindToDevice(fd); err != nil || got != "lo" {
		t.Errorf("BindToDevice = %q, %v; want lo", got, err)
	}
}

func TestPMTUDModeNames(t *testing.T) {
	for _, s := range []string{"do", "dont", "want", "probe"} {
		t.Run(s, func(t *testing.T) {
			m, err := ParsePMTUDMode(s)
			if err != nil || m.String() != s {
				t.Errorf("ParsePMTUDMode(%q) = %v, %v", s, m, err)
			}
		})
	}
	if _, err := ParsePMTUDMode("maybe"); err == nil {
		t.Error("ParsePMTUDMode accepted maybe")
	}
}

// udpPair returns a bound UDP socket on loopback (raw fd) and its address.
func udpSocket(t *testing.T, v6 bool) (int, netip.AddrPort) {
	t.Helper()
	fd := socket(t, v6, unix.SOCK_DGRAM)
	var sa unix.Sockaddr = &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if v6 {
		sa = &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := got.(*unix.SockaddrInet4); ok {
		return fd, netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	}
	a := got.(*unix.SockaddrInet6)
	return fd, netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
}

func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if ap.Addr().Is4() {
		return &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	}
	return &unix.SockaddrInet6{Addr: ap.Addr().As16(), Port: int(ap.Port())}
}

// ipName names a subtest by its family.
func ipName(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

// closedPort returns a loopback UDP port nobody listens on.
func closedPort(t *testing.T, v6 bool) netip.AddrPort {
	fd, ap := udpSocket(t, v6)
	unix.Close(fd)
	return ap
}

// TestErrQueuePortUnreachable sends to a closed port on loopback and reads
// the kernel's ICMP port-unreachable back from the error queue, with the
// offender, the original destination and a kernel timestamp.
func TestErrQueuePortUnreachable(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		t.Run(ipName(v6), func(t *testing.T) {
			fd, _ := udpSocket(t, v6)
			if err := SetRecvErr(fd, v6, true); err != nil {
				t.Fatal(err)
			}
			if err := SetTimestampNS(fd, true); err != nil {
				t.Fatal(err)
			}
			dst := closedPort(t, v6)
			sent := time.Now()
			if err := unix.Sendto(fd, []byte("probe-payload"), 0, sockaddr(dst)); err != nil {
				t.Fatal(err)
			}
			rx := NewReceiver(1500)
			var (
				n   int
				anc Ancillary
				got netip.AddrPort
				err error
			)
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if n, anc, got, err = rx.Read(fd, unix.MSG_ERRQUEUE); err != unix.EAGAIN {
					break
				}
			}
			if err != nil {
				t.Fatalf("v6=%v: Read(MSG_ERRQUEUE): %v", v6, err)
			}
			ee := anc.Err
			if ee == nil {
				t.Fatalf("v6=%v: no extended error in %d bytes of control data", v6, OOBSize)
			}
			wantType, wantCode, wantOrigin := uint8(3), uint8(3), uint8(unix.SO_EE_ORIGIN_ICMP)
			if v6 {
				wantType, wantCode, wantOrigin = 1, 4, unix.SO_EE_ORIGIN_ICMP6
			}
			if ee.Errno != unix.ECONNREFUSED || ee.Origin != wantOrigin || ee.Type != wantType || ee.Code != wantCode || !ee.FromICMP() {
				t.Errorf("v6=%v: extended error %+v, want ECONNREFUSED from ICMP type %d code %d", v6, ee, wantType, wantCode)
			}
			if ee.Offender != dst.Addr() {
				t.Errorf("v6=%v: offender %v, want %v", v6, ee.Offender, dst.Addr())
			}
			if got != dst {
				t.Errorf("v6=%v: original destination %v, want %v", v6, got, dst)
			}
			if string(rx.Buf[:n]) != "probe-payload" {
				t.Errorf("v6=%v: quoted payload %q", v6, rx.Buf[:n])
			}
			if d := anc.Time.Sub(sent); anc.Time.IsZero() || d < -time.Second || d > 2*time.Second {
				t.Errorf("v6=%v: kernel timestamp %v, sent at %v", v6, anc.Time, sent)
			}
		})
	}
}

// TestRecvTimestampAndTTL checks the receive side: kernel timestamp and the
// TTL the sender set.
func TestRecvTimestampAndTTL(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		t.Run(ipName(v6), func(t *testing.T) {
			rx, rxAddr := udpSocket(t, v6)
			tx, _ := udpSocket(t, v6)
			for _, err := range []error{SetTimestampNS(rx, true), SetRecvTTL(rx, v6, true), SetTTL(tx, v6, 33)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			before := time.Now()
			if err := unix.Sendto(tx, []byte("x"), 0, sockaddr(rxAddr)); err != nil {
				t.Fatal(err)
			}
			if _, err := unix.Poll([]unix.PollFd{{Fd: int32(rx), Events: unix.POLLIN}}, 2000); err != nil {
				t.Fatal(err)
			}
			n, anc, from, err := NewReceiver(16).Read(rx, 0)
			if err != nil || n != 1 {
				t.Fatalf("v6=%v: Read = %d, %v", v6, n, err)
			}
			if anc.TTL != 33 {
				t.Errorf("v6=%v: TTL %d, want 33", v6, anc.TTL)
			}
			if anc.Time.Before(before.Add(-time.Second)) || anc.Time.After(time.Now().Add(time.Second)) {
				t.Errorf("v6=%v: timestamp %v outside the send window at %v", v6, anc.Time, before)
			}
			if !from.Addr().IsLoopback() {
				t.Errorf("v6=%v: from %v", v6, from)
			}
		})
	}
}

func TestPathMTULoopback(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		t.Run(ipName(v6), func(t *testing.T) {
			fd, _ := udpSocket(t, v6)
			if err := unix.Connect(fd, sockaddr(closedPort(t, v6))); err != nil {
				t.Fatal(err)
			}
			mtu, err := PathMTU(fd, v6)
			if err != nil {
				t.Fatal(err)
			}
			ifi, err := net.InterfaceByName("lo")
			if err != nil {
				t.Fatal(err)
			}
			want := ifi.MTU
			if !v6 && want > 65535 {
				want = 65535 // IPv4's IP_MAX_MTU caps the route MTU
			}
			if mtu != want {
				t.Errorf("v6=%v: PathMTU %d, loopback MTU %d", v6, mtu, ifi.MTU)
			}
		})
	}
}

// TestTCPInfoLoopback reads TCP_INFO of a loopback connection that moved
// data both ways.
func TestTCPInfoLoopback(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 100)
		n, _ := c.Read(buf)
		c.Write(make([]byte, 1000+n))
		c.Read(buf) // hold the connection open until the client closes
	}()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	got := 0
	buf := make([]byte, 2000)
	for got < 1100 {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
	var ti TCPInfo
	if err := Control(c, func(fd int) error { ti, err = GetTCPInfo(fd); return err }); err != nil {
		t.Fatal(err)
	}
	if ti.State != unix.BPF_TCP_ESTABLISHED || ti.BytesReceived != 1100 || ti.BytesAcked != 101 || ti.RTT <= 0 || ti.SndMSS == 0 || ti.SynData {
		t.Errorf("TCP_INFO %+v: want established, 1100 bytes received, 101 acked (100 + SYN), RTT > 0, no SYN data", ti)
	}
}

func TestControlRejectsNonSockets(t *testing.T) {
	if err := Control(42, func(int) error { return nil }); err == nil {
		t.Error("Control accepted an int")
	}
}

// TestICMPFilter sets the filter on raw ICMP and ICMPv6 sockets (root or
// CAP_NET_RAW) and reads back which types pass.
func TestICMPFilter(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		t.Run(ipName(v6), func(t *testing.T) {
			family, proto := unix.AF_INET, unix.IPPROTO_ICMP
			if v6 {
				family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
			}
			fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
			if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EAFNOSUPPORT) {
				t.Skipf("no raw ICMP socket here (needs root or CAP_NET_RAW): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			// IPv4: echo reply, unreachable and time exceeded pass, an echo
			// request does not, and types above 31 are beyond the filter.
			pass := []uint8{0, 3, 11}
			checks := map[uint8]bool{0: true, 3: true, 11: true, 8: false, 4: false, 135: true}
			if v6 {
				// IPv6: unreachable, packet too big and echo reply pass; an
				// echo request and neighbour solicitation do not.
				pass = []uint8{1, 2, 129}
				checks = map[uint8]bool{1: true, 2: true, 129: true, 3: false, 128: false, 135: false}
			}
			if err := SetICMPFilter(fd, v6, pass...); err != nil {
				t.Fatalf("v6 %v: %v", v6, err)
			}
			for typ, want := range checks {
				if got, err := ICMPFilterPasses(fd, v6, typ); err != nil || got != want {
					t.Errorf("v6 %v, type %d: passes %v, %v; want %v", v6, typ, got, err, want)
				}
			}
		})
	}
}

// TestFlowLabel asks for a random flow label (0) and a given one on real
// IPv6 sockets.
func TestFlowLabel(t *testing.T) {
	fd := socket(t, true, unix.SOCK_DGRAM)
	got, err := RequestFlowLabel(fd, netip.IPv6Loopback(), 0)
	if err != nil || got == 0 || got > 0xfffff {
		t.Errorf("random label: %#x, %v", got, err)
	}
	if err := SetFlowInfoSend(fd, true); err != nil {
		t.Fatal(err)
	}
	if on, err := FlowInfoSend(fd); err != nil || !on {
		t.Errorf("IPV6_FLOWINFO_SEND: %v, %v", on, err)
	}
	if Htonl(0x12345678) != 0x78563412 {
		t.Errorf("Htonl(0x12345678) = %#x", Htonl(0x12345678))
	}
}

// TestFlowLabelOnTheWire: a label granted with RequestSharedFlowLabel
// reaches the receiver in the datagrams sent with SendtoFlow and through
// a socket connected with ConnectFlow (read back with IPV6_FLOWINFO on
// the receiving socket), and a second socket may have the same label.
func TestFlowLabelOnTheWire(t *testing.T) {
	const label = 0x12345
	const ipv6Flowinfo = 11 // IPV6_FLOWINFO: the received flow information, as a control message
	rx := socket(t, true, unix.SOCK_DGRAM)
	if err := unix.Bind(rx, &unix.SockaddrInet6{Addr: netip.IPv6Loopback().As16()}); err != nil {
		t.Fatal(err)
	}
	if err := unix.SetsockoptInt(rx, unix.IPPROTO_IPV6, ipv6Flowinfo, 1); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(rx)
	dst := AddrPortOf(sa)
	for _, connect := range []bool{false, true} {
		tx := socket(t, true, unix.SOCK_DGRAM)
		if got, err := RequestSharedFlowLabel(tx, dst.Addr(), label); err != nil || got != label {
			t.Fatalf("label %#x, %v", got, err)
		}
		if err := SetFlowInfoSend(tx, true); err != nil {
			t.Fatal(err)
		}
		var err error
		if connect {
			if err = ConnectFlow(tx, dst, label); err == nil {
				_, err = unix.Write(tx, []byte("x"))
			}
		} else {
			err = SendtoFlow(tx, []byte("x"), 0, dst, label)
		}
		if err != nil {
			t.Fatalf("connect %v: %v", connect, err)
		}
		buf, oob := make([]byte, 16), make([]byte, 64)
		_, oobn, _, _, err := unix.Recvmsg(rx, buf, oob, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		var flow uint32
		for _, m := range msgs {
			if m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == ipv6Flowinfo && len(m.Data) >= 4 {
				flow = Htonl(*(*uint32)(unsafe.Pointer(&m.Data[0]))) & 0xfffff
			}
		}
		if flow != label {
			t.Errorf("connect %v: flow label %#x on the wire, want %#x", connect, flow, label)
		}
	}
}

// TestUDPLiteCoverage sets traceroute -UL -O coverage='s coverage on a
// UDP-Lite socket and reads it back.
func TestUDPLiteCoverage(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDPLITE)
	if err != nil {
		t.Skipf("no UDP-Lite: %v", err)
	}
	defer unix.Close(fd)
	if err := SetUDPLiteCoverage(fd, 12, 8); err != nil {
		t.Fatal(err)
	}
	if send, recv, err := UDPLiteCoverage(fd); err != nil || send != 12 || recv != 8 {
		t.Errorf("coverage %d, %d, %v; want 12, 8", send, recv, err)
	}
}

// TestIPOptions sets ping -R's record route option and reads it back.
func TestIPOptions(t *testing.T) {
	fd := socket(t, false, unix.SOCK_DGRAM)
	rr := append([]byte{1, 7, 39, 4}, make([]byte, 36)...)
	if err := SetIPOptions(fd, rr); err != nil {
		t.Fatal(err)
	}
	got, err := IPOptions(fd)
	if err != nil || string(got) != string(rr) {
		t.Errorf("IP_OPTIONS read back % x, %v", got, err)
	}
}

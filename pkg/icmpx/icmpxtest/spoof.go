// Package icmpxtest attacks the users of pkg/icmpx in the lab, for their
// lab tests. A Spoofer sits on a router's interface, sees the probes go
// by and forges echo replies and ICMP errors about them towards the
// prober, from any source address. It reads only the probes' headers
// (addresses, identifier, sequence number, length): what an off-path
// attacker who guessed them would know, never the payload.
//
// It also answers what Linux does not: RFC 4620 Node Information Queries
// (ping -N), as a NodeInfoResponder in a lab namespace (nodeinfo.go).
package icmpxtest

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netlab"
)

// Probe is what the Spoofer saw of one echo request.
type Probe struct {
	Src, Dst netip.Addr
	ID, Seq  uint16
	Len      int // payload bytes after the ICMP header
	TTL      int
	// host is the prober's MAC, router the router's: forged frames go
	// from the second to the first.
	host, router net.HardwareAddr
}

// Spoofer watches one interface and injects frames into it.
type Spoofer struct {
	fd      int
	ifindex int
	sent    atomic.Int64
}

const ethHeaderLen = 14

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Listen opens a packet socket on dev in ns (a router's interface towards
// the prober) and calls on, on the Spoofer's goroutine, for each echo
// request to dst that arrives there, until the test ends.
func Listen(t testing.TB, ns *netlab.NS, dev string, dst netip.Addr, on func(s *Spoofer, p Probe)) *Spoofer {
	t.Helper()
	s := &Spoofer{}
	if err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		s.ifindex = ifi.Index
		s.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		return unix.Bind(s.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: s.ifindex})
	}); err != nil {
		t.Fatal(err)
	}
	readUntilCleanup(t, s.fd, func(b []byte, from unix.Sockaddr) {
		if ll, ok := from.(*unix.SockaddrLinklayer); !ok || ll.Pkttype != unix.PACKET_HOST {
			return
		}
		if p, ok := parseProbe(b); ok && p.Dst == dst {
			on(s, p)
		}
	})
	return s
}

// readUntilCleanup hands each datagram fd receives, and its sender, to
// handle, on a goroutine of its own, until the test ends; then it closes
// fd. The goroutine looks up from its reads every 20 ms to see whether
// the test has ended (SO_RCVTIMEO).
func readUntilCleanup(t testing.TB, fd int, handle func(b []byte, from unix.Sockaddr)) {
	t.Helper()
	tv := unix.NsecToTimeval(int64(20 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n, from, err := unix.Recvfrom(fd, buf, 0); err == nil {
				handle(buf[:n], from)
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done; unix.Close(fd) })
}

// parseProbe reads an echo request in an Ethernet frame (IPv4 without
// options, IPv6 without extension headers).
func parseProbe(f []byte) (Probe, bool) {
	if len(f) < ethHeaderLen+48 {
		return Probe{}, false
	}
	p := Probe{router: net.HardwareAddr(append([]byte(nil), f[0:6]...)), host: net.HardwareAddr(append([]byte(nil), f[6:12]...))}
	b := f[ethHeaderLen:]
	var l4 []byte
	switch binary.BigEndian.Uint16(f[12:14]) {
	case unix.ETH_P_IP:
		if b[0] != 0x45 || b[9] != unix.IPPROTO_ICMP {
			return Probe{}, false
		}
		p.Src, p.Dst, p.TTL = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20])), int(b[8])
		l4 = b[20:min(len(b), int(binary.BigEndian.Uint16(b[2:4])))]
		if l4[0] != 8 {
			return Probe{}, false
		}
	case unix.ETH_P_IPV6:
		if b[6] != unix.IPPROTO_ICMPV6 {
			return Probe{}, false
		}
		p.Src, p.Dst, p.TTL = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40])), int(b[7])
		l4 = b[40:min(len(b), 40+int(binary.BigEndian.Uint16(b[4:6])))]
		if l4[0] != 128 {
			return Probe{}, false
		}
	default:
		return Probe{}, false
	}
	p.ID, p.Seq, p.Len = binary.BigEndian.Uint16(l4[4:6]), binary.BigEndian.Uint16(l4[6:8]), len(l4)-8
	return p, true
}

// Sent is how many frames the Spoofer injected.
func (s *Spoofer) Sent() int { return int(s.sent.Load()) }

// Send injects the IP packet pkt towards the prober who sent p.
func (s *Spoofer) Send(p Probe, pkt []byte) error {
	f := make([]byte, ethHeaderLen, ethHeaderLen+len(pkt))
	copy(f[0:6], p.host)
	copy(f[6:12], p.router)
	typ := uint16(unix.ETH_P_IP)
	if p.Src.Is6() {
		typ = unix.ETH_P_IPV6
	}
	binary.BigEndian.PutUint16(f[12:14], typ)
	f = append(f, pkt...)
	err := unix.Sendto(s.fd, f, 0, &unix.SockaddrLinklayer{Ifindex: s.ifindex, Halen: 6, Addr: [8]byte(append(append([]byte(nil), p.host...), 0, 0))})
	if err == nil {
		s.sent.Add(1)
	}
	return err
}

package echo

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netlab"
)

// forgeUDP4 sends, from a raw socket in ns, one UDP datagram that claims
// to come from src: what an off-path spoofer sends.
func forgeUDP4(ns *netlab.NS, src, dst netip.AddrPort, payload []byte) error {
	pkt := make([]byte, 28+len(payload))
	pkt[0], pkt[8], pkt[9] = 0x45, 64, unix.IPPROTO_UDP // the kernel fills length, ID and checksum
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(pkt[12:16], s4[:])
	copy(pkt[16:20], d4[:])
	binary.BigEndian.PutUint16(pkt[20:], src.Port())
	binary.BigEndian.PutUint16(pkt[22:], dst.Port())
	binary.BigEndian.PutUint16(pkt[24:], uint16(8+len(payload))) // checksum 0: none (IPv4)
	copy(pkt[28:], payload)
	return ns.Do(func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return unix.Sendto(fd, pkt, 0, &unix.SockaddrInet4{Addr: d4})
	})
}

// TestLabUDPEchoLoop: two gudpecho servers, one datagram forged from one
// to the other. On the same port (the case, two servers on 7007)
// the second drops it at once, own port; on different ports the rate
// limit ends the loop within its first window. Before, both bounced the
// datagram between them for as long as they ran.
func TestLabUDPEchoLoop(t *testing.T) {
	bin := netlab.Binary(t, "gudpecho")
	seg := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 3})
	for _, tc := range []struct {
		name      string
		portA     uint16
		portB     uint16
		maxEchoes int64
	}{
		{"same port", 7007, 7007, 0},
		{"another port", 7007, 7008, 4 * defaultRate}, // each side's budget, over at most two windows
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := netip.AddrPortFrom(netip.MustParseAddr(seg.Addr4(0)), tc.portA)
			b := netip.AddrPortFrom(netip.MustParseAddr(seg.Addr4(1)), tc.portB)
			srvA := startServer(t, seg.Hosts[0], bin, "-p", fmt.Sprint(tc.portA), "-w", "1")
			srvB := startServer(t, seg.Hosts[1], bin, "-p", fmt.Sprint(tc.portB), "-w", "1")
			if err := forgeUDP4(seg.Hosts[2], a, b, []byte("bounce")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			a1, b1 := srvA.snapshot(t), srvB.snapshot(t)
			time.Sleep(time.Second)
			ra, rb := srvA.stop(t), srvB.stop(t)
			ea1, _ := totals(a1)
			eb1, _ := totals(b1)
			ea, _ := totals(ra)
			eb, db := totals(rb)
			t.Logf("after 1.5 s: A echoed %d, B %d; after 2.5 s: A %s; B %s", ea1, eb1, describe(ra), describe(rb))
			if ea+eb > tc.maxEchoes || ea != ea1 || eb != eb1 {
				t.Errorf("the loop went on: %d echoes at 1.5 s, %d at 2.5 s (want at most %d, then none)", ea1+eb1, ea+eb, tc.maxEchoes)
			}
			if db < 1 {
				t.Errorf("B dropped nothing: %s", describe(rb))
			}
		})
	}
}

// freebindSocket opens, in ns, a UDP socket of the family of ip that may
// send from any address (IPV6_FREEBIND, IP_TRANSPARENT) on port; with a
// `local` route for a prefix in ns, it also receives what is sent back
// to any address in it.
func freebindSocket(ns *netlab.NS, v6 bool, port int) (int, error) {
	fd := -1
	err := ns.Do(func() error {
		family, level, opt := unix.AF_INET, unix.SOL_IP, unix.IP_TRANSPARENT
		var sa unix.Sockaddr = &unix.SockaddrInet4{Port: port}
		if v6 {
			family, level, opt = unix.AF_INET6, unix.SOL_IPV6, unix.IPV6_FREEBIND
			sa = &unix.SockaddrInet6{Port: port}
		}
		var err error
		if fd, err = unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
			return err
		}
		for _, o := range [][3]int{{level, opt, 1}, {unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8 << 20}} {
			if err := unix.SetsockoptInt(fd, o[0], o[1], o[2]); err != nil {
				return fmt.Errorf("setsockopt %d/%d: %w", o[0], o[1], err)
			}
		}
		_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 300000})
		return unix.Bind(fd, sa)
	})
	if err != nil && fd >= 0 {
		unix.Close(fd)
	}
	return fd, err
}

// sendFrom sends payload to dst from src (any address, through the
// socket's freebind) with IP_PKTINFO / IPV6_PKTINFO.
func sendFrom(fd int, src, dst netip.Addr, port int, payload []byte) error {
	if src.Is6() {
		oob := make([]byte, unix.CmsgSpace(unix.SizeofInet6Pktinfo))
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		h.Level, h.Type = unix.SOL_IPV6, unix.IPV6_PKTINFO
		h.SetLen(unix.CmsgLen(unix.SizeofInet6Pktinfo))
		(*unix.Inet6Pktinfo)(unsafe.Pointer(&oob[unix.CmsgLen(0)])).Addr = src.As16()
		return unix.Sendmsg(fd, payload, oob, &unix.SockaddrInet6{Addr: dst.As16(), Port: port}, 0)
	}
	oob := make([]byte, unix.CmsgSpace(unix.SizeofInet4Pktinfo))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	h.Level, h.Type = unix.SOL_IP, unix.IP_PKTINFO
	h.SetLen(unix.CmsgLen(unix.SizeofInet4Pktinfo))
	(*unix.Inet4Pktinfo)(unsafe.Pointer(&oob[unix.CmsgLen(0)])).Spec_dst = src.As4()
	return unix.Sendmsg(fd, payload, oob, &unix.SockaddrInet4{Addr: dst.As4(), Port: port}, 0)
}

// countReplies reads datagrams on fd until none came for 300 ms (the
// socket's receive timeout) after stop is closed, and sends their number.
func countReplies(fd int, stop <-chan struct{}) <-chan int {
	n := make(chan int, 1)
	go func() {
		buf := make([]byte, 2048)
		got := 0
		for {
			if _, _, err := unix.Recvfrom(fd, buf, 0); err == nil {
				got++
				continue
			}
			select {
			case <-stop:
				n <- got
				return
			default:
			}
		}
	}()
	return n
}

// prefixLab is h1 - h2 with gudpecho's clients in h1 free to send from
// any address of fd00:99::/32 and 198.18.99.0/24 (a `local` route there
// and freebind sockets), and h2 routing those prefixes back to h1.
func prefixLab(t *testing.T) *netlab.Chain {
	t.Helper()
	c := netlab.MustChain(t, netlab.ChainConfig{})
	for _, step := range []struct {
		ns   *netlab.NS
		args []string
	}{
		{c.H1, []string{"-6", "route", "add", "local", "fd00:99::/32", "dev", "lo"}},
		{c.H1, []string{"route", "add", "local", "198.18.99.0/24", "dev", "lo"}},
		{c.H2, []string{"-6", "route", "add", "fd00:99::/32", "via", netlab.LinkAddr6(1, false)}},
		{c.H2, []string{"route", "add", "198.18.99.0/24", "via", c.H1Addr4()}},
	} {
		if err := step.ns.IP(step.args...); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestLabUDPRatePerPrefix attacks gudpecho's default rate limit from many
// addresses of one prefix: 70,000 sources in one /64 (one datagram each)
// and 200 in one /24 (25 each) are answered as one source, at most
// --rate (1000) a second. Before, the limit was off by default, and with
// --rate it counted each address, so all 70,000 were answered.
func TestLabUDPRatePerPrefix(t *testing.T) {
	bin := netlab.Binary(t, "gudpecho")
	c := prefixLab(t)
	for _, tc := range []struct {
		name    string
		sources int
		each    int
		src     func(i int) netip.Addr
	}{
		{"70000 sources in one /64", 70000, 1, func(i int) netip.Addr {
			return netip.MustParseAddr(fmt.Sprintf("fd00:99:0:1::%x:%x", (i+1)>>16, (i+1)&0xffff))
		}},
		{"200 sources in one /24", 200, 25, func(i int) netip.Addr {
			return netip.AddrFrom4([4]byte{198, 18, 99, byte(1 + i)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, c.H2, bin, "-p", "7007")
			v6 := tc.src(0).Is6()
			dst := netip.MustParseAddr(c.H2Addr4())
			if v6 {
				dst = netip.MustParseAddr(c.H2Addr6())
			}
			fd, err := freebindSocket(c.H1, v6, 5000)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			stop := make(chan struct{})
			replies := countReplies(fd, stop)
			start := time.Now()
			for k := 0; k < tc.each; k++ {
				for i := 0; i < tc.sources; i++ {
					if err := sendFrom(fd, tc.src(i), dst, 7007, []byte("flood")); err != nil {
						t.Fatalf("send from %v: %v", tc.src(i), err)
					}
				}
			}
			took := time.Since(start)
			close(stop)
			got := <-replies
			r := srv.stop(t)
			echoed, _ := totals(r)
			limit := defaultRate * (int(took/time.Second) + 2) // the windows the sending spanned
			t.Logf("%d datagrams from %d sources in %v: %d answers received; server %s", tc.sources*tc.each, tc.sources, took.Round(time.Millisecond), got, describe(r))
			if got > limit || echoed > int64(limit) || got < 100 {
				t.Errorf("%d answers (server echoed %d), want 100 to %d", got, echoed, limit)
			}
		})
	}
}

// TestLabUDPRateTableNeverStarves: a spray from 100,000 different /64s,
// one datagram each at up to 90,000 a second, beside a client that sends
// a datagram every 200 of them (at most 450 a second). No source goes
// over its budget, so the limiter must refuse nothing: not the spray,
// not the client. Before, the table held 65,536 sources a second and
// every source beyond shared one budget, which the spray used up. (What
// the server's socket buffers drop under the spray is the kernel's,
// counted apart: the client's answers are held only to most.)
func TestLabUDPRateTableNeverStarves(t *testing.T) {
	bin := netlab.Binary(t, "gudpecho")
	c := prefixLab(t)
	srv := startServer(t, c.H2, bin, "-p", "7007")
	dst := netip.MustParseAddr(c.H2Addr6())
	spray, err := freebindSocket(c.H1, true, 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(spray)
	client, err := freebindSocket(c.H1, true, 5001)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(client)
	stop := make(chan struct{})
	replies := countReplies(client, stop)
	const sources, every, pps = 100000, 200, 90000
	me := netip.MustParseAddr("fd00:99:ffff:ffff::1")
	start := time.Now()
	sent := 0
	for i := 0; i < sources; i++ {
		src := netip.MustParseAddr(fmt.Sprintf("fd00:99:%x:%x::1", 1+i>>16, i&0xffff))
		if err := sendFrom(spray, src, dst, 7007, []byte("spray")); err != nil {
			t.Fatal(err)
		}
		if i%every == every-1 {
			if err := sendFrom(client, me, dst, 7007, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			sent++
			if ahead := time.Duration(i+1)*time.Second/pps - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
	}
	took := time.Since(start)
	close(stop)
	got := <-replies
	r := srv.stop(t)
	t.Logf("spray of %d /64s in %v; the new client got %d of %d answers; server %s", sources, took.Round(time.Millisecond), got, sent, describe(r))
	if _, dropped := totals(r); dropped != 0 || got < sent/2 {
		t.Errorf("the rate limiter refused %d datagrams, the client got %d of %d answers", dropped, got, sent)
	}
}

package gtraceroute

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/netroute"
	"gnetutils/pkg/probes"
	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

// tcpMethod sends TCP SYNs from one raw socket: one source port for the
// whole trace (Paris), probes told apart by their sequence numbers, which
// both the ICMP errors (their quote holds the first 8 bytes of our TCP
// header) and the destination's SYN-ACK or RST (ack = seq + 1) carry back.
type tcpMethod struct {
	v6        bool
	tcpFD     int
	icmpFD    int
	wake      int // eventfd close signals, so the receivers' polls return at once
	src, dst  netip.Addr
	sport     uint16
	dport     uint16
	base      uint32
	mu        sync.Mutex
	sent      map[int]time.Time
	out       chan probes.Answer
	drops     queue.Drops
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

const tcpOptionsLen = 20 // MSS, SACK permitted, timestamps, NOP, window scale

func newTCP(_ context.Context, cfg probeConfig) (*tcpMethod, error) {
	v6 := cfg.dst.Is6()
	family, icmpProto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, icmpProto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	src := cfg.src
	if !src.IsValid() {
		var err error
		if src, err = netroute.Source(cfg.dst, netip.Addr{}); err != nil {
			return nil, err
		}
	}
	tcpFD, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("TCP probes need raw sockets: grant CAP_NET_RAW (setcap cap_net_raw+ep <binary>)")
		}
		return nil, fmt.Errorf("raw TCP socket: %w", err)
	}
	icmpFD, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, icmpProto)
	if err != nil {
		unix.Close(tcpFD)
		return nil, fmt.Errorf("raw ICMP socket: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(tcpFD)
		unix.Close(icmpFD)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	m := &tcpMethod{v6: v6, tcpFD: tcpFD, icmpFD: icmpFD, wake: wake, src: src, dst: cfg.dst, dport: cfg.port,
		sport: uint16(32768 + rand.IntN(28000)), base: rand.Uint32(), sent: map[int]time.Time{}, out: make(chan probes.Answer, 256), stop: make(chan struct{})}
	if cfg.sport != 0 {
		m.sport = cfg.sport
	}
	if err := m.setup(cfg); err != nil {
		m.closeFDs()
		return nil, err
	}
	m.wg.Add(2)
	go m.receive(m.tcpFD, m.fromTCP)
	go m.receive(m.icmpFD, m.fromICMP)
	return m, nil
}

func (m *tcpMethod) setup(cfg probeConfig) error {
	for _, fd := range []int{m.tcpFD, m.icmpFD} {
		if err := sockopt.SetTimestampNS(fd, true); err != nil {
			return err
		}
		if err := sockopt.SetRecvTTL(fd, m.v6, true); err != nil {
			return err
		}
		if cfg.device != "" {
			if err := sockopt.SetBindToDevice(fd, cfg.device); err != nil {
				return fmt.Errorf("interface %s: %w", cfg.device, err)
			}
		}
	}
	if m.v6 {
		// The kernel fills in the TCP checksum at offset 16 for us.
		if err := unix.SetsockoptInt(m.tcpFD, unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, 16); err != nil {
			return fmt.Errorf("IPV6_CHECKSUM: %w", err)
		}
	}
	if err := cfg.control(m.tcpFD); err != nil {
		return err
	}
	if err := sockopt.SetMTUDiscover(m.tcpFD, m.v6, pmtudFor(cfg.df)); err != nil {
		return err
	}
	if cfg.tos != 0 {
		if err := sockopt.SetTOS(m.tcpFD, m.v6, cfg.tos); err != nil {
			return err
		}
	}
	return unix.Bind(m.tcpFD, sockopt.MustSockaddr(netip.AddrPortFrom(m.src, 0)))
}

// segment builds our SYN: 20-byte header, 20 bytes of options, padding to
// the packet length size.
func (m *tcpMethod) segment(seq uint32, size int) []byte {
	n := max(size-sockopt.IPHeaderLen(m.v6), 20+tcpOptionsLen)
	b := make([]byte, n)
	binary.BigEndian.PutUint16(b[0:], m.sport)
	binary.BigEndian.PutUint16(b[2:], m.dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	b[12] = byte((20 + tcpOptionsLen) / 4 << 4)
	b[13] = 0x02 // SYN
	binary.BigEndian.PutUint16(b[14:], 64240)
	opts := b[20:]
	copy(opts, []byte{2, 4, 0x05, 0xb4, 4, 2, 8, 10})
	binary.BigEndian.PutUint32(opts[8:], uint32(time.Now().UnixMilli()))
	copy(opts[16:], []byte{1, 3, 3, 7})
	if !m.v6 {
		binary.BigEndian.PutUint16(b[16:], tcpChecksum(m.src, m.dst, b))
	}
	return b
}

// tcpChecksum is the IPv4 TCP checksum over the pseudo-header and segment.
func tcpChecksum(src, dst netip.Addr, seg []byte) uint16 {
	var sum uint32
	s, d := src.As4(), dst.As4()
	for i := 0; i < 4; i += 2 {
		sum += uint32(s[i])<<8 | uint32(s[i+1])
		sum += uint32(d[i])<<8 | uint32(d[i+1])
	}
	sum += unix.IPPROTO_TCP + uint32(len(seg))
	for i := 0; i+1 < len(seg); i += 2 {
		sum += uint32(seg[i])<<8 | uint32(seg[i+1])
	}
	if len(seg)%2 == 1 {
		sum += uint32(seg[len(seg)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Send sends the SYN of probe idx.
func (m *tcpMethod) Send(idx, ttl, size int) (time.Time, error) {
	if err := sockopt.SetTTL(m.tcpFD, m.v6, ttl); err != nil {
		return time.Time{}, err
	}
	seg := m.segment(m.base+uint32(idx), size)
	at := time.Now()
	m.mu.Lock()
	m.sent[idx] = at
	m.mu.Unlock()
	if err := unix.Sendto(m.tcpFD, seg, 0, sockopt.MustSockaddr(netip.AddrPortFrom(m.dst, 0))); err != nil {
		return at, err
	}
	return at, nil
}

func (m *tcpMethod) receive(fd int, parse func([]byte, sockopt.Ancillary, netip.Addr) (probes.Answer, bool)) {
	defer m.wg.Done()
	rx := sockopt.NewReceiver(65536)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(m.wake), Events: unix.POLLIN}}
	for {
		select {
		case <-m.stop:
			return
		default:
		}
		fds[0].Revents, fds[1].Revents = 0, 0
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[1].Revents != 0 {
			return // closing
		}
		if fds[0].Revents == 0 {
			continue
		}
		n, anc, from, err := rx.Read(fd, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		a, ok := parse(rx.Buf[:n], anc, from.Addr())
		if !ok {
			continue
		}
		m.mu.Lock()
		sent, known := m.sent[a.ID]
		m.mu.Unlock()
		if !known {
			continue
		}
		if a.At.IsZero() {
			a.At = time.Now()
		}
		a.RTT = max(a.At.Sub(sent), 0)
		queue.Offer(m.out, a, &m.drops) // never blocks: a flood is dropped, not waited for
	}
}

// payload is what a raw socket read past the IP header, with the TTL
// (hop limit) the answer arrived with: an IPv4 raw socket hands over the
// header, which carries it; an IPv6 one does not, and the TTL comes as a
// control message.
func (m *tcpMethod) payload(b []byte, anc sockopt.Ancillary) (rest []byte, ttl int, ok bool) {
	if m.v6 {
		return b, anc.TTL, true
	}
	inner, hdrTTL, err := icmpx.StripIPv4Header(b)
	if err != nil {
		return nil, 0, false
	}
	return inner, hdrTTL, true
}

// fromTCP matches the destination's SYN-ACK or RST to our SYN.
func (m *tcpMethod) fromTCP(b []byte, anc sockopt.Ancillary, from netip.Addr) (probes.Answer, bool) {
	b, ttl, ok := m.payload(b, anc)
	if !ok || len(b) < 20 || from != m.dst {
		return probes.Answer{}, false
	}
	if binary.BigEndian.Uint16(b[0:]) != m.dport || binary.BigEndian.Uint16(b[2:]) != m.sport || b[13]&0x10 == 0 {
		return probes.Answer{}, false // not to our port, or no ACK
	}
	idx := int(binary.BigEndian.Uint32(b[8:]) - 1 - m.base)
	return probes.Answer{ID: idx, Kind: icmpkind.Arrived, From: from, At: anc.Time, TTL: ttl}, true
}

// fromICMP matches an ICMP error quoting one of our SYNs.
func (m *tcpMethod) fromICMP(b []byte, anc sockopt.Ancillary, from netip.Addr) (probes.Answer, bool) {
	b, ttl, ok := m.payload(b, anc)
	if !ok {
		return probes.Answer{}, false
	}
	msg, err := icmpx.Parse(m.v6, b)
	if err != nil || msg.Quote == nil || msg.Quote.Proto != unix.IPPROTO_TCP || msg.Quote.Dst.Unmap() != m.dst || len(msg.Quote.Transport) < 8 {
		return probes.Answer{}, false
	}
	q := msg.Quote.Transport
	if binary.BigEndian.Uint16(q[0:]) != m.sport || binary.BigEndian.Uint16(q[2:]) != m.dport {
		return probes.Answer{}, false
	}
	idx := int(binary.BigEndian.Uint32(q[4:]) - m.base)
	return probes.Answer{ID: idx, Kind: icmpkind.Of(m.v6, msg.Type, msg.Code), From: from, At: anc.Time, TTL: ttl,
		Type: msg.Type, Code: msg.Code, ICMPv6: m.v6, MTU: msg.MTU, MPLS: icmpx.MPLSLabels(m.v6, b)}, true
}

// Answers delivers the answers until Close.
func (m *tcpMethod) Answers() <-chan probes.Answer { return m.out }

func (m *tcpMethod) closeFDs() {
	unix.Close(m.tcpFD)
	unix.Close(m.icmpFD)
	unix.Close(m.wake)
}

// Close stops the receivers and closes the sockets.
func (m *tcpMethod) Close() error {
	m.closeOnce.Do(func() {
		close(m.stop)
		_, _ = unix.Write(m.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		m.wg.Wait()
		m.closeFDs()
	})
	return nil
}

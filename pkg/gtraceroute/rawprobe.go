package gtraceroute

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
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

// rawEngine is what the methods that build their own packets share (tcp,
// dccp, raw): a raw socket of the method's protocol that sends the probes
// and hears the destination's answers, and a raw ICMP socket for the
// errors about them, each read by its own goroutine; the probes sent and
// when. A rawCodec makes the packets and tells which probe an answer is
// for.
type rawEngine struct {
	v6        bool
	proto     int // the IP protocol of the probes
	fd        int
	icmpFD    int
	wake      int // eventfd close signals, so the receivers' polls return at once
	src, dst  netip.Addr
	flow      uint32 // the IPv6 flow label of the probes, 0 for none
	codec     rawCodec
	mu        sync.Mutex
	sent      map[int]time.Time
	lastTTL   int
	out       chan probes.Answer
	drops     queue.Drops
	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// rawCodec is one method's packets.
type rawCodec interface {
	// packet is probe idx's bytes after the IP header; size is the whole
	// packet's, for a method whose length is the user's.
	packet(idx, size int) []byte
	// answer is the probe a packet of the method's protocol from the
	// destination answers (after the IP header), and what -O info prints
	// about it.
	answer(b []byte) (idx int, info string, ok bool)
	// quoted is the probe whose start (after the IP header) an ICMP error
	// quotes.
	quoted(q []byte) (idx int, ok bool)
}

// openRaw opens the sockets of a raw method of IP protocol proto and sets
// them as cfg says; start sets it going once the codec is made (which may
// need the source address or the path MTU).
func openRaw(cfg probeConfig, proto int) (*rawEngine, error) {
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
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("this method needs raw sockets: grant CAP_NET_RAW (setcap cap_net_raw+ep <binary>)")
		}
		return nil, fmt.Errorf("raw socket: %w", err)
	}
	icmpFD, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, icmpProto)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("raw ICMP socket: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(fd)
		unix.Close(icmpFD)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	e := &rawEngine{v6: v6, proto: proto, fd: fd, icmpFD: icmpFD, wake: wake, src: src, dst: cfg.dst,
		sent: map[int]time.Time{}, out: make(chan probes.Answer, 256), stop: make(chan struct{})}
	if err := e.setup(cfg); err != nil {
		e.closeFDs()
		return nil, err
	}
	return e, nil
}

func (e *rawEngine) setup(cfg probeConfig) error {
	for _, fd := range []int{e.fd, e.icmpFD} {
		if err := sockopt.SetTimestampNS(fd, true); err != nil {
			return err
		}
		if err := sockopt.SetRecvTTL(fd, e.v6, true); err != nil {
			return err
		}
		if cfg.device != "" {
			if err := sockopt.SetBindToDevice(fd, cfg.device); err != nil {
				return fmt.Errorf("interface %s: %w", cfg.device, err)
			}
		}
	}
	if err := cfg.control(e.fd); err != nil {
		return err
	}
	if err := sockopt.SetMTUDiscover(e.fd, e.v6, pmtudFor(cfg.df)); err != nil {
		return err
	}
	if cfg.tos != 0 {
		if err := sockopt.SetTOS(e.fd, e.v6, cfg.tos); err != nil {
			return err
		}
	}
	if err := cfg.setFlowLabel(e.fd); err != nil {
		return err
	}
	e.flow = cfg.flowLabel
	if err := unix.Bind(e.fd, sockopt.MustSockaddr(netip.AddrPortFrom(e.src, 0))); err != nil {
		return err
	}
	// Connected, as traceroute's: it hears only the destination, and
	// knows the path MTU (tcp's MSS).
	return unix.Connect(e.fd, sockopt.MustSockaddr(netip.AddrPortFrom(e.dst, 0)))
}

// pathMTU is the MTU towards the destination as the kernel knows it.
func (e *rawEngine) pathMTU() int {
	mtu, err := sockopt.PathMTU(e.fd, e.v6)
	if err != nil {
		return 0
	}
	return mtu
}

// start starts the receivers, with c making and reading the packets.
func (e *rawEngine) start(c rawCodec) {
	e.codec = c
	e.wg.Add(2)
	go e.receive(e.fd, e.fromProto)
	go e.receive(e.icmpFD, e.fromICMP)
}

// Send sends probe idx.
func (e *rawEngine) Send(idx, ttl, size int) (time.Time, error) {
	if ttl != e.lastTTL {
		if err := sockopt.SetTTL(e.fd, e.v6, ttl); err != nil {
			return time.Time{}, err
		}
		e.lastTTL = ttl
	}
	b := e.codec.packet(idx, size)
	at := time.Now()
	e.mu.Lock()
	e.sent[idx] = at
	e.mu.Unlock()
	if e.flow != 0 {
		return at, sockopt.SendtoFlow(e.fd, b, 0, netip.AddrPortFrom(e.dst, 0), e.flow)
	}
	return at, unix.Sendto(e.fd, b, 0, sockopt.MustSockaddr(netip.AddrPortFrom(e.dst, 0)))
}

func (e *rawEngine) receive(fd int, parse func([]byte, sockopt.Ancillary, netip.Addr) (probes.Answer, bool)) {
	defer e.wg.Done()
	rx := sockopt.NewReceiver(65536)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(e.wake), Events: unix.POLLIN}}
	for {
		select {
		case <-e.stop:
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
		if a, ok := parse(rx.Buf[:n], anc, from.Addr()); ok {
			e.deliver(a)
		}
	}
}

// deliver hands on an answer to a probe that was sent, with its RTT.
func (e *rawEngine) deliver(a probes.Answer) {
	e.mu.Lock()
	sent, known := e.sent[a.ID]
	e.mu.Unlock()
	if !known {
		return
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	a.RTT = max(a.At.Sub(sent), 0)
	queue.Offer(e.out, a, &e.drops) // never blocks: a flood is dropped, not waited for
}

// payload is what a raw socket read past the IP header, with the TTL
// (hop limit) the answer arrived with: an IPv4 raw socket hands over the
// header, which carries it; an IPv6 one does not, and the TTL comes as a
// control message.
func (e *rawEngine) payload(b []byte, anc sockopt.Ancillary) (rest []byte, ttl int, ok bool) {
	if e.v6 {
		return b, anc.TTL, true
	}
	inner, hdrTTL, err := icmpx.StripIPv4Header(b)
	if err != nil {
		return nil, 0, false
	}
	return inner, hdrTTL, true
}

// fromProto matches the destination's answer in the probes' protocol.
func (e *rawEngine) fromProto(b []byte, anc sockopt.Ancillary, from netip.Addr) (probes.Answer, bool) {
	b, ttl, ok := e.payload(b, anc)
	if !ok || from != e.dst {
		return probes.Answer{}, false
	}
	idx, info, ok := e.codec.answer(b)
	if !ok {
		return probes.Answer{}, false
	}
	return probes.Answer{ID: idx, Kind: icmpkind.Arrived, From: from, At: anc.Time, TTL: ttl, Info: info}, true
}

// fromICMP matches an ICMP error quoting one of our probes.
func (e *rawEngine) fromICMP(b []byte, anc sockopt.Ancillary, from netip.Addr) (probes.Answer, bool) {
	b, ttl, ok := e.payload(b, anc)
	if !ok {
		return probes.Answer{}, false
	}
	msg, err := icmpx.Parse(e.v6, b)
	if err != nil || msg.Quote == nil || int(msg.Quote.Proto) != e.proto || msg.Quote.Dst.Unmap() != e.dst {
		return probes.Answer{}, false
	}
	idx, ok := e.codec.quoted(msg.Quote.Transport)
	if !ok {
		return probes.Answer{}, false
	}
	return probes.Answer{ID: idx, Kind: icmpkind.Of(e.v6, msg.Type, msg.Code), From: from, At: anc.Time, TTL: ttl,
		Type: msg.Type, Code: msg.Code, ICMPv6: e.v6, MTU: msg.MTU, MPLS: icmpx.MPLSLabels(e.v6, b)}, true
}

// Answers delivers the answers until Close.
func (e *rawEngine) Answers() <-chan probes.Answer { return e.out }

func (e *rawEngine) closeFDs() {
	unix.Close(e.fd)
	unix.Close(e.icmpFD)
	unix.Close(e.wake)
}

// Close stops the receivers and closes the sockets.
func (e *rawEngine) Close() error {
	e.closeOnce.Do(func() {
		close(e.stop)
		_, _ = unix.Write(e.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		e.wg.Wait()
		e.closeFDs()
		if c, ok := e.codec.(interface{ close() }); ok {
			c.close()
		}
	})
	return nil
}

// holdPort opens a socket of the probes' own protocol (sotype, proto)
// bound to sport on src (0: a port the kernel picks), as traceroute's
// port-holding sockets: no connection of the host takes the port while
// the trace runs, and as the socket neither connects nor listens, the
// kernel answers the destination's SYN-ACK or DCCP-Response with a reset
// (the half-open technique). reuse sets SO_REUSEADDR on it.
func holdPort(src netip.Addr, sport uint16, sotype, proto int, reuse bool) (fd int, port uint16, err error) {
	family := unix.AF_INET
	if src.Is6() {
		family = unix.AF_INET6
	}
	if fd, err = unix.Socket(family, sotype|unix.SOCK_CLOEXEC, proto); err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	fail := func(call string, err error) (int, uint16, error) {
		unix.Close(fd)
		return -1, 0, os.NewSyscallError(call, err)
	}
	if reuse {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt SO_REUSEADDR", err)
		}
	}
	if err := unix.Bind(fd, sockopt.MustSockaddr(netip.AddrPortFrom(src, sport))); err != nil {
		return fail("bind", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, sockopt.AddrPortOf(sa).Port(), nil
}

// pseudoChecksum is the Internet checksum of seg (its checksum field
// zero) behind the pseudo-header of IP protocol proto from src to dst:
// TCP's and DCCP's, over IPv4 or IPv6.
func pseudoChecksum(src, dst netip.Addr, proto int, seg []byte) uint16 {
	return sockopt.Checksum(sockopt.PseudoHeader(src, dst, proto, len(seg)), seg)
}

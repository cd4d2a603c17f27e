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
	"gnetutils/pkg/probes"
	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

// tcpConnMethod probes with connect(2), as traceroute's tcpconn: a TCP
// socket of its own for each probe, with the probe's TTL, connecting to
// the port. The destination answers by completing the handshake (a whole
// connection, which its application sees, closed at once) or refusing
// it; a router's ICMP error about the SYN ends the connect too, and the
// kernel queues it on the socket (IP_RECVERR, in SYN_SENT since Linux
// 5.14) with the router's address, so no raw socket and no privilege is
// needed, where traceroute's reads a raw ICMP socket. Each probe has a
// source port of its own: not a Paris flow.
type tcpConnMethod struct {
	cfg    probeConfig
	v6     bool
	ep     int // epoll: the probes' sockets and wake
	wake   int // eventfd that Close signals
	expire time.Duration
	mu     sync.Mutex
	socks  map[int]connProbe // by socket
	out    chan probes.Answer
	drops  queue.Drops
	done   chan struct{}
	once   sync.Once
}

// connProbe is one probe's connection.
type connProbe struct {
	idx  int
	sent time.Time
}

// newTCPConn opens the method; a probe's socket is closed once answered
// or after expire (-w MAX), so the kernel's SYN retransmissions stop
// with it.
func newTCPConn(cfg probeConfig, expire time.Duration) (*tcpConnMethod, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(ep)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(ep)
		unix.Close(wake)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	m := &tcpConnMethod{cfg: cfg, v6: cfg.dst.Is6(), ep: ep, wake: wake, expire: expire, socks: map[int]connProbe{},
		out: make(chan probes.Answer, 256), done: make(chan struct{})}
	go m.receive()
	return m, nil
}

// Send opens probe idx's socket and starts its connect.
func (m *tcpConnMethod) Send(idx, ttl, _ int) (time.Time, error) {
	fd, err := m.socket(ttl)
	if err != nil {
		return time.Time{}, err
	}
	at := time.Now()
	m.mu.Lock()
	m.socks[fd] = connProbe{idx: idx, sent: at}
	m.mu.Unlock()
	dst := netip.AddrPortFrom(m.cfg.dst, m.cfg.port)
	if m.cfg.flowLabel != 0 {
		err = sockopt.ConnectFlow(fd, dst, m.cfg.flowLabel)
	} else {
		err = unix.Connect(fd, sockopt.MustSockaddr(dst))
	}
	if err != nil && !errors.Is(err, unix.EINPROGRESS) && !errors.Is(err, unix.ECONNREFUSED) {
		m.drop(fd)
		return at, os.NewSyscallError("connect", err)
	}
	// Watched only now: a socket not yet connecting polls as hung up. The
	// outcome, even one already there, comes through epoll.
	if err := unix.EpollCtl(m.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP, Fd: int32(fd)}); err != nil {
		m.drop(fd)
		return at, os.NewSyscallError("epoll_ctl", err)
	}
	return at, nil
}

// socket is a probe's TCP socket, set as traceroute's tune_socket sets
// every probe socket, with the probe's TTL.
func (m *tcpConnMethod) socket(ttl int) (int, error) {
	family := unix.AF_INET
	if m.v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := m.setup(fd, ttl); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func (m *tcpConnMethod) setup(fd, ttl int) error {
	cfg, v6 := m.cfg, m.v6
	if cfg.device != "" {
		if err := sockopt.SetBindToDevice(fd, cfg.device); err != nil {
			return os.NewSyscallError("setsockopt SO_BINDTODEVICE", err)
		}
	}
	if err := cfg.control(fd); err != nil {
		return err
	}
	for _, set := range []func() error{
		func() error { return sockopt.SetRecvErr(fd, v6, true) },
		func() error { return sockopt.SetTimestampNS(fd, true) },
		func() error { return sockopt.SetRecvTTL(fd, v6, true) },
		func() error { return sockopt.SetMTUDiscover(fd, v6, pmtudFor(cfg.df)) },
		func() error { return sockopt.SetTTL(fd, v6, ttl) },
	} {
		if err := set(); err != nil {
			return err
		}
	}
	if cfg.tos != 0 {
		if err := sockopt.SetTOS(fd, v6, cfg.tos); err != nil {
			return err
		}
	}
	if err := cfg.setFlowLabel(fd); err != nil {
		return err
	}
	src := cfg.src
	if !src.IsValid() {
		src = netip.IPv4Unspecified()
		if v6 {
			src = netip.IPv6Unspecified()
		}
	}
	if err := unix.Bind(fd, sockopt.MustSockaddr(netip.AddrPortFrom(src, cfg.sport))); err != nil {
		return os.NewSyscallError("bind", err)
	}
	return nil
}

// receive hears the probes' sockets until Close, and closes those
// answered or expired.
func (m *tcpConnMethod) receive() {
	defer close(m.done)
	defer close(m.out)
	events := make([]unix.EpollEvent, 64)
	rx := sockopt.NewReceiver(512)
	for {
		n, err := unix.EpollWait(m.ep, events, 100)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		for _, ev := range events[:max(n, 0)] {
			if int(ev.Fd) == m.wake {
				return
			}
			m.answer(int(ev.Fd), rx)
		}
		m.reap(time.Now())
	}
}

// answer reads what ended probe fd's connect: an ICMP error on its
// queue, or the connection made or refused; anything else (an old
// kernel's bare errno) leaves the probe unanswered.
func (m *tcpConnMethod) answer(fd int, rx *sockopt.Receiver) {
	now := time.Now()
	m.mu.Lock()
	p, ok := m.socks[fd]
	m.mu.Unlock()
	if !ok {
		return
	}
	defer m.drop(fd)
	a := probes.Answer{ID: p.idx, TTL: -1}
	if _, anc, _, err := rx.Read(fd, unix.MSG_ERRQUEUE); err == nil && anc.Err != nil && anc.Err.FromICMP() {
		ee := anc.Err
		a.From, a.At, a.TTL, a.Type, a.Code = ee.Offender, anc.Time, anc.TTL, ee.Type, ee.Code
		a.ICMPv6 = ee.Origin == unix.SO_EE_ORIGIN_ICMP6
		if a.Kind = icmpkind.Of(a.ICMPv6, ee.Type, ee.Code); a.Kind == icmpkind.FragNeeded {
			a.MTU = int(ee.Info)
		}
	} else {
		switch soErr, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); unix.Errno(soErr) {
		case 0, unix.ECONNREFUSED:
			a.From, a.At, a.Kind = m.cfg.dst, now, icmpkind.Arrived
		default:
			return
		}
	}
	if a.At.IsZero() {
		a.At = now
	}
	a.RTT = max(a.At.Sub(p.sent), 0)
	queue.Offer(m.out, a, &m.drops)
}

// drop forgets and closes a probe's socket.
func (m *tcpConnMethod) drop(fd int) {
	m.mu.Lock()
	delete(m.socks, fd)
	m.mu.Unlock()
	_ = unix.EpollCtl(m.ep, unix.EPOLL_CTL_DEL, fd, nil)
	unix.Close(fd)
}

// reap closes the sockets of probes older than expire.
func (m *tcpConnMethod) reap(now time.Time) {
	var old []int
	m.mu.Lock()
	for fd, p := range m.socks {
		if now.Sub(p.sent) > m.expire {
			old = append(old, fd)
		}
	}
	m.mu.Unlock()
	for _, fd := range old {
		m.drop(fd)
	}
}

// Answers delivers the answers until Close.
func (m *tcpConnMethod) Answers() <-chan probes.Answer { return m.out }

// Close stops the receiver and closes every socket.
func (m *tcpConnMethod) Close() error {
	m.once.Do(func() {
		_, _ = unix.Write(m.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-m.done
		m.mu.Lock()
		for fd := range m.socks {
			unix.Close(fd)
		}
		m.socks = nil
		m.mu.Unlock()
		unix.Close(m.ep)
		unix.Close(m.wake)
	})
	return nil
}

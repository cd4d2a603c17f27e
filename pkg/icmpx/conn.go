// Package icmpx is the suite's one ICMP probe engine, shared by gping,
// gtraceroute -I and gpmtud -I: echo requests out with a chosen TTL, size,
// TOS and DF; every ICMP message that concerns them back as a typed Event,
// matched to its probe by identifier, sequence, source address and payload,
// with the kernel's receive timestamp.
//
// It opens an unprivileged ICMP datagram socket where
// net.ipv4.ping_group_range allows and a raw socket otherwise. With a raw
// socket every process sees every echo reply, so matching by identifier is
// what keeps other pings' replies out; ICMP errors come as messages quoting
// our header. With a datagram socket the kernel picks the identifier (our
// local port) and hands ICMP errors over through IP_RECVERR's error queue.
// Nothing that concerns our probes is dropped silently: duplicates,
// corrupted replies and errors all become events.
package icmpx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/sockopt"
)

// Kind is what an Event is: one of the kinds below, as pkg/icmpkind
// classifies every probe engine's answers.
type Kind = icmpkind.Kind

const (
	Reply        = icmpkind.Reply        // an echo reply to one of our probes
	TimeExceeded = icmpkind.TimeExceeded // a router's TTL / hop limit ran out
	Unreachable  = icmpkind.Unreachable  // destination unreachable (all codes but frag needed)
	FragNeeded   = icmpkind.FragNeeded   // IPv4 frag needed and DF set / IPv6 packet too big; MTU set
	ParamProblem = icmpkind.ParamProblem // parameter problem
	OtherError   = icmpkind.OtherError   // any other ICMP error about a probe (source quench, redirect)
	LocalError   = icmpkind.LocalError   // the local stack refused or failed a probe (MTU for EMSGSIZE)
)

// Event is one message about one of our probes.
type Event struct {
	Kind   Kind
	Dst    netip.Addr // the probe's destination (the Conn's)
	Seq    uint16
	Sent   time.Time // when the probe left; zero if unknown
	At     time.Time // kernel receive time
	RTT    time.Duration
	From   netip.Addr // who sent it (the destination for replies, a router for errors)
	TTL    int        // TTL / hop limit the message arrived with; -1 if unknown
	Size   int        // ICMP bytes of a reply (header and data), as ping's "64 bytes"
	Type   uint8
	Code   uint8
	ICMPv6 bool
	MTU    int   // next-hop MTU of FragNeeded; the local MTU of a LocalError
	Errno  error // LocalError's error
	// Dup marks the second and later replies to one sequence number.
	Dup bool
	// Corrupt marks a reply whose data differs from what the probe carried.
	Corrupt bool
	// MPLS is the label stack a router put in the error's RFC 4884/4950
	// extension (raw sockets only: the error queue does not keep it).
	MPLS []MPLSLabel
}

// Config says how to probe.
type Config struct {
	Dst    netip.Addr
	Src    netip.Addr // bind to this source address (optional)
	Device string     // bind to this interface (SO_BINDTODEVICE, needs CAP_NET_RAW)
	TTL    int        // 0: the kernel's default
	TOS    int
	// PMTUD sets IP_MTU_DISCOVER when SetPMTUD is true (ping -M).
	PMTUD    sockopt.PMTUDMode
	SetPMTUD bool
	// Raw forces a raw socket even where datagram ICMP is allowed.
	Raw bool
	// Events, if set, is where the events go instead of a channel of the
	// Conn's own, so one reader serves many Conns without a goroutine per
	// Conn in between; Event.Dst tells them apart. It is not closed.
	Events chan Event
	// Sync: no receiving goroutine; the caller reads with Receive, and the
	// Conn is then used by one goroutine at a time (Send, Receive, Close;
	// Wake from anywhere). A round trip then costs what ping's does: one
	// sendto and one recvmsg, no goroutine hand-over, no Go network poller.
	Sync bool
}

// ErrPermission is returned when neither socket kind may be opened.
var ErrPermission = errors.New("no permission for ICMP sockets")

// Conn is an open probe socket towards one destination.
type Conn struct {
	f    *os.File
	rc   syscall.RawConn
	v6   bool
	raw  bool
	id   uint16
	dst  netip.Addr
	errq sync.Mutex // serialises error-queue reads between Send and the receiver

	mu     sync.Mutex // guards probes (Send and the receiver)
	probes probeTable
	seed   maphash.Seed

	sendMu sync.Mutex // guards out
	out    []byte     // the echo request being sent
	// dstSA is the destination as sendto(2) takes it, built once.
	dstSA    unix.RawSockaddrInet6
	dstSALen uintptr

	events    chan Event
	ownEvents bool // Events is ours to close
	done      chan struct{}
	closing   chan struct{}
	closeMu   sync.Once
	// Sync mode: the descriptor, used directly (one goroutine at a time
	// uses the Conn, so no Control is needed to keep it from being closed
	// under us); the caller's receiver; and the events one read of the
	// error queue gave beyond the one Receive returned.
	fd     int
	rx     *sockopt.Receiver
	queued []Event
	// wakeFD is the eventfd Wake writes to and Receive polls beside the
	// socket; -1 when closed or not Sync.
	wakeMu sync.Mutex
	wakeFD int
	// lastLocalMTU is the MTU of the last local EMSGSIZE error the receiver
	// drained, in case it got there before Send did.
	lastLocalMTU atomic.Int32
}

// Open opens the socket: ICMP datagram first, raw as the fallback.
func Open(cfg Config) (*Conn, error) {
	dst := cfg.Dst.Unmap()
	if !dst.IsValid() {
		return nil, errors.New("icmpx: no destination")
	}
	v6 := dst.Is6()
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	// Sync mode keeps the socket out of Go's network poller (os.NewFile
	// registers only non-blocking descriptors with it; every call passes
	// MSG_DONTWAIT instead): registered, each reply's arrival also woke a
	// runtime thread parked in epoll_wait, a context switch per packet.
	flags := unix.SOCK_CLOEXEC
	if !cfg.Sync {
		flags |= unix.SOCK_NONBLOCK
	}
	var fd int
	var err error
	raw := cfg.Raw
	if !raw {
		fd, err = unix.Socket(family, unix.SOCK_DGRAM|flags, proto)
		if err != nil {
			raw = true
		}
	}
	if raw {
		var rawErr error
		fd, rawErr = unix.Socket(family, unix.SOCK_RAW|flags, proto)
		if rawErr != nil {
			if errors.Is(rawErr, unix.EPERM) || errors.Is(rawErr, unix.EACCES) {
				return nil, fmt.Errorf("%w: grant CAP_NET_RAW (setcap cap_net_raw+ep <binary>) or allow ICMP datagram sockets for your group (sysctl -w net.ipv4.ping_group_range=\"0 2147483647\")", ErrPermission)
			}
			return nil, fmt.Errorf("icmp socket: %w", rawErr)
		}
	}
	c := &Conn{v6: v6, raw: raw, dst: dst, seed: maphash.MakeSeed(), wakeFD: -1, events: cfg.Events, done: make(chan struct{}), closing: make(chan struct{})}
	c.setDst()
	if c.events == nil {
		c.events = make(chan Event, 1024)
		c.ownEvents = true
	}
	if err := c.setup(fd, cfg); err != nil {
		unix.Close(fd)
		return nil, err
	}
	c.f = os.NewFile(uintptr(fd), "icmp")
	if c.rc, err = c.f.SyscallConn(); err != nil {
		c.f.Close()
		return nil, err
	}
	if cfg.Sync {
		if c.wakeFD, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
			c.f.Close()
			return nil, fmt.Errorf("eventfd: %w", err)
		}
		close(c.done)
		c.fd, c.rx = fd, sockopt.NewReceiver(65536)
		return c, nil
	}
	go c.receive()
	return c, nil
}

func (c *Conn) setup(fd int, cfg Config) error {
	v6 := c.v6
	for _, set := range []struct {
		name string
		err  func() error
	}{
		{"SO_TIMESTAMPNS", func() error { return sockopt.SetTimestampNS(fd, true) }},
		// A raw IPv4 socket delivers the IP header, TTL and all
		// (fromPacket reads it there): the control message would cost
		// every packet for nothing.
		{"IP_RECVTTL", func() error { return sockopt.SetRecvTTL(fd, v6, !c.raw || v6) }},
		{"IP_RECVERR", func() error { return sockopt.SetRecvErr(fd, v6, true) }},
	} {
		if err := set.err(); err != nil {
			return fmt.Errorf("%s: %w", set.name, err)
		}
	}
	if c.raw {
		// A raw socket gets every ICMP message the host receives: let
		// through only the echo reply and the errors Parse reads (as
		// ping does), so echo requests, neighbour discovery and the like
		// never wake it.
		pass := []uint8{v4EchoReply}
		if v6 {
			pass = []uint8{v6EchoReply}
		}
		for t := 0; t < 128; t++ {
			if IsError(v6, uint8(t)) {
				pass = append(pass, uint8(t))
			}
		}
		if err := sockopt.SetICMPFilter(fd, v6, pass...); err != nil {
			return fmt.Errorf("ICMP filter: %w", err)
		}
	}
	if cfg.TTL > 0 {
		if err := sockopt.SetTTL(fd, v6, cfg.TTL); err != nil {
			return fmt.Errorf("TTL %d: %w", cfg.TTL, err)
		}
	}
	if cfg.TOS != 0 {
		if err := sockopt.SetTOS(fd, v6, cfg.TOS); err != nil {
			return fmt.Errorf("TOS %#x: %w", cfg.TOS, err)
		}
	}
	if cfg.SetPMTUD {
		if err := sockopt.SetMTUDiscover(fd, v6, cfg.PMTUD); err != nil {
			return fmt.Errorf("path MTU discovery mode: %w", err)
		}
		if v6 {
			df := 0
			if cfg.PMTUD == sockopt.PMTUDDo || cfg.PMTUD == sockopt.PMTUDProbe {
				df = 1
			}
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, df); err != nil {
				return fmt.Errorf("IPV6_DONTFRAG: %w", err)
			}
		}
	}
	if cfg.Device != "" {
		if err := sockopt.SetBindToDevice(fd, cfg.Device); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("binding to interface %s needs CAP_NET_RAW (setcap cap_net_raw+ep <binary>)", cfg.Device)
			}
			return fmt.Errorf("interface %s: %w", cfg.Device, err)
		}
	}
	if cfg.Src.IsValid() || !c.raw {
		src := cfg.Src.Unmap()
		if !src.IsValid() {
			src = netip.IPv4Unspecified()
			if v6 {
				src = netip.IPv6Unspecified()
			}
		}
		if src.Is6() != v6 {
			return fmt.Errorf("source %v and destination %v are of different families", src, c.dst)
		}
		if err := unix.Bind(fd, sockopt.MustSockaddr(netip.AddrPortFrom(src, 0))); err != nil {
			return fmt.Errorf("bind %v: %w", src, err)
		}
	}
	if c.raw {
		c.id = uint16(rand.Uint32())
		if c.id == 0 {
			c.id = 1
		}
		return nil
	}
	// A datagram ICMP socket's identifier is its local "port".
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	c.id = sockopt.AddrPortOf(sa).Port()
	return nil
}

// ID is the ICMP identifier of our probes.
func (c *Conn) ID() uint16 { return c.id }

// Raw reports whether the socket is raw (privileged) rather than datagram.
func (c *Conn) Raw() bool { return c.raw }

// Events delivers events until Close; the channel is closed then (unless
// it came from Config.Events).
func (c *Conn) Events() <-chan Event { return c.events }

// SetTTL changes the TTL (hop limit) of the following probes.
func (c *Conn) SetTTL(ttl int) error {
	return sockopt.Control(c.rc, func(fd int) error { return sockopt.SetTTL(fd, c.v6, ttl) })
}

// LocalErr is Send's error when the local stack refused the probe.
type LocalErr struct {
	Err error
	MTU int // for EMSGSIZE: the MTU the kernel holds for the route
}

func (e *LocalErr) Error() string {
	if e.MTU > 0 {
		return fmt.Sprintf("local error: %v, mtu=%d", e.Err, e.MTU)
	}
	return fmt.Sprintf("local error: %v", e.Err)
}

func (e *LocalErr) Unwrap() error { return e.Err }

// Send sends one echo request with the given sequence number and payload
// and returns when it left.
func (c *Conn) Send(seq uint16, payload []byte) (time.Time, error) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	b := c.echoRequest(seq, payload)
	// The send time is recorded before the packet leaves: on loopback or a
	// fast link the reply can be in before sendto returns.
	at := time.Now()
	c.mu.Lock()
	c.probes.put(seq, at, payload, c.seed)
	c.mu.Unlock()
	var sendErr, werr error
	if c.rx != nil {
		sendErr, werr = c.sendSync(b)
	} else {
		sendErr, werr = c.sendAsync(b)
	}
	if werr != nil {
		return at, werr
	}
	if sendErr != nil {
		le := &LocalErr{Err: sendErr}
		if errors.Is(sendErr, unix.EMSGSIZE) {
			le.MTU = c.localMTU()
		}
		return at, le
	}
	return at, nil
}

// sendSync sends b straight to sendto(2) on the Sync Conn's descriptor;
// only a full socket buffer (EAGAIN) waits, in poll(2). sendErr is the
// kernel's refusal, err a failure to wait.
func (c *Conn) sendSync(b []byte) (sendErr, err error) {
	if c.fd < 0 {
		return nil, os.ErrClosed
	}
	sendErr = c.sendto(c.fd, b)
	for sendErr == unix.EAGAIN {
		if err := c.poll(unix.POLLOUT, -1, false); err == errPollErr {
			// Errors wait on the queue while the socket is full: read
			// them now, Receive hands them out.
			c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
		} else if err != nil {
			return nil, err
		}
		sendErr = c.sendto(c.fd, b)
	}
	return sendErr, nil
}

// sendAsync is sendSync where a receiving goroutine shares the socket:
// through Control, and a full buffer waits in the network poller.
func (c *Conn) sendAsync(b []byte) (sendErr, err error) {
	err = sockopt.Control(c.rc, func(fd int) error {
		sendErr = c.sendto(fd, b)
		return nil
	})
	if err == nil && sendErr == unix.EAGAIN {
		err = c.rc.Write(func(fd uintptr) bool {
			sendErr = c.sendto(int(fd), b)
			return sendErr != unix.EAGAIN
		})
	}
	return sendErr, err
}

// echoRequest builds the echo request in the Conn's send buffer (sendMu
// held). IPv4's checksum is ours to fill in; ICMPv6's is the kernel's (it
// knows the pseudo-header).
func (c *Conn) echoRequest(seq uint16, payload []byte) []byte {
	n := icmpHeaderLen + len(payload)
	if cap(c.out) < n {
		c.out = make([]byte, n)
	}
	b := c.out[:n]
	b[0], b[1], b[2], b[3] = v4EchoRequest, 0, 0, 0
	if c.v6 {
		b[0] = v6EchoRequest
	}
	binary.BigEndian.PutUint16(b[4:], c.id)
	binary.BigEndian.PutUint16(b[6:], seq)
	copy(b[icmpHeaderLen:], payload)
	if !c.v6 {
		binary.BigEndian.PutUint16(b[2:], checksum(b))
	}
	return b
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// localMTU reads the local error the kernel queued with an EMSGSIZE: its
// ee_info is the MTU that refused the probe.
func (c *Conn) localMTU() int {
	mtu := 0
	c.errq.Lock()
	defer c.errq.Unlock()
	rx := sockopt.NewReceiver(512)
	// Control, not Read: the receiver may be parked in Read holding the
	// read lock until the next packet.
	_ = sockopt.Control(c.rc, func(fd int) error {
		for {
			_, anc, _, err := rx.Read(fd, unix.MSG_ERRQUEUE)
			if err != nil {
				return nil
			}
			if anc.Err != nil && anc.Err.Origin == unix.SO_EE_ORIGIN_LOCAL && anc.Err.Errno == unix.EMSGSIZE {
				mtu = int(anc.Err.Info)
			}
		}
	})
	if mtu == 0 {
		mtu = int(c.lastLocalMTU.Load())
	}
	return mtu
}

// Close stops the receiver and closes the socket.
func (c *Conn) Close() error {
	var err error
	c.closeMu.Do(func() {
		close(c.closing)
		err = c.f.Close()
		c.fd = -1 // a Sync Conn's later calls fail instead of using a reused number
		c.wakeMu.Lock()
		if c.wakeFD >= 0 {
			unix.Close(c.wakeFD)
			c.wakeFD = -1
		}
		c.wakeMu.Unlock()
		<-c.done
	})
	return err
}

// receive reads replies and errors until the socket is closed.
func (c *Conn) receive() {
	defer close(c.done)
	defer func() {
		if c.ownEvents {
			close(c.events)
		}
	}()
	rx := sockopt.NewReceiver(65536)
	for {
		var evs []Event
		err := c.rc.Read(func(fd uintptr) bool {
			evs = c.drainErrQueue(int(fd), rx, evs)
			for {
				n, anc, from, err := rx.Read(int(fd), 0)
				if err != nil {
					break
				}
				if ev, ok := c.fromPacket(rx.Buf[:n], anc, from.Addr()); ok {
					evs = append(evs, ev)
				}
			}
			return len(evs) > 0
		})
		for _, ev := range evs {
			ev.Dst = c.dst
			select {
			case c.events <- ev:
			case <-c.closing:
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// drainErrQueue reads everything on the socket's error queue (POLLERR
// wakes a reader as readable too) and appends the events that concern our
// probes.
func (c *Conn) drainErrQueue(fd int, rx *sockopt.Receiver, evs []Event) []Event {
	c.errq.Lock()
	defer c.errq.Unlock()
	for {
		n, anc, dst, err := rx.Read(fd, unix.MSG_ERRQUEUE)
		if err != nil {
			return evs
		}
		if ev, ok := c.fromErrQueue(rx.Buf[:n], anc, dst.Addr()); ok {
			evs = append(evs, ev)
		}
	}
}

// Receive waits until deadline for the next event (Sync mode only);
// os.ErrDeadlineExceeded when none came, ErrWoken when Wake cut the wait
// short. It reads as ping does: a non-blocking recvmsg first, which in a
// flood finds the reply already there; poll(2) on this goroutine's thread
// only when nothing is; the error queue only when the kernel flags an
// error (a recvmsg that fails with the socket's pending error, or
// POLLERR). No goroutine hand-over, no Go network poller, one syscall per
// reply.
func (c *Conn) Receive(deadline time.Time) (Event, error) {
	if c.rx == nil {
		return Event{}, errors.New("icmpx: Receive needs Config.Sync")
	}
	if c.fd < 0 {
		return Event{}, os.ErrClosed
	}
	for {
		if len(c.queued) > 0 {
			ev := c.queued[0]
			c.queued = c.queued[1:]
			ev.Dst = c.dst
			return ev, nil
		}
		n, anc, from, err := c.rx.Read(c.fd, 0)
		if err == nil {
			if ev, ok := c.fromPacket(c.rx.Buf[:n], anc, from.Addr()); ok {
				ev.Dst = c.dst
				return ev, nil
			}
			continue
		}
		if err != unix.EAGAIN {
			// The pending error an ICMP error left on the socket (recvmsg
			// returns and clears it): the message itself is on the error
			// queue. Anything else waits in poll below, which returns at
			// once if there is more to read.
			c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
			if len(c.queued) > 0 {
				continue
			}
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return Event{}, os.ErrDeadlineExceeded
		}
		ms := int((wait + time.Millisecond - 1) / time.Millisecond)
		if err := c.poll(unix.POLLIN, ms, true); err == errPollErr {
			c.queued = c.drainErrQueue(c.fd, c.rx, c.queued)
		} else if err != nil {
			return Event{}, err
		}
	}
}

// ErrWoken is Receive's error when Wake interrupted it.
var ErrWoken = errors.New("icmpx: woken")

// errPollErr is poll's report of POLLERR: the error queue has messages.
var errPollErr = errors.New("icmpx: POLLERR")

// poll waits in poll(2) up to ms milliseconds (-1: no limit) for the Sync
// Conn's socket to become ready for events, or, if wakeable, for Wake
// (ErrWoken). A timeout or a signal is no error: the caller tries again.
func (c *Conn) poll(events int16, ms int, wakeable bool) error {
	pfd := [2]unix.PollFd{{Fd: int32(c.fd), Events: events}, {Fd: int32(c.wakeFD), Events: unix.POLLIN}}
	n := 1
	if wakeable {
		n = 2
	}
	_, err := unix.Poll(pfd[:n], ms)
	switch {
	case err != nil && err != unix.EINTR:
		return err
	case pfd[0].Revents&unix.POLLERR != 0:
		return errPollErr
	case pfd[1].Revents&unix.POLLIN != 0:
		var count [8]byte
		_, _ = unix.Read(c.wakeFD, count[:])
		return ErrWoken
	}
	return nil
}

// Wake makes the Receive waiting on another goroutine return ErrWoken at
// once, or the next Receive that would wait if none does. It is the one
// call any goroutine may make on a Sync Conn: gping's loop, waiting up to
// a whole interval, hears SIGINT and SIGQUIT through it.
func (c *Conn) Wake() {
	c.wakeMu.Lock()
	defer c.wakeMu.Unlock()
	if c.wakeFD >= 0 {
		var one [8]byte // an eventfd adds the 64-bit count written
		binary.NativeEndian.PutUint64(one[:], 1)
		_, _ = unix.Write(c.wakeFD, one[:])
	}
}

// fromPacket turns one received ICMP message into an event if it concerns
// our probes.
func (c *Conn) fromPacket(b []byte, anc sockopt.Ancillary, from netip.Addr) (Event, bool) {
	ttl := anc.TTL
	if c.raw && !c.v6 {
		inner, hdrTTL, err := StripIPv4Header(b)
		if err != nil {
			return Event{}, false
		}
		b, ttl = inner, hdrTTL
	}
	m, err := Parse(c.v6, b)
	if err != nil {
		return Event{}, false
	}
	at := anc.Time
	if at.IsZero() {
		at = time.Now()
	}
	ev := Event{From: from.Unmap(), At: at, TTL: ttl, Type: m.Type, Code: m.Code, ICMPv6: c.v6, MTU: m.MTU}
	isReply := (!c.v6 && m.Type == v4EchoReply) || (c.v6 && m.Type == v6EchoReply)
	switch {
	case isReply:
		// Raw sockets see every process's replies: ours carry our id and
		// come from where we sent. (Datagram sockets get only ours.)
		if (c.raw && m.ID != c.id) || ev.From != c.dst {
			return Event{}, false
		}
		ev.Kind, ev.Seq, ev.Size = Reply, m.Seq, len(b)
		c.matchReply(&ev, m.Data)
		return ev, true
	case m.Quote != nil:
		id, seq, ok := m.Quote.QuotedEcho()
		if !ok || id != c.id || m.Quote.Dst.Unmap() != c.dst {
			return Event{}, false
		}
		ev.Kind, ev.Seq = icmpkind.Of(c.v6, m.Type, m.Code), seq
		ev.MPLS = MPLSLabels(c.v6, b)
		c.matchError(&ev)
		return ev, true
	}
	return Event{}, false
}

// fromErrQueue turns an IP_RECVERR message (datagram sockets) into an event;
// quoted is our original ICMP header and data.
func (c *Conn) fromErrQueue(quoted []byte, anc sockopt.Ancillary, dst netip.Addr) (Event, bool) {
	ee := anc.Err
	if ee == nil {
		return Event{}, false
	}
	at := anc.Time
	if at.IsZero() {
		at = time.Now()
	}
	if ee.Origin == unix.SO_EE_ORIGIN_LOCAL {
		// Send reads EMSGSIZE's MTU itself; anything else local is an event
		// without a sequence number we could know.
		if ee.Errno == unix.EMSGSIZE {
			c.lastLocalMTU.Store(int32(ee.Info))
			return Event{}, false
		}
		return Event{Kind: LocalError, At: at, Errno: ee.Errno, MTU: int(ee.Info), TTL: -1}, true
	}
	// A raw socket hears ICMP errors as packets too (fromPacket): the
	// error-queue copy would count them twice.
	if c.raw || !ee.FromICMP() || len(quoted) < icmpHeaderLen {
		return Event{}, false
	}
	m, err := Parse(c.v6, quoted)
	if err != nil || (dst.IsValid() && dst.Unmap() != c.dst) {
		return Event{}, false
	}
	ev := Event{Kind: icmpkind.Of(c.v6, ee.Type, ee.Code), Seq: m.Seq, At: at, From: ee.Offender, TTL: anc.TTL,
		Type: ee.Type, Code: ee.Code, ICMPv6: ee.Origin == unix.SO_EE_ORIGIN_ICMP6}
	if ev.Kind == FragNeeded {
		ev.MTU = int(ee.Info)
	}
	c.matchError(&ev)
	return ev, true
}

// matchReply fills in what the probe a reply answers tells: duplicate,
// corrupted, when it left, the RTT.
func (c *Conn) matchReply(ev *Event, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.probes.get(ev.Seq)
	if p == nil {
		return
	}
	p.replies++
	ev.Dup = p.replies > 1
	ev.Corrupt = !p.carried(data, c.seed)
	ev.Sent = p.at
	ev.RTT = max(ev.At.Sub(p.at), 0)
}

// matchError fills in when the probe an error is about left, and the RTT.
func (c *Conn) matchError(ev *Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.probes.get(ev.Seq); p != nil {
		ev.Sent = p.at
		ev.RTT = max(ev.At.Sub(p.at), 0)
	}
}

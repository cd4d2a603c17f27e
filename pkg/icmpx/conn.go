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
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"gnetutils/pkg/sockopt"
)

// Kind is what an Event is.
type Kind int

const (
	Reply        Kind = iota // an echo reply to one of our probes
	TimeExceeded             // a router's TTL / hop limit ran out
	Unreachable              // destination unreachable (all codes but frag needed)
	FragNeeded               // IPv4 frag needed and DF set / IPv6 packet too big; MTU set
	ParamProblem             // parameter problem
	OtherError               // any other ICMP error about a probe (source quench, redirect)
	LocalError               // the local stack refused or failed a probe (MTU for EMSGSIZE)
)

func (k Kind) String() string {
	return [...]string{"reply", "time_exceeded", "unreachable", "frag_needed", "param_problem", "other_error", "local_error"}[k]
}

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
	// Sync: no receiving goroutine; the caller reads with Receive. A flood
	// then costs one wake-up per reply instead of a hand-over between two
	// goroutines.
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

	mu    sync.Mutex
	probe map[uint16]*sent

	events    chan Event
	ownEvents bool // Events is ours to close
	done      chan struct{}
	closing   chan struct{}
	closeMu   sync.Once
	buf, oob  []byte // Sync mode's receive buffers
	// lastLocalMTU is the MTU of the last local EMSGSIZE error the receiver
	// drained, in case it got there before Send did.
	lastLocalMTU atomic.Int32
}

type sent struct {
	at      time.Time
	data    []byte
	replies int
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
	var fd int
	var err error
	raw := cfg.Raw
	if !raw {
		fd, err = unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			raw = true
		}
	}
	if raw {
		var rawErr error
		fd, rawErr = unix.Socket(family, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
		if rawErr != nil {
			if errors.Is(rawErr, unix.EPERM) || errors.Is(rawErr, unix.EACCES) {
				return nil, fmt.Errorf("%w: grant CAP_NET_RAW (setcap cap_net_raw+ep <binary>) or allow ICMP datagram sockets for your group (sysctl -w net.ipv4.ping_group_range=\"0 2147483647\")", ErrPermission)
			}
			return nil, fmt.Errorf("icmp socket: %w", rawErr)
		}
	}
	c := &Conn{v6: v6, raw: raw, dst: dst, probe: map[uint16]*sent{}, events: cfg.Events, done: make(chan struct{}), closing: make(chan struct{})}
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
		close(c.done)
		c.buf, c.oob = make([]byte, 65536), make([]byte, sockopt.OOBSize)
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
		{"IP_RECVTTL", func() error { return sockopt.SetRecvTTL(fd, v6, true) }},
		{"IP_RECVERR", func() error { return sockopt.SetRecvErr(fd, v6, true) }},
	} {
		if err := set.err(); err != nil {
			return fmt.Errorf("%s: %w", set.name, err)
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
		if err := unix.Bind(fd, sockaddr(src, 0)); err != nil {
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
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		c.id = uint16(a.Port)
	case *unix.SockaddrInet6:
		c.id = uint16(a.Port)
	}
	return nil
}

func sockaddr(a netip.Addr, port int) unix.Sockaddr {
	if a.Is4() {
		return &unix.SockaddrInet4{Addr: a.As4(), Port: port}
	}
	return &unix.SockaddrInet6{Addr: a.As16(), Port: port}
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
	typ := icmp.Type(ipv4.ICMPTypeEcho)
	if c.v6 {
		typ = ipv6.ICMPTypeEchoRequest
	}
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: int(c.id), Seq: int(seq), Data: payload}}
	// ICMPv6 checksums are the kernel's (it knows the pseudo-header).
	b, err := msg.Marshal(nil)
	if err != nil {
		return time.Time{}, err
	}
	// The send time is recorded before the packet leaves: on loopback or a
	// fast link the reply can be in before sendto returns.
	at := time.Now()
	c.mu.Lock()
	c.probe[seq] = &sent{at: at, data: bytes.Clone(payload)}
	c.mu.Unlock()
	sa := sockaddr(c.dst, 0)
	var sendErr error
	// Straight to sendto(2); only a full socket buffer (EAGAIN) waits in
	// the network poller.
	werr := sockopt.Control(c.rc, func(fd int) error {
		sendErr = unix.Sendto(fd, b, 0, sa)
		return nil
	})
	if werr == nil && errors.Is(sendErr, unix.EAGAIN) {
		werr = c.rc.Write(func(fd uintptr) bool {
			sendErr = unix.Sendto(int(fd), b, 0, sa)
			return sendErr != unix.EAGAIN
		})
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

// localMTU reads the local error the kernel queued with an EMSGSIZE: its
// ee_info is the MTU that refused the probe.
func (c *Conn) localMTU() int {
	mtu := 0
	c.errq.Lock()
	defer c.errq.Unlock()
	buf, oob := make([]byte, 512), make([]byte, sockopt.OOBSize)
	// Control, not Read: the receiver may be parked in Read holding the
	// read lock until the next packet.
	_ = sockopt.Control(c.rc, func(fd int) error {
		for {
			_, anc, _, err := sockopt.RecvErrQueue(fd, buf, oob)
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
	buf, oob := make([]byte, 65536), make([]byte, sockopt.OOBSize)
	for {
		var evs []Event
		err := c.rc.Read(func(fd uintptr) bool {
			evs = c.drain(int(fd), buf, oob, evs)
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

// drain reads everything waiting on the socket, the error queue first
// (POLLERR wakes a reader as readable too), and appends the events that
// concern our probes.
func (c *Conn) drain(fd int, buf, oob []byte, evs []Event) []Event {
	c.errq.Lock()
	for {
		n, anc, dst, err := sockopt.RecvErrQueue(fd, buf, oob)
		if err != nil {
			break
		}
		if ev, ok := c.fromErrQueue(buf[:n], anc, dst.Addr()); ok {
			evs = append(evs, ev)
		}
	}
	c.errq.Unlock()
	for {
		n, anc, from, err := sockopt.Recv(fd, buf, oob, unix.MSG_DONTWAIT)
		if err != nil {
			break
		}
		if ev, ok := c.fromPacket(buf[:n], anc, from.Addr()); ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

// Receive waits until deadline for events (Sync mode only) and returns
// what arrived; os.ErrDeadlineExceeded when nothing did. It waits in
// poll(2) on this goroutine's thread, as ping does, not in Go's network
// poller: a flood's round trip then costs no goroutine hand-over at all.
func (c *Conn) Receive(deadline time.Time) ([]Event, error) {
	if c.buf == nil {
		return nil, errors.New("icmpx: Receive needs Config.Sync")
	}
	var evs []Event
	err := sockopt.Control(c.rc, func(fd int) error {
		for {
			evs = c.drain(fd, c.buf, c.oob, evs)
			if len(evs) > 0 {
				return nil
			}
			wait := time.Until(deadline)
			if wait <= 0 {
				return os.ErrDeadlineExceeded
			}
			ms := int((wait + time.Millisecond - 1) / time.Millisecond)
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLERR}}
			if _, err := unix.Poll(pfd, ms); err != nil && !errors.Is(err, unix.EINTR) {
				return err
			}
		}
	})
	for i := range evs {
		evs[i].Dst = c.dst
	}
	return evs, err
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
		return c.matchReply(ev, m.Data), true
	case m.Quote != nil:
		id, seq, ok := m.Quote.QuotedEcho()
		if !ok || id != c.id || m.Quote.Dst.Unmap() != c.dst {
			return Event{}, false
		}
		ev.Kind, ev.Seq = errorKind(c.v6, m.Type, m.Code), seq
		ev.MPLS = MPLSLabels(c.v6, b)
		return c.matchError(ev), true
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
	ev := Event{Kind: errorKind(c.v6, ee.Type, ee.Code), Seq: m.Seq, At: at, From: ee.Offender, TTL: anc.TTL,
		Type: ee.Type, Code: ee.Code, ICMPv6: ee.Origin == unix.SO_EE_ORIGIN_ICMP6}
	if ev.Kind == FragNeeded {
		ev.MTU = int(ee.Info)
	}
	return c.matchError(ev), true
}

func errorKind(v6 bool, typ, code uint8) Kind {
	if v6 {
		switch typ {
		case v6DestUnreach:
			return Unreachable
		case v6PacketTooBig:
			return FragNeeded
		case v6TimeExceeded:
			return TimeExceeded
		case v6ParamProblem:
			return ParamProblem
		}
		return OtherError
	}
	switch typ {
	case v4DestUnreach:
		if code == 4 {
			return FragNeeded
		}
		return Unreachable
	case v4TimeExceeded:
		return TimeExceeded
	case v4ParamProblem:
		return ParamProblem
	}
	return OtherError
}

func (c *Conn) matchReply(ev Event, data []byte) Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.probe[ev.Seq]
	if !ok {
		return ev
	}
	p.replies++
	ev.Dup = p.replies > 1
	ev.Corrupt = !bytes.Equal(data, p.data)
	ev.Sent = p.at
	if !p.at.IsZero() {
		ev.RTT = max(ev.At.Sub(p.at), 0)
	}
	return ev
}

func (c *Conn) matchError(ev Event) Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.probe[ev.Seq]; ok && !p.at.IsZero() {
		ev.Sent = p.at
		ev.RTT = max(ev.At.Sub(p.at), 0)
	}
	return ev
}

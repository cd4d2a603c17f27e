// Package icmpx is the suite's one ICMP probe engine, shared by gping,
// gtraceroute -I and gpmtud -I: echo requests out with a chosen TTL, size,
// TOS and DF; every ICMP message that concerns them back as a typed Event,
// matched to its probe by identifier, sequence, addresses and payload,
// with the kernel's receive timestamp. Every probe carries a random
// per-Conn cookie, and only answers that bring it back count (match.go).
//
// It opens an unprivileged ICMP datagram socket where
// net.ipv4.ping_group_range allows and a raw socket otherwise. With a raw
// socket every process sees every echo reply, and identifiers can collide:
// the cookie keeps other pings' replies out; ICMP errors come as messages
// quoting our header. With a datagram socket the kernel picks the
// identifier (our local port) and hands ICMP errors over through
// IP_RECVERR's error queue.
// Nothing that concerns our probes is dropped silently: duplicates,
// corrupted replies and errors all become events.
package icmpx

import (
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

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
	// Socket is what ping's -d -r -b -m -S -L set on its socket.
	Socket Switches
	// ID is a raw socket's identifier when SetID (ping -e); otherwise a
	// raw socket's is random, and a datagram socket's always the kernel's.
	ID    uint16
	SetID bool
	// Connect connects the socket to Dst (ping -C): a raw socket then
	// hears only what Dst sends, errors from routers included out.
	Connect bool
	// AnySource takes echo replies from any address, not only Dst: Dst
	// is a broadcast address (ping -b) and every host on the link answers.
	AnySource bool
	// FlowLabel is the IPv6 flow label of the probes when SetFlowLabel
	// (ping -F); 0 asks the kernel for one at random. IPv4 ignores it.
	FlowLabel    uint32
	SetFlowLabel bool
	// SharedFlowLabel asks for the label shared with any socket, as
	// traceroute -l does, not for this socket alone as ping -F does.
	SharedFlowLabel bool
	// IPOptions go into every IPv4 probe's header (IP_OPTIONS: ping -R);
	// the reply's come back in Event.IPOptions on a raw socket.
	IPOptions []byte
	// CookieAt is where in each payload Send writes the Conn's cookie
	// (CookieLen bytes, fewer if the payload ends first), 0 to 16: the
	// bytes before it are the caller's, as ping's timestamp.
	CookieAt int
	// Events, if set, is where the events go instead of a channel of the
	// Conn's own, so one reader serves many Conns without a goroutine per
	// Conn in between; Event.Conn tells them apart. It is not closed.
	Events chan Event
	// Sync: no receiving goroutine; the caller reads with Receive, and the
	// Conn is then used by one goroutine at a time (Send, Receive, Close;
	// Wake from anywhere). A round trip then costs what ping's does: one
	// sendto and one recvmsg, no goroutine hand-over, no Go network poller.
	Sync bool
	// NodeInfo, if set, makes the probes RFC 4620 NI Queries (ping -N,
	// IPv6 only, on a raw socket) instead of echo requests: Send ignores
	// its payload, and the replies are matched by their nonce.
	NodeInfo *NIQuery
	// Control, if set, is called with the socket before it is bound, for
	// options the engine does not know (traceroute's -d, -r, --fwmark).
	Control func(fd int) error
}

// ErrPermission is returned when neither socket kind may be opened.
var ErrPermission = errors.New("no permission for ICMP sockets")

// Conn is an open probe socket towards one destination.
type Conn struct {
	f    *os.File
	rc   syscall.RawConn
	v6   bool
	raw  bool
	any  bool     // Config.AnySource
	ni   *NIQuery // Config.NodeInfo
	flow uint32   // the IPv6 flow label granted (Config.SetFlowLabel)
	// markErr is why SO_MARK could not be set (Switches.Mark), if so.
	markErr error
	id      uint16
	dst     netip.Addr
	src     netip.Addr // our probes' source, if known: errors must quote it
	errq    sync.Mutex // serialises error-queue reads between Send and the receiver

	mu     sync.Mutex // guards probes (Send and the receiver)
	probes probeTable
	seed   maphash.Seed
	// cookie is in every probe's payload at cookieAt (match.go).
	cookie   [CookieLen]byte
	cookieAt int

	sendMu sync.Mutex // guards out
	out    []byte     // the echo request being sent
	// dstSA is the destination as sendto(2) takes it, built once.
	dstSA    unix.RawSockaddrInet6
	dstSALen uintptr

	events    chan Event
	ownEvents bool // Events is ours to close
	drops     queue.Drops
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
	if cfg.CookieAt < 0 || cfg.CookieAt > maxCookieAt {
		return nil, fmt.Errorf("icmpx: cookie offset %d outside 0-%d", cfg.CookieAt, maxCookieAt)
	}
	v6 := dst.Is6()
	if cfg.NodeInfo != nil && !v6 {
		return nil, errors.New("icmpx: node information queries are IPv6 only")
	}
	// A datagram ICMPv6 socket sends echo requests only.
	fd, raw, err := openSocket(v6, cfg.Raw || cfg.NodeInfo != nil, cfg.Sync)
	if err != nil {
		return nil, err
	}
	c := &Conn{v6: v6, raw: raw, any: cfg.AnySource, ni: cfg.NodeInfo, dst: dst, seed: maphash.MakeSeed(), cookie: newCookie(), cookieAt: cfg.CookieAt,
		wakeFD: -1, events: cfg.Events, done: make(chan struct{}), closing: make(chan struct{})}
	if raw {
		// A datagram socket's error queue does not show the quoted
		// source: the kernel hands it the errors quoting its identifier.
		c.src = ourSource(cfg, dst)
	}
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

// openSocket opens an ICMP (ICMPv6 when v6) socket: datagram first, raw
// as the fallback, or raw only when asked.
func openSocket(v6, raw, sync bool) (fd int, isRaw bool, err error) {
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	// Sync mode keeps the socket out of Go's network poller (os.NewFile
	// registers only non-blocking descriptors with it; every call passes
	// MSG_DONTWAIT instead): registered, each reply's arrival also woke a
	// runtime thread parked in epoll_wait, a context switch per packet.
	flags := unix.SOCK_CLOEXEC
	if !sync {
		flags |= unix.SOCK_NONBLOCK
	}
	if !raw {
		if fd, err = unix.Socket(family, unix.SOCK_DGRAM|flags, proto); err == nil {
			return fd, false, nil
		}
	}
	fd, err = unix.Socket(family, unix.SOCK_RAW|flags, proto)
	switch {
	case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
		return -1, true, fmt.Errorf("%w: grant CAP_NET_RAW (setcap cap_net_raw+ep <binary>) or allow ICMP datagram sockets for your group (sysctl -w net.ipv4.ping_group_range=\"0 2147483647\")", ErrPermission)
	case err != nil:
		return -1, true, fmt.Errorf("icmp socket: %w", err)
	}
	return fd, true, nil
}

// ID is the ICMP identifier of our probes.
func (c *Conn) ID() uint16 { return c.id }

// Control runs f with the socket's descriptor, which stays open meanwhile
// (tests read the options back with getsockopt).
func (c *Conn) Control(f func(fd int) error) error { return sockopt.Control(c.rc, f) }

// MarkErr says why the kernel refused Config.Socket.Mark (it wants
// CAP_NET_ADMIN); the socket goes without, as ping's does.
func (c *Conn) MarkErr() error { return c.markErr }

// FlowLabel is the IPv6 flow label the probes carry (ping -F), 0 if none.
func (c *Conn) FlowLabel() uint32 { return c.flow }

// Raw reports whether the socket is raw (privileged) rather than datagram.
func (c *Conn) Raw() bool { return c.raw }

// Events delivers events until Close; the channel is closed then (unless
// it came from Config.Events).
func (c *Conn) Events() <-chan Event { return c.events }

// SetTTL changes the TTL (hop limit) of the following probes.
func (c *Conn) SetTTL(ttl int) error {
	return sockopt.Control(c.rc, func(fd int) error { return sockopt.SetTTL(fd, c.v6, ttl) })
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

// Package udpprobe is the unprivileged probe engine that gtraceroute's
// default method and gpmtud share: UDP datagrams with a chosen TTL (or hop
// limit), size and DF bit, whose answers are the ICMP errors the kernel
// queues on the socket when IP_RECVERR/IPV6_RECVERR is on. No privilege is
// needed, as with traceroute's and tracepath's default methods.
//
// Every probe leaves from one socket to one destination port, so all probes
// of a trace share one 5-tuple and ECMP routers hash them onto one path
// (Paris traceroute). Probes are told apart by an id in the payload: the
// kernel hands the quoted payload of each ICMP error back with the error.
package udpprobe

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/netroute"
	"gnetutils/pkg/queue"
	"gnetutils/pkg/sockopt"
)

// Config says where probes go and how.
type Config struct {
	Dst     netip.AddrPort // destination address and (fixed) port
	Src     netip.Addr     // source address; zero: the kernel's choice
	SrcPort uint16         // source port; 0: an ephemeral one, fixed for the prober's life
	Device  string         // interface to bind to (SO_BINDTODEVICE), optional
	DF      bool           // set DF and ignore the cached path MTU (path-MTU probing)
	TOS     int            // IPv4 TOS / IPv6 traffic class
	// Proto is the datagram protocol: 0 for UDP, or unix.IPPROTO_UDPLITE
	// (its header and error queue are UDP's).
	Proto int
	// Coverage is UDP-Lite's checksum coverage of each probe, in bytes
	// from the header's start (traceroute -UL's -O coverage=; its
	// default, 8, is the header alone); 0 leaves the kernel's, the whole
	// datagram.
	Coverage int
	// FlowLabel is the IPv6 flow label of the probes (traceroute -l),
	// shared with any socket that asks for it; 0: none. IPv4 ignores it.
	FlowLabel uint32
	// Control, if set, is called with the socket before it is bound, for
	// options the engine does not know (traceroute's -d, -r, --fwmark).
	Control func(fd int) error
}

// Kind says what an answer means for its probe, as pkg/icmpkind
// classifies it; ParamProblem and OtherError are the other errors.
type Kind = icmpkind.Kind

const (
	// TimeExceeded: a router on the way dropped the probe (TTL ran out).
	TimeExceeded = icmpkind.TimeExceeded
	// Arrived: the destination itself answered "port unreachable", so the
	// probe reached it.
	Arrived = icmpkind.Arrived
	// Unreachable: a destination-unreachable other than the two above
	// (host, network, protocol, administratively prohibited, ...).
	Unreachable = icmpkind.Unreachable
	// FragNeeded: "fragmentation needed and DF set" (IPv4) or "packet too
	// big" (IPv6); Answer.MTU holds the next-hop MTU if the router gave one.
	FragNeeded = icmpkind.FragNeeded
)

// Probe is one datagram sent.
type Probe struct {
	ID   uint32
	TTL  int // 0: the socket default
	Size int // whole IP packet: IP and UDP headers and payload
	Sent time.Time
}

// Answer is one ICMP error about one of our probes.
type Answer struct {
	Probe      Probe
	From       netip.Addr // the router or host that sent the error
	At         time.Time  // kernel receive time of the error
	RTT        time.Duration
	Kind       Kind
	Type, Code uint8 // the ICMP (or ICMPv6) type and code
	ICMPv6     bool
	MTU        int // next-hop MTU of FragNeeded, 0 if none was given
	// ReplyTTL is the TTL (hop limit) the ICMP error arrived with, -1 if
	// unknown: with the sender's initial TTL guessed, it gives the length of
	// the return path, as tracepath's "back N" does.
	ReplyTTL int
}

// LocalMTUError is Send's error for a DF probe larger than the local
// interface (or route) allows: the packet never left.
type LocalMTUError struct{ MTU int }

func (e *LocalMTUError) Error() string {
	return fmt.Sprintf("message too long for the local MTU %d", e.MTU)
}

const (
	udpHeaderLen = 8
	// PayloadMin is the id the payload must carry: a 4-byte per-prober
	// token, so stray errors about other sockets' packets never match, and a
	// 4-byte probe id.
	PayloadMin = 8
)

// HeaderLen is the IP plus UDP header size, for converting between IP packet
// size and UDP payload.
func HeaderLen(v6 bool) int {
	return sockopt.IPHeaderLen(v6) + udpHeaderLen
}

// Prober sends probes and matches the answers.
type Prober struct {
	fd     int
	v6     bool
	dst    netip.AddrPort
	dstSA  unix.Sockaddr // dst as sendto(2) takes it, built once
	flow   uint32        // the IPv6 flow label granted, 0 for none
	token  [4]byte
	sendMu sync.Mutex
	nextID uint32
	// ifname and ifMTU are the outgoing interface, looked up when the prober
	// is made: later lookups could run in another network namespace.
	ifname string
	ifMTU  int

	mu     sync.Mutex
	probes map[uint32]Probe

	answers chan Answer
	drops   queue.Drops
	stop    chan struct{}
	// wake is an eventfd that Close signals, so the receiver's poll returns
	// at once instead of at its next timeout.
	wake int
	done chan struct{}
	once sync.Once
}

// New opens the socket. It needs no privilege (SO_BINDTODEVICE aside).
func New(cfg Config) (*Prober, error) {
	if !cfg.Dst.IsValid() {
		return nil, errors.New("udpprobe: no destination")
	}
	dst := netip.AddrPortFrom(cfg.Dst.Addr().Unmap(), cfg.Dst.Port())
	v6 := dst.Addr().Is6()
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, cfg.Proto)
	if err != nil {
		return nil, fmt.Errorf("udp socket: %w", err)
	}
	p := &Prober{fd: fd, v6: v6, dst: dst, dstSA: sockopt.MustSockaddr(dst), probes: map[uint32]Probe{},
		answers: make(chan Answer, 256), stop: make(chan struct{}), done: make(chan struct{})}
	if err := p.setup(cfg); err != nil {
		unix.Close(fd)
		return nil, err
	}
	p.ifname, p.ifMTU, _ = netroute.InterfaceMTU(dst.Addr())
	if _, err := rand.Read(p.token[:]); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if p.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	go p.receive()
	return p, nil
}

func (p *Prober) setup(cfg Config) error {
	fd, v6 := p.fd, p.v6
	if err := sockopt.SetRecvErr(fd, v6, true); err != nil {
		return fmt.Errorf("IP_RECVERR: %w", err)
	}
	if err := sockopt.SetTimestampNS(fd, true); err != nil {
		return fmt.Errorf("SO_TIMESTAMPNS: %w", err)
	}
	if err := sockopt.SetRecvTTL(fd, v6, true); err != nil {
		return fmt.Errorf("IP_RECVTTL: %w", err)
	}
	mode := sockopt.PMTUDDont
	if cfg.DF {
		mode = sockopt.PMTUDProbe
	}
	if err := sockopt.SetMTUDiscover(fd, v6, mode); err != nil {
		return fmt.Errorf("IP_MTU_DISCOVER: %w", err)
	}
	if v6 {
		df := 0
		if cfg.DF {
			df = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_DONTFRAG, df); err != nil {
			return fmt.Errorf("IPV6_DONTFRAG: %w", err)
		}
	}
	if cfg.TOS != 0 {
		if err := sockopt.SetTOS(fd, v6, cfg.TOS); err != nil {
			return fmt.Errorf("TOS: %w", err)
		}
	}
	if cfg.Device != "" {
		if err := sockopt.SetBindToDevice(fd, cfg.Device); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("binding to interface %s needs CAP_NET_RAW (setcap cap_net_raw+ep on the binary): %w", cfg.Device, err)
			}
			return fmt.Errorf("interface %s: %w", cfg.Device, err)
		}
	}
	if cfg.Coverage != 0 {
		if err := sockopt.SetUDPLiteCoverage(fd, cfg.Coverage, 8); err != nil {
			return fmt.Errorf("UDPLITE_SEND_CSCOV: %w", err)
		}
	}
	if err := p.setFlowLabel(cfg.FlowLabel); err != nil {
		return err
	}
	if cfg.Control != nil {
		if err := cfg.Control(fd); err != nil {
			return err
		}
	}
	return p.bind(cfg)
}

// setFlowLabel gets the flow label for the probes, as traceroute -l:
// shared, then written into every sendto's destination address, which
// IPV6_FLOWINFO_SEND lets through.
func (p *Prober) setFlowLabel(label uint32) error {
	if !p.v6 || label&0xfffff == 0 {
		return nil
	}
	got, err := sockopt.RequestSharedFlowLabel(p.fd, p.dst.Addr(), label)
	if err != nil {
		return os.NewSyscallError("setsockopt IPV6_FLOWLABEL_MGR", err)
	}
	if err := sockopt.SetFlowInfoSend(p.fd, true); err != nil {
		return os.NewSyscallError("setsockopt IPV6_FLOWINFO_SEND", err)
	}
	p.flow = got
	return nil
}

// bind binds the socket to the source address and port cfg asks for.
func (p *Prober) bind(cfg Config) error {
	fd, v6 := p.fd, p.v6
	src := cfg.Src
	if !src.IsValid() {
		src = netip.IPv4Unspecified()
		if v6 {
			src = netip.IPv6Unspecified()
		}
	}
	if src.Unmap().Is4() == v6 {
		return fmt.Errorf("source %v and destination %v are of different families", src, p.dst.Addr())
	}
	if err := unix.Bind(fd, sockopt.MustSockaddr(netip.AddrPortFrom(src.Unmap(), cfg.SrcPort))); err != nil {
		return fmt.Errorf("bind %v: %w", netip.AddrPortFrom(src, cfg.SrcPort), err)
	}
	return nil
}

// Answers delivers the answers as they arrive. It is closed by Close. A
// reader that falls 256 answers behind loses the newest (Drops counts
// them): the receiver never blocks, so a flood cannot stall it or Close.
func (p *Prober) Answers() <-chan Answer { return p.answers }

// Drops is how many answers the receiver dropped for want of room.
func (p *Prober) Drops() uint64 { return p.drops.Count() }

// Send sends one probe of size bytes (whole IP packet) with the given TTL
// (0: the socket's default).
func (p *Prober) Send(ttl, size int) (Probe, error) {
	payload := size - HeaderLen(p.v6)
	if payload < PayloadMin {
		return Probe{}, fmt.Errorf("packet length %d too small: at least %d", size, HeaderLen(p.v6)+PayloadMin)
	}
	largest := 65535 - 20 - 8 // IPv4's length field counts its header
	if p.v6 {
		largest = 65535 - 8 // IPv6's does not
	}
	if payload > largest {
		return Probe{}, fmt.Errorf("packet length %d too large", size)
	}
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	if ttl > 0 {
		if err := sockopt.SetTTL(p.fd, p.v6, ttl); err != nil {
			return Probe{}, fmt.Errorf("TTL %d: %w", ttl, err)
		}
	}
	p.nextID++
	pr := Probe{ID: p.nextID, TTL: ttl, Size: size}
	buf := make([]byte, payload)
	copy(buf, p.token[:])
	binary.BigEndian.PutUint32(buf[4:], pr.ID)
	for attempt := 0; ; attempt++ {
		// An ICMP error about an earlier probe leaves its errno on the
		// socket (sk_err) and the next send would report it instead of
		// sending: read it away first (SO_ERROR clears it).
		_, _ = unix.GetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		pr.Sent = time.Now()
		p.mu.Lock()
		p.probes[pr.ID] = pr
		p.mu.Unlock()
		err := p.sendto(buf)
		if err == nil {
			return pr, nil
		}
		// With DF and IP_PMTUDISC_PROBE the kernel refuses locally only
		// what exceeds the interface MTU; an EMSGSIZE for a size that fits
		// is an earlier probe's frag-needed arriving in between.
		local := errors.Is(err, unix.EMSGSIZE) && (p.ifMTU == 0 || size > p.ifMTU)
		switch {
		case local:
			return pr, &LocalMTUError{MTU: p.ifMTU}
		case attempt < sockopt.PendingErrorRetries && sockopt.IsPendingErrno(err):
			continue
		}
		return pr, fmt.Errorf("send: %w", err)
	}
}

func (p *Prober) sendto(b []byte) error {
	if p.flow != 0 {
		return sockopt.SendtoFlow(p.fd, b, 0, p.dst, p.flow)
	}
	return unix.Sendto(p.fd, b, 0, p.dstSA)
}

// Interface is the outgoing interface towards the destination and its MTU
// ("", 0 if unknown), as they were when the prober was made.
func (p *Prober) Interface() (string, int) { return p.ifname, p.ifMTU }

// Close stops the receiver, closes the socket and the Answers channel.
func (p *Prober) Close() error {
	var err error
	p.once.Do(func() {
		close(p.stop)
		_, _ = unix.Write(p.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
		<-p.done
		err = unix.Close(p.fd)
		unix.Close(p.wake)
	})
	return err
}

// receive drains the error queue (and any data the destination sends back)
// until Close.
func (p *Prober) receive() {
	defer close(p.done)
	defer close(p.answers)
	rx := sockopt.NewReceiver(2048)
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN | unix.POLLERR}, {Fd: int32(p.wake), Events: unix.POLLIN}}
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		if _, err := unix.Poll(fds, -1); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		for range queue.Batch {
			n, anc, _, err := rx.Read(p.fd, unix.MSG_ERRQUEUE)
			if err != nil {
				break
			}
			if a, ok := p.match(rx.Buf[:n], anc); ok {
				queue.Offer(p.answers, a, &p.drops)
			}
		}
		// Data from the destination (an open port that answered) carries
		// no probe id; read it so it does not keep poll awake.
		for range queue.Batch {
			if _, _, _, err := rx.Read(p.fd, 0); err != nil {
				break
			}
		}
	}
}

// match turns one error-queue message into an Answer for the probe whose id
// its quoted payload carries.
func (p *Prober) match(quoted []byte, anc sockopt.Ancillary) (Answer, bool) {
	ee := anc.Err
	if ee == nil || !ee.FromICMP() || len(quoted) < PayloadMin || [4]byte(quoted[:4]) != p.token {
		return Answer{}, false
	}
	id := binary.BigEndian.Uint32(quoted[4:8])
	p.mu.Lock()
	pr, ok := p.probes[id]
	p.mu.Unlock()
	if !ok {
		return Answer{}, false
	}
	at := anc.Time
	if at.IsZero() {
		at = time.Now()
	}
	a := Answer{Probe: pr, From: ee.Offender, At: at, RTT: at.Sub(pr.Sent), Type: ee.Type, Code: ee.Code,
		ICMPv6: ee.Origin == unix.SO_EE_ORIGIN_ICMP6, ReplyTTL: anc.TTL}
	if a.RTT < 0 {
		a.RTT = 0
	}
	a.Kind = icmpkind.Of(a.ICMPv6, ee.Type, ee.Code)
	switch {
	case a.Kind == FragNeeded:
		a.MTU = int(ee.Info)
	case icmpkind.PortUnreachable(a.ICMPv6, ee.Type, ee.Code) && ee.Offender == p.dst.Addr():
		a.Kind = Arrived
	}
	return a, true
}

// ReturnHops estimates how many hops an ICMP error travelled from the TTL it
// arrived with, assuming the sender started from 64, 128 or 255 as hosts and
// routers do (tracepath's estimate). 0 if the TTL is unknown.
func ReturnHops(replyTTL int) int {
	switch {
	case replyTTL <= 0:
		return 0
	case replyTTL <= 64:
		return 65 - replyTTL
	case replyTTL <= 128:
		return 129 - replyTTL
	case replyTTL <= 255:
		return 256 - replyTTL
	}
	return 0
}

package gtraceroute

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/probes"
	"gnetutils/pkg/sockopt"
	"gnetutils/pkg/udpprobe"

	"golang.org/x/sys/unix"
)

// reply is what came back for one probe.
type reply struct {
	idx   int // the probe's index in the trace
	from  netip.Addr
	at    time.Time
	rtt   time.Duration
	final bool   // the destination answered, or an error ends the trace here
	annot string // traceroute's !H, !N, !F-1400 ...
	ttl   int    // TTL the answer arrived with (-1 unknown)
	ext   string // ICMP extensions (MPLS labels), traceroute -e's text
	kind  string // time_exceeded, arrived (the destination answered), unreachable, frag_needed, ...
	mtu   int    // frag_needed's next-hop MTU, 0 if none
	info  string // what -O info asked of the destination's answer (TCP: its flags)
}

// method is how a trace probes: UDP datagrams to one port (Paris: one
// 5-tuple for the whole trace, answers from the error queue, no privilege
// needed), ICMP echo requests or TCP SYNs, every probe of the trace the
// same size. Probes are known by their index in the trace.
type method struct {
	p    probes.Prober
	size int  // whole packet
	udp  bool // the UDP method, whose NDJSON names some kinds its own way
	// mtu is --mtu: size follows the path MTU down, as traceroute's
	// probes do, both what the local stack and what the routers name.
	mtu bool
}

func (m *method) send(idx, ttl int) (time.Time, error) {
	sent, err := m.p.Send(idx, ttl, m.size)
	if mtu, ok := probes.Refused(err); ok && m.mtu && mtu > 0 && mtu < m.size {
		m.size = mtu
		sent, err = m.p.Send(idx, ttl, m.size)
	}
	var lm *udpprobe.LocalMTUError
	if errors.As(err, &lm) {
		return sent, fmt.Errorf("message too long for the interface MTU %d (packet length %d)", lm.MTU, m.size)
	}
	return sent, err
}

func (m method) answers() <-chan probes.Answer { return m.p.Answers() }
func (m method) close()                        { m.p.Close() }

// reply is what an answer means for the trace: the destination's answer
// or an error other than time exceeded ends it, the error with
// traceroute's mark ("" for a port unreachable, which traceroute takes for
// arrival whoever sent it: a firewall that rejects with it looks like the
// destination).
func (m method) reply(a probes.Answer) reply {
	r := reply{idx: a.ID, from: a.From, at: a.At, rtt: a.RTT, ttl: a.TTL, ext: icmpx.MPLSString(a.MPLS), kind: a.Kind.String(), mtu: a.MTU, info: a.Info}
	switch a.Kind {
	case icmpkind.Reply, icmpkind.Arrived:
		r.final, r.kind = true, "arrived"
	case icmpkind.TimeExceeded:
	default:
		r.final, r.annot = true, icmpkind.Mark(a.ICMPv6, a.Type, a.Code, a.MTU)
		if m.udp && (a.Kind == icmpkind.ParamProblem || a.Kind == icmpkind.OtherError) {
			r.kind = "other" // as the UDP method has always named them
		}
	}
	return r
}

// probeConfig is what every method needs.
type probeConfig struct {
	dst    netip.Addr
	src    netip.Addr
	device string
	port   uint16
	size   int // whole packet
	df     bool
	tos    int
	sport  uint16 // 0: an ephemeral port
	mtu    bool   // --mtu: probes shrink to the path MTU
	// traceroute's socket options on request: -d, -r, --fwmark.
	debug   bool
	noRoute bool
	mark    uint32 // 0: none
	// flowLabel is -l's IPv6 flow label, 0 for none.
	flowLabel uint32
	// gateways is -g's loose source route (IPv4 LSRR, IPv6 type 0).
	gateways []netip.Addr
	wait     time.Duration // -w MAX: how long a probe is waited for
	mod      modOpts       // -O's options of the method
	tcp      tcpProbe      // the TCP probes -O asked for
}

// control sets the socket options the command line asked for, failing as
// traceroute fails ("setsockopt SO_MARK: Operation not permitted").
func (cfg probeConfig) control(fd int) error {
	fail := func(name string, err error) error {
		return os.NewSyscallError("setsockopt "+name, err)
	}
	if cfg.debug {
		if err := sockopt.SetDebug(fd, true); err != nil {
			return fail("SO_DEBUG", err)
		}
	}
	if cfg.noRoute {
		if err := sockopt.SetDontRoute(fd, true); err != nil {
			return fail("SO_DONTROUTE", err)
		}
	}
	if len(cfg.gateways) > 0 {
		name := "IP_OPTIONS"
		if cfg.dst.Is6() {
			name = "IPV6_RTHDR"
		}
		if err := sockopt.SetLooseSourceRoute(fd, cfg.gateways, cfg.dst); err != nil {
			return fail(name, err)
		}
	}
	if cfg.mark != 0 {
		if err := sockopt.SetMark(fd, cfg.mark); err != nil {
			return fail("SO_MARK", err)
		}
	}
	return nil
}

// setFlowLabel gets -l's flow label for the socket fd, as traceroute
// does for each of its sockets: shared with any socket, and let through
// from the destination addresses that carry it (sockopt.SendtoFlow,
// ConnectFlow).
func (cfg probeConfig) setFlowLabel(fd int) error {
	if cfg.flowLabel == 0 {
		return nil
	}
	if _, err := sockopt.RequestSharedFlowLabel(fd, cfg.dst, cfg.flowLabel); err != nil {
		return os.NewSyscallError("setsockopt IPV6_FLOWLABEL_MGR", err)
	}
	if err := sockopt.SetFlowInfoSend(fd, true); err != nil {
		return os.NewSyscallError("setsockopt IPV6_FLOWINFO_SEND", err)
	}
	return nil
}

var errNoMethod = errors.New("no probe method")

func openMethod(ctx context.Context, kind string, cfg probeConfig) (method, error) {
	var p probes.Prober
	var err error
	switch kind {
	case "default", "udp", "udplite":
		p, err = probes.NewUDP(cfg.udpConfig(kind))
	case "icmp":
		p, err = openICMP(cfg)
	case "tcp":
		p, err = newTCP(cfg)
	case "tcpconn":
		p, err = newTCPConn(cfg, cfg.wait)
	case "dccp":
		p, err = newDCCP(cfg)
	case "raw":
		p, err = newRawIP(cfg)
	default:
		return method{}, errNoMethod
	}
	if err != nil {
		return method{}, err
	}
	return method{p: p, size: cfg.size, udp: udpLike(kind), mtu: cfg.mtu}, nil
}

// udpLike: the method sends datagrams from one UDP (or UDP-Lite) socket.
func udpLike(kind string) bool { return kind == "default" || kind == "udp" || kind == "udplite" }

func (cfg probeConfig) udpConfig(kind string) udpprobe.Config {
	uc := udpprobe.Config{Dst: netip.AddrPortFrom(cfg.dst, cfg.port), Src: cfg.src, SrcPort: cfg.sport, Device: cfg.device, DF: cfg.df, TOS: cfg.tos,
		FlowLabel: cfg.flowLabel, Control: cfg.control}
	if kind == "udplite" {
		// As traceroute: the checksum covers the header alone unless
		// -O coverage= says otherwise.
		uc.Proto, uc.Coverage = unix.IPPROTO_UDPLITE, max(int(cfg.mod.coverage), 8)
	}
	return uc
}

// openICMP opens the ICMP echo method: a raw socket with -O raw, a
// datagram one with -O dgram (refused as traceroute's is where
// net.ipv4.ping_group_range does not let us have one), else either.
func openICMP(cfg probeConfig) (probes.Prober, error) {
	if cfg.mod.socket == "dgram" {
		family, proto := unix.AF_INET, unix.IPPROTO_ICMP
		if cfg.dst.Is6() {
			family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
		}
		fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			return nil, os.NewSyscallError("socket", err)
		}
		unix.Close(fd) // icmpx prefers a datagram socket where it may have one
	}
	return probes.NewICMP(icmpx.Config{Dst: cfg.dst, Src: cfg.src, Device: cfg.device, TOS: cfg.tos, SetPMTUD: true, PMTUD: pmtudFor(cfg.df),
		Raw: cfg.mod.socket == "raw", Control: cfg.control, FlowLabel: cfg.flowLabel, SetFlowLabel: cfg.flowLabel != 0, SharedFlowLabel: true})
}

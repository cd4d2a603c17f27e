package gtraceroute

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/sockopt"
	"gnetutils/pkg/udpprobe"
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
}

// method sends probes one way (UDP, ICMP echo, TCP SYN) and reports
// answers by probe index.
type method interface {
	send(idx, ttl int) (time.Time, error)
	replies() <-chan reply
	close()
}

// udpMethod: UDP datagrams to one port (Paris: one 5-tuple for the whole
// trace), answers from the error queue (no privilege needed).
type udpMethod struct {
	p    *udpprobe.Prober
	size int
	dst  netip.Addr
	mu   sync.Mutex
	idx  map[uint32]int
	out  chan reply
	done chan struct{}
}

func newUDP(cfg probeConfig) (*udpMethod, error) {
	p, err := udpprobe.New(udpprobe.Config{Dst: netip.AddrPortFrom(cfg.dst, cfg.port), Src: cfg.src, Device: cfg.device, DF: cfg.df, TOS: cfg.tos})
	if err != nil {
		return nil, err
	}
	m := &udpMethod{p: p, size: cfg.size, dst: cfg.dst, idx: map[uint32]int{}, out: make(chan reply, 256), done: make(chan struct{})}
	go m.pump()
	return m, nil
}

func (m *udpMethod) send(idx, ttl int) (time.Time, error) {
	// Held across Send: an answer can be back before Send returns, and the
	// pump must find its index.
	m.mu.Lock()
	defer m.mu.Unlock()
	pr, err := m.p.Send(ttl, m.size)
	var lm *udpprobe.LocalMTUError
	if errors.As(err, &lm) {
		return pr.Sent, fmt.Errorf("message too long for the interface MTU %d (packet length %d)", lm.MTU, m.size)
	}
	if err != nil {
		return pr.Sent, err
	}
	m.idx[pr.ID] = idx
	return pr.Sent, nil
}

func (m *udpMethod) pump() {
	defer close(m.done)
	for a := range m.p.Answers() {
		m.mu.Lock()
		idx, ok := m.idx[a.Probe.ID]
		m.mu.Unlock()
		if !ok {
			continue
		}
		r := reply{idx: idx, from: a.From, at: a.At, rtt: a.RTT, ttl: a.ReplyTTL, kind: udpKindName(a.Kind)}
		switch a.Kind {
		case udpprobe.TimeExceeded:
		case udpprobe.Arrived:
			r.final = true
		default:
			r.final, r.annot = true, icmpkind.Mark(a.ICMPv6, a.Type, a.Code, a.MTU)
		}
		m.out <- r
	}
}

// udpKindName is the kind's name in the UDP method's NDJSON, which has
// always called parameter problems and other errors "other" (the ICMP and
// TCP methods say param_problem and other_error).
func udpKindName(k icmpkind.Kind) string {
	if k == icmpkind.ParamProblem || k == icmpkind.OtherError {
		return "other"
	}
	return k.String()
}

func (m *udpMethod) replies() <-chan reply { return m.out }
func (m *udpMethod) close()                { m.p.Close(); <-m.done }

// icmpMethod: ICMP echo requests through pkg/icmpx. The sequence number
// tells probes apart; two payload bytes cancel its change in the checksum,
// so every probe carries the same ICMP checksum (Paris traceroute: routers
// that hash ICMP flows on it keep them on one path).
type icmpMethod struct {
	c    *icmpx.Conn
	data int
	out  chan reply
	done chan struct{}
}

func newICMP(cfg probeConfig) (*icmpMethod, error) {
	data := cfg.size - sockopt.IPHeaderLen(cfg.dst.Is6()) - 8
	if data < 2 {
		data = 2
	}
	c, err := icmpx.Open(icmpx.Config{Dst: cfg.dst, Src: cfg.src, Device: cfg.device, TOS: cfg.tos, SetPMTUD: true, PMTUD: pmtudFor(cfg.df)})
	if err != nil {
		return nil, err
	}
	m := &icmpMethod{c: c, data: data, out: make(chan reply, 256), done: make(chan struct{})}
	go m.pump()
	return m, nil
}

func (m *icmpMethod) send(idx, ttl int) (time.Time, error) {
	if err := m.c.SetTTL(ttl); err != nil {
		return time.Time{}, err
	}
	seq := uint16(idx + 1)
	payload := make([]byte, m.data)
	// seq + ^seq = 0xffff in ones' complement: the checksum stays put.
	binary.BigEndian.PutUint16(payload, ^seq)
	return m.c.Send(seq, payload)
}

func (m *icmpMethod) pump() {
	defer close(m.done)
	for ev := range m.c.Events() {
		if ev.Sent.IsZero() || ev.Dup {
			continue
		}
		r := reply{idx: int(ev.Seq) - 1, from: ev.From, at: ev.At, rtt: ev.RTT, ttl: ev.TTL, ext: icmpx.MPLSString(ev.MPLS), kind: ev.Kind.String()}
		switch ev.Kind {
		case icmpx.Reply:
			r.final, r.kind = true, "arrived"
		case icmpx.TimeExceeded:
		case icmpx.LocalError:
			continue
		default:
			r.final, r.annot = true, icmpkind.Mark(ev.ICMPv6, ev.Type, ev.Code, ev.MTU)
		}
		m.out <- r
	}
}

func (m *icmpMethod) replies() <-chan reply { return m.out }
func (m *icmpMethod) close()                { m.c.Close(); <-m.done }

// probeConfig is what every method needs.
type probeConfig struct {
	dst    netip.Addr
	src    netip.Addr
	device string
	port   uint16
	size   int // whole packet
	df     bool
	tos    int
}

var errNoMethod = errors.New("no probe method")

func openMethod(ctx context.Context, kind string, cfg probeConfig) (method, error) {
	switch kind {
	case "udp":
		return newUDP(cfg)
	case "icmp":
		return newICMP(cfg)
	case "tcp":
		return newTCP(ctx, cfg)
	}
	return nil, errNoMethod
}

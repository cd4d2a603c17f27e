package icmpx

import (
	"net/netip"
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
	Kind Kind
	Dst  netip.Addr // the probe's destination (the Conn's)
	// Conn is the Conn the probe left by: what tells apart Conns that
	// share Config.Events, even two to one destination.
	Conn   *Conn
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
	// IPOptions are the options of the reply's IPv4 header (raw sockets
	// only), as ping -R and -T print them; nil when it has none.
	IPOptions []byte
	// NodeInfo is the NI Reply a Reply is (Config.NodeInfo); nil for an
	// echo reply.
	NodeInfo *NodeInfo
}

// fromPacket turns one received ICMP message into an event if it concerns
// our probes.
func (c *Conn) fromPacket(b []byte, anc sockopt.Ancillary, from netip.Addr) (Event, bool) {
	ttl := anc.TTL
	var opts []byte
	if c.raw && !c.v6 {
		if len(b) > 0 {
			if ihl := int(b[0]&0x0f) * 4; ihl > sockopt.IPv4HeaderLen && ihl <= len(b) {
				opts = append([]byte(nil), b[sockopt.IPv4HeaderLen:ihl]...) // b is the receive buffer, reused
			}
		}
		inner, hdrTTL, err := StripIPv4Header(b)
		// The kernel checks ICMP checksums before a datagram socket or
		// a raw ICMPv6 socket sees a message, but not for raw IPv4:
		// checked here, as ping does.
		if err != nil || sockopt.Checksum(inner) != 0 {
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
	ev := Event{Conn: c, From: from.Unmap(), At: at, TTL: ttl, Type: m.Type, Code: m.Code, ICMPv6: c.v6, MTU: m.MTU, IPOptions: opts}
	isReply := (!c.v6 && m.Type == v4EchoReply) || (c.v6 && m.Type == v6EchoReply)
	switch {
	case c.ni != nil:
		return ev, m.Type == NIReplyType && c.fromNIReply(&ev, b)
	case isReply:
		// Raw sockets see every process's replies: ours carry our id and
		// come from where we sent, or from anyone with AnySource.
		// (Datagram sockets get only ours.)
		if (c.raw && m.ID != c.id) || (ev.From != c.dst && !c.any) {
			return Event{}, false
		}
		ev.Kind, ev.Seq, ev.Size = Reply, m.Seq, len(b)
		return ev, c.matchReply(&ev, m.Data)
	case m.Quote != nil:
		id, seq, ok := m.Quote.QuotedEcho()
		if !ok || id != c.id || !c.quotesUs(m.Quote) {
			return Event{}, false
		}
		ev.Kind, ev.Seq = icmpkind.Of(c.v6, m.Type, m.Code), seq
		ev.MPLS = MPLSLabels(c.v6, b)
		return ev, c.matchError(&ev, m.Quote.Transport[icmpHeaderLen:])
	}
	return Event{}, false
}

// fromErrQueue turns an IP_RECVERR message (datagram sockets) into an event;
// quoted is our original ICMP header and data, as much as the router
// quoted, and dst the destination it was sent to.
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
		return Event{Kind: LocalError, Conn: c, At: at, Errno: ee.Errno, MTU: int(ee.Info), TTL: -1}, true
	}
	// A raw socket hears ICMP errors as packets too (fromPacket): the
	// error-queue copy would count them twice.
	if c.raw || !ee.FromICMP() || len(quoted) < icmpHeaderLen {
		return Event{}, false
	}
	m, err := Parse(c.v6, quoted)
	isRequest := (!c.v6 && m.Type == v4EchoRequest) || (c.v6 && m.Type == v6EchoRequest)
	if err != nil || !isRequest || m.ID != c.id || dst.Unmap() != c.dst {
		return Event{}, false
	}
	ev := Event{Kind: icmpkind.Of(c.v6, ee.Type, ee.Code), Conn: c, Seq: m.Seq, At: at, From: ee.Offender, TTL: anc.TTL,
		Type: ee.Type, Code: ee.Code, ICMPv6: ee.Origin == unix.SO_EE_ORIGIN_ICMP6}
	if ev.Kind == FragNeeded {
		ev.MTU = int(ee.Info)
	}
	return ev, c.matchError(&ev, m.Data)
}

package gpmtud

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"gnetutils/pkg/cli"
)

// textPrinter writes gpmtud's lines, tracepath's for --hops.
type textPrinter struct {
	lines *cli.Lines
	addr  netip.Addr // the target's
	both  bool       // -b: "name (addr)", as tracepath -b
	// lookup is the name of an address, "???" when it has none (what
	// tracepath -b prints).
	lookup func(netip.Addr) string
}

// host is a hop's column: the address, or with -b "name (addr)".
func (p *textPrinter) host(a netip.Addr) string {
	if !p.both {
		return cli.Ntop(a)
	}
	return p.lookup(a) + " (" + cli.Ntop(a) + ")"
}

// lookupName asks the system's resolver (the hosts file, then DNS) for
// a's name, for at most two seconds.
func lookupName(a netip.Addr) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if names, err := net.DefaultResolver.LookupAddr(ctx, a.String()); err == nil && len(names) > 0 {
		return strings.TrimSuffix(names[0], ".")
	}
	return "???"
}

func (p *textPrinter) step(o outcome) {
	var what string
	switch o.res {
	case resThrough:
		what = fmt.Sprintf("through (%s ms)", fmtMS(o.rtt))
	case resTooBig:
		what = fmt.Sprintf("frag needed from %s, mtu %d (%s ms)", o.from, o.mtu, fmtMS(o.rtt))
		if o.icmpv6 {
			what = fmt.Sprintf("packet too big from %s, mtu %d (%s ms)", o.from, o.mtu, fmtMS(o.rtt))
		}
	case resLocal:
		what = fmt.Sprintf("larger than the interface MTU %d", o.mtu)
	case resLost:
		what = fmt.Sprintf("no answer to %d probes", o.sent)
	case resHop:
		what = fmt.Sprintf("time exceeded from %s", o.from)
	case resUnreachable:
		what = "unreachable" + markWord(o) + " from " + cli.Ntop(o.from)
	}
	p.lines.Printf("probe %d bytes: %s", o.size, what)
}

func (p *textPrinter) check(payload int, o outcome) {
	verdict := "through"
	if o.res != resThrough {
		switch o.res {
		case resTooBig:
			verdict = fmt.Sprintf("not through: frag needed from %s, mtu %d", o.from, o.mtu)
		case resLocal:
			verdict = fmt.Sprintf("not through: larger than the interface MTU %d", o.mtu)
		case resUnreachable:
			verdict = "not through: unreachable" + markWord(o) + " from " + cli.Ntop(o.from)
		default:
			verdict = fmt.Sprintf("not through: no answer to %d probes", o.sent)
		}
	}
	p.lines.Printf("%d bytes (packet %d) to %s: %s", payload, o.size, cli.Ntop(p.addr), verdict)
}

// localhost is tracepath's first line.
func (p *textPrinter) localhost(mtu int) {
	p.lines.Printf("%2d?: %-32s pmtu %d", 1, "[LOCALHOST]", mtu)
}

// hop prints one tracepath-style line: "%2d:  <addr padded to 52><rtt>ms <what>".
func (p *textPrinter) hop(h hopLine) {
	if h.noReply {
		p.lines.Printf("%2d:  no reply", h.ttl)
		return
	}
	us := h.rtt.Microseconds()
	host := p.host(h.from)
	if len(host) >= 52 {
		host += " " // tracepath keeps one space after a long name
	}
	line := fmt.Sprintf("%2d:  %-52s%3d.%03dms ", h.ttl, host, us/1000, us%1000)
	switch {
	case h.blackHole:
		line += fmt.Sprintf("pmtu %d (black hole after hop %d: larger packets vanish without frag-needed)", h.pmtu, h.ttl-1)
	case h.pmtu > 0:
		line += fmt.Sprintf("pmtu %d", h.pmtu)
	case h.reached:
		line += "reached"
	case h.annot != "":
		line += h.annot
	}
	p.lines.Printf("%s", line)
}

// resume is tracepath's closing line.
func (p *textPrinter) resume(wr walkResult) {
	if wr.reached {
		p.lines.Printf("     Resume: pmtu %d hops %d back %d ", wr.pmtu, wr.hops, wr.back)
		return
	}
	p.lines.Printf("     Too many hops: pmtu %d", wr.pmtu)
	p.lines.Printf("     Resume: pmtu %d ", wr.pmtu)
}

// summary is the answer's line, when there is one: the target answered.
func (p *textPrinter) summary(r searchResult, bhHop int, reached bool) {
	if !reached {
		return
	}
	udp, icmp, mss := payloads(r.pmtu, p.addr.Is6())
	line := fmt.Sprintf("pmtu %d (%s) to %s: udp payload %d, icmp payload %d, tcp mss %d", r.pmtu, r.learned, cli.Ntop(p.addr), udp, icmp, mss)
	switch {
	case bhHop > 0:
		line += fmt.Sprintf("; black hole after hop %d", bhHop)
	case r.blackHole:
		line += fmt.Sprintf("; black hole: packets above %d bytes vanish without frag-needed", r.pmtu)
	}
	p.lines.Printf("%s; %d probes in %s ms", line, r.probes, fmtMS(r.elapsed))
}

// markWord is traceroute's mark as a word of its own (" !H"), or nothing
// where traceroute marks none (a port unreachable: the probe arrived).
func markWord(o outcome) string {
	if m := annotation(o); m != "" {
		return " " + m
	}
	return ""
}

// interrupted prints nothing: Run says it on stderr ("interrupted; largest
// size through so far"), as it always has.
func (p *textPrinter) interrupted(searchResult) {}

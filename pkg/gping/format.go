package gping

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
	"gnetutils/pkg/netroute"
	"gnetutils/pkg/stats"
)

// textPrinter prints what ping prints: its lines on stdout, its local
// errors on stderr; it declares no probe lost.
type textPrinter struct {
	out         *cli.Lines
	stderr      io.Writer
	cfg         *runConfig // the header's size, pattern and source
	quiet       bool
	flood       bool
	audible     bool
	timestamps  bool
	outstanding bool
	verbose     bool // -v: the address line first, ident= on replies
}

func (p *textPrinter) header(t *target) {
	src := netip.Addr{}
	if p.cfg.source != "" {
		src = p.cfg.icmp.Src
	} else if t.sticky.IsValid() {
		src = t.sticky // as ping -B, which names the source it keeps
	} else if p.cfg.device != "" {
		if ifi, err := net.InterfaceByName(p.cfg.device); err == nil {
			src = netroute.InterfaceAddr(ifi, t.addr.Is6())
		}
	}
	if p.verbose {
		p.out.Printf("%s", verboseAddr(t.host, t.addr))
	}
	p.out.Printf("%s", header(t.host, t.addr, src, p.cfg.device, p.cfg.size, p.cfg.pattern, t.conn.FlowLabel(), p.cfg.optlen))
}

// What -f prints, as ping: a dot per probe sent, a backspace over it per
// reply, an E per error.
var floodSent, floodReply, floodError = []byte("."), []byte("\b \b"), []byte("E")

func (p *textPrinter) sent(*target) {
	if p.flood && !p.quiet {
		_, _ = p.out.Write(floodSent)
	}
}

func (p *textPrinter) unanswered(t *target, at time.Time) {
	if p.outstanding {
		p.line(at, fmt.Sprintf("no answer yet for icmp_seq=%d", t.seq))
	}
}

func (p *textPrinter) reply(t *target, ev *icmpx.Event) {
	if p.flood {
		if !p.quiet {
			_, _ = p.out.Write(floodReply)
		}
		return
	}
	if !p.quiet {
		ident := -1
		if p.verbose {
			ident = int(t.conn.ID())
		}
		name := t.name
		if ev.From.IsValid() && ev.From != t.addr {
			name = cli.Ntop(ev.From) // -b: every host on the link answers
		}
		shown := *ev
		// As ping, a broadcast's duplicates are counted, but marked
		// only with -v: every host but the first is one.
		shown.Dup = ev.Dup && (!p.cfg.icmp.AnySource || p.verbose)
		line := replyLine(name, shown, !t.c.untimed, ident) + optionsText(ev.IPOptions, &t.lastRoute)
		if p.audible {
			line += "\a"
		}
		p.line(ev.At, line)
	}
}

func (p *textPrinter) icmpError(_ *target, ev *icmpx.Event) {
	if p.flood {
		if !p.quiet {
			_, _ = p.out.Write(floodError)
		}
		return
	}
	if !p.quiet {
		p.line(ev.At, errorLine(*ev))
	}
}

func (p *textPrinter) localError(_ *target, err error) {
	var le *icmpx.LocalErr
	if errors.As(err, &le) {
		cli.Errorf(p.stderr, command.Name, "%s", localErrorText(le))
		return
	}
	cli.Errorf(p.stderr, command.Name, "sendmsg: %v", err)
}

func (p *textPrinter) timeout(*target, uint16, time.Time) {}

func (p *textPrinter) summary(t *target) { _, _ = io.WriteString(p.out, summary(t.host, &t.c)) }

func (p *textPrinter) reportsTimeouts() bool { return false }

// line prints one line, with -D's timestamp of at.
func (p *textPrinter) line(at time.Time, s string) {
	if p.timestamps {
		s = timestampPrefix(at) + s
	}
	p.out.Printf("%s", s)
}

// header is ping's first line.
func header(host string, addr netip.Addr, src netip.Addr, device string, datalen int, pattern []byte, flow uint32, ipopts int) string {
	var b strings.Builder
	if len(pattern) > 0 {
		b.WriteString("PATTERN: 0x")
		for _, p := range pattern {
			fmt.Fprintf(&b, "%02x", p)
		}
		b.WriteString("\n")
	}
	from := ""
	if src.IsValid() {
		from = fmt.Sprintf(" from %s %s:", cli.Ntop(src), device)
	}
	if addr.Is6() {
		if flow != 0 {
			from += fmt.Sprintf(" , flow 0x%05x,", flow) // ping -F, its spaces and all
		}
		if from != "" {
			fmt.Fprintf(&b, "PING %s(%s)%s %d data bytes", host, cli.Ntop(addr), from, datalen)
		} else {
			fmt.Fprintf(&b, "PING %s(%s) %d data bytes", host, cli.Ntop(addr), datalen)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "PING %s (%s)%s %d(%d) bytes of data.", host, addr, from, datalen, datalen+8+20+ipopts)
	return b.String()
}

// timedSize is the smallest payload ping times: it needs room for the
// struct timeval it sends (16 bytes); below that its lines have no time
// and its summary no rtt line, and so have gping's (--json keeps the RTTs,
// which gping measures from its own send times).
const timedSize = 16

// replyLine is one "64 bytes from ..." line (without the -D prefix); timed
// false leaves out the time, as ping does for payloads under timedSize;
// ident, unless negative, is shown as ping -v shows it. An NI Reply (-N)
// shows what it says where an echo reply has its sequence number.
func replyLine(name string, ev icmpx.Event, timed bool, ident int) string {
	line := fmt.Sprintf("%d bytes from %s:", ev.Size, name)
	if ev.NodeInfo != nil {
		line += niText(ev.NodeInfo, ev.Seq)
	} else {
		line += fmt.Sprintf(" icmp_seq=%d", ev.Seq)
	}
	if ident >= 0 {
		line += fmt.Sprintf(" ident=%d", ident)
	}
	line += fmt.Sprintf(" ttl=%d", ev.TTL)
	if timed {
		line += " time=" + stats.FormatPingTime(ev.RTT) + " ms"
	}
	if ev.Dup {
		line += " (DUP!)"
	}
	if ev.Corrupt {
		line += " (BAD DATA!)"
	}
	return line
}

// verboseAddr is the line ping -v prints on stdout before its header: the
// family and name getaddrinfo gave.
func verboseAddr(host string, addr netip.Addr) string {
	family := "AF_INET"
	if addr.Is6() {
		family = "AF_INET6"
	}
	return fmt.Sprintf("ai->ai_family: %s, ai->ai_canonname: '%s'\n", family, host)
}

// errorText is what ping prints after "From <addr> icmp_seq=N ".
func errorText(ev icmpx.Event) string {
	if ev.ICMPv6 {
		switch ev.Type {
		case 1:
			texts := []string{"No route", "Administratively prohibited", "Beyond scope of source address", "Address unreachable", "Port unreachable", "Source address failed ingress/egress policy", "Reject route to destination"}
			if int(ev.Code) < len(texts) {
				return "Destination unreachable: " + texts[ev.Code]
			}
			return fmt.Sprintf("Destination unreachable: Unknown code %d", ev.Code)
		case 2:
			return fmt.Sprintf("Packet too big: mtu=%d", ev.MTU)
		case 3:
			switch ev.Code {
			case 0:
				return "Time exceeded: Hop limit"
			case 1:
				return "Time exceeded: Defragmentation failure"
			}
			return fmt.Sprintf("Time exceeded: code %d", ev.Code)
		case 4:
			return fmt.Sprintf("Parameter problem: code %d", ev.Code)
		}
		return fmt.Sprintf("Unknown ICMP type: %d", ev.Type)
	}
	switch ev.Type {
	case 3:
		if ev.Code == 4 {
			return fmt.Sprintf("Frag needed and DF set (mtu = %d)", ev.MTU)
		}
		texts := []string{"Destination Net Unreachable", "Destination Host Unreachable", "Destination Protocol Unreachable", "Destination Port Unreachable", "",
			"Source Route Failed", "Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated", "Destination Net Prohibited",
			"Destination Host Prohibited", "Destination Net Unreachable for Type of Service", "Destination Host Unreachable for Type of Service",
			"Packet filtered", "Precedence Violation", "Precedence Cutoff"}
		if int(ev.Code) < len(texts) {
			return texts[ev.Code]
		}
		return fmt.Sprintf("Dest Unreachable, Bad Code: %d", ev.Code)
	case 11:
		switch ev.Code {
		case 0:
			return "Time to live exceeded"
		case 1:
			return "Frag reassembly time exceeded"
		}
		return fmt.Sprintf("Time exceeded, Bad Code: %d", ev.Code)
	case 12:
		return "Parameter problem"
	case 4:
		return "Source Quench"
	case 5:
		return "Redirect"
	}
	return fmt.Sprintf("Bad ICMP type: %d", ev.Type)
}

// localErrorText is ping's "local error: message too long, mtu=1400".
func localErrorText(le *icmpx.LocalErr) string {
	msg := le.Err.Error()
	var errno syscall.Errno
	if errors.As(le.Err, &errno) {
		msg = strings.ToLower(errno.Error()[:1]) + errno.Error()[1:]
	}
	if le.MTU > 0 {
		return fmt.Sprintf("local error: %s, mtu=%d", msg, le.MTU)
	}
	return "local error: " + msg
}

// errorLine is ping's line for an ICMP error about a probe.
func errorLine(ev icmpx.Event) string {
	return fmt.Sprintf("From %s icmp_seq=%d %s", cli.Ntop(ev.From), ev.Seq, errorText(ev))
}

// timestampPrefix is -D's "[seconds.micros] ".
func timestampPrefix(t time.Time) string {
	return fmt.Sprintf("[%d.%06d] ", t.Unix(), t.Nanosecond()/1000)
}

// counts is one target's tally for the summary.
type counts struct {
	transmitted, received, dups, corrupt, errors int
	rtt                                          stats.RTT
	elapsed                                      time.Duration
	flood                                        bool
	untimed                                      bool          // payload under timedSize: no RTTs in text
	pipe                                         int           // most probes outstanding at once
	ipg                                          time.Duration // mean gap between sends (flood)
	ewma                                         time.Duration
}

// summary is ping's closing block, starting with its blank line and ending
// with a newline.
func summary(host string, c *counts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n--- %s ping statistics ---\n", host)
	fmt.Fprintf(&b, "%d packets transmitted, %d received", c.transmitted, c.received)
	if c.dups > 0 {
		fmt.Fprintf(&b, ", +%d duplicates", c.dups)
	}
	if c.corrupt > 0 {
		fmt.Fprintf(&b, ", +%d corrupted", c.corrupt)
	}
	if c.errors > 0 {
		fmt.Fprintf(&b, ", +%d errors", c.errors)
	}
	if c.transmitted > 0 {
		fmt.Fprintf(&b, ", %s%% packet loss", stats.LossPercent(c.transmitted, c.received))
		ms := (c.elapsed.Microseconds() + 500) / 1000
		fmt.Fprintf(&b, ", time %dms", ms)
	}
	b.WriteString("\n")
	comma := ""
	if c.received > 0 && c.rtt.Count() > 0 && !c.untimed {
		b.WriteString(c.rtt.PingLine())
		comma = ", "
	}
	if c.pipe > 1 {
		fmt.Fprintf(&b, "%spipe %d", comma, c.pipe)
		comma = ", "
	}
	if c.flood && c.received > 0 {
		ewma := c.ewma
		if c.untimed {
			ewma = 0 // ping's average of the RTTs it did not measure
		}
		fmt.Fprintf(&b, "%sipg/ewma %s/%s ms", comma, fixed3(c.ipg), fixed3(ewma))
	}
	b.WriteString("\n")
	return b.String()
}

// fixed3 is ping's "%ld.%03ld" of microseconds.
func fixed3(d time.Duration) string {
	us := d.Microseconds()
	return fmt.Sprintf("%d.%03d", us/1000, us%1000)
}

// statusLine is what SIGQUIT prints: ping's interim figures.
func statusLine(c *counts) string {
	loss := 0
	if c.transmitted > 0 {
		loss = (c.transmitted - c.received) * 100 / c.transmitted
	}
	line := fmt.Sprintf("%d/%d packets, %d%% loss", c.received, c.transmitted, loss)
	if c.received > 0 && c.rtt.Count() > 0 && !c.untimed {
		line += fmt.Sprintf(", min/avg/ewma/max = %s/%s/%s/%s ms", fixed3(c.rtt.Min()), fixed3(c.rtt.Avg()), fixed3(c.ewma), fixed3(c.rtt.Max()))
	}
	return line
}

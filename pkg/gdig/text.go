package gdig

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// textPrinter prints what dig prints, in its layout (format.go).
type textPrinter struct {
	out   *cli.Lines
	short bool // +short
	noCmd bool // +nocmd
	sw    sections
	d     display
	// cmdDone: +qr printed the command line before the query.
	cmdDone bool
	// brief: the command line is a batch line's after the first, which
	// dig prints alone (batch.go).
	brief bool
	// found: the addresses of the @server's name (stubServers).
	found int
}

// stubServers keeps the count for dig's "; (N servers found)".
func (p *textPrinter) stubServers(found int) { p.found = found }

// begin takes the display options of the lookup about to be printed.
func (p *textPrinter) begin(d display, sw sections, noCmd bool) {
	p.d, p.sw, p.noCmd, p.short, p.cmdDone = d, sw, noCmd, d.short, false
}

// answer renders a final response in dig's layout, or +short's.
func (p *textPrinter) answer(r reply) {
	if r.traced {
		return
	}
	if p.d.dns64 {
		p.printDNS64(r)
		return
	}
	if p.short {
		p.printShort(r)
		return
	}
	if !p.noCmd && p.sw.cmd && !p.cmdDone {
		p.printCmd(r.cmdLine, r.serverFound && p.d.serverFirst)
	}
	if p.sw.comments {
		p.out.Printf(";; Got answer:")
	}
	_, _ = io.WriteString(p.out, sectionText(r.msg, r.wire, p.sw, p.d))
	if !p.sw.stats || r.noStats {
		if p.sw.comments && hasSection(r.msg, r.wire, p.sw) {
			p.out.Printf("") // dig closes the sections with a blank line
		}
		if !r.noStats {
			p.printReceived(r)
		}
		return
	}
	// The blank line before the stats ends dig's last section heading's
	// block: without comments or sections there is none.
	if !p.sw.comments || !hasSection(r.msg, r.wire, p.sw) {
		p.printStatLines(r)
		return
	}
	p.printStats(r)
}

// printStats prints dig's closing lines: query time, server, when, size.
func (p *textPrinter) printStats(r reply) {
	p.out.Printf("")
	p.printStatLines(r)
}

// printStatLines are the stats themselves.
func (p *textPrinter) printStatLines(r reply) {
	p.out.Printf(";; Query time: %s", p.queryTime(r.rtt))
	if r.queries > 0 {
		p.out.Printf(";; QUERIES: %d, resolved iteratively from the root", r.queries)
	}
	p.out.Printf(";; SERVER: %s", r.server)
	p.out.Printf(";; WHEN: %s", time.Now().Format("Mon Jan 02 15:04:05 MST 2006"))
	p.out.Printf(";; MSG SIZE  rcvd: %d", r.received())
	p.out.Printf("")
}

// printDNS64 prints +dns64prefix's answer as dig does: the prefixes in
// place of the answer section, after a blank line with +comments,
// before the stats with +stats.
func (p *textPrinter) printDNS64(r reply) {
	if p.sw.comments {
		p.out.Printf("")
	}
	if p.sw.answer {
		_, _ = io.WriteString(p.out, dns64Text(r.msg))
	}
	switch {
	case p.short:
	case p.sw.stats:
		p.printStatLines(r)
	default:
		p.printReceived(r)
	}
}

// printReceived is +identify's line where there are no stats: the
// bytes received, from whom, and when they came.
func (p *textPrinter) printReceived(r reply) {
	if !p.d.identify || r.from == "" {
		return
	}
	unit, t := "ms", r.rtt.Milliseconds()
	if p.d.usec {
		unit, t = "us", r.rtt.Microseconds()
	}
	p.out.Printf(";; Received %d bytes from %s in %d %s", r.received(), r.from, t, unit)
	p.out.Printf("")
}

// printCmd prints dig's opening lines: the command and the global options.
func (p *textPrinter) printCmd(cmdLine string, serverFound bool) {
	if p.brief {
		p.out.Printf("%s", cmdLine)
		return
	}
	p.out.Printf("")
	p.out.Printf("%s", cmdLine)
	switch {
	case serverFound && p.found > 1:
		p.out.Printf("; (%d servers found)", p.found)
	case serverFound:
		p.out.Printf("; (1 server found)")
	}
	if p.short {
		p.out.Printf(";; global options: +short +cmd")
		return
	}
	p.out.Printf(";; global options: +cmd")
}

// stubTryFailed is dig's line for every try that failed, and why: over
// TCP one that did not connect, in other words than an answer that did
// not come in time. moving: the next try goes to the next server.
func (p *textPrinter) stubTryFailed(s stubServer, name, network string, err error, moving bool) {
	if network == "tcp" && commError(err) != "timed out" {
		// dig 9.18 names the server by its address here, and gives up
		// on it each time in so many words, unless it moves on.
		p.out.Printf(";; Connection to %s#%d(%s) for %s failed: %s.", s.addr, s.port, s.addr, name, commError(err))
		if !moving {
			p.out.Printf(";; no servers could be reached")
		}
		return
	}
	p.out.Printf(";; communications error to %s#%d: %s", s.addr, s.port, commError(err))
}

// stubBadPacket is dig's report of an answer it could not parse: why, in
// BIND's words, and the message in hex (with +short too).
func (p *textPrinter) stubBadPacket(_ stubServer, why error, raw []byte) {
	p.out.Printf(";; Got bad packet: %v", why)
	for _, line := range hexDump(raw) {
		p.out.Printf("%s", line)
	}
}

// stubTruncated is dig's line before it asks again over TCP.
func (p *textPrinter) stubTruncated() { p.stubNote(";; Truncated, retrying in TCP mode.") }

// stubIgnored prints dig's warnings about a datagram it ignored (with
// +short too, as dig).
func (p *textPrinter) stubIgnored(warnings []string) {
	for _, w := range warnings {
		p.out.Printf("%s", w)
	}
}

func (p *textPrinter) stubNoReply(s stubServer, network, cmdLine string, err error) {
	if network == "tcp" {
		return // said after each try
	}
	// dig's opening lines come with the failure, with +short too when
	// +cmd is on (+nssearch), unless +qr printed them before the query.
	if !p.noCmd && p.sw.cmd && !p.cmdDone {
		p.printCmd(cmdLine, p.d.serverFirst)
	}
	p.out.Printf(";; no servers could be reached")
}

func (p *textPrinter) traceStart(cmdLine string) {
	if !p.noCmd {
		p.printCmd(cmdLine, false)
		p.cmdDone = true
	}
}

// traceStep prints one resolver step as dig +trace does: the records a
// server sent and who sent them; nested lookups indented.
func (p *textPrinter) traceStep(e resolver.Event) {
	indent := strings.Repeat("  ", e.Depth)
	e.Note = escapeControl(e.Note) // may quote a server's bytes
	who := e.Server.Addr().String()
	if e.Name != "" {
		who = strings.TrimSuffix(e.Name, ".")
	}
	switch e.Kind {
	case "response":
		// As dig +trace: the answer and authority sections (no glue).
		for _, rr := range append(append([]dns.RR{}, e.Msg.Answer...), e.Msg.Ns...) {
			p.out.Printf("%s%s", indent, rrText(rr, p.d))
		}
		p.out.Printf("%s;; Received %d bytes from %s#%d(%s) in %d ms", indent, e.Size, e.Server.Addr(), e.Server.Port(), who, e.RTT.Milliseconds())
		p.out.Printf("")
	case "timeout":
		p.out.Printf("%s;; no answer from %s#%d(%s) for %s: %s", indent, e.Server.Addr(), e.Server.Port(), who, e.QName, e.Note)
	case "ignored":
		p.out.Printf("%s;; ignored a datagram from %s#%d(%s): %s", indent, e.Server.Addr(), e.Server.Port(), who, e.Note)
	case "lame":
		p.out.Printf("%s;; lame answer from %s#%d(%s) for %s: %s", indent, e.Server.Addr(), e.Server.Port(), who, e.QName, e.Note)
	case "glueless":
		p.out.Printf("%s;; no glue for %s: looking up its %s", indent, e.QName, e.QType)
	case "dnssec":
		// The chain of trust's verdict on a zone's keys, as delv +vtrace
		// marks them; the answer's own is the verdict line after the trace.
		if e.Zone != "" {
			p.out.Printf("%s;; DNSSEC %s: %s", indent, e.Zone, e.Note)
		}
	case "tcp_retry":
		p.out.Printf("%s;; truncated answer from %s#%d(%s), retrying over TCP", indent, e.Server.Addr(), e.Server.Port(), who)
	}
}

// transfer prints a zone transfer as dig does: the records, one a line,
// between the opening lines and the stats, which end with the XFR size.
func (p *textPrinter) transfer(x transfer) {
	if !p.short && !p.noCmd && p.sw.cmd {
		p.printCmd(x.cmdLine, p.d.serverFirst)
	}
	if x.err != nil {
		p.out.Printf("; Transfer failed.")
		return
	}
	for _, rr := range x.rrs {
		if p.short {
			_, _ = io.WriteString(p.out, shortText(&dns.Msg{Answer: []dns.RR{rr}}, p.d))
		} else {
			p.out.Printf("%s", rrText(rr, p.d))
		}
	}
	if p.short || !p.sw.stats {
		return
	}
	p.out.Printf(";; Query time: %s", p.queryTime(x.rtt))
	p.out.Printf(";; SERVER: %s", x.server)
	p.out.Printf(";; WHEN: %s", time.Now().Format("Mon Jan 02 15:04:05 MST 2006"))
	p.out.Printf(";; XFR size: %d records (messages %d, bytes %d)", x.records, x.messages, x.bytes)
	p.out.Printf("")
}

func (p *textPrinter) resolveFailed(name string, qtype uint16, err error) {
	p.out.Printf(";; resolution of %s %s failed: %v", dns.Fqdn(name), dns.TypeToString[qtype], err)
}

// queryTime is dig's figure: milliseconds, microseconds with -u.
func (p *textPrinter) queryTime(d time.Duration) string {
	if p.d.usec {
		return fmt.Sprintf("%d usec", d.Microseconds())
	}
	return fmt.Sprintf("%d msec", d.Milliseconds())
}

// printShort is +short: the answers' data, and with +identify the
// server and time after each, as dig writes them.
func (p *textPrinter) printShort(r reply) {
	text := shortText(r.msg, p.d)
	if text == "" {
		return
	}
	if p.d.identify {
		var b strings.Builder
		for _, l := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
			fmt.Fprintf(&b, "%s from server %s in %d ms.\n", strings.TrimSuffix(l, "\n"), r.serverAddr, r.rtt.Milliseconds())
		}
		text = b.String()
	}
	_, _ = io.WriteString(p.out, text)
}

// sent is +qr: the query as dig prints it before sending.
func (p *textPrinter) sent(q *dns.Msg, cmdLine string) {
	if p.short {
		return
	}
	if !p.noCmd && p.sw.cmd {
		p.printCmd(cmdLine, p.d.serverFirst)
		p.cmdDone = true
	}
	c := q.Copy()
	c.Compress = true
	raw, _ := c.Pack()
	// dig shows a query's padding as the empty option it adds the
	// bytes to as it sends.
	if opt := c.IsEdns0(); opt != nil {
		for i, o := range opt.Option {
			if _, ok := o.(*dns.EDNS0_PADDING); ok {
				opt.Option[i] = &dns.EDNS0_PADDING{}
			}
		}
	}
	// As dig: the heading and the blank line that ends the sections
	// (when one is shown) are comments, the size a stat.
	if p.sw.comments {
		p.out.Printf(";; Sending:")
	}
	_, _ = io.WriteString(p.out, sectionText(c, nil, p.sw, p.d))
	if p.sw.comments && hasSection(c, nil, p.sw) {
		p.out.Printf("")
	}
	if p.sw.stats {
		p.out.Printf(";; QUERY SIZE: %d", len(raw))
		p.out.Printf("")
	}
}

// received is the size of the reply's message as it came, or, where the
// exchange could not tell (the encrypted transports, the resolution from
// the root), as receivedSize estimates it.
func (r reply) received() int {
	if r.size > 0 {
		return r.size
	}
	return receivedSize(r.msg)
}

// receivedSize is a message's size as received: servers compress names,
// so it is packed compressed, but never a TSIG's, which RFC 8945 sends
// uncompressed.
func receivedSize(m *dns.Msg) int {
	c := m.Copy()
	c.Compress = true
	extra := 0
	if t := c.IsTsig(); t != nil {
		c.Extra = c.Extra[:len(c.Extra)-1]
		extra = dns.Len(t)
	}
	packed, _ := c.Pack()
	return len(packed) + extra
}

// stubNote prints one of dig's lines about what it does next: dig's
// comments, not with +nocomments nor +short.
func (p *textPrinter) stubNote(line string) {
	if p.sw.comments && !p.short {
		p.out.Printf("%s", line)
	}
}

// stubWarning prints one of dig's warnings, which come whatever the
// options.
func (p *textPrinter) stubWarning(line string) { p.out.Printf("%s", line) }

// nsAnswer is +nssearch's line for each record of a server's answer:
// its type and data, who sent it and how fast.
func (p *textPrinter) nsAnswer(r reply) {
	d := p.d
	d.multiline = false
	unit, t := "ms", r.rtt.Milliseconds()
	if d.usec {
		unit, t = "us", r.rtt.Microseconds()
	}
	var b strings.Builder
	for _, rr := range r.msg.Answer {
		fmt.Fprintf(&b, "%s %s from server %s in %d %s.\n", typeName(rr.Header().Rrtype), escapeControl(rdataText(rr, d)), r.serverAddr, t, unit)
	}
	_, _ = io.WriteString(p.out, b.String())
}

func (p *textPrinter) nsFailed(server string, err error) {
	p.out.Printf(";; communications error to %s: %s", server, commError(err))
}

func (p *textPrinter) nsNoAddress(name string) {
	p.out.Printf("couldn't get address for '%s': not found", name)
}

func (p *textPrinter) nsNoneReached(string) { p.out.Printf(";; NS servers could not be reached") }

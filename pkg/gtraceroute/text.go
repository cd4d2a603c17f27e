package gtraceroute

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"gnetutils/pkg/cli"
)

// textPrinter writes traceroute's text, and mtr -r's table for --report.
type textPrinter struct {
	w       *cli.Lines
	host    string     // the target as given
	addr    netip.Addr // its address
	numeric bool
	ext     bool
	back    bool      // --back: "'-N'" after an address whose answer came back over N hops, N not its TTL
	as      *asLookup // -A: "[AS64500]" after an address
	names   sync.Map  // netip.Addr -> string
}

// header is traceroute's first line.
func (p *textPrinter) header(maxTTL, size int) {
	p.w.Printf("traceroute to %s (%s), %d hops max, %d byte packets", p.host, cli.Ntop(p.addr), maxTTL, size)
}

func (p *textPrinter) hop(h hop) { p.w.Printf("%s", p.hopLine(h)) }

// summary has no text: traceroute's ends with the last hop.
func (p *textPrinter) summary(end, hops, probes int, elapsed time.Duration) {}

func (p *textPrinter) report(start time.Time, first, end int, hops []*hopStats) {
	name, _ := os.Hostname()
	p.reportTable(start, name, first, hops)
}

// name is "host (addr)" as traceroute prints it without -n.
func (p *textPrinter) name(a netip.Addr) string {
	if p.numeric {
		return cli.Ntop(a)
	}
	if v, ok := p.names.Load(a); ok {
		return v.(string)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	host := cli.Ntop(a)
	if names, err := net.DefaultResolver.LookupAddr(ctx, a.String()); err == nil && len(names) > 0 {
		host = trimDot(names[0])
	}
	s := fmt.Sprintf("%s (%s)", host, cli.Ntop(a))
	p.names.Store(a, s)
	return s
}

// hostName is the name alone, or the address when it has none (or with
// -n): what mtr prints in its report.
func (p *textPrinter) hostName(a netip.Addr) string {
	s := p.name(a)
	if name, _, ok := strings.Cut(s, " ("); ok && name != cli.Ntop(a) {
		return name
	}
	return cli.Ntop(a)
}

func trimDot(s string) string {
	if len(s) > 1 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

// hopLine is traceroute's line for a hop: " 1  198.18.1.1  0.146 ms  0.120 ms  0.110 ms".
func (p *textPrinter) hopLine(h hop) string {
	line := fmt.Sprintf("%2d ", h.ttl)
	var prev netip.Addr
	prevTTL, prevExt := -1, ""
	for _, pr := range h.probes {
		if !pr.done {
			line += " *"
			continue
		}
		// traceroute's one text after the address: -e's extensions or
		// -O info's flags.
		ext := pr.r.info
		if p.ext && pr.r.ext != "" {
			ext = pr.r.ext
		}
		if pr.r.from != prev || ext != prevExt || p.back && pr.r.ttl != prevTTL {
			line += " " + p.name(pr.r.from)
			if p.as != nil {
				line += " [" + p.as.path(pr.r.from) + "]"
			}
			if ext != "" {
				line += " <" + ext + ">"
			}
			if back := backHops(pr.r.ttl); p.back && back > 0 && back != h.ttl {
				line += fmt.Sprintf(" '-%d'", back)
			}
			prev, prevTTL, prevExt = pr.r.from, pr.r.ttl, ext
		}
		line += fmt.Sprintf("  %.3f ms", cli.Millis(pr.r.rtt))
		if pr.fmark > 0 {
			line += fmt.Sprintf(" F=%d", pr.fmark)
		}
		if pr.r.annot != "" {
			line += " " + pr.r.annot
		}
	}
	return line
}

// backHops guesses the hops an answer travelled from the TTL it arrived
// with, as traceroute's ttl2hops: it was sent with 64, 128 or 255, the
// smallest of them that is not below it. 0: the TTL is unknown.
func backHops(ttl int) int {
	switch {
	case ttl <= 0:
		return 0
	case ttl <= 64:
		return 65 - ttl
	case ttl <= 128:
		return 129 - ttl
	}
	return 256 - ttl
}

// reportTable is mtr -r's table: a Start line, a header, one line per hop.
func (p *textPrinter) reportTable(start time.Time, localHost string, first int, hops []*hopStats) {
	p.w.Printf("Start: %s", start.Format("2006-01-02T15:04:05-0700"))
	p.w.Printf("HOST: %-27s Loss%%   Snt   Last   Avg  Best  Wrst StDev", localHost)
	for i, hs := range hops {
		who := "???"
		if hs.addr.IsValid() {
			who = p.hostName(hs.addr)
		}
		loss := fmt.Sprintf("%4.1f%%", lossPct(hs))
		if hs.received == 0 {
			loss = "100.0"
		}
		var last, avg, best, worst, sd float64
		if hs.rtt.Count() > 0 {
			last, avg, best, worst, sd = cli.Millis(hs.last), meanMS(&hs.rtt), cli.Millis(hs.rtt.Min()), cli.Millis(hs.rtt.Max()), stdevMS(&hs.rtt)
		}
		p.w.Printf("%3d.|-- %-25s%6s%6d%7.1f%6.1f%6.1f%6.1f%6.1f", first+i, who, loss, hs.sent, last, avg, best, worst, sd)
	}
}

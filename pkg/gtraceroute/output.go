package gtraceroute

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"gnetutils/pkg/cli"
)

// printer writes traceroute's text or NDJSON.
type printer struct {
	w       *cli.Lines
	js      *cli.NDJSON
	target  string     // the host as given, for --json's probe events
	addr    netip.Addr // its address, for the same
	numeric bool
	ext     bool
	names   sync.Map // netip.Addr -> string
}

// name is "host (addr)" as traceroute prints it without -n.
func (p *printer) name(a netip.Addr) string {
	if p.numeric {
		return a.String()
	}
	if v, ok := p.names.Load(a); ok {
		return v.(string)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	host := a.String()
	if names, err := net.DefaultResolver.LookupAddr(ctx, a.String()); err == nil && len(names) > 0 {
		host = trimDot(names[0])
	}
	s := fmt.Sprintf("%s (%s)", host, a)
	p.names.Store(a, s)
	return s
}

// host is the name alone, or the address when it has none (or with -n):
// what mtr prints in its report.
func (p *printer) host(a netip.Addr) string {
	s := p.name(a)
	if name, _, ok := strings.Cut(s, " ("); ok && name != a.String() {
		return name
	}
	return a.String()
}

// header is traceroute's first line.
func (p *printer) header(host string, addr netip.Addr, maxTTL, size int) {
	p.w.Printf("traceroute to %s (%s), %d hops max, %d byte packets", host, addr, maxTTL, size)
}

func trimDot(s string) string {
	if len(s) > 1 && s[len(s)-1] == '.' {
		return s[:len(s)-1]
	}
	return s
}

// hopLine is traceroute's line for a hop: " 1  198.18.1.1  0.146 ms  0.120 ms  0.110 ms".
func (p *printer) hopLine(h hop) string {
	line := fmt.Sprintf("%2d ", h.ttl)
	var prev netip.Addr
	for _, pr := range h.probes {
		if !pr.done {
			line += " *"
			continue
		}
		if pr.r.from != prev {
			line += " " + p.name(pr.r.from)
			if p.ext && pr.r.ext != "" {
				line += " <" + pr.r.ext + ">"
			}
			prev = pr.r.from
		}
		line += fmt.Sprintf("  %.3f ms", cli.Millis(pr.r.rtt))
		if pr.r.annot != "" {
			line += " " + pr.r.annot
		}
	}
	return line
}

type probeJSON struct {
	Addr       string  `json:"addr,omitempty"`
	RTTms      float64 `json:"rtt_ms,omitempty"`
	Annotation string  `json:"annotation,omitempty"`
	Extensions string  `json:"extensions,omitempty"`
	Lost       bool    `json:"lost,omitempty"`
	Retried    bool    `json:"retried,omitempty"`
}

type hopJSON struct {
	Type   string      `json:"type"`
	TTL    int         `json:"ttl"`
	Probes []probeJSON `json:"probes"`
}

// probeEventJSON is one probe as its own --json line, named as gping's
// events are (host as given, addr its address, from who answered):
// "reply" for an answer (from a router or the destination; kind says
// which), "timeout" for none, so jq 'select(.type=="reply").rtt_ms' works
// on both tools.
type probeEventJSON struct {
	Type       string  `json:"type"`
	Host       string  `json:"host"`
	Addr       string  `json:"addr"`
	TTL        int     `json:"ttl"`
	Seq        int     `json:"seq"` // the query's number in its hop, from 1
	From       string  `json:"from,omitempty"`
	Kind       string  `json:"kind,omitempty"`
	RTTms      float64 `json:"rtt_ms,omitempty"`
	Annotation string  `json:"annotation,omitempty"`
	Extensions string  `json:"extensions,omitempty"`
	Retried    bool    `json:"retried,omitempty"`
	Time       string  `json:"time,omitempty"`
}

func (p *printer) hop(h hop) {
	if p.js == nil {
		p.w.Printf("%s", p.hopLine(h))
		return
	}
	for i, pr := range h.probes {
		ev := probeEventJSON{Type: "timeout", Host: p.target, Addr: p.addr.String(), TTL: h.ttl, Seq: i + 1, Retried: pr.retried}
		if pr.done {
			ev.Type, ev.From, ev.Kind, ev.RTTms, ev.Annotation, ev.Extensions = "reply", pr.r.from.String(), pr.r.kind, cli.Millis(pr.r.rtt), pr.r.annot, pr.r.ext
			if !pr.r.at.IsZero() {
				ev.Time = cli.Timestamp(pr.r.at)
			}
		}
		_ = p.js.Emit(ev)
	}
	j := hopJSON{Type: "hop", TTL: h.ttl}
	for _, pr := range h.probes {
		pj := probeJSON{Lost: !pr.done, Retried: pr.retried}
		if pr.done {
			pj.Addr, pj.RTTms, pj.Annotation, pj.Extensions = pr.r.from.String(), cli.Millis(pr.r.rtt), pr.r.annot, pr.r.ext
		}
		j.Probes = append(j.Probes, pj)
	}
	_ = p.js.Emit(j)
}

type summaryJSON struct {
	Type      string  `json:"type"`
	Host      string  `json:"host"`
	Addr      string  `json:"addr"`
	Reached   bool    `json:"reached"`
	Hops      int     `json:"hops"`
	Probes    int     `json:"probes"`
	ElapsedMS float64 `json:"elapsed_ms"`
}

// summary is JSON only: traceroute's text has none.
func (p *printer) summary(host string, addr netip.Addr, end, hops, probes int, elapsed time.Duration) {
	if p.js == nil {
		return
	}
	_ = p.js.Emit(summaryJSON{Type: "summary", Host: host, Addr: addr.String(), Reached: end > 0, Hops: hops, Probes: probes, ElapsedMS: cli.Millis(elapsed)})
}

package gtraceroute

import (
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
)

// ndjsonPrinter writes --json's events, one object a line.
type ndjsonPrinter struct {
	js   *cli.NDJSON
	host string     // the target as given
	addr netip.Addr // its address
	as   *asLookup  // -A: each answer's AS path
}

// probeEvent is one probe as its own line, named as gping's events are
// (host as given, addr its address, from who answered): "reply" for an
// answer (from a router or the destination; kind says which), "timeout"
// for none, so jq 'select(.type=="reply").rtt_ms' works on both tools.
type probeEvent struct {
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
	Info       string  `json:"info,omitempty"` // -O info: the TCP flags of the destination's answer
	ASPath     string  `json:"as_path,omitempty"`
	Retried    bool    `json:"retried,omitempty"`
	Time       string  `json:"time,omitempty"`
}

// hopEvent is a hop's probes together, after its probeEvents.
type hopEvent struct {
	Type   string     `json:"type"`
	TTL    int        `json:"ttl"`
	Probes []hopProbe `json:"probes"`
}

// hopProbe is one probe of a hopEvent; Addr is who answered.
type hopProbe struct {
	Addr       string  `json:"addr,omitempty"`
	RTTms      float64 `json:"rtt_ms,omitempty"`
	Annotation string  `json:"annotation,omitempty"`
	Extensions string  `json:"extensions,omitempty"`
	ASPath     string  `json:"as_path,omitempty"`
	Lost       bool    `json:"lost,omitempty"`
	Retried    bool    `json:"retried,omitempty"`
}

// summaryEvent ends a trace or a report: Probes counts every probe sent
// (a report's, over all its rounds).
type summaryEvent struct {
	Type      string  `json:"type"`
	Host      string  `json:"host"`
	Addr      string  `json:"addr"`
	Reached   bool    `json:"reached"`
	Hops      int     `json:"hops"`
	Probes    int     `json:"probes"`
	ElapsedMS float64 `json:"elapsed_ms"`
}

// reportHopEvent is one line of --report's table. Addr is who answered
// at that TTL; the RTT figures are there only when someone did. It began
// as a map: its fields are declared in the alphabetical order of their
// JSON names, so its lines stay byte for byte what scripts have read.
type reportHopEvent struct {
	Addr     string   `json:"addr,omitempty"`
	AvgMS    *float64 `json:"avg_ms,omitempty"`
	BestMS   *float64 `json:"best_ms,omitempty"`
	LastMS   *float64 `json:"last_ms,omitempty"`
	LossPct  float64  `json:"loss_pct"`
	Received int      `json:"received"`
	Sent     int      `json:"sent"`
	StdevMS  *float64 `json:"stdev_ms,omitempty"`
	TTL      int      `json:"ttl"`
	Type     string   `json:"type"`
	WorstMS  *float64 `json:"worst_ms,omitempty"`
}

// header has no event: the summary says where the trace went.
func (p *ndjsonPrinter) header(maxTTL, size int) {}

func (p *ndjsonPrinter) hop(h hop) {
	for i, pr := range h.probes {
		_ = p.js.Emit(p.probeEvent(h.ttl, i+1, pr))
	}
	ev := hopEvent{Type: "hop", TTL: h.ttl}
	for _, pr := range h.probes {
		hp := hopProbe{Lost: !pr.done, Retried: pr.retried}
		if pr.done {
			hp.Addr, hp.RTTms, hp.Annotation, hp.Extensions = pr.r.from.String(), cli.Millis(pr.r.rtt), pr.r.annot, pr.r.ext
			hp.ASPath = p.asPath(pr.r.from)
		}
		ev.Probes = append(ev.Probes, hp)
	}
	_ = p.js.Emit(ev)
}

func (p *ndjsonPrinter) probeEvent(ttl, seq int, pr *probe) probeEvent {
	ev := probeEvent{Type: "timeout", Host: p.host, Addr: p.addr.String(), TTL: ttl, Seq: seq, Retried: pr.retried}
	if pr.done {
		ev.Type, ev.From, ev.Kind, ev.RTTms, ev.Annotation, ev.Extensions = "reply", pr.r.from.String(), pr.r.kind, cli.Millis(pr.r.rtt), pr.r.annot, pr.r.ext
		ev.Info, ev.ASPath = pr.r.info, p.asPath(pr.r.from)
		if !pr.r.at.IsZero() {
			ev.Time = cli.Timestamp(pr.r.at)
		}
	}
	return ev
}

// asPath is a's AS path with -A, "" without.
func (p *ndjsonPrinter) asPath(a netip.Addr) string {
	if p.as == nil {
		return ""
	}
	return p.as.path(a)
}

func (p *ndjsonPrinter) summary(end, hops, probes int, elapsed time.Duration) {
	_ = p.js.Emit(summaryEvent{Type: "summary", Host: p.host, Addr: p.addr.String(), Reached: end > 0, Hops: hops, Probes: probes, ElapsedMS: cli.Millis(elapsed)})
}

func (p *ndjsonPrinter) report(start time.Time, first, end int, hops []*hopStats) {
	sent := 0
	for i, hs := range hops {
		p.reportHop(first+i, hs)
		sent += hs.sent
	}
	p.summary(end, len(hops), sent, time.Since(start))
}

func (p *ndjsonPrinter) reportHop(ttl int, hs *hopStats) {
	ev := reportHopEvent{Type: "report_hop", TTL: ttl, Sent: hs.sent, Received: hs.received, LossPct: lossPct(hs)}
	if hs.addr.IsValid() {
		ev.Addr = hs.addr.String()
	}
	if hs.rtt.Count() > 0 {
		ms := func(v float64) *float64 { return &v }
		ev.LastMS, ev.AvgMS, ev.BestMS = ms(cli.Millis(hs.last)), ms(meanMS(&hs.rtt)), ms(cli.Millis(hs.rtt.Min()))
		ev.WorstMS, ev.StdevMS = ms(cli.Millis(hs.rtt.Max())), ms(stdevMS(&hs.rtt))
	}
	_ = p.js.Emit(ev)
}

package gpmtud

import (
	"net/netip"
	"strings"

	"gnetutils/pkg/cli"
)

// ndjsonPrinter writes --json's events, one object a line.
type ndjsonPrinter struct {
	js   *cli.NDJSON
	host string     // the target as given
	addr netip.Addr // its address
}

// probeEvent is one probed size; Probes counts the probes it took.
type probeEvent struct {
	Type   string  `json:"type"`
	Size   int     `json:"size"`
	TTL    int     `json:"ttl,omitempty"`
	Result string  `json:"result"`
	From   string  `json:"from,omitempty"`
	MTU    int     `json:"mtu,omitempty"`
	RTTms  float64 `json:"rtt_ms,omitempty"`
	Probes int     `json:"probes"`
}

// hopEvent is one hop of --hops.
type hopEvent struct {
	Type      string  `json:"type"`
	TTL       int     `json:"ttl"`
	From      string  `json:"from,omitempty"`
	RTTms     float64 `json:"rtt_ms,omitempty"`
	PMTU      int     `json:"pmtu,omitempty"`
	Reached   bool    `json:"reached,omitempty"`
	NoReply   bool    `json:"no_reply,omitempty"`
	BlackHole bool    `json:"black_hole,omitempty"`
	Error     string  `json:"error,omitempty"`
	Back      int     `json:"back,omitempty"`
}

// summaryEvent is the path MTU found, and what it leaves for payloads.
type summaryEvent struct {
	Type        string  `json:"type"`
	Host        string  `json:"host"`
	Addr        string  `json:"addr"`
	Reached     bool    `json:"reached"`
	PMTU        int     `json:"pmtu"`
	Learned     string  `json:"learned"`
	UDPPayload  int     `json:"udp_payload"`
	ICMPPayload int     `json:"icmp_payload"`
	TCPMSS      int     `json:"tcp_mss"`
	BlackHole   bool    `json:"black_hole"`
	BlackHoleLo int     `json:"black_hole_from_size,omitempty"`
	BHAfterHop  int     `json:"black_hole_after_hop,omitempty"`
	Probes      int     `json:"probes"`
	ElapsedMS   float64 `json:"elapsed_ms"`
	Interrupted bool    `json:"interrupted,omitempty"`
}

// checkEvent is the answer of -s: is a payload of that many bytes (a
// packet of Size) through? Its type is "summary", as it ends the run. It
// began as a map: its fields are declared in the alphabetical order of
// their JSON names, so its line stays byte for byte what scripts have read.
type checkEvent struct {
	Addr    string `json:"addr"`
	Host    string `json:"host"`
	Payload int    `json:"payload"`
	Size    int    `json:"size"`
	Through bool   `json:"through"`
	Type    string `json:"type"`
}

func (p *ndjsonPrinter) step(o outcome) {
	ev := probeEvent{Type: "probe", Size: o.size, TTL: o.ttl, Result: strings.ReplaceAll(o.res.String(), " ", "_"), MTU: o.mtu, RTTms: cli.Millis(o.rtt), Probes: o.sent}
	if o.from.IsValid() {
		ev.From = o.from.String()
	}
	_ = p.js.Emit(ev)
}

func (p *ndjsonPrinter) check(payload int, o outcome) {
	_ = p.js.Emit(checkEvent{Type: "summary", Host: p.host, Addr: p.addr.String(), Payload: payload, Size: o.size, Through: o.res == resThrough})
}

// localhost has no event: the first probe event says the size.
func (p *ndjsonPrinter) localhost(mtu int) {}

func (p *ndjsonPrinter) hop(h hopLine) {
	ev := hopEvent{Type: "hop", TTL: h.ttl, RTTms: cli.Millis(h.rtt), PMTU: h.pmtu, Reached: h.reached, NoReply: h.noReply, BlackHole: h.blackHole, Error: h.annot, Back: h.back}
	if h.from.IsValid() {
		ev.From = h.from.String()
	}
	_ = p.js.Emit(ev)
}

// resume has no event: the summary follows.
func (p *ndjsonPrinter) resume(wr walkResult) {}

func (p *ndjsonPrinter) summary(r searchResult, bhHop int, reached bool) {
	_ = p.js.Emit(p.summaryEvent(r, bhHop, reached))
}

// interrupted is the summary all the same, so that a script reading the
// events always gets its last line, marked as cut short.
func (p *ndjsonPrinter) interrupted(r searchResult) {
	ev := p.summaryEvent(r, 0, false)
	ev.Interrupted = true
	if r.pmtu == 0 { // nothing through yet: no payload fits
		ev.UDPPayload, ev.ICMPPayload, ev.TCPMSS = 0, 0, 0
	}
	_ = p.js.Emit(ev)
}

func (p *ndjsonPrinter) summaryEvent(r searchResult, bhHop int, reached bool) summaryEvent {
	udp, icmp, mss := payloads(r.pmtu, p.addr.Is6())
	return summaryEvent{Type: "summary", Host: p.host, Addr: p.addr.String(), Reached: reached, PMTU: r.pmtu, Learned: r.learned,
		UDPPayload: udp, ICMPPayload: icmp, TCPMSS: mss, BlackHole: r.blackHole || bhHop > 0, BlackHoleLo: r.bhLow, BHAfterHop: bhHop,
		Probes: r.probes, ElapsedMS: cli.Millis(r.elapsed)}
}

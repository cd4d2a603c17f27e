package garp

import (
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
)

// jsonPrinter prints one NDJSON event per probe, reply, host, neighbour
// and station, and a summary per run; -q does not silence it.
type jsonPrinter struct {
	js *cli.NDJSON
}

// emit writes ev. garp's events were map literals once: each struct
// declares its fields in the alphabetical order of their JSON names, so
// the lines stay byte for byte what NDJSON readers have compared.
func (p *jsonPrinter) emit(ev any) { _ = p.js.Emit(ev) }

func (p *jsonPrinter) arping(netip.Addr, netip.Addr, string) {}

func (p *jsonPrinter) probe(dst netip.Addr, seq int, broadcast bool, at time.Time) {
	p.emit(probeEvent{Type: "probe", Addr: dst.String(), Broadcast: broadcast, Host: dst.String(), Seq: seq, Time: cli.Timestamp(at)})
}

func (p *jsonPrinter) reply(dst netip.Addr, r arpPacket, broadcast bool, rtt time.Duration, at time.Time) {
	p.emit(replyEvent{Type: "reply", Addr: dst.String(), Broadcast: broadcast, From: r.SenderIP.String(), Host: dst.String(),
		MAC: r.SenderMAC.String(), RTTms: cli.Millis(rtt), Time: cli.Timestamp(at)})
}

func (p *jsonPrinter) arpingSummary(dst netip.Addr, sent, broadcasts, received int, duplicate bool) {
	p.emit(arpingSummaryEvent{Type: "summary", Addr: dst.String(), Broadcasts: broadcasts, Duplicate: duplicate, Host: dst.String(),
		Received: received, Sent: sent})
}

func (p *jsonPrinter) host(addr netip.Addr, mac string, macs int, at time.Time) {
	p.emit(hostEvent{Type: "host", Addr: addr.String(), Duplicate: macs > 1, MAC: mac, Time: cli.Timestamp(at)})
}

func (p *jsonPrinter) scanSummary(prefix netip.Prefix, hosts, responded, requests int, elapsed time.Duration, _ string) {
	p.emit(scanSummaryEvent{Type: "summary", ElapsedMS: cli.Millis(elapsed), Hosts: hosts, Requests: requests, Responded: responded,
		Subnet: prefix.String()})
}

func (p *jsonPrinter) neighbour(addr, dev, mac, state string) {
	p.emit(neighbourEvent{Type: "neighbour", Addr: addr, Dev: dev, MAC: mac, State: state})
}

func (p *jsonPrinter) watching(string) {}

func (p *jsonPrinter) newStation(addr, mac string, at time.Time) {
	p.emit(newStationEvent{Type: "new_station", Addr: addr, MAC: mac, Time: cli.Timestamp(at)})
}

func (p *jsonPrinter) conflict(addr, mac, previous string, _ time.Duration, gratuitous bool, at time.Time) {
	p.emit(conflictEvent{Type: "conflict", Addr: addr, Gratuitous: gratuitous, MAC: mac, PreviousMAC: previous, Time: cli.Timestamp(at)})
}

func (p *jsonPrinter) watchSummary(ifname string, stations, conflicts int) {
	p.emit(watchSummaryEvent{Type: "summary", Conflicts: conflicts, Interface: ifname, Stations: stations})
}

// probeEvent is a request sent (arping).
type probeEvent struct {
	Addr      string `json:"addr"`
	Broadcast bool   `json:"broadcast"`
	Host      string `json:"host"`
	Seq       int    `json:"seq"`
	Time      string `json:"time"`
	Type      string `json:"type"`
}

// replyEvent is the target's answer (arping); from is the address it
// answered for.
type replyEvent struct {
	Addr      string  `json:"addr"`
	Broadcast bool    `json:"broadcast"`
	From      string  `json:"from"`
	Host      string  `json:"host"`
	MAC       string  `json:"mac"`
	RTTms     float64 `json:"rtt_ms"`
	Time      string  `json:"time"`
	Type      string  `json:"type"`
}

// arpingSummaryEvent ends arping; duplicate is -D's verdict.
type arpingSummaryEvent struct {
	Addr       string `json:"addr"`
	Broadcasts int    `json:"broadcasts"`
	Duplicate  bool   `json:"duplicate"`
	Host       string `json:"host"`
	Received   int    `json:"received"`
	Sent       int    `json:"sent"`
	Type       string `json:"type"`
}

// hostEvent is a station that answered --scan.
type hostEvent struct {
	Addr      string `json:"addr"`
	Duplicate bool   `json:"duplicate"`
	MAC       string `json:"mac"`
	Time      string `json:"time"`
	Type      string `json:"type"`
}

// scanSummaryEvent ends --scan.
type scanSummaryEvent struct {
	ElapsedMS float64 `json:"elapsed_ms"`
	Hosts     int     `json:"hosts"`
	Requests  int     `json:"requests"`
	Responded int     `json:"responded"`
	Subnet    string  `json:"subnet"`
	Type      string  `json:"type"`
}

// neighbourEvent is one entry of --cache.
type neighbourEvent struct {
	Addr  string `json:"addr"`
	Dev   string `json:"dev"`
	MAC   string `json:"mac"`
	State string `json:"state"`
	Type  string `json:"type"`
}

// newStationEvent is an address first heard by --watch.
type newStationEvent struct {
	Addr string `json:"addr"`
	MAC  string `json:"mac"`
	Time string `json:"time"`
	Type string `json:"type"`
}

// conflictEvent is a known address claimed by another MAC (--watch).
type conflictEvent struct {
	Addr        string `json:"addr"`
	Gratuitous  bool   `json:"gratuitous"`
	MAC         string `json:"mac"`
	PreviousMAC string `json:"previous_mac"`
	Time        string `json:"time"`
	Type        string `json:"type"`
}

// watchSummaryEvent ends --watch.
type watchSummaryEvent struct {
	Conflicts int    `json:"conflicts"`
	Interface string `json:"interface"`
	Stations  int    `json:"stations"`
	Type      string `json:"type"`
}

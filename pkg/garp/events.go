package garp

import (
	"encoding/json"
	"net/netip"
	"time"

	"gnetutils/pkg/cli"
)

// jsonPrinter prints one NDJSON event per probe, reply, host, neighbour
// and station, and a summary per run; -q does not silence it.
type jsonPrinter struct {
	js *cli.NDJSON
}

// emit writes ev with its keys in alphabetical order, as garp has since
// its events were map literals: NDJSON readers may compare lines byte for
// byte. The structs declare their fields in that order after Type, which
// every event begins with.
func (p *jsonPrinter) emit(ev any) {
	if b, err := sortedJSON(ev); err == nil {
		_ = p.js.Emit(json.RawMessage(b))
	}
}

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
	Type      string `json:"type"`
	Addr      string `json:"addr"`
	Broadcast bool   `json:"broadcast"`
	Host      string `json:"host"`
	Seq       int    `json:"seq"`
	Time      string `json:"time"`
}

// replyEvent is the target's answer (arping); from is the address it
// answered for.
type replyEvent struct {
	Type      string  `json:"type"`
	Addr      string  `json:"addr"`
	Broadcast bool    `json:"broadcast"`
	From      string  `json:"from"`
	Host      string  `json:"host"`
	MAC       string  `json:"mac"`
	RTTms     float64 `json:"rtt_ms"`
	Time      string  `json:"time"`
}

// arpingSummaryEvent ends arping; duplicate is -D's verdict.
type arpingSummaryEvent struct {
	Type       string `json:"type"`
	Addr       string `json:"addr"`
	Broadcasts int    `json:"broadcasts"`
	Duplicate  bool   `json:"duplicate"`
	Host       string `json:"host"`
	Received   int    `json:"received"`
	Sent       int    `json:"sent"`
}

// hostEvent is a station that answered --scan.
type hostEvent struct {
	Type      string `json:"type"`
	Addr      string `json:"addr"`
	Duplicate bool   `json:"duplicate"`
	MAC       string `json:"mac"`
	Time      string `json:"time"`
}

// scanSummaryEvent ends --scan.
type scanSummaryEvent struct {
	Type      string  `json:"type"`
	ElapsedMS float64 `json:"elapsed_ms"`
	Hosts     int     `json:"hosts"`
	Requests  int     `json:"requests"`
	Responded int     `json:"responded"`
	Subnet    string  `json:"subnet"`
}

// neighbourEvent is one entry of --cache.
type neighbourEvent struct {
	Type  string `json:"type"`
	Addr  string `json:"addr"`
	Dev   string `json:"dev"`
	MAC   string `json:"mac"`
	State string `json:"state"`
}

// newStationEvent is an address first heard by --watch.
type newStationEvent struct {
	Type string `json:"type"`
	Addr string `json:"addr"`
	MAC  string `json:"mac"`
	Time string `json:"time"`
}

// conflictEvent is a known address claimed by another MAC (--watch).
type conflictEvent struct {
	Type        string `json:"type"`
	Addr        string `json:"addr"`
	Gratuitous  bool   `json:"gratuitous"`
	MAC         string `json:"mac"`
	PreviousMAC string `json:"previous_mac"`
	Time        string `json:"time"`
}

// watchSummaryEvent ends --watch.
type watchSummaryEvent struct {
	Type      string `json:"type"`
	Conflicts int    `json:"conflicts"`
	Interface string `json:"interface"`
	Stations  int    `json:"stations"`
}

// sortedJSON marshals the struct v with its keys in alphabetical order,
// the order encoding/json gives a map.
func sortedJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var keyed map[string]json.RawMessage
	if err := json.Unmarshal(b, &keyed); err != nil {
		return nil, err
	}
	return json.Marshal(keyed)
}

package gping

import (
	"strings"
	"time"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/icmpx"
)

// jsonPrinter prints one NDJSON event per reply, error and lost probe, and
// a summary per target; it prints no header and ignores -q, -f and -O.
type jsonPrinter struct {
	js *cli.NDJSON
}

func (p *jsonPrinter) header(*target)                {}
func (p *jsonPrinter) sent(*target)                  {}
func (p *jsonPrinter) unanswered(*target, time.Time) {}
func (p *jsonPrinter) reportsTimeouts() bool         { return true }

func (p *jsonPrinter) reply(t *target, ev *icmpx.Event) {
	_ = p.js.Emit(replyEvent{Type: "reply", Host: t.host, Addr: t.addr.String(), Seq: ev.Seq, TTL: ev.TTL, Bytes: ev.Size,
		RTTms: cli.Millis(ev.RTT), Dup: ev.Dup, Corrupt: ev.Corrupt, Time: cli.Timestamp(ev.At), NodeInfo: niEventOf(ev.NodeInfo)})
}

func (p *jsonPrinter) icmpError(t *target, ev *icmpx.Event) {
	_ = p.js.Emit(icmpErrorEvent{Type: "icmp_error", Host: t.host, Addr: t.addr.String(), Seq: ev.Seq, From: ev.From.String(), Kind: ev.Kind.String(),
		ICMPType: ev.Type, ICMPCode: ev.Code, MTU: ev.MTU, Message: errorText(*ev), Time: cli.Timestamp(ev.At)})
}

func (p *jsonPrinter) localError(t *target, err error) {
	_ = p.js.Emit(localErrorEvent{Type: "error", Host: t.host, Addr: t.addr.String(), Seq: t.seq, Kind: "local_error", Error: err.Error()})
}

func (p *jsonPrinter) timeout(t *target, seq uint16, sent time.Time) {
	_ = p.js.Emit(timeoutEvent{Type: "timeout", Host: t.host, Addr: t.addr.String(), Seq: seq, Sent: cli.Timestamp(sent)})
}

func (p *jsonPrinter) summary(t *target) {
	s := summaryEvent{Type: "summary", Host: t.host, Addr: t.addr.String(), Transmitted: t.c.transmitted, Received: t.c.received,
		Duplicates: t.c.dups, Errors: t.c.errors, TimeMS: t.c.elapsed.Milliseconds()}
	if t.c.transmitted > 0 {
		s.LossPct = float64(t.c.transmitted-t.c.received) * 100 / float64(t.c.transmitted)
	}
	if t.c.rtt.Count() > 0 {
		ms := func(d time.Duration) *float64 { v := cli.Millis(d); return &v }
		sum := t.c.rtt.Summary()
		s.Min, s.Avg, s.Max, s.Mdev = ms(sum.Min), ms(sum.Avg), ms(sum.Max), ms(sum.Mdev)
		s.P50, s.P90, s.P99 = ms(sum.P50), ms(sum.P90), ms(sum.P99)
	}
	_ = p.js.Emit(s)
}

type replyEvent struct {
	Type    string  `json:"type"`
	Host    string  `json:"host"`
	Addr    string  `json:"addr"`
	Seq     uint16  `json:"seq"`
	TTL     int     `json:"ttl"`
	Bytes   int     `json:"bytes"`
	RTTms   float64 `json:"rtt_ms"`
	Dup     bool    `json:"dup"`
	Corrupt bool    `json:"corrupt"`
	Time    string  `json:"time"`
	// NodeInfo is what an NI Reply (-N) says.
	NodeInfo *niEvent `json:"node_info,omitempty"`
}

// niEvent is an NI Reply's answer: its names or addresses, each address
// with the seconds the node holds it valid (which ping does not print).
type niEvent struct {
	Qtype     uint16        `json:"qtype"`
	Code      uint8         `json:"code"` // 0 success, 1 refused, 2 Qtype unknown
	Names     []string      `json:"names,omitempty"`
	Addresses []niAddrEvent `json:"addresses,omitempty"`
	Truncated bool          `json:"truncated,omitempty"` // the node left addresses out
	Error     string        `json:"error,omitempty"`     // the data did not parse
}

type niAddrEvent struct {
	Address string `json:"address"`
	ValidS  uint32 `json:"valid_s"`
}

// niEventOf is m as an event, nil for no NI Reply.
func niEventOf(m *icmpx.NodeInfo) *niEvent {
	if m == nil {
		return nil
	}
	e := &niEvent{Qtype: m.Qtype, Code: m.Code}
	if m.Code != icmpx.NISuccess {
		return e
	}
	var err error
	switch m.Qtype {
	case icmpx.QtypeName:
		var names []icmpx.NIName
		_, names, err = m.Names()
		for _, n := range names {
			e.Names = append(e.Names, n.String())
		}
	case icmpx.QtypeIPv4, icmpx.QtypeIPv6:
		var addrs []icmpx.NIAddr
		addrs, err = m.Addrs()
		for _, a := range addrs {
			e.Addresses = append(e.Addresses, niAddrEvent{Address: cli.Ntop(a.Addr), ValidS: a.TTL})
		}
		e.Truncated = m.Flags&icmpx.NIFlagTruncated != 0
	}
	if err != nil {
		e.Error = strings.TrimPrefix(err.Error(), "icmpx: ")
	}
	return e
}

type icmpErrorEvent struct {
	Type     string `json:"type"`
	Host     string `json:"host"`
	Addr     string `json:"addr"`
	Seq      uint16 `json:"seq"`
	From     string `json:"from"`
	Kind     string `json:"kind"`
	ICMPType uint8  `json:"icmp_type"`
	ICMPCode uint8  `json:"icmp_code"`
	MTU      int    `json:"mtu,omitempty"`
	Message  string `json:"error"` // ping's text for it
	Time     string `json:"time"`
}

// localErrorEvent is a probe the kernel refused ("error"). It and
// timeoutEvent were maps once: their fields are declared in the
// alphabetical order of their JSON names, so the lines stay byte for byte
// what scripts have read.
type localErrorEvent struct {
	Addr  string `json:"addr"`
	Error string `json:"error"`
	Host  string `json:"host"`
	Kind  string `json:"kind"`
	Seq   uint16 `json:"seq"`
	Type  string `json:"type"`
}

// timeoutEvent is a probe declared lost; sent is when it left.
type timeoutEvent struct {
	Addr string `json:"addr"`
	Host string `json:"host"`
	Sent string `json:"sent"`
	Seq  uint16 `json:"seq"`
	Type string `json:"type"`
}

type summaryEvent struct {
	Type        string   `json:"type"`
	Host        string   `json:"host"`
	Addr        string   `json:"addr"`
	Transmitted int      `json:"transmitted"`
	Received    int      `json:"received"`
	Duplicates  int      `json:"duplicates"`
	Errors      int      `json:"errors"`
	LossPct     float64  `json:"loss_pct"`
	TimeMS      int64    `json:"time_ms"`
	Min         *float64 `json:"rtt_min_ms,omitempty"`
	Avg         *float64 `json:"rtt_avg_ms,omitempty"`
	Max         *float64 `json:"rtt_max_ms,omitempty"`
	Mdev        *float64 `json:"rtt_mdev_ms,omitempty"`
	P50         *float64 `json:"rtt_p50_ms,omitempty"`
	P90         *float64 `json:"rtt_p90_ms,omitempty"`
	P99         *float64 `json:"rtt_p99_ms,omitempty"`
}

package gdig

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli"
	"gnetutils/pkg/resolver"
)

// jsonPrinter prints gdig's NDJSON: the final response as an RFC 8427
// message object (answerEvent), every +trace step (traceEvent), and a
// failure as an "error" event. Where dig only narrates (the opening lines,
// each failed try) it prints nothing.
type jsonPrinter struct{ js *cli.NDJSON }

// emit prints one event. Its fields are declared in the alphabetical
// order of their JSON names: gdig's events were maps once, which
// encoding/json writes sorted, so the lines stay byte for byte what scripts
// have read.
func (p jsonPrinter) emit(ev any) { _ = p.js.Emit(ev) }

func (p jsonPrinter) answer(r reply) {
	p.emit(messageJSON(r.msg, r.server, r.rtt, r.queries))
}

func (p jsonPrinter) begin(display, sections, bool) {}

func (p jsonPrinter) sent(*dns.Msg, string) {}

func (p jsonPrinter) stubNote(string) {}

func (p jsonPrinter) stubWarning(string) {}

func (p jsonPrinter) stubTryFailed(stubServer, string, string, error, bool) {}

func (p jsonPrinter) stubTruncated() {}

func (p jsonPrinter) stubBadPacket(s stubServer, why error, _ []byte) {
	p.emit(noReplyEvent{Type: "error", Error: "malformed answer: " + why.Error(), Server: s.target()})
}

func (p jsonPrinter) stubServers(int) {}

func (p jsonPrinter) stubIgnored([]string) {}

func (p jsonPrinter) stubNoReply(s stubServer, _, _ string, err error) {
	p.emit(noReplyEvent{Type: "error", Error: err.Error(), Server: s.target()})
}

func (p jsonPrinter) traceStart(string) {}

func (p jsonPrinter) traceStep(e resolver.Event) {
	ev := traceEvent{Type: "trace", Depth: e.Depth, Kind: e.Kind, QName: e.QName, Note: e.Note, Zone: e.Zone}
	if e.Server.IsValid() {
		ev.Server = e.Server.String()
	}
	if e.RTT > 0 {
		ev.RTTms = cli.Millis(e.RTT)
	}
	p.emit(ev)
}

// transfer prints a zone transfer as one message whose answer holds
// every record received, or an error event.
func (p jsonPrinter) transfer(x transfer) {
	if x.err != nil {
		p.emit(noReplyEvent{Type: "error", Error: "transfer failed: " + x.err.Error(), Server: x.server})
		return
	}
	p.emit(messageJSON(&dns.Msg{MsgHdr: dns.MsgHdr{Response: true}, Answer: x.rrs}, x.server, x.rtt, 0))
}

func (p jsonPrinter) resolveFailed(name string, _ uint16, err error) {
	p.emit(resolveErrorEvent{Type: "error", Error: err.Error(), Name: dns.Fqdn(name)})
}

func (p jsonPrinter) nsAnswer(r reply) { p.emit(messageJSON(r.msg, r.server, r.rtt, 0)) }

func (p jsonPrinter) nsFailed(server string, err error) {
	p.emit(noReplyEvent{Type: "error", Error: commError(err), Server: server})
}

func (p jsonPrinter) nsNoAddress(name string) {
	p.emit(resolveErrorEvent{Type: "error", Error: "no address for the name server", Name: dns.Fqdn(name)})
}

func (p jsonPrinter) nsNoneReached(name string) {
	p.emit(resolveErrorEvent{Type: "error", Error: "no name server of the zone answered", Name: dns.Fqdn(name)})
}

// The events. Each declares its fields in the alphabetical order of their
// JSON names (see emit); omitempty marks a key the event
// leaves out when it has nothing to say.

// traceEvent is one step of a resolution (+trace).
type traceEvent struct {
	Depth  int     `json:"depth"`
	Kind   string  `json:"kind"` // resolver.Event's Kind
	Note   string  `json:"note,omitempty"`
	QName  string  `json:"qname"`
	RTTms  float64 `json:"rtt_ms,omitempty"`
	Server string  `json:"server,omitempty"` // the server asked, address:port
	Type   string  `json:"type"`             // "trace"
	Zone   string  `json:"zone"`
}

// noReplyEvent: the @server never answered.
type noReplyEvent struct {
	Error  string `json:"error"`
	Server string `json:"server"` // address:port
	Type   string `json:"type"`   // "error"
}

// resolveErrorEvent: the resolution from the root found no answer.
type resolveErrorEvent struct {
	Error string `json:"error"`
	Name  string `json:"name"`
	Type  string `json:"type"` // "error"
}

// answerEvent is a response as an RFC 8427 message object, with gdig's
// own members in lower case: the server, the time and, from the root, the
// queries it took. The question's members are there only when the message
// has one (pointers: a type without a name is there, as "").
type answerEvent struct {
	AA            bool             `json:"AA"`
	AD            bool             `json:"AD"`
	ANCOUNT       int              `json:"ANCOUNT"`
	ARCOUNT       int              `json:"ARCOUNT"`
	CD            bool             `json:"CD"`
	ID            uint16           `json:"ID"`
	NSCOUNT       int              `json:"NSCOUNT"`
	Opcode        int              `json:"Opcode"`
	QCLASS        *uint16          `json:"QCLASS,omitempty"`
	QCLASSname    *string          `json:"QCLASSname,omitempty"`
	QDCOUNT       int              `json:"QDCOUNT"`
	QNAME         *string          `json:"QNAME,omitempty"`
	QR            bool             `json:"QR"`
	QTYPE         *uint16          `json:"QTYPE,omitempty"`
	QTYPEname     *string          `json:"QTYPEname,omitempty"`
	RA            bool             `json:"RA"`
	RCODE         int              `json:"RCODE"`
	RCODEname     string           `json:"RCODEname"`
	RD            bool             `json:"RD"`
	TC            bool             `json:"TC"`
	AdditionalRRs []map[string]any `json:"additionalRRs"`
	AnswerRRs     []map[string]any `json:"answerRRs"`
	AuthorityRRs  []map[string]any `json:"authorityRRs"`
	EDE           []edeJSON        `json:"ede,omitempty"` // Extended DNS Errors (RFC 8914): why a SERVFAIL
	Queries       int              `json:"queries,omitempty"`
	QueryTimeMs   float64          `json:"query_time_ms"`
	Server        string           `json:"server"`
	Type          string           `json:"type"` // "answer"
}

// edeJSON is one Extended DNS Error of the OPT record.
type edeJSON struct {
	Code uint16 `json:"code"`
	Name string `json:"name"`
	Text string `json:"text,omitempty"`
}

// edes are the message's Extended DNS Errors.
func edes(m *dns.Msg) []edeJSON {
	var out []edeJSON
	if opt := m.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok {
				out = append(out, edeJSON{Code: e.InfoCode, Name: dns.ExtendedErrorCodeToString[e.InfoCode], Text: e.ExtraText})
			}
		}
	}
	return out
}

// messageJSON names the message's fields as RFC 8427 does.
func messageJSON(m *dns.Msg, server string, rtt time.Duration, queries int) answerEvent {
	rrs := func(list []dns.RR) []map[string]any {
		out := []map[string]any{} // [] rather than null for an empty section
		for _, rr := range list {
			if rr.Header().Rrtype == dns.TypeOPT {
				continue
			}
			out = append(out, rrJSON(rr))
		}
		return out
	}
	ev := answerEvent{Type: "answer", ID: m.Id, QR: m.Response, Opcode: m.Opcode, AA: m.Authoritative, TC: m.Truncated, RD: m.RecursionDesired,
		RA: m.RecursionAvailable, AD: m.AuthenticatedData, CD: m.CheckingDisabled, RCODE: m.Rcode, RCODEname: dns.RcodeToString[m.Rcode], QDCOUNT: len(m.Question), ANCOUNT: len(m.Answer), NSCOUNT: len(m.Ns), ARCOUNT: len(m.Extra),
		AnswerRRs: rrs(m.Answer), AuthorityRRs: rrs(m.Ns), AdditionalRRs: rrs(m.Extra), EDE: edes(m), Server: server, QueryTimeMs: cli.Millis(rtt), Queries: queries}
	if len(m.Question) > 0 {
		q := m.Question[0]
		qname, qtype, qclass := q.Name, dns.TypeToString[q.Qtype], dns.ClassToString[q.Qclass]
		ev.QNAME, ev.QTYPE, ev.QTYPEname, ev.QCLASS, ev.QCLASSname = &qname, &q.Qtype, &qtype, &q.Qclass, &qclass
	}
	return ev
}

// rrJSON is one resource record with RFC 8427's member names: the numeric
// fields, their names, RDATAHEX (the wire form of the data) and the data in
// presentation format as rdata<TYPE> (rdataA, rdataMX, ...); "rdata" holds
// the same text under one name for every type, for jq. A map, not a
// struct: the rdata<TYPE> key depends on the record, and RDLENGTH and
// RDATAHEX are left out of a record that does not pack.
func rrJSON(rr dns.RR) map[string]any {
	h := rr.Header()
	f := strings.SplitN(rr.String(), "\t", 5)
	data := ""
	if len(f) == 5 {
		data = f[4]
	}
	obj := map[string]any{"NAME": h.Name, "TYPE": h.Rrtype, "TYPEname": dns.TypeToString[h.Rrtype], "CLASS": h.Class,
		"CLASSname": dns.ClassToString[h.Class], "TTL": h.Ttl, "rdata": data}
	if name, ok := dns.TypeToString[h.Rrtype]; ok {
		obj["rdata"+name] = data
	}
	// Packed without name compression, the data follows the owner name and
	// the 10 bytes of type, class, TTL and RDLENGTH.
	buf := make([]byte, dns.Len(rr)+256)
	end, err := dns.PackRR(rr, buf, 0, nil, false)
	nameEnd, err2 := dns.PackDomainName(h.Name, make([]byte, 256), 0, nil, false)
	if err == nil && err2 == nil && nameEnd+10 <= end {
		obj["RDLENGTH"], obj["RDATAHEX"] = end-nameEnd-10, strings.ToUpper(hex.EncodeToString(buf[nameEnd+10:end]))
	}
	return obj
}

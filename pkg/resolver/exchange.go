package resolver

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// exchange asks one server once, waiting up to wait: over UDP, again without EDNS if it
// answers FORMERR to EDNS, over TCP when the answer comes truncated. A
// server that sent only responses to another question until the time ran
// out is lame for the zone, not silent.
func (lk *lookup) exchange(ctx context.Context, s server, zone, qname string, qtype uint16, depth int, wait time.Duration) (*dns.Msg, time.Duration, error) {
	ev := Event{Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[qtype]}
	emit := func(kind, note string) { e := ev; e.Kind, e.Note = kind, note; lk.r.emit(e) }
	q := lk.newQuery(qname, qtype)
	emit("query", "")
	var other error
	ignored := func(_ []byte, err error) {
		emit("ignored", err.Error())
		if errors.Is(err, errOtherQuestion) {
			other = err
		}
	}
	resp, rtt, err := UDPExchange(ctx, q, s.addr, wait, lk.r.cfg.Rand0x20, ignored)
	if err == nil && resp.Rcode == dns.RcodeFormatError && q.IsEdns0() != nil {
		// A server from before EDNS: ask again without it (RFC 6891 6.2.2).
		emit("retry", "FORMERR to EDNS, retrying without")
		q.Extra = nil
		resp, rtt, err = UDPExchange(ctx, q, s.addr, wait, lk.r.cfg.Rand0x20, ignored)
	}
	if err == nil && resp.Truncated {
		emit("tcp_retry", "")
		c := &dns.Client{Net: "tcp", Timeout: max(lk.r.cfg.Timeout, tcpTimeout)}
		resp, rtt, err = c.ExchangeContext(ctx, q, s.addr.String())
		if err == nil {
			err = checkResponse(q, resp, lk.r.cfg.Rand0x20)
		}
	}
	switch {
	case errors.Is(err, errTimeout) && other != nil, errors.Is(err, errOtherQuestion):
		emit("lame", "response to another question")
		return nil, 0, lameError(s, zone, "response to another question")
	case err != nil:
		emit("timeout", err.Error())
		return nil, 0, err
	}
	resp.Compress = true // the size as received: servers compress names
	e := ev
	e.Kind, e.RTT, e.Msg, e.Size = "response", rtt, resp, resp.Len()
	lk.r.emit(e)
	return resp, rtt, nil
}

// tcpTimeout is the shortest wait for a connection and its exchange over
// TCP (dig's +time): a server that truncated its answer has answered, and
// a connection costs two round trips more than a datagram.
const tcpTimeout = 5 * time.Second

// newQuery is the question for a server: no recursion, EDNS, a random ID
// and, with 0x20, the name's case at random.
func (lk *lookup) newQuery(qname string, qtype uint16) *dns.Msg {
	q := new(dns.Msg)
	if lk.r.cfg.Rand0x20 {
		qname = randomCase(qname)
	}
	q.SetQuestion(qname, qtype)
	q.Id = uint16(rand.Uint32())
	q.RecursionDesired = false
	q.SetEdns0(lk.r.cfg.BufSize, lk.r.cfg.DNSSEC)
	return q
}

// randomCase flips the case of the name's letters at random: an off-path
// spoofer must guess it too.
func randomCase(name string) string {
	b := []byte(name)
	for i, c := range b {
		if ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') && rand.IntN(2) == 1 {
			b[i] = c ^ 0x20
		}
	}
	return string(b)
}

// errOtherQuestion: a response to a question other than the one asked.
var errOtherQuestion = errors.New("response to another question")

// checkResponse: the same ID, a response, and the question we asked (with
// 0x20, the name's case exactly as sent).
func checkResponse(q, r *dns.Msg, exactCase bool) error {
	if r.Id != q.Id {
		return errors.New("response with the wrong ID")
	}
	if !r.Response {
		return errors.New("not a response")
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q.Question[0].Name) || r.Question[0].Qtype != q.Question[0].Qtype || r.Question[0].Qclass != q.Question[0].Qclass {
		return errOtherQuestion
	}
	if exactCase && r.Question[0].Name != q.Question[0].Name {
		return errors.New("response with the question's case changed (0x20)")
	}
	return nil
}

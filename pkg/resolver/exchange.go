package resolver

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// followUp is needed when a server answered FORMERR to EDNS (a server
// from before EDNS: asked again without it, RFC 6891 6.2.2) or truncated
// its answer (asked again over TCP).
func followUp(q, resp *dns.Msg) bool {
	return resp != nil && (resp.Rcode == dns.RcodeFormatError && q.IsEdns0() != nil || resp.Truncated)
}

// followUp asks s again, as followUp says, on the lookup's own goroutine:
// it opens sockets.
func (lk *lookup) followUp(ctx context.Context, s server, zone, qname string, q, resp *dns.Msg, depth int, wait time.Duration) (*dns.Msg, time.Duration, error) {
	emit := func(kind, note string) {
		lk.r.emit(Event{Kind: kind, Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[q.Question[0].Qtype], Note: note})
	}
	var rtt time.Duration
	var err error
	var other error
	if resp.Rcode == dns.RcodeFormatError && q.IsEdns0() != nil {
		emit("retry", "FORMERR to EDNS, retrying without")
		q.Extra = nil
		resp, rtt, err = UDPExchange(ctx, q, s.addr, wait, lk.r.cfg.Rand0x20, func(_ []byte, why error) {
			emit("ignored", why.Error())
			if errors.Is(why, errOtherQuestion) {
				other = why
			}
		})
	}
	if err == nil && resp.Truncated {
		emit("tcp_retry", "")
		resp, rtt, err = tcpExchange(ctx, q, s.addr, max(lk.r.cfg.Timeout, tcpTimeout))
		if err == nil {
			err = checkResponse(q, resp, lk.r.cfg.Rand0x20)
		}
	}
	return lk.verdict(ctx, s, zone, qname, q, depth, resp, rtt, err, other)
}

// verdict is an exchange's outcome: lame when the server sent only
// responses to another question, the response as received otherwise.
func (lk *lookup) verdict(ctx context.Context, s server, zone, qname string, q *dns.Msg, depth int, resp *dns.Msg, rtt time.Duration, err, other error) (*dns.Msg, time.Duration, error) {
	ev := Event{Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[q.Question[0].Qtype]}
	switch {
	case errors.Is(err, errTimeout) && other != nil, errors.Is(err, errOtherQuestion):
		ev.Kind, ev.Note = "lame", "response to another question"
		lk.r.emit(ev)
		return nil, 0, lameError(s, zone, "response to another question")
	case err != nil && !errors.Is(err, errTimeout) && ctx.Err() == nil:
		ev.Kind, ev.Note = "timeout", err.Error()
		lk.r.emit(ev)
		return nil, 0, err
	case err != nil:
		return nil, 0, err
	}
	resp.Compress = true // the size as received: servers compress names
	return resp, rtt, nil
}

// tcpExchange asks q over a TCP connection to addr, waiting up to wait;
// cancelling ctx ends it at once.
func tcpExchange(ctx context.Context, q *dns.Msg, addr netip.AddrPort, wait time.Duration) (*dns.Msg, time.Duration, error) {
	c := &dns.Client{Net: "tcp", Timeout: wait}
	co, err := c.DialContext(ctx, addr.String())
	if err != nil {
		return nil, 0, err
	}
	defer co.Close()
	stop := context.AfterFunc(ctx, func() { _ = co.Close() })
	defer stop()
	return c.ExchangeWithConnContext(ctx, q, co)
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

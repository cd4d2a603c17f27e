package resolver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// exchange sends one query (UDP, then TCP when truncated) and checks that
// the response is the answer to it.
func (lk *lookup) exchange(ctx context.Context, s server, zone, qname string, qtype uint16, depth int) (*dns.Msg, time.Duration, error) {
	q := new(dns.Msg)
	asked := qname
	if lk.r.cfg.Rand0x20 {
		asked = randomCase(qname)
	}
	q.SetQuestion(asked, qtype)
	q.Id = uint16(rand.Uint32())
	q.RecursionDesired = false
	q.SetEdns0(lk.r.cfg.BufSize, lk.r.cfg.DNSSEC)
	addr := net.JoinHostPort(s.addr.Addr().String(), fmt.Sprint(s.addr.Port()))
	lk.r.emit(Event{Kind: "query", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[qtype]})
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: lk.r.cfg.Timeout, UDPSize: lk.r.cfg.BufSize}
		resp, rtt, err := c.ExchangeContext(ctx, q, addr)
		if err == nil && resp.Rcode == dns.RcodeFormatError && q.IsEdns0() != nil {
			// A server from before EDNS: ask again without it (RFC 6891 6.2.2).
			lk.r.emit(Event{Kind: "retry", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: "FORMERR to EDNS, retrying without"})
			q.Extra = nil
			resp, rtt, err = c.ExchangeContext(ctx, q, addr)
		}
		if err != nil {
			lk.r.emit(Event{Kind: "timeout", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: err.Error()})
			return nil, 0, err
		}
		if err := checkResponse(q, resp, lk.r.cfg.Rand0x20); err != nil {
			lk.r.emit(Event{Kind: "lame", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, Note: err.Error()})
			return nil, 0, lameError(s, zone, err.Error())
		}
		if resp.Truncated && network == "udp" {
			lk.r.emit(Event{Kind: "tcp_retry", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname})
			continue
		}
		resp.Compress = true // the size as received: servers compress names
		size := resp.Len()
		lk.r.emit(Event{Kind: "response", Depth: depth, Zone: zone, Server: s.addr, Name: s.name, QName: qname, QType: dns.TypeToString[qtype], RTT: rtt, Msg: resp, Size: size})
		return resp, rtt, nil
	}
	return nil, 0, ErrServFail
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
		return errors.New("response to another question")
	}
	if exactCase && r.Question[0].Name != q.Question[0].Name {
		return errors.New("response with the question's case changed (0x20)")
	}
	return nil
}

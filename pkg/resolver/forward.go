package resolver

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// forward asks Config.Forward, a recursive server, instead of walking
// from the root: with RD and CD set, so it hands over what it holds
// without judging it, and the validation is ours, as delv @server does.
func (lk *lookup) forward(ctx context.Context, qname string, qtype uint16, depth int) (*Result, error) {
	if m := lk.r.cache.get(qname, qtype); m != nil {
		return &Result{Msg: m}, nil
	}
	s := lk.r.cfg.Forward
	ev := Event{Depth: depth, Server: s, QName: qname, QType: dns.TypeToString[qtype]}
	q := lk.newQuery(qname, qtype)
	q.RecursionDesired, q.CheckingDisabled = true, true
	var resp *dns.Msg
	var err error
	for try := 0; try < lk.r.cfg.Tries; try++ {
		if lk.queries >= lk.r.cfg.MaxQueries {
			return nil, ErrTooMany
		}
		lk.queries++
		e := ev
		e.Kind = "query"
		lk.r.emit(e)
		var rtt time.Duration
		resp, rtt, err = UDPExchange(ctx, q, s, lk.r.cfg.Timeout, false, nil)
		if err == nil && resp.Truncated {
			c := &dns.Client{Net: "tcp", Timeout: lk.r.cfg.Timeout}
			if resp, rtt, err = c.ExchangeContext(ctx, q, s.String()); err == nil {
				err = checkResponse(q, resp, false)
			}
		}
		if err == nil {
			e.Kind, e.RTT, e.Msg, e.Size = "response", rtt, resp, resp.Len()
			lk.r.emit(e)
			break
		}
		e.Kind, e.Note = "timeout", err.Error()
		lk.r.emit(e)
		if ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, &ZoneError{Zone: ".", Timeouts: 1, Last: err}
	}
	if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("%s answered %s for %s %s", s, dns.RcodeToString[resp.Rcode], qname, dns.TypeToString[qtype])
	}
	lk.r.cache.put(qname, qtype, resp)
	return &Result{Msg: resp, Server: s}, nil
}

// forwardZone is the zone an unsigned RRset of owner comes from, as the
// forwarder says: the owner of the SOA its SOA question brings, answer
// or authority (for DS, of the name above).
func (v *validation) forwardZone(owner string, rrtype uint16) string {
	name := dsParent(owner, rrtype)
	m, err := v.fetch(name, dns.TypeSOA)
	if err != nil {
		return "."
	}
	for _, rr := range append(append([]dns.RR{}, m.Answer...), m.Ns...) {
		if soa, ok := rr.(*dns.SOA); ok && dns.IsSubDomain(soa.Hdr.Name, name) {
			return soa.Hdr.Name
		}
	}
	return "."
}

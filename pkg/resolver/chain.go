package resolver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// resolve follows the chain: referrals down from the root (or the closest
// cached delegation), CNAMEs across zones.
func (lk *lookup) resolve(ctx context.Context, qname string, qtype uint16, depth int) (*Result, error) {
	var chain []dns.RR
	var seenBuf [4]string
	seen := seenBuf[:0] // the names asked, in lower case: MaxCNAME+1 at most
	orig := qname
	for hops := 0; ; hops++ {
		lower := strings.ToLower(qname)
		if hops > lk.r.cfg.MaxCNAME || slices.Contains(seen, lower) {
			return nil, ErrCNAMELoop
		}
		seen = append(seen, lower)
		res, err := lk.iterate(ctx, qname, qtype, depth)
		if err != nil {
			return res, err
		}
		msg := res.Msg
		target, err := lk.chainTarget(msg, qname, qtype, depth)
		if err != nil {
			return nil, err
		}
		if target == "" || msg.Rcode != dns.RcodeSuccess {
			// A shallow copy: msg and its records are this lookup's own
			// (the cache stores copies and hands out copies), and only
			// the answer and question change.
			out := new(dns.Msg)
			*out = *msg
			out.Answer = append(append([]dns.RR{}, chain...), out.Answer...)
			// The question asked, not the last link of the chain, as a
			// recursive server answers it.
			out.Question = []dns.Question{{Name: orig, Qtype: qtype, Qclass: dns.ClassINET}}
			res.Msg = out
			return res, nil
		}
		// The zone answered a CNAME without the target's records (another
		// zone holds them): follow it from the top.
		for _, rr := range msg.Answer {
			_, dname := rr.(*dns.DNAME)
			if strings.EqualFold(rr.Header().Name, qname) || (dname && dns.IsSubDomain(rr.Header().Name, qname)) {
				chain = append(chain, rr)
			}
		}
		lk.r.emit(Event{Kind: "cname", Depth: depth, QName: qname, Note: "-> " + target})
		qname = target
	}
}

// chainTarget is the name the answer sends qname on to when it holds no
// qtype record of qname: its CNAME's target, or the name its DNAME
// rewrites qname to; "" when there is none to follow.
func (lk *lookup) chainTarget(msg *dns.Msg, qname string, qtype uint16, depth int) (string, error) {
	if qtype == dns.TypeCNAME || hasType(msg.Answer, qname, qtype) {
		return "", nil
	}
	target := ""
	for _, rr := range msg.Answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, qname) {
			target = c.Target
		}
	}
	if target != "" {
		return target, nil
	}
	// A DNAME without the CNAME servers synthesise from it: rewrite the
	// suffix ourselves (RFC 6672).
	for _, rr := range msg.Answer {
		if d, ok := rr.(*dns.DNAME); ok && dns.IsSubDomain(d.Hdr.Name, qname) && !strings.EqualFold(d.Hdr.Name, qname) {
			prefix := qname[:len(qname)-len(d.Hdr.Name)]
			target = dns.Fqdn(prefix + d.Target)
			if _, ok := dns.IsDomainName(target); !ok || len(target) > 255 {
				return "", fmt.Errorf("DNAME %s -> %s makes an invalid name", d.Hdr.Name, d.Target)
			}
			lk.r.emit(Event{Kind: "cname", Depth: depth, QName: qname, Note: "DNAME " + d.Hdr.Name + " -> " + d.Target})
		}
	}
	return target, nil
}

// hasType reports whether rrs hold a qtype record of name.
func hasType(rrs []dns.RR, name string, qtype uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == qtype && strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

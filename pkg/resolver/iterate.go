package resolver

import (
	"context"
	"errors"
	"strings"

	"github.com/miekg/dns"
)

// iterate walks from the closest known delegation down to the zone that
// answers qname/qtype, with QNAME minimisation when on (RFC 9156). A zone
// whose servers answer a minimised question lame (REFUSED, SERVFAIL, ...)
// or NXDOMAIN is asked the whole question instead, as unbound does: some
// servers mishandle empty non-terminals; an NXDOMAIN the whole question
// confirms is cached at the minimised name too, a cut (RFC 8020).
func (lk *lookup) iterate(ctx context.Context, qname string, qtype uint16, depth int) (*Result, error) {
	if lk.r.cfg.Forward.IsValid() {
		return lk.forward(ctx, qname, qtype, depth)
	}
	if m := lk.r.cache.get(qname, qtype); m != nil {
		return &Result{Msg: m}, nil
	}
	set, ok := lk.r.cache.closestDelegation(dsParent(qname, qtype))
	if !ok {
		set = lk.prime(ctx, depth)
	}
	mz, nxCut := newMinimiser(lk.r.cfg.QMin), ""
	land := func() {}
	defer func() { land() }()
	for {
		askName, askType := mz.ask(set.zone, qname, qtype)
		land() // what the last step learned is cached by now
		resp, from, l, shared, err := lk.askShared(ctx, &set, qname, qtype, askName, askType, depth)
		land = l
		var ze *ZoneError
		switch minimised := askName != qname; {
		case shared:
			return lk.iterate(ctx, qname, qtype, depth) // what the other lookup learned
		case minimised && errors.As(err, &ze) && ze.Lame > 0:
			mz.off = true
			continue
		case err != nil:
			return nil, err
		case minimised && !isReferral(resp) && resp.Rcode == dns.RcodeNameError:
			mz.off, nxCut = true, askName
			continue
		case minimised && !isReferral(resp):
			mz.more(set.zone, qname) // no cut there: show more
			continue
		case !minimised && (len(resp.Answer) > 0 || resp.Rcode != dns.RcodeSuccess || !isReferral(resp)):
			// A final answer: an answer section, NXDOMAIN, or NODATA (SOA).
			lk.r.cache.put(qname, qtype, resp)
			if nxCut != "" && resp.Rcode == dns.RcodeNameError {
				lk.r.cache.put(nxCut, dns.TypeNS, resp)
			}
			return &Result{Msg: resp, Server: from}, nil
		}
		next := lk.referral(set.zone, qname, resp, depth)
		lk.r.cache.putDelegation(next)
		set = next
		mz.cut(askName != qname)
	}
}

// dsParent is the name whose closest delegation a lookup starts from:
// qname, but for DS its parent, since a zone's DS records live in the
// parent zone (RFC 4035 3.1.4.1), even when the zone's own delegation
// is cached.
func dsParent(qname string, qtype uint16) string {
	if qtype != dns.TypeDS || qname == "." {
		return qname
	}
	_, parent, _ := strings.Cut(qname, ".")
	return dns.Fqdn(parent)
}

// lastLabels is the name made of the last n labels of name.
func lastLabels(name string, n int) string {
	idx := dns.Split(name)
	if n >= len(idx) {
		return name
	}
	return name[idx[len(idx)-n]:]
}

// isReferral: NS records in the authority section and no SOA there.
func isReferral(m *dns.Msg) bool {
	hasNS := false
	for _, rr := range m.Ns {
		switch rr.(type) {
		case *dns.SOA:
			return false
		case *dns.NS:
			hasNS = true
		}
	}
	return hasNS
}

package resolver

import (
	"context"
	"strings"

	"github.com/miekg/dns"
)

// iterate walks from the closest known delegation down to the zone that
// answers qname/qtype.
func (lk *lookup) iterate(ctx context.Context, qname string, qtype uint16, depth int) (*Result, error) {
	if m := lk.r.cache.get(qname, qtype); m != nil {
		return &Result{Msg: m}, nil
	}
	set, ok := lk.r.cache.closestDelegation(dsParent(qname, qtype))
	if !ok {
		set = nsSet{zone: ".", known: lk.roots()}
	}
	below := 1 // QNAME minimisation: labels below the zone shown to its servers
	land := func() {}
	defer func() { land() }()
	for {
		askName, askType := qname, qtype
		if lk.r.cfg.QMin {
			if n := dns.CountLabel(set.zone) + below; n < dns.CountLabel(qname) {
				askName, askType = lastLabels(qname, n), dns.TypeNS
			}
		}
		land() // what the last step learned is cached by now
		resp, from, l, shared, err := lk.askShared(ctx, &set, qname, qtype, askName, askType, depth)
		land = l
		if shared {
			return lk.iterate(ctx, qname, qtype, depth) // what the other lookup learned
		}
		if err != nil {
			return nil, err
		}
		if askName != qname {
			switch {
			case isReferral(resp):
				// A zone cut at askName: go down as for any referral.
			case resp.Rcode == dns.RcodeNameError:
				// Nothing exists at or below askName (RFC 8020): cached
				// as such, the cut answers every name under it.
				lk.r.cache.put(askName, askType, resp)
				return &Result{Msg: resp, Server: from}, nil
			default:
				below++ // no cut there: show one label more
				continue
			}
		} else if len(resp.Answer) > 0 || resp.Rcode != dns.RcodeSuccess || !isReferral(resp) {
			// A final answer: an answer section, NXDOMAIN, or NODATA (SOA).
			lk.r.cache.put(qname, qtype, resp)
			return &Result{Msg: resp, Server: from}, nil
		}
		next := lk.referral(set.zone, qname, resp, depth)
		lk.r.cache.putDelegation(next)
		set, below = next, 1
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

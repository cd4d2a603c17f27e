package resolver

import (
	"context"

	"github.com/miekg/dns"
)

// prime is the root's servers to start a walk from. With Prime, as
// unbound does (RFC 8109), the hints are asked for the root's NS set and
// its addresses once, and what the root says is cached as its delegation
// for the TTL it gives: later walks start from it, and +trace shows it as
// dig +trace shows the root NS set. Without Prime, or when priming fails
// or names no address, the hints serve.
func (lk *lookup) prime(ctx context.Context, depth int) nsSet {
	hints := nsSet{zone: ".", known: lk.roots()}
	if !lk.r.cfg.Prime {
		return hints
	}
	resp, _, land, shared, err := lk.askShared(ctx, &hints, ".", dns.TypeNS, ".", dns.TypeNS, depth)
	defer land()
	if shared {
		if set, ok := lk.r.cache.closestDelegation("."); ok {
			return set
		}
		return hints
	}
	if err != nil || !hasType(resp.Answer, ".", dns.TypeNS) {
		return hints
	}
	// The NS set is the answer here, not a referral: referral reads it
	// from the authority section, glue from the additional one.
	set := lk.referral(".", ".", &dns.Msg{Ns: resp.Answer, Extra: resp.Extra}, depth)
	if len(set.known) == 0 {
		return hints
	}
	set.pending = nil // no lookups of glueless roots: they would need a root
	lk.r.cache.putDelegation(set)
	return set
}

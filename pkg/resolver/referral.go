package resolver

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// nsSet is one zone's name servers: the addresses known (glue, or names
// already resolved) and the (name, type) lookups that would give more, for
// names that came without glue. Those lookups are made only when every
// known address has failed, one at a time, every name's A before any AAAA:
// a zone with a working server costs no lookup more than one that finds
// it, and a dead first name server still leaves the others to try.
type nsSet struct {
	zone    string
	ttl     uint32 // the NS records' smallest TTL: how long the delegation is cached
	known   []server
	pending []nsTarget
}

// nsTarget is an address lookup a zone's servers may still need.
type nsTarget struct {
	name  string
	qtype uint16
}

// clone copies the set, so one cached delegation serves concurrent lookups.
func (s nsSet) clone() nsSet {
	return nsSet{zone: s.zone, ttl: s.ttl, known: append([]server(nil), s.known...), pending: append([]nsTarget(nil), s.pending...)}
}

// referral turns a delegation into the next zone's servers (lameness has
// made sure it leads downwards, towards qname); glue used only if it lies
// inside the zone that sent it; names without usable glue left as lookups
// for askZone to make if it must.
func (lk *lookup) referral(zone, qname string, resp *dns.Msg, depth int) nsSet {
	child := referralZone(resp)
	var nsNames []string
	set := nsSet{zone: child, ttl: maxTTL}
	for _, rr := range resp.Ns {
		if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, child) {
			nsNames = append(nsNames, ns.Ns)
			set.ttl = min(set.ttl, ns.Hdr.Ttl)
		}
	}
	lk.r.emit(Event{Kind: "referral", Depth: depth, Zone: child, Msg: resp, QName: qname})
	var glueless []string
	for _, n := range nsNames {
		found := false
		for _, rr := range resp.Extra {
			if !strings.EqualFold(rr.Header().Name, n) || !dns.IsSubDomain(zone, n) {
				continue // glue from outside the sender's zone is not to be believed
			}
			if a := rrAddr(rr); a.IsValid() && lk.allowed(a) {
				set.known = append(set.known, server{addr: netip.AddrPortFrom(a, lk.r.cfg.Port), name: n})
				found = true
			}
		}
		if !found {
			glueless = append(glueless, n)
		}
	}
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if (qt == dns.TypeA && lk.r.cfg.V6Only) || (qt == dns.TypeAAAA && lk.r.cfg.V4Only) {
			continue
		}
		for _, n := range glueless {
			set.pending = append(set.pending, nsTarget{n, qt})
		}
	}
	return set
}

// rrAddr is the address an A or AAAA record holds, or none.
func rrAddr(rr dns.RR) netip.Addr {
	var a netip.Addr
	switch g := rr.(type) {
	case *dns.A:
		a, _ = netip.AddrFromSlice(g.A.To4())
	case *dns.AAAA:
		a, _ = netip.AddrFromSlice(g.AAAA)
	}
	return a.Unmap()
}

// fetchPending makes the set's next pending address lookups until one
// gives a server address not known yet; false when none is left (or the
// NXNSAttack bound on glueless names is reached). alive: a known server
// of the zone may still answer.
func (lk *lookup) fetchPending(ctx context.Context, set *nsSet, depth int, alive bool) bool {
	for len(set.pending) > 0 && ctx.Err() == nil {
		t := set.pending[0]
		set.pending = set.pending[1:]
		key := strings.ToLower(t.name)
		if lk.visiting[key] {
			continue // a name whose own lookup needs this zone: a cycle
		}
		if !lk.fetched[key] {
			if len(lk.fetched) >= lk.r.cfg.MaxNSFetch {
				set.pending = nil
				return false
			}
			mark(&lk.fetched, key)
		}
		lk.r.emit(Event{Kind: "glueless", Depth: depth, Zone: set.zone, QName: t.name, QType: dns.TypeToString[t.qtype]})
		mark(&lk.visiting, key)
		res, err := lk.resolveNested(ctx, t.name, t.qtype, depth+1, alive || otherName(set.pending, t.name))
		delete(lk.visiting, key)
		if d, ok := ctx.Deadline(); ok && errors.Is(err, context.DeadlineExceeded) && time.Until(d) > lk.r.rtoCeiling() {
			set.pending = append(set.pending, t) // its half of the time ran out: again, after the others
			continue
		}
		if err != nil {
			continue
		}
		added := false
		for _, rr := range res.Msg.Answer {
			if a := rrAddr(rr); a.IsValid() && lk.allowed(a) && rr.Header().Rrtype == t.qtype {
				set.known = append(set.known, server{addr: netip.AddrPortFrom(a, lk.r.cfg.Port), name: t.name})
				added = true
			}
		}
		if set.zone != "." {
			lk.r.cache.putDelegation(*set)
		}
		if added {
			return true
		}
	}
	return false
}

// otherName: a lookup in pending is of a name other than name.
func otherName(pending []nsTarget, name string) bool {
	for _, p := range pending {
		if !strings.EqualFold(p.name, name) {
			return true
		}
	}
	return false
}

// resolveNested looks up a name server's address; when the zone has
// other servers to try (share: a known one that may answer, or another
// name), within half the time the lookup has left, so that a server slow
// to find leaves time for them. It fails with context.DeadlineExceeded
// when that half runs out.
func (lk *lookup) resolveNested(ctx context.Context, name string, qtype uint16, depth int, share bool) (*Result, error) {
	if d, ok := ctx.Deadline(); ok && share {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(d)/2))
		defer cancel()
	}
	res, err := lk.resolve(ctx, name, qtype, depth)
	if err != nil && ctxErr(ctx) != nil {
		return nil, ctxErr(ctx)
	}
	return res, err
}

package resolver

import (
	"context"
	"net/netip"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// flights are the questions top-level lookups are asking zones right
// now, keyed by the zone and the child of it the question leads to (and
// the type, when the child is the name itself). A batch of names under
// one zone, started at once, would otherwise walk the root once per name:
// with flights, one asks and the others wait for it, then start again
// from the delegation (or answer) it cached.
type flights struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// join makes the caller the leader of key, with the func that ends its
// flight, or, when another leads it, returns the channel closed when
// that one lands.
func (f *flights) join(key string) (wait <-chan struct{}, land func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[key]; ok {
		return c, nil
	}
	if f.m == nil {
		f.m = map[string]chan struct{}{}
	}
	c := make(chan struct{})
	f.m[key] = c
	return nil, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.m, key)
		close(c)
	}
}

// flightKey is what two asks share when they would get the same referral.
func flightKey(zone, qname string, qtype uint16) string {
	child := lastLabels(qname, dns.CountLabel(zone)+1)
	key := strings.ToLower(zone + " " + child)
	if strings.EqualFold(child, qname) {
		key += " " + dns.TypeToString[qtype]
	}
	return key
}

// askShared is askZone for a top-level lookup, unless another one is
// asking the zone the same way: then it waits for that one, once per key,
// and reports shared, for the caller to look in the caches again. The
// caller calls land once it has cached what it learned from resp (not
// before: the waiters would find nothing). Nested (glueless) lookups never
// wait: a lookup that waits leads no flight, so none waits for another
// that waits for it.
func (lk *lookup) askShared(ctx context.Context, set *nsSet, qname string, qtype uint16, askName string, askType uint16, depth int) (resp *dns.Msg, from netip.AddrPort, land func(), shared bool, err error) {
	land = func() {}
	if depth == 0 {
		key := flightKey(set.zone, qname, qtype)
		wait, lead := lk.r.flights.join(key)
		if wait != nil && !lk.waited[key] {
			mark(&lk.waited, key)
			select {
			case <-wait:
				return nil, netip.AddrPort{}, land, true, nil
			case <-ctx.Done():
				return nil, netip.AddrPort{}, land, false, ctx.Err()
			}
		}
		if lead != nil && lk.learnt(set.zone, qname, qtype) {
			// Another lookup landed between this one's look at the
			// caches and its join: what it learnt is there now.
			lead()
			return nil, netip.AddrPort{}, land, true, nil
		}
		if lead != nil {
			land = lead
		}
	}
	resp, from, err = lk.askZone(ctx, set, askName, askType, depth)
	return resp, from, land, false, err
}

// learnt: the caches now hold qname's answer, or a delegation below zone
// towards it.
func (lk *lookup) learnt(zone, qname string, qtype uint16) bool {
	if lk.r.cache.has(qname, qtype) {
		return true
	}
	z, ok := lk.r.cache.closestZone(dsParent(qname, qtype))
	return ok && dns.CountLabel(z) > dns.CountLabel(zone)
}

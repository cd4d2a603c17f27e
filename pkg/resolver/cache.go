package resolver

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// The cache's TTL ceilings, unbound's defaults (cache-max-ttl,
// cache-max-negative-ttl).
const (
	maxTTL    = 86400
	maxNegTTL = 3600
)

// cache holds answers and delegations, each bounded in entries (LRU) and
// kept for its TTL; what it returns carries the TTLs counted down.
type cache struct {
	mu    sync.Mutex
	msgs  *lru[*dns.Msg]
	deleg *lru[nsSet]
}

func newCache(size int) *cache {
	return &cache{msgs: newLRU[*dns.Msg](size), deleg: newLRU[nsSet](size)}
}

// key is where the answer to name/qtype is cached. Keys are made for
// every lookup and each name above it (get), so they cost one allocation.
func key(name string, qtype uint16) string {
	return lowerKey(strings.ToLower(name), qtype)
}

// lowerKey is key of a name already in lower case.
func lowerKey(lower string, qtype uint16) string {
	return lower + "/" + strconv.FormatUint(uint64(qtype), 10)
}

// nxKey is where an NXDOMAIN is cached: for the name, whatever the type
// (RFC 2308 5).
func nxKey(name string) string { return key(name, 0) }

// get is the cached answer to name/qtype: its own, or an NXDOMAIN cached
// for the name or for a name above it, since nothing exists below a name
// that does not exist (RFC 8020).
func (c *cache) get(name string, qtype uint16) *dns.Msg {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, nx := c.find(name, qtype, now)
	if e == nil {
		return nil
	}
	m := countDown(e.val, e.stored, now)
	if nx {
		m.Question = []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}}
	}
	return m
}

// has: get would find an answer (without copying it).
func (c *cache) has(name string, qtype uint16) bool {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, _ := c.find(name, qtype, now)
	return e != nil
}

// find is get's entry, and whether it is an NXDOMAIN of the name or one
// above it; with mu held.
func (c *cache) find(name string, qtype uint16, now time.Time) (*entry[*dns.Msg], bool) {
	lower := strings.ToLower(name)
	if e, ok := c.msgs.get(lowerKey(lower, qtype), now); ok {
		return e, false
	}
	for n := lower; n != "."; {
		if e, ok := c.msgs.get(lowerKey(n, 0), now); ok {
			return e, true
		}
		_, n, _ = strings.Cut(n, ".")
		n = dns.Fqdn(n)
	}
	return nil, false
}

// countDown is a copy of m with its TTLs less the seconds it has spent in
// the cache.
func countDown(m *dns.Msg, stored, now time.Time) *dns.Msg {
	out := m.Copy()
	spent := uint32(now.Sub(stored) / time.Second)
	for _, sec := range [][]dns.RR{out.Answer, out.Ns, out.Extra} {
		for _, rr := range sec {
			if h := rr.Header(); h.Rrtype != dns.TypeOPT {
				h.Ttl -= min(spent, h.Ttl)
			}
		}
	}
	return out
}

// put caches a final response: an answer for its smallest TTL, a negative
// one for the SOA's TTL or MINIMUM, whichever is smaller (RFC 2308 5); a
// negative one without SOA not at all.
func (c *cache) put(name string, qtype uint16, m *dns.Msg) {
	ttl, ok := cacheTTL(m)
	if !ok || ttl == 0 {
		return
	}
	k := key(name, qtype)
	if m.Rcode == dns.RcodeNameError {
		k = nxKey(name)
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs.put(k, m.Copy(), now, now.Add(time.Duration(ttl)*time.Second))
}

// cacheTTL is how long m may be cached, and whether at all.
func cacheTTL(m *dns.Msg) (uint32, bool) {
	if len(m.Answer) > 0 {
		ttl := uint32(maxTTL)
		for _, rr := range m.Answer {
			ttl = min(ttl, rr.Header().Ttl)
		}
		return ttl, true
	}
	for _, rr := range m.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return min(soa.Hdr.Ttl, soa.Minttl, maxNegTTL), true
		}
	}
	return 0, false
}

// putDelegation caches a zone's servers for the TTL of its NS records.
func (c *cache) putDelegation(set nsSet) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleg.put(strings.ToLower(set.zone), set.clone(), now, now.Add(time.Duration(min(set.ttl, maxTTL))*time.Second))
}

// closestDelegation is the deepest cached zone enclosing name (a copy).
func (c *cache) closestDelegation(name string) (nsSet, bool) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.closest(name, now); e != nil {
		return e.val.clone(), true
	}
	return nsSet{}, false
}

// closestZone is closestDelegation's zone alone (nothing copied).
func (c *cache) closestZone(name string) (string, bool) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.closest(name, now); e != nil {
		return e.val.zone, true
	}
	return "", false
}

// closest is the entry of the deepest cached zone enclosing name; with
// mu held. The zones are tried from name's own to "." (a primed root),
// as slices of the name in lower case.
func (c *cache) closest(name string, now time.Time) *entry[nsSet] {
	lower := dns.Fqdn(strings.ToLower(name))
	for off, end := 0, false; ; off, end = dns.NextLabel(lower, off) {
		z := "."
		if !end {
			z = lower[off:]
		}
		if e, ok := c.deleg.get(z, now); ok {
			return e
		}
		if end {
			return nil
		}
	}
}

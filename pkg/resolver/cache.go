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
	lower := strings.ToLower(name)
	k := lowerKey(lower, qtype)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.msgs.get(k, now); ok {
		return countDown(e.val, e.stored, now)
	}
	for n := lower; n != "."; {
		if e, ok := c.msgs.get(lowerKey(n, 0), now); ok {
			m := countDown(e.val, e.stored, now)
			m.Question = []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}}
			return m
		}
		_, n, _ = strings.Cut(n, ".")
		n = dns.Fqdn(n)
	}
	return nil
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
	// Each zone above name, name's own first and "." last (a primed
	// root), as a slice of the name in lower case.
	lower := dns.Fqdn(strings.ToLower(name))
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for off, end := 0, false; ; off, end = dns.NextLabel(lower, off) {
		z := "."
		if !end {
			z = lower[off:]
		}
		if e, ok := c.deleg.get(z, now); ok {
			return e.val.clone(), true
		}
		if end {
			return nsSet{}, false
		}
	}
}

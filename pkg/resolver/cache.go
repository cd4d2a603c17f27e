package resolver

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cache holds answers and delegations for the resolver's life.
type cache struct {
	mu    sync.Mutex
	msgs  map[string]cached
	deleg map[string]nsSet
}

type cached struct {
	m   *dns.Msg
	exp time.Time
}

func newCache() *cache {
	return &cache{msgs: map[string]cached{}, deleg: map[string]nsSet{}}
}

func key(name string, qtype uint16) string { return strings.ToLower(name) + "/" + fmt.Sprint(qtype) }

func (c *cache) get(name string, qtype uint16) *dns.Msg {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.msgs[key(name, qtype)]
	if !ok || time.Now().After(e.exp) {
		return nil
	}
	return e.m.Copy()
}

// put caches a final response for its smallest TTL (negative answers: the
// SOA's minimum).
func (c *cache) put(name string, qtype uint16, m *dns.Msg) {
	ttl := uint32(3600)
	for _, rr := range append(append([]dns.RR{}, m.Answer...), m.Ns...) {
		t := rr.Header().Ttl
		if soa, ok := rr.(*dns.SOA); ok && soa.Minttl < t {
			t = soa.Minttl
		}
		ttl = min(ttl, t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs[key(name, qtype)] = cached{m.Copy(), time.Now().Add(time.Duration(ttl) * time.Second)}
}

func (c *cache) putDelegation(set nsSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleg[strings.ToLower(set.zone)] = set.clone()
}

// closestDelegation is the deepest cached zone enclosing name (a copy).
func (c *cache) closestDelegation(name string) (nsSet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	labels := dns.SplitDomainName(name)
	for i := 0; i < len(labels); i++ {
		z := dns.Fqdn(strings.ToLower(strings.Join(labels[i:], ".")))
		if s, ok := c.deleg[z]; ok {
			return s.clone(), true
		}
	}
	return nsSet{}, false
}

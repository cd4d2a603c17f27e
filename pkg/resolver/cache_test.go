package resolver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func msg(t *testing.T, rcode int, answer, ns []string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("www.example.lab.", dns.TypeA)
	m.Rcode = rcode
	for _, s := range answer {
		m.Answer = append(m.Answer, mustRR(t, s))
	}
	for _, s := range ns {
		m.Ns = append(m.Ns, mustRR(t, s))
	}
	return m
}

func mustRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}

// TestCacheTTL: an answer lives for its smallest TTL; a negative answer
// for its SOA's TTL or MINIMUM, whichever is smaller (RFC 2308 5), at
// most an hour; a negative one without SOA is not cached.
func TestCacheTTL(t *testing.T) {
	tests := []struct {
		name   string
		rcode  int
		answer []string
		ns     []string
		want   uint32
		cached bool
	}{
		{"answer", 0, []string{"www.example.lab. 300 IN A 192.0.2.1", "www.example.lab. 60 IN A 192.0.2.2"}, nil, 60, true},
		{"answer for days", 0, []string{"www.example.lab. 999999 IN A 192.0.2.1"}, nil, 86400, true},
		{"NODATA, SOA MINIMUM smaller", 0, nil, []string{"example.lab. 300 IN SOA ns. h. 1 1 1 1 60"}, 60, true},
		{"NXDOMAIN, SOA TTL smaller", 3, nil, []string{"example.lab. 30 IN SOA ns. h. 1 1 1 1 600"}, 30, true},
		{"NXDOMAIN for a day", 3, nil, []string{"example.lab. 86400 IN SOA ns. h. 1 1 1 1 86400"}, 3600, true},
		{"NXDOMAIN without SOA", 3, nil, nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cacheTTL(msg(t, tc.rcode, tc.answer, tc.ns))
			if got != tc.want || ok != tc.cached {
				t.Errorf("TTL %d %v, want %d %v", got, ok, tc.want, tc.cached)
			}
		})
	}
}

// TestCacheCountDown: what the cache returns carries the TTLs less the
// seconds spent there, never below 0.
func TestCacheCountDown(t *testing.T) {
	m := msg(t, 0, []string{"www.example.lab. 300 IN A 192.0.2.1"}, []string{"example.lab. 5 IN NS ns.example.lab."})
	now := time.Now()
	got := countDown(m, now.Add(-10*time.Second), now)
	if got.Answer[0].Header().Ttl != 290 || got.Ns[0].Header().Ttl != 0 || m.Answer[0].Header().Ttl != 300 {
		t.Errorf("counted down to %d and %d (the original: %d)", got.Answer[0].Header().Ttl, got.Ns[0].Header().Ttl, m.Answer[0].Header().Ttl)
	}
}

// TestLRU: a full cache evicts the entry used least recently; an expired
// one is gone.
func TestLRU(t *testing.T) {
	now := time.Now()
	l := newLRU[int](2)
	l.put("a", 1, now, now.Add(time.Hour))
	l.put("b", 2, now, now.Add(time.Hour))
	l.get("a", now) // a is now the more recently used
	l.put("c", 3, now, now.Add(time.Hour))
	for _, tc := range []struct {
		key  string
		want bool
	}{{"a", true}, {"b", false}, {"c", true}} {
		t.Run(tc.key, func(t *testing.T) {
			if _, ok := l.get(tc.key, now); ok != tc.want {
				t.Errorf("present %v, want %v", ok, tc.want)
			}
		})
	}
	if _, ok := l.get("a", now.Add(time.Hour)); ok || l.len() != 1 {
		t.Errorf("expired entry kept (%d entries)", l.len())
	}
}

// TestNegativeCache: an NXDOMAIN answers from the cache, with no query,
// for every type of the name and every name below it (RFC 2308, RFC
// 8020); a NODATA for its type only. A cache of 2 entries still answers,
// asking again what it evicted.
func TestNegativeCache(t *testing.T) {
	wd := standard(t)
	r := wd.resolver(t, nil, "127.0.0.2")
	tests := []struct {
		name    string
		qtype   uint16
		rcode   int
		queries int
	}{
		{"nothere.example.lab", dns.TypeA, dns.RcodeNameError, 3},
		{"nothere.example.lab", dns.TypeA, dns.RcodeNameError, 0},
		{"nothere.example.lab", dns.TypeAAAA, dns.RcodeNameError, 0},
		{"a.b.nothere.example.lab", dns.TypeMX, dns.RcodeNameError, 0},
		{"mail.example.lab", dns.TypeMX, dns.RcodeSuccess, 1},
		{"mail.example.lab", dns.TypeMX, dns.RcodeSuccess, 0},
		{"mail.example.lab", dns.TypeTXT, dns.RcodeSuccess, 1},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%d %s %s", i, tc.name, dns.TypeToString[tc.qtype]), func(t *testing.T) {
			res, err := r.Resolve(context.Background(), tc.name, tc.qtype)
			if err != nil || res.Msg.Rcode != tc.rcode || res.Queries != tc.queries || res.Msg.Question[0].Name != dns.Fqdn(tc.name) {
				t.Fatalf("%v, %d queries, want %s in %d\n%v", err, res.Queries, dns.RcodeToString[tc.rcode], tc.queries, res.Msg)
			}
		})
	}
	rs := r.cfg.Roots
	small, _ := New(Config{Roots: rs, Port: wd.port, Timeout: 300 * time.Millisecond, CacheSize: 2})
	for i := 0; i < 3; i++ {
		for _, name := range []string{"www.example.lab", "mail.example.lab", "www.nogl.lab"} {
			if res, err := small.Resolve(context.Background(), name, dns.TypeA); err != nil || len(res.Msg.Answer) != 1 {
				t.Fatalf("cache of 2, %s: %v", name, err)
			}
		}
	}
	if n := small.cache.msgs.len(); n > 2 {
		t.Errorf("cache of 2 holds %d answers", n)
	}
}

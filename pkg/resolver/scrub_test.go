package resolver

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/dnstest"
)

// TestScrub: what a server of example.lab. may say in answer to
// www.example.lab., and what is left of it.
func TestScrub(t *testing.T) {
	tests := []struct {
		name     string
		qtype    uint16
		answer   []string
		ns       []string
		extra    []string
		wantKept []string // owners and types of what is left, in every section
	}{
		{"answer", dns.TypeA, []string{"www.example.lab. 1 IN A 192.0.2.1"}, nil, nil, []string{"www.example.lab./A"}},
		{"another zone's record", dns.TypeA, []string{"www.example.lab. 1 IN A 192.0.2.1", "www.other.lab. 1 IN A 192.0.2.66"}, nil, nil,
			[]string{"www.example.lab./A"}},
		{"off the chain", dns.TypeA, []string{"www.example.lab. 1 IN A 192.0.2.1", "ftp.example.lab. 1 IN A 192.0.2.66"}, nil, nil,
			[]string{"www.example.lab./A"}},
		{"another type", dns.TypeA, []string{"www.example.lab. 1 IN A 192.0.2.1", "www.example.lab. 1 IN MX 1 www.example.lab."}, nil, nil,
			[]string{"www.example.lab./A"}},
		{"CNAME chain in any order", dns.TypeA, []string{"c.example.lab. 1 IN A 192.0.2.1", "b.example.lab. 1 IN CNAME c.example.lab.",
			"www.example.lab. 1 IN CNAME b.example.lab."}, nil, nil, []string{"b.example.lab./CNAME", "c.example.lab./A", "www.example.lab./CNAME"}},
		{"CNAME out of the zone", dns.TypeA, []string{"www.example.lab. 1 IN CNAME www.other.lab.", "www.other.lab. 1 IN A 192.0.2.66"}, nil, nil,
			[]string{"www.example.lab./CNAME"}},
		{"DNAME", dns.TypeA, []string{"example.lab. 1 IN DNAME new.example.lab.", "www.example.lab. 1 IN CNAME www.new.example.lab.",
			"www.new.example.lab. 1 IN A 192.0.2.1"}, nil, nil, []string{"example.lab./DNAME", "www.example.lab./CNAME", "www.new.example.lab./A"}},
		{"NXDOMAIN with SOA and a foreign NS", dns.TypeA, nil, []string{"example.lab. 1 IN SOA ns. h. 1 1 1 1 1", "test. 1 IN NS evil.test."}, nil,
			[]string{"example.lab./SOA"}},
		{"referral with foreign glue", dns.TypeA, nil, []string{"www.example.lab. 1 IN NS ns.www.example.lab."},
			[]string{"ns.www.example.lab. 1 IN A 192.0.2.53", "tld.ns.lab. 1 IN A 192.0.2.66"}, []string{"ns.www.example.lab./A", "www.example.lab./NS"}},
	}
	rrs := func(texts []string) []dns.RR {
		var out []dns.RR
		for _, s := range texts {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, rr)
		}
		return out
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &dns.Msg{Answer: rrs(tc.answer), Ns: rrs(tc.ns), Extra: rrs(tc.extra)}
			scrub("example.lab.", "www.example.lab.", tc.qtype, m)
			var got []string
			for _, rr := range append(append(m.Answer, m.Ns...), m.Extra...) {
				got = append(got, rr.Header().Name+"/"+dns.TypeToString[rr.Header().Rrtype])
			}
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(tc.wantKept, " ") {
				t.Errorf("kept %v, want %v", got, tc.wantKept)
			}
		})
	}
}

// TestPoisonNeverCached: records a server slips into its answer for
// names outside its chain or zone reach neither the result nor the cache,
// and a later lookup of the poisoned name asks its real zone.
func TestPoisonNeverCached(t *testing.T) {
	poison := func(string, uint16) dnstest.Behaviour { return dnstest.Behaviour{Poison: true} }
	wd, _, good := lameWorld(t, poison)
	good.SetBehave(poison)
	for run := 0; run < 6; run++ {
		r := wd.resolver(t, nil, "127.0.0.2")
		res, err := r.Resolve(context.Background(), "www.lame.lab", dns.TypeA)
		if err != nil || len(res.Msg.Answer) != 1 || len(res.Msg.Extra) > 1 {
			t.Fatalf("run %d: %v\n%v", run, err, res)
		}
		for _, name := range []string{"poisoned.test.", "offchain.lame.lab."} {
			if m := r.cache.get(name, dns.TypeA); m != nil {
				t.Errorf("run %d: %s cached from a poisoned answer", run, name)
			}
		}
		if _, ok := r.cache.closestDelegation("x.test."); ok {
			t.Errorf("run %d: the poisoned delegation of test. is cached", run)
		}
	}
}

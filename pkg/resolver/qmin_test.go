package resolver

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/dnstest"
)

// TestMinimiserBounds: with no zone cut anywhere, a long name is shown
// one label more per query for the first MINIMISE_ONE_LAB queries, then
// in bigger steps, and whole after MAX_MINIMISE_COUNT queries at most
// (RFC 9156 2.3).
func TestMinimiserBounds(t *testing.T) {
	tests := []struct {
		name, qname string
		want        []int // labels shown by each minimised query
	}{
		{"short", "www.example.lab.", []int{1, 2}},
		{"long", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.", []int{1, 2, 3, 4, 6, 8, 10, 12, 13}},
		{"very long", strings.Repeat("x.", 40), []int{1, 2, 3, 4, 10, 16, 22, 28, 34}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mz := newMinimiser(true)
			var got []int
			for {
				name, qt := mz.ask(".", tc.qname, dns.TypeA)
				if name == tc.qname {
					if qt != dns.TypeA {
						t.Errorf("the whole name asked as %s", dns.TypeToString[qt])
					}
					break
				}
				got = append(got, dns.CountLabel(name))
				mz.more(".", tc.qname)
			}
			if len(got) > maxMinimiseCount || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("labels shown %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMinimiserFallback: a zone whose servers refuse the minimised NS
// question, or answer NXDOMAIN for an empty non-terminal (dnstest does,
// as some servers do), is asked the whole question and answers it; a
// real NXDOMAIN stays NXDOMAIN, and is cached at the cut.
func TestMinimiserFallback(t *testing.T) {
	refuseNS := func(_ string, qt uint16) dnstest.Behaviour {
		if qt == dns.TypeNS {
			return dnstest.Behaviour{Lame: dnstest.Refused}
		}
		return dnstest.Behaviour{}
	}
	tests := []struct {
		name   string
		behave func(string, uint16) dnstest.Behaviour
		qname  string
		rcode  int
	}{
		{"refused", refuseNS, "x.y.lame.lab.", dns.RcodeSuccess},
		{"NXDOMAIN for an empty non-terminal", nil, "x.y.lame.lab.", dns.RcodeSuccess},
		{"real NXDOMAIN", nil, "a.nothere.lame.lab.", dns.RcodeNameError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wd, _, good := lameWorld(t, tc.behave, "x.y.lame.lab. 300 IN A 192.0.2.5")
			good.SetBehave(tc.behave)
			r, _ := New(Config{Roots: wd.resolver(t, nil, "127.0.0.2").cfg.Roots, Port: wd.port, Timeout: 300e6, QMin: true})
			res, err := r.Resolve(context.Background(), tc.qname, dns.TypeA)
			if err != nil || res.Msg.Rcode != tc.rcode || (tc.rcode == 0) != (len(res.Msg.Answer) == 1) {
				t.Fatalf("%v\n%v", err, res)
			}
			if tc.rcode == dns.RcodeNameError {
				if m := r.cache.get("b.nothere.lame.lab.", dns.TypeA); m == nil || m.Rcode != dns.RcodeNameError {
					t.Errorf("the NXDOMAIN cut is not cached: %v", m)
				}
			}
		})
	}
}

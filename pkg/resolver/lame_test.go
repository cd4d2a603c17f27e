package resolver

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/dnstest"
)

// serveTest starts a dnstest server at ip on the world's port.
func (wd *world) serveTest(t *testing.T, ip string, behave func(string, uint16) dnstest.Behaviour, records ...string) *dnstest.Server {
	t.Helper()
	s, err := dnstest.New(records...)
	if err != nil {
		t.Fatal(err)
	}
	s.SetBehave(behave)
	if err := s.Listen(net.JoinHostPort(ip, strconv.Itoa(int(wd.port)))); err != nil {
		t.Skipf("cannot serve on %s: %v", ip, err)
	}
	t.Cleanup(s.Close)
	return s
}

// lameWorld: the root (127.0.0.2) delegates lab. to 127.0.0.3, which
// delegates lame.lab. to bad (127.0.0.20, answering as behave says) and
// good (127.0.0.21), both named in the delegation with glue; extra
// records go into the zone.
func lameWorld(t *testing.T, behave func(string, uint16) dnstest.Behaviour, extra ...string) (*world, *dnstest.Server, *dnstest.Server) {
	wd := newWorld(t)
	wd.serve(t, "127.0.0.2", ".", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3")
	wd.serve(t, "127.0.0.3", "lab.", "lame.lab. 3600 IN NS bad.ns.lab.", "lame.lab. 3600 IN NS good.ns.lab.",
		"bad.ns.lab. 3600 IN A 127.0.0.20", "good.ns.lab. 3600 IN A 127.0.0.21")
	zone := []string{"lame.lab. 3600 IN SOA good.ns.lab. h.lab. 1 3600 600 86400 300", "lame.lab. 3600 IN NS good.ns.lab.",
		"lame.lab. 3600 IN NS bad.ns.lab.", "www.lame.lab. 300 IN A 192.0.2.1", "mail.lame.lab. 300 IN MX 10 www.lame.lab."}
	zone = append(zone, extra...)
	bad := wd.serveTest(t, "127.0.0.20", behave, zone...)
	good := wd.serveTest(t, "127.0.0.21", nil, zone...)
	return wd, bad, good
}

// TestLameServers: whatever way the zone's first server answers lame, the
// lookup moves on to the other one and gets its answer; the lame answer
// is never cached, and the server is tried last for the zone from then
// on. With every server lame, the lookup fails with a ZoneError.
func TestLameServers(t *testing.T) {
	for _, how := range dnstest.AllLame {
		t.Run(string(how), func(t *testing.T) {
			wd, bad, _ := lameWorld(t, func(string, uint16) dnstest.Behaviour { return dnstest.Behaviour{Lame: how} })
			// Random order: enough runs that the lame server comes first.
			for run := 0; run < 6; run++ {
				r := wd.resolver(t, nil, "127.0.0.2")
				start := bad.Queries()
				for _, q := range []struct {
					name  string
					qtype uint16
					rcode int
					n     int
				}{{"www.lame.lab.", dns.TypeA, dns.RcodeSuccess, 1}, {"nothere.lame.lab.", dns.TypeA, dns.RcodeNameError, 0},
					{"www.lame.lab.", dns.TypeMX, dns.RcodeSuccess, 0}} {
					res, err := r.Resolve(context.Background(), q.name, q.qtype)
					if err != nil || res.Msg.Rcode != q.rcode || len(res.Msg.Answer) != q.n || (q.rcode != 0 || q.n == 0) && !hasSOA(res.Msg.Ns) {
						t.Fatalf("run %d %s %s: %v\n%v", run, q.name, dns.TypeToString[q.qtype], err, res)
					}
					if m := r.cache.get(q.name, q.qtype); m == nil || !m.Authoritative || m.Rcode != q.rcode {
						t.Fatalf("run %d %s: cached %v", run, q.name, m)
					}
				}
				// Once found lame for the zone, a server is asked no more
				// while the good one answers.
				before := bad.Queries()
				if _, err := r.Resolve(context.Background(), "other.lame.lab.", dns.TypeA); err != nil {
					t.Fatal(err)
				}
				if before > start && bad.Queries() != before {
					t.Errorf("run %d: asked the lame server again", run)
				}
			}
			if bad.Queries() == 0 {
				t.Error("the lame server was never asked")
			}
		})
	}
}

// TestAllServersLame: a zone whose every server is lame fails the lookup
// once each has been asked, with the count of lame servers.
func TestAllServersLame(t *testing.T) {
	for _, how := range dnstest.AllLame {
		t.Run(string(how), func(t *testing.T) {
			wd, _, good := lameWorld(t, func(string, uint16) dnstest.Behaviour { return dnstest.Behaviour{Lame: how} })
			good.SetBehave(func(string, uint16) dnstest.Behaviour { return dnstest.Behaviour{Lame: dnstest.Refused} })
			start := time.Now()
			res, err := wd.resolver(t, nil, "127.0.0.2").Resolve(context.Background(), "www.lame.lab", dns.TypeA)
			var ze *ZoneError
			if !errors.As(err, &ze) || ze.Zone != "lame.lab." || ze.Lame != 2 || !errors.Is(err, ErrServFail) {
				t.Fatalf("%v %v", res, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v: a lame answer is final for its server", d)
			}
			if !strings.Contains(err.Error(), "lame") {
				t.Errorf("error %q does not say lame", err)
			}
		})
	}
}

// TestLamenessTable: the classification of responses from a server of
// lame.lab. asked www.lame.lab.
func TestLamenessTable(t *testing.T) {
	soa, _ := dns.NewRR("lame.lab. 300 IN SOA ns.lame.lab. h. 1 1 1 1 300")
	a, _ := dns.NewRR("www.lame.lab. 300 IN A 192.0.2.1")
	ns := func(owner string) []dns.RR {
		rr, _ := dns.NewRR(owner + " 3600 IN NS ns.x.")
		return []dns.RR{rr}
	}
	tests := []struct {
		name  string
		msg   dns.Msg
		wants string // "" usable, otherwise contained in the reason
	}{
		{"answer", dns.Msg{MsgHdr: dns.MsgHdr{Authoritative: true}, Answer: []dns.RR{a}}, ""},
		{"nodata", dns.Msg{MsgHdr: dns.MsgHdr{Authoritative: true}, Ns: []dns.RR{soa}}, ""},
		{"nxdomain", dns.Msg{MsgHdr: dns.MsgHdr{Authoritative: true, Rcode: dns.RcodeNameError}, Ns: []dns.RR{soa}}, ""},
		{"referral down", dns.Msg{Ns: ns("www.lame.lab.")}, ""},
		{"referral up", dns.Msg{Ns: ns("lab.")}, "upward"},
		{"referral to the root", dns.Msg{Ns: ns(".")}, "upward"},
		{"referral sideways", dns.Msg{Ns: ns("other.lab.")}, "sideways"},
		{"referral to itself", dns.Msg{Ns: ns("lame.lab.")}, "own zone"},
		{"referral off the name", dns.Msg{Ns: ns("ftp.lame.lab.")}, "does not hold"},
		{"answer without AA", dns.Msg{Answer: []dns.RR{a}}, "without AA"},
		{"nxdomain without AA", dns.Msg{MsgHdr: dns.MsgHdr{Rcode: dns.RcodeNameError}, Ns: []dns.RR{soa}}, "NXDOMAIN without AA"},
		{"nodata without AA", dns.Msg{Ns: []dns.RR{soa}}, "NODATA without AA"},
		{"empty", dns.Msg{MsgHdr: dns.MsgHdr{Authoritative: true}}, "without SOA"},
		{"refused", dns.Msg{MsgHdr: dns.MsgHdr{Rcode: dns.RcodeRefused}}, "REFUSED"},
		{"notauth", dns.Msg{MsgHdr: dns.MsgHdr{Authoritative: true, Rcode: dns.RcodeNotAuth}}, "NOTAUTH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := lameness("lame.lab.", "www.lame.lab.", &tc.msg)
			if (tc.wants == "") != (got == "") || !strings.Contains(got, tc.wants) {
				t.Errorf("lameness %q, want %q", got, tc.wants)
			}
		})
	}
}

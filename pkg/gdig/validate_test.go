package gdig

import (
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/resolver"
)

func TestValidationEvent(t *testing.T) { clitest.CheckEvents(t, validationEvent{}) }

// TestVerdictText: delv's words for each verdict.
func TestVerdictText(t *testing.T) {
	answer := &dns.Msg{Answer: []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "a.", Rrtype: dns.TypeA}}}}
	nx := &dns.Msg{MsgHdr: dns.MsgHdr{Rcode: dns.RcodeNameError}}
	for _, c := range []struct {
		name string
		m    *dns.Msg
		v    resolver.Verdict
		want string
	}{
		{"secure", answer, resolver.Verdict{Security: resolver.Secure}, "; fully validated"},
		{"insecure", answer, resolver.Verdict{Security: resolver.Insecure}, "; unsigned answer"},
		{"secure NXDOMAIN", nx, resolver.Verdict{Security: resolver.Secure}, "; negative response, fully validated"},
		{"bogus", answer, resolver.Verdict{Security: resolver.Bogus, Reason: "RRSIG has expired"}, ";; resolution failed: RRSIG has expired"},
		{"bogus reason escaped", answer, resolver.Verdict{Security: resolver.Bogus, Reason: "bad\x1b[2J"}, ";; resolution failed: bad\\027[2J"},
		{"indeterminate", answer, resolver.Verdict{Security: resolver.Indeterminate}, "; answer not validated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := verdictText(c.m, c.v); got != c.want {
				t.Errorf("%q, want %q", got, c.want)
			}
		})
	}
}

// TestStripDNSSEC: without +dnssec the records validation needed go,
// but those of the type asked for stay.
func TestStripDNSSEC(t *testing.T) {
	m := new(dns.Msg)
	for _, s := range []string{"a. 60 IN A 192.0.2.1", "a. 60 IN RRSIG A 13 1 60 20300101000000 20200101000000 1 a. AAAA", "a. 60 IN NSEC b. A RRSIG NSEC"} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	if got := stripDNSSEC(m, dns.TypeA); len(got.Answer) != 1 {
		t.Errorf("A: %v", got.Answer)
	}
	if got := stripDNSSEC(m, dns.TypeNSEC); len(got.Answer) != 2 {
		t.Errorf("NSEC: %v", got.Answer)
	}
}

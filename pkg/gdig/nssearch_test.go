package gdig

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestNSNames: the servers +nssearch asks are the answer's NS records, or
// a referral's, and none when the authority section holds an SOA.
func TestNSNames(t *testing.T) {
	rr := func(s string) dns.RR {
		r, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ns1, ns2 := rr("z.lab. 60 IN NS a.ns.lab."), rr("z.lab. 60 IN NS b.ns.lab.")
	soa := rr("lab. 60 IN SOA tld.ns.lab. h.lab. 1 2 3 4 5")
	for _, c := range []struct {
		name       string
		answer, ns []dns.RR
		want       string
	}{
		{"answer", []dns.RR{ns1, ns2}, nil, "a.ns.lab. b.ns.lab."},
		{"referral", nil, []dns.RR{ns2}, "b.ns.lab."},
		{"no such zone", nil, []dns.RR{soa}, ""},
		{"answer first", []dns.RR{ns1}, []dns.RR{ns2}, "a.ns.lab."},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(nsNames(&dns.Msg{Answer: c.answer, Ns: c.ns}), " "); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

package gdig

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// TestDNS64Prefixes: the prefixes BIND finds in ipv4only.arpa's AAAA
// records (checked against dig in TestLabDNS64Prefix): one of each of
// RFC 6052's lengths when both 192.0.0.170 and .171 are there under it,
// none for a lone .170 or a set u octet, in the records' order.
func TestDNS64Prefixes(t *testing.T) {
	m := new(dns.Msg)
	for _, text := range dns64Records() {
		rr, err := dns.NewRR("$ORIGIN ipv4only.arpa.\n" + text)
		if err != nil {
			t.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	want := "2001:db8::/32 2001:db8:100::/40 2001:db8:122::/48 2001:db8:122:300::/56 2001:db8:122:344::/64 64:ff9b::/96"
	if got := strings.Join(strings.Fields(dns64Text(m)), " "); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// Another owner's records hold no prefix; at most ten are printed.
	other := &dns.Msg{}
	for i := 0; i < 12; i++ {
		for _, last := range []string{"aa", "ab"} {
			rr, _ := dns.NewRR(fmt.Sprintf("ipv4only.arpa. 60 IN AAAA 2001:db8:%x::c000:%s", i, last))
			other.Answer = append(other.Answer, rr)
		}
	}
	if n := len(dns64Prefixes(other)); n != 10 {
		t.Errorf("%d prefixes of 12, want dig's 10", n)
	}
	for _, rr := range other.Answer {
		rr.Header().Name = "ipv4only.example."
	}
	if n := len(dns64Prefixes(other)); n != 0 {
		t.Errorf("%d prefixes from another name", n)
	}
}

package gtraceroute

import (
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabMethodNames: -UL and -M's names probe as traceroute's modules
// of those names: the same text, times aside, over IPv4 and IPv6; a
// name traceroute does not know is refused in its words, status 2.
func TestLabMethodNames(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, m := range [][]string{{"-UL"}, {"-M", "udplite"}, {"-M", "default"}, {"-M", "udp"}, {"-M", "icmp"}, {"-M", "tcp"}} {
			sameAsTraceroute(t, c.H1, append(append([]string{}, m...), "-n", dst)...)
		}
	}
	_, errOut, code, _ := gtraceroute(t, c.H1, "-M", "bogus", c.H2Addr4())
	if code != 2 || !strings.Contains(errOut, "Unknown traceroute module bogus") {
		t.Errorf("-M bogus: exit %d %q; want 2, traceroute's \"Unknown traceroute module bogus\"", code, errOut)
	}
}

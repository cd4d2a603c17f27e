package gtraceroute

import (
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabBack: r2 sends its answers with TTL 60, so they arrive with 59
// and traceroute --back guesses 6 hops back where the trace says 2; the
// others answer with 64 and need no mark. Every method and family prints
// what traceroute --back prints, times aside: " 2  198.18.2.1 '-6'  ...".
func TestLabBack(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	// IPv6 takes the hop limit of the interface that answers.
	set := "echo 60 >/proc/sys/net/ipv4/ip_default_ttl; for f in /proc/sys/net/ipv6/conf/*/hop_limit; do echo 60 >$f; done"
	if out, err := c.Routers[1].Exec("sh", "-c", set); err != nil {
		t.Fatalf("%s: %v\n%s", set, err, out)
	}
	for _, method := range []string{"-U", "-I", "-T"} {
		for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
			args := []string{method, "--back", "-n", dst}
			want, _ := traceroute(t, c.H1, args...)
			got, errOut, code, _ := gtraceroute(t, c.H1, args...)
			if code != 0 || normalize(got) != normalize(want) || !strings.Contains(got, "'-6'") {
				t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", args, code, errOut, got, want)
			}
		}
	}
}

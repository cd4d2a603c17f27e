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

// TestLabMTU: over links of 1500/1400/1300/1500 --mtu starts at 65000
// bytes (or the packetlen given) and prints F=NUM on the first probe sent
// at each new size, as traceroute --mtu: the same text, times aside, for
// every method and family.
func TestLabMTU(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, []int{1500, 1400, 1300, 1500})
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, args := range [][]string{{"-U"}, {"-I"}, {"-T"}, {"-U", "--back"}, {"-I", "-q", "1"}} {
			for _, size := range []string{"", "1400"} {
				argv := append(append([]string{}, args...), "--mtu", "-n", dst)
				if size != "" {
					argv = append(argv, size)
				}
				netlab.ForgetPathMTUs(t, c.H1)
				want, _ := traceroute(t, c.H1, argv...)
				netlab.ForgetPathMTUs(t, c.H1)
				got, errOut, code, _ := gtraceroute(t, c.H1, argv...)
				if code != 0 || normalize(got) != normalize(want) {
					t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", argv, code, errOut, got, want)
				}
			}
		}
	}
}

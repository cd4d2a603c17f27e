package gping

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// TestLabLingerAfterLoss: after its last probe ping waits -W only while
// nothing has come back; once a reply has, it waits twice the longest
// round trip, at least the interval (ping_common.c, __schedule_exit). r1
// drops some echo requests; gping must end when ping ends, with the same
// output.
func TestLabLingerAfterLoss(t *testing.T) {
	netlab.Need(t, "ping")
	c := chainDroppingEchoes(t, "{ 3, 12 }", "ip daddr 198.18.2.77 drop")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"last lost", []string{"-n", "-c", "3", "-i", "0.2", "-W", "3", c.H2Addr4()}},
		{"last lost v6", []string{"-n", "-c", "3", "-i", "0.2", "-W", "3", c.H2Addr6()}},
		{"last lost untimed", []string{"-n", "-c", "3", "-i", "0.2", "-W", "3", "-s", "8", c.H2Addr4()}},
		{"middle lost", []string{"-n", "-c", "4", "-i", "0.3", "-W", "3", c.H2Addr4()}},
		{"flood, last lost", []string{"-n", "-c", "12", "-f", "-W", "3", c.H2Addr4()}},
		{"none back", []string{"-n", "-c", "2", "-i", "0.2", "-W", "1", "198.18.2.77"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			want, wantCode := c.H1.CombinedOutput(t, "ping", tc.args...)
			pingTook := time.Since(start)
			start = time.Now()
			out, errOut, code := c.H1.RunTool(t, Run, tc.args...)
			took := time.Since(start)
			norm := normalize
			if strings.Contains(tc.name, "flood") {
				norm = normalizeFlood
			}
			if norm(out+errOut) != norm(want) || code != wantCode {
				t.Errorf("gping %v: exit %d, ping exit %d\n--- gping:\n%s%s--- ping:\n%s", tc.args, code, wantCode, out, errOut, want)
			}
			if strings.Contains(want, " 0% packet loss") {
				t.Errorf("the router dropped no probe of ping's:\n%s", want)
			}
			// Whether a tool waited out -W shows whatever the load on the
			// machine: -W is 3 s where ping waits 0.2 s.
			wait := 900 * time.Millisecond * time.Duration(tc.args[slices.Index(tc.args, "-W")+1][0]-'0')
			if (took > wait) != (pingTook > wait) {
				t.Errorf("gping %v took %v, ping %v", tc.args, took.Round(time.Millisecond), pingTook.Round(time.Millisecond))
			}
			t.Logf("gping %v, ping %v", took.Round(time.Millisecond), pingTook.Round(time.Millisecond))
		})
	}
}

// chainDroppingEchoes is a one-router chain whose router drops, on the
// way to h2, the echo requests (IPv4 and IPv6) with the sequence numbers
// seqs (one, or an nft set), and whatever the extra rules drop.
func chainDroppingEchoes(t *testing.T, seqs string, extra ...string) *netlab.Chain {
	t.Helper()
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	rules := []string{
		"icmp type echo-request icmp sequence " + seqs + " drop",
		"icmpv6 type echo-request icmpv6 sequence " + seqs + " drop",
	}
	script := "table inet loss {\n\tchain drops {\n\t\ttype filter hook forward priority 0; policy accept;\n"
	for _, r := range append(rules, extra...) {
		script += "\t\t" + r + "\n"
	}
	if err := c.Routers[0].Nft(script + "\t}\n}\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

package gping

import (
	"strings"
	"testing"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/netlab"
)

// TestLabRecordRoute runs ping -R and gping -R through three routers: the
// same recorded routes, "(same route)" marks and summary, times aside.
func TestLabRecordRoute(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, NoICMPRateLimit: true})
	for _, args := range [][]string{
		{"-R", "-n", "-c", "3", "-i", "0.2", c.H2Addr4()},
		{"-R", "-n", "-c", "2", "-i", "0.2", c.RouterAddr4(1)},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
			stdout, stderr, code := c.H1.RunTool(t, Run, args...)
			if got := normalize(stderr + stdout); got != normalize(want) || code != wantCode || !strings.Contains(got, "RR: ") {
				t.Errorf("gping %v: exit %d\n%s\nping: exit %d\n%s", args, code, got, wantCode, normalize(want))
			}
		})
	}
}

// hideStamps hides the stamps of ping -T's lines, which differ between
// two runs; the addresses and how many stamps stay.
var hideStamps = clitest.Normalize(`(?m)\t-?[0-9]+( absolute)?( not-standard)?$`, "\tSTAMP")

// TestLabTimestamps runs ping -T and gping -T through three routers:
// the same lines, stamps aside.
func TestLabTimestamps(t *testing.T) {
	netlab.Need(t, "ping")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3, NoICMPRateLimit: true})
	for _, args := range [][]string{
		{"-T", "tsonly", "-n", "-c", "2", "-i", "0.2", c.H2Addr4()},
		{"-T", "tsandaddr", "-n", "-c", "2", "-i", "0.2", c.H2Addr4()},
		{"-T", "tsprespec", c.RouterAddr4(1), c.RouterAddr4(2), "-n", "-c", "1", c.H2Addr4()},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, wantCode := c.H1.CombinedOutput(t, "ping", args...)
			stdout, stderr, code := c.H1.RunTool(t, Run, args...)
			if got, w := hideStamps(normalize(stderr+stdout)), hideStamps(normalize(want)); got != w || code != wantCode || !strings.Contains(got, "TS: ") {
				t.Errorf("gping %v: exit %d\n%s\nping: exit %d\n%s", args, code, got, wantCode, w)
			}
		})
	}
}

// TestLabIPv4CompatibleAddress pings an IPv4-compatible IPv6 address
// (::198.18.2.1) beside ping, which writes it with inet_ntop in dotted
// form where Go writes ::c612:201: the same header, reply lines and
// summary, whichever way the address is typed.
func TestLabIPv4CompatibleAddress(t *testing.T) {
	netlab.Need(t, "ping")
	ns := netlab.ForTest(t).MustNS(t, "h")
	if err := ns.IP("addr", "add", "::198.18.2.1/128", "dev", "lo"); err != nil {
		t.Fatal(err)
	}
	for _, dst := range []string{"::c612:201", "::198.18.2.1"} {
		// -n: a name lookup of the address would ask the host's resolver.
		args := []string{"-n", "-c", "2", "-i", "0.2", dst}
		want, wantCode := ns.CombinedOutput(t, "ping", args...)
		stdout, stderr, code := ns.RunTool(t, Run, args...)
		if got := normalize(stderr + stdout); got != normalize(want) || code != wantCode || !strings.Contains(got, "from ::198.18.2.1:") {
			t.Errorf("gping %v: exit %d\n%s\nping: exit %d\n%s", args, code, got, wantCode, normalize(want))
		}
	}
}

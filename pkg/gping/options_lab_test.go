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

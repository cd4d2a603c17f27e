package gping

import (
	"strings"
	"testing"

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

package gpmtud

import (
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabDropsCapabilities runs the real binary as make install leaves
// it (cap_net_raw+ep) as user nobody with ICMP probes, which need a raw
// socket here (the lab's ping_group_range allows no datagram ICMP), on a
// path with a PMTU black hole so that the search is still running a
// second in: /proc then shows it with no capability left.
func TestLabDropsCapabilities(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, MTU: []int{1500, 1400}, NoICMPRateLimit: true})
	if err := c.Routers[0].DropFragNeeded(); err != nil {
		t.Fatal(err)
	}
	bin := labflood.Setcap(t, "gpmtud")
	r := labflood.RunTool(t, c.H1, time.Second, 10*time.Second, labflood.AsNobody(t, bin, "-I", c.H2Addr4())...)
	labflood.NoCapabilities(t, r)
	if r.Code != 1 || !strings.Contains(r.Stderr, "interrupted") {
		t.Errorf("exit %d, want 1 (interrupted)\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

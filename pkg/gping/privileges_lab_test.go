package gping

import (
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabDropsCapabilities runs the real binary as make install leaves
// it (cap_net_raw+ep) as user nobody, where only a raw socket can ping
// (the lab's ping_group_range allows no datagram ICMP): it pings, and
// a second in, /proc shows it with no capability left.
func TestLabDropsCapabilities(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1})
	bin := labflood.Setcap(t, "gping")
	r := labflood.RunTool(t, c.H1, time.Second, 10*time.Second, labflood.AsNobody(t, bin, "-i", "0.2", c.H2Addr4())...)
	labflood.NoCapabilities(t, r)
	if r.Code != 0 || !strings.Contains(r.Stdout, "bytes from "+c.H2Addr4()) {
		t.Errorf("exit %d, want replies\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

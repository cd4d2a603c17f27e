package gtraceroute

import (
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabDropsCapabilities runs the real binary as make install leaves
// it (cap_net_raw+ep) as user nobody with TCP probes, which need raw
// sockets: it traces, and a second in, /proc shows it with no
// capability left.
func TestLabDropsCapabilities(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	bin := labflood.Setcap(t, "gtraceroute")
	// -z 0.3 -q 3: the first hop is in at 0.6 s, the second at 1.5 s.
	r := labflood.RunTool(t, c.H1, time.Second, 10*time.Second, labflood.AsNobody(t, bin, "-T", "-n", "-z", "0.3", "-q", "3", c.H2Addr4())...)
	labflood.NoCapabilities(t, r)
	if r.Code != 0 || !strings.Contains(r.Stdout, " 1  "+c.RouterAddr4(1)) {
		t.Errorf("exit %d, want the first hop\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

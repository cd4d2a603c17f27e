package garp

import (
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabDropsCapabilities runs the real binary as make install leaves
// it (cap_net_raw+ep) as user nobody: --watch opens its packet socket,
// and a second in /proc shows it with no capability left.
func TestLabDropsCapabilities(t *testing.T) {
	s := netlab.MustSegment(t, netlab.SegmentConfig{Hosts: 2})
	bin := labflood.Setcap(t, "garp")
	r := labflood.RunTool(t, s.Hosts[0], time.Second, 10*time.Second, labflood.AsNobody(t, bin, "--watch", "-I", "eth0")...)
	labflood.NoCapabilities(t, r)
	if r.Code != 0 || !strings.Contains(r.Stdout, "watching ARP on eth0") {
		t.Errorf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

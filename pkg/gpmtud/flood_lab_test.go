package gpmtud

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabUnderFlood attacks the real binary with a flood of ICMP answers at up
// to 100,000 a second (the destination answers every probe it sees
// thousands of times over, between answers that match nothing) on a path
// with a PMTU black hole, where the search waits for answers that never
// come: it still ends when --timeout says, and on SIGINT within a second,
// with either probe method.
func TestLabUnderFlood(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, MTU: []int{1500, 1400}, NoICMPRateLimit: true})
	if err := c.Routers[0].DropFragNeeded(); err != nil {
		t.Fatal(err)
	}
	bin := netlab.Binary(t, "gpmtud")
	dst := c.H2Addr4()
	for _, tc := range []struct {
		name      string
		args      []string
		interrupt time.Duration
		limit     time.Duration // the run's end at the latest (with SIGINT: after it)
		code      int
	}{
		{"udp timeout", []string{"--timeout", "2"}, 0, 4 * time.Second, 2},
		{"icmp timeout", []string{"-I", "--timeout", "2"}, 0, 4 * time.Second, 2},
		{"udp sigint", nil, 1500 * time.Millisecond, time.Second, 1},
		{"icmp sigint", []string{"-I"}, 1500 * time.Millisecond, time.Second, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := labflood.StartICMP(c.H2, netip.MustParseAddr(c.H1Addr4()), labflood.Limits{Rate: 100000, Count: 1000000, Duration: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			argv := append(append([]string{bin}, tc.args...), dst)
			r := labflood.RunTool(t, c.H1, tc.interrupt, tc.interrupt+tc.limit+10*time.Second, argv...)
			st := f.Stop()
			t.Logf("%s: exit %d in %v (%v after SIGINT) under a flood of %v\n%s%s", strings.Join(tc.args, " "), r.Code, r.Elapsed.Round(time.Millisecond), r.AfterSIGINT.Round(time.Millisecond), st, r.Stdout, r.Stderr)
			late := r.Elapsed > tc.limit
			if tc.interrupt > 0 {
				late = r.AfterSIGINT > tc.limit
			}
			if r.Code != tc.code || late {
				t.Errorf("exit %d after %v (SIGINT: %v ago), want %d within %v", r.Code, r.Elapsed, r.AfterSIGINT, tc.code, tc.limit)
			}
		})
	}
}

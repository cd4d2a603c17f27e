package gtraceroute

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabUnderFlood attacks the real binary with a flood of ICMP answers (the
// destination answers every probe it sees thousands of times over, and
// sends answers that match nothing between them) at up to 100,000 a
// second: each trace still ends on time, and on SIGINT within a second,
// by every method that reads ICMP.
func TestLabUnderFlood(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	bin := netlab.Binary(t, "gtraceroute")
	dst := c.H2Addr4()
	for _, tc := range []struct {
		name      string
		args      []string
		interrupt time.Duration
		limit     time.Duration // the run's end at the latest (with SIGINT: after it)
	}{
		// -z 0.3: six probes over 1.5 s, flooded with answers to each;
		// -w 1 and two hops: done by 2.5 s whatever the answers.
		{"udp", []string{"-n", "-q", "3", "-z", "0.3", "-w", "1", "-m", "3"}, 0, 4 * time.Second},
		{"icmp", []string{"-n", "-I", "-q", "3", "-z", "0.3", "-w", "1", "-m", "3"}, 0, 4 * time.Second},
		// -z 1: a probe a second, so the trace would last ~6 s.
		{"udp sigint", []string{"-n", "-z", "1", "-q", "3", "-m", "3"}, 1500 * time.Millisecond, time.Second},
		{"icmp sigint", []string{"-n", "-I", "-z", "1", "-q", "3", "-m", "3"}, 1500 * time.Millisecond, time.Second},
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
			if r.Code != 0 || late || !strings.HasPrefix(r.Stdout, "traceroute to ") {
				t.Errorf("exit %d after %v (SIGINT: %v ago), want 0 within %v", r.Code, r.Elapsed, r.AfterSIGINT, tc.limit)
			}
		})
	}
}

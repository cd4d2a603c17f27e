package gping

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/labflood"
	"gnetutils/pkg/netlab"
)

// TestLabUnderFlood attacks the real binary with a flood of ICMP at up to
// 100,000 messages a second: duplicates of every echo reply, errors that
// quote its probes, and replies that match nothing. gping still ends when
// -c, -i and -W say, and on SIGINT within a second, with its summary, whether
// it pings one target (its own receive loop) or two (a receiving
// goroutine per socket).
func TestLabUnderFlood(t *testing.T) {
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 1, NoICMPRateLimit: true})
	bin := netlab.Binary(t, "gping")
	dst := c.H2Addr4()
	for _, tc := range []struct {
		name      string
		args      []string
		interrupt time.Duration
		limit     time.Duration // the run's end at the latest (with SIGINT: after it)
	}{
		// -W 1: a reply the flood crowded out of the socket's buffer
		// costs a second's linger, not ten.
		{"count", []string{"-q", "-c", "3", "-i", "0.5", "-W", "1", dst}, 0, 3500 * time.Millisecond},
		{"sigint", []string{"-q", dst}, 1500 * time.Millisecond, time.Second},
		{"two targets", []string{"-q", "-c", "3", "-i", "0.5", "-W", "1", dst, c.RouterAddr4(1)}, 0, 3500 * time.Millisecond},
		{"two targets sigint", []string{"-q", dst, c.RouterAddr4(1)}, 1500 * time.Millisecond, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := labflood.StartICMP(c.H2, netip.MustParseAddr(c.H1Addr4()), labflood.Limits{Rate: 100000, Count: 1000000, Duration: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			r := labflood.RunTool(t, c.H1, tc.interrupt, tc.interrupt+tc.limit+10*time.Second, append([]string{bin}, tc.args...)...)
			st := f.Stop()
			t.Logf("%s: exit %d in %v (%v after SIGINT) under a flood of %v\n%s%s", strings.Join(tc.args, " "), r.Code, r.Elapsed.Round(time.Millisecond), r.AfterSIGINT.Round(time.Millisecond), st, r.Stdout, r.Stderr)
			late := r.Elapsed > tc.limit
			if tc.interrupt > 0 {
				late = r.AfterSIGINT > tc.limit
			}
			if r.Code != 0 || late || !strings.Contains(r.Stdout, "packets transmitted") {
				t.Errorf("exit %d after %v (SIGINT: %v ago), want 0 and a summary within %v", r.Code, r.Elapsed, r.AfterSIGINT, tc.limit)
			}
		})
	}
}

package gping

import (
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// TestLabFloodPace: ping -f sends each probe as soon as the newest one
// sent is answered, a lost one before it notwithstanding (in_flight), and
// with -i it sends at that interval, not on each reply. r1 loses the third
// probe of each run; gping must keep ping's pace, and print what it prints.
func TestLabFloodPace(t *testing.T) {
	netlab.Need(t, "ping")
	c := chainDroppingEchoes(t, "3")
	for _, tc := range []struct {
		name     string
		args     []string
		min, max time.Duration // how long a run may take, at ping's pace
	}{
		// At 100 probes a second after the loss it took 2 s.
		{"flood after a loss", []string{"-q", "-f", "-c", "200", c.H2Addr4()}, 0, time.Second},
		{"flood after a loss v6", []string{"-q", "-f", "-c", "200", c.H2Addr6()}, 0, time.Second},
		{"preload", []string{"-q", "-f", "-l", "3", "-c", "200", c.H2Addr4()}, 0, time.Second},
		// Four intervals, then one more to wait for the lost reply: as
		// fast as the replies came, it took 0.6 s.
		{"flood with -i", []string{"-q", "-f", "-i", "0.2", "-c", "5", c.H2Addr4()}, 950 * time.Millisecond, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			want, wantCode := c.H1.CombinedOutput(t, "ping", tc.args...)
			pingTook := time.Since(start)
			start = time.Now()
			out, errOut, code := c.H1.RunTool(t, Run, tc.args...)
			took := time.Since(start)
			if normalizeFlood(out+errOut) != normalizeFlood(want) || code != wantCode {
				t.Errorf("gping %v: exit %d, ping exit %d\n--- gping:\n%s%s--- ping:\n%s", tc.args, code, wantCode, out, errOut, want)
			}
			if strings.Contains(want, " 0% packet loss") {
				t.Errorf("the router dropped no probe of ping's:\n%s", want)
			}
			if took < tc.min || took > tc.max || pingTook < tc.min || pingTook > tc.max {
				t.Errorf("gping %v took %v, ping %v; want %v to %v", tc.args, took.Round(time.Millisecond), pingTook.Round(time.Millisecond), tc.min, tc.max)
			}
			t.Logf("gping %v, ping %v\n%s", took.Round(time.Millisecond), pingTook.Round(time.Millisecond), out)
		})
	}
}

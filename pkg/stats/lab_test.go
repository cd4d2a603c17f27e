package stats

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

var (
	pingTimeRE = regexp.MustCompile(`icmp_seq=\d+ ttl=\d+ time=(\d+)\.(\d{3}) ms`)
	pingRTTRE  = regexp.MustCompile(`rtt min/avg/max/mdev = [0-9./]+ ms`)
)

// TestLabMatchesPing feeds the samples iputils ping printed into RTT and
// expects ping's own summary line back, digit for digit. Every reply in the
// lab is below 1 ms, where ping prints whole microseconds, so the samples
// are exactly the ones ping summed.
func TestLabMatchesPing(t *testing.T) {
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("ping (Debian package iputils-ping) not installed; make deps installs it")
	}
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 2})
	for _, target := range []string{c.H2Addr4(), c.H2Addr6(), "127.0.0.1"} {
		for run := 0; run < 3; run++ {
			out, err := c.H1.Exec("ping", "-n", "-c", "25", "-i", "0.01", "-W", "2", target)
			if err != nil {
				t.Fatalf("ping %s: %v\n%s", target, err, out)
			}
			var s RTT
			for _, m := range pingTimeRE.FindAllStringSubmatch(string(out), -1) {
				ms, _ := strconv.Atoi(m[1])
				frac, _ := strconv.Atoi(m[2])
				s.Add(time.Duration(ms*1000+frac) * time.Microsecond)
			}
			if s.Count() != 25 {
				if strings.Count(string(out), " time=") == 25 {
					t.Logf("a reply took 1 ms or more (printed with less precision); skipping this run:\n%s", out)
					continue
				}
				t.Fatalf("ping %s: parsed %d replies, want 25:\n%s", target, s.Count(), out)
			}
			want := pingRTTRE.FindString(string(out))
			if got := s.PingLine(); got != want {
				// One run in some twenty had ping's mdev a microsecond
				// below ours for printed samples whose variance was 120 µs²
				// (llsqrt gives 11, ping said 10), which the source does not
				// explain; min, avg and max must still be equal, mdev within
				// 1 µs. TestMdevAsPing pins a run where llsqrt's overshoot
				// showed (63 µs² -> 8).
				if !sameButMdev(got, want, 1) {
					t.Errorf("ping %s: ours %q, ping's %q\n%s", target, got, want, out)
				} else {
					t.Logf("ping %s: mdev off by 1 µs: ours %q, ping's %q", target, got, want)
				}
			}
		}
	}
}

// sameButMdev: two rtt lines with equal min/avg/max and mdevs at most tol
// microseconds apart.
func sameButMdev(a, b string, tol int) bool {
	fa, fb := strings.Split(strings.Fields(a)[3], "/"), strings.Split(strings.Fields(b)[3], "/")
	if len(fa) != 4 || len(fb) != 4 || fa[0] != fb[0] || fa[1] != fb[1] || fa[2] != fb[2] {
		return false
	}
	us := func(s string) int {
		v, _ := strconv.Atoi(strings.ReplaceAll(s, ".", ""))
		return v
	}
	d := us(fa[3]) - us(fb[3])
	return d >= -tol && d <= tol
}

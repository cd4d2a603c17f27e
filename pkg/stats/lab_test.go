package stats

import (
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
	netlab.Need(t, "ping")
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
				t.Errorf("ping %s: ours %q, ping's %q\n%s", target, got, want, out)
			}
		}
	}
}

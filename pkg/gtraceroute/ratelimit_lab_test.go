package gtraceroute

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/netlab"
)

// TestLabDestinationQueries runs the gtraceroute binary twice in a row on
// a chain at the kernel's default ICMP rate limits: the first trace
// drains the destination's bucket (a burst of 6), so the second meets one
// answer a second there. Every query of the destination must still get its
// answer (one per refill: the retries go to the destination's own queries,
// nearest first), before -w MAX, and no probe past the destination is
// sent again.
func TestLabDestinationQueries(t *testing.T) {
	bin := netlab.Binary(t, "gtraceroute")
	c := netlab.MustChain(t, netlab.ChainConfig{Routers: 3})
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, q := range []int{2, 3} {
			args := []string{"-n", "-q", strconv.Itoa(q), dst}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			if out, err := c.H1.Command(ctx, bin, "-n", dst).CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var out []byte
			var err error
			start := time.Now()
			wire := captureProbes(t, c.H1, netip.MustParseAddr(dst), unix.IPPROTO_UDP, func() { out, err = c.H1.Command(ctx, bin, args...).CombinedOutput() })
			took := time.Since(start)
			cancel()
			h := hops(string(out))
			last := strings.Split(strings.TrimSpace(string(out)), "\n")
			dest := last[len(last)-1]
			if err != nil || len(h) != 4 || strings.Contains(dest, "*") || strings.Count(dest, " ms") != q || took > 4500*time.Millisecond {
				t.Errorf("%v after a trace: %v after %v\n%s", args, err, took, out)
			}
			perTTL := map[int]int{}
			for _, p := range wire {
				perTTL[p.ttl]++
			}
			for ttl, n := range perTTL {
				if ttl > 4 && n > q {
					t.Errorf("%v: %d probes with TTL %d, past the destination: sent again", args, n, ttl)
				}
			}
			if perTTL[4] > 2*q {
				t.Errorf("%v: %d probes at the destination's TTL, want each query sent once and retried at most once", args, perTTL[4])
			}
			time.Sleep(7 * time.Second) // the buckets refill for the next case
		}
	}
}

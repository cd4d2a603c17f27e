package main

import (
	"fmt"
	"regexp"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

var scanHost = regexp.MustCompile(`(?m)^\d+\.\d+\.\d+\.\d+\t[0-9a-f:]{17}`)

// A /24 with 20 live hosts, scanned from a 21st: garp --scan beside
// arp-scan at the same rate (2 ms between requests), retries (2) and reply
// timeout (500 ms).
func init() {
	register(40, "garp", func(l *netlab.Lab, report func(row)) error {
		s, err := l.NewSegment(netlab.SegmentConfig{Hosts: 21})
		if err != nil {
			return err
		}
		h := s.Hosts[0]
		const runs = 3
		measure := func(argv ...string) (time.Duration, int, error) {
			var total time.Duration
			found := 0
			for range runs {
				r := labrun.Run(h, time.Minute, argv...)
				if r.Err != nil {
					return 0, 0, fmt.Errorf("%v: %v\n%s", argv, r.Err, r.Output)
				}
				total += r.Elapsed
				found = len(scanHost.FindAllString(r.Output, -1))
			}
			return total / runs, found, nil
		}
		ours, oursFound, err := measure("garp", "--scan", "198.19.0.0/24", "-I", "eth0", "--rate", "500", "--retry", "2", "--timeout", "500ms")
		if err != nil {
			return err
		}
		peer, peerFound, err := measure("arp-scan", "-I", "eth0", "--retry=2", "--timeout=500", "--interval=2", "198.19.0.0/24")
		if err != nil {
			return err
		}
		report(row{Measure: "scan a /24 with 20 live hosts: wall time (mean of 3)", Ours: float64(ours) / 1e6, Peer: float64(peer) / 1e6, PeerCmd: "arp-scan", Unit: "ms",
			Note: fmt.Sprintf("found: garp %d/20, arp-scan %d/20", oursFound, peerFound)})
		return nil
	})
}

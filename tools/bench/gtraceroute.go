package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

var traceHopAddr = regexp.MustCompile(`(?m)^\s*\d+(?:\.\|--)?\s+(\S+)`)

// traceAnswer is the sequence of first addresses per hop ("*" and "???"
// for silent hops), to require the same answers from every tool.
func traceAnswer(out string) string {
	var hops []string
	for _, m := range traceHopAddr.FindAllStringSubmatch(out, -1) {
		a := m[1]
		if a == "???" {
			a = "*"
		}
		hops = append(hops, a)
	}
	return strings.Join(hops, " ")
}

// Wall time of a whole trace through three routers, the middle one silent,
// gtraceroute beside traceroute -q1 and mtr -r -c1; then three queries per
// hop beside traceroute's default.
func init() {
	register(20, "gtraceroute", func(l *netlab.Lab, report func(row)) error {
		c, err := l.NewChain(netlab.ChainConfig{Routers: 3, NoICMPRateLimit: true})
		if err != nil {
			return err
		}
		if err := netlab.NoICMPRateLimit(c.H2); err != nil {
			return err
		}
		if err := c.Routers[1].DropTimeExceeded(); err != nil {
			return err
		}
		dst := c.H2Addr4()
		labrun.Run(c.H1, 5*time.Second, "ping", "-c", "1", dst)
		const runs = 5
		timeIt := func(argv ...string) (time.Duration, string, error) {
			var total time.Duration
			var out string
			for range runs {
				r := labrun.Run(c.H1, time.Minute, argv...)
				if r.Err != nil {
					return 0, "", fmt.Errorf("%v: %v\n%s", argv, r.Err, r.Output)
				}
				total += r.Elapsed
				out = r.Output
			}
			return total / runs, out, nil
		}
		ours1, outOurs, err := timeIt("gtraceroute", "-n", "-q", "1", dst)
		if err != nil {
			return err
		}
		for _, peer := range [][]string{{"traceroute", "-n", "-q", "1", dst}, {"mtr", "-r", "-n", "-c", "1", dst}} {
			t, out, err := timeIt(peer...)
			if err != nil {
				return err
			}
			if traceAnswer(out) != traceAnswer(outOurs) {
				return fmt.Errorf("different answers:\n%s\n%s", outOurs, out)
			}
			report(row{Measure: "one silent hop, 1 query per hop: wall time (mean of 5)", Ours: float64(ours1) / 1e6, Peer: float64(t) / 1e6, PeerCmd: strings.Join(peer[:len(peer)-1], " "), Unit: "ms", Note: "same hops: " + traceAnswer(out)})
		}
		ours3, outOurs, err := timeIt("gtraceroute", "-n", dst)
		if err != nil {
			return err
		}
		peer3, out, err := timeIt("traceroute", "-n", dst)
		if err != nil {
			return err
		}
		if traceAnswer(out) != traceAnswer(outOurs) {
			return fmt.Errorf("different answers:\n%s\n%s", outOurs, out)
		}
		report(row{Measure: "one silent hop, 3 queries per hop: wall time (mean of 5)", Ours: float64(ours3) / 1e6, Peer: float64(peer3) / 1e6, PeerCmd: "traceroute -n", Unit: "ms", Note: "same hops"})
		return nil
	})
}

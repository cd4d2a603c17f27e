package main

import (
	"fmt"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// The lab's delay line, measured with the system ping against the RTT it is
// meant to add: the baseline every RTT figure in the other benchmarks sits on.
func init() {
	register(0, "lab delay line", func(_ *netlab.Lab, report func(row)) error {
		for _, oneWay := range []time.Duration{5 * time.Millisecond, 20 * time.Millisecond} {
			l, err := netlab.New()
			if err != nil {
				return err
			}
			defer l.Close()
			c, err := l.NewChain(netlab.ChainConfig{Routers: 0, Delay: []time.Duration{oneWay}})
			if err != nil {
				return err
			}
			labrun.Run(c.H1, 5*time.Second, "ping", "-c", "1", c.H2Addr4())
			r := labrun.Run(c.H1, 30*time.Second, "ping", "-n", "-q", "-c", "20", "-i", "0.05", c.H2Addr4())
			_, _, _, avg, err := pingFigures(r.Output)
			if err != nil {
				return fmt.Errorf("ping: %v\n%s", r.Err, r.Output)
			}
			report(row{Measure: fmt.Sprintf("ping RTT, %v one-way", oneWay), Ours: float64(2*oneWay) / 1e6, Peer: avg, PeerCmd: "ping (measured)", Unit: "ms", Note: "gnetutils column: the configured 2x delay"})
		}
		return nil
	})
}

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

var pingAvg = regexp.MustCompile(`rtt min/avg/max/mdev = [\d.]+/([\d.]+)/`)

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
			m := pingAvg.FindStringSubmatch(r.Output)
			if m == nil {
				return fmt.Errorf("ping: %v\n%s", r.Err, r.Output)
			}
			avg, _ := strconv.ParseFloat(m[1], 64)
			report(row{Measure: fmt.Sprintf("ping RTT, %v one-way", oneWay), Ours: float64(2*oneWay) / 1e6, Peer: avg, PeerCmd: "ping (measured)", Unit: "ms", Note: "gnetutils column: the configured 2x delay"})
		}
		return nil
	})
}

// packetCounter counts the packets ns sends that match an nft expression
// (an nft counter in its output hook) and returns a function that says how
// many went out since its last call. (nft's "reset counters" leaves
// anonymous rule counters alone, so it returns differences.)
func packetCounter(ns *netlab.NS, match string) (func() (int, error), error) {
	last := 0
	if err := ns.Nft("table inet bench_count {\n\tchain out {\n\t\ttype filter hook output priority 0; policy accept;\n\t\t" + match + " counter\n\t}\n}\n"); err != nil {
		return nil, err
	}
	return func() (int, error) {
		out, err := ns.Exec("nft", "list", "table", "inet", "bench_count")
		if err != nil {
			return 0, err
		}
		m := nftPackets.FindStringSubmatch(string(out))
		if m == nil {
			return 0, fmt.Errorf("no counter in %s", out)
		}
		total, err := strconv.Atoi(m[1])
		delta := total - last
		last = total
		return delta, err
	}, nil
}

var nftPackets = regexp.MustCompile(`packets (\d+) `)

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

var (
	pingTotal = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received.*time (\d+)ms`)
	pingRTT   = regexp.MustCompile(`rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms`)
)

// pingFigures reads transmitted, received, time and avg RTT from a ping
// summary.
func pingFigures(out string) (tx, rx int, total time.Duration, avg float64, err error) {
	m := pingTotal.FindStringSubmatch(out)
	r := pingRTT.FindStringSubmatch(out)
	if m == nil || r == nil {
		return 0, 0, 0, 0, fmt.Errorf("no summary in %q", out)
	}
	tx, _ = strconv.Atoi(m[1])
	rx, _ = strconv.Atoi(m[2])
	ms, _ := strconv.Atoi(m[3])
	avg, _ = strconv.ParseFloat(r[2], 64)
	return tx, rx, time.Duration(ms) * time.Millisecond, avg, nil
}

// Flood rate and measured RTT through three routers, gping beside ping, in
// one run.
func init() {
	register(10, "gping", func(l *netlab.Lab, report func(row)) error {
		c, err := l.NewChain(netlab.ChainConfig{Routers: 3})
		if err != nil {
			return err
		}
		dst := c.H2Addr4()
		labrun.Run(c.H1, 5*time.Second, "ping", "-c", "2", "-i", "0.2", dst) // neighbours resolved
		type result struct {
			pps, avg float64
		}
		measure := func(tool string, args ...string) (result, error) {
			r := labrun.Run(c.H1, 2*time.Minute, append([]string{tool}, args...)...)
			tx, rx, total, avg, err := pingFigures(r.Output)
			if err != nil {
				return result{}, fmt.Errorf("%s: %v", tool, err)
			}
			if rx != tx {
				return result{}, fmt.Errorf("%s: %d of %d answered", tool, rx, tx)
			}
			return result{pps: float64(tx) / total.Seconds(), avg: avg * 1000}, nil
		}
		flood := []string{"-q", "-f", "-c", "20000", dst}
		ours, err := measure("gping", flood...)
		if err != nil {
			return err
		}
		peer, err := measure("ping", flood...)
		if err != nil {
			return err
		}
		report(row{Measure: "flood -f -c 20000 through 3 routers: packets/s", Ours: ours.pps, Peer: peer.pps, PeerCmd: "ping -f", Unit: "pkt/s", HigherIsBetter: true})
		report(row{Measure: "flood: avg RTT", Ours: ours.avg, Peer: peer.avg, PeerCmd: "ping -f", Unit: "µs"})
		paced := []string{"-q", "-c", "500", "-i", "0.002", dst}
		ours, err = measure("gping", paced...)
		if err != nil {
			return err
		}
		peer, err = measure("ping", paced...)
		if err != nil {
			return err
		}
		report(row{Measure: "-c 500 -i 0.002: avg RTT", Ours: ours.avg, Peer: peer.avg, PeerCmd: "ping -i 0.002", Unit: "µs"})
		return nil
	})
}

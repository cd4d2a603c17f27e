package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

var (
	gpmtudAnswer    = regexp.MustCompile(`(?m)^pmtu (\d+) `)
	tracepathAnswer = regexp.MustCompile(`Resume: pmtu (\d+)`)
)

// Path MTU over four links (1500/1400/1300/1500, 2 ms each way per link):
// probes sent and wall time to the answer, gpmtud beside tracepath; then the
// same path with a black hole, where tracepath has no right answer.
func init() {
	register(30, "gpmtud", func(_ *netlab.Lab, report func(row)) error {
		mtus := []int{1500, 1400, 1300, 1500}
		delays := []time.Duration{2 * time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond}
		for _, blackHole := range []bool{false, true} {
			l, err := netlab.New()
			if err != nil {
				return err
			}
			defer l.Close()
			c, err := l.NewChain(netlab.ChainConfig{Routers: 3, MTU: mtus, Delay: delays})
			if err != nil {
				return err
			}
			if blackHole {
				if err := c.Routers[1].DropFragNeeded(); err != nil {
					return err
				}
			}
			count, err := packetCounter(c.H1, "meta l4proto udp")
			if err != nil {
				return err
			}
			dst := c.H2Addr4()
			peer := []string{"tracepath", "-n", dst}
			if blackHole {
				peer = []string{"tracepath", "-n", "-m", "6", dst}
			}
			labrun.Run(c.H1, 5*time.Second, "ip", "route", "flush", "cache")
			tp := labrun.Run(c.H1, 3*time.Minute, peer...)
			tpProbes, err := count()
			if err != nil {
				return err
			}
			labrun.Run(c.H1, 5*time.Second, "ip", "route", "flush", "cache")
			ours := labrun.Run(c.H1, time.Minute, "gpmtud", dst)
			ourProbes, err := count()
			if err != nil {
				return err
			}
			om, tm := gpmtudAnswer.FindStringSubmatch(ours.Output), tracepathAnswer.FindStringSubmatch(tp.Output)
			if om == nil || tm == nil {
				return fmt.Errorf("no answer: gpmtud %v %q, tracepath %v %q", ours.Err, ours.Output, tp.Err, tp.Output)
			}
			what := "normal path"
			if blackHole {
				what = "black hole"
			}
			note := fmt.Sprintf("answers: gpmtud %s, tracepath %s (true 1300)", om[1], tm[1])
			report(row{Measure: what + ": wall time to the answer", Ours: float64(ours.Elapsed) / 1e6, Peer: float64(tp.Elapsed) / 1e6, PeerCmd: strings.Join(peer[:len(peer)-1], " "), Unit: "ms", Note: note})
			report(row{Measure: what + ": UDP probes sent", Ours: float64(ourProbes), Peer: float64(tpProbes), PeerCmd: strings.Join(peer[:len(peer)-1], " "), Unit: "probes", Note: note})
		}
		return nil
	})
}

package main

import (
	"fmt"
	"regexp"
	"slices"
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

// Wall time of a trace run right after another at the routers' default
// ICMP rate limits (and where each tool puts the destination), beside
// traceroute; then, rate limits off, a whole trace through three routers,
// the middle one silent, gtraceroute beside traceroute -q1 and mtr -r -c1,
// and three queries per hop beside traceroute's default.
func init() {
	register(20, "gtraceroute", func(l *netlab.Lab, report func(row)) error {
		c, err := l.NewChain(netlab.ChainConfig{Routers: 3})
		if err != nil {
			return err
		}
		// This runs first, while the chain has the kernel's defaults.
		if err := afterAnotherTrace(c, report); err != nil {
			return err
		}
		return silentHop(c, report)
	})
}

// afterAnotherTrace times a trace right after another, every node at the
// kernel's default ICMP rate limits: the first trace drained the buckets.
func afterAnotherTrace(c *netlab.Chain, report func(row)) error {
	drained := func(argv ...string) (time.Duration, string, error) {
		time.Sleep(7 * time.Second) // full buckets
		labrun.Run(c.H1, time.Minute, argv...)
		r := labrun.Run(c.H1, time.Minute, argv...)
		return r.Elapsed, r.Output, r.Err
	}
	oursD, outD, err := drained("gtraceroute", "-n", c.H2Addr4())
	if err != nil {
		return err
	}
	peerD, outPeerD, err := drained("traceroute", "-n", c.H2Addr4())
	if err != nil {
		return err
	}
	report(row{Measure: "right after another trace, default ICMP rate limits: wall time", Ours: float64(oursD) / 1e6, Peer: float64(peerD) / 1e6, PeerCmd: "traceroute -n", Unit: "ms",
		Note: fmt.Sprintf("destination at hop: ours %s, traceroute %s (true: 4)", destHop(outD), destHop(outPeerD))})
	return nil
}

// silentHop times traces through a chain whose second router sends no
// time exceeded, rate limits off so every tool can get every answer.
func silentHop(c *netlab.Chain, report func(row)) error {
	for _, ns := range append([]*netlab.NS{c.H2}, c.Routers...) {
		if err := netlab.NoICMPRateLimit(ns); err != nil {
			return err
		}
	}
	if err := c.Routers[1].DropTimeExceeded(); err != nil {
		return err
	}
	dst := c.H2Addr4()
	labrun.Run(c.H1, 5*time.Second, "ping", "-c", "1", dst)
	// Each command's median over interleaved runs: the machine's load
	// changes while the benchmark runs, and falls on all tools alike.
	ours1, traceroute1, mtr1 := []string{"gtraceroute", "-n", "-q", "1", dst}, []string{"traceroute", "-n", "-q", "1", dst}, []string{"mtr", "-r", "-n", "-c", "1", dst}
	// `true` is what starting any command in the lab costs (ip netns
	// exec), in every figure alike.
	med, outs, err := interleaved(c.H1, 21, ours1, traceroute1, []string{"true"})
	if err != nil {
		return err
	}
	medMtr, outMtr, err := interleaved(c.H1, 3, mtr1)
	if err != nil {
		return err
	}
	for i, peer := range [][]string{traceroute1, mtr1} {
		t, out, n := med[1], outs[1], 21
		if i == 1 {
			t, out, n = medMtr[0], outMtr[0], 3
		}
		if traceAnswer(out) != traceAnswer(outs[0]) {
			return fmt.Errorf("different answers:\n%s\n%s", outs[0], out)
		}
		note := "same hops: " + traceAnswer(out)
		if i == 0 {
			note += "; " + netOfLauncher(med[0], t, med[2])
		}
		report(row{Measure: fmt.Sprintf("one silent hop, 1 query per hop: wall time (median of %d)", n), Ours: float64(med[0]) / 1e6, Peer: float64(t) / 1e6, PeerCmd: strings.Join(peer[:len(peer)-1], " "), Unit: "ms",
			Note: note})
	}
	med, outs, err = interleaved(c.H1, 21, []string{"gtraceroute", "-n", dst}, []string{"traceroute", "-n", dst}, []string{"true"})
	if err != nil {
		return err
	}
	if traceAnswer(outs[1]) != traceAnswer(outs[0]) {
		return fmt.Errorf("different answers:\n%s\n%s", outs[0], outs[1])
	}
	report(row{Measure: "one silent hop, 3 queries per hop: wall time (median of 21)", Ours: float64(med[0]) / 1e6, Peer: float64(med[1]) / 1e6, PeerCmd: "traceroute -n", Unit: "ms", Note: "same hops; " + netOfLauncher(med[0], med[1], med[2])})
	return nil
}

var lastHopRE = regexp.MustCompile(`(?m)^\s*(\d+) `)

// destHop is the number of traceroute's last hop line.
func destHop(out string) string {
	m := lastHopRE.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "none"
	}
	return m[len(m)-1][1]
}

// interleaved runs the commands in turn, runs times each, and returns each
// one's median wall time and last output.
func interleaved(ns *netlab.NS, runs int, cmds ...[]string) ([]time.Duration, []string, error) {
	times := make([][]time.Duration, len(cmds))
	outs := make([]string, len(cmds))
	for range runs {
		for i, argv := range cmds {
			r := labrun.Run(ns, time.Minute, argv...)
			if r.Err != nil {
				return nil, nil, fmt.Errorf("%v: %v\n%s", argv, r.Err, r.Output)
			}
			times[i] = append(times[i], r.Elapsed)
			outs[i] = r.Output
		}
	}
	med := make([]time.Duration, len(cmds))
	for i, ts := range times {
		slices.Sort(ts)
		med[i] = ts[len(ts)/2]
	}
	return med, outs, nil
}

// netOfLauncher notes both times without what starting a command in the
// lab costs, and their ratio then.
func netOfLauncher(ours, peer, launcher time.Duration) string {
	o, p := ours-launcher, peer-launcher
	if o <= 0 || p <= 0 {
		return "launcher " + launcher.String()
	}
	return fmt.Sprintf("less %.1f ms to start any command in the lab: %.1f vs %.1f ms, %.2fx", float64(launcher)/1e6, float64(o)/1e6, float64(p)/1e6, float64(p)/float64(o))
}

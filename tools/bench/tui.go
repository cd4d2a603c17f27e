package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// The full-screen views' cost (issue 17 asks for under 5% of one core):
// the CPU time a 30-hop gtraceroute --live and a 5-host gping --graph use
// over 10 seconds on a pseudo-terminal, after 3 seconds to settle, beside
// mtr --curses on the same path. Both probe once a second, as mtr does.
func init() {
	register(25, "tui", func(l *netlab.Lab, report func(row)) error {
		c, err := l.NewChain(netlab.ChainConfig{Routers: 29, NoICMPRateLimit: true})
		if err != nil {
			return err
		}
		if err := netlab.NoICMPRateLimit(c.H2); err != nil {
			return err
		}
		ours, after, err := cpuShare(c.H1, labrun.Tool("gtraceroute"), "--live", "-n", c.H2Addr4())
		if err != nil {
			return err
		}
		// The report printed on q: the trace reached the 30th hop.
		if !strings.Contains(after, " 30.|-- "+c.H2Addr4()) {
			return fmt.Errorf("--live did not show 30 hops; after q:\n%s", after)
		}
		peer, _, err := cpuShare(c.H1, "mtr", "--curses", "-n", c.H2Addr4())
		if err != nil {
			return err
		}
		report(row{Measure: "--live, 30 hops, 10 s: CPU of one core", Ours: ours, Peer: peer, PeerCmd: "mtr --curses -n", Unit: "%"})
		hosts := []string{c.H2Addr4(), c.H2Addr6(), c.RouterAddr4(1), c.RouterAddr4(10), c.RouterAddr4(20)}
		ours, _, err = cpuShare(c.H1, labrun.Tool("gping"), append([]string{"--graph"}, hosts...)...)
		if err != nil {
			return err
		}
		report(row{Measure: "--graph, 5 hosts, 10 s: CPU of one core", Ours: ours, Peer: peer, PeerCmd: "mtr --curses -n", Unit: "%", Note: "peer: the 30-hop mtr above"})
		return nil
	})
}

// cpuShare runs argv in ns on a 100x40 pty and returns the share of one
// core (user and system time, in %) it used over 10 seconds, after 3, and
// the screen after it was quit with q.
func cpuShare(ns *netlab.NS, name string, args ...string) (float64, string, error) {
	p, err := ns.StartPty(context.Background(), 100, 40, nil, name, args...)
	if err != nil {
		return 0, "", err
	}
	defer p.Close()
	time.Sleep(3 * time.Second)
	before, err := cpuTicks(p.Pid())
	if err != nil {
		return 0, "", err
	}
	start := time.Now()
	time.Sleep(10 * time.Second)
	after, err := cpuTicks(p.Pid())
	if err != nil {
		return 0, "", err
	}
	el := time.Since(start).Seconds()
	_ = p.Send("q")
	_, _ = p.Wait(5 * time.Second)
	screen, _, _ := p.Screen()
	return float64(after-before) / ticksPerSecond / el * 100, screen, nil
}

// ticksPerSecond is USER_HZ, what /proc/PID/stat counts in (100 on Linux).
const ticksPerSecond = 100

// cpuTicks is utime + stime of pid, /proc/PID/stat's fields 14 and 15.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	return u + st, nil
}

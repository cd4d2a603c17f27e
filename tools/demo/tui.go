package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// The full-screen views, each run for a few seconds on a pseudo-terminal
// of 100x30 and ended with q: its last frame, then what it printed after.
func init() {
	cfg := netlab.ChainConfig{Routers: 3, Delay: []time.Duration{0, time.Millisecond, 0, 5 * time.Millisecond}, NoICMPRateLimit: true}
	registerChain(80, "gping --graph and gtraceroute --live: three routers (1 ms one-way on link 2, 5 ms on link 4, r3 silent), on a 100x30 pty for 8 s each, then q", cfg, func(c *netlab.Chain) error {
		if err := netlab.NoICMPRateLimit(c.H2); err != nil {
			return err
		}
		if err := c.Routers[2].DropTimeExceeded(); err != nil {
			return err
		}
		if err := showView(c.H1, "gping", "--graph", "-i", "0.2", c.H2Addr4(), c.H2Addr6(), c.RouterAddr4(2)); err != nil {
			return err
		}
		return showView(c.H1, "gtraceroute", "--live", "-n", c.H2Addr4())
	})
}

// showView runs a full-screen tool for 8 seconds, quits it with q, and
// prints its last frame and the screen it left.
func showView(ns *netlab.NS, tool string, args ...string) error {
	fmt.Printf("$ %s %s    (8 s, then q)\n", tool, strings.Join(args, " "))
	p, err := ns.StartPty(context.Background(), 100, 30, nil, labrun.Tool(tool), args...)
	if err != nil {
		return err
	}
	defer p.Close()
	time.Sleep(8 * time.Second)
	if err := p.Send("q"); err != nil {
		return err
	}
	code, err := p.Wait(10 * time.Second)
	if err != nil {
		return err
	}
	screen, last, _ := p.Screen()
	fmt.Printf("---- its last frame:\n%s---- then on the terminal (exit status %d):\n%s\n", trimBlank(last), code, trimBlank(screen))
	return nil
}

// trimBlank drops the blank rows at the end of a screen.
func trimBlank(s string) string { return strings.TrimRight(s, "\n") + "\n" }

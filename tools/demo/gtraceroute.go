package main

import (
	"fmt"
	"os"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	register(20, "gtraceroute: beside traceroute through three routers (UDP, ICMP, TCP), a silent router, a 1400-byte link with DF, an mtr-style report", func(l *netlab.Lab) error {
		c, err := l.NewChain(netlab.ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1500, 1500}, NoICMPRateLimit: true})
		if err != nil {
			return err
		}
		if err := netlab.NoICMPRateLimit(c.H2); err != nil {
			return err
		}
		show := func(args ...string) { labrun.Show(os.Stdout, c.H1, time.Minute, args...) }
		show("traceroute", "-n", c.H2Addr4())
		show("gtraceroute", "-n", c.H2Addr4())
		show("gtraceroute", "-n", "-I", c.H2Addr6())
		show("gtraceroute", "-n", "-T", "-p", "22", c.H2Addr4())
		labrun.Run(c.H1, 5*time.Second, "ip", "route", "flush", "cache")
		show("gtraceroute", "-n", "-F", c.H2Addr4(), "1500")
		fmt.Println("# r2 stops sending time-exceeded:")
		if err := c.Routers[1].DropTimeExceeded(); err != nil {
			return err
		}
		show("traceroute", "-n", c.H2Addr4())
		show("gtraceroute", "-n", c.H2Addr4())
		show("gtraceroute", "--report", "-c", "3", "-n", c.H2Addr4())
		show("gtraceroute", "--json", "-n", "-q", "1", c.H2Addr4())
		return nil
	})
}

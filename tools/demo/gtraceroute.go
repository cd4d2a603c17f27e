package main

import (
	"fmt"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	registerChain(20, "gtraceroute: beside traceroute through three routers (UDP, ICMP, TCP), a trace right after another at default ICMP rate limits, a silent router, a 1400-byte link with DF, an mtr-style report", netlab.ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1500, 1500}}, func(c *netlab.Chain) error {
		show := shower(c.H1, time.Minute)
		fmt.Println("# default ICMP rate limits (a burst of 6, then 1 a second): each tool twice in a row")
		show("gtraceroute", "-n", c.H2Addr4())
		show("gtraceroute", "-n", c.H2Addr4())
		time.Sleep(7 * time.Second) // refill the buckets
		show("traceroute", "-n", c.H2Addr4())
		show("traceroute", "-n", c.H2Addr4())
		fmt.Println("# rate limits off from here on")
		for _, ns := range append([]*netlab.NS{c.H2}, c.Routers...) {
			if err := netlab.NoICMPRateLimit(ns); err != nil {
				return err
			}
		}
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

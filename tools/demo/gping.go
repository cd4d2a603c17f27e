package main

import (
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	registerChain(10, "gping: beside ping through three routers (link 2 has MTU 1400): replies, TTL exceeded, frag needed, several hosts, JSON", netlab.ChainConfig{Routers: 3, MTU: []int{1500, 1400, 1500, 1500}, NoICMPRateLimit: true}, func(c *netlab.Chain) error {
		show := shower(c.H1, 30*time.Second)
		for _, tool := range []string{"ping", "gping"} {
			show(tool, "-c", "3", "-i", "0.2", c.H2Addr4())
		}
		for _, tool := range []string{"ping", "gping"} {
			show(tool, "-c", "2", "-i", "0.2", "-t", "2", c.H2Addr6())
		}
		for _, tool := range []string{"ping", "gping"} {
			labrun.Run(c.H1, 5*time.Second, "ip", "route", "flush", "cache")
			show(tool, "-c", "1", "-M", "do", "-s", "1472", c.H2Addr4())
		}
		show("gping", "-c", "2", "-i", "0.2", c.H2Addr4(), c.H2Addr6(), c.RouterAddr4(2))
		show("gping", "--json", "-c", "2", "-i", "0.2", c.H2Addr4())
		return nil
	})
}

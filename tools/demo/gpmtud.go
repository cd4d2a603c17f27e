package main

import (
	"fmt"
	"os"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	mtus := []int{1500, 1400, 1300, 1500}
	registerChain(30, "gpmtud: path MTU over links of 1500/1400/1300/1500 bytes, beside tracepath; then with the 1300-byte link's router dropping its frag-needed (an ICMP black hole)", netlab.ChainConfig{Routers: 3, MTU: mtus}, func(c *netlab.Chain) error {
		dst := c.H2Addr4()
		show := shower(c.H1, 30*time.Second)
		show("tracepath", "-n", dst)
		labrun.Run(c.H1, 5*time.Second, "ip", "route", "flush", "cache")
		show("gpmtud", "-v", dst)
		show("gpmtud", "--hops", "-n", c.H2Addr6())
		show("gpmtud", "-s", "1472", dst)

		fmt.Println("# A black hole: r2, in front of the 1300-byte link, drops its frag-needed / packet-too-big.")
		l2, err := netlab.New()
		if err != nil {
			return err
		}
		defer l2.Close()
		b, err := l2.NewChain(netlab.ChainConfig{Routers: 3, MTU: mtus})
		if err != nil {
			return err
		}
		if err := b.Routers[1].DropFragNeeded(); err != nil {
			return err
		}
		show = shower(b.H1, 60*time.Second)
		labrun.Show(os.Stdout, b.H1, 30*time.Second, "tracepath", "-n", "-m", "4", b.H2Addr4())
		show("gpmtud", "-v", b.H2Addr4())
		show("gpmtud", "--hops", "-n", b.H2Addr4())
		return nil
	})
}

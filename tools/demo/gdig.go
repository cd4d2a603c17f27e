package main

import (
	"time"

	"gnetutils/pkg/netlab"
)

func init() {
	register(50, "gdig: a lab DNS hierarchy (nsd), dig @server beside gdig @server, iterative resolution from the lab root, +trace through a glueless delegation", func(l *netlab.Lab) error {
		d, hints, err := l.NewStandardDNS()
		if err != nil {
			return err
		}
		show := shower(d.Client, 30*time.Second)
		auth := "@" + d.Servers["auth"].Addr4
		show("dig", "+nocookie", auth, "www.example.lab")
		show("gdig", auth, "www.example.lab")
		show("gdig", "--root-hints", hints, "alias.example.lab")
		show("dig", "+trace", "+nodnssec", "@"+d.Servers["root1"].Addr4, "www.nogl.lab")
		show("gdig", "--root-hints", hints, "+trace", "www.nogl.lab")
		show("gdig", "--root-hints", hints, "+short", "example.lab", "MX")
		show("gdig", "--root-hints", hints, "--json", "www.example.lab", "AAAA")
		return nil
	})
}

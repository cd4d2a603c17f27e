package main

import (
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

func init() {
	register(40, "garp: beside arping and arp-scan on a bridged segment of 6 hosts; the neighbour cache", func(l *netlab.Lab) error {
		s, err := l.NewSegment(netlab.SegmentConfig{Hosts: 6})
		if err != nil {
			return err
		}
		h := s.Hosts[0]
		show := shower(h, time.Minute)
		show("arping", "-c", "2", "-I", "eth0", s.Addr4(1))
		show("garp", "-c", "2", "-I", "eth0", s.Addr4(1))
		show("garp", "-D", "-c", "1", "-I", "eth0", s.Addr4(2))
		show("arp-scan", "-I", "eth0", "198.19.0.0/24")
		show("garp", "--scan", "198.19.0.0/24", "-I", "eth0")
		labrun.Run(h, 5*time.Second, "ping", "-c", "1", s.Addr4(3))
		show("ip", "neigh")
		show("garp", "--cache")
		return nil
	})
}

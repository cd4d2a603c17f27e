package main

import (
	"fmt"
	"time"

	"gnetutils/pkg/netlab"
)

func init() {
	register(51, "gdig +validate: a signed lab (ldns-signzone, nsd), a secure, an insecure and a bogus name, each beside delv and a validating unbound with the lab's trust anchor", func(l *netlab.Lab) error {
		www := []string{"www IN A 192.0.2.80"}
		zone := func(origin string) netlab.Zone {
			return netlab.Zone{Origin: origin, Servers: []string{"auth"}, Records: www}
		}
		s, err := l.NewSignedDNS(netlab.SignedDNSConfig{Servers: []string{"root", "tld", "auth"}, Zones: []netlab.SignedZone{
			{Zone: zone("example.lab.")},
			{Zone: zone("unsigned.lab."), Unsigned: true},
			{Zone: zone("expired.lab."), Expired: true},
		}})
		if err != nil {
			return err
		}
		conf, err := s.WriteUnboundConf(s.Dir)
		if err != nil {
			return err
		}
		show := shower(s.Client, 30*time.Second)
		show("cat", s.Anchor)
		if _, err := serve(s.Client, "unbound", "-d", "-c", conf); err != nil {
			return err
		}
		if err := s.Client.WaitTCP("127.0.0.1:53", 5*time.Second); err != nil {
			return fmt.Errorf("unbound: %v", err)
		}
		for _, name := range []string{"www.example.lab", "www.unsigned.lab", "www.expired.lab"} {
			show("gdig", "--root-hints", s.Hints, "--trust-anchor", s.Anchor, "+validate", "+noall", "+comments", "+answer", name)
			show("delv", "@127.0.0.1", "-a", s.BindKeys, "+root=.", name)
			show("dig", "@127.0.0.1", "+noall", "+comments", "+answer", name)
		}
		return nil
	})
}

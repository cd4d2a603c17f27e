package main

import (
	"fmt"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// Validated cold resolution of the signed lab cases: a lab root, lab. and
// below it an NSEC zone, an NSEC3 zone and an unsigned zone, signed with
// ldns-signzone and served by NSD. gdig +validate from the lab's trust
// anchor beside a validating unbound with the same anchor, restarted
// before every case: the queries sent to the lab servers and the wall
// time of the whole command.
func init() {
	register(55, "gdig-dnssec", func(l *netlab.Lab, report func(row)) error {
		s, err := signedLab(l)
		if err != nil {
			return err
		}
		c, hints, anchor := s.Client, s.Hints, s.Anchor
		count, err := packetCounter(c, `oifname != "lo" udp dport 53`)
		if err != nil {
			return err
		}
		// Neighbour discovery on the segment is not a resolver's cost:
		// the first case would pay it alone.
		for i := range 3 {
			labrun.Run(c, 10*time.Second, "dig", "+norecurse", fmt.Sprintf("@198.19.0.%d", i+2), "lab.", "SOA")
		}
		conf, err := s.WriteUnboundConf(s.Dir)
		if err != nil {
			return err
		}
		for _, q := range [][]string{{"www.example.lab", "A"}, {"nothere.example.lab", "A"}, {"www.nsec3.lab", "A"}, {"nothere.nsec3.lab", "A"}, {"www.unsigned.lab", "A"}} {
			srv, err := startUnbound(c, conf)
			if err != nil {
				return err
			}
			if _, err := count(); err != nil {
				return err
			}
			peer := labrun.Run(c, 30*time.Second, "dig", "+noall", "+comments", "@127.0.0.1", q[0], q[1])
			peerQ, err := count()
			if err != nil {
				return err
			}
			srv.Process.Kill()
			srv.Wait()
			ours := labrun.Run(c, 30*time.Second, "gdig", "--root-hints", hints, "--trust-anchor", anchor, "+validate", "+noall", "+comments", q[0], q[1])
			oursQ, err := count()
			if err != nil {
				return err
			}
			if ours.Err != nil || peer.Err != nil {
				return fmt.Errorf("%v: gdig %v, dig @unbound %v", q, ours.Err, peer.Err)
			}
			name := strings.Join(q, " ")
			note := verdictNote(ours.Output, peer.Output)
			report(row{Measure: name + ": queries, validated, cold", Ours: float64(oursQ), Peer: float64(peerQ), PeerCmd: "validating unbound (restarted)", Unit: "queries", Note: note})
			report(row{Measure: name + ": wall time, validated, cold", Ours: float64(ours.Elapsed) / 1e6, Peer: float64(peer.Elapsed) / 1e6, PeerCmd: "dig @validating unbound (restarted)", Unit: "ms", Note: "whole command"})
		}
		return nil
	})
}

// verdictNote says whether both saw the same verdict: AD on both (secure)
// or on neither.
func verdictNote(ours, peer string) string {
	ad := func(s string) bool { return strings.Contains(s, " ad;") || strings.Contains(s, " ad ") }
	switch {
	case ad(ours) && ad(peer):
		return "both secure (AD)"
	case !ad(ours) && !ad(peer):
		return "both without AD"
	}
	return "VERDICTS DIFFER"
}

// signedLab builds the signed hierarchy: root and tld servers, auth
// serving example.lab. (NSEC), nsec3.lab. (NSEC3) and unsigned.lab.
func signedLab(l *netlab.Lab) (*netlab.SignedDNS, error) {
	www := []string{"www IN A 192.0.2.80", "mail IN A 192.0.2.25", "@ IN MX 10 mail"}
	zone := func(origin string) netlab.Zone {
		return netlab.Zone{Origin: origin, Servers: []string{"auth"}, Records: www}
	}
	return l.NewSignedDNS(netlab.SignedDNSConfig{Servers: []string{"root", "tld", "auth"}, Zones: []netlab.SignedZone{
		{Zone: zone("example.lab.")},
		{Zone: zone("nsec3.lab."), NSEC3: "-n -t 0"},
		{Zone: zone("unsigned.lab."), Unsigned: true},
	}})
}

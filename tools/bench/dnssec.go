package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
		dir, err := os.MkdirTemp("", "gnetbench-dnssec-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		d, hints, anchor, err := signedLab(l, dir)
		if err != nil {
			return err
		}
		c := d.Client
		count, err := packetCounter(c, `oifname != "lo" udp dport 53`)
		if err != nil {
			return err
		}
		// Neighbour discovery on the segment is not a resolver's cost:
		// the first case would pay it alone.
		for i := range 3 {
			labrun.Run(c, 10*time.Second, "dig", "+norecurse", fmt.Sprintf("@198.19.0.%d", i+2), "lab.", "SOA")
		}
		conf := filepath.Join(dir, "unbound.conf")
		if err := writeFile(conf, validatingUnboundConf(dir, hints, anchor)); err != nil {
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
func signedLab(l *netlab.Lab, dir string) (*netlab.DNS, string, string, error) {
	servers := []string{"root", "tld", "auth"}
	glue := func(n string, i int) string { return fmt.Sprintf("%s.ns.lab. IN A 198.19.0.%d", n, i+2) }
	www := []string{"www IN A 192.0.2.80", "mail IN A 192.0.2.25", "@ IN MX 10 mail"}
	var zones []netlab.Zone
	var labDS []string
	for _, c := range []struct{ origin, flags string }{{"example.lab.", ""}, {"nsec3.lab.", "-n -t 0"}, {"unsigned.lab.", "none"}} {
		if c.flags == "none" {
			zones = append(zones, netlab.Zone{Origin: c.origin, Servers: []string{"auth"}, Records: www})
			continue
		}
		recs, ds, err := signZone(dir, c.origin, "auth", c.flags, www)
		if err != nil {
			return nil, "", "", err
		}
		zones = append(zones, netlab.Zone{Origin: c.origin, Servers: []string{"auth"}, Records: recs})
		labDS = append(labDS, ds)
	}
	labRecs := []string{"example IN NS auth.ns.lab.", "nsec3 IN NS auth.ns.lab.", "unsigned IN NS auth.ns.lab."}
	for i, s := range servers {
		labRecs = append(labRecs, glue(s, i))
	}
	recs, labKSK, err := signZone(dir, "lab.", "tld", "", append(labRecs, labDS...))
	if err != nil {
		return nil, "", "", err
	}
	zones = append(zones, netlab.Zone{Origin: "lab.", Servers: []string{"tld"}, Records: recs})
	recs, rootDS, err := signZone(dir, ".", "root", "", []string{"lab. IN NS tld.ns.lab.", glue("root", 0), glue("tld", 1), labKSK})
	if err != nil {
		return nil, "", "", err
	}
	zones = append(zones, netlab.Zone{Origin: ".", Servers: []string{"root"}, Records: recs})
	d, err := l.NewDNS(netlab.DNSConfig{Servers: servers, Zones: zones})
	if err != nil {
		return nil, "", "", err
	}
	hints, anchor := filepath.Join(dir, "root.hints"), filepath.Join(dir, "anchor.ds")
	if err := writeFile(hints, d.RootHints()); err != nil {
		return nil, "", "", err
	}
	return d, hints, anchor, writeFile(anchor, rootDS+"\n")
}

// signZone signs origin's lab zone file (the SOA and NS the lab writes,
// and recs) with a fresh ECDSAP256SHA256 KSK and ZSK, and returns the
// signed records less that SOA and NS, and the KSK's DS.
func signZone(dir, origin, server, flags string, recs []string) ([]string, string, error) {
	keygen := func(ksk bool) (string, error) {
		args := []string{"-a", "ECDSAP256SHA256"}
		if ksk {
			args = append(args, "-k")
		}
		cmd := exec.Command("ldns-keygen", append(args, origin)...)
		cmd.Dir = dir
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	ksk, err := keygen(true)
	if err != nil {
		return nil, "", fmt.Errorf("ldns-keygen: %v", err)
	}
	zsk, err := keygen(false)
	if err != nil {
		return nil, "", fmt.Errorf("ldns-keygen: %v", err)
	}
	text := fmt.Sprintf("$ORIGIN %s\n$TTL 3600\n@ IN SOA %s.ns.lab. hostmaster.lab. 1 3600 600 86400 300\n@ IN NS %s.ns.lab.\n%s\n", origin, server, server, strings.Join(recs, "\n"))
	file := filepath.Join(dir, "z"+strings.TrimSuffix(origin, ".")+".zone")
	if err := writeFile(file, text); err != nil {
		return nil, "", err
	}
	args := append([]string{"-f", file + ".signed", "-o", origin}, strings.Fields(flags)...)
	cmd := exec.CommandContext(context.Background(), "ldns-signzone", append(args, file, ksk, zsk)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("ldns-signzone: %v: %s", err, out)
	}
	signed, err := os.ReadFile(file + ".signed")
	if err != nil {
		return nil, "", err
	}
	var out []string
	for _, line := range strings.Split(string(signed), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || strings.HasPrefix(line, ";") || f[3] == "SOA" || (f[3] == "NS" && strings.EqualFold(f[0], origin)) {
			continue
		}
		out = append(out, line)
	}
	ds, err := os.ReadFile(filepath.Join(dir, ksk+".ds"))
	return out, strings.TrimSpace(string(ds)), err
}

// validatingUnboundConf is unbound validating from the lab's anchor, on
// IPv4 as the gdig benchmark's unbound.
func validatingUnboundConf(dir, hints, anchor string) string {
	return fmt.Sprintf("server:\n  interface: 127.0.0.1\n  port: 53\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  directory: %q\n  pidfile: %q\n  root-hints: %q\n  trust-anchor-file: %q\n  module-config: \"validator iterator\"\n  use-syslog: no\n  logfile: %q\n  access-control: 127.0.0.0/8 allow\n  trust-anchor-signaling: no\n  root-key-sentinel: no\nremote-control:\n  control-enable: no\n",
		dir, filepath.Join(dir, "unbound.pid"), hints, anchor, filepath.Join(dir, "unbound.log"))
}

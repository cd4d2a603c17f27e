package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
	"gnetutils/pkg/stats"
)

// Cold-cache resolution of the lab cases from the lab root: queries sent
// (an nft counter on the client's DNS packets to the lab servers) and wall
// time, gdig beside unbound restarted before every lookup, both with QNAME
// minimisation on (their defaults), 3 runs of each case (the servers are
// picked at random). unbound keeps to IPv4 (do-ip6: no), where it asks
// least: with IPv6 on it also looks up every name server's AAAA. gdig runs
// as a user would run it, on both families.
func init() {
	register(50, "gdig", func(l *netlab.Lab, report func(row)) error {
		var extra []string
		for i := 0; i < batchNames; i++ {
			extra = append(extra, fmt.Sprintf("h%d IN A 192.0.2.%d", i, i%250+1))
		}
		d, hints, err := l.NewStandardDNS(extra...)
		if err != nil {
			return err
		}
		c := d.Client
		// Every query that leaves the client for a lab server, over IPv4 or
		// IPv6 (both tools may pick a root's IPv6 address): not dig's to
		// unbound on loopback. No case here is answered over TCP.
		count, err := packetCounter(c, `oifname != "lo" udp dport 53`)
		if err != nil {
			return err
		}
		conf := filepath.Join(filepath.Dir(hints), "unbound.conf")
		if err := writeUnboundConf(conf, hints); err != nil {
			return err
		}
		for _, q := range [][]string{{"www.example.lab", "A"}, {"alias.example.lab", "A"}, {"www.nogl.lab", "A"}, {"example.lab", "MX"}} {
			if err := coldCase(c, conf, hints, count, q, report); err != nil {
				return err
			}
		}
		return batch(c, conf, hints, count, report)
	})
}

// batchNames is how many names the batch benchmark resolves.
const batchNames = 10000

// coldRuns is how many times each cold case is run.
const coldRuns = 3

// coldCase resolves q (name and type) coldRuns times with unbound, started
// afresh each time, and then with gdig, counting the queries each sends:
// the mean count and the median wall time.
func coldCase(c *netlab.NS, conf, hints string, count func() (int, error), q []string, report func(row)) error {
	var oursQ, peerQ int
	var oursT, peerT []time.Duration
	for range coldRuns {
		srv, err := startUnbound(c, conf)
		if err != nil {
			return err
		}
		if _, err := count(); err != nil {
			return err
		}
		peer := labrun.Run(c, 30*time.Second, "dig", "+short", "@127.0.0.1", q[0], q[1])
		n, err := count()
		if err != nil {
			return err
		}
		peerQ += n
		srv.Process.Kill()
		srv.Wait()
		ours := labrun.Run(c, 30*time.Second, "gdig", "--root-hints", hints, "+short", q[0], q[1])
		if n, err = count(); err != nil {
			return err
		}
		oursQ += n
		if strings.TrimSpace(ours.Output) != strings.TrimSpace(peer.Output) {
			return fmt.Errorf("%v: gdig %q, unbound %q", q, ours.Output, peer.Output)
		}
		oursT, peerT = append(oursT, ours.Elapsed), append(peerT, peer.Elapsed)
	}
	name := strings.Join(q, " ")
	report(row{Measure: name + ": queries sent, cold cache, QNAME minimisation on", Ours: float64(oursQ) / coldRuns, Peer: float64(peerQ) / coldRuns,
		PeerCmd: "unbound (restarted)", Unit: "queries", Note: fmt.Sprintf("mean of %d; same answer", coldRuns)})
	report(row{Measure: name + ": wall time, cold cache", Ours: percentileMs(oursT, 50), Peer: percentileMs(peerT, 50), PeerCmd: "dig @unbound (restarted)", Unit: "ms",
		Note: fmt.Sprintf("whole command, median of %d", coldRuns)})
	return nil
}

// percentileMs is the p-th percentile of ds, in milliseconds.
func percentileMs(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(stats.Percentile(s, p)) / 1e6
}

// batch resolves every name once, cold caches, the default concurrency
// (64): gdig resolving iteratively beside unbound resolving for gdig as a
// stub (one client, so only the resolvers differ).
func batch(c *netlab.NS, conf, hints string, count func() (int, error), report func(row)) error {
	var names strings.Builder
	for i := 0; i < batchNames; i++ {
		fmt.Fprintf(&names, "h%d.example.lab\n", i)
	}
	list := filepath.Join(filepath.Dir(hints), "names")
	if err := writeFile(list, names.String()); err != nil {
		return err
	}
	if _, err := count(); err != nil {
		return err
	}
	ours := labrun.Run(c, 5*time.Minute, "gdig", "--root-hints", hints, "+short", "-f", list)
	oursQ, err := count()
	if err != nil {
		return err
	}
	srv, err := startUnbound(c, conf)
	if err != nil {
		return err
	}
	peer := labrun.Run(c, 5*time.Minute, "gdig", "@127.0.0.1", "+short", "-f", list)
	srv.Process.Kill()
	srv.Wait()
	peerQ, err := count()
	if err != nil {
		return err
	}
	if ours.Err != nil || peer.Err != nil {
		return fmt.Errorf("batch: gdig %v, via unbound %v", ours.Err, peer.Err)
	}
	if ours.Output != peer.Output || strings.Count(ours.Output, "\n") != batchNames {
		return fmt.Errorf("batch answers differ or are missing (%d vs %d lines)", strings.Count(ours.Output, "\n"), strings.Count(peer.Output, "\n"))
	}
	report(row{Measure: fmt.Sprintf("batch of %d names, concurrency 64: names/s", batchNames), Ours: batchNames / ours.Elapsed.Seconds(), Peer: batchNames / peer.Elapsed.Seconds(),
		PeerCmd: "unbound (gdig as its stub)", Unit: "names/s", HigherIsBetter: true,
		Note: fmt.Sprintf("same answers, cold caches; queries sent: gdig %d, unbound %d", oursQ, peerQ)})
	return nil
}

// startUnbound starts unbound in ns with conf and waits until it answers
// on loopback.
func startUnbound(ns *netlab.NS, conf string) (*exec.Cmd, error) {
	srv := ns.Command(context.Background(), "unbound", "-d", "-c", conf)
	if err := ns.Start(srv); err != nil {
		return nil, err
	}
	return srv, ns.WaitTCP("127.0.0.1:53", 5*time.Second)
}

func writeUnboundConf(path, hints string) error {
	dir := filepath.Dir(path)
	conf := fmt.Sprintf("server:\n  interface: 127.0.0.1\n  port: 53\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n  directory: %q\n  pidfile: %q\n  root-hints: %q\n  module-config: \"iterator\"\n  use-syslog: no\n  logfile: %q\n  access-control: 127.0.0.0/8 allow\n  do-ip6: no\nremote-control:\n  control-enable: no\n",
		dir, filepath.Join(dir, "unbound.pid"), hints, filepath.Join(dir, "unbound.log"))
	return writeFile(path, conf)
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o644) }

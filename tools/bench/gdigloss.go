package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gnetutils/pkg/labrun"
	"gnetutils/pkg/netlab"
)

// The lab hierarchy with 20% of the datagrams lost at random (seeded) on
// every authoritative server's link, each way: how many lookups are
// answered right, and how long each takes, gdig (one process per lookup,
// so each is cold) beside unbound restarted before each round. A round
// looks every case up at once, gdig's then unbound's; unbound gets 10 s
// per lookup (dig +time=10 +tries=1), gdig's own deadline. A lookup that
// fails counts with the time it took to fail, except in the last row,
// which times the lookups each answered.
func init() {
	register(51, "gdig-loss", func(l *netlab.Lab, report func(row)) error {
		d, hints, err := l.NewStandardDNSWith(netlab.StandardDNSConfig{Loss: netlab.Loss{Share: 0.2, Seed: 15}})
		if err != nil {
			return err
		}
		c := d.Client
		conf := filepath.Join(filepath.Dir(hints), "unbound.conf")
		if err := writeUnboundConf(conf, hints); err != nil {
			return err
		}
		var ours, theirs lossTally
		for range lossRounds {
			ours.add(lossRound(c, func(q []string) []string { return []string{"gdig", "--root-hints", hints, "+short", q[0], q[1]} }))
			srv, err := startUnbound(c, conf)
			if err != nil {
				return err
			}
			theirs.add(lossRound(c, func(q []string) []string {
				return []string{"dig", "+short", "+tries=1", "+time=10", "@127.0.0.1", q[0], q[1]}
			}))
			srv.Process.Kill()
			srv.Wait()
		}
		n := lossRounds * len(lossCases)
		measure := "20% loss on every authority, cold: "
		note := fmt.Sprintf("%d lookups each (%d rounds of the 4 cases)", n, lossRounds)
		report(row{Measure: measure + "lookups answered", Ours: 100 * float64(ours.answered) / float64(n), Peer: 100 * float64(theirs.answered) / float64(n),
			PeerCmd: "dig @unbound (restarted)", Unit: "%", HigherIsBetter: true, Note: note})
		for _, p := range []float64{50, 95} {
			report(row{Measure: fmt.Sprintf("%sp%.0f time per lookup", measure, p), Ours: ours.ms(p), Peer: theirs.ms(p),
				PeerCmd: "dig @unbound (restarted)", Unit: "ms", Note: "failures count at the time they took"})
		}
		report(row{Measure: measure + "p95 time per lookup answered", Ours: percentileMs(ours.good, 95), Peer: percentileMs(theirs.good, 95),
			PeerCmd: "dig @unbound (restarted)", Unit: "ms", Note: fmt.Sprintf("answered lookups only: gdig's %d, unbound's %d", ours.answered, theirs.answered)})
		return nil
	})
}

// lossRounds is how many times each case is looked up by each resolver:
// with 20 lookups each (5 rounds) the p95 was the second slowest lookup,
// and one failure more or less moved it from 2 s to 10 s.
const lossRounds = 10

// lossCases are the lab cases with the answers dig +short prints.
var lossCases = [][3]string{
	{"www.example.lab", "A", "192.0.2.80"},
	{"alias.example.lab", "A", "www.other.test.\n192.0.2.81"},
	{"www.nogl.lab", "A", "192.0.2.82"},
	{"example.lab", "MX", "10 mail.example.lab."},
}

// lossTally is one resolver's lookups: how many were answered right, and
// every lookup's time.
type lossTally struct {
	answered int
	times    []time.Duration
	good     []time.Duration // of the lookups answered right
}

func (t *lossTally) add(rs []labrun.Result) {
	for i, r := range rs {
		if strings.TrimSpace(r.Output) == lossCases[i][2] {
			t.answered++
			t.good = append(t.good, r.Elapsed)
		}
		t.times = append(t.times, r.Elapsed)
	}
}

// ms is the p-th percentile of the times, in milliseconds.
func (t *lossTally) ms(p float64) float64 { return percentileMs(t.times, p) }

// lossRound runs every case at once, each with the command argv gives.
func lossRound(c *netlab.NS, argv func(q []string) []string) []labrun.Result {
	out := make([]labrun.Result, len(lossCases))
	var wg sync.WaitGroup
	for i, q := range lossCases {
		wg.Go(func() { out[i] = labrun.Run(c, 30*time.Second, argv(q[:2])...) })
	}
	wg.Wait()
	return out
}

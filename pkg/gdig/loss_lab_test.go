package gdig

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// lossCases are the lab hierarchy's lookups (NewStandardDNS) with their
// answers, as dig +short prints them.
var lossCases = []struct{ name, qtype, want string }{
	{"www.example.lab", "A", "192.0.2.80"},
	{"alias.example.lab", "A", "www.other.test.\n192.0.2.81"},
	{"www.nogl.lab", "A", "192.0.2.82"},
	{"example.lab", "MX", "10 mail.example.lab."},
}

// lossRounds is how many times each case is looked up, cold, by each
// resolver: the seeded loss falls on other datagrams each time, as the
// lookups before it have moved the sequence on.
const lossRounds = 3

// TestLabLossyAuthorities: with 20% of the datagrams lost at random on
// every authoritative server's link, each way (about 36% of the exchanges
// fail), gdig answers every lookup of the lab's cases, cold (one process
// each), as unbound (restarted before each round) answers them. To keep
// the test short, a round runs every case at once, gdig's beside
// unbound's, and unbound gets 10 s (gdig's own deadline) for each.
func TestLabLossyAuthorities(t *testing.T) {
	netlab.Need(t, "nsd", "dig", "unbound")
	l := netlab.ForTest(t)
	d, hints, err := l.NewStandardDNSWith(netlab.StandardDNSConfig{Loss: netlab.Loss{Share: 0.2, Seed: 15}})
	if err != nil {
		t.Fatal(err)
	}
	gdig := netlab.Binary(t, "gdig")
	type outcome struct {
		out     string
		elapsed time.Duration
	}
	// round runs every case at once with lookup and returns the outcomes.
	round := func(lookup func(name, qtype string) []string) []outcome {
		res := make([]outcome, len(lossCases))
		var wg sync.WaitGroup
		for i, c := range lossCases {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				args := lookup(c.name, c.qtype)
				start := time.Now()
				out, _ := d.Client.Command(ctx, args[0], args[1:]...).Output()
				res[i] = outcome{strings.TrimSpace(string(out)), time.Since(start)}
			})
		}
		wg.Wait()
		return res
	}
	score := func(who string, outs []outcome, answered []int) {
		for i, o := range outs {
			c := lossCases[i]
			if o.out == c.want {
				answered[i]++
			} else {
				t.Logf("%s %s %s: %q after %v", who, c.name, c.qtype, o.out, o.elapsed.Round(time.Millisecond))
			}
		}
	}
	ours, theirs := make([]int, len(lossCases)), make([]int, len(lossCases))
	for range lossRounds {
		unbound := startUnboundWith(t, d, hints, "")
		var gdigOuts []outcome
		done := make(chan struct{})
		go func() {
			defer close(done)
			gdigOuts = round(func(name, qtype string) []string {
				return []string{gdig, "--root-hints", hints, "+short", name, qtype}
			})
		}()
		score("unbound", round(func(name, qtype string) []string {
			return []string{"dig", "+short", "+tries=1", "+time=10", "@127.0.0.1", name, qtype}
		}), theirs)
		<-done
		score("gdig", gdigOuts, ours)
		_ = unbound.Process.Kill()
		_ = unbound.Wait()
	}
	for i, c := range lossCases {
		t.Logf("%-18s %-2s answered: gdig %d/%d, unbound %d/%d", c.name, c.qtype, ours[i], lossRounds, theirs[i], lossRounds)
		if ours[i] < lossRounds {
			t.Errorf("%s %s: gdig answered %d of %d lookups (unbound %d)", c.name, c.qtype, ours[i], lossRounds, theirs[i])
		}
	}
}

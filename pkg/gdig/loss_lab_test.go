package gdig

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gnetutils/pkg/netlab"
)

// lossyLookups are the names TestLabLossyAuthorities looks up, under
// every zone of the lab hierarchy (NewStandardDNS, with lossyExtra): an
// answer, a CNAME into another TLD, a glueless delegation, NXDOMAIN and
// NODATA in each.
var lossyLookups = func() [][2]string {
	qs := [][2]string{
		{"www.example.lab", "A"}, {"www.example.lab", "AAAA"}, {"www.example.lab", "TXT"}, {"mail.example.lab", "A"},
		{"example.lab", "MX"}, {"nothere.example.lab", "A"}, {"alias.example.lab", "A"},
		{"www.other.test", "A"}, {"ns.other.test", "A"}, {"nope.other.test", "A"}, {"other.test", "NS"},
		{"www.nogl.lab", "A"}, {"www.nogl.lab", "AAAA"}, {"nope.nogl.lab", "A"}, {"tld.ns.lab", "A"},
	}
	for i := range lossyExtra {
		qs = append(qs, [2]string{fmt.Sprintf("h%d.example.lab", i), "A"})
	}
	return qs
}()

// lossyExtra is how many more names example.lab. holds for the test.
const lossyExtra = 10

// TestLabLossyAuthorities: with 20% of the datagrams lost at random on
// every authoritative server's link, each way (36% of the exchanges fail),
// gdig answers every one of 25 lookups, each cold (a process of its own),
// with the status and records unbound finds. unbound is the reference,
// not the rival, and under this loss it fails some lookups itself (no
// answer within dig's 10 s, 10 to 30% of them in trials): the reference
// answers come from unbound on a twin of the lab without the loss, and
// unbound on the lossy lab, asked each name once beside gdig, must agree
// with them where it answers. gdig's lookups must have met the loss: some
// waited for a retransmission.
func TestLabLossyAuthorities(t *testing.T) {
	netlab.Need(t, "nsd", "dig", "unbound")
	lossy, hints := lossyHierarchy(t, 0.2)
	twin, _ := lossyHierarchy(t, 0)
	gdig := netlab.Binary(t, "gdig")
	type result struct {
		got, unbound, want string
		took               time.Duration
	}
	results := make([]result, len(lossyLookups))
	var wg sync.WaitGroup
	for i, q := range lossyLookups {
		wg.Go(func() {
			start := time.Now()
			results[i].got = runIn(lossy, gdig, "--root-hints", hints, q[0], q[1])
			results[i].took = time.Since(start)
		})
		wg.Go(func() { results[i].unbound = runIn(lossy, "dig", "+tries=1", "+time=10", "@127.0.0.1", q[0], q[1]) })
		wg.Go(func() { results[i].want = runIn(twin, "dig", "+tries=3", "+time=5", "@127.0.0.1", q[0], q[1]) })
	}
	wg.Wait()
	waited, unboundAnswered := 0, 0
	for i, r := range results {
		q := lossyLookups[i]
		got, want, ub := outcome(r.got), outcome(r.want), outcome(r.unbound)
		if !answered(want) {
			t.Errorf("%s %s: unbound without loss answered %s\n%s", q[0], q[1], want, r.want)
			continue
		}
		if got != want {
			t.Errorf("%s %s after %v: gdig %s, unbound %s\n--- gdig:\n%s", q[0], q[1], r.took.Round(time.Millisecond), got, want, r.got)
		}
		if answered(ub) {
			unboundAnswered++
			if ub != want {
				t.Errorf("%s %s: unbound on the lossy lab %s, on its twin %s: the labs differ", q[0], q[1], ub, want)
			}
		}
		if r.took > 376*time.Millisecond {
			waited++
		}
		t.Logf("%-22s %-4s %6v %s", q[0], q[1], r.took.Round(time.Millisecond), got)
	}
	t.Logf("under the same loss, unbound answered %d of %d within 10 s", unboundAnswered, len(results))
	if waited == 0 {
		t.Error("no lookup waited for a retransmission: the lab lost nothing, and the test proves nothing")
	}
}

// lossyHierarchy is the lab hierarchy (NewStandardDNS) with lossyExtra
// names more, losing share of the datagrams on every server's link, each
// way, and unbound running on its client; and its root hints.
func lossyHierarchy(t *testing.T, share float64) (*netlab.DNS, string) {
	l := netlab.ForTest(t)
	var extra []string
	for i := range lossyExtra {
		extra = append(extra, fmt.Sprintf("h%d IN A 192.0.2.%d", i, 100+i))
	}
	d, hints, err := l.NewStandardDNSWith(netlab.StandardDNSConfig{Extra: extra, Loss: netlab.Loss{Share: share, Seed: 15}})
	if err != nil {
		t.Fatal(err)
	}
	// test. is a special-use name (RFC 6761): unbound answers NXDOMAIN
	// for it from a local zone unless told the lab's servers hold it.
	startUnboundWith(t, d, hints, "  do-ip6: no\n  local-zone: \"test.\" nodefault\n")
	return d, hints
}

// runIn runs a command on d's client and returns its output.
func runIn(d *netlab.DNS, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, _ := d.Client.Command(ctx, args[0], args[1:]...).CombinedOutput()
	return string(out)
}

// answered: an outcome is an answer, NOERROR or NXDOMAIN, not SERVFAIL
// nor silence.
func answered(outcome string) bool {
	return strings.HasPrefix(outcome, "NOERROR") || strings.HasPrefix(outcome, "NXDOMAIN")
}

package gdig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// queryCounter counts the DNS queries a namespace sends off its
// loopback (UDP datagrams and TCP connections to port 53), with an
// nftables counter in the namespace.
type queryCounter struct {
	t  *testing.T
	ns *netlab.NS
}

var packetsRE = regexp.MustCompile(`counter packets (\d+)`)

// count runs f and returns the queries sent meanwhile.
func (qc queryCounter) count(f func()) int {
	qc.t.Helper()
	_, _ = qc.ns.Exec("nft", "delete", "table", "inet", "qcount")
	for _, cmd := range [][]string{
		{"add", "table", "inet", "qcount"},
		{"add", "chain", "inet", "qcount", "out", "{ type filter hook output priority 0; }"},
		{"add", "rule", "inet", "qcount", "out", "oifname", "!=", "lo", "udp", "dport", "53", "counter"},
		{"add", "rule", "inet", "qcount", "out", "oifname", "!=", "lo", "tcp", "dport", "53", "tcp", "flags", "syn", "counter"},
	} {
		if out, err := qc.ns.Exec("nft", cmd...); err != nil {
			qc.t.Fatalf("nft %v: %v %s", cmd, err, out)
		}
	}
	f()
	out, err := qc.ns.Exec("nft", "list", "table", "inet", "qcount")
	if err != nil {
		qc.t.Fatal(err)
	}
	n := 0
	for _, m := range packetsRE.FindAllStringSubmatch(string(out), -1) {
		c, _ := strconv.Atoi(m[1])
		n += c
	}
	return n
}

// TestLabQueryCounts: gdig, cold, with its defaults (QNAME minimisation
// on), sends no more queries per lookup than unbound, cold (restarted
// before each lookup), with its defaults, on every case of the lab
// hierarchy; both averaged over 3 runs, as servers are picked at random.
// The counts are logged: go test -v -run TestLabQueryCounts.
func TestLabQueryCounts(t *testing.T) {
	d, hints := hierarchy(t)
	qc := queryCounter{t, d.Client}
	const runs = 3
	for _, q := range [][]string{
		{"www.example.lab", "A"}, {"example.lab", "MX"}, {"alias.example.lab", "A"}, {"www.nogl.lab", "A"},
		{"www.two.lab", "A"}, {"big.example.lab", "TXT"}, {"nothere.example.lab", "A"}, {"a.b.nothere.example.lab", "A"},
		{"mail.example.lab", "MX"}, {"www.v6only.lab", "A"},
	} {
		ours, theirs := 0, 0
		for range runs {
			ours += qc.count(func() { d.Client.RunTool(t, Run, "--root-hints", hints, q[0], q[1]) })
			unbound := startUnboundWith(t, d, hints, "")
			theirs += qc.count(func() { d.Client.CombinedOutput(t, "dig", "+tries=1", "+time=10", "@127.0.0.1", q[0], q[1]) })
			_ = unbound.Process.Kill()
			_ = unbound.Wait()
		}
		t.Logf("%-28s gdig %4.1f  unbound %4.1f queries", q[0]+" "+q[1], float64(ours)/runs, float64(theirs)/runs)
		slack := retransmitSlack
		if q[0] == "www.two.lab" {
			// One dead server of two: a cold resolver's first pick is
			// random, and picking the dead one costs its retries (17
			// queries to unbound's 12 over three runs in one make test,
			// 14 in another). Two per run; a dead server asked on every
			// run, and more, still fails.
			slack = 2 * runs
		}
		if ours > theirs+slack {
			t.Errorf("%v: gdig %s queries, unbound %s", q, fmt.Sprint(float64(ours)/runs), fmt.Sprint(float64(theirs)/runs))
		}
	}
}

// retransmitSlack is how many queries gdig may exceed unbound by in one
// count (three runs of a case, or the batch): on a loaded 2-core machine
// a lab server's answer now and then comes after gdig's RTO (a few ms
// here), and gdig asks again where unbound, with its 376 ms first
// timeout, waits. A make test run failed on 54 queries to unbound's 53
// for the batch, and on 14 to 12 over three runs of www.two.lab, whose
// two servers are also picked at random. A resolver that asked one
// query more by design would exceed it by three and still fail.
const retransmitSlack = 2

// TestLabBatchQueryCounts: a cold batch of 50 names under one zone,
// resolved 64 at a time, walks the root and lab. once, not once per
// name: no more queries than unbound, cold, asked the same names.
func TestLabBatchQueryCounts(t *testing.T) {
	d, hints := hierarchy(t)
	qc := queryCounter{t, d.Client}
	bin := netlab.Binary(t, "gdig")
	var names strings.Builder
	for i := range 50 {
		fmt.Fprintf(&names, "n%d.example.lab\n", i)
	}
	file := filepath.Join(filepath.Dir(hints), "batch")
	if err := os.WriteFile(file, []byte(names.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ours := qc.count(func() {
		if out, err := d.Client.Command(context.Background(), bin, "--root-hints", hints, "+short", "-f", file).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
	})
	unbound := startUnboundWith(t, d, hints, "")
	defer func() { _ = unbound.Process.Kill(); _ = unbound.Wait() }()
	theirs := qc.count(func() { d.Client.CombinedOutput(t, "dig", "+short", "@127.0.0.1", "-f", file) })
	t.Logf("50 names under example.lab.: gdig %d queries, unbound %d", ours, theirs)
	if ours > theirs+retransmitSlack || ours > 50+5 {
		t.Errorf("gdig %d queries, unbound %d, for 50 names", ours, theirs)
	}
}

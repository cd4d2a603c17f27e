package gdig

import (
	"strings"
	"testing"
)

// TestLabNSSearch: +nssearch prints what dig prints, server for server
// (in the order the answers come, so the lines are compared sorted): the
// SOA from each, the failures of those that refuse or stay silent, the
// names without an address, and dig's status.
func TestLabNSSearch(t *testing.T) {
	z := newZonesLab(t)
	unbound, tld := "@127.0.0.1", "@"+z.addr["tld"]
	// unbound learns the zones first: a first resolution that meets a
	// silent server can outlast dig's 5 s and cost it a try.
	for _, zone := range []string{"ok.lab", "half.lab", "slow.lab", "gone.lab", "six.lab"} {
		z.d.Client.CombinedOutput(t, "dig", unbound, "+tries=3", zone, "NS")
	}
	for _, args := range [][]string{
		{"+nssearch", "ok.lab", unbound},
		{unbound, "+nssearch", "ok.lab", "-4"},
		{"+nssearch", "ok.lab", unbound, "+tcp"},
		{"+nssearch", "half.lab", unbound},                                      // connection refused
		{"+nssearch", "slow.lab", unbound, "+timeout=1"},                        // timed out
		{"+nssearch", "gone.lab", unbound},                                      // a name server without an address
		{"+nssearch", "six.lab", unbound},                                       // served over IPv6 only
		{"+nssearch", "www.ok.lab", unbound},                                    // no zone there: nothing
		{"+nssearch", "nothere.lab", unbound},                                   // NXDOMAIN: nothing
		{"+nssearch", "half.lab", tld},                                          // a referral names the servers
		{"+nssearch", "down.lab", tld, "+timeout=1"},                            // none answers: status 9
		{"+nssearch", "lost.lab", tld},                                          // none has an address: status 10
		{"+nssearch", "ok.lab", "@" + z.addr["mute"], "+timeout=1", "+tries=1"}, // the @server does not answer
		{"+nssearch", "ok.lab", "-u", unbound},
		{unbound, "ok.lab", "+nssearch", "www.ok.lab"}, // +nssearch makes +short global
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) { z.compare(t, true, args, args) })
	}
	// From the root, gdig finds what dig finds through its resolver.
	t.Run("from the root", func(t *testing.T) {
		z.compare(t, true, []string{"+nssearch", "ok.lab"}, []string{"--root-hints", z.hints, "+nssearch", "ok.lab"})
	})
}

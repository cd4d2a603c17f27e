package gdig

import (
	"strings"
	"testing"

	"gnetutils/pkg/netlab"
)

// TestLabSearchList: +search, +showsearch, +domain and +ndots ask the
// names dig asks, in its order, and print what it prints, with the
// search list and ndots of the client's own resolv.conf (the lab's, which
// ip netns exec mounts for both tools: never the host's). The server
// says NXDOMAIN under example.lab, REFUSED elsewhere (which ends the
// search); unbound says NXDOMAIN for the names as given.
func TestLabSearchList(t *testing.T) {
	d, hints := hierarchy(t)
	startUnbound(t, d, hints)
	bin := netlab.Binary(t, "gdig")
	auth, unbound := "@"+d.Servers["auth"].Addr4, "@127.0.0.1"
	for _, c := range []struct {
		conf  string
		cases [][]string
	}{
		{"nameserver 127.0.0.1\nsearch sub.example.lab example.lab\noptions ndots:2\n", [][]string{
			{auth, "+search", "www"},
			{auth, "+search", "mail.sub"},
			{auth, "+search", "www.example.lab"}, // as many dots as ndots: as given only
			{auth, "+search", "+ndots=1", "www"},
			{auth, "+search", "+ndots=3", "www.example"},
			{auth, "+search", "+ndots=0", "www"},
			{auth, "+search", "www."},
			{auth, "+nosearch", "www"},
			{auth, "+showsearch", "nothere"}, // each answer, dig's opening lines before each
			{auth, "+showsearch", "+short", "www"},
			{auth, "+domain=sub.example.lab", "www"}, // +domain in place of resolv.conf's list
			{auth, "www", "+showsearch", "nothere"},  // global, as in dig
			// unbound counts TTLs down: not shown.
			{unbound, "+search", "+nottlid", "www.nothere"}, // enough dots: as given only
			{unbound, "+showsearch", "+nottlid", "+ndots=3", "www.nothere"},
			{"www", "+search", auth}, // the @server after the name: no "server found"
		}},
		// A refusal ends the search, and under a search domain dig shows
		// no stats with it.
		{"nameserver 127.0.0.1\nsearch other.lab example.lab\noptions ndots:2\n", [][]string{
			{auth, "+search", "www"},
			{auth, "+search", "+identify", "www"},
			{auth, "+search", "www."},
		}},
		{"nameserver 127.0.0.1\ndomain example.lab\n", [][]string{
			{auth, "+search", "www"},
			{auth, "+search", "mail.sub"},
			{auth, "+showsearch", "nothere"},
		}},
	} {
		if err := d.Client.WriteEtc("resolv.conf", []byte(c.conf)); err != nil {
			t.Fatal(err)
		}
		for _, args := range c.cases {
			t.Run(strings.ReplaceAll(c.conf, "\n", ";")+" "+strings.Join(args, " "), func(t *testing.T) {
				want, wantCode := d.Client.CombinedOutput(t, "dig", args...)
				got, code := d.Client.CombinedOutput(t, bin, args...)
				if normalizeZones(got) != normalizeZones(want) || code != wantCode {
					t.Errorf("exit %d/%d\n--- gdig:\n%s--- dig:\n%s", code, wantCode, got, want)
				}
			})
		}
	}
	// From the root, gdig searches as dig does through its resolver.
	if err := d.Client.WriteEtc("resolv.conf", []byte("nameserver 127.0.0.1\nsearch sub.example.lab example.lab\n")); err != nil {
		t.Fatal(err)
	}
	show := []string{"+showsearch", "+noall", "+question", "+answer", "+nottlid", "www"}
	want, _ := d.Client.CombinedOutput(t, "dig", show...)
	got, _ := d.Client.CombinedOutput(t, bin, append([]string{"--root-hints", hints}, show...)...)
	if got != want || !strings.Contains(got, ";www.sub.example.lab.") {
		t.Errorf("from the root:\n--- gdig:\n%s--- dig:\n%s", got, want)
	}
}

package resolver

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestPriming: with Prime, the first walk asks the hint (127.0.0.2) for
// the root's NS set, learns a root the hints do not name (127.0.0.8), and
// later walks use it: with the hinted root silent, lookups still answer.
// A priming answer that names no address leaves the hints in use.
func TestPriming(t *testing.T) {
	wd := newWorld(t)
	root := []string{". 3600 IN NS a.root.lab.", ". 3600 IN NS b.root.lab.", "a.root.lab. 3600 IN A 127.0.0.2", "b.root.lab. 3600 IN A 127.0.0.8",
		"lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3"}
	hinted := wd.serve(t, "127.0.0.2", ".", root...)
	wd.serve(t, "127.0.0.8", ".", root...)
	wd.serve(t, "127.0.0.3", "lab.", "www.lab. 300 IN A 192.0.2.1", "ftp.lab. 300 IN A 192.0.2.2")
	var events []Event
	r, _ := New(Config{Roots: []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), wd.port)}, Port: wd.port,
		Timeout: 300 * time.Millisecond, Prime: true, Events: func(e Event) { events = append(events, e) }})
	if res, err := r.Resolve(context.Background(), "www.lab", dns.TypeA); err != nil || len(res.Msg.Answer) != 1 {
		t.Fatalf("%v %v", res, err)
	}
	if q := events[0]; q.Kind != "query" || q.QName != "." || q.QType != "NS" {
		t.Errorf("first query %+v, want . NS", q)
	}
	set, ok := r.cache.closestDelegation("www.lab.")
	if root, _ := r.cache.closestDelegation("."); !ok || set.zone != "lab." || len(root.known) != 2 {
		t.Errorf("primed root set %+v", root)
	}
	hinted.silent.Store(true)
	for _, name := range []string{"ftp.lab", "nothere.lab"} {
		if res, err := r.Resolve(context.Background(), name, dns.TypeA); err != nil || res.Msg.Question[0].Name != dns.Fqdn(name) {
			t.Errorf("%s with the hinted root silent: %v", name, err)
		}
	}
}

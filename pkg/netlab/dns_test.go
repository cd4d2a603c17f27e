package netlab

import (
	"context"
	"strings"
	"testing"
)

// labDNS builds the small hierarchy tests share: two roots, a lab. TLD and
// example.lab.
func labDNS(t *testing.T) *DNS {
	t.Helper()
	Need(t, "nsd")
	l := ForTest(t)
	servers := []string{"root1", "root2", "tld", "auth"}
	var d *DNS
	// Addresses are fixed by position on the segment: compute glue first.
	addr4 := func(i int) string { return nthAddrString("198.19.0.0/24", i+2) }
	addr6 := func(i int) string { return nthAddrString("fd00:19::/64", i+2) }
	glue := func(names ...string) []string {
		var out []string
		for _, n := range names {
			for i, s := range servers {
				if s == n {
					out = append(out, n+".ns.lab. IN A "+addr4(i), n+".ns.lab. IN AAAA "+addr6(i))
				}
			}
		}
		return out
	}
	d, err := l.NewDNS(DNSConfig{Servers: servers, Zones: []Zone{
		{Origin: ".", Servers: []string{"root1", "root2"}, Records: append([]string{"lab. IN NS tld.ns.lab."}, glue("root1", "root2", "tld")...)},
		{Origin: "lab.", Servers: []string{"tld"}, Records: append([]string{"example IN NS auth.ns.lab."}, glue(servers...)...)},
		{Origin: "example.lab.", Servers: []string{"auth"}, Records: []string{"www IN A 192.0.2.80", "www IN AAAA 2001:db8::80", "@ IN MX 10 mail", "mail IN A 192.0.2.25"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range servers {
		if d.Servers[s].Addr4 != addr4(i) {
			t.Fatalf("server %s at %s, glue says %s", s, d.Servers[s].Addr4, addr4(i))
		}
	}
	return d
}

// TestLabDNSHierarchy: dig +trace from the lab root reaches the answer
// through the lab's own servers.
func TestLabDNSHierarchy(t *testing.T) {
	Need(t, "dig")
	d := labDNS(t)
	out, err := d.Client.Command(context.Background(), "dig", "+trace", "@"+d.Servers["root1"].Addr4, "www.example.lab", "A").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "www.example.lab.\t3600\tIN\tA\t192.0.2.80") || !strings.Contains(string(out), "#53(auth.ns.lab)") {
		t.Errorf("dig +trace: %v\n%s", err, out)
	}
}

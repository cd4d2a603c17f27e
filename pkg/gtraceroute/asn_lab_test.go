package gtraceroute

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"gnetutils/pkg/dnstest"
	"gnetutils/pkg/netlab"
)

// origin is one announced prefix and the ASes that originate it.
type origin struct {
	prefix string
	ases   []int
}

// TestLabASPath: -A prints each hop's AS path as traceroute -A does, line
// for line (times aside), from the same data served two ways in h2: to
// traceroute by whois (its RA_SERVER, as RADB's route objects), to us by
// DNS (Team Cymru's TXT records, --as-server and --as-zone: the public
// zone is never asked). One origin, two origins of one prefix, none, and
// the longer of two prefixes, over IPv4 and IPv6; --json carries them.
func TestLabASPath(t *testing.T) {
	netlab.Need(t, "traceroute")
	c := quietChain(t, nil)
	origins := map[string][]origin{
		c.RouterAddr4(1): {{"198.18.1.0/24", []int{64501}}},
		c.RouterAddr4(2): {{"198.18.2.0/24", []int{64502, 64503}}},
		c.H2Addr4():      {{"198.18.0.0/16", []int{64510}}, {"198.18.4.0/24", []int{64504}}},
		c.RouterAddr6(1): {{"fd00:0:0:1::/64", []int{64601}}},
		c.RouterAddr6(2): {{"fd00:0:0:2::/64", []int{64602, 64603}}},
		c.H2Addr6():      {{"fd00::/16", []int{64610}}, {"fd00:0:0:4::/64", []int{64604}}},
	}
	server := c.H2Addr4()
	serveASData(t, c.H2, server, origins)
	for _, dst := range []string{c.H2Addr4(), c.H2Addr6()} {
		for _, m := range [][]string{nil, {"-I"}} {
			args := append(append([]string{"-n", "-A"}, m...), dst)
			cmd := c.H1.Command(context.Background(), "traceroute", args...)
			cmd.Env = append(cmd.Environ(), "RA_SERVER="+server, "RA_SERVICE=43") // never RADB
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("traceroute %v: %v\n%s", args, err, out)
			}
			ours := append([]string{"--as-server", server, "--as-zone", "asn.lab"}, args...)
			got, errOut, code, _ := gtraceroute(t, c.H1, ours...)
			if code != 0 || normalize(got) != normalize(string(out)) || !strings.Contains(got, "[AS64504]") && !strings.Contains(got, "[AS64604]") {
				t.Errorf("%v: exit %d %s\n%s--- traceroute:\n%s", ours, code, errOut, got, out)
			}
		}
	}
	got, _, _, _ := gtraceroute(t, c.H1, "--json", "-q", "1", "-A", "--as-server", server, "--as-zone", "asn.lab", c.H2Addr4())
	if !strings.Contains(got, `"as_path":"AS64502/AS64503"`) || !strings.Contains(got, `"as_path":"*"`) {
		t.Errorf("--json -A:\n%s", got)
	}
}

// serveASData serves origins in ns at addr: whois on port 43 as RADB
// answers traceroute -A (a route object per origin), DNS on port 53 as
// Team Cymru's origin. and origin6.asn.lab. zones answer mtr -z.
func serveASData(t *testing.T, ns *netlab.NS, addr string, origins map[string][]origin) {
	t.Helper()
	records := []string{
		"origin.asn.lab. 60 IN SOA ns.asn.lab. h.asn.lab. 1 3600 600 86400 60",
		"origin6.asn.lab. 60 IN SOA ns.asn.lab. h.asn.lab. 1 3600 600 86400 60",
	}
	for a, os := range origins {
		for _, o := range os {
			ases := strings.Trim(fmt.Sprint(o.ases), "[]")
			records = append(records, fmt.Sprintf(`%s 60 IN TXT "%s | %s | ZZ | lab | 2024-01-01"`, asQuery(netip.MustParseAddr(a), "asn.lab"), ases, o.prefix))
		}
	}
	dnsSrv, err := dnstest.New(records...)
	if err != nil {
		t.Fatal(err)
	}
	var whois net.Listener
	if err := ns.Do(func() error {
		if err := dnsSrv.Listen(net.JoinHostPort(addr, "53")); err != nil {
			return err
		}
		whois, err = net.Listen("tcp", net.JoinHostPort(addr, "43"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dnsSrv.Close(); whois.Close() })
	go func() {
		for {
			conn, err := whois.Accept()
			if err != nil {
				return
			}
			query, _ := bufio.NewReader(conn).ReadString('\n')
			for _, o := range origins[strings.TrimSpace(query)] {
				kind := "route"
				if strings.Contains(o.prefix, ":") {
					kind = "route6"
				}
				for _, as := range o.ases {
					fmt.Fprintf(conn, "%s:      %s\norigin:     AS%d\nsource:     LAB\n\n", kind, o.prefix, as)
				}
			}
			conn.Close()
		}
	}()
}

package gdig

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/cli/clitest"
	"gnetutils/pkg/dnstest"
	"gnetutils/pkg/netlab"
	"gnetutils/pkg/resolver"
)

// zonesLab is the lab of the +nssearch, +dns64prefix and MSG SIZE tests:
// a root and lab. with zones whose name servers answer, refuse (dead:
// nothing listens), stay silent (mute), serve on IPv6 only (v6) or have
// no address (nowhere.lab.); a2 serves the ipv4only.arpa of a DNS64
// resolver; flat sends its answers uncompressed. unbound runs on the
// client with the lab's hints: it is the client's resolv.conf server,
// through which dig looks the name servers' addresses up (its hosts file
// says the same of them), and the @server gdig asks for them.
type zonesLab struct {
	d     *netlab.DNS
	hints string
	addr  map[string]string // servers' IPv4 addresses
	bin   string            // gdig: +nssearch asks from many goroutines, which only a process keeps in the lab
}

// zonesServers are zonesLab's servers, in the order of their addresses;
// the last three answer nothing, or with dnstest.
var zonesServers = []string{"root", "tld", "a1", "a2", "v6", "dead", "mute", "flat"}

func newZonesLab(t *testing.T) *zonesLab {
	t.Helper()
	netlab.Need(t, "nsd", "dig", "unbound")
	l := netlab.ForTest(t)
	z := &zonesLab{addr: map[string]string{}}
	a6 := map[string]string{}
	for i, s := range zonesServers {
		z.addr[s], a6[s] = fmt.Sprintf("198.19.0.%d", i+2), fmt.Sprintf("fd00:19::%x", i+2)
	}
	glue := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, n+".ns.lab. IN A "+z.addr[n], n+".ns.lab. IN AAAA "+a6[n])
		}
		return out
	}
	delegations := []string{"ok IN NS a1.ns.lab.", "ok IN NS a2.ns.lab.", "half IN NS a1.ns.lab.", "half IN NS dead.ns.lab.",
		"slow IN NS a1.ns.lab.", "slow IN NS mute.ns.lab.", "gone IN NS a1.ns.lab.", "gone IN NS nowhere.lab.", "six IN NS v6.ns.lab.",
		"down IN NS dead.ns.lab.", "down IN NS mute.ns.lab.", "lost IN NS nowhere.lab.", "flat IN NS flat.ns.lab."}
	d, err := l.NewDNS(netlab.DNSConfig{Servers: zonesServers[:5], Dead: zonesServers[5:], V6Only: []string{"v6"}, Zones: []netlab.Zone{
		{Origin: ".", Servers: []string{"root"}, Records: append([]string{"lab. IN NS tld.ns.lab."}, glue("tld")...)},
		{Origin: "lab.", Servers: []string{"tld"}, Records: append(delegations, glue(zonesServers...)...)},
		{Origin: "ok.lab.", Servers: []string{"a1", "a2"}, Records: []string{"www IN A 192.0.2.1"}},
		{Origin: "half.lab.", Servers: []string{"a1"}, Records: []string{"@ IN NS dead.ns.lab."}},
		{Origin: "slow.lab.", Servers: []string{"a1"}, Records: []string{"@ IN NS mute.ns.lab."}},
		{Origin: "gone.lab.", Servers: []string{"a1"}, Records: []string{"@ IN NS nowhere.lab."}},
		{Origin: "six.lab.", Servers: []string{"v6"}},
		{Origin: "ipv4only.arpa.", Servers: []string{"a2"}, Records: dns64Records()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range zonesServers {
		if d.Servers[s].Addr4 != z.addr[s] || d.Servers[s].Addr6 != a6[s] {
			t.Fatalf("%s at %s, expected %s", s, d.Servers[s].Addr4, z.addr[s])
		}
	}
	z.d = d
	z.serve(t, "mute", dnstest.Behaviour{Drop: 1 << 30})
	z.serve(t, "flat", dnstest.Behaviour{Uncompressed: true}, flatRecords...)
	z.hints = filepath.Join(t.TempDir(), "root.hints")
	if err := os.WriteFile(z.hints, []byte(d.RootHints()), 0o644); err != nil {
		t.Fatal(err)
	}
	startUnbound(t, d, z.hints)
	z.bin = netlab.Binary(t, "gdig")
	return z
}

// flatRecords are the zone flat serves, uncompressed.
var flatRecords = []string{
	"flat.lab. 3600 IN SOA flat.ns.lab. hostmaster.flat.lab. 1 3600 600 86400 300",
	"flat.lab. 3600 IN NS flat.ns.lab.",
	"flat.lab. 3600 IN MX 10 mail.flat.lab.",
	"flat.lab. 3600 IN MX 20 mail2.flat.lab.",
	"mail.flat.lab. 3600 IN A 192.0.2.25",
	"www.flat.lab. 3600 IN A 192.0.2.80",
	"www.flat.lab. 3600 IN A 192.0.2.81",
	"alias.flat.lab. 3600 IN CNAME www.flat.lab.",
}

// serve runs a dnstest server that answers as b on server's addresses.
func (z *zonesLab) serve(t *testing.T, server string, b dnstest.Behaviour, records ...string) {
	t.Helper()
	srv, err := dnstest.New(records...)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetBehave(func(string, uint16) dnstest.Behaviour { return b })
	listenOn(t, z.d.Servers[server], srv)
}

// listenOn makes srv serve on s's addresses, in s's namespace, until the
// test ends.
func listenOn(t *testing.T, s *netlab.NameServer, srv *dnstest.Server) {
	t.Helper()
	err := s.NS.Do(func() error {
		for _, a := range []string{s.Addr4, s.Addr6} {
			if err := srv.Listen(net.JoinHostPort(a, "53")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
}

// dns64Records are ipv4only.arpa's AAAA records as a DNS64 resolver
// synthesises them, with a prefix of each of RFC 6052's lengths, and
// some that hold no prefix: 192.0.0.170 without its 171, and a bit set
// in the u octet.
func dns64Records() []string {
	var out []string
	add := func(prefix string, last ...byte) {
		for _, b := range last {
			out = append(out, "@ IN AAAA "+embed4(netip.MustParsePrefix(prefix), [4]byte{192, 0, 0, b}).String())
		}
	}
	add("2001:db8::/32", 170, 171)
	add("2001:db8:100::/40", 170, 171)
	add("2001:db8:122::/48", 170, 171)
	add("2001:db8:122:300::/56", 170, 171)
	add("2001:db8:122:344::/64", 170, 171)
	add("64:ff9b::/96", 170, 171)
	add("2001:db8:aaaa::/96", 170)
	u := embed4(netip.MustParsePrefix("2001:db8:bbbb::/64"), [4]byte{192, 0, 0, 170}).As16()
	u[8] = 1
	out = append(out, "@ IN AAAA "+netip.AddrFrom16(u).String())
	return out
}

// embed4 is v4 in prefix as RFC 6052 embeds it: after the prefix,
// skipping the u octet (byte 8).
func embed4(prefix netip.Prefix, v4 [4]byte) netip.Addr {
	a := prefix.Addr().As16()
	i := prefix.Bits() / 8
	for _, b := range v4 {
		if i == 8 {
			i++
		}
		a[i] = b
		i++
	}
	return netip.AddrFrom16(a)
}

// normalizeZones hides what differs from run to run: times, IDs, the
// tool's name, cookies.
var normalizeZones = clitest.Normalize(`(?m)^; <<>> .* <<>>`, "; <<>> TOOL <<>>", `id: \d+`, "id: ID",
	`(?m)^;; (Query time|WHEN): .*$`, ";; $1: T", ` in \d+ (ms|us)`, " in T $1", `(?m)^g?dig: `, "TOOL: ",
	`(?m)^; COOKIE: [0-9a-f]+.*$`, "; COOKIE: C")

// compare runs dig and gdig with args on the client and fails t when
// their output (sorted by lines when sorted is set) or status differ.
func (z *zonesLab) compare(t *testing.T, sorted bool, digArgs, gdigArgs []string) {
	t.Helper()
	want, wantCode := z.d.Client.CombinedOutput(t, "dig", digArgs...)
	got, code := z.d.Client.CombinedOutput(t, z.bin, gdigArgs...)
	w, g := normalizeZones(want), normalizeZones(got)
	if sorted {
		w, g = sortLines(w), sortLines(g)
	}
	if w != g || code != wantCode {
		t.Errorf("exit %d/%d\n--- gdig:\n%s--- dig:\n%s", code, wantCode, got, want)
	}
}

func sortLines(s string) string {
	l := strings.Split(s, "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

// TestLabMsgSize: MSG SIZE is the size of the message as it came, from
// a server that does not compress names (where packing the message
// again, compressed, gives less), over UDP and TCP, and +identify's
// "Received" line without the stats says the same.
func TestLabMsgSize(t *testing.T) {
	z := newZonesLab(t)
	flat := "@" + z.addr["flat"]
	for _, args := range [][]string{
		{flat, "www.flat.lab"},
		{flat, "flat.lab", "MX"},
		{flat, "alias.flat.lab"},
		{flat, "nothere.flat.lab"},
		{flat, "flat.lab", "MX", "+tcp"},
		{flat, "flat.lab", "MX", "+nostats", "+identify"},
		{flat, "flat.lab", "MX", "+noall", "+answer", "+identify"},
		{flat, "flat.lab", "MX", "-b", z.d.Segment.Addr4(0)}, // through miekg/dns's connection
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) { z.compare(t, false, args, args) })
	}
	// The test can fail: flat's answers are bigger than packing them
	// again makes them.
	var msg *dns.Msg
	size := 0
	err := z.d.Client.Do(func() error {
		q := new(dns.Msg)
		q.SetQuestion("flat.lab.", dns.TypeMX)
		var err error
		msg, size, _, err = resolver.UDPExchangeSize(context.Background(), q, netip.MustParseAddrPort(z.addr["flat"]+":53"), 2*time.Second, false, nil)
		return err
	})
	if err != nil || size <= receivedSize(msg) {
		t.Fatalf("flat.lab MX: %v, %d bytes received, %d packed again", err, size, receivedSize(msg))
	}
}

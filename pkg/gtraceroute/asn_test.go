package gtraceroute

import (
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"

	"gnetutils/pkg/dnstest"
)

func TestASQuery(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"198.18.1.2", "2.1.18.198.origin.asn.test."},
		{"::ffff:198.18.1.2", "2.1.18.198.origin.asn.test."},
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.test."},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			if got := asQuery(netip.MustParseAddr(tc.addr), "asn.test"); got != tc.want {
				t.Errorf("%s, want %s", got, tc.want)
			}
		})
	}
}

// TestOriginPath: the origins of the longest prefix, in the order given,
// once each, as traceroute words RADB's.
func TestOriginPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		txts []string
		want string
	}{
		{"one", []string{"64500 | 198.51.100.0/24 | ZZ | arin | 2001-01-01"}, "AS64500"},
		{"two origins", []string{"64500 64501 | 198.51.100.0/24 | ZZ | arin | 2001-01-01"}, "AS64500/AS64501"},
		{"longest prefix", []string{"64510 | 198.51.0.0/16 | ZZ", "64504 | 198.51.100.0/24 | ZZ", "64511 | 198.0.0.0/8 | ZZ"}, "AS64504"},
		{"same prefix twice", []string{"64502 | 198.51.100.0/24", "64503 64502 | 198.51.100.0/24"}, "AS64502/AS64503"},
		{"junk", []string{"no bars here", "x | 1.2.3.0/24", "64500 | 1.2.3.0"}, "*"},
		{"none", nil, "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := originPath(tc.txts); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

// TestASLookup asks a DNS server on loopback (never the default, Team
// Cymru's): an address with origins, one without (NXDOMAIN: "*"), one
// whose lookup fails (SERVFAIL: "!!"); each address is asked once.
func TestASLookup(t *testing.T) {
	srv, err := dnstest.New(
		"origin.asn.test. 3600 IN SOA ns.asn.test. h.asn.test. 1 3600 600 86400 60",
		"origin6.asn.test. 3600 IN SOA ns.asn.test. h.asn.test. 1 3600 600 86400 60",
		`1.1.18.198.origin.asn.test. 60 IN TXT "64501 | 198.18.1.0/24 | ZZ | lab | 2024-01-01"`,
		`1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.origin6.asn.test. 60 IN TXT "64601 | fd00:0:0:1::/64 | ZZ | lab | 2024-01-01"`,
	)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetBehave(func(qname string, _ uint16) dnstest.Behaviour {
		if qname == "3.3.18.198.origin.asn.test." {
			return dnstest.Behaviour{Lame: dnstest.ServFail}
		}
		return dnstest.Behaviour{}
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &dns.Server{PacketConn: pc, Handler: srv}
	go func() { _ = server.ActivateAndServe() }()
	defer func() { _ = server.Shutdown() }()
	l, err := newASLookup(pc.LocalAddr().String(), "asn.test.")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ addr, want string }{
		{"198.18.1.1", "AS64501"}, {"fd00:0:0:1::1", "AS64601"}, {"198.18.2.1", "*"}, {"198.18.3.3", "!!"}, {"198.18.1.1", "AS64501"},
	} {
		if got := l.path(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.addr, got, tc.want)
		}
	}
	if n := srv.Queries(); n < 4 || n > 6 { // the SERVFAIL may be asked again
		t.Errorf("%d queries for 4 addresses, the first asked twice", n)
	}
	if _, err := newASLookup("dns.example", ""); err == nil {
		t.Error("a name taken for --as-server")
	}
}

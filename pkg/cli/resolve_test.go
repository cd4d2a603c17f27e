package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// withNXDomainResolver points Resolve at an in-process DNS server on
// loopback that answers every query NXDOMAIN.
func withNXDomainResolver(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	old := resolver
	resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
	t.Cleanup(func() { resolver = old })
}

func TestResolve(t *testing.T) {
	withNXDomainResolver(t)
	ctx := context.Background()
	tests := []struct {
		host    string
		family  Family
		want    string
		wantErr bool
	}{
		{"198.18.1.1", AnyFamily, "198.18.1.1", false},
		{"fd00::1", AnyFamily, "fd00::1", false},
		{"::ffff:198.18.1.1", AnyFamily, "198.18.1.1", false},
		{"198.18.1.1", IPv6Only, "", true},
		{"fd00::1", IPv4Only, "", true},
		{"localhost", IPv4Only, "127.0.0.1", false},
		{"no-such-host.invalid", AnyFamily, "", true},
	}
	flagOf := map[Family]string{AnyFamily: "any", IPv4Only: "-4", IPv6Only: "-6"}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %s", flagOf[tc.family], tc.host), func(t *testing.T) {
			got, err := Resolve(ctx, tc.host, tc.family)
			if (err != nil) != tc.wantErr || (err == nil && got.String() != tc.want) {
				t.Errorf("Resolve(%q, %v) = %v, %v; want %q (error %v)", tc.host, tc.family, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := Resolve(ctx, "::1", IPv4Only); err == nil || err.Error() != "::1: Address family for hostname not supported" {
		t.Errorf("-4 ::1: %v", err)
	}
	_, err := Resolve(ctx, "no-such-host.invalid", AnyFamily)
	if !errors.Is(err, ErrUnknownHost) || err.Error() != "no-such-host.invalid: Name or service not known" {
		t.Errorf("unknown host error %q", err)
	}
}

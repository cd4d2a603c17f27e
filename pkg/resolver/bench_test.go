package resolver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkBatch resolves b.N names of one zone, cold, 64 at a time, with
// one resolver, as gdig -f does: its cost per name (and the zone's
// server's, which answers every name with the same A record). Profile the
// resolver with go test -run - -bench Batch -cpuprofile cpu.out
// ./pkg/resolver.
func BenchmarkBatch(b *testing.B) {
	wd := newWorld(b)
	wd.serve(b, "127.0.0.2", ".", ". 3600 IN NS root.ns.lab.", "root.ns.lab. 3600 IN A 127.0.0.2",
		"lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3")
	wd.serve(b, "127.0.0.3", "lab.", "example.lab. 3600 IN NS auth.ns.lab.", "auth.ns.lab. 3600 IN A 127.0.0.4")
	serveAnyName(b, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.4"), wd.port), "example.lab.")
	r, err := New(Config{Roots: []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), wd.port)}, Port: wd.port,
		QMin: true, Prime: true, CacheSize: max(b.N, 10000)})
	if err != nil {
		b.Fatal(err)
	}
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range b.N {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res, err := r.Resolve(context.Background(), fmt.Sprintf("h%d.example.lab", i), dns.TypeA)
			if err != nil || len(res.Msg.Answer) != 1 {
				b.Errorf("h%d: %v", i, err)
			}
		})
	}
	wg.Wait()
}

// serveAnyName answers every A question under zone at addr with one
// record, authoritatively, over UDP: a zone of any size at no cost.
func serveAnyName(b *testing.B, addr netip.AddrPort, zone string) {
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		if q.Question[0].Qtype == dns.TypeA {
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300},
				A: net.IPv4(192, 0, 2, 1)}}
		} else {
			m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300},
				Ns: "auth.ns.lab.", Mbox: "h.lab.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: 300}}
		}
		if opt := q.IsEdns0(); opt != nil {
			m.SetEdns0(opt.UDPSize(), false)
		}
		_ = w.WriteMsg(m)
	})
	srv := &dns.Server{Addr: net.JoinHostPort(addr.Addr().String(), strconv.Itoa(int(addr.Port()))), Net: "udp", Handler: h}
	started := make(chan error, 1)
	srv.NotifyStartedFunc = func() { started <- nil }
	go func() { started <- srv.ListenAndServe() }()
	if err := <-started; err != nil {
		b.Skipf("cannot serve on %v: %v", addr, err)
	}
	b.Cleanup(func() { _ = srv.Shutdown() })
}

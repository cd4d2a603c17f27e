package resolver

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// authServer is a small authoritative server for tests: one zone, records
// in zone-file syntax, answers as an authoritative server would (answer,
// CNAME, referral with glue, NODATA or NXDOMAIN with the SOA).
type authServer struct {
	origin  string
	rrs     []dns.RR
	queries atomic.Int64
	mangle  atomic.Pointer[func(*dns.Msg)] // hostile behaviour, applied to every response
	silent  atomic.Bool
	noEDNS  atomic.Bool  // answers FORMERR to queries with EDNS, as pre-EDNS servers do
	delay   atomic.Int64 // nanoseconds before each answer
	mu      sync.Mutex
	seen    []string // query names as received
}

func (a *authServer) names() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func (a *authServer) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	a.queries.Add(1)
	if a.silent.Load() {
		return
	}
	m := new(dns.Msg)
	m.SetReply(q)
	qn, qt := q.Question[0].Name, q.Question[0].Qtype
	a.mu.Lock()
	a.seen = append(a.seen, qn)
	a.mu.Unlock()
	if a.noEDNS.Load() && q.IsEdns0() != nil {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	soa, _ := dns.NewRR(a.origin + " 300 IN SOA ns." + a.origin + " h. 1 1 1 1 300")
	// A delegation below the origin that encloses qname: a referral (but
	// the DS of the delegation itself is the parent's to answer).
	for _, rr := range a.rrs {
		if ns, ok := rr.(*dns.NS); ok && !strings.EqualFold(ns.Hdr.Name, a.origin) && dns.IsSubDomain(ns.Hdr.Name, qn) &&
			!(qt == dns.TypeDS && strings.EqualFold(ns.Hdr.Name, qn)) {
			for _, r := range a.rrs {
				if n, ok := r.(*dns.NS); ok && strings.EqualFold(n.Hdr.Name, ns.Hdr.Name) {
					m.Ns = append(m.Ns, r)
					for _, g := range a.rrs {
						if strings.EqualFold(g.Header().Name, n.Ns) && (g.Header().Rrtype == dns.TypeA || g.Header().Rrtype == dns.TypeAAAA) {
							m.Extra = append(m.Extra, g)
						}
					}
				}
			}
			a.write(w, m)
			return
		}
	}
	m.Authoritative = true
	// A DNAME above the name: answer with it alone (no synthesised CNAME).
	for _, rr := range a.rrs {
		if d, ok := rr.(*dns.DNAME); ok && dns.IsSubDomain(d.Hdr.Name, qn) && !strings.EqualFold(d.Hdr.Name, qn) {
			m.Answer = append(m.Answer, rr)
			a.write(w, m)
			return
		}
	}
	exists := false
	for _, rr := range a.rrs {
		if !strings.EqualFold(rr.Header().Name, qn) {
			continue
		}
		exists = true
		if rr.Header().Rrtype == qt || rr.Header().Rrtype == dns.TypeCNAME {
			m.Answer = append(m.Answer, rr)
		}
	}
	for _, rr := range m.Answer {
		if ns, ok := rr.(*dns.NS); ok { // additional section processing, as NSD's
			for _, g := range a.rrs {
				if strings.EqualFold(g.Header().Name, ns.Ns) && (g.Header().Rrtype == dns.TypeA || g.Header().Rrtype == dns.TypeAAAA) {
					m.Extra = append(m.Extra, g)
				}
			}
		}
	}
	switch {
	case len(m.Answer) > 0:
	case exists:
		m.Ns = []dns.RR{soa}
	default:
		m.Rcode = dns.RcodeNameError
		m.Ns = []dns.RR{soa}
	}
	a.write(w, m)
}

func (a *authServer) write(w dns.ResponseWriter, m *dns.Msg) {
	if f := a.mangle.Load(); f != nil {
		(*f)(m)
	}
	time.Sleep(time.Duration(a.delay.Load()))
	w.WriteMsg(m)
}

// world is a set of test servers on 127.0.0.N, all on one port.
type world struct {
	port    uint16
	servers map[string]*authServer
}

func newWorld(t testing.TB) *world {
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.LocalAddr().(*net.UDPAddr).Port)
	l.Close()
	return &world{port: port, servers: map[string]*authServer{}}
}

// serve starts a server for origin at ip with records.
func (wd *world) serve(t testing.TB, ip, origin string, records ...string) *authServer {
	t.Helper()
	a := &authServer{origin: origin}
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		a.rrs = append(a.rrs, rr)
	}
	addr := net.JoinHostPort(ip, strconv.Itoa(int(wd.port)))
	for _, network := range []string{"udp", "tcp"} {
		srv := &dns.Server{Addr: addr, Net: network, Handler: a}
		started := make(chan error, 1)
		srv.NotifyStartedFunc = func() { started <- nil }
		go func() { started <- srv.ListenAndServe() }()
		if err := <-started; err != nil {
			t.Skipf("cannot serve on %s/%s: %v", addr, network, err)
		}
		t.Cleanup(func() { srv.Shutdown() })
	}
	wd.servers[ip] = a
	return a
}

func (wd *world) resolver(t *testing.T, events *[]Event, roots ...string) *Resolver {
	var rs []netip.AddrPort
	for _, r := range roots {
		rs = append(rs, netip.AddrPortFrom(netip.MustParseAddr(r), wd.port))
	}
	// A short deadline: a zone whose servers only time out (or send only
	// junk) is asked until it ends.
	r, err := New(Config{Roots: rs, Port: wd.port, Timeout: 300 * time.Millisecond, Deadline: 2 * time.Second, Events: func(e Event) {
		if events != nil {
			*events = append(*events, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// standard builds root (127.0.0.2), lab. (127.0.0.3), example.lab.
// (127.0.0.4) and a glueless nogl.lab. (127.0.0.5, named ns1.example.lab.).
func standard(t *testing.T) *world {
	wd := newWorld(t)
	wd.serve(t, "127.0.0.2", ".", ". 3600 IN NS root.ns.lab.", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3")
	wd.serve(t, "127.0.0.3", "lab.", "lab. 3600 IN NS tld.ns.lab.",
		"example.lab. 3600 IN NS auth.ns.lab.", "auth.ns.lab. 3600 IN A 127.0.0.4",
		"nogl.lab. 3600 IN NS ns1.example.lab.",
		"evil.lab. 3600 IN NS ns.evil.test.", "ns.evil.test. 3600 IN A 127.0.0.66",
		"up.lab. 3600 IN NS tld2.ns.lab.", "tld2.ns.lab. 3600 IN A 127.0.0.7",
		"example.lab. 3600 IN DS 12345 13 2 "+strings.Repeat("ab", 32))
	wd.serve(t, "127.0.0.4", "example.lab.", "www.example.lab. 300 IN A 192.0.2.80",
		"ns1.example.lab. 300 IN A 127.0.0.5", "alias.example.lab. 300 IN CNAME www.nogl.lab.",
		"loop1.example.lab. 300 IN CNAME loop2.example.lab.", "loop2.example.lab. 300 IN CNAME loop1.example.lab.",
		"mail.example.lab. 300 IN A 192.0.2.25", "old.example.lab. 300 IN DNAME nogl.lab.")
	wd.serve(t, "127.0.0.5", "nogl.lab.", "www.nogl.lab. 300 IN A 192.0.2.81")
	// A server that refers back up to the root: a referral loop.
	wd.serve(t, "127.0.0.7", "up.lab.", ". 3600 IN NS root.ns.lab.", "lab. 3600 IN NS tld.ns.lab.")
	return wd
}

func answers(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		out = append(out, strings.ReplaceAll(rr.String(), "\t", " "))
	}
	return out
}

func TestResolve(t *testing.T) {
	wd := standard(t)
	r := wd.resolver(t, nil, "127.0.0.2")
	tests := []struct {
		name   string
		qtype  uint16
		rcode  int
		want   string // contained in the joined answer
		answer int
	}{
		{"www.example.lab", dns.TypeA, dns.RcodeSuccess, "192.0.2.80", 1},
		{"www.nogl.lab", dns.TypeA, dns.RcodeSuccess, "192.0.2.81", 1},                                         // glueless delegation
		{"alias.example.lab", dns.TypeA, dns.RcodeSuccess, "alias.example.lab. 300 IN CNAME www.nogl.lab.", 2}, // CNAME across zones
		{"nothere.example.lab", dns.TypeA, dns.RcodeNameError, "", 0},
		{"mail.example.lab", dns.TypeMX, dns.RcodeSuccess, "", 0}, // NODATA
	}
	for _, tc := range tests {
		t.Run(tc.name+"/"+dns.TypeToString[tc.qtype], func(t *testing.T) {
			res, err := r.Resolve(context.Background(), tc.name, tc.qtype)
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(answers(res.Msg), "\n")
			if q := res.Msg.Question; len(q) != 1 || q[0].Name != dns.Fqdn(tc.name) {
				t.Errorf("question %v", q)
			}
			if res.Msg.Rcode != tc.rcode || len(res.Msg.Answer) != tc.answer || !strings.Contains(joined, tc.want) {
				t.Errorf("rcode %s, answer:\n%s", dns.RcodeToString[res.Msg.Rcode], joined)
			}
		})
	}
}

func TestHostile(t *testing.T) {
	wd := standard(t)
	var events []Event
	r := wd.resolver(t, &events, "127.0.0.2")
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "loop1.example.lab", dns.TypeA); !errors.Is(err, ErrCNAMELoop) {
		t.Errorf("CNAME loop: %v", err)
	}
	if _, err := r.Resolve(ctx, "www.evil.lab", dns.TypeA); err == nil {
		t.Error("resolved through out-of-bailiwick glue")
	}
	for _, e := range events {
		if e.Kind == "query" && e.Server.Addr().String() == "127.0.0.66" {
			t.Error("asked the server named only by out-of-bailiwick glue")
		}
	}
	if _, err := r.Resolve(ctx, "www.up.lab", dns.TypeA); err == nil {
		t.Error("followed an upward referral")
	}
	// Wrong ID and wrong question from the zone's first server; silence
	// from another; the good one still answers.
	wd2 := standard(t)
	wrongID := func(m *dns.Msg) { m.Id++ }
	wd2.servers["127.0.0.4"].mangle.Store(&wrongID)
	r2 := wd2.resolver(t, nil, "127.0.0.2")
	if _, err := r2.Resolve(ctx, "www.example.lab", dns.TypeA); err == nil {
		t.Error("accepted a response with the wrong ID")
	}
	wd3 := standard(t)
	wrongQuestion := func(m *dns.Msg) { m.Question[0].Name = "other.example.lab." }
	wd3.servers["127.0.0.4"].mangle.Store(&wrongQuestion)
	if _, err := wd3.resolver(t, nil, "127.0.0.2").Resolve(ctx, "www.example.lab", dns.TypeA); err == nil {
		t.Error("accepted a response to another question")
	}
}

func TestSilentServerAndBudget(t *testing.T) {
	wd := newWorld(t)
	dead := wd.serve(t, "127.0.0.8", ".")
	dead.silent.Store(true)
	wd.serve(t, "127.0.0.2", ".", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3")
	wd.serve(t, "127.0.0.3", "lab.", "www.lab. 300 IN A 192.0.2.1")
	r := wd.resolver(t, nil, "127.0.0.8", "127.0.0.2")
	start := time.Now()
	res, err := r.Resolve(context.Background(), "www.lab", dns.TypeA)
	if err != nil || len(res.Msg.Answer) != 1 {
		t.Fatalf("with a dead root first: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	// All silent: asked again and again until the deadline, then
	// SERVFAIL, No Reachable Authority; never a hang.
	wd2 := newWorld(t)
	silent := wd2.serve(t, "127.0.0.9", ".")
	silent.silent.Store(true)
	r2, _ := New(Config{Roots: wd2.resolver(t, nil, "127.0.0.9").cfg.Roots, Port: wd2.port, Timeout: 300 * time.Millisecond, Deadline: 2 * time.Second})
	start = time.Now()
	res, err = r2.Resolve(context.Background(), "www.lab", dns.TypeA)
	var ze *ZoneError
	if !errors.As(err, &ze) || ze.Timeouts != 1 || time.Since(start) > 2500*time.Millisecond || edeCode(err) != dns.ExtendedErrorCodeNoReachableAuthority {
		t.Errorf("all silent: %v after %v", err, time.Since(start))
	}
	// The last query may reach the server after the lookup has ended.
	if n := int(silent.queries.Load()); n < 5 || res.Queries < n || res.Queries > n+1 {
		t.Errorf("all silent: %d queries (%d counted) in 2 s at an RTO of 300 ms", n, res.Queries)
	}
}

// FuzzCheckResponse: hostile responses never panic the checks.
func FuzzCheckResponse(f *testing.F) {
	q := new(dns.Msg)
	q.SetQuestion("www.example.lab.", dns.TypeA)
	good := new(dns.Msg)
	good.SetReply(q)
	b, _ := good.Pack()
	f.Add(b)
	f.Add([]byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := new(dns.Msg)
		if r.Unpack(b) != nil {
			return
		}
		_ = checkResponse(q, r, true)
		_ = isReferral(r)
	})
}

// TestResolverOptions: QNAME minimisation, 0x20, the FORMERR fallback and
// DNAME.
func TestResolverOptions(t *testing.T) {
	ctx := context.Background()
	wd := standard(t)
	rs := []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), wd.port)}
	r, _ := New(Config{Roots: rs, Port: wd.port, Timeout: 300 * time.Millisecond, QMin: true})
	res, err := r.Resolve(ctx, "www.example.lab", dns.TypeA)
	if err != nil || len(res.Msg.Answer) != 1 {
		t.Fatalf("qmin: %v", err)
	}
	for _, n := range wd.servers["127.0.0.2"].names() {
		if n != "lab." {
			t.Errorf("qmin: the root saw %q, want only lab.", n)
		}
	}
	for _, n := range wd.servers["127.0.0.3"].names() {
		if n != "example.lab." {
			t.Errorf("qmin: the lab. server saw %q, want only example.lab.", n)
		}
	}
	if res, err := r.Resolve(ctx, "a.b.nothere.example.lab", dns.TypeA); err != nil || res.Msg.Rcode != dns.RcodeNameError {
		t.Errorf("qmin NXDOMAIN: %v %v", res, err)
	}

	r0x20, _ := New(Config{Roots: rs, Port: wd.port, Timeout: 300 * time.Millisecond, Rand0x20: true})
	if res, err := r0x20.Resolve(ctx, "www.example.lab", dns.TypeA); err != nil || len(res.Msg.Answer) != 1 {
		t.Errorf("0x20 with honest servers: %v", err)
	}
	wd2 := standard(t)
	lower := func(m *dns.Msg) { m.Question[0].Name = strings.ToLower(m.Question[0].Name) }
	wd2.servers["127.0.0.4"].mangle.Store(&lower)
	rs2 := []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), wd2.port)}
	r2, _ := New(Config{Roots: rs2, Port: wd2.port, Timeout: 300 * time.Millisecond, Deadline: 2 * time.Second, Rand0x20: true})
	if _, err := r2.Resolve(ctx, "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww.example.lab", dns.TypeA); err == nil {
		t.Error("0x20: accepted a response with the question's case changed")
	}

	wd3 := standard(t)
	wd3.servers["127.0.0.4"].noEDNS.Store(true)
	if res, err := wd3.resolver(t, nil, "127.0.0.2").Resolve(ctx, "www.example.lab", dns.TypeA); err != nil || len(res.Msg.Answer) != 1 {
		t.Errorf("FORMERR fallback: %v", err)
	}

	res, err = wd.resolver(t, nil, "127.0.0.2").Resolve(ctx, "www.old.example.lab", dns.TypeA)
	if err != nil || !strings.Contains(strings.Join(answers(res.Msg), "\n"), "192.0.2.81") || !strings.Contains(strings.Join(answers(res.Msg), "\n"), "DNAME") {
		t.Errorf("DNAME: %v\n%v", err, res)
	}
}

// TestGluelessLookups: a glueless delegation costs only the lookups it
// needs (the A records of its name servers, no AAAA while an A answers),
// and a dead first name server leaves the second to be looked up and asked.
func TestGluelessLookups(t *testing.T) {
	wd := newWorld(t)
	wd.serve(t, "127.0.0.2", ".", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3",
		"test. 3600 IN NS tld2.ns.lab.", "tld2.ns.lab. 3600 IN A 127.0.0.10")
	wd.serve(t, "127.0.0.3", "lab.", "two.lab. 3600 IN NS dead.ns.test.", "two.lab. 3600 IN NS good.ns.test.",
		"one.lab. 3600 IN NS one.ns.test.")
	wd.serve(t, "127.0.0.10", "test.", "dead.ns.test. 3600 IN A 127.0.0.11", "good.ns.test. 3600 IN A 127.0.0.12",
		"one.ns.test. 3600 IN A 127.0.0.13")
	wd.serve(t, "127.0.0.11", "two.lab.").silent.Store(true)
	wd.serve(t, "127.0.0.12", "two.lab.", "www.two.lab. 300 IN A 192.0.2.2")
	wd.serve(t, "127.0.0.13", "one.lab.", "www.one.lab. 300 IN A 192.0.2.1")
	tests := []struct {
		name    string
		queries int // root, lab., [root, test.] per glueless name, the servers asked
	}{
		// root, lab., root (test.), test. (A one.ns.test.), one.
		{"www.one.lab", 5},
		// root, lab., root (test.), test. (A dead), dead (silent),
		// test. (A good), good.
		{"www.two.lab", 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var events []Event
			res, err := wd.resolver(t, &events, "127.0.0.2").Resolve(context.Background(), tc.name, dns.TypeA)
			if err != nil || len(res.Msg.Answer) != 1 {
				t.Fatal(err)
			}
			for _, e := range events {
				if e.Kind == "query" && e.QType == "AAAA" {
					t.Errorf("asked %s for %s AAAA though an A served", e.Server, e.QName)
				}
			}
			if res.Queries != tc.queries {
				t.Errorf("%d queries, want %d", res.Queries, tc.queries)
			}
		})
	}
}

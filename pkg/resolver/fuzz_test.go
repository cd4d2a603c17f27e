package resolver

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// scriptServer answers every query, whichever of its addresses it reaches,
// with the next response of a script: a fuzzer's DNS message given the
// query's ID and question (so that it is taken as the answer and goes on
// to the lameness checks, the scrubber, the referral and chain code), or
// the raw bytes when they are no DNS message (junk, ignored), or nothing
// for an empty entry (a lost datagram). Every address in the responses is
// turned into one of the server's own, on loopback: whatever the script
// says, the resolver asks nobody else.
type scriptServer struct {
	port     uint16
	script   atomic.Pointer[[][]byte]
	next     atomic.Int64
	received atomic.Int64
}

// scriptAddrs are the server's addresses; A records point at them.
var scriptAddrs = []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}

func newScriptServer(tb testing.TB) *scriptServer {
	s := &scriptServer{}
	var conns []net.PacketConn
	for try := 0; len(conns) < len(scriptAddrs) && try < 20; try++ {
		for _, c := range conns {
			c.Close()
		}
		conns = nil
		for i, a := range scriptAddrs {
			port := int(s.port)
			if i == 0 {
				port = 0
			}
			c, err := net.ListenPacket("udp", net.JoinHostPort(a, fmt.Sprint(port)))
			if err != nil {
				break
			}
			if i == 0 {
				s.port = uint16(c.LocalAddr().(*net.UDPAddr).Port)
			}
			conns = append(conns, c)
		}
	}
	if len(conns) < len(scriptAddrs) {
		tb.Fatal("no port free on every script server address")
	}
	for _, c := range conns {
		go s.serve(c)
	}
	tb.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	return s
}

func (s *scriptServer) serve(c net.PacketConn) {
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		s.received.Add(1)
		q := new(dns.Msg)
		if q.Unpack(buf[:n]) != nil || len(q.Question) != 1 {
			continue
		}
		script := s.script.Load()
		if script == nil || len(*script) == 0 {
			continue
		}
		raw := (*script)[int(s.next.Add(1)-1)%len(*script)]
		if out := s.response(q, raw); out != nil {
			_, _ = c.WriteTo(out, from)
		}
	}
}

// response is what the script's entry raw sends back to q.
func (s *scriptServer) response(q *dns.Msg, raw []byte) []byte {
	if len(raw) == 0 {
		return nil
	}
	m := new(dns.Msg)
	if m.Unpack(raw) != nil {
		return raw
	}
	m.Id, m.Response, m.Question = q.Id, true, q.Question
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			switch r := rr.(type) {
			case *dns.A:
				last := byte(0)
				if len(r.A) > 0 {
					last = r.A[len(r.A)-1]
				}
				r.A = net.ParseIP(scriptAddrs[int(last)%len(scriptAddrs)])
			case *dns.AAAA:
				r.AAAA = net.IPv6loopback // nothing listens there: refused at once
			}
		}
	}
	out, err := m.Pack()
	if err != nil {
		return raw
	}
	return out
}

// script splits the fuzzer's bytes into responses: each a 2-byte length
// and that many bytes.
func splitScript(b []byte) [][]byte {
	var out [][]byte
	for len(b) >= 2 && len(out) < 64 {
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		n = min(n, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func joinScript(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = binary.BigEndian.AppendUint16(out, uint16(len(m)))
		out = append(out, m...)
	}
	return out
}

// fuzzMsg packs a message of records in zone-file syntax, each section's
// records after a "|" (answer | authority | additional), with AA when aa.
func fuzzMsg(tb testing.TB, aa bool, rcode int, sections ...[]string) []byte {
	m := new(dns.Msg)
	m.SetQuestion("x.", dns.TypeA)
	m.Response, m.Authoritative, m.Rcode = true, aa, rcode
	for i, sec := range sections {
		for _, s := range sec {
			rr, err := dns.NewRR(s)
			if err != nil {
				tb.Fatal(err)
			}
			switch i {
			case 0:
				m.Answer = append(m.Answer, rr)
			case 1:
				m.Ns = append(m.Ns, rr)
			default:
				m.Extra = append(m.Extra, rr)
			}
		}
	}
	b, err := m.Pack()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// fuzzQuestions are the questions the fuzzer picks from.
var fuzzQuestions = []struct {
	name  string
	qtype uint16
}{
	{"www.a.example.", dns.TypeA}, {"a.b.c.d.e.f.g.h.i.j.k.l.example.", dns.TypeAAAA},
	{"a.example.", dns.TypeDS}, {"example.", dns.TypeMX},
}

// FuzzReferralChain: whatever the servers answer (referrals up, down and
// sideways, glue and no glue, CNAME and DNAME chains and loops, lame and
// junk answers, silence), a resolution never panics, never asks anyone but
// the servers it was given, keeps to its query budget and ends well within
// its deadline. flags picks the question (bits 0-1), QNAME minimisation
// (2), priming (3), IPv4 only (4) and 0x20 (5).
func FuzzReferralChain(f *testing.F) {
	rootRef := fuzzMsg(f, false, 0, nil, []string{"example. 3600 IN NS ns1.example.", "example. 3600 IN NS ns2.other."},
		[]string{"ns1.example. 3600 IN A 192.0.2.2", "ns1.example. 3600 IN AAAA 2001:db8::2"})
	childRef := fuzzMsg(f, false, 0, nil, []string{"a.example. 300 IN NS ns.a.example."}, []string{"ns.a.example. 300 IN A 192.0.2.3"})
	answer := fuzzMsg(f, true, 0, []string{"www.a.example. 300 IN A 192.0.2.80"}, nil, nil)
	cname := fuzzMsg(f, true, 0, []string{"www.a.example. 300 IN CNAME www.other.", "www.other. 300 IN A 192.0.2.81"}, nil, nil)
	dname := fuzzMsg(f, true, 0, []string{"a.example. 300 IN DNAME b.other."}, nil, nil)
	loop := fuzzMsg(f, true, 0, []string{"www.a.example. 300 IN CNAME x.a.example.", "x.a.example. 300 IN CNAME www.a.example."}, nil, nil)
	nodata := fuzzMsg(f, true, 0, nil, []string{"example. 300 IN SOA ns. h. 1 1 1 1 300"}, nil)
	nx := fuzzMsg(f, true, dns.RcodeNameError, nil, []string{"example. 300 IN SOA ns. h. 1 1 1 1 300"}, nil)
	glueless := fuzzMsg(f, false, 0, nil, []string{"a.example. 300 IN NS ns.c.other.", "a.example. 300 IN NS ns.d.other."}, nil)
	upward := fuzzMsg(f, false, 0, nil, []string{". 300 IN NS root."}, []string{"root. 300 IN A 192.0.2.1"})
	refused := fuzzMsg(f, false, dns.RcodeRefused, nil, nil, nil)
	for flags := range byte(64) {
		if flags%7 != 0 {
			continue
		}
		f.Add(flags, joinScript(rootRef, childRef, answer))
		f.Add(flags, joinScript(rootRef, nil, childRef, cname, rootRef, answer))
		f.Add(flags, joinScript(rootRef, dname, rootRef, nodata))
		f.Add(flags, joinScript(rootRef, glueless, rootRef, answer, nx, answer))
		f.Add(flags, joinScript(rootRef, loop))
		f.Add(flags, joinScript(upward, refused, []byte{1, 2, 3}, rootRef, childRef))
	}
	shortMinimise()
	srv := newScriptServer(f)
	var roots []netip.AddrPort
	for _, a := range scriptAddrs[:2] {
		roots = append(roots, netip.AddrPortFrom(netip.MustParseAddr(a), srv.port))
	}
	f.Fuzz(func(t *testing.T, flags byte, b []byte) {
		script := splitScript(b)
		srv.script.Store(&script)
		srv.next.Store(0)
		srv.received.Store(0)
		var mu sync.Mutex
		events := 0
		cfg := Config{Roots: roots, Port: srv.port, Timeout: 5 * time.Millisecond, Tries: 2, Deadline: 2 * time.Second,
			QMin: flags&4 != 0, Prime: flags&8 != 0, V4Only: flags&16 != 0, Rand0x20: flags&32 != 0,
			Events: func(e Event) {
				mu.Lock()
				events++
				mu.Unlock()
				if e.Kind == "query" && !e.Server.Addr().IsLoopback() {
					panic(fmt.Sprintf("asked %v, not one of the script's servers", e.Server))
				}
			}}
		r, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		q := fuzzQuestions[flags&3]
		start := time.Now()
		res, err := r.Resolve(context.Background(), q.name, q.qtype)
		took := time.Since(start)
		if res == nil || res.Msg == nil {
			t.Fatalf("no answer, not even SERVFAIL: %v", err)
		}
		// The budget counts queries; an exchange adds at most a retry
		// without EDNS (and a TCP attempt, which nobody answers here).
		budget := r.cfg.MaxQueries
		if res.Queries > budget || srv.received.Load() > 2*int64(budget) {
			t.Errorf("%d queries counted, %d datagrams sent, budget %d", res.Queries, srv.received.Load(), budget)
		}
		if events > 64*budget {
			t.Errorf("%d events for %d queries", events, res.Queries)
		}
		if took > cfg.Deadline+time.Second {
			t.Errorf("took %v, deadline %v", took, cfg.Deadline)
		}
		if len(res.Msg.Question) != 1 || res.Msg.Question[0].Name != q.name {
			t.Errorf("answer to %v, asked %s", res.Msg.Question, q.name)
		}
	})
}

// shortMinimise: each input costs milliseconds of loopback exchanges, and
// its coverage varies from run to run (servers are tried in random order),
// so minimising every new input for go test's default minute leaves no
// time to fuzz: unless -fuzzminimizetime says otherwise, a second each.
func shortMinimise() {
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == "test.fuzzminimizetime" })
	if !set {
		_ = flag.Set("test.fuzzminimizetime", "1s")
	}
}

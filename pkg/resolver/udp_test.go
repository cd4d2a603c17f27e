package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"gnetutils/pkg/dnstest"
)

// fakeServer answers the first query it reads with the datagrams send
// makes of it, a pause before each; it returns the server's address.
func fakeServer(t *testing.T, pause time.Duration, send func(q *dns.Msg) [][]byte) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		n, from, err := pc.ReadFrom(buf)
		q := new(dns.Msg)
		if err != nil || q.Unpack(buf[:n]) != nil {
			return
		}
		for _, b := range send(q) {
			time.Sleep(pause)
			_, _ = pc.WriteTo(b, from)
		}
	}()
	return netip.MustParseAddrPort(pc.LocalAddr().String())
}

func pack(m *dns.Msg) []byte {
	b, _ := m.Pack()
	return b
}

// TestUDPExchangeIgnoresJunk: junk, another ID, a query instead of a
// response and a response to another question, all from the server's
// address, are ignored; the answer after them is taken, however late
// within the wait. With no answer after them, the exchange lasts the
// whole wait.
func TestUDPExchangeIgnoresJunk(t *testing.T) {
	junk := func(q *dns.Msg) [][]byte {
		r := new(dns.Msg)
		r.SetReply(q)
		wrongID, notResponse, other := r.Copy(), r.Copy(), r.Copy()
		wrongID.Id++
		notResponse.Response = false
		other.Question[0].Name = "other.lab."
		return [][]byte{[]byte("junk"), pack(wrongID), pack(notResponse), pack(other)}
	}
	tests := []struct {
		name    string
		answer  bool
		wantErr error
	}{
		{"junk then the answer", true, nil},
		{"junk only", false, errTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, 20*time.Millisecond, func(q *dns.Msg) [][]byte {
				out := junk(q)
				if tc.answer {
					r := new(dns.Msg)
					r.SetReply(q)
					out = append(out, pack(r))
				}
				return out
			})
			q := new(dns.Msg)
			q.SetQuestion("www.lab.", dns.TypeA)
			var ignored []error
			start := time.Now()
			const wait = 400 * time.Millisecond
			r, _, err := UDPExchange(context.Background(), q, addr, wait, false, func(_ []byte, err error) { ignored = append(ignored, err) })
			if !errors.Is(err, tc.wantErr) || (err == nil) != (r != nil) || len(ignored) != 4 {
				t.Fatalf("%v %v, ignored %v", r, err, ignored)
			}
			if !errors.Is(ignored[3], errOtherQuestion) {
				t.Errorf("last ignored %v, want another question", ignored[3])
			}
			if d := time.Since(start); err != nil && d < wait {
				t.Errorf("gave up after %v, before the wait of %v", d, wait)
			}
		})
	}
}

// TestUnreachable: only errors that say the family cannot be reached from
// this host are free of the budget and of further tries.
func TestUnreachable(t *testing.T) {
	opErr := func(e syscall.Errno) error { return &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", e)} }
	tests := []struct {
		err  error
		want bool
	}{
		{opErr(syscall.ENETUNREACH), true},
		{opErr(syscall.EADDRNOTAVAIL), true},
		{opErr(syscall.ECONNREFUSED), false},
		{opErr(syscall.EHOSTUNREACH), false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.err), func(t *testing.T) {
			if got := errors.Is(unreachable(tc.err), errUnreachable); got != tc.want {
				t.Errorf("unreachable: %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRetransmission: a server that drops the first query of each name,
// the zone's only one, still answers every lookup: the query is sent
// again after the server's RTO, so one lost datagram costs one query and
// one RTO, never the lookup. A server that sends junk before each answer
// answers as fast as one that does not.
func TestRetransmission(t *testing.T) {
	tests := []struct {
		name    string
		b       dnstest.Behaviour
		queries int // root, lab., then the zone's server
		slowest time.Duration
	}{
		{"drop one", dnstest.Behaviour{Drop: 1}, 4, 350 * time.Millisecond},
		{"junk", dnstest.Behaviour{Junk: 3}, 3, 100 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wd := newWorld(t)
			wd.serve(t, "127.0.0.2", ".", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3")
			wd.serve(t, "127.0.0.3", "lab.", "lossy.lab. 3600 IN NS ns.lossy.lab.", "ns.lossy.lab. 3600 IN A 127.0.0.30")
			wd.serveTest(t, "127.0.0.30", func(string, uint16) dnstest.Behaviour { return tc.b },
				"lossy.lab. 3600 IN SOA ns.lossy.lab. h.lab. 1 3600 600 86400 300", "lossy.lab. 3600 IN NS ns.lossy.lab.",
				"*.lossy.lab. 300 IN A 192.0.2.9")
			r := wd.resolver(t, nil, "127.0.0.2")
			for run := 0; run < 5; run++ {
				start := time.Now()
				res, err := r.Resolve(context.Background(), fmt.Sprintf("r%d.lossy.lab", run), dns.TypeA)
				if err != nil || len(res.Msg.Answer) != 1 {
					t.Fatalf("run %d: %v", run, err)
				}
				if want := tc.queries - 2*min(run, 1); res.Queries != want {
					t.Errorf("run %d: %d queries, want %d", run, res.Queries, want)
				}
				if d := time.Since(start); d > tc.slowest {
					t.Errorf("run %d took %v", run, d)
				}
			}
		})
	}
}

// TestLateAnswer: a server slower than its RTO is asked again when the
// RTO passes, but the first query keeps listening, and its answer, when
// it comes, ends the lookup: one RTT, not an RTO more. Its RTT is
// measured, so the next lookup waits for it without asking twice.
func TestLateAnswer(t *testing.T) {
	wd := newWorld(t)
	wd.serve(t, "127.0.0.2", ".", "lab. 3600 IN NS tld.ns.lab.", "tld.ns.lab. 3600 IN A 127.0.0.3")
	slow := wd.serve(t, "127.0.0.3", "lab.", "a.lab. 300 IN A 192.0.2.1", "b.lab. 300 IN A 192.0.2.2")
	const delay = 500 * time.Millisecond // the unknown RTO is 376 ms
	slow.delay.Store(int64(delay))
	var events []Event
	r, _ := New(Config{Roots: []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), wd.port)}, Port: wd.port,
		Timeout: 2 * time.Second, Events: func(e Event) { events = append(events, e) }})
	start := time.Now()
	res, err := r.Resolve(context.Background(), "a.lab", dns.TypeA)
	took := time.Since(start)
	if err != nil || len(res.Msg.Answer) != 1 {
		t.Fatalf("%v %v", res, err)
	}
	var kinds []string
	for _, e := range events {
		if e.Server.Addr().String() == "127.0.0.3" {
			kinds = append(kinds, e.Kind)
		}
	}
	if took > delay+200*time.Millisecond || slow.queries.Load() != 2 || strings.Join(kinds, " ") != "query timeout query response" {
		t.Errorf("took %v, %d queries to the slow server, events %v", took, slow.queries.Load(), kinds)
	}
	before := slow.queries.Load()
	if res, err := r.Resolve(context.Background(), "b.lab", dns.TypeA); err != nil || len(res.Msg.Answer) != 1 || slow.queries.Load() != before+1 {
		t.Errorf("second lookup: %v, %d queries", err, slow.queries.Load()-before)
	}
}

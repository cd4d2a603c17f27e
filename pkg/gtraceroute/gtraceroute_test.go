package gtraceroute

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gnetutils/pkg/icmpkind"
	"gnetutils/pkg/probes"
	"gnetutils/pkg/sockopt"
)

// TestLoopback traces 127.0.0.1 with the unprivileged UDP method: one hop,
// and no goroutine left behind.
func TestLoopback(t *testing.T) {
	before := runtime.NumGoroutine()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"-n", "127.0.0.1"}, nil, &stdout, &stderr)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[1], " 1  127.0.0.1  ") || strings.Count(lines[1], " ms") != 3 {
		t.Errorf("exit %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the run, %d before", n, before)
	}
}

func TestHopLine(t *testing.T) {
	a, b := netip.MustParseAddr("198.18.1.1"), netip.MustParseAddr("198.18.9.1")
	done := func(from netip.Addr, us int, annot string) *probe {
		return &probe{done: true, r: reply{from: from, rtt: time.Duration(us) * time.Microsecond, annot: annot}}
	}
	lost := &probe{lost: true}
	mpls := done(a, 100, "")
	mpls.r.ext = "MPLS:L=100,E=0,S=1,T=1"
	p := &textPrinter{numeric: true, ext: true}
	tests := []struct {
		name string
		h    hop
		want string
	}{
		{"all answered", hop{1, []*probe{done(a, 146, ""), done(a, 120, ""), done(a, 110, "")}}, " 1  198.18.1.1  0.146 ms  0.120 ms  0.110 ms"},
		{"silent", hop{2, []*probe{lost, lost, lost}}, " 2  * * *"},
		{"two addresses after a star", hop{9, []*probe{lost, done(a, 73, ""), done(b, 12, "")}}, " 9  * 198.18.1.1  0.073 ms 198.18.9.1  0.012 ms"},
		{"annotated", hop{12, []*probe{done(a, 6, "!F-1400"), done(a, 5, "!F-1400")}}, "12  198.18.1.1  0.006 ms !F-1400  0.005 ms !F-1400"},
		{"MPLS labels", hop{3, []*probe{mpls}}, " 3  198.18.1.1 <MPLS:L=100,E=0,S=1,T=1>  0.100 ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.hopLine(tc.h); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// fakePath answers probes like a chain of routers; silent hops never answer.
type fakePath struct {
	hops   []string // address of each hop; the last is the destination
	silent map[int]bool
	sent   []int
	at     []time.Time // when each probe was sent
	out    chan probes.Answer
	// A destination at its ICMP rate limit: one answer per refill, up to
	// a burst of 6, starting from an empty bucket (when refill > 0).
	refill     time.Duration
	tokens     float64
	lastRefill time.Time
}

// destAnswers is the destination's rate limiter: may it answer now?
func (f *fakePath) destAnswers(now time.Time) bool {
	if f.refill == 0 {
		return true
	}
	if !f.lastRefill.IsZero() {
		f.tokens = min(6, f.tokens+float64(now.Sub(f.lastRefill))/float64(f.refill))
	}
	f.lastRefill = now
	if f.tokens < 1 {
		return false
	}
	f.tokens--
	return true
}

func (f *fakePath) Send(idx, ttl, _ int) (time.Time, error) {
	f.sent = append(f.sent, ttl)
	now := time.Now()
	f.at = append(f.at, now)
	if ttl >= len(f.hops) && !f.destAnswers(now) {
		return now, nil
	}
	if ttl <= len(f.hops) && !f.silent[ttl] {
		kind := icmpkind.TimeExceeded
		if ttl == len(f.hops) {
			kind = icmpkind.Arrived
		}
		f.out <- probes.Answer{ID: idx, Kind: kind, From: netip.MustParseAddr(f.hops[ttl-1]), At: now, RTT: 100 * time.Microsecond}
	} else if ttl > len(f.hops) {
		f.out <- probes.Answer{ID: idx, Kind: icmpkind.Arrived, From: netip.MustParseAddr(f.hops[len(f.hops)-1]), At: now, RTT: 100 * time.Microsecond}
	}
	return now, nil
}
func (f *fakePath) Answers() <-chan probes.Answer { return f.out }
func (f *fakePath) Close() error                  { return nil }

func TestTracerSchedule(t *testing.T) {
	f := &fakePath{hops: []string{"10.0.0.1", "10.0.1.1", "10.0.2.1", "10.0.3.1"}, silent: map[int]bool{2: true}, out: make(chan probes.Answer, 1000)}
	tc := traceConfig{first: 1, max: 30, queries: 3, parallel: 16, waitMax: 5 * time.Second, here: 3, near: 10, retry: true, retryAfter: time.Second}
	tr := newTracer(tc, method{p: f})
	var lines []string
	start := time.Now()
	end, err := tr.run(context.Background(), func(h hop) { lines = append(lines, (&textPrinter{numeric: true}).hopLine(h)) })
	if err != nil || end != 4 || len(lines) != 4 || lines[1] != " 2  * * *" {
		t.Fatalf("end %d, err %v, lines %q", end, err, lines)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a silent mid-path hop took %v: NEAR should end it in milliseconds, without a retry", d)
	}
	for _, ttl := range f.sent {
		if ttl > 6 {
			t.Errorf("probe with TTL %d sent, far past the destination at 4", ttl)
		}
	}
}

// TestTracerRateLimitedDestination: a destination whose ICMP bucket is
// empty (a trace run right after another) drops the answers to every probe
// that reaches it; the window fills with them. One retry per hop once the
// bucket refilled finds the destination at its true distance, well before
// -w MAX, where traceroute would wait out MAX and put it further away; its
// other queries are retried one per refill, and each gets its answer.
func TestTracerRateLimitedDestination(t *testing.T) {
	f := &fakePath{hops: []string{"10.0.0.1", "10.0.1.1", "10.0.2.1", "10.0.3.1"}, out: make(chan probes.Answer, 1000), refill: 200 * time.Millisecond}
	tc := traceConfig{first: 1, max: 30, queries: 3, parallel: 16, waitMax: 5 * time.Second, here: 3, near: 10, retry: true, retryAfter: 250 * time.Millisecond, refill: 210 * time.Millisecond}
	tr := newTracer(tc, method{p: f})
	var lines []string
	start := time.Now()
	end, err := tr.run(context.Background(), func(h hop) { lines = append(lines, (&textPrinter{numeric: true}).hopLine(h)) })
	elapsed := time.Since(start)
	if err != nil || end != 4 || len(lines) != 4 || !strings.HasPrefix(lines[3], " 4  10.0.3.1  ") || strings.Contains(lines[3], "*") {
		t.Fatalf("end %d, err %v, lines %q", end, err, lines)
	}
	if elapsed > 2*time.Second {
		t.Errorf("took %v: the retry should end the trace long before MAX (5 s)", elapsed)
	}
	// -q 10: the destination's queries are retried within MAX only.
	f = &fakePath{hops: f.hops, out: make(chan probes.Answer, 1000), refill: 200 * time.Millisecond}
	tc10 := tc
	tc10.queries, tc10.waitMax = 10, time.Second
	lines, start = nil, time.Now()
	newTracer(tc10, method{p: f}).run(context.Background(), func(h hop) { lines = append(lines, (&textPrinter{numeric: true}).hopLine(h)) })
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond || len(lines) != 4 || !strings.Contains(lines[3], "*") {
		t.Errorf("-q 10, MAX 1 s: %v, lines %q; want some of the destination's queries given up within MAX", elapsed, lines)
	}
	// Without the retry the trace ends only after MAX, one hop too far.
	f = &fakePath{hops: f.hops, out: make(chan probes.Answer, 1000), refill: 200 * time.Millisecond}
	tc.retry, tc.waitMax = false, 600*time.Millisecond
	lines = nil
	end, _ = newTracer(tc, method{p: f}).run(context.Background(), func(h hop) { lines = append(lines, (&textPrinter{numeric: true}).hopLine(h)) })
	if end <= 4 {
		t.Errorf("without the retry the trace ended at %d, not past the destination: the fake's rate limit does not bite: %q", end, lines)
	}
}

// TestDeadline: traceroute's -w MAX,HERE,NEAR: MAX after the probe left,
// HERE times the RTT of an answer from its own hop, NEAR times that of the
// nearest later hop that answered, the smaller, floored; 0 turns HERE or
// NEAR off; a retry in flight keeps the first send's MAX.
func TestDeadline(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	type answer struct {
		ttl, q int
		rtt    time.Duration
	}
	tests := []struct {
		name       string
		here, near float64
		minWait    time.Duration
		answers    []answer
		sentAt     time.Duration // the probe's (re)send, after t0
		want       time.Duration // its deadline, after t0
	}{
		{"nothing answered: MAX", 3, 10, 0, nil, 0, 5 * time.Second},
		{"own hop answered: HERE", 3, 10, 0, []answer{{2, 0, ms(4)}}, 0, ms(12)},
		{"later hop answered: NEAR", 3, 10, 0, []answer{{3, 0, ms(4)}}, 0, ms(40)},
		{"nearest later hop counts", 3, 10, 0, []answer{{4, 0, ms(1)}, {3, 1, ms(6)}}, 0, ms(60)},
		{"both: the smaller", 3, 10, 0, []answer{{2, 1, ms(30)}, {3, 0, ms(4)}}, 0, ms(40)},
		{"HERE off", 0, 10, 0, []answer{{2, 1, ms(1)}}, 0, 5 * time.Second},
		{"NEAR off", 3, 0, 0, []answer{{3, 0, ms(1)}}, 0, 5 * time.Second},
		{"floored", 3, 10, 0, []answer{{3, 0, ms(0.01)}}, 0, ms(1)},
		{"floored for TCP", 3, 10, 2 * time.Millisecond, []answer{{3, 0, ms(0.01)}}, 0, ms(2)},
		{"earlier hop's answer does not count", 3, 10, 0, []answer{{1, 0, ms(1)}}, 0, 5 * time.Second},
		{"retry in flight keeps MAX", 3, 10, 0, nil, 1250 * time.Millisecond, 5 * time.Second},
		{"retry: NEAR from the resend", 3, 10, 0, []answer{{3, 0, ms(4)}}, 1250 * time.Millisecond, 1250*time.Millisecond + ms(40)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTracer(traceConfig{first: 1, max: 30, queries: 3, waitMax: 5 * time.Second, here: tc.here, near: tc.near, minWait: tc.minWait}, method{})
			for _, a := range tc.answers {
				p := tr.hopProbes(a.ttl)[a.q]
				p.done, p.r.rtt = true, a.rtt
			}
			p := tr.hopProbes(2)[2]
			p.waitFrom, p.sent = t0, t0.Add(tc.sentAt)
			if got := tr.deadline(p).Sub(t0); got != tc.want {
				t.Errorf("deadline %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTracerFirstAndSendWait: -f starts the trace at its TTL; -z spaces
// the probes.
func TestTracerFirstAndSendWait(t *testing.T) {
	f := &fakePath{hops: []string{"10.0.0.1", "10.0.1.1", "10.0.2.1", "10.0.3.1"}, out: make(chan probes.Answer, 1000)}
	tc := traceConfig{first: 3, max: 30, queries: 2, parallel: 16, waitMax: 5 * time.Second, here: 3, near: 10, sendWait: 15 * time.Millisecond}
	var lines []string
	end, err := newTracer(tc, method{p: f}).run(context.Background(), func(h hop) { lines = append(lines, (&textPrinter{numeric: true}).hopLine(h)) })
	if err != nil || end != 4 || len(lines) != 2 || !strings.HasPrefix(lines[0], " 3  10.0.2.1  ") || !strings.HasPrefix(lines[1], " 4  10.0.3.1  ") {
		t.Fatalf("end %d, err %v, lines %q", end, err, lines)
	}
	if f.sent[0] != 3 {
		t.Errorf("first probe's TTL %d, want 3", f.sent[0])
	}
	for i := 1; i < len(f.at); i++ {
		if gap := f.at[i].Sub(f.at[i-1]); gap < tc.sendWait {
			t.Errorf("probes %d and %d %v apart, -z says at least %v", i-1, i, gap, tc.sendWait)
		}
	}
}

// FuzzTCPReplies feeds hostile packets to the TCP method's matchers.
func FuzzTCPReplies(f *testing.F) {
	c := &tcpCodec{src: netip.MustParseAddr("198.18.1.2"), dst: netip.MustParseAddr("198.18.4.1"), sport: 40000, dport: 80, base: 1000, ackBase: 5000,
		probe: tcpProbe{flags: tcpSYN | tcpACK, info: true}}
	m := tcpEngine(c)
	f.Add(false, []byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 198, 18, 4, 1, 198, 18, 1, 2, 0, 80, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 3, 0xe9, 0x50, 0x12, 0, 0, 0, 0, 0, 0})
	f.Add(true, []byte{3, 0, 0, 0, 0, 0, 0, 0})
	f.Add(false, icmpErrorFor(c, 11, 0, 1003, uint32(16001)<<12|1<<8|1))
	f.Add(false, icmpErrorFor(c, 3, 4, 1001))
	f.Fuzz(func(t *testing.T, v6 bool, b []byte) {
		m.v6 = v6
		anc := sockopt.Ancillary{TTL: -1}
		m.fromProto(b, anc, m.dst)
		m.fromICMP(b, anc, m.dst)
	})
}

// tcpEngine is a raw engine with no sockets around c, for its matchers.
func tcpEngine(c *tcpCodec) *rawEngine {
	return &rawEngine{proto: unix.IPPROTO_TCP, src: c.src, dst: c.dst, codec: c, sent: map[int]time.Time{}}
}

// icmpErrorFor builds, as a router would, an IPv4 ICMP error (IP header
// included, as a raw socket reads it) quoting the TCP SYN with sequence
// number seq, padded to 128 bytes and followed by an RFC 4884 extension
// with an RFC 4950 MPLS label stack when labels are given.
func icmpErrorFor(m *tcpCodec, typ, code uint8, seq uint32, labels ...uint32) []byte {
	quote := make([]byte, 128)
	quote[0], quote[9] = 0x45, 6 // IPv4, TCP
	binary.BigEndian.PutUint16(quote[2:], 60)
	src, dst := m.src.As4(), m.dst.As4()
	copy(quote[12:], src[:])
	copy(quote[16:], dst[:])
	binary.BigEndian.PutUint16(quote[20:], m.sport)
	binary.BigEndian.PutUint16(quote[22:], m.dport)
	binary.BigEndian.PutUint32(quote[24:], seq)
	msg := []byte{typ, code, 0, 0, 0, 0, 0, 0}
	if len(labels) > 0 {
		msg[5] = 128 / 4 // RFC 4884 length, in 32-bit words
	}
	msg = append(msg, quote...)
	if len(labels) > 0 {
		msg = append(msg, 0x20, 0, 0, 0) // extension header, version 2
		obj := make([]byte, 4+4*len(labels))
		binary.BigEndian.PutUint16(obj, uint16(len(obj)))
		obj[2], obj[3] = 1, 1 // MPLS label stack, incoming
		for i, l := range labels {
			binary.BigEndian.PutUint32(obj[4+4*i:], l)
		}
		msg = append(msg, obj...)
	}
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, 62, 1
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(msg)))
	return append(ip, msg...)
}

// TestTCPMatchICMP: the -T method matches an ICMP error to its probe by
// the quoted sequence number, reads the MPLS labels a router appended
// (traceroute -e's text), and ends the trace on an unreachable.
func TestTCPMatchICMP(t *testing.T) {
	m := &tcpCodec{src: netip.MustParseAddr("198.18.1.2"), dst: netip.MustParseAddr("198.18.4.1"), sport: 40000, dport: 80, base: 7000}
	router := netip.MustParseAddr("198.18.2.1")
	anc := sockopt.Ancillary{TTL: -1}
	label := uint32(16001)<<12 | 1<<8 | 1 // L=16001, E=0, S=1, T=1
	fragNeeded := icmpErrorFor(m, 3, 4, 7002)
	binary.BigEndian.PutUint16(fragNeeded[20+6:], 1400) // next-hop MTU
	type matchCase struct {
		name        string
		b           []byte
		ok          bool
		idx         int
		final       bool
		annot, kind string
		ext, from   string
	}
	other := &tcpCodec{src: m.src, dst: m.dst, sport: 40001, dport: m.dport, base: m.base}
	tests := []matchCase{
		{"time exceeded with MPLS", icmpErrorFor(m, 11, 0, 7005, label), true, 5, false, "", "time_exceeded", "MPLS:L=16001,E=0,S=1,T=1", "198.18.2.1"},
		{"time exceeded", icmpErrorFor(m, 11, 0, 7000), true, 0, false, "", "time_exceeded", "", "198.18.2.1"},
		{"host unreachable", icmpErrorFor(m, 3, 1, 7009), true, 9, true, "!H", "unreachable", "", "198.18.2.1"},
		{"frag needed", fragNeeded, true, 2, true, "!F-1400", "frag_needed", "", "198.18.2.1"},
		{"another flow's probe", icmpErrorFor(other, 11, 0, 7001), false, 0, false, "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, ok := tcpEngine(m).fromICMP(tc.b, anc, router)
			if ok != tc.ok {
				t.Fatalf("matched %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			r := method{}.reply(a)
			if r.idx != tc.idx || r.final != tc.final || r.annot != tc.annot || r.kind != tc.kind || r.ext != tc.ext || r.from.String() != tc.from || r.ttl != 62 {
				t.Errorf("%+v", r)
			}
		})
	}
}

// floodPath is a prober whose answers never run out, as under a flood: a
// closed channel, always ready, every answer for no probe of the trace.
type floodPath struct{ out chan probes.Answer }

func (f floodPath) Send(int, int, int) (time.Time, error) { return time.Now(), nil }
func (f floodPath) Answers() <-chan probes.Answer         { return f.out }
func (f floodPath) Close() error                          { return nil }

// TestTracerUnderFlood: answers that never stop coming keep the tracer
// neither from its deadlines nor from ctx: each pass takes at most a
// queue's worth of them.
func TestTracerUnderFlood(t *testing.T) {
	for _, tc := range []struct {
		name    string
		waitMax time.Duration
		cancel  time.Duration
	}{
		{"deadlines", 100 * time.Millisecond, time.Minute},
		{"cancel", time.Minute, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := floodPath{out: make(chan probes.Answer, 256)}
			close(f.out)
			tr := newTracer(traceConfig{first: 1, max: 3, queries: 2, parallel: 16, waitMax: tc.waitMax}, method{p: f})
			tr.base = 1 << 20 // the flood's answers (ID 0) are for no probe
			ctx, cancel := context.WithTimeout(context.Background(), tc.cancel)
			defer cancel()
			done := make(chan error, 1)
			go func() { _, err := tr.run(ctx, func(hop) {}); done <- err }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("the tracer still runs 5 s into a flood")
			}
		})
	}
}

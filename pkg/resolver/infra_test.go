package resolver

import (
	"net/netip"
	"testing"
	"time"
)

// TestInfraRTO: the RTO follows RFC 6298 from the samples, starts at
// unbound's 376 ms, and doubles on each timeout after two in a row (BIND's
// grace) up to the limit, once for queries sent with the same RTO, never
// for a query an answer overtook.
func TestInfraRTO(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:53")
	tests := []struct {
		name  string
		steps func(st *serverStats)
		want  time.Duration
	}{
		{"unknown", func(*serverStats) {}, rtoUnknown},
		{"one sample", func(st *serverStats) { st.rtt(a, 100*time.Millisecond) }, 300 * time.Millisecond},
		{"fast: the floor", func(st *serverStats) { st.rtt(a, time.Millisecond) }, rtoMin},
		{"steady samples", func(st *serverStats) {
			for range 20 {
				st.rtt(a, 100*time.Millisecond)
			}
		}, 101 * time.Millisecond},
		{"two timeouts: the grace", func(st *serverStats) {
			st.backoff(a, rtoUnknown, 5*time.Second)
			st.backoff(a, rtoUnknown, 5*time.Second)
		}, rtoUnknown},
		{"three timeouts", func(st *serverStats) {
			for range 3 {
				st.backoff(a, rtoUnknown, 5*time.Second)
			}
		}, 2 * rtoUnknown},
		{"timeouts of queries sent at once: doubled once", func(st *serverStats) {
			for range 6 {
				st.backoff(a, rtoUnknown, 5*time.Second)
			}
		}, 2 * rtoUnknown},
		{"timeouts in turn: the limit", func(st *serverStats) {
			for range 10 {
				_, rto := st.timeout(a, time.Second)
				st.backoff(a, rto, time.Second)
			}
		}, time.Second},
		{"an answer ends the backoff", func(st *serverStats) {
			for range 3 {
				st.backoff(a, rtoUnknown, 5*time.Second)
			}
			st.rtt(a, time.Millisecond)
			st.backoff(a, 2*rtoUnknown, 5*time.Second) // sent before the answer
			_, rto := st.timeout(a, time.Second)
			st.backoff(a, rto, 5*time.Second)
		}, rtoMin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newServerStats()
			tc.steps(st)
			if got, _ := st.timeout(a, time.Hour); got.Round(time.Millisecond) != tc.want {
				t.Errorf("RTO %v, want %v", got, tc.want)
			}
		})
	}
}

// TestInfraOrder: a server that timed out comes after the ones within
// 400 ms of the best, a lame one after all, for its zone only; servers in
// the band come in random order.
func TestInfraOrder(t *testing.T) {
	srv := func(i int) server {
		return server{addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(i)}), 53)}
	}
	st := newServerStats()
	st.rtt(srv(1).addr, 10*time.Millisecond)
	for range 4 {
		_, rto := st.timeout(srv(2).addr, 5*time.Second)
		st.backoff(srv(2).addr, rto, 5*time.Second)
	}
	st.markLame(srv(3).addr, "lab.")
	all := []server{srv(1), srv(2), srv(3), srv(4)}
	firsts := map[netip.AddrPort]bool{}
	for range 50 {
		got := st.order("lab.", all)
		firsts[got[0].addr] = true
		if got[2] != srv(2) || got[3] != srv(3) {
			t.Fatalf("order %v", got)
		}
		if other := st.order("other.", all); other[3] != srv(2) {
			t.Fatalf("lame for lab. only, yet for other.: %v", other)
		}
	}
	if len(firsts) != 2 {
		t.Errorf("first servers %v: the band is not shuffled", firsts)
	}
}

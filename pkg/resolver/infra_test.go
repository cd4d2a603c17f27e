package resolver

import (
	"net/netip"
	"testing"
	"time"
)

// TestInfraRTO: the RTO follows RFC 6298 from the samples, doubles on
// each timeout up to the limit, and starts at unbound's 376 ms.
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
		{"one timeout", func(st *serverStats) { st.backoff(a, 5*time.Second) }, 2 * rtoUnknown},
		{"timeouts: the limit", func(st *serverStats) {
			for range 10 {
				st.backoff(a, time.Second)
			}
		}, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newServerStats()
			tc.steps(st)
			if got := st.timeout(a, time.Hour); got.Round(time.Millisecond) != tc.want {
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
	st.backoff(srv(2).addr, 5*time.Second)
	st.backoff(srv(2).addr, 5*time.Second)
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

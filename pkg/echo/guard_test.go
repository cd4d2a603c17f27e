package echo

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzGuardCheck holds the UDP guard to its promises for any source: the
// verdicts its rules give (a blocked or zero port, our own port on any
// address, a broadcast, multicast, unspecified or refused loopback
// source is never answered), and the rate limit's: a fresh guard answers
// exactly min(n, rate) of n datagrams from one prefix in a window, and
// none from any other address of that /24 or /64 once it is spent.
func FuzzGuardCheck(f *testing.F) {
	f.Add([]byte{198, 18, 9, 9}, uint16(40000), uint16(7), uint16(3), uint8(5), byte(200), false)
	f.Add([]byte{127, 0, 0, 1}, uint16(7007), uint16(7007), uint16(0), uint8(1), byte(0), true)
	f.Add(netip.MustParseAddr("fd00::1").AsSlice(), uint16(5353), uint16(7), uint16(1000), uint8(2), byte(1), false)
	f.Add(netip.MustParseAddr("::ffff:198.18.1.1").AsSlice(), uint16(1), uint16(2), uint16(1), uint8(9), byte(77), true)
	f.Add([]byte{224, 0, 0, 1}, uint16(5000), uint16(7), uint16(10), uint8(1), byte(0), false)
	f.Fuzz(func(t *testing.T, ip []byte, port, selfPort, rate uint16, n uint8, sibling byte, loopback bool) {
		a, ok := netip.AddrFromSlice(ip)
		if !ok {
			return
		}
		src := netip.AddrPortFrom(a, port)
		self := netip.AddrPortFrom(netip.MustParseAddr("198.18.1.1"), selfPort)
		g := newUDPGuard(defaultBlockedPorts, loopback, int(rate), self)
		now := time.Now()
		v := g.Check(src, now)
		if v < answer || v > dropRate {
			t.Fatalf("%v: verdict %d out of range", src, v)
		}
		if want, rule := ruleVerdict(g, src); rule && v != want {
			t.Fatalf("%v (own port %d, loopback %v): %v, want %v", src, selfPort, loopback, v, want)
		}
		if v != answer && v != dropRate {
			return
		}
		checkBudget(t, g, src, v, now, int(rate), int(n), sibling)
	})
}

// ruleVerdict is what the guard's fixed rules say of src, and whether
// one applies.
func ruleVerdict(g *udpGuard, src netip.AddrPort) (verdict, bool) {
	a := src.Addr().Unmap()
	switch {
	case g.blocked[src.Port()] || src.Port() == 0:
		return dropPort, true
	case src.Port() == g.self.Port():
		return dropSelf, true
	case a.IsMulticast() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return dropBroadcast, true
	case a.IsLoopback() && !g.allowLoopback:
		return dropLoopback, true
	}
	return answer, false
}

// checkBudget sends more datagrams from src after the first (whose
// verdict was first) and holds the answers to the budget: min(all, rate)
// in one window, as the table is exact while one prefix is all it has
// seen. Then, once the budget is spent, a sibling address of the same
// /24 or /64 must be refused.
func checkBudget(t *testing.T, g *udpGuard, src netip.AddrPort, first verdict, now time.Time, rate, more int, sibling byte) {
	answered := 0
	if first == answer {
		answered++
	}
	for i := 0; i < more; i++ {
		if g.Check(src, now) == answer {
			answered++
		}
	}
	want := more + 1
	if rate > 0 {
		want = min(want, rate)
	}
	if answered != want {
		t.Fatalf("%v, rate %d: %d of %d answered, want %d", src, rate, answered, more+1, want)
	}
	if rate == 0 || more+1 < rate {
		return
	}
	sib := siblingOf(src, sibling)
	if _, rule := ruleVerdict(g, sib); rule {
		return
	}
	if v := g.Check(sib, now); v != dropRate {
		t.Fatalf("%v after %v spent its budget of %d: %v", sib, src, rate, v)
	}
}

// siblingOf is src with the last byte of its (unmapped) address flipped
// by x: the same /24 or /64.
func siblingOf(src netip.AddrPort, x byte) netip.AddrPort {
	a := src.Addr().Unmap()
	if a.Is4() {
		b := a.As4()
		b[3] ^= x
		return netip.AddrPortFrom(netip.AddrFrom4(b), src.Port())
	}
	b := a.As16()
	b[15] ^= x
	return netip.AddrPortFrom(netip.AddrFrom16(b), src.Port())
}

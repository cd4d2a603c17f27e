package echo

import (
	"net/netip"
	"sync"
	"time"
)

// defaultBlockedPorts are source ports of services that answer whatever
// they are sent (and of well-known UDP services): echoing to them would let
// one spoofed datagram bounce between two reflectors forever, or turn this
// server into an amplifier's accomplice.
var defaultBlockedPorts = []int{7, 9, 13, 17, 19, 37, 53, 123, 161, 389, 1900, 11211}

// udpGuard decides whom the UDP server answers.
type udpGuard struct {
	blocked       [65536]bool
	allowLoopback bool
	self          netip.AddrPort // our own address: never answer ourselves
	rate          int            // datagrams per second per source; 0: no limit
	mu            sync.Mutex
	window        time.Time
	counts        map[netip.Addr]int
}

// maxTracked bounds the rate limiter's memory: past it, the window's
// sources share one budget (a flood from many spoofed sources).
const maxTracked = 1 << 16

// newUDPGuard makes a guard; blocked lists source ports never answered.
func newUDPGuard(blocked []int, allowLoopback bool, rate int, self netip.AddrPort) *udpGuard {
	g := &udpGuard{allowLoopback: allowLoopback, rate: rate, self: self, counts: map[netip.Addr]int{}}
	for _, p := range blocked {
		if p >= 0 && p < 65536 {
			g.blocked[p] = true
		}
	}
	return g
}

// verdict is why a datagram is answered or not.
type verdict int

const (
	answer verdict = iota
	dropPort
	dropSelf
	dropBroadcast
	dropLoopback
	dropRate
)

func (v verdict) String() string {
	return [...]string{"answer", "blocked source port", "own address", "broadcast/multicast source", "loopback source", "rate limit"}[v]
}

// Check says whether to echo a datagram from src, at time now.
func (g *udpGuard) Check(src netip.AddrPort, now time.Time) verdict {
	a := src.Addr().Unmap()
	switch {
	case g.blocked[src.Port()] || src.Port() == 0:
		return dropPort
	case src == g.self || (a.IsLoopback() || a == g.self.Addr()) && src.Port() == g.self.Port():
		return dropSelf
	case a.IsMulticast() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return dropBroadcast
	case a.IsLoopback() && !g.allowLoopback:
		return dropLoopback
	}
	if g.rate > 0 {
		g.mu.Lock()
		defer g.mu.Unlock()
		if now.Sub(g.window) >= time.Second {
			g.window = now
			clear(g.counts)
		}
		key := a
		if _, ok := g.counts[a]; !ok && len(g.counts) >= maxTracked {
			key = netip.Addr{}
		}
		g.counts[key]++
		if g.counts[key] > g.rate {
			return dropRate
		}
	}
	return answer
}

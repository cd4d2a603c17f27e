package echo

import (
	"net/netip"
	"time"
)

// defaultBlockedPorts are source ports of services that answer whatever
// they are sent, and of the UDP services known as reflectors (US-CERT
// TA14-017A and its successors): echoing to them would let one spoofed
// datagram bounce between two reflectors forever, or make this server an
// amplifier's accomplice.
var defaultBlockedPorts = []int{7, 9, 13, 17, 19, 37, 53, 69, 111, 123, 137, 138, 161, 389, 427, 520,
	1434, 1900, 3283, 3702, 5353, 5683, 10001, 11211}

// defaultRate is --rate's default: datagrams per second answered per
// source prefix. Far above what a person's client sends, far below a
// flood: a spoofer reflects at most this much onto one network through
// this server.
const defaultRate = 1000

// udpGuard decides whom the UDP server answers.
type udpGuard struct {
	blocked       [65536]bool
	allowLoopback bool
	self          netip.AddrPort // our own address and port
	limit         *rateLimiter   // nil: no rate limit
}

// newUDPGuard makes a guard; blocked lists source ports never answered,
// rate the datagrams per second answered per source prefix (0: no limit).
func newUDPGuard(blocked []int, allowLoopback bool, rate int, self netip.AddrPort) *udpGuard {
	g := &udpGuard{allowLoopback: allowLoopback, self: self}
	for _, p := range blocked {
		if p >= 0 && p < 65536 {
			g.blocked[p] = true
		}
	}
	if rate > 0 {
		g.limit = newRateLimiter(rate, time.Now())
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
	return [...]string{"answer", "blocked source port", "own port", "broadcast/multicast source", "loopback source", "rate limit"}[v]
}

// Check says whether to echo a datagram from src, at time now.
//
// A datagram from our own port is never answered, whatever its address:
// it comes from ourselves or from another echo server like us (two on
// port 7007 would otherwise bounce one spoofed datagram between them
// forever), as FreeBSD's inetd refuses its built-in services' ports.
func (g *udpGuard) Check(src netip.AddrPort, now time.Time) verdict {
	a := src.Addr().Unmap()
	switch {
	case g.blocked[src.Port()] || src.Port() == 0:
		return dropPort
	case src.Port() == g.self.Port():
		return dropSelf
	case a.IsMulticast() || a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return dropBroadcast
	case a.IsLoopback() && !g.allowLoopback:
		return dropLoopback
	case g.limit != nil && !g.limit.allow(a, now):
		return dropRate
	}
	return answer
}

package echo

import (
	"net/netip"
	"sync"
)

// sourceCounts counts a TCP server's open connections per source, for
// --max-conns-per-source (nginx's limit_conn per $binary_remote_addr).
// TCP sources cannot be forged, so an IPv4 source is its address; an
// IPv6 source is its /64, which one host holds whole. The map holds only
// sources with connections open: never more entries than connections.
type sourceCounts struct {
	mu     sync.Mutex
	counts map[prefixKey]int
}

// sourceOf is the key a TCP peer is counted under.
func sourceOf(a netip.Addr) prefixKey {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return prefixKey{bits: uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3]), v4: true}
	}
	return prefixOf(a)
}

// take counts one more connection of src, or says no when src has max
// open already (max 0: no limit, nothing counted).
func (sc *sourceCounts) take(src prefixKey, max int) bool {
	if max <= 0 {
		return true
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.counts == nil {
		sc.counts = map[prefixKey]int{}
	}
	if sc.counts[src] >= max {
		return false
	}
	sc.counts[src]++
	return true
}

// give counts one connection of src less.
func (sc *sourceCounts) give(src prefixKey) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch n := sc.counts[src]; {
	case n > 1:
		sc.counts[src] = n - 1
	case n == 1:
		delete(sc.counts, src)
	}
}

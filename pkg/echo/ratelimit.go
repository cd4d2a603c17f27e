package echo

import (
	"hash/maphash"
	"math"
	"net/netip"
	"sync/atomic"
	"time"
)

// The rate limiter's table: sketchRows rows of sketchWidth cells, 512 KiB
// whatever the traffic.
const (
	sketchRows  = 4
	sketchWidth = 1 << 14 // a power of two; 14 bits of the hash per row
)

// rateLimiter counts the datagrams answered per source prefix in
// one-second windows, in a table of fixed size: a count-min sketch
// (Cormode and Muthukrishnan, 2005) with conservative update. A prefix
// has one cell in each row, picked by a hash keyed with a per-process
// random seed (a spoofer cannot aim at a client's cells), and its count
// is the least of its cells.
//
// Sources are counted per /24 (IPv4) and /64 (IPv6), what one host or
// one customer usually holds, so an attacker who owns a prefix cannot
// multiply the budget by its addresses, and a spoofer reflects at most
// rate datagrams per second onto any one network.
//
// The table never fills and so never starves a new client: a flood of P
// datagrams/s spread over many prefixes adds about P/sketchWidth to each
// cell, and a client is held back only once every one of its cells has
// reached rate, which takes P near sketchWidth*rate (16 million/s at
// the default rate). A prefix that floods fills only its own cells.
type rateLimiter struct {
	rate  uint32
	seed  maphash.Seed
	start time.Time
	// Each cell is window<<32 | count; a cell of an older window counts 0.
	cells [sketchRows][sketchWidth]atomic.Uint64
}

func newRateLimiter(rate int, start time.Time) *rateLimiter {
	return &rateLimiter{rate: uint32(min(rate, math.MaxUint32)), seed: maphash.MakeSeed(), start: start}
}

// prefixKey is a source's prefix as the table counts it.
type prefixKey struct {
	bits uint64 // the /64, or the /24 in the low bits
	v4   bool
}

func prefixOf(a netip.Addr) prefixKey {
	if a.Is4() {
		b := a.As4()
		return prefixKey{bits: uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2]), v4: true}
	}
	b := a.As16()
	var hi uint64
	for _, x := range b[:8] {
		hi = hi<<8 | uint64(x)
	}
	return prefixKey{bits: hi}
}

// allow counts one datagram from a (unmapped) and says whether it is
// within the rate. Shards call it at once: the cells are atomic, and a
// lost race costs at most one datagram more or less in a window.
func (r *rateLimiter) allow(a netip.Addr, now time.Time) bool {
	h := maphash.Comparable(r.seed, prefixOf(a))
	window := uint64(max(now.Sub(r.start), 0)/time.Second) + 1 // 0: a cell never used
	var cells [sketchRows]*atomic.Uint64
	least := uint32(math.MaxUint32)
	for i := range cells {
		cells[i] = &r.cells[i][(h>>(i*14))&(sketchWidth-1)]
		least = min(least, countIn(cells[i].Load(), window))
	}
	if least >= r.rate {
		return false
	}
	// Conservative update: raise only the cells at the least count, so a
	// cell shared with a busier prefix is not pushed further.
	for _, c := range cells {
		if v := c.Load(); countIn(v, window) == least {
			c.CompareAndSwap(v, window<<32|uint64(least+1))
		}
	}
	return true
}

// countIn is a cell's count in window: 0 if it was last counted in an
// earlier one.
func countIn(cell, window uint64) uint32 {
	if cell>>32 != window {
		return 0
	}
	return uint32(cell)
}

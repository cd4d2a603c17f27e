package gpmtud

import (
	"context"
	"net/netip"
	"time"

	"gnetutils/pkg/icmpkind"
)

// hopLine is one line of the tracepath-style per-hop walk.
type hopLine struct {
	ttl       int
	from      netip.Addr
	rtt       time.Duration
	pmtu      int  // a new path MTU learned at this line, 0 if none
	reached   bool // the destination answered
	noReply   bool
	blackHole bool   // pmtu was found by probing: the hop before dropped its frag-needed
	annot     string // unreachable annotation (!H, !N, ...)
	back      int    // hops the answer travelled back, 0 if unknown
}

// walkResult sums the walk up for the Resume line.
type walkResult struct {
	pmtu         int
	hops         int // hops to the destination, 0 if not reached
	back         int
	reached      bool
	blackHoleHop int // the hop after which packets above pmtu vanish, 0 if none
	learned      string
}

// walk probes hop by hop as tracepath does, at the path MTU known so far.
// Where a size vanishes at a hop that smaller packets pass, the hop before
// dropped its frag-needed: it bisects the size at that hop and names the
// black hole.
func walk(ctx context.Context, pr *prober, start, floor, maxHops int, emit func(hopLine)) (walkResult, error) {
	size := start
	wr := walkResult{learned: "probing"}
	icmpSize := 0
	for ttl := 1; ttl <= maxHops; {
		o, err := pr.try(ctx, ttl, size)
		if err != nil {
			wr.pmtu = size
			return wr, err
		}
		line := hopLine{ttl: ttl, from: o.from, rtt: o.rtt, back: returnHops(o)}
		switch o.res {
		case resHop:
			emit(line)
			ttl++
			continue
		case resThrough:
			line.reached = true
			emit(line)
			wr.pmtu, wr.hops, wr.back, wr.reached = size, ttl, line.back, true
			if size == icmpSize {
				wr.learned = "icmp"
			}
			return wr, nil
		case resTooBig, resLocal:
			next := o.mtu
			if next <= 0 || next >= size {
				next = plateauBelow(size)
			}
			if next < floor {
				next = floor
			}
			if next >= size {
				wr.pmtu = size
				return wr, errUnreachable
			}
			size = next
			if o.res == resTooBig {
				icmpSize = size
				line.pmtu = size
				emit(line)
			}
			continue
		case resUnreachable:
			line.annot = annotation(o)
			emit(line)
			wr.pmtu = size
			return wr, errUnreachable
		}
		// Lost at this size. If the smallest size answers at this TTL, the
		// hop before this one forwards small packets but silently drops the
		// larger ones: a black hole. Find the largest size that passes.
		if size > floor {
			f, err := pr.try(ctx, ttl, floor)
			if err != nil {
				wr.pmtu = size
				return wr, err
			}
			if f.res == resHop || f.res == resThrough {
				lo, hi := floor, size
				last := f
				for hi-lo > 1 {
					mid := lo + (hi-lo)/2
					m, err := pr.try(ctx, ttl, mid)
					if err != nil {
						wr.pmtu = lo
						return wr, err
					}
					switch {
					case m.res == resHop || m.res == resThrough:
						lo, last = mid, m
					case m.res == resTooBig && m.mtu > lo && m.mtu < mid:
						hi = m.mtu + 1
					default:
						hi = mid
					}
				}
				size = lo
				if wr.blackHoleHop == 0 {
					wr.blackHoleHop = ttl - 1
				}
				line := hopLine{ttl: ttl, from: last.from, rtt: last.rtt, pmtu: size, blackHole: true, back: returnHops(last), reached: last.res == resThrough}
				emit(line)
				if line.reached {
					wr.pmtu, wr.hops, wr.back, wr.reached = size, ttl, line.back, true
					return wr, nil
				}
				ttl++
				continue
			}
		}
		emit(hopLine{ttl: ttl, noReply: true})
		ttl++
	}
	wr.pmtu = size
	return wr, nil
}

// annotation is traceroute's mark for an unreachable answer.
func annotation(o outcome) string { return icmpkind.Mark(o.icmpv6, o.typ, o.code, o.mtu) }
